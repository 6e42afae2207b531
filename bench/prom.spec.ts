import { describe, expect, it } from 'vitest';
import { sampleValue, serviceMetrics, sumOver } from './prom';

const BEFORE = [
  '# HELP kiosk_upstream_request_duration_seconds Duration',
  'kiosk_upstream_request_duration_seconds_sum{endpoint="token",status="428"} 1',
  'kiosk_upstream_request_duration_seconds_count{endpoint="token",status="428"} 100',
  'kiosk_poll_lateness_seconds_sum 2',
  'kiosk_poll_lateness_seconds_count 100',
].join('\n');

const AFTER = [
  'kiosk_nodejs_eventloop_lag_mean_seconds 0.012',
  'kiosk_nodejs_eventloop_lag_p50_seconds 0.010',
  'kiosk_nodejs_eventloop_lag_p99_seconds 0.25',
  'kiosk_nodejs_eventloop_lag_max_seconds 1.5',
  'kiosk_upstream_request_duration_seconds_bucket{le="0.01",endpoint="token",status="428"} 150',
  'kiosk_upstream_request_duration_seconds_sum{endpoint="token",status="428"} 5',
  'kiosk_upstream_request_duration_seconds_count{endpoint="token",status="428"} 250',
  'kiosk_upstream_request_duration_seconds_sum{endpoint="token",status="200"} 1',
  'kiosk_upstream_request_duration_seconds_count{endpoint="token",status="200"} 50',
  'kiosk_upstream_request_duration_seconds_sum{endpoint="people",status="200"} 9',
  'kiosk_upstream_request_duration_seconds_count{endpoint="people",status="200"} 50',
  'kiosk_poll_lateness_seconds_sum 32',
  'kiosk_poll_lateness_seconds_count 300',
].join('\n');

describe('Prometheus text', () => {
  it('reads one sample, matching labels', () => {
    expect(sampleValue(AFTER, 'kiosk_nodejs_eventloop_lag_p99_seconds')).toBe(0.25);
    expect(sampleValue(AFTER, 'kiosk_upstream_request_duration_seconds_count', { status: '200', endpoint: 'people' })).toBe(50);
    expect(sampleValue(AFTER, 'kiosk_missing')).toBeNull();
  });

  it('sums a series over label sets, not confusing _sum with _bucket', () => {
    expect(sumOver(AFTER, 'kiosk_upstream_request_duration_seconds_count', { endpoint: 'token' })).toBe(300);
  });

  it('turns two scrapes into the phase’s figures', () => {
    const m = serviceMetrics(AFTER, BEFORE);
    expect(m.eventLoopLagMs).toEqual({ mean: 12, p50: 10, p99: 250, max: 1500 });
    expect(m.tokenRequests).toBe(200);
    expect(m.tokenRequestMeanMs).toBeCloseTo(25); // (6 − 1) s over 200 requests
    expect(m.pollLatenessMeanMs).toBeCloseTo(150); // (32 − 2) s over 200 polls
  });
});
