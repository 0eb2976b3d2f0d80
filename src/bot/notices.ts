/**
 * What pymem tells a requester when something fails after it said "Analysing…": what went wrong, in
 * words, and what to do next. Pure text; the callers decide when.
 */

import { formatDuration } from '../domain/format';
import { escapeMrkdwn, trimText } from '../slack/limits';
import { cannotPostText, reasonFromError, type ChannelHint } from '../slack/postability';

/** The acknowledgement of a request: the work starts now. */
export function analyzingText(service: string, windowMs: number): string {
  return `:hourglass_flowing_sand: Analysing \`${service}\` over the last ${formatDuration(windowMs)}…`;
}

/** More analyses are waiting than the pool can start in time: say so now rather than post in minutes. */
export function busyText(service: string, waitMs: number, queued: number): string {
  const waiting = queued === 1 ? 'one analysis is' : `${queued} analyses are`;
  return (
    `:hourglass: pymem is busy: ${waiting} waiting, so \`${service}\` would not start for about ${formatDuration(Math.max(1_000, Math.round(waitMs / 1_000) * 1_000))}. ` +
    'Nothing was queued. Try again in a minute, or ask for a shorter window; a report someone just ran for the same service and window comes back at once.'
  );
}

export type StoreStep = 'start' | 'save-report' | 'record-message';

/** The database failed at `step` (for `service`, when known yet); the details are in the log. */
export function storeUnavailableText(step: StoreStep, service: string | null): string {
  const which = service === null ? 'the report' : `\`${service}\``;
  switch (step) {
    case 'start':
      return `:x: pymem could not start on ${service === null ? 'this' : which}: its database did not answer. Nothing was analysed or posted; try again in a minute.`;
    case 'save-report':
      return `:x: pymem analysed ${which} but could not save the report: its database did not answer, so nothing was posted (its checklist could not be kept). Run the command again in a minute; the analysis is kept briefly, so it will be quick.`;
    case 'record-message':
      return `:warning: The report for ${which} is posted, but pymem could not record it: its database did not answer, so ticks on its checklist cannot be saved. Run the command again once the database is back, and use the new report.`;
    default: {
      const unknown: never = step;
      return String(unknown);
    }
  }
}

/** Slack refused or failed to post the report (or the re-run); `verdict` keeps the finding from being lost. */
export function postFailureText(code: string, hint: ChannelHint, verdict: string | null, cacheTtlMs: number): string {
  const finding = verdict === null ? '' : ` The finding was: *${escapeMrkdwn(trimText(verdict, 400))}*`;
  const again = cacheTtlMs > 0 ? ` Run the command again; for ${formatDuration(cacheTtlMs)} the analysis is kept, so it comes back at once.` : ' Run the command again.';
  const reason = reasonFromError(code, hint);
  if (reason !== null) return `${cannotPostText(reason)}${finding}`;
  if (code === 'ratelimited') return `:hourglass: Slack kept rate-limiting pymem in this channel, so the report was not posted.${finding}${again}`;
  if (code === 'transport' || /^http_5\d\d$/.test(code) || code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable') {
    const what = code === 'transport' ? 'pymem lost its connection to Slack' : `Slack failed (${code.replace('http_', 'HTTP ')})`;
    return `:x: ${what} while posting the report, so it may not have arrived. If you see no report in the channel, run the command again.${finding}${cacheTtlMs > 0 ? ` For ${formatDuration(cacheTtlMs)} the analysis is kept, so it comes back at once.` : ''}`;
  }
  return `:x: Slack refused the report (\`${escapeMrkdwn(code)}\`); it has been logged.${finding}${again}`;
}

/** The tick was not stored: the message shows again what is, and the clicker knows to tick again. */
export function tickNotSavedText(stepTitle: string | null, checked: boolean): string {
  const what = stepTitle === null ? 'Your tick' : `Your ${checked ? 'tick on' : 'untick of'} “${escapeMrkdwn(stepTitle)}”`;
  return `:x: ${what} was not saved: pymem's database did not answer. The checklist shows what is saved (it is redrawn as soon as the database answers); tick it again in a minute.`;
}

/** Why the analysis did not come back in time. */
export function tooSlowText(timeoutMs: number): string {
  return `pymem did not finish within ${Math.round(timeoutMs / 1000)} s: the metrics backend was slow, or many analyses were waiting. Try a shorter window, or again in a minute.`;
}

