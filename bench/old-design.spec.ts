import { describe, expect, it } from 'vitest';
import { compareWithBrowserPolling } from './old-design';

describe('compareWithBrowserPolling', () => {
  it('is 30 requests a minute per kiosk at 2 s, none for us', () => {
    const c = compareWithBrowserPolling({ signInDurationsMs: [], signing: 1000, browserPollS: 2 });
    expect(c.requestsPerKioskPerMinute).toEqual({ browserPolling: 30, ours: 0 });
    expect(c.requestsPerMinuteFleetWide).toEqual({ browserPolling: 30_000, ours: 0 });
    expect(c.addedDetectionDelayMs).toEqual({ mean: 1000, max: 2000 });
  });

  it('counts the POST plus the status GETs until the browser sees the end', () => {
    // 5 s → GETs at 2, 4, 6 s (the third sees it): 1 + 3; 100 ms → still one GET: 1 + 1; 4 s exactly → 1 + 2.
    const c = compareWithBrowserPolling({ signInDurationsMs: [5000, 100, 4000], signing: 3, browserPollS: 2 });
    expect(c.requestsThisRun).toEqual({ browserPolling: 4 + 2 + 3, ours: 3 });
  });
});
