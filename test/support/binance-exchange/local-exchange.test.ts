import {afterEach, describe, expect, it} from 'vitest';
import WebSocket from 'ws';
import {BinanceUsdmExchangeClient} from '../../../src/adapters/binance/index.js';
import {startBinanceExchange, type LocalBinanceExchange} from './exchange.js';
import {spawnBinanceExchange, type ExchangeProcess} from './process.js';
import {signParams} from './signing.js';

const T0 = Date.UTC(2024, 2, 1);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const candle = (openTime: number, close: number) => ({openTime, open: close, high: close + 10, low: close - 10, close, volume: 5});

let exchange: LocalBinanceExchange | undefined;
let child: ExchangeProcess | undefined;
afterEach(async () => {
  await exchange?.close();
  await child?.stop();
  exchange = undefined;
  child = undefined;
});

async function signed(ex: LocalBinanceExchange, method: string, path: string, params: Record<string, string | number>, opts: {secret?: string; key?: string | null} = {}) {
  const query = signParams({timestamp: ex.now(), ...params}, opts.secret ?? ex.apiSecret);
  const headers: Record<string, string> = opts.key === null ? {} : {'X-MBX-APIKEY': opts.key ?? ex.apiKey};
  const response = method === 'GET' || method === 'DELETE'
    ? await fetch(`${ex.url}${path}?${query}`, {method, headers})
    : await fetch(`${ex.url}${path}`, {method, headers: {...headers, 'Content-Type': 'application/x-www-form-urlencoded'}, body: query});
  return {status: response.status, body: (await response.json()) as Record<string, unknown>};
}

