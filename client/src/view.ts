/**
 * Rendering: KioskState → DOM. A screen is rebuilt only when what it shows changes; on every other
 * call only the countdown-like texts are touched. Buttons carry `data-action`; one delegated click
 * listener on <main> turns them into actions, so rebuilding never adds listeners.
 * Text from the server (names, codes, addresses) only ever goes into `textContent`.
 */
import type { KioskConfig } from './config';
import { remaining, type KioskState, type Screen } from './kiosk';
import type { Profile, SessionView } from './session';
import { groupUserCode } from './user-code';

export type Action = 'start' | 'cancel' | 'sign-out';

export interface View {
  render(s: KioskState, now: number): void;
  /** The provider's name ("Webex", "Contoso"): the next render names it. */
  setProvider(name: string): void;
}

type Child = Node | string | null | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== false) el.append(c);
  return el;
}

const button = (action: Action, testid: string, label: string, cls: string, extra: Record<string, string | undefined> = {}) =>
  h(
    'button',
    { type: 'button', class: cls, 'data-action': action, 'data-testid': testid, 'data-autofocus': '', ...extra },
    label,
  );

/** 83_000 → "1:23". */
export function clock(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Letter by letter for a screen reader, with a pause where the screen shows a dash. */
/** 120_000 → "2 minutes", 90_000 → "90 seconds". */
export function spokenDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 60 === 0 && s >= 60) return s === 60 ? '1 minute' : `${s / 60} minutes`;
  return s === 1 ? '1 second' : `${s} seconds`;
}

const spell = (code: string) =>
  groupUserCode(code)
    .split(/[^A-Za-z0-9]+/)
    .map((group) => group.split('').join(' '))
    .join(', ');

const TITLES: Record<Exclude<Screen, 'idle' | 'signing-in' | 'signed-in'>, string> = {
  denied: 'Sign-in declined',
  expired: 'Code expired',
  failed: 'Sign-in failed',
  error: 'Sign-in unavailable',
  'not-enrolled': 'This kiosk is not enrolled',
};

/** The elements whose text follows the clock, found again after each rebuild. */
interface Timed {
  countdown: HTMLElement | null;
  bar: HTMLElement | null;
  idleNote: HTMLElement | null;
  autoReturn: HTMLElement | null;
}

/** `null` until the service named its provider: the page then says only "Sign in". */
function idleScreen(s: KioskState, provider: string | null): Child[] {
  return [
    h('h1', {}, 'Welcome'),
    h(
      'p',
      { class: 'lead' },
      provider ? `Sign in to ${provider} on this kiosk with your phone.` : 'Sign in on this kiosk with your phone.',
    ),
    button('start', 'sign-in', s.busy ? 'Starting…' : provider ? `Sign in with ${provider}` : 'Sign in', 'primary huge', {
      'aria-disabled': s.busy ? 'true' : undefined,
    }),
    h('p', { class: 'notice', 'data-testid': 'notice' }, s.notice),
  ];
}

/**
 * Providers without a complete verification URI (Entra ID, Google) cannot carry the code in the
 * QR code: it only opens their page, so the code to type is the main thing on screen.
 */
export function codeMustBeTyped(v: SessionView): boolean {
  return v.verificationUriComplete === '' || v.verificationUriComplete === v.verificationUri;
}

function signingInScreen(v: SessionView, provider: string | null): Child[] {
  const typed = codeMustBeTyped(v);
  const alt = `QR code to sign in${provider ? ` with ${provider}` : ''}`;
  const qr = h('figure', { class: 'qr' }, h('img', { src: v.qrUrl, alt, 'data-testid': 'qr' }));
  const steps = h(
    'div',
    { class: typed ? 'steps typed' : 'steps', 'data-code-entry': typed ? 'typed' : 'scanned' },
    h('h1', {}, typed ? 'Enter this code on your phone' : 'Scan to sign in'),
    h('p', {}, typed ? 'Scan the QR code to open the sign-in page, or go to' : 'Scan the QR code with your phone, or go to'),
    h('p', { class: 'uri', 'data-testid': 'verification-uri' }, v.verificationUri),
    h('p', {}, typed ? 'and type the code:' : 'and enter the code'),
    h('p', { class: 'code', 'data-testid': 'user-code' }, groupUserCode(v.userCode)),
    // RFC 8628 §5.4: a code shown elsewhere (a phishing mail, a remote screen) must not be approved.
    h('p', { class: 'phishing-note', 'data-testid': 'phishing-note' }, 'Only enter this code if you are standing at this kiosk.'),
    h(
      'p',
      { class: 'status', 'data-testid': 'status' },
      h('span', { class: 'pulse', 'aria-hidden': 'true' }),
      'Waiting for approval on your phone…',
    ),
    h(
      'div',
      { class: 'expiry' },
      h('span', {}, 'Code expires in '),
      h('span', { class: 'countdown', 'data-testid': 'countdown', role: 'timer', 'aria-live': 'off' }, ''),
      h('div', { class: 'bar', 'aria-hidden': 'true' }, h('span', {})),
    ),
    button('cancel', 'cancel', 'Cancel', 'secondary'),
  );
  return [h('div', { class: 'signing-in' }, qr, steps)];
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((p) => [...p][0]?.toUpperCase() ?? '').join('') || '?';
}

