import type {MarketDataStore, ProgressSink} from '../../core/index.js';
import {iso} from './candles.js';
import {fundingToColumns, type FundingRow} from './columns.js';
import {BINANCE_USDM} from './exchange.js';
import type {BinanceSession} from './session.js';

export const FUNDING_PAGE_LIMIT = 1000;
const FUNDING_INTERVAL_MS = 8 * 3_600_000;

export interface FundingJob {
  readonly session: BinanceSession;
  readonly store: MarketDataStore;
  readonly symbol: string;
  readonly sinceMs: number;
  /** Exclusive. */
  readonly untilMs: number;
  readonly progress: ProgressSink;
  readonly log: (line: string) => void;
}

export interface FundingResult {
  inserted: number;
  skipped: number;
}

export async function downloadFunding(job: FundingJob): Promise<FundingResult> {
  const {session, store, symbol} = job;
  const label = `${symbol} funding`;
  const result: FundingResult = {inserted: 0, skipped: 0};

  let since = job.sinceMs;
  const stored = await store.lastFundingTime(BINANCE_USDM, symbol);
  if (stored !== null && stored >= job.untilMs) {
    job.log(`${label}: store has funding up to ${iso(stored)}, after the requested range; fetching the whole range`);
  } else if (stored !== null && stored + 1 > since) {
    since = stored + 1;
    job.log(`${label}: store has funding up to ${iso(stored)}, resuming from ${iso(since)}`);
  }
  if (since >= job.untilMs) {
    job.log(`${label}: up to date`);
    return result;
  }

  // Binance settles every 8 h on most symbols; this only sizes the progress bar
  const total = Math.max(1, Math.ceil((job.untilMs - since) / FUNDING_INTERVAL_MS));
  job.progress.start(total, `download ${label}`);
  let done = 0;
  try {
    while (since < job.untilMs) {
      const from = since;
      const page = (await session.call(
        `fetch ${label} from ${iso(from)}`,
        (client) => client.fetchFundingRateHistory(symbol, from, FUNDING_PAGE_LIMIT, {until: job.untilMs - 1}),
        symbol,
      )) as FundingRow[];
      if (page.length === 0) break;

      const keep = page.filter((row) => row.timestamp !== undefined && row.timestamp >= from && row.timestamp < job.untilMs);
      if (keep.length > 0) {
        const appended = await store.appendFunding(BINANCE_USDM, symbol, fundingToColumns(keep, `${BINANCE_USDM} ${label}`));
        result.inserted += appended.inserted;
        result.skipped += appended.skipped;
        done += keep.length;
      }
      const lastTime = page[page.length - 1].timestamp;
      if (lastTime === undefined || !(lastTime >= from)) break;
      // funding times carry ms jitter, so advance by 1 ms rather than to the next nominal slot
      since = lastTime + 1;
      job.progress.update(Math.min(done, total));
    }
  } finally {
    job.progress.stop();
  }
  return result;
}
