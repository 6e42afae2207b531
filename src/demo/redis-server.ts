import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface DemoRedis {
  url: string;
  pid: number;
  stop(): void;
  /** Stops it and resolves once it has exited (or after `timeoutMs`): gone before this process is. */
  stopAndWait(timeoutMs: number): Promise<void>;
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Demo mode's private Redis: a `redis-server` child on a free loopback port, keeping nothing on
 * disk, stopped with this process.
 */
export async function startDemoRedis(binary = 'redis-server'): Promise<DemoRedis> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntilReady(child, binary);
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const stopAndWait = async (timeoutMs: number) => {
    stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  };
  process.once('exit', stop);
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop, stopAndWait };
}

function waitUntilReady(child: ChildProcess, binary: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `${binary} was not found. Install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.`
            : `${binary} could not start: ${err.message}`,
        ),
      );
    });
    child.once('exit', (code) => reject(new Error(`${binary} exited with code ${code}: ${output.slice(-500)}`)));
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      if (!output.includes('Ready to accept connections')) return;
      // Keep draining its output, or redis-server would block once the pipe is full.
      child.stdout?.off('data', onData).resume();
      child.stderr?.resume();
      resolve();
    };
    child.stdout?.on('data', onData);
  });
}
