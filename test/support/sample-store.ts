/** One seeded store (the shipped sample) per test file, in a temp dir removed afterwards. */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';

export function useSampleStore(): {store: () => DuckDbStore; dir: () => string} {
  let store: DuckDbStore | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-sample-'));
    store = await DuckDbStore.open(join(dir, 'store.duckdb'));
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, {recursive: true, force: true});
  });
  return {store: () => store!, dir: () => dir};
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
