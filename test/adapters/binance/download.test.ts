import {afterEach, describe, expect, it} from 'vitest';
import {downloadMarketData, type DownloadOptions} from '../../../src/adapters/binance/download.js';
import {ErrorCode, IftbError, barColumnsFromBars, type Bar, type BarSeries, type SeriesKey} from '../../../src/core/index.js';
import {startBinanceUsdmServer, type BinanceUsdmServerOptions, type RunningServer} from '../../support/binance-usdm-server.js';
import {MemoryMarketStore} from '../../support/memory-market-store.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const BTC = 'BTC/USDT:USDT';
const KEY_1M: SeriesKey = {exchange: 'binanceusdm', symbol: BTC, timeframe: '1m'};
/** 4200 one-minute candles: five pages of at most 1000. */
const RANGE = {sinceMs: T0, untilMs: T0 + 4200 * MIN};

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: BinanceUsdmServerOptions = {}): Promise<RunningServer> {
  server = await startBinanceUsdmServer({generate: {seed: 7, fromMs: T0 - 3 * DAY}, ...options});
  return server;
}

function optionsFor(srv: RunningServer, store: MemoryMarketStore, extra: Partial<DownloadOptions> = {}, exchange = {}): DownloadOptions {
  return {store, exchange: {apiUrlOverride: srv.url, baseBackoffMs: 5, timeoutMs: 5_000, ...exchange}, ...extra};
}

function klineRequests(srv: RunningServer, path = '/fapi/v1/klines') {
  return srv.requests.filter((r) => r.path === path);
}

function asBars(series: BarSeries): Bar[] {
  return Array.from({length: series.length}, (_, i) => ({
    openTime: series.openTime[i],
    open: series.open[i],
    high: series.high[i],
    low: series.low[i],
    close: series.close[i],
    volume: series.volume[i],
  }));
}

async function expectSameCandles(store: MemoryMarketStore, srv: RunningServer, fromMs: number, toMs: number): Promise<void> {
  const expected = srv.candles('BTCUSDT', '1m', fromMs, toMs);
  const stored = await store.readBars(KEY_1M, {fromMs: 0, toMs: Number.MAX_SAFE_INTEGER});
  expect(stored.length).toBe(expected.length);
  expect(stored.openTime[0]).toBe(fromMs);
  expect(stored.openTime[stored.length - 1]).toBe(toMs - MIN);
  expect(asBars(stored)).toEqual(expected);
}

