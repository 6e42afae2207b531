/**
 * The fleet view's charts and provider status as pushed (`fleet:stats`, `fleet:upstream`), parsed
 * defensively: anything malformed from the wire is dropped, never drawn. Pure (no DOM).
 */
export const OUTCOMES = ['authorized', 'expired', 'denied', 'failed', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface SignInMinute {
  at: string;
  created: number;
  outcomes: Record<Outcome, number>;
}

export interface Bucket {
  le: number | null;
  count: number;
}

export interface Distribution {
  buckets: Bucket[];
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface LatenessMinute {
  at: string;
  polls: number;
  p50: number | null;
  p99: number | null;
}

export interface Trends {
  signIns: SignInMinute[];
  timeToApprove: Distribution;
  lateness: LatenessMinute[];
  latenessOverall: Distribution;
}

export interface UpstreamFailure {
  provider: string;
  call: string;
  cause: string;
  status: number | null;
  code: string | null;
  message: string;
  until: string | null;
  at: string;
  count: number;
}

export interface Problem {
  kind: string;
  since: string;
  lastSeenAt: string;
  until: string | null;
  message: string;
}

export interface Upstream {
  state: string;
  problems: Problem[];
  failures: UpstreamFailure[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function distribution(v: unknown): Distribution {
  const d = isObj(v) ? v : {};
  return {
    buckets: list(d.buckets).flatMap((b) => (isObj(b) ? [{ le: numOrNull(b.le), count: num(b.count) }] : [])),
    count: num(d.count),
    p50: numOrNull(d.p50),
    p90: numOrNull(d.p90),
    p99: numOrNull(d.p99),
  };
}

export function parseTrends(v: unknown): Trends | null {
  if (!isObj(v) || !Array.isArray(v.signIns) || !isObj(v.pollLateness)) return null;
  const signIns = v.signIns.flatMap((m: unknown) => {
    if (!isObj(m) || typeof m.at !== 'string' || !isObj(m.outcomes)) return [];
    const o = m.outcomes;
    return [
      {
        at: m.at,
        created: num(m.created),
        outcomes: Object.fromEntries(OUTCOMES.map((k) => [k, num(o[k])])) as Record<Outcome, number>,
      },
    ];
  });
  const lateness = list(v.pollLateness.perMinute).flatMap((m) =>
    isObj(m) && typeof m.at === 'string' ? [{ at: m.at, polls: num(m.polls), p50: numOrNull(m.p50), p99: numOrNull(m.p99) }] : [],
  );
  return {
    signIns,
    timeToApprove: distribution(v.timeToApprove),
    lateness,
    latenessOverall: distribution(v.pollLateness.overall),
  };
}

export function parseUpstream(v: unknown): Upstream | null {
  if (!isObj(v) || !isObj(v.status) || !Array.isArray(v.failures)) return null;
  const problems = list(v.status.problems).flatMap((p) =>
    isObj(p) && typeof p.kind === 'string' && typeof p.message === 'string'
      ? [{ kind: p.kind, since: str(p.since), lastSeenAt: str(p.lastSeenAt), until: strOrNull(p.until), message: p.message }]
      : [],
  );
  const failures = v.failures.flatMap((f: unknown) =>
    isObj(f) && typeof f.cause === 'string' && typeof f.at === 'string'
      ? [
          {
            provider: str(f.provider),
            call: str(f.call),
            cause: f.cause,
            status: numOrNull(f.status),
            code: strOrNull(f.code),
            message: str(f.message),
            until: strOrNull(f.until),
            at: f.at,
            count: Math.max(1, num(f.count)),
          },
        ]
      : [],
  );
  return { state: str(v.status.state) || 'ok', problems, failures };
}

/** A 429 pause is over once its `until` passed, whether or not a fresher status arrived yet. */
export function currentProblems(upstream: Upstream, now: number): Problem[] {
  return upstream.problems.filter((p) => p.until === null || Date.parse(p.until) > now);
}

const CALLS: Record<string, string> = {
  authorize: 'starting a sign-in',
  token: 'polling',
  refresh: 'refreshing a token',
  profile: 'reading the profile',
};

/** "client refused (invalid_client)", "rate limited (429) until 12:05:30", … */
export function describeFailure(f: UpstreamFailure, time: (iso: string) => string): string {
  const call = CALLS[f.call] ?? f.call;
  const what = (() => {
    switch (f.cause) {
      case 'client_refused':
        return `client refused (${f.code ?? `HTTP ${f.status ?? '?'}`})`;
      case 'rate_limited':
        return `rate limited (429)${f.until ? ` until ${time(f.until)}` : ''}`;
      case 'unreachable':
        return `unreachable — ${f.message}`;
      case 'timeout':
        return `timed out — ${f.message}`;
      case 'server_error':
        return `server error${f.status ? ` (HTTP ${f.status})` : ''} — ${f.message}`;
      case 'bad_answer':
        return 'unexpected answer';
      default:
        return `refused — ${f.message}`;
    }
  })();
  return `${f.provider || 'provider'} · ${call}: ${what}${f.count > 1 ? ` ×${f.count}` : ''}`;
}

/** "83 ms", "1.2 s", "45 s", "3 min". */
export function seconds(s: number | null): string {
  if (s === null) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}
