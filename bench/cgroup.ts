/**
 * A memory cgroup for one service process (`--service-memory-limit`): the process runs as it would
 * in a container with that memory limit, and Node sizes its V8 heap from the limit. cgroup v2 (the
 * memory controller at the root of `/sys/fs/cgroup`) or v1 (`/sys/fs/cgroup/memory`); needs root.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** Write a pid here to move that process in (`cgroup.procs`). */
  procsFile: string;
  /** Takes the cgroup away once its processes have exited; harmless when it is gone already. */
  remove: () => void;
}

export class CgroupError extends Error {
  override name = 'CgroupError';
}

export function createMemoryCgroup(name: string, limitBytes: number, root = '/sys/fs/cgroup'): MemoryCgroup {
  const v2 = join(root, 'cgroup.controllers');
  const layout =
    existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('memory')
      ? { dir: join(root, name), limitFile: 'memory.max' }
      : existsSync(join(root, 'memory'))
        ? { dir: join(root, 'memory', name), limitFile: 'memory.limit_in_bytes' }
        : null;
  if (!layout) {
    throw new CgroupError(
      `--service-memory-limit needs a cgroup memory controller: cgroup v2 with "memory" in ${v2}, or v1 at ${join(root, 'memory')}`,
    );
  }
  let made = false;
  try {
    mkdirSync(layout.dir);
    made = true;
    writeFileSync(join(layout.dir, layout.limitFile), String(limitBytes));
  } catch (err) {
    if (made) rmdirSync(layout.dir);
    throw new CgroupError(`could not set up the memory cgroup ${layout.dir} (run the bench as root): ${String(err)}`);
  }
  return {
    procsFile: join(layout.dir, 'cgroup.procs'),
    remove: () => {
      try {
        rmdirSync(layout.dir);
      } catch {
        // gone already, or a process is still inside (it is removed with the next reboot)
      }
    },
  };
}
