/** The SQLite driver chosen by Node version (src/store/sqlite-driver.ts), checked on the Node that runs the tests. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BetterSqlite3, sqliteDriverFor, sqliteDriverPackage } from '../../src/store/sqlite-driver';

describe('sqliteDriverFor', () => {
  it.each([
    ['20.19.0', 'better-sqlite3'],
    ['20.20.2', 'better-sqlite3'],
    ['21.7.3', 'better-sqlite3'],
    ['22.0.0', 'better-sqlite3-13'],
    ['24.18.1', 'better-sqlite3-13'],
    ['24.21.0', 'better-sqlite3-13'],
  ] as const)('Node %s loads %s', (version, expected) => {
    expect(sqliteDriverFor(version)).toBe(expected);
  });
});

describe('the driver this Node loaded', () => {
  it('is the one for its version, and is the package of that name', () => {
    expect(sqliteDriverPackage).toBe(sqliteDriverFor(process.versions.node));
    const major = sqliteDriverPackage === 'better-sqlite3' ? '12' : '13';
    const manifest = JSON.parse(readFileSync(require.resolve(`${sqliteDriverPackage}/package.json`), 'utf8')) as { version: string };
    expect(manifest.version.split('.')[0]).toBe(major);
  });

  it('answers a query', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      db.exec('CREATE TABLE t (n INTEGER)');
      const insert = db.prepare<[number]>('INSERT INTO t VALUES (?)');
      db.transaction(() => {
        for (let n = 1; n <= 100; n += 1) insert.run(n);
      })();
      expect(db.prepare('SELECT sum(n) AS total FROM t').get()).toEqual({ total: 5050 });
    } finally {
      db.close();
    }
  });

  // better-sqlite3 12 on Node 24.19 or later aborts (SIGABRT, "Assertion failed: (env) != nullptr")
  // when statements are finalised as the process ends: with the statements below still alive at
  // exit it did, six runs in six. A child on the Node under test loads the package the driver
  // chose (by name: no TypeScript loader in between to change the exit) and must exit with 0.
  it('lets a process exit cleanly with statements still alive', () => {
    const script = [
      `const BetterSqlite3 = require(${JSON.stringify(sqliteDriverPackage)});`,
      "const db = new BetterSqlite3(':memory:');",
      "db.exec('CREATE TABLE t (n INTEGER)');",
      'const kept = [];',
      'for (let n = 0; n < 20000; n += 1) {',
      '  const insert = db.prepare(`INSERT INTO t VALUES (${n})`);',
      '  insert.run();',
      '  if (n % 2 === 0) kept.push(insert);',
      '}',
      "console.log(db.prepare('SELECT count(*) AS n FROM t').pluck().get(), kept.length);",
    ].join('\n');
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: process.cwd(), timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect({ status: run.status, signal: run.signal, stdout: run.stdout.trim() }).toEqual({ status: 0, signal: null, stdout: '20000 10000' });
  });
});
