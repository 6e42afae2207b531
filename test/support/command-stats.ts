import type Redis from 'ioredis';

/**
 * Commands Redis has run so far (`INFO commandstats`; commands run inside scripts count too): in
 * all, and per command. The `INFO` that reads them shows in the next reading.
 */
export async function commandCalls(client: Redis): Promise<{ total: number; of: (command: string) => number }> {
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) calls.set(match[1], Number(match[2]));
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  return { total, of: (command) => calls.get(command) ?? 0 };
}
