import type { ChildProcess } from 'node:child_process';

/** A child process's stdout and stderr, kept for assertions, and a wait for a line in them. */
export interface WatchedOutput {
  output: () => string;
  /** Resolves once the output contains `text` (already there or yet to come). */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
}

export interface WatchOptions {
  /** Names the process in a timeout's error. */
  label: string;
  defaultTimeoutMs: number;
  /** Keep only the latest this many characters (a long run must not grow it without bound). */
  keepChars?: number;
  /** When given, a wait still pending when the process exits fails at once. */
  exited?: Promise<number | null>;
}

export function watchOutput(child: ChildProcess, opts: WatchOptions): WatchedOutput {
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (opts.keepChars !== undefined) output = output.slice(-opts.keepChars);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const prefix = opts.label ? `${opts.label}: ` : '';
  return {
    output: () => output,
    waitFor: (text, timeoutMs = opts.defaultTimeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (typeof text === 'string' ? output.includes(text) : text.test(output)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${prefix}timed out waiting for ${String(text)}; output:\n${output.slice(-3000)}`));
        }, timeoutMs);
        waiters.add(check);
        void opts.exited?.then((code) => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`${prefix}process exited (${code}) before ${String(text)}; output:\n${output.slice(-3000)}`));
        });
        check();
      }),
  };
}
