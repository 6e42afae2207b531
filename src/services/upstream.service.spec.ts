import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config.loader';
import { ProblemKind, UpstreamFailureInput, UpstreamReport } from '../domain/upstream';
import { ControlRepository } from '../repositories/control.repository';
import { PushRepository } from '../repositories/push.repository';
import { FAILURES_KEPT, ProblemMark, UpstreamRepository } from '../repositories/upstream.repository';
import { FakeClock, FakeControl } from '../testing/fakes';
import { FAILURE_THROTTLE_MS, OK_THROTTLE_MS, UpstreamService } from './upstream.service';

/** `UpstreamRepository` in memory, with the same rules: a capped list, problems current until a later normal answer. */
class FakeUpstreamStore {
  failures: string[] = [];
  marks = new Map<ProblemKind, ProblemMark>();
  ok = 0;
  addFailure(json: string): Promise<void> {
    this.failures = [json, ...this.failures].slice(0, FAILURES_KEPT);
    return Promise.resolve();
  }
  recentFailures(limit: number): Promise<string[]> {
    return Promise.resolve(this.failures.slice(0, limit));
  }
  markProblem(kind: ProblemKind, at: number, message: string): Promise<void> {
    const cur = this.marks.get(kind);
    const since = !cur || cur.lastSeenAt <= this.ok ? at : cur.since;
    this.marks.set(kind, { kind, since, lastSeenAt: Math.max(at, cur?.lastSeenAt ?? 0), message });
    return Promise.resolve();
  }
  markOk(at: number): Promise<void> {
    this.ok = Math.max(this.ok, at);
    return Promise.resolve();
  }
  currentProblems(): Promise<ProblemMark[]> {
    return Promise.resolve([...this.marks.values()].filter((m) => m.lastSeenAt > this.ok));
  }
}

class FakeFleetPush {
  readonly reports: UpstreamReport[] = [];
  upstreamChanged(report: UpstreamReport): void {
    this.reports.push(report);
  }
}

const unreachable: UpstreamFailureInput = {
  call: 'token',
  cause: 'unreachable',
  status: null,
  code: null,
  message: 'fetch failed (ECONNREFUSED)',
  until: null,
};

describe('UpstreamService', () => {
  let clock: FakeClock;
  let store: FakeUpstreamStore;
  let control: FakeControl;
  let push: FakeFleetPush;
  let service: UpstreamService;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    clock = new FakeClock();
    store = new FakeUpstreamStore();
    control = new FakeControl();
    push = new FakeFleetPush();
    const config = loadConfig({ WEBEX_CLIENT_ID: 'id', WEBEX_CLIENT_SECRET: 'the-client-secret-value' });
    service = new UpstreamService(
      config,
      store as unknown as UpstreamRepository,
      control as unknown as ControlRepository,
      push as unknown as PushRepository,
      clock,
    );
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** Lets the fire-and-forget writes settle. */
  const settle = () => vi.advanceTimersByTimeAsync(0);

  it('writes the first failure at once and pushes the report; identical ones within the window become one record with a count', async () => {
    service.failed(unreachable);
    await settle();
    expect(store.failures).toHaveLength(1);
    expect(push.reports.at(-1)?.status).toMatchObject({ state: 'unreachable', problems: [{ kind: 'unreachable' }] });

    for (let i = 0; i < 99; i++) {
      clock.advance(10);
      service.failed(unreachable);
    }
    await settle();
    expect(store.failures).toHaveLength(1);
    clock.advance(FAILURE_THROTTLE_MS);
    await vi.advanceTimersByTimeAsync(FAILURE_THROTTLE_MS);
    expect(store.failures).toHaveLength(2);
    expect(JSON.parse(store.failures[0])).toMatchObject({ cause: 'unreachable', count: 99, call: 'token' });
    // Another kind of failure is not held back by the first kind's window.
    service.failed({ ...unreachable, call: 'authorize', cause: 'client_refused', status: 401, code: 'invalid_client' });
    await settle();
    expect(store.failures).toHaveLength(3);
  });

  it('says the provider is fine again once it answered normally after the problem, within the throttle', async () => {
    service.answered();
    await settle();
    clock.advance(1_000);
    service.failed({ ...unreachable, cause: 'client_refused', code: 'invalid_client', message: 'bad' });
    await settle();
    expect((await service.status()).state).toBe('client_refused');
    expect((await service.status()).problems[0]?.message).toMatch(/WEBEX_CLIENT_ID \/ WEBEX_CLIENT_SECRET/);

    // Fixed: the next normal answer comes within the ok throttle, and is still written (trailing).
    clock.advance(1_000);
    service.answered();
    await settle();
    expect((await service.status()).state).toBe('client_refused');
    clock.advance(OK_THROTTLE_MS);
    await vi.advanceTimersByTimeAsync(OK_THROTTLE_MS);
    expect(await service.status()).toMatchObject({ state: 'ok', problems: [] });
  });

  it('reports a 429 pause with its end, from the shared pause, and not once it is over', async () => {
    const until = clock.now() + 90_000;
    control.pausedUntilMs = until;
    service.failed({ call: 'authorize', cause: 'rate_limited', status: 429, code: null, message: 'rate limited', until });
    await settle();
    const status = await service.status();
    expect(status.state).toBe('rate_limited');
    expect(status.problems[0]).toMatchObject({ kind: 'rate_limited', until: new Date(until).toISOString() });
    expect(JSON.parse(store.failures[0])).toMatchObject({ cause: 'rate_limited', until: new Date(until).toISOString() });
    clock.advance(90_001);
    expect((await service.status()).state).toBe('ok');
  });

  it('never stores or pushes the client secret, even when a provider echoes it', async () => {
    service.failed({ ...unreachable, message: 'refused client_secret=the-client-secret-value' });
    await settle();
    expect(store.failures.join()).not.toContain('the-client-secret-value');
    expect(JSON.stringify(push.reports)).not.toContain('the-client-secret-value');
    expect(JSON.parse(store.failures[0]).message).toBe('refused client_secret=[redacted]');
  });
});
