/** Redis `INFO` text → numbers. Pure. */

export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export function infoNumber(info: Map<string, string>, field: string): number {
  const raw = info.get(field);
  const n = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) throw new Error(`Redis INFO has no numeric ${field}`);
  return n;
}

export interface RedisSample {
  usedMemory: number;
  commands: number;
}

export function redisSample(infoText: string): RedisSample {
  const info = parseInfo(infoText);
  return { usedMemory: infoNumber(info, 'used_memory'), commands: infoNumber(info, 'total_commands_processed') };
}

/**
 * Commands that have a latency histogram (`INFO latencystats`, one `latency_percentiles_usec_<name>`
 * line each): Redis 7 with `latency-tracking` (its default) makes one for a command name the first
 * time that command runs, and keeps it. 0 where the section is not there.
 */
export function latencyHistogramCount(infoText: string): number {
  let count = 0;
  for (const field of parseInfo(infoText).keys()) if (field.startsWith('latency_percentiles_usec_')) count++;
  return count;
}

/** Keys in all databases, from the `# Keyspace` lines (`db0:keys=5,expires=3,avg_ttl=100`). */
export function keyCount(infoText: string): number {
  let keys = 0;
  for (const [field, value] of parseInfo(infoText)) {
    if (!/^db\d+$/.test(field)) continue;
    const m = /(?:^|,)keys=(\d+)/.exec(value);
    if (m) keys += Number(m[1]);
  }
  return keys;
}

export interface CommandStat {
  command: string;
  calls: number;
  usec: number;
}

/** `INFO commandstats` → per-command calls and microseconds (commands run inside Lua count too). */
export function parseCommandStats(text: string): Map<string, CommandStat> {
  const out = new Map<string, CommandStat>();
  for (const [key, value] of parseInfo(text)) {
    if (!key.startsWith('cmdstat_')) continue;
    const fields = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
    const command = key.slice('cmdstat_'.length);
    out.set(command, { command, calls: Number(fields.get('calls') ?? 0), usec: Number(fields.get('usec') ?? 0) });
  }
  return out;
}

/** What ran between two snapshots, busiest first. */
export function commandStatsDelta(before: Map<string, CommandStat>, after: Map<string, CommandStat>): CommandStat[] {
  const out: CommandStat[] = [];
  for (const [command, a] of after) {
    const b = before.get(command);
    const calls = a.calls - (b?.calls ?? 0);
    if (calls > 0) out.push({ command, calls, usec: a.usec - (b?.usec ?? 0) });
  }
  return out.sort((x, y) => y.calls - x.calls || x.command.localeCompare(y.command));
}

/** Several nodes' deltas as one, busiest first (a cluster's primaries, added up). */
export function mergeCommandStats(lists: readonly (readonly CommandStat[])[]): CommandStat[] {
  const total = new Map<string, CommandStat>();
  for (const list of lists) {
    for (const c of list) {
      const t = total.get(c.command);
      total.set(c.command, { command: c.command, calls: (t?.calls ?? 0) + c.calls, usec: (t?.usec ?? 0) + c.usec });
    }
  }
  return [...total.values()].sort((x, y) => y.calls - x.calls || x.command.localeCompare(y.command));
}

/**
 * Where a node's memory is, from `MEMORY STATS` (Redis 4+), in bytes: the dataset (`dataset.bytes`:
 * all Redis does not count as overhead — the keys and values, but also some of the connections' own
 * allocations, which move in and out of it as traffic comes and goes), the keyspace's own tables
 * (every database's `overhead.hashtable.*`: the main dictionary, the expiries, a cluster's slot
 * index), the script caches and the normal clients' buffers. The whole is `INFO`'s `used_memory`.
 */
export interface MemoryParts {
  dataset: number;
  keyTables: number;
  scripts: number;
  clients: number;
}

/** The reply of `MEMORY STATS` (a flat name/value list; `db.N` holds a list of its own) → its parts. */
export function parseMemoryStats(reply: unknown): MemoryParts {
  if (!Array.isArray(reply)) throw new Error('MEMORY STATS: not a list');
  const top = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) top.set(String(reply[i]), reply[i + 1]);
  const num = (name: string, required = true): number => {
    const n = Number(top.get(name));
    if (Number.isFinite(n)) return n;
    if (required) throw new Error(`MEMORY STATS has no numeric ${name}`);
    return 0;
  };
  let keyTables = 0;
  for (const [name, value] of top) {
    if (!/^db\.\d+$/.test(name) || !Array.isArray(value)) continue;
    for (let i = 0; i + 1 < value.length; i += 2) {
      if (String(value[i]).startsWith('overhead.hashtable.')) keyTables += Number(value[i + 1]) || 0;
    }
  }
  return {
    dataset: num('dataset.bytes'),
    keyTables,
    scripts: num('lua.caches', false) + num('functions.caches', false),
    clients: num('clients.normal', false),
  };
}