/** The acknowledgement of `/pymem doctor`: the probing starts now. */
export function doctorCheckingText(service: string, windowMs: number): string {
  return `:stethoscope: Checking which metrics the backend has for \`${service}\` over the last ${formatDuration(windowMs)}…`;
}

/** The doctor could not ask the backend: what failed, and that nothing else was affected. */
export function doctorFailedText(service: string, failure: { readonly kind: 'metrics'; readonly message: string } | { readonly kind: 'internal' }): string {
  return failure.kind === 'metrics'
    ? `:x: pymem could not check the metrics for \`${service}\`: ${escapeMrkdwn(trimText(failure.message, 1500))} Try again in a minute; if it keeps failing, whoever runs the metrics backend needs to look at it.`
    : `:x: Something unexpected went wrong while checking the metrics for \`${service}\` (logged). Try again in a minute.`;
}

/** A command pymem could not parse: the parser's reason and where to find the syntax (under the name the workspace uses). */
export function invalidCommandText(reason: string, commandName: string): string {
  return `:warning: ${escapeMrkdwn(reason)} Try \`${commandName} help\`.`;
}

export type CommandWork = 'analyze' | 'doctor' | 'verify' | 'subscribe' | 'unsubscribe' | 'list';

/** A command failed after its acknowledgement, for a reason pymem did not foresee. */
export function commandFailedText(kind: CommandWork): string {
  return kind === 'list' || kind === 'subscribe' || kind === 'unsubscribe'
    ? `:x: pymem could not ${kind === 'list' ? 'read this channel’s subscriptions' : `${kind} the service`}: its database did not answer or something unexpected failed (logged). Try again in a minute.`
    : ':x: Something unexpected went wrong on pymem’s side after it started (logged). Run the command again in a minute.';
}

/** A click failed after its acknowledgement, for a reason pymem did not foresee. */
export const ACTION_FAILED_TEXT = ':x: That did not work: something failed on pymem’s side (logged). Try again in a minute.';

/** A checklist click whose payload pymem could not read; `reason` says which part. */
export function unreadableClickText(reason: string): string {
  return `:warning: pymem could not read that click (${reason}).`;
}

/** A "change window" choice pymem could not act on: the window's own problem, or an unknown report when `windowError` is null. */
export function unreadableWindowText(windowError: string | null): string {
  return `:warning: ${windowError ?? 'pymem could not tell which report that was'}.`;
}

/** The acknowledgement of `/pymem timeline [service]`. */
export function timelineExportingText(service: string | null): string {
  return `Exporting the timeline${service === null ? '' : ` of \`${service}\``}…`;
}

/** Resolve or timeline export could not read or write the incident. */
export function incidentStoreFailedText(what: string, databaseDown: boolean): string {
  const why = databaseDown ? 'its database did not answer' : 'its records of this incident could not be read (logged)';
  return `:x: pymem could not ${what}: ${why}. Nothing was changed; try again in a minute.`;
}

/** Slack refused the timeline file: what it said, and where else the timeline can be had. */
export function timelineNotPostedText(service: string, code: string, channelId: string, messageTs: string | null): string {
  const cli = messageTs === null ? '' : `; \`pymem timeline ${channelId} ${messageTs}\` prints it where pymem runs`;
  return `:x: pymem could not post the timeline of \`${service}\`: Slack answered \`${escapeMrkdwn(code)}\`. Try again in a minute${cli}.`;
}

/** A fix verification (issue 13) could not be carried out: what failed, and what to do. */
export function verifyFailedText(service: string, failure: { readonly kind: 'metrics'; readonly posted: string } | { readonly kind: 'internal' }): string {
  return failure.kind === 'metrics'
    ? `:x: pymem could not verify the fix for \`${service}\`: ${trimText(failure.posted, 1500)} Nothing was posted in the thread; try again in a minute, and if it keeps failing, whoever runs the metrics backend needs to look at it.`
    : `:x: pymem could not verify the fix for \`${service}\`: something unexpected went wrong on its side (logged). Try again in a minute.`;
}

/** The verification came back but Slack would not take it into the report's thread; `summary` keeps the answer from being lost. */
export function verifyPostFailedText(code: string, summary: string): string {
  return `:x: pymem verified the fix but could not post it in the report's thread (Slack answered \`${escapeMrkdwn(code)}\`; logged). The answer was: *${escapeMrkdwn(trimText(summary, 600))}* Try again in a minute.`;
}
