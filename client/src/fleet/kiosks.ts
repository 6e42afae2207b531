/**
 * Enrolled kiosks in the fleet view: "add kiosk" issues a one-time enrollment link (and its QR),
 * "revoke" refuses a kiosk from then on. Both are JSON POSTs (a cross-site form cannot send
 * JSON, so cached Basic credentials cannot be ridden); the list itself comes over the socket.
 */
import type { KioskEntry } from './model';
import { h } from './render';

interface ApiErrorBody {
  error?: { message?: string };
}

async function postJson(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new Error((json as ApiErrorBody | null)?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function showError(message: string): void {
  byId('kiosk-error').textContent = message;
}

export function renderKiosks(kiosks: KioskEntry[], onChanged: () => void): void {
  byId('kiosks').replaceChildren(
    ...kiosks.map((k) => {
      const revoke = h('button', { type: 'button', 'data-testid': 'revoke', 'data-kiosk': k.kioskId }, 'Revoke');
      revoke.addEventListener('click', () => {
        if (!confirm(`Revoke ${k.kioskId}? It is refused at once and its sign-ins end.`)) return;
        postJson('/admin/kiosks/revocations', { kioskId: k.kioskId }).then(onChanged, (err: Error) => showError(err.message));
      });
      return h('li', { 'data-kiosk': k.kioskId }, h('span', {}, k.kioskId), revoke);
    }),
  );
}

export function setUpEnrollForm(onChanged: () => void): void {
  const form = byId<HTMLFormElement>('enroll-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const kioskId = byId<HTMLInputElement>('enroll-id').value.trim();
    showError('');
    postJson('/admin/kiosks/enrollments', { kioskId }).then(
      (answer) => {
        const link = answer as { kioskId: string; url: string; qrSvg: string };
        byId('enroll-kiosk').textContent = link.kioskId;
        const anchor = byId<HTMLAnchorElement>('enroll-url');
        anchor.textContent = link.url;
        anchor.href = link.url;
        byId<HTMLImageElement>('enroll-qr').src = `data:image/svg+xml;base64,${btoa(link.qrSvg)}`;
        byId('enroll-link').hidden = false;
        onChanged();
      },
      (err: Error) => showError(err.message),
    );
  });
}
