import {statSync} from 'node:fs';
import {basename, resolve} from 'node:path';
import {
  type ExchangeId,
  ErrorCode,
  IftbError,
  type ProgressSink,
  SILENT_PROGRESS,
  type SymbolId,
  type Timeframe,
  timeframeMs,
} from '../../core/index.js';
import {type DuckDb, firstLine, sqlString} from './database.js';
import {
  assertCompleteGzip,
  assertReadableFile,
  csvLayout,
  type FileKind,
  type FileLayout,
  isParquet,
  parquetLayout,
  printable,
  readFirstLine,
} from './file-format.js';
import {assertPlausibleTimes, assertTimeframe} from './file-checks.js';
import {mergeStagedBars, mergeStagedFunding} from './merge.js';
import {IMPOSSIBLE_KINDS, type QualityReport, seriesQuality} from './quality.js';

export interface ImportRequest {
  readonly file: string;
  readonly kind: FileKind;
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  /** Required for candle files, ignored for funding. */
  readonly timeframe?: Timeframe;
  /** Validate and report quality only: nothing is written, NaN and impossible rows are counted instead of refused. */
  readonly dryRun?: boolean;
  /** Also flag implausible jumps (quality.ts) at this multiple of the rolling median range. */
  readonly jumpFactor?: number;
}

export interface ImportReport {
  readonly file: string;
  readonly kind: FileKind;
  readonly rows: number;
  readonly inserted: number;
  readonly skipped: number;
  readonly seconds: number;
  /** Quality of the rows in the file, as read (candle files only). */
  readonly quality: QualityReport | null;
}

const TYPED = '_stage_import';
/** Epoch values above this are microseconds (Binance spot klines since 2025). */
const MICROS_THRESHOLD = 100_000_000_000_000;

function reader(layout: FileLayout, file: string, gzip: boolean): string {
  if (layout.format === 'parquet') return `read_parquet(${sqlString(file)})`;
  const columns = layout.columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
  // Compression from the content, not the name: a gzip file without .gz is still read.
  return `read_csv(${sqlString(file)}, header=${layout.header}, auto_detect=false, delim=',', quote='"', escape='"',
    strict_mode=true, null_padding=false, compression=${gzip ? "'gzip'" : "'none'"}, columns={${columns}})`;
}

/**
 * The file's rows with their 1-based position `rn`. Parquet carries its own row numbers, so its scan
 * stays parallel; CSV rows are numbered by a window over the (ordered) scan.
 */
function numberedRows(layout: FileLayout, file: string, gzip: boolean): string {
  if (layout.format === 'parquet') {
    return `(SELECT file_row_number + 1 AS rn, * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(file)}, file_row_number = true))`;
  }
  return `(SELECT row_number() OVER () AS rn, * FROM ${reader(layout, file, gzip)})`;
}

/** Turns DuckDB's multi-line CSV error into "file line N: reason". */
function csvError(error: unknown, file: string): IftbError {
  const message = error instanceof Error ? error.message : String(error);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const reason = counts
    ? `expected ${counts[1]} columns, found ${counts[2]}`
    : (message.split('\n').map((l) => l.trim()).find((l) => l && !/^(Invalid Input Error|Original Line)/.test(l)) ?? firstLine(error));
  return new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}${line ? ` line ${line}` : ''}: ${reason}`, {cause: error});
}

async function describe(db: DuckDb, relation: string): Promise<Map<string, string>> {
  const rows = await db.rows(`DESCRIBE SELECT * FROM ${relation}`);
  return new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}

async function parquetColumns(db: DuckDb, file: string): Promise<Map<string, string>> {
  try {
    return await describe(db, `read_parquet(${sqlString(file)})`);
  } catch (error) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}: not a readable Parquet file (${firstLine(error).replace(/^[A-Za-z ]+Error: /, '')})`, {cause: error});
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** SQL turning a source column into epoch milliseconds, whatever its type. */
function timeExpression(column: string, types: ReadonlyMap<string, string>): string {
  if (/^TIMESTAMP|^DATE/.test(types.get(column) ?? '')) return `epoch_ms(${quoteIdent(column)}::TIMESTAMP)::DOUBLE`;
  const value = numericIn(types)(column);
  return `(CASE WHEN ${value} > ${MICROS_THRESHOLD} THEN ${value} / 1000 ELSE ${value} END)`;
}

/** A source column as DOUBLE: NULL where it does not parse (CSV text), a plain cast for numeric Parquet. */
function numericIn(types: ReadonlyMap<string, string>): (column: string) => string {
  return (column) => (/^(DOUBLE|FLOAT|REAL|BIGINT|INTEGER|DECIMAL)/.test(types.get(column) ?? '') ? `${quoteIdent(column)}::DOUBLE` : `TRY_CAST(${quoteIdent(column)} AS DOUBLE)`);
}

