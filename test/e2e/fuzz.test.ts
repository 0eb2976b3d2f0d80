/**
 * The running bot under fuzzed traffic: signed slash commands with hostile text, clicks on a real
 * report with mutated action ids, values and options, clicks on messages that do not exist, broken
 * envelopes, and forged, stale, truncated and mistyped requests. Real Bolt HTTP receiver, real
 * Prometheus, the Slack stand-in; nothing mocked.
 *
 * Every request must be answered (never a 5xx, never a hang), the process must record no
 * unhandled rejection or uncaught exception, the bot must still serve a normal report afterwards,
 * and every query Prometheus received must be a default query with a valid service name inside an
 * escaped string literal. `FUZZ_SEED` / `FUZZ_RUNS` replay or resize a run.
 */

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/domain/presets';
import { DEFAULT_QUERIES } from '../../src/config/types';
import { renderTemplate } from '../../src/domain/promql-template';
import { parsePromDuration, plainSelector } from '../../src/domain/rate-interval';
import { ACTION_IDS, checklistActionId, INCIDENT_ACTION_IDS, WINDOW_CHOICES } from '../../src/slack/blocks';
import { DIGEST_ACTIONS } from '../../src/slack/digest-blocks';
import { blockActionPayload, newTriggerId, signRequest, slashCommandBody, type ActionClick } from '../../src/slack-standin/signed-requests';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { CHANNEL, SIGNING_SECRET, startBotHarness, TEAM, type BotHarness } from '../support/bot-harness';
import {
  baseAction,
  baseBlockActionsBody,
  CONTROL_CHARS,
  fuzzSettings,
  HARMLESS_NAME,
  INJECTIONS,
  junkValue,
  mutate,
  queryShape,
  randomCommandText,
  randomText,
  Rng,
  SERVICE_NAME_MAX,
  SERVICE_NAME_RE,
  setOwn,
  STEP_IDS_FOR_FUZZ,
  stringLiterals,
  Tally,
  tokenizePromQL,
  validServiceName,
  type ActionShape,
} from '../support/fuzz';
import { familiesFor } from '../support/scenario-metrics';
import { SCENARIO_END_MS, SCENARIOS } from '../support/scenario-set';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

const SETTINGS = fuzzSettings(0xe2e_f022, 1_500);
const CONCURRENCY = 8;
/** Broken envelopes mostly wait out Bolt's 3 s acknowledgement timeout, idle; more of them at once keeps the run short. */
const BROKEN_CONCURRENCY = 24;
/** Bolt answers 404 when nothing acknowledges within 3 s; anything slower than this is a hang. */
const REQUEST_TIMEOUT_MS = 8_000;
const NOW = SCENARIO_END_MS;
const REAL_SERVICES = ['ow-a', 'st-a'];

let prom: RunningPrometheus;
let h: BotHarness;
let report: StandInMessage;

// ---------------------------------------------------------------------------
// Process-level failures: the bot runs in this process, so its unhandled errors land here.
// ---------------------------------------------------------------------------