describe('downloadMarketData (Binance USDⓈ-M via ccxt against a local server)', () => {
  it('paginates over more than three pages and stores exactly the served candles', async () => {
    const srv = await serve();
    const store = new MemoryMarketStore();
    const pages: number[] = [];
    const progress = {start: (total: number) => pages.push(-total), update: (done: number) => pages.push(done), stop() {}};

    const report = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store, {progress}));

    await expectSameCandles(store, srv, RANGE.sinceMs, RANGE.untilMs);
    expect(report).toMatchObject({candlesInserted: 4200, candlesSkipped: 0, retries: 0, firstMs: T0, lastMs: RANGE.untilMs - MIN});
    const klines = klineRequests(srv);
    expect(klines.map((r) => Number(r.query.startTime))).toEqual([0, 1000, 2000, 3000, 4000].map((i) => T0 + i * MIN));
    expect(klines.every((r) => r.query.symbol === 'BTCUSDT' && r.query.interval === '1m')).toBe(true);
    expect(store.barAppends).toBe(5);
    expect(pages).toEqual([-4200, 1000, 2000, 3000, 4000, 4200]);
    // only USDⓈ-M exchangeInfo is loaded: no spot, coin-M, options or /sapi calls
    expect(new Set(srv.requests.map((r) => r.path))).toEqual(new Set(['/fapi/v1/exchangeInfo', '/fapi/v1/klines']));
    expect(report.requests).toBe(srv.requests.length);
  });

  it('is idempotent: a second run inserts nothing', async () => {
    const srv = await serve();
    const store = new MemoryMarketStore();
    await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store));
    const again = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store));
    expect(again).toMatchObject({candlesInserted: 0, firstMs: null});
    expect(klineRequests(srv)).toHaveLength(5);
  });

  it('retries a 429 (honouring Retry-After) and a 503, and still stores every candle', async () => {
    const srv = await serve({faults: {rateLimitAt: [2], retryAfterSeconds: 1, serverErrorAt: [4], serverErrorStatus: 503}});
    const store = new MemoryMarketStore();
    const lines: string[] = [];

    const report = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store, {log: (l) => lines.push(l)}));

    await expectSameCandles(store, srv, RANGE.sinceMs, RANGE.untilMs);
    expect(report.retries).toBe(2);
    const klines = klineRequests(srv);
    expect(klines).toHaveLength(7);
    // the 429'd request is repeated with the same startTime, after at least Retry-After
    expect(klines[2].query.startTime).toBe(klines[1].query.startTime);
    expect(klines[2].atMs - klines[1].atMs).toBeGreaterThanOrEqual(950);
    expect(klines[4].query.startTime).toBe(klines[3].query.startTime);
    expect(lines.filter((l) => l.includes('retry 1/5'))).toHaveLength(2);
  });

  it('retries a request that times out', async () => {
    const srv = await serve({faults: {delayAt: [3], delayMs: 2_000}});
    const store = new MemoryMarketStore();

    const report = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store, {}, {timeoutMs: 300}));

    await expectSameCandles(store, srv, RANGE.sinceMs, RANGE.untilMs);
    expect(report.retries).toBe(1);
    expect(klineRequests(srv)).toHaveLength(6);
  });

  it('gives up with VENUE_TEMPORARY after maxRetries on a persistent 5xx, keeping nothing half-written', async () => {
    const srv = await serve({faults: {persistentServerError: true, serverErrorStatus: 502}});
    const store = new MemoryMarketStore();

    const error = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store, {}, {maxRetries: 3})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IftbError);
    expect((error as IftbError).code).toBe(ErrorCode.VENUE_TEMPORARY);
    expect((error as IftbError).retryable).toBe(true);
    expect((error as IftbError).message).toMatch(/^binanceusdm: fetch .* failed after 3 retries: /);
    expect(klineRequests(srv)).toHaveLength(4);
    expect(await store.lastBarTime(KEY_1M)).toBeNull();
  });

  it('keeps the pages it got when a later page fails, and a rerun resumes after them', async () => {
    const srv = await serve({faults: {serverErrorAt: [3, 4]}});
    const store = new MemoryMarketStore();
    await expect(
      downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store, {}, {maxRetries: 1})),
    ).rejects.toMatchObject({code: ErrorCode.VENUE_TEMPORARY});
    expect(await store.lastBarTime(KEY_1M)).toBe(T0 + 1999 * MIN);

    const report = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store));
    expect(report.candlesInserted).toBe(2200);
    await expectSameCandles(store, srv, RANGE.sinceMs, RANGE.untilMs);
  });

  it('resumes from the last stored candle', async () => {
    const srv = await serve();
    const store = new MemoryMarketStore();
    await store.appendBars(KEY_1M, barColumnsFromBars(srv.candles('BTCUSDT', '1m', T0, T0 + 1500 * MIN)));
    const lines: string[] = [];

    const report = await downloadMarketData({symbol: BTC, timeframe: '1m', ...RANGE}, optionsFor(srv, store, {log: (l) => lines.push(l)}));

    const klines = klineRequests(srv);
    expect(Number(klines[0].query.startTime)).toBe(T0 + 1500 * MIN);
    expect(klines).toHaveLength(3);
    expect(report).toMatchObject({candlesInserted: 2700, candlesSkipped: 0, firstMs: T0 + 1500 * MIN});
    expect(lines.some((l) => /resuming from 2024-01-02T01:00:00.000Z/.test(l))).toBe(true);
    await expectSameCandles(store, srv, RANGE.sinceMs, RANGE.untilMs);
  });

  it('backfills an older range even when the store already holds newer candles', async () => {
    const srv = await serve();
    const store = new MemoryMarketStore();
    await store.appendBars(KEY_1M, barColumnsFromBars(srv.candles('BTCUSDT', '1m', T0 + 2000 * MIN, T0 + 2100 * MIN)));

    const report = await downloadMarketData({symbol: BTC, timeframe: '1m', sinceMs: T0, untilMs: T0 + 1500 * MIN}, optionsFor(srv, store));

    expect(Number(klineRequests(srv)[0].query.startTime)).toBe(T0);
    expect(report.candlesInserted).toBe(1500);
  });

  it('rejects a symbol the venue does not list with INPUT_INVALID', async () => {
    const srv = await serve();
    const store = new MemoryMarketStore();
    const error = await downloadMarketData({symbol: 'DOGE/USDT:USDT', timeframe: '1m', ...RANGE}, optionsFor(srv, store)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IftbError);
    expect(error).toMatchObject({code: ErrorCode.INPUT_INVALID, message: "unknown symbol 'DOGE/USDT:USDT' on binanceusdm"});
    expect(klineRequests(srv)).toHaveLength(0);
  });

  it('maps Binance -1121 "Invalid symbol." from the klines endpoint to INPUT_INVALID', async () => {
    const srv = await serve({invalidSymbols: ['XRPUSDT']});
    const error = await downloadMarketData({symbol: 'XRP/USDT:USDT', timeframe: '1m', ...RANGE}, optionsFor(srv, new MemoryMarketStore())).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({code: ErrorCode.INPUT_INVALID, message: "unknown symbol 'XRP/USDT:USDT' on binanceusdm"});
    expect(klineRequests(srv)).toHaveLength(1);
  });

  it('downloads funding history (paginated, jittered times kept exactly) and mark-price candles', async () => {
    const srv = await serve({generate: {seed: 11, fromMs: T0 - 30 * DAY}});
    const store = new MemoryMarketStore();
    const range = {sinceMs: T0, untilMs: T0 + 400 * DAY};

    const report = await downloadMarketData({symbol: BTC, timeframe: '1d', ...range, funding: true, mark: true}, optionsFor(srv, store));

    const expected = srv.funding('BTCUSDT', range.sinceMs, range.untilMs);
    expect(expected.length).toBe(1200);
    expect(report.fundingInserted).toBe(1200);
    // two full pages, then an empty one that ends the range
    const fundingRequests = klineRequests(srv, '/fapi/v1/fundingRate');
    expect(fundingRequests.map((r) => r.query.limit)).toEqual(['1000', '1000', '1000']);
    expect(Number(fundingRequests[1].query.startTime)).toBe(expected[999].fundingTime + 1);
    const stored = await store.readFunding('binanceusdm', BTC, {fromMs: 0, toMs: Number.MAX_SAFE_INTEGER});
    expect(Array.from(stored.time)).toEqual(expected.map((r) => r.fundingTime));
    expect(Array.from(stored.rate)).toEqual(expected.map((r) => r.fundingRate));
    expect(Array.from(stored.markPrice)).toEqual(expected.map((r) => r.markPrice ?? Number.NaN));
    expect(expected.some((r) => r.fundingTime % 1000 !== 0)).toBe(true);
    expect(expected.some((r) => r.markPrice === undefined)).toBe(true);

    const key: SeriesKey = {exchange: 'binanceusdm', symbol: BTC, timeframe: '1d'};
    const mark = await store.readBars(key, {fromMs: 0, toMs: Number.MAX_SAFE_INTEGER}, 'mark');
    expect(asBars(mark)).toEqual(srv.candles('BTCUSDT', '1d', range.sinceMs, range.untilMs, 'mark'));
    expect(mark.length).toBe(400);
    expect((await store.readBars(key, {fromMs: 0, toMs: Number.MAX_SAFE_INTEGER})).length).toBe(400);
  });

  it('never stores the still-forming candle', async () => {
    const now = Date.now();
    const srv = await serve({generate: {seed: 3, fromMs: now - 48 * HOUR}});
    const store = new MemoryMarketStore();
    const key: SeriesKey = {exchange: 'binanceusdm', symbol: BTC, timeframe: '1h'};
    // the server does hold the candle that is open right now
    const forming = Math.floor(now / HOUR) * HOUR;
    expect(srv.candles('BTCUSDT', '1h', forming, forming + HOUR)).toHaveLength(1);

    await downloadMarketData({symbol: BTC, timeframe: '1h', sinceMs: now - 24 * HOUR}, optionsFor(srv, store));
    const last = await store.lastBarTime(key);
    expect(last).not.toBeNull();
    expect(last! + HOUR).toBeLessThanOrEqual(Date.now());
    expect(last).toBeGreaterThanOrEqual(forming - HOUR);

    // an untilMs in the future does not let it through either
    await downloadMarketData({symbol: BTC, timeframe: '1h', sinceMs: now - 24 * HOUR, untilMs: now + 5 * HOUR}, optionsFor(srv, store));
    expect((await store.lastBarTime(key))! + HOUR).toBeLessThanOrEqual(Date.now());
  });

  it('rejects a malformed request before touching the network', async () => {
    const srv = await serve();
    const store = new MemoryMarketStore();
    await expect(downloadMarketData({symbol: BTC, timeframe: '1m', sinceMs: T0, untilMs: T0}, optionsFor(srv, store))).rejects.toMatchObject({
      code: ErrorCode.INPUT_INVALID,
    });
    await expect(downloadMarketData({symbol: 'btcusdt', timeframe: '1m', sinceMs: T0}, optionsFor(srv, store))).rejects.toMatchObject({
      code: ErrorCode.INPUT_INVALID,
    });
    expect(srv.requests).toHaveLength(0);
  });
});
