/**
 * The playground in a real browser: headless Chromium (Debian's, driven by playwright-core)
 * against startPlayground, which runs the Slack stand-in, the real bot and the page on loopback.
 * Everything the page does reaches the bot as a signed Slack request.
 */

import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type RunningPlayground } from '../../src/playground/playground';
import { openChromium } from '../support/chromium';

const ROOT = resolve(__dirname, '../..');
const ARTIFACT = join(ROOT, 'test/.artifacts/playground.png');
const README_SHOT = join(ROOT, 'docs/playground.png');
const CHANNEL = 'C0CHECKOUT1';
const ALICE = 'U0ALICE01';
const BOB = 'U0BOB0001';
/** An analysis with a chart takes a few seconds; the first one in a process also loads canvas. */
const REPORT_MS = 60_000;

let dir: string;
let playground: RunningPlayground;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pymem-playground-'));
  // Links to a dashboard and a runbook, so that reports and digests carry link buttons.
  const config = join(dir, 'pymem.yaml');
  await writeFile(config, 'links:\n  dashboard: "https://grafana.example/d/memory?var-service=$service&from=$from_ms&to=$to_ms"\n  runbook: https://wiki.example/runbooks/$service\n');
  playground = await startPlayground({ port: 0, databasePath: join(dir, 'playground.sqlite'), logLevel: 'silent', env: { PYMEM_CONFIG: config } });
  ({ context, page } = await openChromium(join(dir, 'profile'), pageErrors));
}, 120_000);

