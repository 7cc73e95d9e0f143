import {timeframeMs, type CandleKind, type MarketDataStore, type ProgressSink, type SeriesKey} from '../../core/index.js';
import {ohlcvToBarColumns, type OhlcvRow} from './columns.js';
import type {BinanceSession} from './session.js';

/** ccxt's binance fetchOHLCV caps `limit` at 1000 although fapi accepts 1500. */
export const KLINES_PAGE_LIMIT = 1000;

export interface CandleJob {
  readonly session: BinanceSession;
  readonly store: MarketDataStore;
  readonly key: SeriesKey;
  readonly kind: CandleKind;
  readonly sinceMs: number;
  /** Exclusive. */
  readonly untilMs: number;
  readonly progress: ProgressSink;
  readonly log: (line: string) => void;
  readonly now: () => number;
}

export interface CandleResult {
  inserted: number;
  skipped: number;
  firstMs: number | null;
  lastMs: number | null;
}

export async function downloadCandles(job: CandleJob): Promise<CandleResult> {
  const {session, store, key, kind} = job;
  const tf = timeframeMs(key.timeframe);
  const label = `${key.symbol} ${key.timeframe}${kind === 'mark' ? ' mark' : ''}`;
  const result: CandleResult = {inserted: 0, skipped: 0, firstMs: null, lastMs: null};

  let since = job.sinceMs;
  const stored = await store.lastBarTime(key, kind);
  if (stored !== null && stored >= job.untilMs) {
    // resuming would skip the whole range; a full pass is safe because appends are idempotent
    job.log(`${label}: store has candles up to ${iso(stored)}, after the requested range; fetching the whole range`);
  } else if (stored !== null && stored + tf > since) {
    since = stored + tf;
    job.log(`${label}: store has candles up to ${iso(stored)}, resuming from ${iso(since)}`);
  }
  if (since >= job.untilMs) {
    job.log(`${label}: up to date`);
    return result;
  }

  const total = Math.ceil((job.untilMs - since) / tf);
  job.progress.start(total, `download ${label}`);
  let done = 0;
  try {
    while (since < job.untilMs) {
      const from = since;
      const page = (await session.call(
        `fetch ${label} candles from ${iso(from)}`,
        (client) => {
          // `until` becomes Binance's inclusive endTime
          const params = {until: job.untilMs - 1};
          return kind === 'mark'
            ? client.fetchMarkOHLCV(key.symbol, key.timeframe, from, KLINES_PAGE_LIMIT, params)
            : client.fetchOHLCV(key.symbol, key.timeframe, from, KLINES_PAGE_LIMIT, params);
        },
        key.symbol,
      )) as OhlcvRow[];
      if (page.length === 0) break;

      const nowMs = job.now();
      // only closed candles inside the requested range are stored
      const keep = page.filter((row) => {
        const t = row[0] as number;
        return t >= from && t < job.untilMs && t + tf <= nowMs;
      });
      if (keep.length > 0) {
        const appended = await store.appendBars(key, ohlcvToBarColumns(keep, `binanceusdm ${label}`), kind);
        result.inserted += appended.inserted;
        result.skipped += appended.skipped;
        result.firstMs ??= keep[0][0] as number;
        result.lastMs = keep[keep.length - 1][0] as number;
        done += keep.length;
      }
      const lastOpen = page[page.length - 1][0] as number;
      if (!(lastOpen >= from)) break; // a page that does not advance would loop forever
      since = lastOpen + tf;
      job.progress.update(Math.min(done, total));
    }
  } finally {
    job.progress.stop();
  }
  return result;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
