import { io, Socket } from 'socket.io-client';
import type { SessionView } from '../../src/domain/session';

/** Helpers for the security tests: operator calls, enrollment, and a kiosk holding a credential. */

export const OPS = `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}`;

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const json = opts.body !== undefined;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: json ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** An operator's enrollment link for `kioskId`: its token (from the URL fragment) and the whole answer. */
export async function enrollmentLink(base: string, kioskId: string): Promise<{ token: string; url: string; qrSvg: string }> {
  const answer = await call<{ url: string; qrSvg: string }>(base, 'POST', '/admin/kiosks/enrollments', {
    body: { kioskId },
    headers: { authorization: OPS },
  });
  if (answer.status !== 201) throw new Error(`enrollment answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { token: new URL(answer.body.url).hash.slice(1), url: answer.body.url, qrSvg: answer.body.qrSvg };
}

/** Enrolls `kioskId` the way the kiosk's enrollment page does, and returns its `Cookie` header value. */
export async function enrolledKiosk(base: string, kioskId: string): Promise<EnrolledKiosk> {
  const { token } = await enrollmentLink(base, kioskId);
  const answer = await call(base, 'POST', '/api/enrollment', { body: { token } });
  if (answer.status !== 200) throw new Error(`redeem answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return new EnrolledKiosk(base, kioskId, setCookie.split(';')[0], setCookie);
}

export class EnrolledKiosk {
  constructor(
    readonly base: string,
    readonly kioskId: string,
    /** `name=value`, as a browser sends it back. */
    readonly cookie: string,
    /** The whole Set-Cookie line, with its attributes. */
    readonly setCookie: string,
  ) {}

  request<T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    return call<T>(this.base, method, path, { body, headers: { cookie: this.cookie } });
  }

  async create(body: unknown = {}): Promise<SessionView> {
    const answer = await this.request<SessionView>('POST', '/api/sessions', body);
    if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  socket(): Promise<Socket> {
    return connectSocket(this.base, { cookie: this.cookie });
  }
}

/** A Socket.IO connection with extra handshake headers; rejects with the refusal's message. */
export function connectSocket(base: string, headers: Record<string, string> = {}, namespace = ''): Promise<Socket> {
  const socket = io(`${base}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: headers,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export function watch(socket: Socket, id: string): Promise<{ ok: boolean; session?: SessionView; error?: { code: string } }> {
  return socket.timeout(10_000).emitWithAck('session:watch', { id }) as never;
}
