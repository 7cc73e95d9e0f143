/**
 * The records the engine rewrites every bar: a lane's decision context and risk input, and the
 * account's health snapshot. Classes, not object literals: V8 shares a literal's hidden class with
 * every other literal of the same key sequence, so code elsewhere storing a non-number under the
 * same key can turn the field into a tagged one, and every per-bar store of a double into it then
 * allocates a heap number (the risk input's timeMs did so in sweeps). A class has hidden classes of
 * its own.
 */
import type {
  BarView,
  DecisionContext,
  EnsembleReading,
  HealthSnapshot,
  InstrumentSpec,
  RiskInput,
  SignalReading,
  TradingState,
} from '../core/index.js';

export type Mutable<T> = {-readonly [K in keyof T]: T[K]};

export class LaneContext implements Mutable<DecisionContext> {
  index = 0;
  timeMs = Number.NaN;
  open = Number.NaN;
  high = Number.NaN;
  low = Number.NaN;
  close = Number.NaN;
  volume = Number.NaN;
  positionQty = Number.NaN;
  entryPrice = Number.NaN;
  positionBars = 0;
  equity = Number.NaN;
  state: TradingState = 'active';

  constructor(
    readonly symbol: string,
    readonly bars: BarView,
    readonly values: Readonly<Record<string, number>>,
    readonly previous: Readonly<Record<string, number>>,
    readonly signals: readonly SignalReading[],
    readonly ensemble: EnsembleReading,
  ) {}
}

export class LaneRiskInput implements Mutable<RiskInput> {
  timeMs = Number.NaN;
  price = Number.NaN;
  positionQty = Number.NaN;
  entryPrice = Number.NaN;
  equity = Number.NaN;
  walletBalance = Number.NaN;
  atr = Number.NaN;
  state: TradingState = 'active';
  otherExposure = 0;
  otherPositions = 0;

  constructor(readonly instrument: InstrumentSpec) {}
}

export class StepHealth implements HealthSnapshot {
  timeMs = Number.NaN;
  equity = Number.NaN;
  staleData = false;
  dataAgeMs = 0;
  decisionLatencyMs = 0;
  venueRequests = 0;
  venueErrors = 0;
}
