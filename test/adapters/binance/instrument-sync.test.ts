import {afterEach, describe, expect, it} from 'vitest';
import {downloadMarketData} from '../../../src/adapters/binance/download.js';
import {syncInstruments} from '../../../src/adapters/binance/instrument-sync.js';
import {ErrorCode, isIftbError} from '../../../src/core/index.js';
import {startBinanceUsdmServer, type BinanceUsdmServerOptions, type RunningServer} from '../../support/binance-usdm-server.js';
import {useTempStores} from '../../support/duckdb-stores.js';

const EX = 'binanceusdm';
const SOL = 'SOL/USDT:USDT';
const T1 = Date.UTC(2025, 0, 1);
const T2 = Date.UTC(2025, 2, 1);
const KEYS = {apiKey: 'test-key-0123456789', secret: 'test-secret-abcdef'};
const SOL_RULES = {tickSize: '0.0100', minPrice: '0.4200', maxPrice: '6857', stepSize: '1', minQty: '1', maxQty: '1000000', marketMaxQty: '5000', minNotional: '5', pricePrecision: 4, quantityPrecision: 0, liquidationFee: '0.015000'};
const SOL_BRACKETS = [
  {bracket: 1, initialLeverage: 75, notionalCap: 5000, notionalFloor: 0, maintMarginRatio: 0.005, cum: 0},
  {bracket: 2, initialLeverage: 50, notionalCap: 50000, notionalFloor: 5000, maintMarginRatio: 0.01, cum: 25},
];

