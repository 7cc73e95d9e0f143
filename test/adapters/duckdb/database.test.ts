import {describe, expect, it} from 'vitest';
import {DuckDb} from '../../../src/adapters/duckdb/database.js';

describe('DuckDb: one connection, statements from many async tasks', () => {
  it('runs concurrent reads, writes and transactions without one interrupting another', async () => {
    const db = await DuckDb.open(':memory:');
    try {
      await db.run('CREATE TABLE t (id BIGINT, v BIGINT)');
      const tasks: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        // A poller (the kill-switch watch) reading while bar commits write in transactions.
        tasks.push(db.rows('SELECT count(*) AS n FROM t'));
        tasks.push(db.transaction(async () => {
          await db.run('INSERT INTO t VALUES ($1, 1)', [BigInt(i)]);
          await db.rows('SELECT max(id) AS m FROM t');
          await db.run('INSERT INTO t VALUES ($1, 2)', [BigInt(i)]);
        }));
        tasks.push(db.run('INSERT INTO t VALUES ($1, 3)', [BigInt(i)]));
      }
      const results = await Promise.allSettled(tasks);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const [row] = await db.rows('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM t');
      expect(Number(row.n)).toBe(120);
      expect(Number(row.ids)).toBe(40);
    } finally {
      db.close();
    }
  });

  it('rolls a failed transaction back while others queue behind it', async () => {
    const db = await DuckDb.open(':memory:');
    try {
      await db.run('CREATE TABLE t (id BIGINT PRIMARY KEY)');
      const failing = db.transaction(async () => {
        await db.run('INSERT INTO t VALUES (1)');
        await db.run('INSERT INTO t VALUES (1)');
      });
      const after = db.run('INSERT INTO t VALUES (2)');
      await expect(failing).rejects.toThrow();
      await after;
      expect((await db.rows('SELECT id FROM t ORDER BY id')).map((r) => Number(r.id))).toEqual([2]);
    } finally {
      db.close();
    }
  });
});
