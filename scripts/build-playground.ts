/**
 * `npm run build`, after tsc: bundles the playground page (src/playground/page/) with esbuild into
 * dist/src/playground/page.bundle.js, where the compiled web server reads it (page-assets.ts).
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { bundlePageScript, PAGE_BUNDLE_FILE } from '../src/playground/page-assets';

async function main(): Promise<void> {
  const out = join(__dirname, '..', 'dist', 'src', 'playground', PAGE_BUNDLE_FILE);
  const script = await bundlePageScript();
  await mkdir(join(out, '..'), { recursive: true });
  await writeFile(out, script);
  console.log(`playground page: ${relative(process.cwd(), out)} (${Math.round(Buffer.byteLength(script) / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(`the playground page did not build: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
