import {closeSync, createReadStream, existsSync, openSync, readSync, statSync} from 'node:fs';
import {createGunzip} from 'node:zlib';
import {basename} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {Writable} from 'node:stream';
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

/** What a file's first bytes say it is, whatever its name. */
export type FileContent = 'parquet' | 'gzip' | 'zip' | 'text' | 'binary' | 'empty';

const SNIFF_BYTES = 4096;

function sniff(head: Buffer): FileContent {
  if (head.length === 0) return 'empty';
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  return looksBinary(head) ? 'binary' : 'text';
}

/** NUL bytes, or more than 1 in 20 control characters other than tab, CR, LF and form feed. */
function looksBinary(bytes: Buffer): boolean {
  let control = 0;
  for (const b of bytes) {
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return control * 20 > bytes.length;
}

/**
 * Refuses what cannot be a data file before anything reads it, with what it is instead: a
 * directory, nothing, a ZIP archive, binary content. Returns what the content is.
 */
export function assertReadableFile(file: string): FileContent {
  if (!existsSync(file)) throw new IftbError(ErrorCode.INPUT_INVALID, `${file}: no such file`);
  if (statSync(file).isDirectory()) throw new IftbError(ErrorCode.INPUT_INVALID, `${file}: is a directory, not a file`);
  if (!statSync(file).isFile()) throw new IftbError(ErrorCode.INPUT_INVALID, `${file}: not a regular file`);
  const head = Buffer.alloc(SNIFF_BYTES);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, SNIFF_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const content = sniff(head.subarray(0, n));
  const name = basename(file);
  if (content === 'zip') {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${name}: is a ZIP archive; unzip it first (Binance's kline downloads are zipped CSVs)`);
  }
  if (content === 'binary') {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${name}: not a text file (binary content); expected CSV, CSV.gz or Parquet`);
  }
  if (/\.gz$/i.test(file) && content !== 'gzip' && content !== 'empty') {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${name}: cannot read: not gzip data despite its .gz name`);
  }
  return content;
}

export function isParquet(file: string, content?: FileContent): boolean {
  return content === 'parquet' || /\.parquet$/i.test(file);
}

/**
 * Reads a gzip file to its end, so a truncated file (cut short, or missing its trailer) or a
 * corrupt one (CRC or length mismatch) is refused: DuckDB's reader stops quietly at a cut that
 * falls on a deflate block boundary and imports half the file.
 */
export async function assertCompleteGzip(file: string): Promise<void> {
  try {
    await pipeline(createReadStream(file, {highWaterMark: 1 << 20}), createGunzip(), new Writable({write: (_chunk, _enc, done) => done()}));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'the gzip stream ends early (truncated file, or missing its trailer)' : (error as Error).message;
    throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}: corrupt or incomplete gzip file: ${reason}; nothing was imported (gzip -t ${basename(file)} shows it)`);
  }
}

/** First line of a CSV or CSV.gz file, read without loading the file. */
export async function readFirstLine(file: string, gzip = /\.gz$/i.test(file)): Promise<string> {
  const raw = createReadStream(file, {highWaterMark: 64 * 1024});
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of stream) {
      if (text.length === 0 && looksBinary((chunk as Buffer).subarray(0, SNIFF_BYTES))) {
        throw new IftbError(ErrorCode.INPUT_INVALID, `${basename(file)}: not a text file (binary content inside the gzip); expected CSV`);
      }
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline >= 0) return text.slice(0, newline).replace(/\r$/, '');
      if (text.length > 1 << 20) break;
    }
  } catch (error) {
    if (error instanceof IftbError) throw error;
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
      `${basename(file)}: no column for ${missing.join(', ')} in header [${printable(names.join(', '))}] (kind ${kind})`,
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

/** Text from a file, safe to print on one terminal line: control characters escaped, cut at 120 characters. */
export function printable(text: string, max = 120): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, (c) => (c === '\ufffd' ? '?' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
