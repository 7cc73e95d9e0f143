import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readColumnFile, writeColumnFile} from '../../../src/adapters/duckdb/index.js';
import {useTempStores} from '../../support/duckdb-stores.js';

describe('column files (DuckDB COPY)', () => {
  const stores = useTempStores();

  it('writes columns to Parquet and reads them back bit for bit, NaN as NULL', async () => {
    const {store, dir} = await stores.open();
    const values = Float64Array.from([0.1 + 0.2, -1e-300, 123456789.123456789, NaN, Math.PI]);
    const file = join(dir, 'out.parquet');
    const rows = await writeColumnFile(store.db, [
      {name: 'time_ms', type: 'BIGINT', values: [1, 2, 3, 4, 1_700_000_000_000]},
      {name: 'score:ta.composite@1', type: 'DOUBLE', values},
      {name: 'active', type: 'INTEGER', values: Uint8Array.from([1, 0, 1, 1, 0])},
      {name: 'note', type: 'VARCHAR', values: ['a', 'b, "quoted"', 'c', 'd', 'e']},
    ], file, 'parquet');
    expect(rows).toBe(5);
    const back = await readColumnFile(store.db, file);
    expect(back.rows).toBe(5);
    expect(Array.from(back.columns.get('time_ms')!)).toEqual([1, 2, 3, 4, 1_700_000_000_000]);
    expect(Array.from(back.columns.get('score:ta.composite@1')!)).toEqual(Array.from(values));
    expect(Array.from(back.columns.get('active')!)).toEqual([1, 0, 1, 1, 0]);
    expect(Number.isNaN(back.columns.get('note')![0])).toBe(true);
  });

  it('writes CSV with a header, quoting text that needs it', async () => {
    const {store, dir} = await stores.open();
    const file = join(dir, 'sub', 'out.csv');
    await writeColumnFile(store.db, [
      {name: 'id', type: 'INTEGER', values: [1, 2]},
      {name: 'pnl', type: 'DOUBLE', values: [1.5, -0.25]},
      {name: 'reason', type: 'VARCHAR', values: ['stop-loss', 'ensemble 0.3, strong']},
    ], file, 'csv');
    expect(readFileSync(file, 'utf8')).toBe('id,pnl,reason\n1,1.5,stop-loss\n2,-0.25,"ensemble 0.3, strong"\n');
  });

  it('refuses columns of different lengths and leaves no temp table behind', async () => {
    const {store, dir} = await stores.open();
    await expect(writeColumnFile(store.db, [{name: 'a', type: 'DOUBLE', values: [1, 2]}, {name: 'b', type: 'DOUBLE', values: [1]}], join(dir, 'x.csv'), 'csv'))
      .rejects.toThrow(/column b has 1 values, expected 2/);
    const tables = await store.db.rows(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE '_columns_%'`);
    expect(tables).toEqual([]);
  });

  it('says which file it cannot read', async () => {
    const {store, dir} = await stores.open();
    await expect(readColumnFile(store.db, join(dir, 'missing.parquet'))).rejects.toThrow(/cannot read .*missing\.parquet/);
  });
});