/** Staged column → the source column it was read from, for error messages. */
type ParsedColumns = ReadonlyArray<readonly [typed: string, source: string]>;

/**
 * Rejects the first row with a missing, unparseable (or, unless allowed, non-finite) value, in
 * one scan of the stage; the file is read again only to quote the offending value.
 */
async function assertParsed(db: DuckDb, source: string, columns: ParsedColumns, label: (rn: number) => string, allowNaN = false): Promise<void> {
  const bad = (c: string) => `${c} IS NULL${allowNaN ? '' : ` OR isnan(${c}) OR isinf(${c})`}`;
  const [firsts] = await db.rows(`SELECT ${columns.map(([typed]) => `min(rn) FILTER (WHERE ${bad(typed)}) AS ${typed}`).join(', ')} FROM ${TYPED}`);
  const found = columns.filter(([typed]) => firsts[typed] !== null).sort(([a], [b]) => Number(firsts[a]) - Number(firsts[b]));
  if (found.length === 0) return;
  const [typed, column] = found[0];
  const rn = Number(firsts[typed]);
  const [row] = await db.rows(`SELECT ${quoteIdent(column)}::VARCHAR AS raw FROM ${source} WHERE rn = ${rn}`);
  const raw = row?.raw === null || row?.raw === undefined ? 'an empty value' : `'${printable(String(row.raw), 40)}'`;
  throw new IftbError(ErrorCode.INPUT_INVALID, `${label(rn)}: cannot read ${column} from ${raw}`);
}

async function assertAligned(db: DuckDb, hasCloseTime: boolean, timeframe: Timeframe, label: (rn: number) => string): Promise<void> {
  const tf = timeframeMs(timeframe);
  const rows = await db.rows(
    `SELECT rn, open_time_ms FROM ${TYPED} WHERE open_time_ms % ${tf} <> 0 OR open_time_ms <> trunc(open_time_ms) ORDER BY rn LIMIT 1`,
  );
  if (rows.length > 0) {
    const at = new Date(Number(rows[0].open_time_ms)).toISOString();
    throw new IftbError(ErrorCode.INPUT_INVALID, `${label(Number(rows[0].rn))}: open time ${at} is not on a ${timeframe} boundary (wrong or mixed interval?)`);
  }
  if (!hasCloseTime) return;
  // Binance kline close times are open + interval - 1 (in ms, or in µs for spot since 2025).
  // open_time_ms is already in ms here, so a µs close time is compared with the open time in µs.
  const span = `(CASE WHEN close_time > ${MICROS_THRESHOLD} THEN (close_time - open_time_ms * 1000 + 1) / 1000 ELSE close_time - open_time_ms + 1 END)`;
  const spans = await db.rows(
    `SELECT rn, ${span} AS span FROM ${TYPED}
     WHERE close_time IS NULL OR ${span} <> ${tf} ORDER BY rn LIMIT 1`,
  );
  if (spans.length > 0) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${label(Number(spans[0].rn))}: candle spans ${spans[0].span} ms, expected ${timeframe} (${tf} ms)`);
  }
}

/** A candle no market produces (NaN, price ≤ 0, high below low or the body, negative volume) refuses the whole file. */
function assertPossible(quality: QualityReport): void {
  const first = quality.issues.filter((i) => IMPOSSIBLE_KINDS.includes(i.kind)).sort((a, b) => a.timeMs - b.timeMs)[0];
  if (!first) return;
  const total = IMPOSSIBLE_KINDS.reduce((n, k) => n + quality.counts[k], 0);
  throw new IftbError(
    ErrorCode.INPUT_INVALID,
    `${first.at}: impossible candle (${first.kind}: ${first.detail})${total > 1 ? `, ${total} such problems in the file` : ''}; nothing was imported (\`iftb data check FILE\` lists them)`,
  );
}

/** Polls DuckDB's query progress into the sink while a long statement runs. */
async function withProgress<T>(db: DuckDb, progress: ProgressSink, label: string, work: () => Promise<T>): Promise<T> {
  progress.start(100, label);
  const timer = setInterval(() => {
    const pct = db.connection.progress.percentage;
    if (pct >= 0) progress.update(Math.floor(pct));
  }, 200);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    progress.update(100);
    progress.stop();
  }
}

/**
 * Imports one CSV, CSV.gz or Parquet file in a single transaction: either every row is validated
 * and merged (exact repeats skipped), or the store is left exactly as it was.
 */
