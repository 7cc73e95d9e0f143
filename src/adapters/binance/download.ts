import {
  ErrorCode,
  IftbError,
  isTimeframe,
  parseSymbol,
  SILENT_PROGRESS,
  timeframeMs,
  type InstrumentStore,
  type MarketDataStore,
  type ProgressSink,
  type SeriesKey,
  type SymbolId,
  type Timeframe,
} from '../../core/index.js';
import {downloadCandles, iso} from './candles.js';
import {BINANCE_USDM, type BinanceExchangeOptions} from './exchange.js';
import {downloadFunding} from './funding.js';
import {type InstrumentSyncReport, syncWithSession} from './instrument-sync.js';
import {BinanceSession} from './session.js';

export interface DownloadRequest {
  /** ccxt unified, e.g. 'BTC/USDT:USDT'. */
  symbol: SymbolId;
  timeframe: Timeframe;
  /** Inclusive. */
  sinceMs: number;
  /** Exclusive; default now. Only closed candles are stored either way. */
  untilMs?: number;
  /** Also download funding-rate history over the same range. */
  funding?: boolean;
  /** Also download mark-price candles into kind 'mark'. */
  mark?: boolean;
}

export interface DownloadOptions {
  store: MarketDataStore;
  /** Given: the symbol's instrument spec (and brackets, with credentials) is synced too. */
  instruments?: InstrumentStore;
  exchange?: BinanceExchangeOptions;
  progress?: ProgressSink;
  log?: (line: string) => void;
}

export interface DownloadReport {
  candlesInserted: number;
  candlesSkipped: number;
  fundingInserted: number;
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
  /** Open time of the first / last candle received in range (stored or already present). */
  firstMs: number | null;
  lastMs: number | null;
  /** The instrument sync, when DownloadOptions.instruments was given. */
  instrument?: InstrumentSyncReport;
}

/**
 * Downloads closed candles (and optionally mark candles and funding) from Binance USDⓈ-M into
 * the store, page by page, so an interrupted download keeps what it got and a rerun resumes.
 */
export async function downloadMarketData(request: DownloadRequest, options: DownloadOptions): Promise<DownloadReport> {
  validate(request);
  const log = options.log ?? (() => {});
  const progress = options.progress ?? SILENT_PROGRESS;
  const symbol = parseSymbol(request.symbol);
  const key: SeriesKey = {exchange: BINANCE_USDM, symbol, timeframe: request.timeframe};
  const tf = timeframeMs(request.timeframe);
  const now = Date.now();
  const untilMs = request.untilMs ?? now;
  // the candle open at `now` is still forming
  const candleUntil = Math.min(untilMs, Math.floor(now / tf) * tf);

  const session = new BinanceSession(options.exchange, log);
  const report: DownloadReport = {
    candlesInserted: 0,
    candlesSkipped: 0,
    fundingInserted: 0,
    requests: 0,
    retries: 0,
    firstMs: null,
    lastMs: null,
  };
  try {
    await session.call('loadMarkets', (client) => client.loadMarkets(), symbol);
    if (session.client.markets?.[symbol] === undefined) {
      throw new IftbError(ErrorCode.INPUT_INVALID, `unknown symbol '${symbol}' on ${BINANCE_USDM}`);
    }
    if (options.instruments !== undefined) {
      report.instrument = await syncWithSession(session, options.instruments, [symbol]);
      const [rules] = report.instrument.rules;
      log(`${symbol} instrument spec: ${rules.status === 'added' ? 'new version' : 'unchanged'} as of ${iso(rules.asOfMs)}` +
        (report.instrument.brackets === null ? ' (no API key: leverage brackets not fetched)' : ''));
    }
    log(`download ${symbol} ${request.timeframe} ${iso(request.sinceMs)} .. ${iso(untilMs)}`);
    const common = {session, store: options.store, key, sinceMs: request.sinceMs, untilMs: candleUntil, progress, log, now: Date.now};
    const candles = await downloadCandles({...common, kind: 'candles'});
    report.candlesInserted = candles.inserted;
    report.candlesSkipped = candles.skipped;
    report.firstMs = candles.firstMs;
    report.lastMs = candles.lastMs;
    log(`${symbol} ${request.timeframe}: ${candles.inserted} candles inserted, ${candles.skipped} already stored`);

    if (request.mark === true) {
      const mark = await downloadCandles({...common, kind: 'mark'});
      log(`${symbol} ${request.timeframe} mark: ${mark.inserted} candles inserted, ${mark.skipped} already stored`);
    }
    if (request.funding === true) {
      const funding = await downloadFunding({session, store: options.store, symbol, sinceMs: request.sinceMs, untilMs, progress, log});
      report.fundingInserted = funding.inserted;
      log(`${symbol} funding: ${funding.inserted} rows inserted, ${funding.skipped} already stored`);
    }
  } finally {
    report.requests = session.requests;
    report.retries = session.retries;
    await session.close();
  }
  return report;
}

function validate(request: DownloadRequest): void {
  if (!isTimeframe(request.timeframe)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `unknown timeframe '${String(request.timeframe)}'`);
  }
  if (!Number.isSafeInteger(request.sinceMs) || request.sinceMs < 0) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `sinceMs must be a non-negative integer, got ${request.sinceMs}`);
  }
  if (request.untilMs !== undefined && (!Number.isSafeInteger(request.untilMs) || request.untilMs <= request.sinceMs)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `untilMs must be an integer after sinceMs, got ${request.untilMs}`);
  }
}
