import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupError, createMemoryCgroup } from './cgroup';
import { startNode } from './processes';

/** A stand-in for /sys/fs/cgroup: the same files, in a temporary directory. */
describe('createMemoryCgroup', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cgroup-root-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uses cgroup v2 when its root offers the memory controller', () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    mkdirSync(join(root, 'memory')); // a v1 hierarchy beside it is not used
    const cgroup = createMemoryCgroup('bench-service', 768 * 2 ** 20, root);
    expect(readFileSync(join(root, 'bench-service', 'memory.max'), 'utf8')).toBe(String(768 * 2 ** 20));
    expect(cgroup.procsFile).toBe(join(root, 'bench-service', 'cgroup.procs'));
    rmSync(join(root, 'bench-service', 'memory.max')); // the kernel's files vanish with the directory
    cgroup.remove();
    expect(existsSync(join(root, 'bench-service'))).toBe(false);
  });

  it('uses the v1 memory hierarchy otherwise', () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu pids\n');
    mkdirSync(join(root, 'memory'));
    const cgroup = createMemoryCgroup('bench-service', 512 * 2 ** 20, root);
    expect(readFileSync(join(root, 'memory', 'bench-service', 'memory.limit_in_bytes'), 'utf8')).toBe(String(512 * 2 ** 20));
    expect(cgroup.procsFile).toBe(join(root, 'memory', 'bench-service', 'cgroup.procs'));
  });

  it('says what is missing when there is no memory controller, and leaves nothing behind on failure', () => {
    expect(() => createMemoryCgroup('bench-service', 2 ** 30, root)).toThrow(CgroupError);
    expect(() => createMemoryCgroup('bench-service', 2 ** 30, root)).toThrow(/needs a cgroup memory controller/);
    mkdirSync(join(root, 'memory'));
    mkdirSync(join(root, 'memory', 'taken'));
    expect(() => createMemoryCgroup('taken', 2 ** 30, root)).toThrow(/could not set up the memory cgroup/);
    expect(existsSync(join(root, 'memory', 'taken'))).toBe(true); // not ours: left alone
  });
});

describe('startNode in a cgroup', () => {
  it('moves the process in before Node starts, keeping its pid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgroup-procs-'));
    try {
      const procs = join(dir, 'cgroup.procs');
      const script = join(dir, 'pid.js');
      writeFileSync(script, 'console.log(`pid ${process.pid} ${process.argv.slice(2).length}`);\n');
      const child = startNode('probe', script, {}, { cgroupProcs: procs });
      expect(await child.exited).toBe(0);
      expect(readFileSync(procs, 'utf8').trim()).toBe(String(child.pid));
      expect(child.output().trim()).toBe(`pid ${child.pid} 0`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
