/**
 * The page an enrollment link opens (`/enroll#<token>`). The token is in the fragment, which the
 * browser never sends in a request or a Referer; this page posts it once as JSON and gets the
 * kiosk's credential back as an HttpOnly cookie that no script (this one included) can read.
 */
import '../styles.css';
import './enroll.css';

const main = document.querySelector<HTMLElement>('main')!;
const title = main.querySelector('h1')!;
const message = main.querySelector<HTMLElement>('[data-testid="enroll-message"]')!;

function show(state: 'done' | 'failed', heading: string, text: string): void {
  main.dataset.state = state;
  title.textContent = heading;
  message.textContent = text;
}

async function enroll(token: string): Promise<void> {
  const res = await fetch('/api/enrollment', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token }),
    cache: 'no-store',
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => null)) as { kioskId?: string; error?: { message?: string } } | null;
  if (!res.ok || typeof body?.kioskId !== 'string') {
    show('failed', 'This link did not work', body?.error?.message ?? 'Ask an operator for a new enrollment link.');
    return;
  }
  const kiosk = `/?kiosk=${encodeURIComponent(body.kioskId)}`;
  show('done', `Enrolled as ${body.kioskId}`, 'Opening the kiosk page…');
  location.replace(kiosk);
}

const token = location.hash.slice(1);
// Off the address bar and out of the history at once: the link is spent either way.
history.replaceState(null, '', location.pathname);
if (!/^[\w-]{43}$/.test(token)) {
  show('failed', 'This link is incomplete', 'Open the whole enrollment link an operator gave you.');
} else {
  enroll(token).catch(() => show('failed', 'The service cannot be reached', 'Check the network and open the link again.'));
}