describe('local Binance USDⓈ-M exchange', () => {
  it('checks X-MBX-APIKEY, the HMAC-SHA256 signature and the recvWindow like Binance', async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {})).toMatchObject({status: 200});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {}, {key: null})).toEqual({status: 401, body: {code: -2014, msg: 'API-key format invalid.'}});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {}, {key: 'other'})).toMatchObject({status: 401, body: {code: -2015}});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {}, {secret: 'wrong'})).toEqual({status: 400, body: {code: -1022, msg: 'Signature for this request is not valid.'}});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {timestamp: exchange.now() - 6_000})).toMatchObject({body: {code: -1021}});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {timestamp: exchange.now() - 6_000, recvWindow: 10_000})).toMatchObject({status: 200});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {timestamp: exchange.now() + 2_000})).toMatchObject({body: {code: -1021}});
    expect(await signed(exchange, 'GET', '/fapi/v3/account', {recvWindow: 70_000})).toMatchObject({body: {code: -1131}});
  });

  it('serves v3 account and positionRisk with Binance field names and string decimals', async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    exchange.advance({symbol: 'BTCUSDT', bar: candle(T0, 42_000)});
    exchange.placeOrder({symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: 'web-1'});
    const account = (await signed(exchange, 'GET', '/fapi/v3/account', {})).body;
    expect(Object.keys(account).sort()).toEqual(
      ['assets', 'availableBalance', 'maxWithdrawAmount', 'positions', 'totalCrossUnPnl', 'totalCrossWalletBalance', 'totalInitialMargin', 'totalMaintMargin', 'totalMarginBalance', 'totalOpenOrderInitialMargin', 'totalPositionInitialMargin', 'totalUnrealizedProfit', 'totalWalletBalance'].sort(),
    );
    expect(account.totalWalletBalance).toBe('9999.79000000');
    expect(account.totalInitialMargin).toBe('21.00000000');
    const risk = (await fetch(`${exchange.url}/fapi/v3/positionRisk?${signParams({timestamp: exchange.now()}, exchange.apiSecret)}`, {headers: {'X-MBX-APIKEY': exchange.apiKey}}).then((r) => r.json())) as Record<string, unknown>[];
    expect(risk).toHaveLength(1);
    expect(risk[0]).toMatchObject({symbol: 'BTCUSDT', positionSide: 'BOTH', positionAmt: '0.010', entryPrice: '42000.00000000', markPrice: '42000.00000000', marginAsset: 'USDT', notional: '420.00000000', maintMargin: '1.68000000'});
    expect(typeof risk[0].updateTime).toBe('number');
    expect(risk[0]).not.toHaveProperty('leverage'); // v3 dropped it (symbolConfig has it)
  });

  it('serves exchangeInfo filters, leverage brackets and symbol config', async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    const info = (await fetch(`${exchange.url}/fapi/v1/exchangeInfo`).then((r) => r.json())) as {symbols: {symbol: string; filters: {filterType: string}[]; orderTypes: string[]}[]};
    const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT');
    expect(btc?.filters.map((f) => f.filterType)).toEqual(['PRICE_FILTER', 'LOT_SIZE', 'MARKET_LOT_SIZE', 'MAX_NUM_ORDERS', 'MAX_NUM_ALGO_ORDERS', 'MIN_NOTIONAL', 'PERCENT_PRICE']);
    expect(btc?.filters.find((f) => f.filterType === 'MIN_NOTIONAL')).toEqual({filterType: 'MIN_NOTIONAL', notional: '100'});
    const brackets = (await signed(exchange, 'GET', '/fapi/v1/leverageBracket', {symbol: 'BTCUSDT'})).body as {symbol: string; brackets: {bracket: number; notionalFloor: number; notionalCap: number; maintMarginRatio: number; cum: number}[]};
    expect(brackets.symbol).toBe('BTCUSDT');
    expect(brackets.brackets[0]).toEqual({bracket: 1, initialLeverage: 125, notionalCap: 50_000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0});
    // cum keeps maintenance margin continuous at each bracket boundary
    for (let i = 1; i < brackets.brackets.length; i++) {
      const [a, b] = [brackets.brackets[i - 1], brackets.brackets[i]];
      expect(b.notionalFloor).toBe(a.notionalCap);
      expect(b.notionalFloor * b.maintMarginRatio - b.cum).toBeCloseTo(a.notionalCap * a.maintMarginRatio - a.cum, 6);
    }
    await signed(exchange, 'POST', '/fapi/v1/leverage', {symbol: 'BTCUSDT', leverage: 10});
    const config = await fetch(`${exchange.url}/fapi/v1/symbolConfig?${signParams({symbol: 'BTCUSDT', timestamp: exchange.now()}, exchange.apiSecret)}`, {headers: {'X-MBX-APIKEY': exchange.apiKey}}).then((r) => r.json());
    expect(config).toEqual([{symbol: 'BTCUSDT', marginType: 'CROSSED', isAutoAddMargin: 'false', leverage: 10, maxNotionalValue: '230000000'}]);
    expect((await signed(exchange, 'POST', '/fapi/v1/leverage', {symbol: 'BTCUSDT', leverage: 126})).body).toEqual({code: -4028, msg: 'Leverage 126 is not valid'});
  });

  it('keeps cost-basis accounting: averaging, partial close, flip; commission and realised PnL as income', async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    exchange.advance({symbol: 'BTCUSDT', bar: candle(T0, 42_000)});
    const order = (side: string, quantity: string, id: string) => exchange!.placeOrder({symbol: 'BTCUSDT', side, type: 'MARKET', quantity, newClientOrderId: id});
    order('BUY', '0.1', 'a');
    exchange.setPrice('BTCUSDT', 43_000);
    order('BUY', '0.1', 'b');
    expect(exchange.positions()).toEqual([{symbol: 'BTCUSDT', qty: 0.2, entryPrice: 42_500}]);
    exchange.setPrice('BTCUSDT', 44_000);
    order('SELL', '0.15', 'c');
    expect(exchange.positions()).toEqual([{symbol: 'BTCUSDT', qty: 0.05, entryPrice: 42_500}]);
    order('SELL', '0.1', 'd');
    expect(exchange.positions()).toEqual([{symbol: 'BTCUSDT', qty: -0.05, entryPrice: 44_000}]);
    const realized = exchange.trades().map((t) => t.realizedPnl);
    expect(realized).toEqual([0, 0, 225, 75]);
    const fees = (0.1 * 42_000 + 0.1 * 43_000 + 0.15 * 44_000 + 0.1 * 44_000) * 0.0005;
    expect(exchange.balance().walletBalance).toBeCloseTo(10_000 + 300 - fees, 8);
    const income = exchange.incomes();
    expect(income.filter((r) => r.incomeType === 'REALIZED_PNL').map((r) => r.income)).toEqual([225, 75]);
    expect(income.filter((r) => r.incomeType === 'COMMISSION').reduce((s, r) => s + r.income, 0)).toBeCloseTo(-fees, 8);
  });

  it('caps reduce-only orders at the position; a short receives funding at each settlement it holds through', async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    exchange.advance({symbol: 'BTCUSDT', bar: candle(T0, 40_000)});
    exchange.placeOrder({symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.1', newClientOrderId: 's1'});
    exchange.setTime(T0 + 24 * HOUR + MINUTE);
    const funding = exchange.incomes().filter((r) => r.incomeType === 'FUNDING_FEE');
    expect(funding.map((r) => r.time)).toEqual([T0 + 8 * HOUR, T0 + 16 * HOUR, T0 + 24 * HOUR]);
    for (const row of funding) expect(row.income).toBeCloseTo(0.1 * 40_000 * 0.0001, 8);
    const close = exchange.placeOrder({symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', reduceOnly: 'true', newClientOrderId: 's2'});
    expect(close).toMatchObject({status: 'FILLED', executedQty: '0.100', reduceOnly: true});
    expect(exchange.positions()).toEqual([]);
  });

  it("client ids are unique among open orders (Binance's rule), or among all with clientIdScope 'any'", async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    exchange.advance({symbol: 'BTCUSDT', bar: candle(T0, 42_000)});
    const market = {symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: 'same', newOrderRespType: 'RESULT'};
    expect((await signed(exchange, 'POST', '/fapi/v1/order', market)).body).toMatchObject({status: 'FILLED'});
    expect((await signed(exchange, 'POST', '/fapi/v1/order', market)).body).toMatchObject({status: 'FILLED'});
    expect(exchange.ordersByClientId('same')).toHaveLength(2);
    await exchange.close();
    exchange = await startBinanceExchange({startTimeMs: T0, clientIdScope: 'any'});
    exchange.advance({symbol: 'BTCUSDT', bar: candle(T0, 42_000)});
    await signed(exchange, 'POST', '/fapi/v1/order', market);
    expect((await signed(exchange, 'POST', '/fapi/v1/order', market)).body).toEqual({code: -4116, msg: 'ClientOrderId is duplicated.'});
  });

  it('speaks the combined kline stream too, with LIST_SUBSCRIPTIONS', async () => {
    exchange = await startBinanceExchange({startTimeMs: T0});
    const socket = new WebSocket(`${exchange.wsUrl}/stream?streams=btcusdt@kline_1m`);
    const frames: unknown[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({method: 'LIST_SUBSCRIPTIONS', id: 7}));
    await new Promise((resolve) => setTimeout(resolve, 100));
    exchange.advance({symbol: 'BTCUSDT', bar: candle(T0, 42_000), forming: false});
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.close();
    expect(frames[0]).toEqual({result: ['btcusdt@kline_1m'], id: 7});
    expect(frames[1]).toMatchObject({stream: 'btcusdt@kline_1m', data: {e: 'kline', s: 'BTCUSDT', k: {t: T0, T: T0 + MINUTE - 1, i: '1m', o: '42000.00', c: '42000.00', x: true}}});
  });

  it('runs as its own process, driven over its control endpoint', async () => {
    child = await spawnBinanceExchange({startTimeMs: T0});
    const remote = child.exchange;
    await remote.advance({symbol: 'BTCUSDT', bar: candle(T0, 42_000)});
    const client = new BinanceUsdmExchangeClient({endpoints: {restUrl: remote.url, wsUrl: remote.wsUrl, testnet: false}, credentials: {apiKey: remote.apiKey, apiSecret: remote.apiSecret}});
    try {
      await client.createOrder({symbol: 'BTC/USDT:USDT', clientOrderId: 'proc-1', side: 'buy', type: 'market', qty: 0.01, reduceOnly: false});
    } finally {
      await client.close();
    }
    expect(await remote.ordersByClientId('proc-1')).toHaveLength(1);
    expect(await remote.positions()).toEqual([{symbol: 'BTCUSDT', qty: 0.01, entryPrice: 42_000}]);
    await expect(remote.advance({symbol: 'NOPE', bar: candle(T0, 1)})).rejects.toThrow(/unknown symbol NOPE/);
    process.kill(child.pid, 'SIGKILL');
    await new Promise((resolve) => child!.child.once('exit', resolve));
  });
});
