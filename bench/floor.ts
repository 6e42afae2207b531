/**
 * The floor: the least any poller can do for the same workload. One Node process, one timer per
 * sign-in, one HTTP request per poll straight to the token endpoint; no queue, no persistence, no
 * push. The bench forks it and talks over IPC: `start` → `started`/`failed`, then `final` when
 * Webex gives a final answer. Its CPU is read from /proc exactly like the service's.
 *
 * Env: FLOOR_API_BASE (e.g. http://127.0.0.1:4010/v1), FLOOR_CLIENT_ID, FLOOR_CLIENT_SECRET, and
 * FLOOR_HTTP: `fetch` (Node's built-in) or `undici` (undici's `request()` on a keep-alive pool,
 * cheaper: no WHATWG streams, no Request/Response objects).
 */
import { Pool } from 'undici';
import type { FloorReply, FloorRequest } from './floor-protocol';

const apiBase = process.env.FLOOR_API_BASE ?? '';
const clientId = process.env.FLOOR_CLIENT_ID ?? '';
const clientSecret = process.env.FLOOR_CLIENT_SECRET ?? '';
const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const FORM = 'application/x-www-form-urlencoded';

interface Answer {
  status: number;
  body: unknown;
}

/** One POST of a form, answered with status and parsed JSON body (null when it is not JSON). */
type Post = (path: string, form: string, headers: Record<string, string>) => Promise<Answer>;

function fetchPost(): Post {
  return async (path, form, headers) => {
    const res = await fetch(`${apiBase}${path}`, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: form });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
}

function undiciPost(): Post {
  const base = new URL(apiBase);
  const pool = new Pool(base.origin);
  return async (path, form, headers) => {
    const res = await pool.request({
      method: 'POST',
      path: `${base.pathname}${path}`,
      headers: { 'content-type': FORM, ...headers },
      body: form,
    });
    return { status: res.statusCode, body: await res.body.json().catch(() => null) };
  };
}

const post: Post = process.env.FLOOR_HTTP === 'undici' ? undiciPost() : fetchPost();
/** A hard stop for each sign-in, whatever the simulator does. */
const MAX_POLLS_PER_SIGN_IN = 10_000;

/** libuv's timers count from the loop's cached clock, so one may fire a little early by Date.now(). */
async function sleepUntil(due: number): Promise<void> {
  for (let i = 0; i < 100 && Date.now() < due; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, due - Date.now())));
  }
}

function send(reply: FloorReply): void {
  process.send?.(reply);
}

function errorCode(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const o = body as Record<string, unknown>;
  return typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : '';
}

async function signIn(n: number): Promise<void> {
  const res = await post('/device/authorize', new URLSearchParams({ client_id: clientId, scope: 'spark:all' }).toString(), {});
  const auth = (res.body ?? {}) as { device_code?: string; user_code?: string; interval?: number; expires_in?: number };
  if (res.status !== 200 || !auth.device_code || !auth.user_code) throw new Error(`authorize answered ${res.status}`);
  send({ type: 'started', n, userCode: auth.user_code });
  const form = new URLSearchParams({ grant_type: GRANT, device_code: auth.device_code, client_id: clientId }).toString();
  let intervalMs = (auth.interval ?? 5) * 1000;
  // The interval is counted from the previous answer: the next request then cannot reach Webex
  // sooner than `interval` after the previous one did, whatever the network's jitter.
  let lastAnswer = Date.now();
  for (let polls = 0; polls < MAX_POLLS_PER_SIGN_IN; polls++) {
    await sleepUntil(lastAnswer + intervalMs);
    let status = 0;
    let code = '';
    try {
      const answer = await post('/device/token', form, { authorization: basic });
      status = answer.status;
      code = errorCode(answer.body);
    } catch {
      lastAnswer = Date.now();
      continue; // connection trouble: try again after the interval
    }
    lastAnswer = Date.now();
    if (status === 200) return send({ type: 'final', n, status: 'authorized', at: Date.now() });
    if (status === 428 || status >= 500 || status === 429) continue;
    if (code === 'slow_down') intervalMs += 5_000;
    else if (code === 'access_denied') return send({ type: 'final', n, status: 'denied', at: Date.now() });
    else if (code === 'expired_token') return send({ type: 'final', n, status: 'expired', at: Date.now() });
    else return send({ type: 'final', n, status: 'failed', at: Date.now() });
  }
  send({ type: 'final', n, status: 'failed', at: Date.now() });
}

process.on('message', (message: FloorRequest) => {
  if (message.type === 'start') {
    signIn(message.n).catch((err: unknown) => send({ type: 'failed', n: message.n, error: String(err) }));
  } else if (message.type === 'stop') {
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
