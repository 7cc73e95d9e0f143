import {cpSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DuckDbStore, listCoverage, seedSample} from '../../../src/adapters/duckdb/index.js';
import {ErrorCode, IftbError} from '../../../src/core/index.js';
import {REPO_ROOT} from '../../support/candle-files.js';
import {tableCounts, useTempStores} from '../../support/duckdb-stores.js';

const DATASETS = join(REPO_ROOT, 'datasets');
const FIRST = Date.UTC(2022, 0, 1);

interface ManifestEntry {
  file: string;
  kind: string;
  symbol: string;
  timeframe?: string;
  sha256: string;
}

/** A copy of datasets/ (manifest and parquet files only) in a temp dir. */
function copySample(dir: string): {dir: string; manifest: ManifestEntry[]} {
  const target = join(dir, 'datasets');
  cpSync(DATASETS, target, {recursive: true, filter: (src) => !/\.duckdb(\.wal)?$/.test(src)});
  return {dir: target, manifest: JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8')).files};
}

function corruptOneByte(file: string): void {
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] ^= 0xff;
  writeFileSync(file, bytes);
}

describe('shipped sample seeding', () => {
  const temp = useTempStores();

  it('imports the shipped sample into a new store by default: BTC and ETH 1h candles, funding and BTC mark', async () => {
    const dir = temp.dir();
    const store = await DuckDbStore.open(join(dir, 'store.duckdb'));
    try {
      const rows = (await listCoverage(store.db)).map((r) => ({kind: r.kind, symbol: r.symbol, timeframe: r.timeframe, exchange: r.exchange, rows: r.rows, firstMs: r.firstMs, gaps: r.gaps}));
      expect(rows).toEqual([
        {kind: 'candles', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h', rows: 38_336, firstMs: FIRST, gaps: 0},
        {kind: 'funding', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '8h', rows: 4_792, firstMs: FIRST, gaps: 0},
        {kind: 'mark', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h', rows: 38_335, firstMs: FIRST, gaps: 0},
        {kind: 'candles', exchange: 'binanceusdm', symbol: 'ETH/USDT:USDT', timeframe: '1h', rows: 38_336, firstMs: FIRST, gaps: 0},
        {kind: 'funding', exchange: 'binanceusdm', symbol: 'ETH/USDT:USDT', timeframe: '8h', rows: 4_792, firstMs: FIRST, gaps: 0},
      ]);
      const seeds = await store.db.rows('SELECT file, sha256 FROM dataset_seeds ORDER BY file');
      const manifest: ManifestEntry[] = JSON.parse(readFileSync(join(DATASETS, 'manifest.json'), 'utf8')).files;
      expect(seeds).toEqual(manifest.map((m) => ({file: m.file, sha256: m.sha256})).sort((a, b) => a.file.localeCompare(b.file)));

      // Seeding again imports nothing.
      const counts = await tableCounts(store.db);
      expect(await seedSample(store.db)).toBe(0);
      expect(await tableCounts(store.db)).toEqual(counts);
    } finally {
      store.close();
    }
  });

  it('does not import the sample a second time when the store is opened again', async () => {
    const {store, dir} = await temp.open({seed: true});
    const counts = await tableCounts(store.db);
    expect(counts.candles).toBe(2 * 38_336);
    store.close();
    const {store: again} = await temp.open({seed: true, dir});
    expect(await tableCounts(again.db)).toEqual(counts);
    expect(await seedSample(again.db)).toBe(0);
  });

  it('leaves a store opened with seed: false empty', async () => {
    const {store} = await temp.open({seed: false});
    expect(await tableCounts(store.db)).toEqual({candles: 0, mark: 0, funding: 0});
  });

  it('refuses a sample file whose sha256 does not match the manifest, importing none of it', async () => {
    const {store, dir} = await temp.open();
    const sample = copySample(dir);
    const bad = sample.manifest[0];
    corruptOneByte(join(sample.dir, bad.file));

    const error = await seedSample(store.db, sample.dir).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IftbError);
    expect((error as IftbError).code).toBe(ErrorCode.DATA_INVALID);
    expect((error as IftbError).message).toContain(bad.file);
    expect(await tableCounts(store.db)).toEqual({candles: 0, mark: 0, funding: 0});
    expect(await store.db.rows('SELECT * FROM dataset_seeds')).toEqual([]);
  });

  it('refuses a corrupted file later in the manifest without recording it as seeded, and seeds it once repaired', async () => {
    const {store, dir} = await temp.open();
    const sample = copySample(dir);
    const bad = sample.manifest[sample.manifest.length - 1];
    expect(bad.kind).toBe('funding');
    const path = join(sample.dir, bad.file);
    const good = readFileSync(path);
    corruptOneByte(path);

    const error = await seedSample(store.db, sample.dir).then(() => undefined, (e: unknown) => e);
    expect((error as IftbError).code).toBe(ErrorCode.DATA_INVALID);
    const seeded = (await store.db.rows('SELECT file FROM dataset_seeds')).map((r) => r.file);
    expect(seeded).not.toContain(bad.file);
    expect((await listCoverage(store.db)).filter((r) => r.kind === 'funding' && r.symbol === bad.symbol)).toEqual([]);

    writeFileSync(path, good);
    const remaining = sample.manifest.length - seeded.length;
    expect(await seedSample(store.db, sample.dir)).toBe(remaining);
    expect((await listCoverage(store.db)).filter((r) => r.kind === 'funding' && r.symbol === bad.symbol)).toHaveLength(1);
    expect(await seedSample(store.db, sample.dir)).toBe(0);
  });
});
