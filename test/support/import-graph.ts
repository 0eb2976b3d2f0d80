/**
 * The import graph of the product code, read with TypeScript's own parser (no resolution by the
 * compiler: relative specifiers are resolved here, package imports are left out). Used by
 * test/unit/import-graph.test.ts to keep folders from importing each other back.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export type ImportKind = 'static' | 'type-only' | 'dynamic';

export interface ImportEdge {
  /** Repository-relative, with forward slashes. */
  readonly from: string;
  /** A repository-relative .ts file, or for a package import the specifier as written ('zod', 'node:fs'). */
  readonly to: string;
  readonly kind: ImportKind;
  readonly external: boolean;
}

/** Every .ts file under the given folders (repository-relative), sorted. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(toPosix(relative(root, path)));
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return files.sort();
}

/** The imports of one file: relative ones resolved to repository-relative .ts paths, packages as written. */
export function importsOf(root: string, file: string): ImportEdge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, kind: ImportKind): void => {
    if (!specifier.startsWith('.')) {
      edges.push({ from: file, to: specifier, kind, external: true });
      return;
    }
    const target = resolveRelative(root, file, specifier);
    if (target === null) throw new Error(`${file}: cannot resolve the import '${specifier}'`);
    edges.push({ from: file, to: target, kind, external: false });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node) ? 'type-only' : 'static');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyExport(node) ? 'type-only' : 'static');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) add(expr.text, node.isTypeOnly ? 'type-only' : 'static');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteralLike(arg)) add(arg.text, 'dynamic');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteralLike(arg)) add(arg.text, 'static');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, 'type-only');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** Imports erased at compile time: `import type`, or every named binding marked `type`. */
function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import './x'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** Node16 resolution of a relative specifier as this codebase writes them: './x', './x.js', './dir' (index). */
function resolveRelative(root: string, from: string, specifier: string): string | null {
  const base = resolve(root, dirname(from), specifier);
  const stem = base.replace(/\.(js|ts)$/, '');
  for (const candidate of [`${stem}.ts`, join(stem, 'index.ts')]) {
    if (existsSync(candidate)) return toPosix(relative(root, candidate));
  }
  return null;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * The folder a file belongs to in the layering: the first folder under src/ (src/domain/classify/x.ts
 * is src/domain), handlers, and each file directly in src/ (app.ts, main.ts, ...) as a node of its own.
 */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : file;
  return parts[0] ?? file;
}

export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** Nodes and edges between the repository's own files, without self-loops, after mapping every file to a node. */
export function graphOf(edges: readonly ImportEdge[], node: (file: string) => string = (f) => f): Graph {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.external) continue;
    const from = node(e.from);
    const to = node(e.to);
    if (!graph.has(from)) graph.set(from, new Set());
    if (!graph.has(to)) graph.set(to, new Set());
    if (from !== to) graph.get(from)!.add(to);
  }
  return graph;
}

/**
 * One cycle for every strongly connected component with more than one node, each written as the
 * path that closes it ('a -> b -> a'). Tarjan's algorithm; the graphs here are a few hundred nodes.
 */
export function cycles(graph: Graph): string[] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) connect(v);
  return components.map((c) => cyclePath(graph, new Set(c)));
}

/** A shortest path from the component's first node (by name) back to itself, inside the component. */
function cyclePath(graph: Graph, component: ReadonlySet<string>): string {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start].join(' -> ');
      }
      if (!previous.has(w) && w !== start) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component].sort().join(', ');
}

/** Every file `entry` loads, following only the edges `follow` accepts (e.g. no dynamic imports). */
export function reachable(edges: readonly ImportEdge[], entry: string, follow: (edge: ImportEdge) => boolean): Set<string> {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const e of edges) {
      if (e.from !== file || e.external || !follow(e) || seen.has(e.to)) continue;
      seen.add(e.to);
      queue.push(e.to);
    }
  }
  return seen;
}
