/**
 * Wiring: browser events, HTTP answers and Socket.IO pushes become kiosk events; the state
 * machine's effects become HTTP calls and socket emits. Everything here is set up exactly once —
 * the page runs for weeks without a reload — and at most one interval (the clock) exists at a time.
 */
import './styles.css';
import './screens.css';
import { ApiError, createSession, deleteSession } from './api';
import { parseConfig } from './config';
import { initialState, needsClock, step, type CreateFailure, type Effect, type KioskEvent } from './kiosk';
import { connectLive, type Live } from './live';
import { fetchProvider } from './provider';
import { createView } from './view';

const CLOCK_MS = 500;
const ACTIVITY_THROTTLE_MS = 1_000;

const cfg = parseConfig(location.search);
if (cfg.kioskId === null && new URLSearchParams(location.search).has('kiosk')) {
  console.warn('kiosk: ignoring invalid ?kiosk= (allowed: 1-64 of A-Z a-z 0-9 . _ -)');
}

let state = initialState(Date.now());
let clock: ReturnType<typeof setInterval> | undefined;
let lastActivitySent = 0;

const view = createView(cfg, (action) => dispatch({ type: action }));

function classify(err: unknown): CreateFailure {
  if (!(err instanceof ApiError)) return 'other';
  if (err.status === 0) return 'network';
  if (err.code === 'kiosk_not_enrolled') return 'not-enrolled';
  if (err.status === 429) return 'busy';
  return err.status === 502 || err.status === 503 || err.status === 504 ? 'upstream' : 'other';
}

function run(effect: Effect): void {
  switch (effect.type) {
    case 'create':
      void createSession(cfg.kioskId).then(
        (session) => dispatch({ type: 'created', session }),
        (err: unknown) => {
          console.warn('kiosk: could not start sign-in', err);
          dispatch({ type: 'create-failed', reason: classify(err) });
        },
      );
      return;
    case 'delete':
      void deleteSession(effect.id);
      return;
    case 'watch':
      live.watch(effect.id);
      return;
    case 'unwatch':
      live.unwatch(effect.id);
      return;
  }
}

function syncClock(): void {
  if (needsClock(state) && clock === undefined) {
    clock = setInterval(() => dispatch({ type: 'tick' }), CLOCK_MS);
  } else if (!needsClock(state) && clock !== undefined) {
    clearInterval(clock);
    clock = undefined;
  }
}

function dispatch(event: KioskEvent): void {
  const now = Date.now();
  const { state: next, effects } = step(state, event, now, cfg);
  const changed = next !== state;
  state = next;
  if (changed || event.type === 'tick') view.render(state, now);
  syncClock();
  effects.forEach(run);
}

/** Asked once at start, and again on each reconnect until the service has answered. */
let providerKnown = false;
function loadProvider(): void {
  if (providerKnown) return;
  void fetchProvider().then((provider) => {
    if (!provider || providerKnown) return;
    providerKnown = true;
    view.setProvider(provider.name);
    view.render(state, Date.now());
  });
}

// Socket callbacks fire asynchronously, so `run` never sees `live` before it is assigned.
const live: Live = connectLive({
  connected: () => {
    loadProvider();
    dispatch({ type: 'connected' });
  },
  refused: () => dispatch({ type: 'not-enrolled' }),
  disconnected: () => dispatch({ type: 'disconnected' }),
  update: (session) => dispatch({ type: 'update', session }),
  ack: (id, ack) => dispatch({ type: 'ack', id, ack }),
});

// Any touch, click, key or pointer movement counts as someone still being there.
const onActivity = () => {
  const now = Date.now();
  if (state.screen !== 'signed-in' || now - lastActivitySent < ACTIVITY_THROTTLE_MS) return;
  lastActivitySent = now;
  dispatch({ type: 'activity' });
};
for (const type of ['pointerdown', 'pointermove', 'keydown', 'touchstart', 'wheel'] as const) {
  window.addEventListener(type, onActivity, { passive: true, capture: true });
}

view.render(state, Date.now());
