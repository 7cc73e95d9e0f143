import {readFileSync} from 'node:fs';
import {basename, resolve} from 'node:path';
import {ErrorCode, IftbError, type NewsItem, type SymbolId, type TimeRange} from '../../core/index.js';
import type {DuckDb} from './database.js';
import {assertReadableFile} from './file-format.js';

export interface NewsImportRequest {
  readonly file: string;
  /** Tag the headlines with this symbol; omitted: market-wide (every symbol's prompt may see them). */
  readonly symbol?: SymbolId | null;
}

export interface NewsImportReport {
  readonly file: string;
  readonly kind: 'news';
  readonly rows: number;
  readonly inserted: number;
  readonly skipped: number;
  readonly seconds: number;
}

const STAGE = '_stage_news';
const MAX_HEADLINE = 1000;

/** One CSV line split on commas, honouring "quoted, fields" with "" escapes. */
export function splitCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  if (quoted) return null;
  cells.push(cell.trim());
  return cells;
}

/** Epoch ms from a number (ms, or s / µs by magnitude) or an ISO time with a zone. */
function parseTime(value: unknown): number {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n)) return NaN;
    return n < 1e11 ? n * 1000 : n > 1e14 ? Math.trunc(n / 1000) : Math.trunc(n);
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T.*([zZ]|[+-]\d{2}:?\d{2})$/.test(value.trim())) return Date.parse(value.trim());
  return NaN;
}

interface ParsedItem {
  readonly timeMs: number;
  readonly source: string;
  readonly headline: string;
}

function validItem(time: unknown, source: unknown, headline: unknown, where: string): ParsedItem {
  const timeMs = parseTime(time);
  if (!Number.isFinite(timeMs)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: cannot read time_ms from '${String(time)}' (epoch ms or an ISO time with a zone)`);
  }
  if (typeof source !== 'string' || source.trim() === '') throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: source is empty`);
  if (typeof headline !== 'string' || headline.trim() === '') throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: headline is empty`);
  if (headline.length > MAX_HEADLINE) throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: headline longer than ${MAX_HEADLINE} characters`);
  return {timeMs, source: source.trim(), headline: headline.trim().replace(/\s+/g, ' ')};
}

