/** Helpers for the simulated-venue scenario tests: candle tables, a simple instrument, order builders. */
import {allocateBarColumns, type BarColumns, type Fill, type FundingSeries, type InstrumentSpec, type OrderRequest, type VenueEvent} from '../../src/core/index.js';
import {SimulatedVenue, type SimulatedVenueOptions} from '../../src/sim/index.js';

export const H = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);
export const SYMBOL = 'TEST/USDT:USDT';

/**
 * A made-up contract with round numbers so expectations are easy to compute by hand:
 * tick 0.1, step 0.001, min notional 10, maker 0.02 %, taker 0.05 %, clearance fee 1.25 %,
 * brackets ≤10k: 100x mmr 1 % cum 0; ≤100k: 50x 2 % cum 100; beyond: 10x 5 % cum 3100.
 */
export const TEST_SPEC: InstrumentSpec = {
  symbol: SYMBOL,
  tickSize: 0.1,
  stepSize: 0.001,
  minQty: 0.001,
  minNotional: 10,
  makerFeeRate: 0.0002,
  takerFeeRate: 0.0005,
  liquidationFeeRate: 0.0125,
  brackets: [
    {notionalCap: 10_000, maxLeverage: 100, maintMarginRate: 0.01, maintAmount: 0},
    {notionalCap: 100_000, maxLeverage: 50, maintMarginRate: 0.02, maintAmount: 100},
    {notionalCap: 1_000_000_000, maxLeverage: 10, maintMarginRate: 0.05, maintAmount: 3100},
  ],
};

/** One candle row: [open, high, low, close, volume?]; bar k opens at T0 + k hours. */
export type Row = readonly [number, number, number, number, number?];

export function candles(rows: readonly Row[], startMs = T0, stepMs = H): BarColumns {
  const n = rows.length;
  const c = allocateBarColumns(n);
  rows.forEach(([o, h, l, cl, v], i) => {
    c.openTime[i] = startMs + i * stepMs;
    c.open[i] = o;
    c.high[i] = h;
    c.low[i] = l;
    c.close[i] = cl;
    c.volume[i] = v ?? 1000;
  });
  return c;
}

/** n identical flat candles at `price`. */
export function flat(n: number, price = 100): Row[] {
  return Array.from({length: n}, () => [price, price, price, price] as const);
}

export function fundingSeries(points: ReadonlyArray<readonly [number, number]>, symbol = SYMBOL): FundingSeries {
  return {
    exchange: 'binanceusdm',
    symbol,
    length: points.length,
    time: Float64Array.from(points.map((p) => p[0])),
    rate: Float64Array.from(points.map((p) => p[1])),
    markPrice: new Float64Array(points.length).fill(Number.NaN),
  };
}

export function makeVenue(bars: BarColumns, options: Partial<SimulatedVenueOptions> = {}): SimulatedVenue {
  return new SimulatedVenue({
    symbol: SYMBOL,
    bars,
    timeframeMs: H,
    instrument: TEST_SPEC,
    initialBalance: 10_000,
    leverage: 10,
    marginMode: 'isolated',
    slippage: {kind: 'fixed', bps: 0},
    fundingEnabled: true,
    ...options,
  });
}

let nextId = 1;

type OrderFields = Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'qty'>;

export function order(fields: OrderFields): OrderRequest {
  const id = fields.id ?? nextId++;
  return {
    id,
    clientOrderId: `run-${id}`,
    symbol: SYMBOL,
    type: 'market',
    reduceOnly: false,
    reason: 'entry',
    createdMs: 0,
    ...fields,
  };
}

export const market = (side: 'buy' | 'sell', qty: number, extra: Partial<OrderRequest> = {}): OrderRequest =>
  order({side, qty, type: 'market', ...extra});
export const limit = (side: 'buy' | 'sell', qty: number, price: number, extra: Partial<OrderRequest> = {}): OrderRequest =>
  order({side, qty, type: 'limit', price, ...extra});
export const stop = (side: 'buy' | 'sell', qty: number, stopPrice: number, extra: Partial<OrderRequest> = {}): OrderRequest =>
  order({side, qty, type: 'stop-market', stopPrice, ...extra});

export function fills(events: readonly VenueEvent[]): Fill[] {
  return events.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
}

export function types(events: readonly VenueEvent[]): string[] {
  return events.map((e) => e.type);
}

/** Submits and expects acceptance. */
export function place(venue: SimulatedVenue, request: OrderRequest): OrderRequest {
  const ack = venue.submit(request);
  if (ack.status !== 'accepted') throw new Error(`order ${request.id} rejected: ${ack.reason}`);
  return request;
}
