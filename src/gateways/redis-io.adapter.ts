import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';

/**
 * Socket.IO across processes: every API process subscribes to Redis, so a push published by any
 * process (including worker processes, through `@socket.io/redis-emitter`) reaches every kiosk.
 */
export class RedisIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channelKey: string,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    // serveClient: the fleet page loads /socket.io/socket.io.min.js from here (no CDN on a kiosk LAN).
    const server = super.createIOServer(port, { ...options, serveClient: true }) as Server;
    server.adapter(createAdapter(this.pub, this.sub, { key: this.channelKey }));
    return server;
  }
}
