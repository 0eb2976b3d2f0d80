/**
 * Fuzzing the interaction-payload parsers: valid block_actions bodies and actions, mutated (missing
 * fields, wrong types, huge strings, nested junk, arrays for objects, prototype-pollution keys,
 * numbers as strings), never make a parser throw, and what they accept is well-formed and read
 * from the payload's own fields. `FUZZ_SEED` / `FUZZ_RUNS` replay or resize a run.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { CHECKLIST_STEP_IDS } from '../../src/domain/checklist';
import { WINDOW_CHOICES } from '../../src/slack/blocks';
import { parseButtonValue, parseChecklistAction, parseMessageAction, parseSelectedValue, parseWindowAction } from '../../src/slack/payloads';
import { baseAction, baseBlockActionsBody, fuzzSettings, junkValue, mutate, randomText, Rng, Tally, type ActionShape, validServiceName } from '../support/fuzz';

const SETTINGS = fuzzSettings(0x9a71_0ad5, 20_000);
const WINDOW_MS = new Set(WINDOW_CHOICES.map((w) => w.ms));
const SHAPES: readonly ActionShape[] = ['checkbox', 'window', 'rerun', 'subscribe', 'digest-button', 'digest-select'];

type Rec = Record<string, unknown>;

/** A field of `value` only if it is the object's own (never one inherited through a polluted prototype). */
function own(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Rec)[key];
  }
  return v;
}

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function expectError(result: { ok: boolean; error?: unknown }, where: string): void {
  expect(typeof result.error, where).toBe('string');
  const error = result.error as string;
  expect(error.length, where).toBeGreaterThan(0);
  // The error may quote a little of the input, never all of it.
  expect(error.length, where).toBeLessThanOrEqual(200);
}

const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

afterAll(() => {
  // Nothing the parsers did leaked into the shared prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
  expect(({} as Rec)['polluted']).toBeUndefined();
});

