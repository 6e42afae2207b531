/**
 * Socket.IO's own heartbeat, the service's default (`SOCKET_PING_INTERVAL_MS`,
 * `SOCKET_PING_TIMEOUT_MS`): a ping every 25 s, a connection closed when its answer takes over 20 s.
 */
export const DEFAULT_PING_INTERVAL_MS = 25_000;
export const DEFAULT_PING_TIMEOUT_MS = 20_000;
