/**
 * The layering, checked on every run: no folder imports a folder that imports it back (directly or
 * through others), no file cycles, and src/domain stays pure. Type-only and dynamic imports count
 * too: a type import still ties two folders' reasons to change together.
 */

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, folderOf, graphOf, importsOf, reachable, sourceFiles, type Graph } from '../support/import-graph';

const ROOT = resolve(__dirname, '../..');
const FILES = sourceFiles(ROOT, ['src', 'handlers']);
const EDGES = FILES.flatMap((file) => importsOf(ROOT, file));

function graph(entries: Record<string, string[]>): Graph {
  return new Map(Object.entries(entries).map(([k, v]) => [k, new Set(v)]));
}

describe('the cycle finder', () => {
  it('names a cycle through several nodes, and only the nodes on it', () => {
    expect(cycles(graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: [] }))).toEqual(['a -> b -> c -> a']);
  });

  it('finds nothing in a graph that only points one way', () => {
    expect(cycles(graph({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('reads type-only, dynamic and re-export imports, and resolves them to files', () => {
    const edges = importsOf(ROOT, 'src/metrics/errors.ts');
    expect(edges).toContainEqual({ from: 'src/metrics/errors.ts', to: 'src/domain/posted-failure.ts', kind: 'type-only', external: false });
    const main = importsOf(ROOT, 'src/main.ts');
    expect(main.filter((e) => e.kind === 'dynamic').map((e) => e.to)).toContain('src/playground/playground.ts');
  });
});

describe('the import graph of src/ and handlers/', () => {
  it('reads every file', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(FILES).toContain('handlers/actions.ts');
  });

  it('has no folder that imports a folder that imports it back', () => {
    expect(cycles(graphOf(EDGES, folderOf))).toEqual([]);
  });

  it('has no file that imports a file that imports it back', () => {
    expect(cycles(graphOf(EDGES))).toEqual([]);
  });

  it('keeps src/domain pure: no imports outside src/domain but erased types, and no package but zod', () => {
    const fromDomain = EDGES.filter((e) => e.from.startsWith('src/domain/'));
    const outside = fromDomain.filter((e) => !e.external && !e.to.startsWith('src/domain/') && e.kind !== 'type-only');
    expect(outside).toEqual([]);
    const packages = new Set(fromDomain.filter((e) => e.external && e.kind !== 'type-only').map((e) => e.to));
    expect([...packages]).toEqual(['zod']);
  });
});

describe('the Slack stand-in stays out of the production path', () => {
  const runtime = (e: { readonly kind: string }): boolean => e.kind !== 'type-only';
  const tooling = (files: Set<string>): string[] => [...files].filter((f) => f.startsWith('src/slack-standin/') || f.startsWith('src/playground/')).sort();

  it('the bot, its analysis threads and the CLI never load the stand-in or the playground, even through dynamic imports', () => {
    for (const entry of ['src/app.ts', 'src/analysis/worker.ts', 'src/cli/main.ts']) {
      expect({ entry, loads: tooling(reachable(EDGES, entry, runtime)) }).toEqual({ entry, loads: [] });
    }
  });

  it('npm start loads them only when it starts the playground (a dynamic import in src/main.ts)', () => {
    expect(tooling(reachable(EDGES, 'src/main.ts', (e) => e.kind === 'static'))).toEqual([]);
    const intoTooling = EDGES.filter((e) => !e.from.startsWith('src/playground/') && !e.from.startsWith('src/slack-standin/') && runtime(e) && tooling(new Set([e.to])).length > 0);
    expect(intoTooling.map((e) => `${e.from} -> ${e.to} (${e.kind})`)).toEqual(['src/main.ts -> src/playground/playground.ts (dynamic)', 'src/main.ts -> src/playground/host-policy.ts (dynamic)']);
  });
});