const processErrors: string[] = [];
const onRejection = (reason: unknown): void => {
  processErrors.push(`unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
};
const onException = (error: Error): void => {
  processErrors.push(`uncaughtException: ${error.stack ?? error.message}`);
};

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/** What a request must get back. */
type Expectation =
  | { readonly kind: 'status'; readonly status: number }
  /** Answered without a server error (Bolt's own 4xx for bodies it cannot route are fine). */
  | { readonly kind: 'no-5xx' }
  /** A raw socket that sends less than it announced: the connection must end, with no 5xx. */
  | { readonly kind: 'closed' };

interface PlannedRequest {
  /** For the summary and failure messages. */
  readonly label: string;
  readonly body: string;
  readonly contentType: string;
  /** Signature headers; null sends none. */
  readonly headers: Record<string, string> | null;
  readonly expect: Expectation;
  /** Truncate the body on the wire after this many bytes (raw socket). */
  readonly cutAt?: number;
  /** What was broken, for failure messages. */
  readonly note?: string;
}

interface Answer {
  readonly request: PlannedRequest;
  readonly status: number | 'timeout' | 'closed' | 'error';
  readonly ms: number;
  readonly body: string;
}

const FORM = 'application/x-www-form-urlencoded';

function signed(body: string, timestampSeconds = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET): Record<string, string> {
  return { ...signRequest(body, secret, timestampSeconds) };
}

async function send(request: PlannedRequest): Promise<Answer> {
  const started = performance.now();
  if (request.cutAt !== undefined) return sendTruncated(request, started);
  // Sign at send time so queued requests are not stale; a planned signature is kept as planned.
  const headers = { 'content-type': request.contentType, ...(request.headers ?? {}) };
  try {
    const response = await fetch(h.eventsUrl, { method: 'POST', headers, body: request.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    return { request, status: response.status, ms: performance.now() - started, body: text };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { request, status: timedOut ? 'timeout' : 'error', ms: performance.now() - started, body: String(error) };
  }
}

/** Announces the whole body, sends part of it, and half-closes: the server must not hang or crash. */
function sendTruncated(request: PlannedRequest, started: number): Promise<Answer> {
  const url = new URL(h.eventsUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    let done = false;
    const finish = (status: Answer['status']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ request, status, ms: performance.now() - started, body: received.slice(0, 200) });
    };
    const timer = setTimeout(() => finish('timeout'), REQUEST_TIMEOUT_MS);
    socket.on('connect', () => {
      const head = [
        `POST ${url.pathname} HTTP/1.1`,
        `Host: ${url.host}`,
        `Content-Type: ${request.contentType}`,
        `Content-Length: ${Buffer.byteLength(request.body)}`,
        ...Object.entries(request.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
        'Connection: close',
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      socket.write(Buffer.from(request.body).subarray(0, request.cutAt));
      socket.end();
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      finish(m ? Number(m[1]) : 'closed');
    });
  });
}

async function runAll(requests: readonly PlannedRequest[], concurrency: number): Promise<Answer[]> {
  const answers: Answer[] = new Array<Answer>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      answers[i] = await send(requests[i]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

function violation(answer: Answer): string | null {
  const { request, status } = answer;
  const got = typeof status === 'number' ? String(status) : status;
  const what = `${request.label}${request.note !== undefined ? ` [${request.note}]` : ''}: got ${got} after ${answer.ms.toFixed(0)} ms for ${JSON.stringify(request.body.slice(0, 200))}`;
  switch (request.expect.kind) {
    case 'status':
      return status === request.expect.status ? null : `expected ${request.expect.status}; ${what}`;
    case 'no-5xx':
      return typeof status === 'number' && status < 500 ? null : `expected an answer below 500; ${what}`;
    case 'closed':
      return status === 'closed' || (typeof status === 'number' && status < 500) ? null : `expected the connection to end; ${what}`;
    default: {
      const unknown: never = request.expect;
      throw new Error(`unknown expectation ${JSON.stringify(unknown)}`);
    }
  }
}

/** Every violation, grouped by label, a few examples each. */
function violations(answers: readonly Answer[]): string[] {
  const byLabel = new Map<string, string[]>();
  for (const answer of answers) {
    const problem = violation(answer);
    if (problem === null) continue;
    const list = byLabel.get(answer.request.label) ?? [];
    list.push(problem);
    byLabel.set(answer.request.label, list);
  }
  return [...byLabel.entries()].map(([label, problems]) => `${label} (${problems.length}):\n  ${problems.slice(0, 3).join('\n  ')}`);
}

function expectNoViolations(answers: readonly Answer[]): void {
  expect(violations(answers), `seed ${SETTINGS.seed}`).toEqual([]);
}

function summarize(name: string, answers: readonly Answer[], startedMs: number, concurrency = CONCURRENCY): void {
  const kinds = new Tally();
  const statuses = new Tally();
  for (const a of answers) {
    kinds.add(a.request.label);
    statuses.add(String(a.status));
  }
  const slowest = Math.max(0, ...answers.map((a) => a.ms));
  const outcomes = new Tally();
  for (const a of answers) outcomes.add(`${a.request.label}->${String(a.status)}`);
  console.log(
    `[fuzz-e2e ${name}] seed=${SETTINGS.seed} requests=${answers.length} concurrency=${concurrency} ${((performance.now() - startedMs) / 1000).toFixed(1)}s slowest=${slowest.toFixed(0)}ms | statuses: ${statuses} | kinds: ${kinds}`,
  );
  if (name !== 'slack-shaped') console.log(`[fuzz-e2e ${name}] outcomes: ${outcomes}`);
}

// ---------------------------------------------------------------------------
// Generators of requests
// ---------------------------------------------------------------------------

/** Every string a request carried, trimmed: the only service names the bot may query for. */
const sentNames = new Set<string>(REAL_SERVICES);

function remember(value: unknown, depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    for (const word of [value, ...value.split(/\s+/)]) {
      const name = word.trim();
      if (SERVICE_NAME_RE.test(name) && name.length <= SERVICE_NAME_MAX) sentNames.add(name);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) remember(v, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) remember(v, depth + 1);
  }
}

function commandBody(text: string, fields: Partial<Record<string, string>> = {}): string {
  const user = fields['user_id'] ?? 'U0FUZZER';
  remember(text);
  return slashCommandBody({
    command: fields['command'] ?? '/pymem',
    text,
    user_id: user,
    channel_id: fields['channel_id'] ?? CHANNEL,
    team_id: TEAM,
    trigger_id: fields['trigger_id'] ?? newTriggerId(),
    response_url: h.slack.createResponseUrl(CHANNEL, user),
  });
}

function actionsBody(payload: unknown): string {
  remember(payload);
  return new URLSearchParams([['payload', JSON.stringify(payload)]]).toString();
}

function routes(actionId: unknown): boolean {
  if (typeof actionId !== 'string') return false;
  return (
    actionId.startsWith('checklist') ||
    actionId === ACTION_IDS.rerun ||
    actionId === ACTION_IDS.window ||
    actionId === ACTION_IDS.subscribe ||
    actionId === INCIDENT_ACTION_IDS.resolve ||
    actionId === INCIDENT_ACTION_IDS.timeline ||
    actionId.startsWith(`${DIGEST_ACTIONS.analyzePrefix}:`) ||
    actionId === DIGEST_ACTIONS.analyzeSelect
  );
}

/** Action ids that still reach one of pymem's listeners, but may not be ones it posted. */
function routedActionId(rng: Rng): string {
  return rng.pick([
    () => checklistActionId(rng.pick(STEP_IDS_FOR_FUZZ)),
    () => `checklist:${randomText(rng, 30)}`,
    () => `checklist${randomText(rng, 10)}`,
    () => 'checklist',
    () => `checklist:${rng.pick(STEP_IDS_FOR_FUZZ)}\u0000`,
    () => ACTION_IDS.rerun,
    () => ACTION_IDS.window,
    () => ACTION_IDS.subscribe,
    () => INCIDENT_ACTION_IDS.resolve,
    () => INCIDENT_ACTION_IDS.timeline,
    () => `${DIGEST_ACTIONS.analyzePrefix}:${randomText(rng, 40)}`,
    () => DIGEST_ACTIONS.analyzeSelect,
  ])();
}

/** Slack's click payload on the real report, for one of its elements. */
function realClick(rng: Rng, user: string, triggerId: string, actionTs: string): Record<string, unknown> {
  const step = rng.pick(STEP_IDS_FOR_FUZZ);
  const click = rng.weighted<ActionClick>([
    [6, { type: 'checkboxes', action_id: checklistActionId(step), selected: rng.chance(0.5) ? [step] : [] }],
    [1, { type: 'button', action_id: ACTION_IDS.rerun }],
    [1, { type: 'static_select', action_id: ACTION_IDS.window, selected: String(rng.pick(WINDOW_CHOICES).ms) }],
    [1, { type: 'button', action_id: ACTION_IDS.subscribe }],
  ]);
  const payload = blockActionPayload({
    message: report,
    user: { id: user, team_id: TEAM },
    click,
    responseUrl: h.slack.createResponseUrl(CHANNEL, user, { messageTs: report.ts }),
    teamId: TEAM,
    triggerId,
    actionTs,
  });
  return JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
}

/**
 * A click Slack could send: the envelope as Slack builds it, with the parts pymem reads mutated
 * (action id among those that route, values, selected options, message ts, user id, trigger id,
 * response URL). Re-runs mostly repeat one trigger id, so the deduplication keeps chart renders few.
 */
function slackShapedClick(rng: Rng, target: 'real' | 'missing' | 'digest'): { label: string; body: string } {
  const user = rng.chance(0.9) ? `U0CLICK${rng.int(20)}` : randomText(rng, 20) || 'U';
  const repeat = rng.chance(0.85);
  const triggerId = repeat ? '1000.2000.fuzz-repeat' : newTriggerId();
  const actionTs = repeat ? '1772452800.000100' : `${1_772_452_800 + rng.int(100_000)}.${String(rng.int(1_000_000)).padStart(6, '0')}`;
  let payload: Record<string, unknown>;
  if (target === 'real') {
    payload = realClick(rng, user, triggerId, actionTs);
  } else {
    const shape = rng.pick<ActionShape>(target === 'digest' ? ['digest-button', 'digest-select'] : ['checkbox', 'window', 'rerun', 'subscribe']);
    const service = rng.weighted<() => string>([
      [6, () => validServiceName(rng)],
      [2, () => randomText(rng, 60)],
      [1, () => validServiceName(rng) + rng.pick(INJECTIONS)],
      [1, () => ` ${validServiceName(rng)}\t`],
    ])();
    const messageTs = target === 'missing' ? `${1_700_000_000 + rng.int(1_000_000)}.${String(rng.int(1_000_000)).padStart(6, '0')}` : `${1_772_452_800 + rng.int(1000)}.000001`;
    payload = baseBlockActionsBody(
      { userId: user, channelId: CHANNEL, messageTs, triggerId, responseUrl: h.slack.createResponseUrl(CHANNEL, user), teamId: TEAM },
      baseAction(rng, shape, service, actionTs),
    );
  }
  const action = (payload['actions'] as Record<string, unknown>[])[0]!;
  const kinds: string[] = [];
  // Mutate what pymem reads, and leave Bolt's envelope as Slack sends it.
  const parts = rng.int(3) + (target === 'real' && rng.chance(0.3) ? 0 : 1);
  for (let n = 0; n < parts; n++) {
    const part = rng.weighted<string>([
      [5, 'action'],
      [2, 'action_id'],
      [1, 'container'],
      [1, 'message'],
      [1, 'state'],
      [1, 'user.id'],
      [1, 'trigger_id'],
      [1, 'response_url'],
    ]);
    kinds.push(part);
    switch (part) {
      case 'action': {
        const mutated = mutate(rng, action, rng.between(1, 3), { jsonOnly: true }).value;
        const next = typeof mutated === 'object' && mutated !== null && !Array.isArray(mutated) ? (mutated as Record<string, unknown>) : {};
        for (const key of Object.keys(action)) delete action[key];
        for (const [key, value] of Object.entries(next)) setOwn(action, key, value);
        break;
      }
      case 'action_id':
        action['action_id'] = routedActionId(rng);
        break;
      case 'container':
      case 'message':
      case 'state':
        setOwn(payload, part, mutate(rng, payload[part] ?? {}, rng.between(1, 3), { jsonOnly: true }).value);
        break;
      case 'user.id':
        payload['user'] = { ...(payload['user'] as object), id: rng.pick(['', randomText(rng, 30), 'U'.repeat(5_000), 'U0ADMIN']) };
        break;
      case 'trigger_id':
        payload['trigger_id'] = rng.pick(['', randomText(rng, 40), triggerId]);
        break;
      case 'response_url':
        payload['response_url'] = rng.pick([
          'not a url',
          'http://127.0.0.1:1/respond/dead',
          h.slack.createResponseUrl(CHANNEL, 'U0SOMEONE'),
          `${h.slack.createResponseUrl(CHANNEL, user)}-forged`,
          '',
        ]);
        break;
      default:
        throw new Error(`unknown part ${part}`);
    }
  }
  // Mutating the action may have dropped or mangled its id: keep it routed, so this stays a click pymem handles.
  if (!routes(action['action_id'])) action['action_id'] = routedActionId(rng);
  const label = `click-${target}${kinds.length > 0 ? '-mutated' : ''}`;
  return { label, body: actionsBody(payload) };
}

/** Clicks and commands Slack would never send as such: broken envelopes, unroutable ids, odd fields. */
function brokenEnvelope(rng: Rng): { label: string; body: string; note: string; commandShaped: boolean } {
  const user = `U0JUNK${rng.int(10)}`;
  const base = (): Record<string, unknown> =>
    rng.chance(0.5)
      ? realClick(rng, user, newTriggerId(), `${1_772_452_800 + rng.int(1000)}.000001`)
      : baseBlockActionsBody(
          { userId: user, channelId: CHANNEL, messageTs: `${1_700_000_000 + rng.int(1_000_000)}.000100`, triggerId: newTriggerId(), responseUrl: h.slack.createResponseUrl(CHANNEL, user), teamId: TEAM },
          baseAction(rng, rng.pick<ActionShape>(['checkbox', 'window', 'rerun', 'subscribe', 'digest-button', 'digest-select']), validServiceName(rng)),
        );
  const kind = rng.weighted<string>([
    [4, 'envelope-field'],
    [3, 'envelope-mutated'],
    [2, 'unrouted-action'],
    [2, 'command-field'],
    [1, 'command-as-json'],
    [1, 'non-object-payload'],
  ]);
  switch (kind) {
    case 'envelope-field': {
      const payload = base();
      const field = rng.pick(['user', 'team', 'channel', 'container', 'actions', 'type', 'enterprise', 'is_enterprise_install', 'api_app_id', 'message', 'response_url']);
      const value = rng.pick<unknown>([null, undefined, 'x', 5, [], {}, [null], [{}], true, junkValue(rng, { jsonOnly: true })]);
      if (value === undefined) delete payload[field];
      else setOwn(payload, field, value);
      return { label: `envelope-${field}`, body: actionsBody(payload), note: `${field}: ${value === undefined ? 'missing' : JSON.stringify(value).slice(0, 80)}`, commandShaped: false };
    }
    case 'envelope-mutated': {
      const mutated = mutate(rng, base(), rng.between(1, 4), { jsonOnly: true });
      return { label: 'envelope-mutated', body: actionsBody(mutated.value), note: mutated.kinds.join('+'), commandShaped: false };
    }
    case 'unrouted-action': {
      const payload = base();
      const action = (payload['actions'] as Record<string, unknown>[])[0]!;
      action['action_id'] = rng.pick<unknown>([randomText(rng, 30) || 'x', 'report_rerun ', 'REPORT_RERUN', 'digest_analyze', 5, null]);
      if (routes(action['action_id'])) action['action_id'] = 'not_pymem';
      return { label: 'unrouted-action', body: actionsBody(payload), note: `action_id: ${JSON.stringify(action['action_id'])}`, commandShaped: false };
    }
    case 'command-field': {
      // Form fields repeated or missing: `text=a&text=b` arrives as an array.
      const params = new URLSearchParams(commandBody(randomCommandText(rng).text));
      const field = rng.pick(['text', 'text', 'user_id', 'channel_id', 'trigger_id', 'response_url', 'team_id']);
      let note: string;
      if (rng.chance(0.6)) {
        const extra = rng.pick([validServiceName(rng), randomText(rng, 20), '']);
        params.append(field, extra);
        note = `${field} sent twice, the second time as ${JSON.stringify(extra)}`;
      } else {
        params.delete(field);
        note = `no ${field}`;
      }
      return { label: `command-${field}`, body: params.toString(), note, commandShaped: true };
    }
    case 'command-as-json': {
      const text = rng.pick<unknown>([5, null, ['ow-a'], { a: 1 }, true, randomText(rng, 30)]);
      const body = { command: '/pymem', text, user_id: user, channel_id: CHANNEL, team_id: TEAM, trigger_id: newTriggerId() };
      return { label: 'command-json-text', body: actionsBody(body), note: `text: ${JSON.stringify(text)}`, commandShaped: true };
    }
    default: {
      const value = rng.pick<unknown>([5, 'x', true, [], [1, 2], 0]);
      return { label: 'non-object-payload', body: new URLSearchParams([['payload', JSON.stringify(value)]]).toString(), note: `payload=${JSON.stringify(value)}`, commandShaped: false };
    }
  }
}

/** Forged, stale, truncated, mistyped and empty requests. */
function hostileRequests(rng: Rng): PlannedRequest[] {
  const now = (): number => Math.floor(Date.now() / 1000);
  const command = (): string => commandBody(`${validServiceName(rng)} 6h`);
  const click = (): string => actionsBody(realClick(rng, 'U0HOSTILE', newTriggerId(), '1772452800.000900'));
  const out: PlannedRequest[] = [];
  const add = (label: string, body: string, headers: Record<string, string> | null, expectation: Expectation, contentType = FORM, cutAt?: number): void => {
    out.push({ label, body, contentType, headers, expect: expectation, ...(cutAt !== undefined ? { cutAt } : {}) });
  };
  const unauthorized: Expectation = { kind: 'status', status: 401 };
  const malformed: Expectation = { kind: 'status', status: 400 };
  for (let i = 0; i < 4; i++) {
    const body = rng.chance(0.5) ? command() : click();
    add('bad-signature:other-secret', body, signed(body, now(), 'not-the-secret'), unauthorized);
    add('bad-signature:other-body', body, signed(`${body}x`), unauthorized);
    add('bad-signature:garbage', body, { 'x-slack-signature': rng.pick(['v0=', 'v0=zz', `v1=${'0'.repeat(64)}`, randomText(rng, 70).replace(/[^\x20-\x7e]/g, '')]), 'x-slack-request-timestamp': String(now()) }, unauthorized);
    add('bad-signature:missing', body, null, unauthorized);
    add('bad-signature:no-timestamp', body, { 'x-slack-signature': signed(body)['x-slack-signature']! }, unauthorized);
    add('stale', body, signed(body, now() - rng.pick([301, 600, 3_600, 86_400 * 365])), unauthorized);
    add('stale:timestamp-not-a-number', body, { ...signed(body), 'x-slack-request-timestamp': rng.pick(['abc', '', '1e99', '-1']) }, unauthorized);
  }
  for (let i = 0; i < 3; i++) {
    const body = rng.chance(0.5) ? command() : click();
    const cut = rng.between(1, body.length - 1);
    // Signed for the whole body, the rest never arrives: the signature cannot match.
    add('truncated:signed-whole', body.slice(0, cut), signed(body), unauthorized);
    // Signed for what was sent: a payload cut mid-JSON cannot be parsed.
    const clickBody = click();
    const cutClick = clickBody.slice(0, rng.between(10, clickBody.length - 10));
    add('truncated:signed-part', cutClick, signed(cutClick), malformed);
    // The connection ends before the announced length.
    add('truncated:short-connection', body, signed(body), { kind: 'closed' }, FORM, rng.between(0, body.length - 1));
  }
  for (const contentType of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', `${FORM}; charset=utf-8`]) {
    const body = rng.chance(0.5) ? command() : click();
    add('wrong-content-type', body, signed(body), malformed, contentType);
  }
  add('empty-body:json', '', signed(''), malformed, 'application/json');
  // An empty form is `{}`: Bolt finds no listener and answers 404 after its 3 s wait.
  add('empty-body:form', '', signed(''), { kind: 'no-5xx' });
  add('empty-body:unsigned', '', null, unauthorized);
  for (const payload of ['not json', '{', '{"type":"block_actions",', "{'a':1}", '', '%7B', 'undefined', 'NaN', '[1,]', '{"a":1}}']) {
    const body = `payload=${encodeURIComponent(payload)}`;
    add('non-json-payload', body, signed(body), malformed);
  }
  // ssl_check skips the signature; anything smuggled next to it must be dropped (bolt-js #2897).
  const smuggled = `ssl_check=1&${commandBody('sslcheck-smuggled-svc')}`;
  add('ssl-check-smuggle', smuggled, null, { kind: 'status', status: 200 });
  const smuggledPayload = `ssl_check=1&payload=${encodeURIComponent(JSON.stringify({ command: '/pymem', text: 'sslcheck-smuggled-svc', channel_id: CHANNEL, user_id: 'U0X', team_id: TEAM }))}`;
  add('ssl-check-smuggle', smuggledPayload, null, { kind: 'status', status: 200 });
  const verification = JSON.stringify({ type: 'url_verification', challenge: 'fuzz-challenge' });
  add('url-verification', verification, signed(verification), { kind: 'status', status: 200 }, 'application/json');
  return out;
}

// ---------------------------------------------------------------------------
// Prometheus's query log
// ---------------------------------------------------------------------------

/** Every template pymem ships: today's defaults and each source preset's queries. */
const SHIPPED_TEMPLATES = [...new Set([DEFAULT_QUERIES, ...Object.values(PRESETS).map((p) => p.queries)].flatMap((q) => Object.values(q)))].filter(
  (t): t is string => typeof t === 'string',
);

/**
 * Each shipped template as a shape plus its string literals rendered with a harmless name: a
 * literal that holds the name is where a service goes (with whatever the template puts around
 * it, like "-[0-9]+"); every other literal must come back exactly as shipped.
 */
const DEFAULT_SHAPES = SHIPPED_TEMPLATES.map((template) => {
  const tokens = tokenizePromQL(renderTemplate(template, HARMLESS_NAME));
  const literals = stringLiterals(tokens).map((l) => {
    const at = l.value.indexOf(HARMLESS_NAME);
    return at < 0 ? { fixed: l.value } : { prefix: l.value.slice(0, at), suffix: l.value.slice(at + HARMLESS_NAME.length) };
  });
  return { template, shape: JSON.stringify(queryShape(tokens)), literals };
});

/** The service a logged query carries under one template, or why it does not fit. */
function serviceUnder(candidate: (typeof DEFAULT_SHAPES)[number], literals: readonly { value: string }[]): { service: string | null } | { problem: string } {
  if (literals.length !== candidate.literals.length) return { problem: 'not the shape of a default query' };
  let service: string | null = null;
  for (const [i, expected] of candidate.literals.entries()) {
    const value = literals[i]!.value;
    if ('fixed' in expected) {
      if (value !== expected.fixed) return { problem: `literal ${JSON.stringify(value)} is not the shipped ${JSON.stringify(expected.fixed)}` };
      continue;
    }
    if (!value.startsWith(expected.prefix) || !value.endsWith(expected.suffix) || value.length < expected.prefix.length + expected.suffix.length) {
      return { problem: 'not the shape of a default query' };
    }
    const name = value.slice(expected.prefix.length, value.length - expected.suffix.length);
    if (service !== null && name !== service) return { problem: `two different service names (${JSON.stringify(service)}, ${JSON.stringify(name)})` };
    service = name;
  }
  return { service };
}

/**
 * A logged query is fine when it tokenizes, has exactly the shape of a shipped template, every
 * literal is the template's own except the service name, that name is valid and some request
 * carried it, and the query is that template rendered with that name. Templates that name no
 * service (the kubelets' up) must match exactly.
 */
function checkQuery(query: string): { problem: null; service: string | null } | { problem: string } {
  // The scrape-interval probe wraps a shipped selector (up, or the memory query) and nothing else.
  const probe = /^max\(count_over_time\(([\s\S]+)\[([0-9a-z]+)\]\)\)$/.exec(query);
  if (probe) {
    if (parsePromDuration(probe[2]!) === null) return { problem: `scrape-interval probe with the range ${JSON.stringify(probe[2])}` };
    if (plainSelector(probe[1]!) === null) return { problem: 'scrape-interval probe over more than one selector' };
    return checkQuery(probe[1]!);
  }
  // The rate range ($rate_interval) is pymem's to choose; the rest of the shape is not.
  const range = /\[((?:\d+(?:ms|[smhdwy]))+)\]/.exec(query)?.[1] ?? null;
  const canonical = range === null ? query : query.split(`[${range}]`).join('[5m]');
  const values = { rateInterval: range ?? '5m' };
  let tokens;
  try {
    tokens = tokenizePromQL(canonical);
  } catch (error) {
    return { problem: String(error) };
  }
  const shape = JSON.stringify(queryShape(tokens));
  const literals = stringLiterals(tokens);
  let lastProblem = 'not the shape of a default query';
  for (const candidate of DEFAULT_SHAPES.filter((s) => s.shape === shape)) {
    const found = serviceUnder(candidate, literals);
    if ('problem' in found) {
      lastProblem = found.problem;
      continue;
    }
    // Inside a regex matcher the name arrives regex-escaped ("a\\.b"): the render check decides which reading holds.
    const service = found.service === null ? null : [found.service, found.service.replace(/\\(.)/g, '$1')].find((name) => renderTemplate(candidate.template, name, values) === query) ?? found.service;
    if (service === null) {
      if (renderTemplate(candidate.template, 'unused', values) === query) return { problem: null, service: null };
      lastProblem = 'differs from the shipped template';
      continue;
    }
    if (!SERVICE_NAME_RE.test(service) || service.length > SERVICE_NAME_MAX) return { problem: `${JSON.stringify(service)} is not a valid service name` };
    if (!sentNames.has(service)) return { problem: `${JSON.stringify(service)} is no name any request carried` };
    if (renderTemplate(candidate.template, service, values) !== query) {
      lastProblem = `differs from the template rendered with ${JSON.stringify(service)}`;
      continue;
    }
    return { problem: null, service };
  }
  return { problem: lastProblem };
}

// ---------------------------------------------------------------------------

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const specs = ['one-8w-6h', 'stable-8w-6h'].map((id) => SCENARIOS.find((s) => s.id === id)!.spec);
  prom = await startPrometheus({ families: familiesFor(specs) });
  h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW });
  // One real report to click on.
  const since = h.slack.mark();
  const ack = await h.command('ow-a');
  expect(ack.status).toBe(200);
  report = await h.slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('"text":"ow-a — '), {
    after: since,
    timeoutMs: 60_000,
  });
  for (let i = 0; i < 100 && !(await h.store.findIncidentByMessage(CHANNEL, report.ts)); i++) await new Promise((r) => setTimeout(r, 20));
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await prom?.stop();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

/** Waits until neither Slack nor Prometheus has seen a new request for a while: the background work is done. */
async function quiet(maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = '';
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await h.bot.reports.idle();
    const now = `${h.slack.calls().length}/${(await prom.queryLog()).length}`;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 1_500) {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe(`the running bot under fuzzed requests (seed ${SETTINGS.seed})`, () => {
  const rng = new Rng(SETTINGS.seed);
  // Shares of the run: Slack-shaped requests, broken envelopes, hostile requests (about 50).
  const slackShapedCount = Math.round(SETTINGS.runs * 0.88);
  const brokenCount = Math.max(1, SETTINGS.runs - slackShapedCount);

  it('answers every Slack-shaped command and click with 200, with no unhandled error', async () => {
    const errorsBefore = processErrors.length;
    const callsBefore = h.slack.calls().length;
    const gen = rng.fork();
    const families = new Tally();
    const requests: PlannedRequest[] = [];
    for (let i = 0; i < slackShapedCount; i++) {
      const kind = gen.weighted<string>([
        [50, 'command'],
        [22, 'click-real'],
        [16, 'click-missing'],
        [10, 'click-digest'],
        [1, 'command-real-service'],
      ]);
      let label: string;
      let body: string;
      if (kind === 'command' || kind === 'command-real-service') {
        const generated = kind === 'command' ? randomCommandText(gen) : { family: 'real-service', text: `${gen.pick(REAL_SERVICES)} ${gen.pick(['1h', '6h', '24h'])}` };
        families.add(generated.family);
        label = kind;
        body = commandBody(generated.text);
      } else {
        ({ label, body } = slackShapedClick(gen, kind === 'click-real' ? 'real' : kind === 'click-missing' ? 'missing' : 'digest'));
      }
      // Signed when sent (see below), so a queued request is never stale.
      requests.push({ label, body, contentType: FORM, headers: null, expect: { kind: 'status', status: 200 } });
    }
    const started = performance.now();
    const answers = await runAll(
      requests.map((r) => ({ ...r, get headers() { return signed(r.body); } })),
      CONCURRENCY,
    );
    summarize('slack-shaped', answers, started);
    console.log(`[fuzz-e2e slack-shaped] command families: ${families}`);
    expectNoViolations(answers);
    // Acknowledgements are ephemeral; the ones that quote the user's text quote no raw control character.
    for (const a of answers) {
      if (a.request.label.startsWith('command') && a.body !== '') {
        const ack = JSON.parse(a.body) as { response_type?: string; text?: string };
        expect(ack.response_type, a.body).toBe('ephemeral');
        const text = ack.text ?? '';
        expect(CONTROL_CHARS.test(text.startsWith(':warning:') ? text : text.replace(/\n/g, ' ')), a.body).toBe(false);
      }
    }
    await quiet();
    const methods = new Tally();
    for (const call of h.slack.calls().slice(callsBefore)) methods.add(call.method);
    console.log(`[fuzz-e2e slack-shaped] Slack calls the bot made: ${methods}`);
    expect(processErrors.slice(errorsBefore)).toEqual([]);
  }, 120_000);

  it('refuses forged, stale, truncated and mistyped requests without a 5xx or a hang', async () => {
    const errorsBefore = processErrors.length;
    const requests = hostileRequests(rng.fork());
    const callsBefore = h.slack.calls().length;
    const started = performance.now();
    const answers = await runAll(requests, CONCURRENCY);
    summarize('hostile', answers, started);
    expectNoViolations(answers);
    const verification = answers.find((a) => a.request.label === 'url-verification')!;
    expect(JSON.parse(verification.body)).toEqual({ challenge: 'fuzz-challenge' });
    await quiet(10_000);
    // None of it reached a listener: no Slack call and no query names the smuggled service.
    expect(h.slack.calls().slice(callsBefore).filter((c) => JSON.stringify(c.args).includes('sslcheck-smuggled-svc'))).toEqual([]);
    expect((await prom.queryLog()).filter((q) => q.includes('sslcheck-smuggled-svc'))).toEqual([]);
    expect(processErrors.slice(errorsBefore)).toEqual([]);
  }, 60_000);

  describe('broken envelopes, unknown action ids and odd fields', () => {
    let answers: Answer[] = [];
    let unhandled: string[] = [];
    const of = (pick: (a: Answer) => boolean): Answer[] => answers.filter(pick);

    beforeAll(async () => {
      const errorsBefore = processErrors.length;
      const gen = rng.fork();
      const requests: PlannedRequest[] = [];
      for (let i = 0; i < brokenCount; i++) {
        const { label, body, note, commandShaped } = brokenEnvelope(gen);
        // A slash command reaches pymem's own listener whatever its fields hold: it must acknowledge.
        requests.push({ label, body, note, contentType: FORM, headers: null, expect: commandShaped ? { kind: 'status', status: 200 } : { kind: 'no-5xx' } });
      }
      // JSON `null` is valid JSON, and these are correctly signed.
      requests.push({ label: 'null-body:payload', body: 'payload=null', contentType: FORM, headers: null, expect: { kind: 'no-5xx' } });
      requests.push({ label: 'null-body:json', body: 'null', contentType: 'application/json', headers: null, expect: { kind: 'no-5xx' } });
      const started = performance.now();
      answers = await runAll(
        requests.map((r) => ({ ...r, get headers() { return signed(r.body); } })),
        BROKEN_CONCURRENCY,
      );
      summarize('broken-envelopes', answers, started, BROKEN_CONCURRENCY);
      await quiet(10_000);
      // Distinct errors only: one stack per cause.
      unhandled = [...new Set(processErrors.slice(errorsBefore))];
    }, 120_000);

    it('acknowledges a slash command whatever its fields hold (repeated, missing, not strings)', () => {
      expect(violations(of((a) => a.request.label.startsWith('command-'))), `seed ${SETTINGS.seed}`).toEqual([]);
    });

    it('answers broken block_actions envelopes and unroutable payloads below 500, within the timeout', () => {
      expect(violations(of((a) => !a.request.label.startsWith('command-') && !a.request.label.startsWith('null-body'))), `seed ${SETTINGS.seed}`).toEqual([]);
    });

    it('answers a signed JSON null body, with no unhandled rejection in the process', () => {
      expect({ unhandled, violations: violations(of((a) => a.request.label.startsWith('null-body'))) }, `seed ${SETTINGS.seed}`).toEqual({ unhandled: [], violations: [] });
    });
  });

  it('sent Prometheus only default queries, each with a valid service name inside an escaped string literal', async () => {
    await quiet();
    const queries = await prom.queryLog();
    const problems: string[] = [];
    const services = new Set<string>();
    for (const query of queries) {
      const checked = checkQuery(query);
      if (checked.problem !== null) problems.push(`${JSON.stringify(query)}: ${checked.problem}`);
      else if (checked.service !== null) services.add(checked.service);
    }
    console.log(`[fuzz-e2e prometheus] queries=${queries.length} distinct services=${services.size} names sent=${sentNames.size}`);
    expect(queries.length).toBeGreaterThan(0);
    expect(problems.slice(0, 10), `${problems.length} bad queries`).toEqual([]);
    // The check itself rejects what it must.
    for (const bad of [
      'process_resident_memory_bytes{job="ow-a"} or vector(1)',
      'process_resident_memory_bytes{job="ow-a\\"} or vector(1) or x{a="b"}',
      'process_resident_memory_bytes{job=~".+"}',
      'process_resident_memory_bytes{job="sslcheck-smuggled-svc x"}',
      'count({job="never-sent-by-the-fuzzer"})',
      'process_resident_memory_bytes{job="ow-a", job="st-a"}',
      'namedprocess_namegroup_memory_bytes{memtype="virtual", groupname=~"ow-a-[0-9]+"}',
      'namedprocess_namegroup_memory_bytes{memtype="resident", groupname=~"ow-a-.*"}',
      'up{job=~"kubelet|.+"}',
      'max(count_over_time(up{job=~".+"}[5m]))',
      'max(count_over_time(sum(up{job="ow-a"})[5m]))',
      'max(count_over_time(up{job="ow-a"}[5q]))',
      'sum(rate(http_requests_total{job="ow-a"}[1m] offset 1h))',
    ]) {
      expect(checkQuery(bad).problem, bad).not.toBeNull();
    }
    expect(checkQuery('count({job="ow-a"})').problem).toBeNull();
    expect(checkQuery('namedprocess_namegroup_memory_bytes{memtype="resident", groupname=~"ow-a-[0-9]+"}').problem).toBeNull();
    expect(checkQuery('up{job=~"kubelet|cadvisor"}').problem).toBeNull();
    expect(checkQuery('max(count_over_time(up{job="ow-a"}[12m]))').problem).toBeNull();
    expect(checkQuery('sum(rate(http_requests_total{job="ow-a"}[1m30s]))').problem).toBeNull();
  }, 60_000);

  it('still serves a normal report afterwards, and the fuzzed report matches its stored checklist', async () => {
    const errorsBefore = processErrors.length;
    const since = h.slack.mark();
    const ack = await h.command('st-a');
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Analysing st-a') });
    const posted = await h.slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('"text":"st-a — '), {
      after: since,
      timeoutMs: 60_000,
    });
    expect(posted.blocks.some((b) => b.type === 'image')).toBe(true);

    await quiet(10_000);
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    const state = await h.store.checklistState(incident.id);
    const current = h.slack.message(CHANNEL, report.ts)!;
    const done = STEP_IDS_FOR_FUZZ.filter((id) => state[id]?.checked).length;
    expect(JSON.stringify(current.blocks)).toContain(`${done}/5 done`);
    expect(processErrors.slice(errorsBefore)).toEqual([]);
  }, 90_000);
});
