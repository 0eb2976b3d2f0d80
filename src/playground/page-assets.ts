/**
 * The page script's bundle. The page is TypeScript (src/playground/page/, checked by its own
 * tsconfig) that esbuild bundles into one browser file: `npm run build` writes it beside the
 * compiled web server (scripts/build-playground.ts), and run from source (vitest, tsx) it is
 * bundled at start-up, so a test never serves a stale build.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PlaygroundError } from './errors';

/** The bundle's file name, beside the compiled web server in dist/src/playground/. */
export const PAGE_BUNDLE_FILE = 'page.bundle.js';

/** The page's entry module. */
export const PAGE_ENTRY = join(__dirname, 'page', 'main.ts');

/** Bundles the page with esbuild (a development dependency: only the build and runs from source use it). */
export async function bundlePageScript(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    write: false,
    // One classic script (the page loads it with <script defer>), no module loader, nothing global.
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: '// The pymem playground page, bundled by esbuild from src/playground/page/. Do not edit.' },
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no page bundle');
  return output.text;
}

/** The script the page loads as /page.js: the built bundle, or, from source, bundled now. */
export async function loadPageScript(): Promise<string> {
  // Compiled, this module is page-assets.js in dist/ and the bundle sits beside it.
  if (__filename.endsWith('.js')) {
    const file = join(__dirname, PAGE_BUNDLE_FILE);
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new PlaygroundError('page_missing', `the playground page script ${file} is missing; run \`npm run build\`, which writes it`, { cause: error });
    }
  }
  try {
    return await bundlePageScript();
  } catch (error) {
    throw new PlaygroundError('page_missing', `the playground page script could not be bundled from ${PAGE_ENTRY}: ${(error as Error).message}`, { cause: error });
  }
}
