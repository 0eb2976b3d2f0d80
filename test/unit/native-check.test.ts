/** The image's load check (src/native-check.ts), run on the Node under test with this machine's libraries. */
import { describe, expect, it } from 'vitest';
import { checkNativeModules } from '../../src/native-check';
import { sqliteDriverPackage } from '../../src/store/sqlite-driver';

describe('checkNativeModules', () => {
  it('draws a PNG with canvas and queries SQLite through the driver picked for this Node', () => {
    expect(checkNativeModules()).toBe(`canvas and ${sqliteDriverPackage} work on Node ${process.versions.node}`);
  });
});
