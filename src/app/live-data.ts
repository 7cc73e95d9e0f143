/**
 * A running bot's market data: warm up from stored candles, backfill the gap up to now over REST
 * (storing what it fetched), then keep growing buffers as bars close. Every live candle and
 * funding settlement is appended to the store, so a session can be replayed later.
 */
import {type Bar, barColumnsFromBars, type ExchangeClient, type MarketDataStore, type SeriesKey, type SymbolId, type Timeframe, timeframeMs} from '../core/index.js';
import {FundingBuffer, SeriesBuffer} from '../live/bar-buffer.js';

/** Funding settlements read before the first bar (ML features need the latest one settled). */
const FUNDING_LOOKBACK_MS = 3 * 86_400_000;
const REST_PAGE = 1000;

export interface LiveSeries {
  readonly symbol: SymbolId;
  /** The candles the engine and the venue read. */
  readonly bars: SeriesBuffer;
  /** A private copy batch analyzers prepare on (nothing they write reaches `bars`). */
  readonly analyzerBars: SeriesBuffer;
  readonly funding: FundingBuffer;
}

export interface LiveDataOptions {
  readonly store: MarketDataStore;
  readonly client: ExchangeClient;
  readonly exchange: string;
  readonly timeframe: Timeframe;
  /** Open time of the first bar to keep (the warm-up start). */
  readonly fromMs: number;
  /** Exchange time now: bars closing after it are still forming and not taken. */
  readonly nowMs: number;
  readonly log?: (line: string) => void;
}

/** Stored candles from `fromMs`, plus every closed bar since the newest stored one, fetched and stored. */
export async function loadLiveSeries(symbol: SymbolId, o: LiveDataOptions): Promise<LiveSeries> {
  const tf = timeframeMs(o.timeframe);
  const key: SeriesKey = {exchange: o.exchange, symbol, timeframe: o.timeframe};
  const stored = await o.store.readBars(key, {fromMs: o.fromMs, toMs: Number.POSITIVE_INFINITY});
  const bars = SeriesBuffer.from(key, stored);
  const fetched = await fetchClosedBars(o.client, symbol, o.timeframe, bars.length > 0 ? bars.lastOpenTime + tf : o.fromMs, o.nowMs);
  if (fetched.length > 0) {
    await o.store.appendBars(key, barColumnsFromBars(fetched));
    for (const bar of fetched) bars.append(bar);
    o.log?.(`${symbol}: ${stored.length} stored candles, ${fetched.length} fetched up to ${new Date(bars.lastOpenTime + tf).toISOString()}`);
  }
  const analyzerBars = SeriesBuffer.from(key, bars);
  const funding = FundingBuffer.of(await o.store.readFunding(o.exchange, symbol, {fromMs: o.fromMs - FUNDING_LOOKBACK_MS, toMs: Number.POSITIVE_INFINITY}));
  await refreshFunding(o.store, o.client, o.exchange, funding, o.fromMs - FUNDING_LOOKBACK_MS);
  return {symbol, bars, analyzerBars, funding};
}

/** Closed bars of [fromMs, nowMs), page by page. */
export async function fetchClosedBars(client: ExchangeClient, symbol: SymbolId, timeframe: Timeframe, fromMs: number, nowMs: number): Promise<Bar[]> {
  const tf = timeframeMs(timeframe);
  const out: Bar[] = [];
  let from = fromMs;
  while (from + tf <= nowMs) {
    const page = await client.klines(symbol, timeframe, from, REST_PAGE);
    const closed = page.filter((b) => b.openTime >= from && b.openTime + tf <= nowMs);
    out.push(...closed);
    if (closed.length === 0 || page.length < REST_PAGE) break;
    from = closed[closed.length - 1].openTime + tf;
  }
  return out;
}

/** Fetches the settlements published since the newest one held and stores them; returns how many were new. */
export async function refreshFunding(store: MarketDataStore, client: ExchangeClient, exchange: string, funding: FundingBuffer, fromMs: number): Promise<number> {
  const since = funding.length > 0 ? funding.lastTime + 1 : fromMs;
  const rows = await client.fundingHistory(funding.symbol, since, REST_PAGE);
  const fresh = rows.filter((r) => r.timeMs > funding.lastTime);
  if (fresh.length === 0) return 0;
  await store.appendFunding(exchange, funding.symbol, {
    length: fresh.length,
    time: Float64Array.from(fresh, (r) => r.timeMs),
    rate: Float64Array.from(fresh, (r) => r.rate),
    markPrice: Float64Array.from(fresh, (r) => r.markPrice),
  });
  for (const r of fresh) funding.append(r.timeMs, r.rate, r.markPrice);
  return fresh.length;
}
