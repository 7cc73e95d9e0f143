import {createReadStream, existsSync, statSync} from 'node:fs';
import {createGunzip} from 'node:zlib';
import {basename} from 'node:path';
import {ErrorCode, IftbError} from '../../core/index.js';

export type FileKind = 'candles' | 'mark' | 'funding';

/** How the columns of a file map onto a store table; `columns[i]` is the name DuckDB gives column i. */
export interface FileLayout {
  readonly format: 'csv' | 'parquet';
  readonly header: boolean;
  readonly columns: readonly string[];
  /** Source column holding each field the store needs; close_time only for Binance klines. */
  readonly fields: Readonly<Record<string, string | undefined>>;
  /** Line number of the first data row (1-based), so staged row n is line n + offset. */
  readonly firstDataLine: number;
}

const BINANCE_KLINE_COLUMNS = [
  'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time',
  'quote_volume', 'count', 'taker_buy_volume', 'taker_buy_quote_volume', 'ignore',
];

const ALIASES: Record<string, readonly string[]> = {
  time: ['open_time_ms', 'open_time', 'timestamp', 'time', 'date', 'funding_time_ms', 'funding_time', 'fundingtime', 'calc_time'],
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close'],
  volume: ['volume'],
  close_time: ['close_time'],
  rate: ['funding_rate', 'fundingrate', 'last_funding_rate', 'rate'],
  mark_price: ['mark_price', 'markprice'],
};

const REQUIRED: Record<FileKind, readonly string[]> = {
  candles: ['time', 'open', 'high', 'low', 'close', 'volume'],
  mark: ['time', 'open', 'high', 'low', 'close', 'volume'],
  funding: ['time', 'rate'],
};

export function assertReadableFile(file: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${file}: no such file`);
  }
}

export function isParquet(file: string): boolean {
  return /\.parquet$/i.test(file);
}

/** First line of a CSV or CSV.gz file, read without loading the file. */
export async function readFirstLine(file: string): Promise<string> {
  const raw = createReadStream(file, {highWaterMark: 64 * 1024});
  const stream = /\.gz$/i.test(file) ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of stream) {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline >= 0) return text.slice(0, newline).replace(/\r$/, '');
      if (text.length > 1 << 20) break;
    }
  } catch (error) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}: cannot read: ${(error as Error).message}`);
  } finally {
    raw.destroy();
  }
  if (text.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}: file is empty`);
  return text.replace(/\r$/, '');
}

function mapFields(names: readonly string[], kind: FileKind, file: string): Record<string, string | undefined> {
  const lower = names.map((n) => n.trim().toLowerCase());
  const fields: Record<string, string | undefined> = {};
  for (const [field, aliases] of Object.entries(ALIASES)) {
    const index = lower.findIndex((n) => aliases.includes(n));
    fields[field] = index >= 0 ? names[index] : undefined;
  }
  const missing = REQUIRED[kind].filter((f) => fields[f] === undefined);
  if (missing.length > 0) {
    throw new IftbError(
      ErrorCode.INPUT_INVALID,
      `${basename(file)}: no column for ${missing.join(', ')} in header [${names.join(', ')}] (kind ${kind})`,
    );
  }
  return fields;
}

/** Works out a CSV layout from its first line: with or without header, 6-column or Binance kline. */
export function csvLayout(firstLine: string, kind: FileKind, file: string): FileLayout {
  const cells = firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const header = cells.some((c) => c !== '' && Number.isNaN(Number(c)));
  if (header) {
    return {format: 'csv', header, columns: cells, fields: mapFields(cells, kind, file), firstDataLine: 2};
  }
  let columns: string[];
  if (kind === 'funding') {
    if (cells.length !== 2) {
      throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)} line 1: a funding file without header needs 2 columns (time, rate), found ${cells.length}`);
    }
    columns = ['time', 'rate'];
  } else if (cells.length === 12) {
    columns = BINANCE_KLINE_COLUMNS;
  } else if (cells.length === 6) {
    columns = ['open_time_ms', 'open', 'high', 'low', 'close', 'volume'];
  } else {
    throw new IftbError(
      ErrorCode.INPUT_INVALID,
      `${basename(file)} line 1: expected 6 columns (open_time_ms,open,high,low,close,volume) or 12 (Binance kline), found ${cells.length}`,
    );
  }
  return {format: 'csv', header, columns, fields: mapFields(columns, kind, file), firstDataLine: 1};
}

export function parquetLayout(columns: readonly string[], kind: FileKind, file: string): FileLayout {
  return {format: 'parquet', header: true, columns, fields: mapFields(columns, kind, file), firstDataLine: 1};
}
