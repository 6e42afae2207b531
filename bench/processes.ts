import { ChildProcess, fork, spawn } from 'node:child_process';
import { basename, dirname, isAbsolute, join } from 'node:path';

/** The repository root, from dist/bench/*.js or bench/*.ts alike. */
export const ROOT = basename(dirname(__dirname)) === 'dist' ? join(__dirname, '..', '..') : join(__dirname, '..');

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** The newest 64 KiB of stdout + stderr. */
  output(): string;
  waitFor(text: string, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

const OUTPUT_KEEP = 64 * 1024;
const running = new Set<ChildProcess>();

// However the bench ends, nothing it started outlives it.
process.once('exit', () => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/**
 * `node <script>` (a path from the repo root, or absolute) with exactly `env` (plus PATH, and the
 * bench's own NODE_OPTIONS when it has some: a profiler's flags such as `--perf-basic-prof`); `ipc`
 * forks with a message channel; `cgroupProcs` starts it inside that cgroup (`bench/cgroup.ts`).
 */
export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { nodeArgs?: string[]; ipc?: boolean; cgroupProcs?: string } = {},
): Child {
  const nodeOptions = process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {};
  const fullEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...nodeOptions, ...env };
  const scriptPath = isAbsolute(script) ? script : join(ROOT, script);
  const args = [...(opts.nodeArgs ?? []), scriptPath];
  if (opts.ipc && opts.cgroupProcs) throw new Error(`${name}: a cgroup is for processes started without IPC`);
  const proc = opts.ipc
    ? fork(scriptPath, [], { cwd: ROOT, env: fullEnv, execArgv: opts.nodeArgs ?? [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : opts.cgroupProcs
      ? // The shell moves itself into the cgroup, then becomes node (same pid): Node reads the
        // limit as it starts, before V8 sizes its heap.
        spawn('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', opts.cgroupProcs, process.execPath, ...args], {
          cwd: ROOT,
          env: fullEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, args, { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  running.add(proc);
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEEP);
    for (const w of [...waiters]) w();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      for (const w of [...waiters]) w();
      resolve(code);
    }),
  );
  const isDone = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    name,
    pid: proc.pid,
    proc,
    output: () => output,
    exited,
    waitFor: (text, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.includes(text)) {
            done();
            resolve();
          } else if (isDone()) {
            done();
            reject(new Error(`${name} exited before printing "${text}":\n${output.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} did not print "${text}" within ${timeoutMs} ms:\n${output.slice(-3000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    stop: async (graceMs = 20_000) => {
      if (isDone()) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Resolves when a child started with `ipc` sends `{ type: 'ready' }` (the floor and the kiosk
 * processes do once loaded); rejects with its output after `timeoutMs`.
 */
export function whenReady(child: Child, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.proc.off('message', onMessage);
      reject(new Error(`${child.name} did not start within ${timeoutMs} ms:\n${child.output().slice(-3000)}`));
    }, timeoutMs);
    const onMessage = (m: unknown) => {
      if (typeof m !== 'object' || m === null || (m as { type?: unknown }).type !== 'ready') return;
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      resolve();
    };
    child.proc.on('message', onMessage);
  });
}