describe(`interaction payload fuzz (seed ${SETTINGS.seed}, ${SETTINGS.runs} payloads)`, () => {
  it('never throws, and accepts only well-formed values read from the payload itself', () => {
    const rng = new Rng(SETTINGS.seed);
    const tally = new Tally();
    const mutations = new Tally();
    const started = performance.now();
    for (let run = 0; run < SETTINGS.runs; run++) {
      const shape = rng.pick(SHAPES);
      const service = rng.chance(0.8) ? validServiceName(rng) : randomText(rng, 300);
      const action = baseAction(rng, shape, service);
      const body = baseBlockActionsBody(
        { userId: 'U0FUZZ', channelId: 'C0FUZZ', messageTs: '1772452800.000100', triggerId: '111.222.abc', responseUrl: 'http://127.0.0.1:1/respond/x', teamId: 'T0FUZZ' },
        action,
      );
      // A tenth stay valid, so the accepting paths are exercised too.
      const count = rng.chance(0.1) ? 0 : rng.between(1, 5);
      const jsonOnly = rng.chance(0.7);
      const mutated = mutate(rng, rng.chance(0.5) ? body : { body, action }, count, { jsonOnly });
      for (const kind of mutated.kinds) mutations.add(kind);
      let b: unknown;
      let a: unknown;
      if (own(mutated.value, 'body') !== undefined || own(mutated.value, 'action') !== undefined) {
        b = own(mutated.value, 'body');
        a = own(mutated.value, 'action');
      } else {
        b = mutated.value;
        const actions = own(b, 'actions');
        a = Array.isArray(actions) ? actions[0] : actions;
      }
      // Sometimes the parts arrive as something else entirely.
      const replaced = rng.chance(0.06);
      if (replaced && rng.chance(0.5)) a = junkValue(rng, { jsonOnly });
      else if (replaced) b = junkValue(rng, { jsonOnly });
      const where = `seed ${SETTINGS.seed}, run ${run} (${shape}, ${mutated.kinds.join('+') || 'unmutated'})`;
      const call = <T>(name: string, f: () => T): T => {
        try {
          return f();
        } catch (error) {
          throw new Error(`${name} threw for ${where}: ${String(error)}`, { cause: error });
        }
      };

      const message = call('parseMessageAction', () => parseMessageAction(b, a));
      if (message.ok) {
        tally.add('message-ok');
        const { userId, channelId, messageTs, requestKey } = message.value;
        expect(nonEmptyString(userId) && userId === own(b, 'user', 'id'), where).toBe(true);
        expect(nonEmptyString(channelId) && (channelId === own(b, 'channel', 'id') || channelId === own(b, 'container', 'channel_id')), where).toBe(true);
        expect(nonEmptyString(messageTs) && (messageTs === own(b, 'container', 'message_ts') || messageTs === own(b, 'message', 'ts')), where).toBe(true);
        expect(typeof requestKey, where).toBe('string');
        const trigger = own(b, 'trigger_id');
        expect(requestKey.startsWith(`${typeof trigger === 'string' ? trigger : 'no-trigger'}:`), where).toBe(true);
      } else {
        tally.add('message-refused');
        expectError(message, where);
      }

      const tick = call('parseChecklistAction', () => parseChecklistAction(a));
      if (tick.ok) {
        tally.add('checklist-ok');
        expect(CHECKLIST_STEP_IDS as readonly string[], where).toContain(tick.value.stepId);
        expect(own(a, 'type'), where).toBe('checkboxes');
        expect(own(a, 'action_id'), where).toBe(`checklist:${tick.value.stepId}`);
        const selected = own(a, 'selected_options');
        const ticked = Array.isArray(selected) && selected.some((o) => own(o, 'value') === tick.value.stepId);
        expect(tick.value.checked, where).toBe(ticked);
      } else {
        tally.add('checklist-refused');
        expectError(tick, where);
      }

      const window = call('parseWindowAction', () => parseWindowAction(a));
      if (window.ok) {
        tally.add('window-ok');
        expect(WINDOW_MS.has(window.value), where).toBe(true);
        const value = own(a, 'selected_option', 'value');
        expect(typeof value === 'string' && Number(value) === window.value, where).toBe(true);
      } else {
        tally.add('window-refused');
        expectError(window, where);
      }

      const selected = call('parseSelectedValue', () => parseSelectedValue(a));
      if (selected !== null) {
        tally.add('selected-ok');
        expect(selected, where).toBe(own(a, 'selected_option', 'value'));
        expect(typeof selected, where).toBe('string');
      }

      const button = call('parseButtonValue', () => parseButtonValue(a));
      if (button !== null) {
        tally.add('button-ok');
        expect(button, where).toBe(own(a, 'value'));
        expect(typeof button === 'string' && button.length <= 2_000, where).toBe(true);
      }

      if (count === 0 && !replaced && b === mutated.value) {
        // Unmutated Slack payloads must be read.
        expect(message.ok, where).toBe(true);
        if (shape === 'checkbox') expect(tick.ok, where).toBe(true);
        if (shape === 'window') expect(window.ok, where).toBe(true);
        if (shape === 'subscribe' || shape === 'digest-button') expect(button, where).toBe(service);
        if (shape === 'digest-select') expect(selected, where).toBe(service);
      }
    }
    console.log(`[fuzz-payloads] seed=${SETTINGS.seed} payloads=${SETTINGS.runs} ${(performance.now() - started).toFixed(0)}ms | results: ${tally} | mutations: ${mutations}`);
    // Every accepting path was reached, or the fuzz proves less than it claims (small FUZZ_RUNS may not).
    if (SETTINGS.runs >= 2_000) for (const label of ['message-ok', 'checklist-ok', 'window-ok', 'selected-ok', 'button-ok', 'message-refused', 'checklist-refused', 'window-refused']) {
      expect(tally.get(label), label).toBeGreaterThan(0);
    }
  });

  it('reads own fields only, whatever __proto__ and constructor keys say', () => {
    // JSON.parse makes "__proto__" an own key; a parser that copied it with plain assignment
    // would hand back objects whose prototype is attacker data.
    const body = JSON.parse(
      '{"user":{"id":"U1"},"channel":{"id":"C1"},"container":{"__proto__":{"message_ts":"999.1"}},"message":{"__proto__":{"ts":"999.2"}},"__proto__":{"trigger_id":"evil"}}',
    ) as unknown;
    const result = parseMessageAction(body, {});
    if (result.ok) expect(['999.1', '999.2']).not.toContain(result.value.messageTs);
    const tick = parseChecklistAction(JSON.parse('{"type":"checkboxes","action_id":"checklist:find-worker","selected_options":[{"__proto__":{"value":"find-worker"}}]}'));
    if (tick.ok) expect(tick.value.checked).toBe(false);
    const window = parseWindowAction(JSON.parse('{"selected_option":{"__proto__":{"value":"3600000"}}}'));
    expect(window.ok).toBe(false);
    expect(parseButtonValue(JSON.parse('{"__proto__":{"value":"ow-a"}}'))).toBeNull();
    expect(parseSelectedValue(JSON.parse('{"constructor":{"value":"x"},"selected_option":{"constructor":"y"}}'))).toBeNull();
  });
});
