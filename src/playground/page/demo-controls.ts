/**
 * The playground-only demo controls in the sidebar: deploy a fix to a demo service now, and move
 * the demo clock (the bot's and the demo services') on by 30 minutes, so that verifying a fix
 * shows "too early" and then "fixed" without waiting hours. Hidden on Prometheus.
 */

import { request } from './api';
import { demoStatusText } from './demo-status';
import { byId, h } from './dom';
import { messageOf } from './messages';
import { state } from './state';
import { toast } from './toast';

const SKIP_MINUTES = 30;

interface DemoState {
  readonly available: boolean;
  readonly offsetMs: number;
  readonly now: number;
  readonly fixes: readonly { readonly service: string; readonly at: number }[];
}

function parseDemo(value: unknown): DemoState {
  const body = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const fixes = Array.isArray(body['fixes']) ? body['fixes'] : [];
  return {
    available: body['available'] !== false,
    offsetMs: typeof body['offsetMs'] === 'number' ? body['offsetMs'] : 0,
    now: typeof body['now'] === 'number' ? body['now'] : Date.now(),
    fixes: fixes.flatMap((f: unknown) => {
      const fix = typeof f === 'object' && f !== null ? (f as Record<string, unknown>) : {};
      return typeof fix['service'] === 'string' && typeof fix['at'] === 'number' ? [{ service: fix['service'], at: fix['at'] }] : [];
    }),
  };
}

function show(demo: DemoState): void {
  byId('demo-status').textContent = demoStatusText(demo);
  const fixed = new Set(demo.fixes.map((f) => f.service));
  const picker = byId<HTMLSelectElement>('demo-service');
  byId<HTMLButtonElement>('demo-fix').disabled = fixed.has(picker.value);
}

let last: DemoState | null = null;

export async function wireDemoControls(): Promise<void> {
  const demo = parseDemo(await request('GET', '/api/demo'));
  if (!demo.available) return;
  last = demo;
  const panel = byId('demo-controls');
  const picker = byId<HTMLSelectElement>('demo-service');
  for (const service of state.ws?.services ?? []) picker.appendChild(h('option', { text: service, attrs: { value: service } }));
  // The service whose leak a deploy fixes in the docs' walkthrough.
  if ((state.ws?.services ?? []).includes('checkout-api')) picker.value = 'checkout-api';
  picker.addEventListener('change', () => {
    if (last) show(last);
  });
  const fix = byId<HTMLButtonElement>('demo-fix');
  const skip = byId<HTMLButtonElement>('demo-skip');
  fix.addEventListener('click', () => {
    fix.disabled = true;
    request('POST', '/api/demo/fix', { service: picker.value }).then(
      (answer) => {
        last = parseDemo(answer);
        show(last);
        toast(`Deployed a fix to ${picker.value}: every worker was replaced, and the new ones run the fixed code. The rollout took 5 minutes of demo time.`);
      },
      (error: unknown) => {
        fix.disabled = false;
        toast(`The fix was not deployed: ${messageOf(error)}`, 'error');
      },
    );
  });
  skip.addEventListener('click', () => {
    skip.disabled = true;
    request('POST', '/api/demo/skip', { minutes: SKIP_MINUTES }).then(
      (answer) => {
        last = parseDemo(answer);
        show(last);
        skip.disabled = false;
      },
      (error: unknown) => {
        skip.disabled = false;
        toast(`The clock did not move: ${messageOf(error)}`, 'error');
      },
    );
  });
  show(demo);
  panel.hidden = false;
}