afterAll(async () => {
  await context?.close();
  await playground?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The top-level report message (not an ephemeral, not a thread reply). */
function report(): Locator {
  return page.locator('.item > .msg:not(.ephemeral)').filter({ has: page.locator('.b-header', { hasText: 'checkout-api — ' }) });
}

function status(step: string): Locator {
  return report().locator(`[data-block-id="status_${step}"]`);
}

async function tick(step: string): Promise<void> {
  await report().locator(`[data-block-id="step_${step}"] .b-check`).click();
}

async function send(text: string): Promise<void> {
  const composer = page.locator('#composer');
  await composer.fill(text);
  await composer.press('Enter');
  await expect.poll(() => composer.inputValue()).toBe('');
}

async function expectChartLoaded(image: Locator): Promise<void> {
  await expect.poll(() => image.evaluate((node) => {
        // The tsconfig has no DOM library; this runs in the page, on an <img>.
        const img = node as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 0;
      }), { timeout: 15_000 }).toBe(true);
}

describe('the playground in Chromium', () => {
  it('shows a channel and posts the report typed into the composer', async () => {
    await page.goto(playground.url);
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 10_000 }).toBe('Live');
    await expect(page.locator('#channel-title').textContent()).resolves.toBe('# incident-checkout');

    // Suggestions show up for a slash, as in Slack.
    await page.locator('#composer').fill('/pym');
    await expect.poll(() => page.locator('.suggestion .suggestion-text').allTextContents()).toContain('/pymem checkout-api');
    await send('/pymem checkout-api');

    // The acknowledgement is shown only to the requester, then the report arrives.
    const ack = page.locator('.msg.ephemeral', { hasText: 'Analysing' });
    await ack.waitFor({ timeout: 15_000 });
    await expect(ack.locator('.eph-note').textContent()).resolves.toContain('Only visible to you');
    await report().waitFor({ timeout: REPORT_MS });

    const chart = report().locator('[data-block-id="chart"] img');
    await expect(chart.getAttribute('src')).resolves.toMatch(/^\/files\/F[A-Z0-9]+$/);
    await expect(chart.getAttribute('alt')).resolves.toContain('Memory per worker of checkout-api');
    await expectChartLoaded(chart);

    // Block Kit as Slack draws it: bold verdict, code span, checkboxes, context, buttons, a real select.
    await expect(report().locator('[data-block-id="verdict"] strong').count()).resolves.toBeGreaterThan(0);
    await expect(report().locator('[data-block-id="verdict"] code.inline-code').first().textContent()).resolves.toBe('one-worker-growing');
    await expect(report().locator('.b-checkboxes input[type=checkbox]').count()).resolves.toBe(5);
    await expect(status('find-worker').textContent()).resolves.toBe('Not done yet');
    await expect(report().locator('[data-block-id="controls"] button').allTextContents()).resolves.toEqual(['Re-run analysis', 'Verify fix', 'Subscribe to daily digest', 'Export timeline', 'Resolve']);
    const select = report().locator('[data-block-id="controls"] select');
    await expect(select.locator('option').allTextContents()).resolves.toEqual(['Last 1 hour', 'Last 6 hours', 'Last 24 hours', 'Last 7 days']);
    await expect(select.inputValue()).resolves.toBe(String(6 * 3_600_000));
    await expect(report().locator('[data-block-id="footer"]').textContent()).resolves.toMatch(/^Run by @Alice at /);
    await expect(report().locator('[data-block-id="step_find-worker"] [data-emoji="point_left"]').count()).resolves.toBe(1);
  }, 120_000);

  it('draws a button with a url as a link that opens in a new tab, and still sends the click to the bot', async () => {
    const links = report().locator('[data-block-id="links"] a.b-button');
    await expect(links.allTextContents()).resolves.toEqual(['Dashboard', 'Runbook']);
    const dashboard = links.first();
    const href = (await dashboard.getAttribute('href'))!;
    expect(href).toMatch(/^https:\/\/grafana\.example\/d\/memory\?var-service=checkout-api&from=\d{13}&to=\d{13}$/);
    await expect(dashboard.getAttribute('target')).resolves.toBe('_blank');
    await expect(dashboard.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(dashboard.getAttribute('aria-label')).resolves.toBe('Open the dashboard for checkout-api');
    await expect(links.nth(1).getAttribute('href')).resolves.toBe('https://wiki.example/runbooks/checkout-api');

    // Nothing leaves the machine: the dashboard is answered here.
    await context.route('https://grafana.example/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>dashboard</title>' }));
    const before = await report().innerHTML();
    const [tab] = await Promise.all([context.waitForEvent('page'), dashboard.click()]);
    await tab.waitForLoadState();
    expect(tab.url()).toBe(href);
    await tab.close();
    // The click reached the bot (a refusal would show as a toast) and changed nothing in the report.
    await page.waitForTimeout(2_000);
    await expect(page.locator('.toast').allTextContents()).resolves.toEqual([]);
    await expect(report().innerHTML()).resolves.toBe(before);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('records ticks by whoever clicks, live, without a reload', async () => {
    await tick('find-worker');
    await expect.poll(() => status('find-worker').textContent(), { timeout: 15_000 }).toMatch(/Done by @Alice at /);
    await expect(status('find-worker').locator('[data-emoji="white_check_mark"]').count()).resolves.toBe(1);
    await expect(report().locator('[data-block-id="step_find-worker"] input').isChecked()).resolves.toBe(true);
    await expect(report().locator('[data-block-id="step_find-worker"] s strong').textContent()).resolves.toContain('1. ');
    // The arrow moves on to the next step that matters for this pattern.
    await expect(report().locator('[data-block-id="step_find-worker"] [data-emoji="point_left"]').count()).resolves.toBe(0);
    await expect(report().locator('[data-block-id="step_allocation-paths"] [data-emoji="point_left"]').count()).resolves.toBe(1);
    await expect(report().locator('[data-block-id="checklist_header"]').textContent()).resolves.toContain('1/5 done');

    await page.locator('#user-picker').selectOption(BOB);
    // Alice's ephemeral acknowledgement is not Bob's to see.
    await expect.poll(() => page.locator('.msg.ephemeral', { hasText: 'Analysing' }).count()).toBe(0);
    await tick('compare-drivers');
    await expect.poll(() => status('compare-drivers').textContent(), { timeout: 15_000 }).toMatch(/Done by @Bob at /);
    await tick('compare-drivers');
    await expect.poll(() => status('compare-drivers').textContent(), { timeout: 15_000 }).toMatch(/Reopened by @Bob at /);
    await expect(report().locator('[data-block-id="step_compare-drivers"] input').isChecked()).resolves.toBe(false);
    await tick('compare-drivers');
    await expect.poll(() => status('compare-drivers').textContent(), { timeout: 15_000 }).toMatch(/Done by @Bob at /);
    // Bob's own mention is highlighted for Bob, as Slack does.
    await expect(status('compare-drivers').locator('.mention.self').textContent()).resolves.toBe('@Bob');
    await expect(status('find-worker').textContent()).resolves.toMatch(/Done by @Alice at /);
    await expect(report().locator('[data-block-id="checklist_header"]').textContent()).resolves.toContain('2/5 done');
  }, 120_000);

  it('shows the same state after a reload', async () => {
    await page.reload();
    await report().waitFor({ timeout: 10_000 });
    await expect(page.locator('#user-picker').inputValue()).resolves.toBe(BOB);
    await expect(status('find-worker').textContent()).resolves.toMatch(/Done by @Alice at /);
    await expect(status('compare-drivers').textContent()).resolves.toMatch(/Done by @Bob at /);
    await expect(status('cache-queue-bounds').textContent()).resolves.toBe('Not done yet');
    await expect(report().locator('.b-checkboxes input:checked').count()).resolves.toBe(2);
    await expectChartLoaded(report().locator('[data-block-id="chart"] img'));
  }, 60_000);

  it('subscribes the channel and sends the digest now', async () => {
    await send('/pymem subscribe checkout-api');
    await page.locator('.item > .msg:not(.ephemeral)', { hasText: 'now gets checkout-api in its memory digest' }).waitFor({ timeout: 15_000 });
    await page.locator('#digest-now').click();
    const digest = page.locator('.item > .msg:not(.ephemeral)', { hasText: /Memory digest/ });
    await digest.waitFor({ timeout: REPORT_MS });
    await expect.poll(() => page.locator('#digest-now').textContent(), { timeout: REPORT_MS }).toBe('Send digest now');
    const digestChart = digest.locator('[data-block-id="digest_chart"] img');
    if ((await digestChart.count()) > 0) await expectChartLoaded(digestChart);
    await expect(digest.textContent()).resolves.toContain('checkout-api');

    // A viewport as tall as the channel: the sticky composer and sidebar then sit where they would
    // on a screen, instead of floating over the middle of a full-page capture.
    const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
    await page.setViewportSize({ width: 1280, height });
    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(join(ROOT, 'test/.artifacts'), { recursive: true });
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    // The README's copy changes only when asked, so a test run leaves the checkout clean.
    if (process.env.PYMEM_UPDATE_SCREENSHOT === '1') {
      await mkdir(join(ROOT, 'docs'), { recursive: true });
      await copyFile(ARTIFACT, README_SHOT);
    }
  }, 120_000);

  it('renders hostile text as text', async () => {
    await send('/x<b>bold</b><img src=x onerror="window.__pwned=1">');
    const notice = page.locator('.msg.ephemeral', { hasText: 'is not a command here' });
    await notice.waitFor({ timeout: 5_000 });
    await expect(notice.locator('code').first().textContent()).resolves.toBe('/x<b>bold</b><img');
    await expect(notice.locator('.msg-content b, .msg-content img').count()).resolves.toBe(0);

    await send('/pymem <img src=x onerror="window.__pwned=1"> _x_');
    await page.locator('.msg.ephemeral', { hasText: /Try \/pymem help/ }).waitFor({ timeout: 10_000 });
    await expect(page.locator('.msg-content img:not([src^="/files/"])').count()).resolves.toBe(0);
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

describe('the playground API', () => {
  async function post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
    const response = await fetch(playground.url + path, { method: 'POST', headers, body });
    return { status: response.status, json: (await response.json()) as { error?: { code: string; message: string } } };
  }

  it('answers bad input with a 400 and keeps serving', async () => {
    expect((await post('/api/command', '{not json')).status).toBe(400);
    expect((await post('/api/command', JSON.stringify({ channel: 'C0NOWHERE', user: ALICE, text: '/pymem help' }))).json.error?.code).toBe('bad_request');
    expect((await post('/api/command', JSON.stringify({ channel: CHANNEL, user: ALICE, text: '' }))).status).toBe(400);
    expect((await post('/api/command', JSON.stringify({ channel: CHANNEL, user: ALICE, text: 'x'.repeat(100_000) }))).status).toBe(413);
    expect((await post('/api/command', JSON.stringify({ channel: CHANNEL, user: ALICE, text: '/pymem help' }), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/api/action', JSON.stringify({ channel: CHANNEL, user: ALICE, messageTs: '1.000000', actionId: 'x' }))).status).toBe(404);
    expect((await post('/api/action', JSON.stringify({ channel: CHANNEL, user: ALICE, messageTs: 'nope', actionId: 'x' }))).status).toBe(400);
    expect((await post('/api/digest', JSON.stringify({ channel: CHANNEL, extra: 1 }))).status).toBe(400);
    expect((await fetch(`${playground.url}/api/state?channel=${CHANNEL}`)).status).toBe(400);
    expect((await fetch(`${playground.url}/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await fetch(`${playground.url}/nothing-here`)).status).toBe(404);

    // A click with the wrong shape for its element: checkboxes carry the whole selection.
    const state = (await (await fetch(`${playground.url}/api/state?channel=${CHANNEL}&user=${ALICE}`)).json()) as { messages: { ts: string; text: string; visibleTo?: string }[] };
    const reportTs = state.messages.find((m) => m.visibleTo === undefined && m.text.startsWith('checkout-api:'))!.ts;
    const wrong = await post('/api/action', JSON.stringify({ channel: CHANNEL, user: ALICE, messageTs: reportTs, actionId: 'checklist:find-worker', selected: 'find-worker' }));
    expect(wrong.status).toBe(400);
    const unknownOption = await post('/api/action', JSON.stringify({ channel: CHANNEL, user: ALICE, messageTs: reportTs, actionId: 'report_window', selected: '12345' }));
    expect(unknownOption.status).toBe(400);

    // Addressed by another name (DNS rebinding) or posted from another origin: refused.
    expect(await rawStatus('GET', '/api/workspace', { host: 'attacker.example' })).toBe(403);
    expect(await rawStatus('POST', '/api/digest', { 'content-type': 'application/json', origin: 'http://attacker.example' }, JSON.stringify({ channel: CHANNEL }))).toBe(403);

    expect((await fetch(`${playground.url}/api/workspace`)).status).toBe(200);
  }, 60_000);

  it('shows an acknowledgement before what the bot posts after it, as Slack does', async () => {
    type State = { messages: { text: string; order: number; visibleTo?: string }[] };
    const sent = await post('/api/command', JSON.stringify({ channel: CHANNEL, user: ALICE, text: '/pymem no-such-service' }));
    expect(sent.status).toBe(200);
    let messages: State['messages'] = [];
    await expect
      .poll(async () => {
        messages = ((await (await fetch(`${playground.url}/api/state?channel=${CHANNEL}&user=${ALICE}`)).json()) as State).messages;
        return messages.some((m) => m.text.includes('could not analyse no-such-service'));
      }, { timeout: 15_000 })
      .toBe(true);
    const ack = messages.findIndex((m) => m.text.includes('Analysing no-such-service'));
    const failure = messages.findIndex((m) => m.text.includes('could not analyse no-such-service'));
    expect(ack).toBeGreaterThanOrEqual(0);
    expect(ack).toBeLessThan(failure);
    expect(messages[failure]!.visibleTo).toBe(ALICE);
    // Bob does not see Alice's ephemerals.
    const bob = (await (await fetch(`${playground.url}/api/state?channel=${CHANNEL}&user=${BOB}`)).json()) as State;
    expect(bob.messages.filter((m) => m.visibleTo === ALICE)).toEqual([]);
  }, 30_000);

  it('stops the web server, and a second stop is harmless', async () => {
    await context.close();
    await playground.stop();
    await expect(fetch(`${playground.url}/api/workspace`)).rejects.toThrow();
    await playground.stop();
  }, 60_000);
});

function rawStatus(method: string, path: string, headers: Record<string, string>, body?: string): Promise<number> {
  const url = new URL(playground.url);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.resume();
      resolvePromise(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}
