/** Plain-text rendering of an analysis for a person in a terminal. Pure. */

import type { Diagnosis, InsufficientData } from '../domain/diagnosis';
import type { ChecklistStep } from '../domain/checklist';
import { sourceLine } from '../domain/doctor';
import { formatTime, formatWindow } from '../domain/format';
import { LINK_KINDS, type Links } from '../domain/links';
import { patternTitle } from '../domain/pattern-names';

export interface ReportContext {
  readonly sourceDescription: string;
  readonly timeZone: string;
  readonly width?: number;
  /** The dashboard and runbook URLs for this service and window, when configured. */
  readonly links?: Links | null;
}

export function renderDiagnosisText(d: Diagnosis, checklist: readonly ChecklistStep[], ctx: ReportContext): string {
  const width = ctx.width ?? 100;
  const lines: string[] = [];
  lines.push(`${d.service} · ${windowLine(d.window.start, d.window.end, d.window.durationSeconds, ctx.timeZone)} · ${ctx.sourceDescription}`);
  const mixed = d.pattern === 'mixed' ? ` (${d.secondary.join(' + ')})` : '';
  lines.push(`Pattern: ${patternTitle(d.pattern)} [${d.pattern}${mixed}], confidence ${d.confidence.toFixed(2)}${d.confidenceNote ? `: ${d.confidenceNote}` : ''}`);
  lines.push('');
  lines.push(...wrap(d.verdict, width, ''));
  lines.push('');
  lines.push('Findings');
  for (const f of d.findings) lines.push(...wrap(f, width, '  • ', '    '));
  lines.push('');
  lines.push('Checklist');
  const startHere = checklist.findIndex((step) => step.focus);
  checklist.forEach((step, i) => {
    const mark = !step.focus ? '' : i === startHere ? '  ← start here' : '  ← key for this pattern';
    lines.push(`  ${i + 1}. ${step.title}${mark}`);
    lines.push(...wrap(step.found, width, '     Found: ', '            '));
    step.next.forEach((n, k) => lines.push(...wrap(n, width, k === 0 ? '     Next:  ' : '            ', '              ')));
  });
  lines.push(...linkLines(ctx.links ?? null));
  // The query stays whole on its line, however long, so it can be pasted into Prometheus.
  lines.push('', sourceLine(d.source), `  Memory query: ${d.source.queries.memory}`);
  for (const w of d.warnings) lines.push(...wrap(`warning: ${w}`, width, ''));
  return lines.join('\n') + '\n';
}

export function renderInsufficientText(data: InsufficientData, ctx: ReportContext): string {
  const lines = [
    `${data.service} · ${windowLine(data.window.start, data.window.end, data.window.durationSeconds, ctx.timeZone)} · ${ctx.sourceDescription}`,
    '',
    ...wrap(data.message, ctx.width ?? 100, ''),
    '',
    'What to do',
  ];
  for (const g of data.guidance) lines.push(...wrap(g, ctx.width ?? 100, '  • ', '    '));
  lines.push(...linkLines(ctx.links ?? null));
  return lines.join('\n') + '\n';
}

/** URLs stay whole on their line, however long, so a terminal can still open them. */
function linkLines(links: Links | null): string[] {
  if (links === null) return [];
  const rows = LINK_KINDS.flatMap((kind) => (links[kind] === null ? [] : [`  ${`${kind[0]!.toUpperCase()}${kind.slice(1)}:`.padEnd(11)}${links[kind]}`]));
  return rows.length > 0 ? ['', 'Links', ...rows] : [];
}

function windowLine(start: string, end: string, seconds: number, timeZone: string): string {
  const endMs = Date.parse(end);
  return `last ${formatWindow(seconds * 1000)} (${formatTime(Date.parse(start), timeZone, endMs)} – ${formatTime(endMs, timeZone, endMs)})`;
}

/** Word-wraps without cutting words; code spans longer than a line stay whole. */
export function wrap(text: string, width: number, firstPrefix: string, restPrefix = firstPrefix): string[] {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const out: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const word of words) {
    const candidate = empty ? line + word : `${line} ${word}`;
    if (!empty && candidate.length > width) {
      out.push(line);
      line = restPrefix + word;
    } else {
      line = candidate;
    }
    empty = false;
  }
  out.push(line);
  return out;
}
