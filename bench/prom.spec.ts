import { describe, expect, it } from 'vitest';
import { bucketQuantileMs, sampleValue, serviceMetrics, sumOver } from './prom';

const BEFORE = [
  '# HELP kiosk_upstream_request_duration_seconds Duration',
  'kiosk_upstream_request_duration_seconds_sum{endpoint="token",status="428"} 1',
  'kiosk_upstream_request_duration_seconds_count{endpoint="token",status="428"} 100',
  'kiosk_poll_lateness_seconds_sum 2',
  'kiosk_poll_lateness_seconds_count 100',
  'kiosk_push_latency_seconds_bucket{le="0.005"} 40',
  'kiosk_push_latency_seconds_bucket{le="0.01"} 50',
  'kiosk_push_latency_seconds_bucket{le="0.1"} 50',
  'kiosk_push_latency_seconds_bucket{le="+Inf"} 50',
  'kiosk_push_latency_seconds_sum 0.2',
  'kiosk_push_latency_seconds_count 50',
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
  // The phase adds 150 pushes: 100 within 5 ms, 48 more within 10 ms, 2 between 10 and 100 ms.
  'kiosk_push_latency_seconds_bucket{le="0.005"} 140',
  'kiosk_push_latency_seconds_bucket{le="0.01"} 198',
  'kiosk_push_latency_seconds_bucket{le="0.1"} 200',
  'kiosk_push_latency_seconds_bucket{le="+Inf"} 200',
  'kiosk_push_latency_seconds_sum 1.1',
  'kiosk_push_latency_seconds_count 200',
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
    expect(m.pushSent.count).toBe(150);
    expect(m.pushSent.meanMs).toBeCloseTo(6); // (1.1 − 0.2) s over 150 pushes
    expect(m.pushSent.p99AtMostMs).toBe(100); // the 149th of 150 lies in the 10-100 ms bucket
  });

  it('places a quantile in its bucket, or nowhere when nothing was observed or it lies past the last bound', () => {
    const name = 'kiosk_push_latency_seconds';
    expect(bucketQuantileMs(AFTER, BEFORE, name, 0.5)).toBe(5); // 100 of 150 within 5 ms
    expect(bucketQuantileMs(AFTER, BEFORE, name, 0.9)).toBe(10);
    expect(bucketQuantileMs(BEFORE, BEFORE, name, 0.99)).toBeNull();
    const slow = ['x_bucket{le="0.1"} 1', 'x_bucket{le="+Inf"} 10'].join('\n');
    expect(bucketQuantileMs(slow, null, 'x', 0.99)).toBeNull();
    expect(bucketQuantileMs(slow, null, 'x', 0.1)).toBe(100);
  });
});