/** CSV with a `time_ms,source,headline` header, or JSON lines with those keys. */
export function parseNewsFile(file: string): ParsedItem[] {
  const name = basename(file);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const items: ParsedItem[] = [];
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new IftbError(ErrorCode.INPUT_INVALID, `${name}: file is empty`);
  if (lines[first].trim().startsWith('{')) {
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${name} line ${i + 1}`;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: not a JSON object (${(error as Error).message})`);
      }
      if (row === null || typeof row !== 'object') throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: not a JSON object`);
      items.push(validItem(row.time_ms ?? row.timeMs ?? row.time, row.source, row.headline, where));
    });
    return items;
  }
  const header = splitCsvLine(lines[first])?.map((c) => c.toLowerCase()) ?? [];
  const col = (names: string[]) => header.findIndex((h) => names.includes(h));
  const [t, s, h] = [col(['time_ms', 'time', 'timestamp']), col(['source']), col(['headline', 'title'])];
  if (t < 0 || s < 0 || h < 0) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${name} line ${first + 1}: expected a header with time_ms,source,headline, found [${header.join(', ')}]`);
  }
  for (let i = first + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const where = `${name} line ${i + 1}`;
    const cells = splitCsvLine(lines[i]);
    if (cells === null) throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: unterminated quote`);
    if (cells.length !== header.length) throw new IftbError(ErrorCode.INPUT_INVALID, `${where}: expected ${header.length} columns, found ${cells.length}`);
    items.push(validItem(cells[t], cells[s], cells[h], where));
  }
  return items;
}

/** Imports a headline file in one transaction; exact repeats (time, source, headline, symbol) are skipped. */
export async function importNews(db: DuckDb, request: NewsImportRequest): Promise<NewsImportReport> {
  const started = performance.now();
  const file = resolve(request.file);
  assertReadableFile(file);
  const items = parseNewsFile(file);
  const symbol = request.symbol ?? null;
  const inserted = await db.transaction(async () => {
    await db.run(`CREATE OR REPLACE TEMP TABLE ${STAGE} (time_ms BIGINT, source VARCHAR, headline VARCHAR)`);
    const appender = await db.connection.createAppender(STAGE, 'main', 'temp');
    for (const item of items) {
      appender.appendBigInt(BigInt(item.timeMs));
      appender.appendVarchar(item.source);
      appender.appendVarchar(item.headline);
      appender.endRow();
    }
    appender.closeSync();
    const result = await db.run(
      `INSERT INTO news_items (time_ms, source, headline, symbol)
       SELECT DISTINCT s.time_ms, s.source, s.headline, $1::VARCHAR FROM ${STAGE} s
       WHERE NOT EXISTS (SELECT 1 FROM news_items n WHERE n.time_ms = s.time_ms AND n.source = s.source
         AND n.headline = s.headline AND n.symbol IS NOT DISTINCT FROM $1::VARCHAR)
       ORDER BY 1, 2, 3`,
      [symbol],
    );
    await db.run(`DROP TABLE ${STAGE}`);
    return Number(result.rowsChanged);
  });
  return {file, kind: 'news', rows: items.length, inserted, skipped: items.length - inserted, seconds: (performance.now() - started) / 1000};
}

/** A polled headline: time_ms in the table is `arrivalMs`. */
export interface ArrivedNewsItem {
  readonly feed: string;
  readonly itemId: string;
  readonly arrivalMs: number;
  readonly publishedMs: number | null;
  readonly source: string;
  readonly headline: string;
  /** null: market-wide. */
  readonly symbol: SymbolId | null;
}

/** Headlines at rest. */
export class DuckDbNewsStore {
  constructor(private readonly db: DuckDb) {}

  /** Items for `symbol` and market-wide ones with fromMs ≤ time < toMs, ordered by time, source, headline. */
  async read(symbol: SymbolId, range: TimeRange): Promise<NewsItem[]> {
    const clamp = (ms: number) => BigInt(Math.trunc(Math.max(-8.64e15, Math.min(8.64e15, ms))));
    const rows = await this.db.rows(
      `SELECT DISTINCT time_ms, source, headline FROM news_items
       WHERE (symbol IS NULL OR symbol = $1) AND time_ms >= $2 AND time_ms < $3 ORDER BY time_ms, source, headline`,
      [symbol, clamp(range.fromMs), clamp(range.toMs)],
    );
    return rows.map((r) => ({timeMs: Number(r.time_ms), source: String(r.source), headline: String(r.headline)}));
  }

  /**
   * Headlines polled from a feed, stamped with their arrival: an item already stored for the feed
   * (same item id) is skipped, so its arrival stays the first time the bot saw it. Returns how
   * many were new.
   */
  async appendArrived(items: readonly ArrivedNewsItem[]): Promise<number> {
    let inserted = 0;
    for (const item of items) {
      const result = await this.db.run(
        `INSERT INTO news_items (time_ms, source, headline, symbol, published_ms, feed, item_id)
         SELECT $1::BIGINT, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::BIGINT, $6::VARCHAR, $7::VARCHAR
         WHERE NOT EXISTS (SELECT 1 FROM news_items WHERE feed = $6::VARCHAR AND item_id = $7::VARCHAR)`,
        [BigInt(Math.trunc(item.arrivalMs)), item.source, item.headline, item.symbol, item.publishedMs === null ? null : BigInt(Math.trunc(item.publishedMs)), item.feed, item.itemId],
      );
      inserted += Number(result.rowsChanged);
    }
    return inserted;
  }

  /** Item ids stored for a feed (a restarted poller skips them without a query per item). */
  async feedItemIds(feed: string): Promise<Set<string>> {
    const rows = await this.db.rows('SELECT item_id FROM news_items WHERE feed = $1', [feed]);
    return new Set(rows.map((r) => String(r.item_id)));
  }

  async count(): Promise<number> {
    return Number((await this.db.rows('SELECT count(*) AS n FROM news_items'))[0].n);
  }
}
