import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {z} from 'zod';
import {ErrorCode, fromRoot, IftbError, TIMEFRAMES} from '../../core/index.js';
import type {DuckDb} from './database.js';
import {importFile} from './file-import.js';

const ManifestSchema = z.object({
  files: z.array(
    z.object({
      file: z.string().regex(/^[\w.-]+\.parquet$/),
      kind: z.enum(['candles', 'mark', 'funding']),
      exchange: z.string(),
      symbol: z.string(),
      timeframe: z.enum(TIMEFRAMES).optional(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});

export const SAMPLE_DIR = fromRoot('datasets');

/**
 * Imports the shipped sample (datasets/manifest.json) into the store, once per file content:
 * a fresh clone reaches real data with no download. A file whose hash differs from the
 * manifest is refused rather than imported.
 */
export async function seedSample(db: DuckDb, dir = SAMPLE_DIR): Promise<number> {
  let imported = 0;
  for (const entry of await pendingSeeds(db, dir)) {
    const path = join(dir, entry.file);
    const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (actual !== entry.sha256) {
      throw new IftbError(ErrorCode.DATA_INVALID, `${entry.file}: sha256 ${actual} does not match datasets/manifest.json`);
    }
    await db.transaction(async () => {
      await importFile(db, {file: path, kind: entry.kind, exchange: entry.exchange, symbol: entry.symbol, timeframe: entry.timeframe});
      await db.run('INSERT OR REPLACE INTO dataset_seeds (file, sha256) VALUES ($1, $2)', [entry.file, entry.sha256]);
    });
    imported++;
  }
  return imported;
}

/** Manifest files not yet imported into this store (each file once per content hash). */
export async function pendingSeeds(db: DuckDb, dir = SAMPLE_DIR): Promise<Array<z.output<typeof ManifestSchema>['files'][number]>> {
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  const seeded = new Set((await db.rows('SELECT sha256 FROM dataset_seeds')).map((row) => String(row.sha256)));
  return manifest.files.filter((entry) => !seeded.has(entry.sha256));
}
