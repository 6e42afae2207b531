import { describe, expect, it } from 'vitest';
import { SESSION_ID_PATTERN, Shards, UnknownShardError } from './shards';

describe('Shards', () => {
  it('keeps one shard exactly as the key layout always was: one tag, ids without a shard', () => {
    const shards = new Shards('kiosk', 1);
    expect(shards.tag(0)).toBe('{kiosk}');
    expect(shards.global).toBe('{kiosk}');
    const id = shards.newId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(shards.of(id)).toBe(0);
    expect(shards.tagOf(id)).toBe('{kiosk}');
    expect(shards.owns(id)).toBe(true);
    expect(shards.owns(`3.${id}`)).toBe(false);
  });

  it('spreads new sign-ins over every shard, each id naming its own', () => {
    const shards = new Shards('kiosk', 8);
    const seen = new Map<number, number>();
    for (let i = 0; i < 4_000; i++) {
      const id = shards.newId();
      expect(id).toMatch(SESSION_ID_PATTERN);
      expect(shards.owns(id)).toBe(true);
      const shard = shards.of(id);
      expect(shards.tagOf(id)).toBe(`{kiosk-${shard}}`);
      seen.set(shard, (seen.get(shard) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // 500 expected per shard; a shard with fewer than 350 would mean a skewed spread.
    for (const n of seen.values()) expect(n).toBeGreaterThan(350);
    expect(shards.global).toBe('{kiosk}');
  });

  it('refuses ids that name no shard of the deployment', () => {
    const shards = new Shards('kiosk', 4);
    for (const id of [
      'AAAAAAAAAAAAAAAAAAAAAA',
      '4.AAAAAAAAAAAAAAAAAAAAAA',
      'x.AAAAAAAAAAAAAAAAAAAAAA',
      '-1.AAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      expect(shards.owns(id)).toBe(false);
      expect(() => shards.of(id)).toThrow(UnknownShardError);
    }
    expect(shards.of('3.AAAAAAAAAAAAAAAAAAAAAA')).toBe(3);
  });

  it('groups items by shard, keeping their order within a shard', () => {
    const shards = new Shards('k', 3);
    const ids = ['2.aaaaaaaaaaaaaaaaaaaaaa', '0.bbbbbbbbbbbbbbbbbbbbbb', '2.cccccccccccccccccccccc'];
    const groups = shards.group(ids, (id) => id);
    expect(groups.get(2)).toEqual([ids[0], ids[2]]);
    expect(groups.get(0)).toEqual([ids[1]]);
    expect(groups.has(1)).toBe(false);
  });

  it('refuses a shard count that is not a positive integer', () => {
    expect(() => new Shards('kiosk', 0)).toThrow();
    expect(() => new Shards('kiosk', 1.5)).toThrow();
  });
});
