/**
 * The live fleet view, fed only by the `/admin` Socket.IO namespace: a snapshot on (re)connect,
 * then pushes. It never polls. Served behind HTTP Basic auth; the socket needs a ticket fetched
 * with those credentials, since browsers cannot put Basic credentials on a WebSocket.
 */
import { io } from 'socket.io-client';
import './fleet.css';
import { renderKiosks, setUpEnrollForm } from './kiosks';
import { applySnapshot, type FleetSession, newer, parseKiosks, parseSession } from './model';
import { renderCharts } from './charts';
import { render, renderProblems, tick } from './render';
import { parseTrends, parseUpstream, type Upstream } from './stats';

const sessions = new Map<string, FleetSession>();
let upstream: Upstream | null = null;
const conn = document.getElementById('conn')!;

const socket = io('/admin', {
  transports: ['websocket'],
  // A fresh signed ticket on every (re)connect.
  auth: (cb) => {
    fetch('/admin/kiosks/ticket', { cache: 'no-store' })
      .then((r) => r.json() as Promise<{ ticket?: string }>)
      .then(
        (t) => cb({ ticket: t.ticket }),
        () => cb({}),
      );
  },
});

function status(state: 'online' | 'offline', label: string): void {
  conn.dataset.state = state;
  conn.textContent = label;
}

function loadSnapshot(): void {
  socket.timeout(10_000).emit('fleet:snapshot', (err: Error | null, snap: unknown) => {
    const s = snap as { sessions?: unknown[]; generatedAt?: string } | undefined;
    if (err || !s?.sessions || typeof s.generatedAt !== 'string') {
      if (socket.connected) setTimeout(loadSnapshot, 3000);
      return;
    }
    applySnapshot(
      sessions,
      s.sessions.map(parseSession).filter((x): x is FleetSession => x !== null),
      s.generatedAt,
    );
    render(sessions, Date.now(), upstream);
  });
}

/** Charts and provider status: pushed every few seconds (`fleet:stats`), and asked for once on connect. */
function applyStats(payload: unknown): void {
  const p = payload as { trends?: unknown; upstream?: unknown } | undefined;
  const trends = parseTrends(p?.trends);
  if (trends) renderCharts(trends);
  applyUpstream(p?.upstream);
}

function applyUpstream(payload: unknown): void {
  const parsed = parseUpstream(payload);
  if (!parsed) return;
  upstream = parsed;
  render(sessions, Date.now(), upstream);
}

function loadStats(): void {
  socket.timeout(10_000).emit('fleet:stats', (err: Error | null, stats: unknown) => {
    if (!err) applyStats(stats);
  });
}

function loadKiosks(): void {
  socket.timeout(10_000).emit('fleet:kiosks', (err: Error | null, answer: unknown) => {
    const kiosks = err ? null : parseKiosks(answer);
    if (kiosks) renderKiosks(kiosks, loadKiosks);
  });
}

socket.on('connect', () => {
  status('online', 'live');
  loadSnapshot();
  loadStats();
  loadKiosks();
});
socket.on('disconnect', () => status('offline', 'offline — reconnecting'));
socket.on('connect_error', () => {
  status('offline', 'offline — reconnecting');
  // A refused handshake (no ticket: the ticket fetch failed) is not retried by socket.io itself.
  if (!socket.active) setTimeout(() => socket.connect(), 5000);
});
socket.on('fleet:sessions', (payload: unknown) => {
  let changed = false;
  for (const item of Array.isArray(payload) ? payload : []) {
    const s = parseSession(item);
    if (s && newer(s, sessions.get(s.id))) {
      sessions.set(s.id, s);
      changed = true;
    }
  }
  if (changed) render(sessions, Date.now(), upstream);
});

socket.on('fleet:kiosks-changed', loadKiosks);
socket.on('fleet:stats', applyStats);
socket.on('fleet:upstream', applyUpstream);

setUpEnrollForm(loadKiosks);
setInterval(() => {
  tick(sessions, Date.now());
  // A 429 pause ends at its `until` even before the next push says so.
  renderProblems(upstream, Date.now());
}, 1000);
render(sessions, Date.now(), upstream);
