/**
 * The live fleet view: one self-contained page (no build step, no external assets) fed only by
 * the `/admin` Socket.IO namespace. It never polls: a snapshot on (re)connect, then pushes.
 */
export const FLEET_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiosk fleet · Kiosk Sign-in</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: dark; --bg:#0b1220; --panel:#121b2e; --line:#22304d; --text:#e8edf7; --muted:#8b9bb8;
    --pending:#f5b942; --authorized:#3ccf91; --bad:#ff6b6b; --neutral:#7b8db0; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; padding:16px 24px; border-bottom:1px solid var(--line); }
  h1 { font-size:20px; margin:0; flex:1; }
  h2 { font-size:14px; text-transform:uppercase; letter-spacing:.08em; color:var(--muted); margin:0 0 8px; }
  #conn { font-size:13px; padding:4px 10px; border-radius:999px; background:var(--panel); }
  #conn[data-state=online] { color:var(--authorized); } #conn[data-state=offline] { color:var(--bad); }
  main { display:grid; grid-template-columns: 1fr 340px; gap:24px; padding:24px; }
  .counts { display:flex; flex-wrap:wrap; gap:8px; margin-bottom:16px; }
  .count { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:8px 14px; min-width:110px; }
  .count b { display:block; font-size:24px; }
  table { width:100%; border-collapse:collapse; background:var(--panel); border-radius:10px; overflow:hidden; }
  th, td { text-align:left; padding:8px 12px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--muted); font-weight:600; font-size:13px; }
  .status { font-weight:600; }
  .s-pending { color:var(--pending); } .s-authorized { color:var(--authorized); }
  .s-denied, .s-expired, .s-failed { color:var(--bad); } .s-cancelled, .s-signed_out { color:var(--neutral); }
  aside section { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:14px; margin-bottom:16px; }
  ol { margin:0; padding-left:18px; } li { margin:4px 0; } .muted { color:var(--muted); }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header><h1>Kiosk fleet</h1><span id="conn" data-testid="connection" data-state="offline">connecting…</span></header>
<main>
  <div>
    <div class="counts" id="counts" data-testid="counts"></div>
    <table aria-describedby="counts">
      <thead><tr><th>Kiosk</th><th>Status</th><th>Code time left</th><th>Signed in</th><th>Provider</th><th>Interval</th><th>Updated</th></tr></thead>
      <tbody id="rows" data-testid="sessions"></tbody>
    </table>
  </div>
  <aside>
    <section><h2>Last sign-ins</h2><ol id="signins" data-testid="recent-signins"></ol></section>
    <section><h2>Last failures</h2><ol id="failures" data-testid="recent-failures"></ol></section>
  </aside>
</main>
<script src="/socket.io/socket.io.min.js"></script>
<script>
(() => {
  const STATUSES = ['pending','authorized','expired','denied','cancelled','signed_out','failed'];
  const BAD = ['expired','denied','failed'];
  const RECENT = 10;
  const sessions = new Map();
  const el = (id) => document.getElementById(id);
  const text = (v) => String(v == null ? '' : v).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  const left = (s) => {
    if (s.status !== 'pending') return '—';
    const ms = Date.parse(s.expiresAt) - Date.now();
    if (ms <= 0) return '0:00';
    const t = Math.ceil(ms / 1000);
    return Math.floor(t / 60) + ':' + String(t % 60).padStart(2, '0');
  };
  const time = (iso) => new Date(iso).toLocaleTimeString();
  function render() {
    const all = [...sessions.values()].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const s of all) counts[s.status]++;
    el('counts').innerHTML = STATUSES.map((s) =>
      '<div class="count" data-status="' + s + '"><b class="s-' + s + '">' + counts[s] + '</b>' + s.replace('_', ' ') + '</div>').join('');
    el('rows').innerHTML = all.filter((s) => s.status === 'pending' || s.status === 'authorized').map((s) =>
      '<tr data-session="' + text(s.id) + '"><td>' + (text(s.kioskId) || '<span class="muted">unnamed</span>') + '</td>' +
      '<td class="status s-' + s.status + '">' + s.status + '</td><td class="left">' + left(s) + '</td>' +
      '<td data-testid="person">' + text(s.profile && s.profile.displayName) + '</td><td data-testid="provider">' + text(s.provider ? s.provider.name : 'Webex') + '</td><td>' + s.interval + ' s</td>' +
      '<td>' + time(s.updatedAt) + '</td></tr>').join('');
    const line = (s, what) => '<li>' + (text(s.kioskId) || 'unnamed') + ' · ' + what + ' <span class="muted">' + time(s.updatedAt) + '</span></li>';
    el('signins').innerHTML = all.filter((s) => s.profile).slice(0, RECENT).map((s) => line(s, text(s.profile.displayName))).join('');
    el('failures').innerHTML = all.filter((s) => BAD.includes(s.status)).slice(0, RECENT)
      .map((s) => line(s, s.status + (s.error ? ' (' + text(s.error.code) + ')' : ''))).join('');
  }
  function tick() { for (const row of document.querySelectorAll('tr[data-session]')) {
    const s = sessions.get(row.dataset.session); if (s) row.querySelector('.left').textContent = left(s); } }
  const socket = io('/admin', {
    transports: ['websocket'],
    // The page's Basic credentials cannot ride on a WebSocket; a fresh signed ticket does, every (re)connect.
    auth: (cb) => fetch('/admin/kiosks/ticket', { cache: 'no-store' }).then((r) => r.json()).then((t) => cb({ ticket: t.ticket }), () => cb({})),
  });
  const conn = (state, label) => { el('conn').dataset.state = state; el('conn').textContent = label; };
  // A snapshot is read from Redis while pushes keep arriving: keep whichever copy is newer.
  const newer = (a, b) => !b || Date.parse(a.updatedAt) >= Date.parse(b.updatedAt);
  function loadSnapshot() {
    socket.timeout(10000).emit('fleet:snapshot', (err, snap) => {
      if (err || !snap || !snap.sessions) { if (socket.connected) setTimeout(loadSnapshot, 3000); return; }
      const taken = Date.parse(snap.generatedAt);
      for (const [id, s] of sessions) if (Date.parse(s.updatedAt) < taken) sessions.delete(id);
      for (const s of snap.sessions) if (newer(s, sessions.get(s.id))) sessions.set(s.id, s);
      render();
    });
  }
  socket.on('connect', () => {
    conn('online', 'live');
    loadSnapshot();
  });
  socket.on('disconnect', () => conn('offline', 'offline — reconnecting'));
  socket.on('connect_error', () => {
    conn('offline', 'offline — reconnecting');
    // A refused handshake (no ticket: the ticket fetch failed) is not retried by socket.io itself.
    if (!socket.active) setTimeout(() => socket.connect(), 5000);
  });
  socket.on('fleet:session', (s) => { if (newer(s, sessions.get(s.id))) { sessions.set(s.id, s); render(); } });
  setInterval(tick, 1000);
  render();
})();
</script>
</body>
</html>
`;