describe('instrument sync through ccxt against a local Binance USDⓈ-M server', () => {
  const temp = useTempStores();
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const serve = async (options: BinanceUsdmServerOptions = {}) => {
    server = await startBinanceUsdmServer({symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], instruments: {SOLUSDT: SOL_RULES}, serverTimeMs: T1, ...options});
    return server;
  };
  const exchange = (srv: RunningServer, extra = {}) => ({apiUrlOverride: srv.url, baseBackoffMs: 5, timeoutMs: 5_000, ...extra});

  it('without keys: one exchangeInfo request, specs stored as of its serverTime, no brackets; a rerun adds nothing', async () => {
    const srv = await serve();
    const {store} = await temp.open();
    const report = await syncInstruments([SOL], {store: store.instruments, exchange: exchange(srv)});
    expect(report).toMatchObject({asOfMs: T1, listed: 3, brackets: null, requests: 1});
    expect(report.rules.map((o) => [o.symbol, o.status])).toEqual([[SOL, 'added']]);
    expect(srv.requests.map((r) => r.path)).toEqual(['/fapi/v1/exchangeInfo']);
    const [stored] = await store.instruments.rules(EX, SOL);
    expect(stored).toMatchObject({asOfMs: T1, source: `sync ${srv.url}`});
    expect(stored.rules).toMatchObject({exchangeSymbol: 'SOLUSDT', tickSize: 0.01, stepSize: 1, minNotional: 5, maxQty: 1_000_000, marketMaxQty: 5000, liquidationFeeRate: 0.015, status: 'TRADING', contractType: 'PERPETUAL'});
    expect(await store.instruments.brackets(EX, SOL)).toEqual([]);

    const again = await syncInstruments([SOL], {store: store.instruments, exchange: exchange(srv)});
    expect(again.rules[0].status).toBe('unchanged');
    // the listing changes its tick size later: exactly one new version
    srv.setInstrument('SOLUSDT', {...SOL_RULES, tickSize: '0.0010'}, T2);
    const changed = await syncInstruments(undefined, {store: store.instruments, exchange: exchange(srv)});
    expect(changed.rules.map((o) => [o.symbol, o.status])).toEqual([['BTC/USDT:USDT', 'added'], ['ETH/USDT:USDT', 'added'], [SOL, 'added']]);
    expect((await store.instruments.rules(EX, SOL)).map((v) => [v.asOfMs, v.rules.tickSize])).toEqual([[T1, 0.01], [T2, 0.001]]);
  });

  it('with keys: a signed leverageBracket request, checked by the server, stores the brackets beside the specs', async () => {
    const srv = await serve({credentials: KEYS, leverageBrackets: {SOLUSDT: SOL_BRACKETS}});
    const {store} = await temp.open();
    const report = await syncInstruments([SOL], {store: store.instruments, exchange: exchange(srv, {apiKey: KEYS.apiKey, apiSecret: KEYS.secret})});
    expect(report.brackets?.map((o) => [o.symbol, o.status])).toEqual([[SOL, 'added']]);
    const signed = srv.requests.find((r) => r.path === '/fapi/v1/leverageBracket')!;
    expect(signed.query).toMatchObject({timestamp: expect.stringMatching(/^\d{13}$/), signature: expect.stringMatching(/^[0-9a-f]{64}$/)});
    const [brackets] = await store.instruments.brackets(EX, SOL);
    expect(brackets).toMatchObject({asOfMs: T1, brackets: [
      {notionalCap: 5000, maxLeverage: 75, maintMarginRate: 0.005, maintAmount: 0},
      {notionalCap: 50000, maxLeverage: 50, maintMarginRate: 0.01, maintAmount: 25},
    ]});
  });

  it('a wrong secret is refused by the server (-1022): a clear error, and no brackets stored', async () => {
    const srv = await serve({credentials: KEYS});
    const {store} = await temp.open();
    const error = await syncInstruments([SOL], {store: store.instruments, exchange: exchange(srv, {apiKey: KEYS.apiKey, apiSecret: 'wrong'})})
      .then(() => null, (e: unknown) => e);
    expect(isIftbError(error, ErrorCode.VENUE_FATAL)).toBe(true);
    expect((error as Error).message).toMatch(/^binanceusdm: fetch leverageBracket (was refused|failed): .*Signature for this request is not valid/);
    expect(await store.instruments.brackets(EX, SOL)).toEqual([]);
  });

  it('a listing with a malformed filter is left out and reported; the rest are stored', async () => {
    const srv = await serve({instruments: {SOLUSDT: SOL_RULES, ETHUSDT: {tickSize: ''}}});
    const {store} = await temp.open();
    const report = await syncInstruments(undefined, {store: store.instruments, exchange: exchange(srv)});
    expect(report.listed).toBe(3);
    expect(report.unreadable).toEqual([{exchangeSymbol: 'ETHUSDT', symbol: 'ETH/USDT:USDT', reason: expect.stringMatching(/\(ETHUSDT\) PRICE_FILTER: tickSize: expected a decimal, got ""$/)}]);
    expect(report.rules.map((o) => o.symbol)).toEqual(['BTC/USDT:USDT', SOL]);
    const asked = await syncInstruments(['ETH/USDT:USDT'], {store: store.instruments, exchange: exchange(srv)}).then(() => null, (e: unknown) => e);
    expect(isIftbError(asked, ErrorCode.DATA_INVALID)).toBe(true);
  });

  it('iftb data download syncs the symbol it downloads', async () => {
    const srv = await serve({generate: {seed: 3, fromMs: T1 - 86_400_000, toMs: T1 + 48 * 3_600_000}, serverTimeMs: T1 + 60 * 3_600_000});
    const {store} = await temp.open();
    const report = await downloadMarketData(
      {symbol: SOL, timeframe: '1h', sinceMs: T1, untilMs: T1 + 48 * 3_600_000},
      {store: store.marketData, instruments: store.instruments, exchange: exchange(srv)},
    );
    expect(report.candlesInserted).toBe(48);
    expect(report.instrument?.rules.map((o) => [o.symbol, o.status])).toEqual([[SOL, 'added']]);
    expect((await store.instruments.rules(EX, SOL)).map((v) => v.asOfMs)).toEqual([T1 + 60 * 3_600_000]);
    expect(report.requests).toBe(srv.requests.length);
  });
});