function signedInScreen(p: Profile): Child[] {
  const role = [p.title, p.department].filter((x): x is string => x !== null).join(' · ');
  return [
    h(
      'div',
      { class: 'avatar', 'aria-hidden': 'true' },
      h('span', {}, initials(p.displayName)),
      p.avatar !== null && h('img', { src: p.avatar, alt: '', referrerpolicy: 'no-referrer', 'data-testid': 'avatar' }),
    ),
    h('p', { class: 'hello' }, 'Signed in as'),
    h('h1', { class: 'name', 'data-testid': 'profile-name' }, p.displayName),
    p.emails[0] !== undefined && h('p', { class: 'email', 'data-testid': 'profile-email' }, p.emails[0]),
    role !== '' && h('p', { class: 'role', 'data-testid': 'profile-title' }, role),
    button('sign-out', 'sign-out', 'Sign out', 'primary'),
    h('p', { class: 'idle-note', 'data-testid': 'idle-warning', role: 'timer', 'aria-live': 'off' }, ''),
  ];
}

function resultScreen(screen: keyof typeof TITLES, message: string): Child[] {
  return [
    h('div', { class: 'icon', 'aria-hidden': 'true' }, '!'),
    h('h1', {}, TITLES[screen]),
    h('p', { class: 'message', 'data-testid': 'message' }, message),
    button('start', 'try-again', 'Try again', 'primary'),
    h('p', { class: 'auto-return', 'data-testid': 'auto-return' }, ''),
  ];
}

function notEnrolledScreen(message: string): Child[] {
  return [
    h('div', { class: 'icon', 'aria-hidden': 'true' }, '!'),
    h('h1', { 'data-testid': 'not-enrolled' }, TITLES['not-enrolled']),
    h('p', { class: 'message', 'data-testid': 'message' }, message),
    h('p', { class: 'lead' }, 'Operators: use “Add kiosk” in the fleet view and open the link it gives on this kiosk.'),
  ];
}

function build(s: KioskState, provider: string | null): Child[] {
  switch (s.screen) {
    case 'not-enrolled':
      return notEnrolledScreen(s.message);
    case 'idle':
      return idleScreen(s, provider);
    case 'signing-in':
      return s.session ? signingInScreen(s.session, provider) : idleScreen(s, provider);
    case 'signed-in':
      return signedInScreen(
        s.session?.profile ?? { displayName: 'Signed-in user', emails: [], avatar: null, title: null, department: null },
      );
    default:
      return resultScreen(s.screen, s.message);
  }
}

/** What a screen reader hears when a screen appears. */
function announcement(s: KioskState): string {
  switch (s.screen) {
    case 'idle':
      return s.busy ? 'Starting sign-in…' : s.notice;
    case 'signing-in':
      return s.session
        ? `Scan the QR code, or go to ${s.session.verificationUri} and enter the code ${spell(s.session.userCode)}. Waiting for approval on your phone…`
        : '';
    case 'signed-in':
      return `Signed in as ${s.session?.profile?.displayName ?? 'Signed-in user'}.`;
    default:
      return `${TITLES[s.screen]}. ${s.message}`;
  }
}

/** Only what a screen shows: a change of anything else (interval, updatedAt) must not rebuild it. */
function screenKey(s: KioskState): string {
  const v = s.session;
  const shown =
    s.screen === 'signing-in'
      ? [v?.id, v?.userCode, v?.verificationUri, v?.qrUrl]
      : s.screen === 'signed-in'
        ? [v?.id, JSON.stringify(v?.profile)]
        : [];
  return JSON.stringify([s.screen, s.busy, s.message, s.notice, ...shown]);
}

const setText = (el: HTMLElement | null, text: string) => {
  if (el && el.textContent !== text) el.textContent = text;
};

const WARN_MS = 30_000;

