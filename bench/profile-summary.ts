/**
 * Where a service process spent its CPU, from a V8 `.cpuprofile` (written by `node --cpu-prof`,
 * e.g. by `npm run bench -- --cpu-prof`):
 *
 *   node dist/bench/profile-summary.js bench/results/profiles/fleet-service.cpuprofile
 *
 * Self time is where the CPU was; "inclusive" time of a group counts every sample with that group
 * anywhere on its stack (once), so "bullmq" includes the ioredis calls it makes.
 */
import { readFileSync } from 'node:fs';
import { formatTable, fmt } from './table';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  /** µs before each sample (the first from startTime). */
  timeDeltas?: number[];
}

/**
 * How busy the main thread was in each `windowMs` slice of the profile (100% = never waiting
 * for an event: a CPU-bound process), and how much of it was garbage collection.
 */
export function busyTimeline(profile: CpuProfile, windowMs: number): Array<{ fromS: number; busyPct: number; gcPct: number }> {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const windows = new Map<number, { busy: number; idle: number; gc: number }>();
  let t = 0;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const span = deltas[i + 1] ?? 0;
    const w = Math.floor(t / 1000 / windowMs);
    const e = windows.get(w) ?? { busy: 0, idle: 0, gc: 0 };
    const name = names.get(samples[i]);
    if (name === '(idle)') e.idle += span;
    else {
      e.busy += span;
      if (name === '(garbage collector)') e.gc += span;
    }
    windows.set(w, e);
  }
  return [...windows]
    .sort((a, b) => a[0] - b[0])
    .map(([w, e]) => {
      const all = Math.max(1, e.busy + e.idle);
      return { fromS: (w * windowMs) / 1000, busyPct: (100 * e.busy) / all, gcPct: (100 * e.gc) / all };
    });
}

export interface ProfileSummary {
  totalMs: number;
  /** Not idle: everything but "(idle)". */
  busyMs: number;
  selfByGroup: Array<{ group: string; ms: number }>;
  inclusiveByGroup: Array<{ group: string; ms: number }>;
  topFunctions: Array<{ fn: string; group: string; ms: number }>;
}

/** Which library or part of the program a frame belongs to. */
export function groupOf(frame: { functionName: string; url: string }): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) {
    const path = url.slice('node:'.length).split('/');
    return `node:${path[0] === 'internal' && path.length > 2 ? `internal/${path[1]}` : path.join('/')}`;
  }
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return `ours: ${url.slice(src + '/dist/src/'.length).replace(/\.js$/, '')}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let hits = 0;
  for (const n of profile.nodes) hits += n.hitCount ?? 0;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = hits > 0 ? totalMs / hits : 0;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const fns = new Map<string, { fn: string; group: string; ms: number }>();
  let idleMs = 0;

  // Iterative DFS from the root, carrying how many times each group is on the current stack.
  const children = new Set<number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) children.add(c);
  const roots = profile.nodes.filter((n) => !children.has(n.id));
  const onStack = new Map<string, number>();
  type Frame = { node: CpuProfileNode; entered: boolean };
  const stack: Frame[] = roots.map((node) => ({ node, entered: false }));
  let guard = 0;
  while (stack.length > 0 && guard++ < 10_000_000) {
    const frame = stack.pop()!;
    const group = groupOf(frame.node.callFrame);
    if (frame.entered) {
      const left = (onStack.get(group) ?? 1) - 1;
      if (left === 0) onStack.delete(group);
      else onStack.set(group, left);
      continue;
    }
    onStack.set(group, (onStack.get(group) ?? 0) + 1);
    const ms = (frame.node.hitCount ?? 0) * msPerHit;
    if (ms > 0) {
      if (group === '(idle)') idleMs += ms;
      self.set(group, (self.get(group) ?? 0) + ms);
      for (const g of onStack.keys()) inclusive.set(g, (inclusive.get(g) ?? 0) + ms);
      const cf = frame.node.callFrame;
      const name =
        `${cf.functionName || '(anonymous)'} ${cf.url ? `${cf.url.replace(/^.*\/(node_modules|dist)\//, '')}:${cf.lineNumber + 1}` : ''}`.trim();
      const f = fns.get(name) ?? { fn: name, group, ms: 0 };
      f.ms += ms;
      fns.set(name, f);
    }
    stack.push({ node: frame.node, entered: true });
    for (const c of frame.node.children ?? []) {
      const child = byId.get(c);
      if (child) stack.push({ node: child, entered: false });
    }
  }
  const sorted = (m: Map<string, number>) =>
    [...m]
      .map(([group, ms]) => ({ group, ms }))
      .sort((a, b) => b.ms - a.ms || a.group.localeCompare(b.group))
      .slice(0, top);
  for (const g of ['(root)', '(idle)', '(program)']) inclusive.delete(g);
  return {
    totalMs,
    busyMs: totalMs - idleMs,
    selfByGroup: sorted(self).filter((g) => g.group !== '(idle)'),
    inclusiveByGroup: sorted(inclusive),
    topFunctions: [...fns.values()]
      .filter((f) => f.group !== '(idle)')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}

export function formatSummary(s: ProfileSummary, timeline: ReturnType<typeof busyTimeline> = []): string {
  const pct = (ms: number) => `${fmt((100 * ms) / Math.max(1, s.busyMs), 1)}%`;
  return [
    `profiled ${fmt(s.totalMs / 1000, 1)} s, busy (not idle) ${fmt(s.busyMs / 1000, 1)} s (${fmt((100 * s.busyMs) / Math.max(1, s.totalMs), 0)}%); percentages are of the busy time`,
    '',
    formatTable([['self time by group', 'ms', '% of busy'], ...s.selfByGroup.map((g) => [g.group, fmt(g.ms), pct(g.ms)])]),
    '',
    formatTable([
      ['inclusive time by group', 'ms', '% of busy'],
      ...s.inclusiveByGroup.map((g) => [g.group, fmt(g.ms), pct(g.ms)]),
    ]),
    '',
    formatTable([
      ['top functions (self)', 'group', 'ms', '% of busy'],
      ...s.topFunctions.map((f) => [f.fn.slice(0, 90), f.group, fmt(f.ms), pct(f.ms)]),
    ]),
    '',
    formatTable([
      ['from s', 'main thread busy', 'of which GC'],
      ...timeline.map((w) => [fmt(w.fromS), `${fmt(w.busyPct)}%`, `${fmt(w.gcPct)}%`]),
    ]),
  ].join('\n');
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile>...\n');
    process.exit(2);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    process.stdout.write(`== ${file}\n${formatSummary(summarizeProfile(profile), busyTimeline(profile, 10_000))}\n\n`);
  }
}
