/** Fleet view rendering: DOM built with textContent only, so no pushed text can become markup. */
import { BAD, type FleetSession, STATUSES, timeLeft } from './model';
import { currentProblems, describeFailure, type Upstream } from './stats';

const RECENT = 10;

type Child = Node | string;

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const byId = (id: string) => document.getElementById(id)!;
const time = (iso: string) => new Date(iso).toLocaleTimeString();
const kioskLabel = (s: FleetSession): Child => s.kioskId ?? h('span', { class: 'muted' }, 'unnamed');

function line(s: FleetSession, what: string): HTMLElement {
  return h('li', {}, kioskLabel(s), ` · ${what} `, h('span', { class: 'muted' }, time(s.updatedAt)));
}

/** Session failures and the provider's failures (which may have left no session), newest first. */
function failures(all: FleetSession[], upstream: Upstream | null): HTMLElement[] {
  const fromSessions = all
    .filter((s) => BAD.includes(s.status))
    .slice(0, RECENT)
    .map((s) => ({ at: Date.parse(s.updatedAt), el: line(s, s.status + (s.error ? ` (${s.error.code})` : '')) }));
  const fromProvider = (upstream?.failures ?? []).slice(0, RECENT).map((f) => ({
    at: Date.parse(f.at),
    el: h(
      'li',
      { class: `upstream cause-${f.cause}`, 'data-cause': f.cause, title: f.message },
      describeFailure(f, time),
      ' ',
      h('span', { class: 'muted' }, time(f.at)),
    ),
  }));
  return [...fromSessions, ...fromProvider]
    .sort((a, b) => b.at - a.at)
    .slice(0, RECENT)
    .map((x) => x.el);
}

/** The banner over the table: what is wrong with the provider right now, and since when. */
let shownProblems = '';

export function renderProblems(upstream: Upstream | null, now: number): void {
  const banner = byId('provider-status');
  const problems = upstream ? currentProblems(upstream, now) : [];
  // Called every second (a pause ends by the clock): the banner is rebuilt only when it changes.
  const key = JSON.stringify(problems);
  if (key === shownProblems) return;
  shownProblems = key;
  banner.hidden = problems.length === 0;
  banner.dataset.state = problems[0]?.kind ?? 'ok';
  banner.replaceChildren(
    ...problems.map((p) =>
      h(
        'p',
        { 'data-problem': p.kind },
        h('b', {}, p.message),
        ' ',
        h(
          'span',
          { class: 'muted' },
          p.until ? `until ${time(p.until)}` : `since ${time(p.since)}, last seen ${time(p.lastSeenAt)}`,
        ),
      ),
    ),
  );
}

export function render(sessions: Map<string, FleetSession>, now: number, upstream: Upstream | null = null): void {
  const all = [...sessions.values()].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const s of all) counts[s.status] = (counts[s.status] ?? 0) + 1;
  byId('counts').replaceChildren(
    ...STATUSES.map((s) =>
      h('div', { class: 'count', 'data-status': s }, h('b', { class: `s-${s}` }, String(counts[s])), s.replace('_', ' ')),
    ),
  );
  const live = all.filter((s) => s.status === 'pending' || s.status === 'authorized');
  byId('empty').hidden = live.length > 0;
  byId('rows').replaceChildren(
    ...live.map((s) =>
      h(
        'tr',
        { 'data-session': s.id },
        h('td', {}, kioskLabel(s)),
        h('td', { class: `status s-${s.status}` }, s.status),
        h('td', { class: 'left' }, timeLeft(s, now)),
        h('td', { 'data-testid': 'person' }, s.profile?.displayName ?? ''),
        h('td', { 'data-testid': 'provider' }, s.provider?.name ?? 'Webex'),
        h('td', {}, `${s.interval} s`),
        h('td', {}, time(s.updatedAt)),
      ),
    ),
  );
  byId('signins').replaceChildren(
    ...all
      .filter((s) => s.profile)
      .slice(0, RECENT)
      .map((s) => line(s, s.profile?.displayName ?? '')),
  );
  byId('failures').replaceChildren(...failures(all, upstream));
  renderProblems(upstream, now);
}

/** Once a second: only the countdown cells change. */
export function tick(sessions: Map<string, FleetSession>, now: number): void {
  for (const row of document.querySelectorAll<HTMLElement>('tr[data-session]')) {
    const s = sessions.get(row.dataset.session ?? '');
    const cell = row.querySelector('.left');
    if (s && cell) cell.textContent = timeLeft(s, now);
  }
}