export async function importFile(db: DuckDb, request: ImportRequest, progress: ProgressSink = SILENT_PROGRESS): Promise<ImportReport> {
  const started = performance.now();
  const file = resolve(request.file);
  const content = assertReadableFile(file);
  if ((request.kind === 'candles' || request.kind === 'mark') && !request.timeframe) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}: --timeframe is required for ${request.kind}`);
  }
  const parquet = isParquet(file, content);
  const gzip = content === 'gzip';
  // Read to its end alongside DuckDB's scan (zlib runs on the thread pool): a truncated file is refused before anything is merged.
  const gzipChecked = gzip ? assertCompleteGzip(file).then(() => null, (error: unknown) => error) : Promise.resolve(null);
  const gzipComplete = async () => {
    const error = await gzipChecked;
    if (error) throw error;
  };
  let layout: FileLayout;
  try {
    layout = parquet
      ? parquetLayout([...(await parquetColumns(db, file)).keys()], request.kind, file)
      : csvLayout(await readFirstLine(file, gzip), request.kind, file);
  } catch (error) {
    await gzipComplete();
    throw error;
  }
  const name = basename(file);
  const label = (rn: number) => (parquet ? `${name} row ${rn}` : `${name} line ${rn + layout.firstDataLine - 1}`);
  const showProgress = statSync(file).size > 8 * 1024 * 1024 ? progress : SILENT_PROGRESS;

  const source = numberedRows(layout, file, gzip);
  const types = layout.format === 'parquet' ? await describe(db, source) : new Map(layout.columns.map((c) => [c, 'VARCHAR']));
  const f = layout.fields;
  const time = timeExpression(f.time!, types);
  const numeric = numericIn(types);
  const stage = async (columns: string) =>
    withProgress(db, showProgress, `import ${name}`, () =>
      db.run(`CREATE OR REPLACE TEMP TABLE ${TYPED} AS SELECT rn, ${columns} FROM ${source}`),
    ).then(gzipComplete, async (error) => {
      // A cut file makes DuckDB fail on its last, partial line: the truncation is the real story.
      await gzipComplete();
      throw csvError(error, file);
    });
  // A dry run has no transaction to roll back, so a refused file must not leave its stage behind.
  const dryRun = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } finally {
      await db.run(`DROP TABLE IF EXISTS ${TYPED}`);
    }
  };
  const inTransaction = request.dryRun ? dryRun : db.transaction.bind(db);
  return inTransaction(async () => {
    let result;
    let quality: QualityReport | null = null;
    if (request.kind === 'funding') {
      const mark = f.mark_price ? numeric(f.mark_price) : 'NULL::DOUBLE';
      await stage(`${time} AS funding_time_ms, ${numeric(f.rate!)} AS funding_rate, ${mark} AS mark_price`);
      await assertParsed(db, source, [['funding_time_ms', f.time!], ['funding_rate', f.rate!]], label);
      await assertPlausibleTimes(db, TYPED, 'funding_time_ms', label);
      await db.run(`ALTER TABLE ${TYPED} ALTER funding_time_ms TYPE BIGINT`);
      result = request.dryRun ? {inserted: 0, skipped: 0} : await mergeStagedFunding(db, TYPED, request.exchange, request.symbol, label);
    } else {
      const closeTime = f.close_time ? `, ${numeric(f.close_time)} AS close_time` : '';
      await stage(`${time} AS open_time_ms, ${numeric(f.open!)} AS open, ${numeric(f.high!)} AS high, ${numeric(f.low!)} AS low,
        ${numeric(f.close!)} AS close, ${numeric(f.volume!)} AS volume${closeTime}`);
      const priceColumns = ['open', 'high', 'low', 'close', 'volume'].map((c) => [c, f[c]!] as const);
      await assertParsed(db, source, [['open_time_ms', f.time!]], label);
      await assertParsed(db, source, priceColumns, label, request.dryRun);
      await assertPlausibleTimes(db, TYPED, 'open_time_ms', label);
      await assertTimeframe(db, TYPED, request.timeframe!, name);
      await assertAligned(db, Boolean(f.close_time), request.timeframe!, label);
      await db.run(`ALTER TABLE ${TYPED} ALTER open_time_ms TYPE BIGINT`);
      quality = await seriesQuality(db, TYPED, request.timeframe!, label, {jumpFactor: request.jumpFactor});
      if (!request.dryRun) assertPossible(quality);
      const key = {exchange: request.exchange, symbol: request.symbol, timeframe: request.timeframe!};
      result = request.dryRun
        ? {inserted: 0, skipped: 0}
        : await mergeStagedBars(db, TYPED, key, request.kind, label, {unique: quality.counts.duplicate === 0, sorted: quality.counts.unsorted === 0});
    }
    const rows = Number((await db.rows(`SELECT count(*) AS n FROM ${TYPED}`))[0].n);
    await db.run(`DROP TABLE ${TYPED}`);
    return {file, kind: request.kind, rows, ...result, seconds: (performance.now() - started) / 1000, quality};
  });
}
