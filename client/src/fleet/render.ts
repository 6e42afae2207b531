/** Fleet view rendering: DOM built with textContent only, so no pushed text can become markup. */
import { BAD, type FleetSession, STATUSES, timeLeft } from './model';

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

export function render(sessions: Map<string, FleetSession>, now: number): void {
  const all = [...sessions.values()].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const s of all) counts[s.status] = (counts[s.status] ?? 0) + 1;
  byId('counts').replaceChildren(
    ...STATUSES.map((s) =>
      h('div', { class: 'count', 'data-status': s }, h('b', { class: `s-${s}` }, String(counts[s])), s.replace('_', ' ')),
    ),
  );
  byId('rows').replaceChildren(
    ...all
      .filter((s) => s.status === 'pending' || s.status === 'authorized')
      .map((s) =>
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
  byId('failures').replaceChildren(
    ...all
      .filter((s) => BAD.includes(s.status))
      .slice(0, RECENT)
      .map((s) => line(s, s.status + (s.error ? ` (${s.error.code})` : ''))),
  );
}

/** Once a second: only the countdown cells change. */
export function tick(sessions: Map<string, FleetSession>, now: number): void {
  for (const row of document.querySelectorAll<HTMLElement>('tr[data-session]')) {
    const s = sessions.get(row.dataset.session ?? '');
    const cell = row.querySelector('.left');
    if (s && cell) cell.textContent = timeLeft(s, now);
  }
}
