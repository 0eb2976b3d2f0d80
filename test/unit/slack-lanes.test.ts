import { describe, expect, it } from 'vitest';
import { SlackCallError } from '../../src/slack/gateway';
import { SlackLanes } from '../../src/slack/lanes';
import { classifyAttempt } from '../../src/slack/web-gateway';

const limited = (ms: number) => new SlackCallError('chat.update', 'ratelimited', 'rate limited', { retryAfterMs: ms });

function lanes(deadlineMs = 5_000, rateLimits: string[] = [], concurrency = 2): SlackLanes {
  return new SlackLanes({ deadlineMs, concurrency, classify: classifyAttempt, onRateLimited: (method) => void rateLimits.push(method) });
}

describe('SlackLanes', () => {
  it('holds back a rate-limited channel and only that channel', async () => {
    const events: string[] = [];
    const rateLimits: string[] = [];
    // One call at a time per lane, so A2 is queued behind A.
    const l = lanes(5_000, rateLimits, 1);
    let attemptsA = 0;
    const a = l.run('chat.update', 'C0AAAAAAAA', async () => {
      attemptsA++;
      events.push(`A attempt ${attemptsA}`);
      if (attemptsA === 1) throw limited(150);
      return 'A';
    });
    // Queued behind A in the same lane: waits out the same Retry-After.
    const a2 = l.run('chat.update', 'C0AAAAAAAA', async () => {
      events.push('A2');
      return 'A2';
    });
    await new Promise((r) => setTimeout(r, 10));
    const b = await l.run('chat.update', 'C0BBBBBBBB', async () => {
      events.push('B');
      return 'B';
    });
    expect(b).toBe('B');
    expect(await a).toBe('A');
    expect(await a2).toBe('A2');
    // B went while A's lane was waiting; A's retry went before the call queued behind it.
    expect(events.indexOf('B')).toBeLessThan(events.indexOf('A attempt 2'));
    expect(events.indexOf('A attempt 2')).toBeLessThan(events.indexOf('A2'));
    expect(rateLimits).toEqual(['chat.update']);
  });

  it('fails at once, as rate limited, when Retry-After ends past the deadline', async () => {
    const l = lanes(1_000);
    let attempts = 0;
    const error = await l
      .run('chat.update', 'C0AAAAAAAA', async () => {
        attempts++;
        throw limited(60_000);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackCallError);
    expect(error).toMatchObject({ code: 'ratelimited', retryAfterMs: 60_000 });
    expect(attempts).toBe(1);
    // A call queued into the paused lane with a short deadline is refused rather than held.
    const queued = await l.run('chat.update', 'C0AAAAAAAA', async () => 'ran', { deadlineMs: 100 }).catch((e: unknown) => e);
    expect(queued).toMatchObject({ code: 'ratelimited' });
  });

  it("retries failures on Slack's side until they pass, unless told not to; never retries a refusal", async () => {
    const l = lanes();
    let attempts = 0;
    const flaky = await l.run('chat.update', 'C0AAAAAAAA', async () => {
      attempts++;
      if (attempts < 3) throw new SlackCallError('chat.update', attempts === 1 ? 'http_503' : 'transport', 'down');
      return 'ok';
    });
    expect([flaky, attempts]).toEqual(['ok', 3]);

    let posts = 0;
    const post = await l
      .run(
        'chat.postMessage',
        'C0AAAAAAAA',
        async () => {
          posts++;
          throw new SlackCallError('chat.postMessage', 'http_500', 'internal error');
        },
        { retryServerErrors: false },
      )
      .catch((e: unknown) => e);
    expect([post, posts]).toMatchObject([{ code: 'http_500' }, 1]);

    let refusals = 0;
    await expect(
      l.run('chat.update', 'C0AAAAAAAA', async () => {
        refusals++;
        throw new SlackCallError('chat.update', 'message_not_found', 'gone');
      }),
    ).rejects.toMatchObject({ code: 'message_not_found' });
    expect(refusals).toBe(1);
  });

  it('forgets idle lanes', async () => {
    const l = lanes();
    await l.run('chat.update', 'C0AAAAAAAA', async () => 1);
    expect(l.busyLanes()).toEqual([]);
  });
});

describe('classifyAttempt', () => {
  it('waits out 429s, retries Slack-side failures and gives up on refusals', () => {
    expect(classifyAttempt(limited(2_000))).toEqual({ kind: 'rate-limited', retryAfterMs: 2_000 });
    for (const code of ['transport', 'http_500', 'http_503', 'internal_error', 'service_unavailable']) {
      expect(classifyAttempt(new SlackCallError('m', code, code)), code).toEqual({ kind: 'retryable' });
    }
    for (const code of ['not_in_channel', 'invalid_blocks', 'http_400', 'missing_scope']) {
      expect(classifyAttempt(new SlackCallError('m', code, code)), code).toEqual({ kind: 'final' });
    }
    expect(classifyAttempt(new Error('not a Slack error'))).toEqual({ kind: 'final' });
  });
});
