/**
 * The design this service replaces: the original Flask sample had the kiosk's browser poll its own
 * server every 2 s until the sign-in finished. Pure arithmetic over this run's sign-ins.
 */

export interface OldDesignInput {
  /** For each finished sign-in: from the session's creation to its final status, ms. */
  signInDurationsMs: readonly number[];
  /** Sign-ins in progress at once, for the fleet-wide rate. */
  signing: number;
  /** The browser's polling period, seconds (2 in the Flask sample). */
  browserPollS: number;
}

export interface OldDesignComparison {
  browserPollS: number;
  /** HTTP requests one signing-in kiosk sends per minute. */
  requestsPerKioskPerMinute: { browserPolling: number; ours: number };
  /** HTTP requests per minute for the whole fleet with `signing` sign-ins in progress. */
  requestsPerMinuteFleetWide: { browserPolling: number; ours: number };
  /** Over this run's sign-ins: HTTP requests in total (POST + status GETs vs POST only). */
  requestsThisRun: { browserPolling: number; ours: number };
  /** Per sign-in on our side: one POST, one websocket (kept open anyway), no polling. */
  oursPerSignIn: { httpPosts: 1; websockets: 1; pollingRequests: 0 };
  /** What a periodic browser poll adds to noticing the change: uniform over one period. */
  addedDetectionDelayMs: { mean: number; max: number };
}

export function compareWithBrowserPolling(input: OldDesignInput): OldDesignComparison {
  const periodMs = input.browserPollS * 1000;
  const perMinute = 60 / input.browserPollS;
  let oldRequests = 0;
  for (const d of input.signInDurationsMs) oldRequests += 1 + Math.max(1, Math.ceil(d / periodMs));
  return {
    browserPollS: input.browserPollS,
    requestsPerKioskPerMinute: { browserPolling: perMinute, ours: 0 },
    requestsPerMinuteFleetWide: { browserPolling: perMinute * input.signing, ours: 0 },
    requestsThisRun: { browserPolling: oldRequests, ours: input.signInDurationsMs.length },
    oursPerSignIn: { httpPosts: 1, websockets: 1, pollingRequests: 0 },
    addedDetectionDelayMs: { mean: periodMs / 2, max: periodMs },
  };
}
