import type { WorkloadOptions } from './args';
import { Limiter } from './limiter';
import { Decision, IdlePool, planPerson, seededRandom } from './people';
import type { SimClient } from './sim-client';

/** Called once per status change a kiosk (or the floor) is told about. */
export type StatusListener = (status: string, at: number) => void;

/** Whatever polls Webex for the kiosks: our service (through Socket.IO) or the floor loop. */
export interface Backend {
  /** Starts a sign-in at `kiosk`; resolves with the user code once the kiosk shows it. */
  start(kiosk: number, n: number, onStatus: StatusListener): Promise<{ userCode: string }>;
}

export interface SignInRecord {
  n: number;
  kiosk: number;
  decision: Decision;
  thinkMs: number;
  startedAt: number;
  /** When the kiosk had the code to show (the create answer). */
  shownAt: number | null;
  userCode: string | null;
  /** When the simulator accepted the person's decision, and its answer (200, 409, 404, or 0 for no answer). */
  decidedAt: number | null;
  controlStatus: number | null;
  /** The first non-pending status the kiosk was told, and when it arrived there. */
  finalStatus: string | null;
  finalAt: number | null;
  error: string | null;
}

export interface PhaseSample {
  at: number;
  pending: number;
}

export interface PhaseRun {
  startedAt: number;
  arrivalsEndAt: number;
  endedAt: number;
  /** When the first `signing` sign-ins had all been created, and how many were pending then. */
  initialBatchAt: number | null;
  pendingAtInitialBatch: number;
  signIns: SignInRecord[];
  samples: PhaseSample[];
  /** True when the bounded wait ran out with sign-ins still unresolved. */
  timedOut: boolean;
}

export interface PhaseState {
  elapsedS: number;
  started: number;
  pending: number;
  finished: number;
}

export interface PhaseHooks {
  /** Runs once the first `signing` sign-ins exist (the bench reads Redis memory here). */
  onInitialBatch?: (pending: number) => Promise<void>;
  onTick?: (state: PhaseState) => void;
}

const CREATE_CONCURRENCY = 64;
const TICK_MS = 250;
const SAMPLE_EVERY_TICKS = 4;

/** How long a phase may last at most: arrivals, the slowest decision, a few polls, and slack. */
export function phaseDeadlineMs(w: WorkloadOptions): number {
  return (w.durationS + w.thinkMaxS + 4 * w.intervalS + 60) * 1000;
}

/**
 * Plays one workload against a backend: people arrive at kiosks, each sign-in shows a code, the
 * person decides after their think time (approve, deny, or let it expire — through the
 * simulator's control API), and the kiosk waits for the final status. Everything is bounded: a
 * capped number of sign-ins, and a deadline after which whatever is unresolved is reported.
 */
export async function runPhase(w: WorkloadOptions, backend: Backend, sim: SimClient, hooks: PhaseHooks = {}): Promise<PhaseRun> {
  const random = seededRandom(w.seed);
  const idle = new IdlePool(w.kiosks, random);
  const startedAt = Date.now();
  const arrivalsEndAt = w.arrivals === 'steady' ? startedAt + w.durationS * 1000 : startedAt;
  const deadline = startedAt + phaseDeadlineMs(w);
  const maxSignIns = w.arrivals === 'steady' ? w.signing * (Math.ceil(w.durationS / Math.max(1, w.thinkMinS)) + 2) : w.signing;
  const signIns: SignInRecord[] = [];
  const samples: PhaseSample[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let creating = 0;
  let pending = 0;
  let finished = 0;
  let initialLeft = w.signing;
  let initialBatchAt: number | null = null;
  let pendingAtInitialBatch = 0;
  let initialHook: Promise<void> = Promise.resolve();
  // Creation requests wait their turn here; the service sees at most this many at once.
  const creates = new Limiter(CREATE_CONCURRENCY);

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const arrivalsOpen = () => w.arrivals === 'steady' && Date.now() < arrivalsEndAt && signIns.length < maxSignIns;

  const onInitialSettled = () => {
    if (--initialLeft > 0) return;
    initialBatchAt = Date.now();
    pendingAtInitialBatch = pending;
    if (hooks.onInitialBatch) initialHook = hooks.onInitialBatch(pending).catch(() => undefined);
  };

  const finish = (s: SignInRecord, status: string, at: number, replaceAfterMs = 0) => {
    if (s.finalStatus !== null) return;
    s.finalStatus = status;
    s.finalAt = at;
    if (s.shownAt !== null) pending--;
    finished++;
    idle.give(s.kiosk);
    // A failed start is replaced after a pause, so a broken service cannot turn this into a hot loop.
    if (replaceAfterMs > 0) later(replaceAfterMs, () => arrivalsOpen() && launch());
    else if (arrivalsOpen()) launch();
  };

  const decide = (s: SignInRecord) => {
    if (s.userCode === null) return;
    sim.act(s.decision, s.userCode).then(
      (status) => {
        s.decidedAt = Date.now();
        s.controlStatus = status;
      },
      () => {
        s.decidedAt = Date.now();
        s.controlStatus = 0;
      },
    );
  };

  function launch(): void {
    const kiosk = idle.take();
    if (kiosk === undefined) return;
    const plan = planPerson(random, w);
    const s: SignInRecord = {
      n: signIns.length,
      kiosk,
      decision: plan.decision,
      thinkMs: plan.thinkMs,
      startedAt: Date.now(),
      shownAt: null,
      userCode: null,
      decidedAt: null,
      controlStatus: null,
      finalStatus: null,
      finalAt: null,
      error: null,
    };
    const initial = s.n < w.signing;
    signIns.push(s);
    creating++;
    void (async () => {
      try {
        const { userCode } = await creates.run(() =>
          backend.start(kiosk, s.n, (status, at) => {
            if (status !== 'pending') finish(s, status, at);
          }),
        );
        s.userCode = userCode;
        s.shownAt = Date.now();
        if (s.finalStatus === null) {
          pending++;
          later(s.thinkMs, () => decide(s));
        }
      } catch (err) {
        s.error = err instanceof Error ? err.message : String(err);
        finish(s, 'start_failed', Date.now(), 1_000);
      } finally {
        creating--;
        if (initial) onInitialSettled();
      }
    })();
  }

  for (let i = 0; i < w.signing; i++) launch();

  let ticks = 0;
  let timedOut = false;
  for (;;) {
    await new Promise((r) => setTimeout(r, TICK_MS));
    const now = Date.now();
    if (++ticks % SAMPLE_EVERY_TICKS === 0) samples.push({ at: now, pending });
    hooks.onTick?.({ elapsedS: (now - startedAt) / 1000, started: signIns.length, pending, finished });
    const busy = creating > 0 || pending > 0 || arrivalsOpen();
    if (!busy) break;
    if (now >= deadline) {
      timedOut = true;
      break;
    }
  }
  for (const t of timers) clearTimeout(t);
  await initialHook;
  return { startedAt, arrivalsEndAt, endedAt: Date.now(), initialBatchAt, pendingAtInitialBatch, signIns, samples, timedOut };
}
