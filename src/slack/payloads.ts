/**
 * The parts of Slack interaction payloads pymem reads, parsed with zod: Bolt types them, but a
 * request can still arrive without a field we rely on, and a crash is never the answer.
 */

import { z } from 'zod';
import { isChecklistStepId, type ChecklistStepId } from '../domain/checklist';
import { printable } from '../domain/service-name';
import { CHECKLIST_ACTION_PREFIX, WINDOW_CHOICES } from './blocks';

const messageContext = z.object({
  trigger_id: z.string().optional(),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z.object({ message_ts: z.string().min(1).optional(), channel_id: z.string().min(1).optional() }).passthrough().optional(),
  message: z.object({ ts: z.string().min(1) }).passthrough().optional(),
});

export interface MessageAction {
  readonly userId: string;
  readonly channelId: string;
  readonly messageTs: string;
  /** Stable identity of this click: a redelivery of the same request has the same key. */
  readonly requestKey: string;
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Where the click happened and who clicked. */
export function parseMessageAction(body: unknown, action: unknown): ParseResult<MessageAction> {
  const parsed = messageContext.safeParse(body);
  if (!parsed.success) return { ok: false, error: 'the request did not say who clicked where' };
  const b = parsed.data;
  const channelId = b.channel?.id ?? b.container?.channel_id;
  const messageTs = b.container?.message_ts ?? b.message?.ts;
  if (!channelId || !messageTs) return { ok: false, error: 'the request did not name the message it came from' };
  const actionTs = z.object({ action_ts: z.string() }).safeParse(action);
  const requestKey = `${b.trigger_id ?? 'no-trigger'}:${actionTs.success ? actionTs.data.action_ts : 'no-ts'}`;
  return { ok: true, value: { userId: b.user.id, channelId, messageTs, requestKey } };
}

const checkboxAction = z.object({
  type: z.literal('checkboxes'),
  action_id: z.string(),
  selected_options: z.array(z.object({ value: z.string() }).passthrough()).default([]),
});

/** A click on a step's checkbox: which step, and whether it is now ticked. */
export function parseChecklistAction(action: unknown): ParseResult<{ stepId: ChecklistStepId; checked: boolean }> {
  const parsed = checkboxAction.safeParse(action);
  if (!parsed.success) return { ok: false, error: 'not a checklist checkbox' };
  const stepId = parsed.data.action_id.slice(CHECKLIST_ACTION_PREFIX.length + 1);
  if (!parsed.data.action_id.startsWith(`${CHECKLIST_ACTION_PREFIX}:`) || !isChecklistStepId(stepId)) {
    return { ok: false, error: `unknown checklist step "${printable(parsed.data.action_id)}"` };
  }
  return { ok: true, value: { stepId, checked: parsed.data.selected_options.some((o) => o.value === stepId) } };
}

const selectAction = z.object({ selected_option: z.object({ value: z.string() }).passthrough() });

/** The window picked in the "change window" menu; only the offered choices are accepted. */
export function parseWindowAction(action: unknown): ParseResult<number> {
  const parsed = selectAction.safeParse(action);
  if (!parsed.success) return { ok: false, error: 'no window was selected' };
  const raw = parsed.data.selected_option.value;
  const ms = /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  if (!WINDOW_CHOICES.some((w) => w.ms === ms)) return { ok: false, error: 'that window is not one pymem offers' };
  return { ok: true, value: ms };
}

const buttonAction = z.object({ value: z.string().max(2000).optional() });

export function parseButtonValue(action: unknown): string | null {
  const parsed = buttonAction.safeParse(action);
  return parsed.success ? (parsed.data.value ?? null) : null;
}

/** The value picked in a static select, or null. */
export function parseSelectedValue(action: unknown): string | null {
  const parsed = selectAction.safeParse(action);
  return parsed.success ? parsed.data.selected_option.value : null;
}
