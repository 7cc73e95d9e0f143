import type {HealthSnapshot, InstrumentSpec, JournalEvent, RiskInput, TradingState} from '../../src/core/index.js';

/** BTCUSDT-like contract: tick 0.1, step 0.001, min qty 0.001, min notional 100. */
export const BTC: InstrumentSpec = {
  symbol: 'BTC/USDT:USDT',
  tickSize: 0.1,
  stepSize: 0.001,
  minQty: 0.001,
  minNotional: 100,
  makerFeeRate: 0.0002,
  takerFeeRate: 0.0005,
  liquidationFeeRate: 0.0125,
  brackets: [{notionalCap: 50_000, maxLeverage: 125, maintMarginRate: 0.004, maintAmount: 0}],
};

export function riskInput(overrides: Partial<RiskInput> = {}): RiskInput {
  return {
    timeMs: Date.UTC(2025, 0, 1),
    price: 50_000,
    positionQty: 0,
    entryPrice: NaN,
    equity: 10_000,
    walletBalance: 10_000,
    atr: NaN,
    instrument: BTC,
    state: 'active' as TradingState,
    otherExposure: 0,
    otherPositions: 0,
    ...overrides,
  };
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** 2025-01-01T00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

export function health(overrides: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {timeMs: T0, equity: 10_000, staleData: false, dataAgeMs: 0, decisionLatencyMs: 0, venueRequests: 0, venueErrors: 0, ...overrides};
}

/** A journal sink that keeps what it receives. */
export function recordingJournal(): {events: JournalEvent[]; sink: (e: JournalEvent) => void} {
  const events: JournalEvent[] = [];
  return {events, sink: (e) => events.push(e)};
}