export function createView(cfg: KioskConfig, onAction: (a: Action) => void): View {
  const main = document.querySelector('main')!;
  const conn = document.querySelector<HTMLElement>('[data-testid="connection"]')!;
  const connText = conn.querySelector<HTMLElement>('.conn-text')!;
  const live = document.getElementById('announce')!;
  const kiosk = document.querySelector<HTMLElement>('[data-testid="kiosk-id"]')!;
  const brand = document.querySelector<HTMLElement>('[data-testid="brand-name"]')!;
  let key = '';
  let provider: string | null = null;
  let online: boolean | null = null;
  let warned = false;
  let timed: Timed = { countdown: null, bar: null, idleNote: null, autoReturn: null };

  if (cfg.kioskId !== null) {
    kiosk.textContent = `Kiosk ${cfg.kioskId}`;
    kiosk.hidden = false;
  }

  main.addEventListener('click', (e) => {
    const btn = (e.target as Element).closest<HTMLElement>('button[data-action]');
    if (btn) onAction(btn.dataset.action as Action);
  });
  // Images fail when the kiosk is cut off from the internet (avatars live on Webex's CDN).
  main.addEventListener(
    'error',
    (e) => {
      if (e.target instanceof HTMLImageElement) e.target.closest('figure, .avatar')?.classList.add('img-failed');
    },
    true,
  );

  const announce = (text: string) => {
    if (text !== '') live.textContent = text;
  };

  function rebuild(s: KioskState) {
    const hadFocus = main.contains(document.activeElement);
    main.replaceChildren(...build(s, provider).filter((c): c is Node | string => c !== null && c !== false));
    main.dataset.screen = s.screen;
    main.setAttribute('aria-busy', String(s.busy));
    timed = {
      countdown: main.querySelector('[data-testid="countdown"]'),
      bar: main.querySelector('.bar > span'),
      idleNote: main.querySelector('[data-testid="idle-warning"]'),
      autoReturn: main.querySelector('[data-testid="auto-return"]'),
    };
    warned = false;
    if (hadFocus) main.querySelector<HTMLElement>('[data-autofocus]')?.focus({ preventScroll: true });
    announce(announcement(s));
  }

  function renderConnection(s: KioskState) {
    if (online === s.online) return;
    const wasKnown = online !== null && s.connectedOnce;
    online = s.online;
    conn.dataset.state = s.online ? 'online' : 'offline';
    connText.textContent = s.online ? 'Connected' : s.connectedOnce ? 'Offline — reconnecting…' : 'Connecting…';
    if (wasKnown) announce(s.online ? 'Connection restored.' : 'Connection lost. Reconnecting…');
    if (s.online) retryFailedImages();
  }

  /** An image that failed while the service was down (the QR code, say) is loaded again once it is back. */
  function retryFailedImages() {
    for (const holder of main.querySelectorAll('.img-failed')) {
      const img = holder.querySelector('img');
      const src = img?.getAttribute('src');
      if (!img || !src) continue;
      holder.classList.remove('img-failed');
      img.removeAttribute('src');
      img.setAttribute('src', src);
    }
  }

  function renderTimed(s: KioskState, now: number) {
    const left = remaining(s, now, cfg);
    if (left === null) return;
    setText(timed.countdown, clock(left));
    if (timed.bar && s.session) {
      const total = Date.parse(s.session.expiresAt) - Date.parse(s.session.createdAt);
      const frac = total > 0 ? Math.min(1, left / total) : 0;
      timed.bar.style.transform = `scaleX(${frac.toFixed(3)})`;
    }
    if (timed.idleNote) {
      const warn = left <= WARN_MS;
      setText(
        timed.idleNote,
        warn
          ? `Signing out in ${clock(left)} — touch the screen to stay signed in.`
          : `You will be signed out after ${spokenDuration(cfg.idleMs)} without a touch.`,
      );
      timed.idleNote.dataset.warn = String(warn);
      timed.idleNote.classList.toggle('warn', warn);
      if (warn && !warned)
        announce(`You will be signed out in ${Math.ceil(left / 1000)} seconds. Touch the screen to stay signed in.`);
      warned = warn;
    }
    setText(timed.autoReturn, `Back to the start in ${Math.ceil(left / 1000)} s`);
  }

  return {
    setProvider(name) {
      provider = name;
      brand.textContent = `${name} sign-in`;
      document.title = `${name} sign-in`;
      key = ''; // rebuild on the next render
    },
    render(s, now) {
      const k = screenKey(s);
      if (k !== key) {
        key = k;
        rebuild(s);
      }
      renderConnection(s);
      renderTimed(s, now);
    },
  };
}
