import { describe, expect, it } from 'vitest';
import { SharedResults, SharedResultsError } from '../../src/analysis/shared-results';

function results(options: { ttlMs?: number; maxEntries?: number; maxBytes?: number; now?: () => number } = {}) {
  return new SharedResults<string>({
    ttlMs: options.ttlMs ?? 30_000,
    maxEntries: options.maxEntries ?? 10,
    maxBytes: options.maxBytes ?? 1_000,
    sizeOf: (v) => v.length,
    cacheable: (v) => !v.startsWith('failed'),
    now: options.now ?? (() => 0),
  });
}

function deferred(): { promise: Promise<string>; resolve: (v: string) => void; reject: (e: unknown) => void } {
  let resolve!: (v: string) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SharedResults', () => {
  it('runs one computation for simultaneous identical requests, and serves repeats from the cache', async () => {
    const shared = results();
    let computed = 0;
    const d = deferred();
    const compute = () => {
      computed++;
      return d.promise;
    };
    const asks = [shared.get('k', compute), shared.get('k', compute), shared.get('k', compute)];
    expect(shared.has('k')).toBe(true);
    d.resolve('report');
    const got = await Promise.all(asks);
    expect(got.map((g) => g.value)).toEqual(['report', 'report', 'report']);
    expect(got.map((g) => g.sharing)).toEqual(['computed', 'joined', 'joined']);
    expect(await shared.get('k', compute)).toEqual({ value: 'report', sharing: 'cached' });
    expect(computed).toBe(1);
    // Another key is another computation.
    expect((await shared.get('other', async () => 'x')).sharing).toBe('computed');
  });

  it('forgets results after their time to live, and never caches with a ttl of 0', async () => {
    let now = 0;
    const shared = results({ ttlMs: 1_000, now: () => now });
    await shared.get('k', async () => 'old');
    now = 999;
    expect((await shared.get('k', async () => 'new')).value).toBe('old');
    now = 1_000;
    expect((await shared.get('k', async () => 'new')).value).toBe('new');

    const uncached = results({ ttlMs: 0 });
    await uncached.get('k', async () => 'a');
    expect(uncached.has('k')).toBe(false);
    expect((await uncached.get('k', async () => 'b')).value).toBe('b');
  });

  it('does not keep failures: the next request computes again', async () => {
    const shared = results();
    expect((await shared.get('k', async () => 'failed: backend down')).value).toBe('failed: backend down');
    expect((await shared.get('k', async () => 'report')).value).toBe('report');
    await expect(shared.get('thrown', async () => Promise.reject(new Error('pool died')))).rejects.toThrow('pool died');
    expect(shared.has('thrown')).toBe(false);
  });

  it('stays within its entries and bytes, dropping the oldest first', async () => {
    const shared = results({ maxEntries: 2, maxBytes: 10 });
    await shared.get('a', async () => 'aaaa');
    await shared.get('b', async () => 'bbbb');
    await shared.get('c', async () => 'cccc');
    expect(shared.size()).toEqual({ entries: 2, bytes: 8 });
    expect(shared.has('a')).toBe(false);
    await shared.get('d', async () => 'dddddddd');
    expect(shared.size()).toEqual({ entries: 1, bytes: 8 });
    expect(shared.has('c')).toBe(false);
    // Larger than the whole cache: served, not kept.
    expect((await shared.get('huge', async () => 'x'.repeat(11))).value).toHaveLength(11);
    expect(shared.has('huge')).toBe(false);
    expect(shared.has('d')).toBe(true);
  });

  it('lets a requester give up without cancelling the computation others wait for; cancels it when all gave up', async () => {
    const shared = results();
    const d = deferred();
    let signalSeen: AbortSignal | null = null;
    const compute = (signal: AbortSignal) => {
      signalSeen = signal;
      return d.promise;
    };
    const first = new AbortController();
    const second = new AbortController();
    const a = shared.get('k', compute, first.signal);
    const b = shared.get('k', compute, second.signal);
    await Promise.resolve();
    first.abort();
    await expect(a).rejects.toBeInstanceOf(SharedResultsError);
    expect(signalSeen!.aborted).toBe(false);
    second.abort();
    await expect(b).rejects.toBeInstanceOf(SharedResultsError);
    expect(signalSeen!.aborted).toBe(true);
    d.resolve('late');
  });
});
