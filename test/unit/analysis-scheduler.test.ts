import { describe, expect, it } from 'vitest';
import { SchedulerError, TaskScheduler } from '../../src/analysis/scheduler';

/** A job the test finishes by hand. */
function gate<T>(value: T): { job: () => Promise<T>; open: () => void; started: () => boolean } {
  let open!: () => void;
  let started = false;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    job: async () => {
      started = true;
      await opened;
      return value;
    },
    open: () => open(),
    started: () => started,
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TaskScheduler', () => {
  it('runs at most `slots` jobs at once and starts the next as one finishes', async () => {
    const s = new TaskScheduler(2);
    const gates = [gate('a'), gate('b'), gate('c')];
    const results = gates.map((g) => s.run('interactive', g.job));
    await tick();
    expect(gates.map((g) => g.started())).toEqual([true, true, false]);
    expect(s.stats()).toMatchObject({ running: 2, queued: { interactive: 1, background: 0 } });
    gates[1]!.open();
    await tick();
    expect(gates[2]!.started()).toBe(true);
    gates[0]!.open();
    gates[2]!.open();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(s.stats().running).toBe(0);
  });

  it('starts waiting reports before waiting digest measurements, whatever the order they came in', async () => {
    const s = new TaskScheduler(1);
    const order: string[] = [];
    const first = gate('first');
    const running = s.run('background', first.job);
    const jobs = [
      s.run('background', async () => void order.push('digest 1')),
      s.run('interactive', async () => void order.push('report 1')),
      s.run('background', async () => void order.push('digest 2')),
      s.run('interactive', async () => void order.push('report 2')),
    ];
    first.open();
    await Promise.all([running, ...jobs]);
    expect(order).toEqual(['report 1', 'report 2', 'digest 1', 'digest 2']);
  });

  it('drops a waiting job whose requester gave up, and lets a started one finish', async () => {
    const s = new TaskScheduler(1);
    const busy = gate('busy');
    const running = s.run('interactive', busy.job);
    const controller = new AbortController();
    let ran = false;
    const dropped = s.run('interactive', async () => void (ran = true), controller.signal);
    controller.abort();
    await expect(dropped).rejects.toMatchObject({ code: 'cancelled' });
    expect(s.stats().queued.interactive).toBe(0);
    busy.open();
    expect(await running).toBe('busy');
    await tick();
    expect(ran).toBe(false);
    await expect(s.run('interactive', async () => 1, AbortSignal.abort())).rejects.toBeInstanceOf(SchedulerError);
  });

  it('estimates the wait from the queue and the recent job time', async () => {
    let now = 0;
    const s = new TaskScheduler(2, { interactive: 400, background: 100 }, () => now);
    expect(s.expectedWaitMs('interactive')).toBe(0);
    const gates = Array.from({ length: 6 }, (_, i) => gate(i));
    const results = gates.map((g) => s.run('interactive', g.job));
    // Two running, four waiting: half a job for a slot to free, then two rounds of two.
    expect(s.expectedWaitMs('interactive')).toBe(200 + 2 * 400);
    // Jobs that finish in 1 s each pull the estimate up.
    now = 1_000;
    gates[0]!.open();
    gates[1]!.open();
    await tick();
    expect(s.stats().typicalMs.interactive).toBeGreaterThan(400);
    for (const g of gates) g.open();
    await Promise.all(results);
  });

  it('keeps slots of their own for reports, so a digest of thousands of services never holds one up', async () => {
    const s = new TaskScheduler({ interactive: 1, background: 2 });
    const digest = Array.from({ length: 5 }, (_, i) => gate(`digest ${i}`));
    const measuring = digest.map((g) => s.run('background', g.job));
    await tick();
    expect(digest.map((g) => g.started())).toEqual([true, true, false, false, false]);
    // Both background slots are busy and three wait, yet a report starts at once and is not estimated to wait.
    expect(s.expectedWaitMs('interactive')).toBe(0);
    const report = gate('report');
    const reporting = s.run('interactive', report.job);
    await tick();
    expect(report.started()).toBe(true);
    expect(s.stats()).toMatchObject({ slots: 3, running: 3, runningBy: { interactive: 1, background: 2 }, queued: { interactive: 0, background: 3 } });
    report.open();
    for (const g of digest) g.open();
    await Promise.all([reporting, ...measuring]);
  });

  it('counts a failed job as finished and passes its error on', async () => {
    const s = new TaskScheduler(1);
    await expect(s.run('interactive', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      s.run('interactive', () => {
        throw new Error('thrown synchronously');
      }),
    ).rejects.toThrow('thrown synchronously');
    expect(await s.run('interactive', async () => 'next')).toBe('next');
  });

  it('refuses new jobs once closed and rejects those still waiting', async () => {
    const s = new TaskScheduler(1);
    const busy = gate('busy');
    const running = s.run('interactive', busy.job);
    const waiting = s.run('background', async () => 'never');
    s.close();
    await expect(waiting).rejects.toMatchObject({ code: 'closed' });
    await expect(s.run('interactive', async () => 1)).rejects.toMatchObject({ code: 'closed' });
    busy.open();
    expect(await running).toBe('busy');
  });
});
