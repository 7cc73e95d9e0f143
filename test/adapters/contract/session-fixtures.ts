import type {BarCommit, ClosedTrade, ExchangeFillRecord, JournalEvent, SessionBar, SessionRecord, TrackedOrder} from '../../../src/core/index.js';

export const T0 = Date.UTC(2025, 0, 1);
export const MIN = 60_000;

export function sessionRecord(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    sessionId: 'p3f9a2c1', mode: 'paper', exchange: 'binanceusdm', accountId: 'paper', strategy: 'sma-cross',
    symbols: ['ETH/USDT:USDT', 'BTC/USDT:USDT'], timeframe: '1m', strategyVersion: '1.0.0',
    config: {fast: 5, slow: 20, nested: {a: [1, 2]}}, configHash: 'c0ffee', models: [{ref: 'xgb@pinned', model: 'xgb/3', sha256: 'ab'.repeat(32)}],
    firstBarMs: T0, startedMs: T0 + 5_000, status: 'running', statusMs: T0 + 5_000, ...over,
  };
}

export function bar(i: number, journalEnd: number, over: Partial<SessionBar> = {}): SessionBar {
  return {
    barOpenMs: T0 + i * MIN, journalEnd, dataAgeMs: 1234.5, decisionLatencyMs: 12.25, venueRequests: 3, venueErrors: 0, staleData: false,
    equity: 10_000 + i * 0.1, positionQty: i % 2 === 0 ? 0 : -0.003, committedMs: T0 + (i + 1) * MIN + 250, ...over,
  };
}

export function events(i: number, n: number): JournalEvent[] {
  return Array.from({length: n}, (_, k) => ({type: 'error', timeMs: T0 + i * MIN + k, code: 'IFTB_E_VENUE_TEMPORARY', message: `bar ${i} event ${k} ✓`}) as JournalEvent);
}

export const trade: ClosedTrade = {
  id: 1, symbol: 'BTC/USDT:USDT', side: 'long', qty: 0.003, entryTimeMs: T0 + MIN, exitTimeMs: T0 + 2 * MIN, entryPrice: 93_000.1,
  exitPrice: 93_100.2, grossPnl: 0.3003, fees: 0.1117, funding: 0, liquidationFee: 0, netPnl: 0.1886, entryReason: 'entry', exitReason: 'exit', bars: 1,
};

export function commit(i: number, journalEnd: number, nEvents: number, over: Partial<BarCommit> = {}): BarCommit {
  return {
    bar: bar(i, journalEnd), events: events(i, nEvents), cash: [{timeMs: T0 + i * MIN, kind: 'fee', amount: -0.05, balance: 9_999.95 - i, orderId: i}],
    trades: [], metrics: {equity: 10_000 + i, sharpe: null}, deliveredFills: [], ...over,
  };
}

export function order(over: Partial<TrackedOrder> = {}): TrackedOrder {
  return {
    sessionId: 'p3f9a2c1', clientOrderId: 'p3f9a2c1-1', orderId: 1, symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', qty: 0.003,
    price: NaN, stopPrice: NaN, reduceOnly: false, reason: 'entry', origin: 'engine', parentClientOrderId: null, state: 'pending',
    exchangeOrderId: null, filledQty: 0, avgPrice: NaN, createdMs: T0 + MIN, updatedMs: T0 + MIN, detail: null, ...over,
  };
}

export function fill(tradeId: string, over: Partial<ExchangeFillRecord> = {}): ExchangeFillRecord {
  return {
    sessionId: 'p3f9a2c1', symbol: 'BTC/USDT:USDT', tradeId, clientOrderId: 'p3f9a2c1-1', exchangeOrderId: '8389765', side: 'buy', qty: 0.001,
    price: 93_000.1, fee: 0.0372, feeAsset: 'USDT', realizedPnl: 0, maker: false, timeMs: T0 + MIN + 10, deliveredAtBarMs: null, ...over,
  };
}
