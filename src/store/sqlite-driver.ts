/**
 * Which better-sqlite3 this Node loads. pymem supports Node 20 and Node 24, and no single major
 * version of better-sqlite3 runs on both:
 * - 12 (a classic addon built on node::ObjectWrap) aborts Node 24.19 and later: a Statement
 *   finalised by the garbage collector calls RemoveEnvironmentCleanupHook, which Node 24 now
 *   asserts on (SIGABRT, "Assertion failed: (env) != nullptr"), even when built against the right
 *   headers (nodejs/node#65446);
 * - 13 (Node-API, prebuilt binaries in the package) runs on Node 22 and later, and crashes on 20.
 * Both are installed (13 under the npm alias `better-sqlite3-13`) and this module loads the one
 * that fits. Their JavaScript API is the same, so the types are @types/better-sqlite3's.
 */

import type BetterSqlite3Module from 'better-sqlite3';

export type SqliteDriver = typeof BetterSqlite3Module;
export type SqliteConnection = BetterSqlite3Module.Database;
export type SqliteDriverPackage = 'better-sqlite3' | 'better-sqlite3-13';

/** The package to load on a Node of this version (`process.versions.node`, e.g. `24.21.0`). */
export function sqliteDriverFor(nodeVersion: string): SqliteDriverPackage {
  const major = Number.parseInt(nodeVersion, 10);
  return major >= 22 ? 'better-sqlite3-13' : 'better-sqlite3';
}

/** The package this process loaded. */
export const sqliteDriverPackage: SqliteDriverPackage = sqliteDriverFor(process.versions.node);

// A plain require: which package is only known at run time. The two export the same constructor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const BetterSqlite3 = require(sqliteDriverPackage) as SqliteDriver;
