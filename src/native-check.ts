/**
 * Checks that the two native modules pymem needs load and work on this Node, with this machine's
 * shared libraries: canvas (the charts) and the SQLite driver src/store/sqlite-driver.ts picks.
 * Both stages of the Dockerfile run it (`node dist/src/native-check.js`), so a module built for
 * another Node, or a run-time library missing from the image, fails the build instead of the first
 * chart or the first command. Prints one line and exits 0, or throws (exit status 1).
 */

import { createCanvas } from 'canvas';
import { BetterSqlite3, sqliteDriverPackage } from './store/sqlite-driver';

export function checkNativeModules(): string {
  const canvas = createCanvas(16, 16);
  const context = canvas.getContext('2d');
  context.fillStyle = '#336699';
  context.fillRect(0, 0, 16, 16);
  const png = canvas.toBuffer('image/png');
  // Every PNG starts with these eight bytes.
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    throw new Error('canvas loaded but did not encode a PNG');
  }

  const db = new BetterSqlite3(':memory:');
  try {
    const answer: unknown = db.prepare('SELECT 41 + 1').pluck().get();
    if (answer !== 42) throw new Error(`${sqliteDriverPackage} loaded but answered ${String(answer)} to SELECT 41 + 1`);
  } finally {
    db.close();
  }
  return `canvas and ${sqliteDriverPackage} work on Node ${process.versions.node}`;
}

if (require.main === module) {
  process.stdout.write(`${checkNativeModules()}\n`);
}
