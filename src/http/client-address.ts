import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export type TrustProxy = boolean | number | string[];
type TrustFn = (address: string, hop: number) => boolean;

/**
 * The caller's address for logs and rate limits, with `TRUST_PROXY` read exactly as Express reads
 * `trust proxy` (proxy-addr is what Express itself uses), so an HTTP request and a Socket.IO
 * handshake from the same kiosk agree. Without a trusted proxy the TCP peer is the client and
 * `X-Forwarded-For` is ignored: anyone can write that header.
 */
export function clientAddressResolver(trust: TrustProxy): (req: AddressSource) => string {
  const fn = compileTrust(trust);
  // proxy-addr reads no more of a request than `AddressSource` has (its `forwarded` dependency).
  return (req) => normalizeAddress(proxyaddr(req as IncomingMessage, fn));
}

/**
 * What the caller's address is read from: an HTTP request, or what a Socket.IO connection keeps of
 * the one that opened it (`ConnectionOrigin`).
 */
export interface AddressSource {
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string } | null;
}

/** A list of addresses, CIDR ranges and named ranges, as a predicate (e.g. LIMIT_EXEMPT_ADDRESSES). */
export function addressMatcher(list: string[]): (address: string) => boolean {
  if (list.length === 0) return () => false;
  const fn = proxyaddr.compile(list);
  return (address) => fn(address, 0);
}

export function compileTrust(trust: TrustProxy): TrustFn {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/** `::ffff:192.0.2.1` and `192.0.2.1` are one client: one rate-limit key, one log value. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
