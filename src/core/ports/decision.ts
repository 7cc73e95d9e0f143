import type {BarView} from '../bar-view.js';
import type {PositionSide, TradingState} from '../trading.js';
import type {SignalSlot, SignalSource} from './analyzer.js';

/** How big a new position is. Percentages are 0–100. */
export type Sizing =
  | {readonly mode: 'fixed-qty'; readonly qty: number}
  | {readonly mode: 'fixed-notional'; readonly notional: number}
  | {readonly mode: 'equity-pct'; readonly pct: number}
  /** Risk `riskPct` of equity between entry and a stop `atrMultiple` ATRs away. */
  | {readonly mode: 'risk-atr'; readonly riskPct: number; readonly atrMultiple: number};

export type Intent =
  | {readonly kind: 'hold'}
  | {
      readonly kind: 'enter';
      readonly side: PositionSide;
      readonly reason: string;
      /** Overrides the run's default sizing. */
      readonly sizing?: Sizing;
      /** Protective prices; they override the run's stop-loss / take-profit percentages. */
      readonly stopLoss?: number;
      readonly takeProfit?: number;
    }
  | {readonly kind: 'exit'; readonly reason: string};

export const HOLD: Intent = Object.freeze({kind: 'hold'});

export interface SignalReading extends Readonly<SignalSlot> {
  readonly id: string;
  readonly source: SignalSource;
}

export interface EnsembleReading {
  /** Weighted mean of active sources' score × confidence, weights renormalised over active ones. */
  readonly score: number;
  readonly confidence: number;
  /** false when every source abstains. */
  readonly active: boolean;
}

/**
 * What `decide` sees at a bar's close. One object, updated in place each bar: read it, never
 * keep it. `bars` is a read-only view of the closed bars up to `index`: later bars read NaN.
 */
export interface DecisionContext {
  /** The symbol decided on (a portfolio run decides each symbol with its own context). */
  readonly symbol: string;
  readonly index: number;
  /** Close time of the bar (= decision time). */
  readonly timeMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly bars: BarView;
  /** Indicator readings by the names the strategy gave them; `previous` is the bar before. */
  readonly values: Readonly<Record<string, number>>;
  readonly previous: Readonly<Record<string, number>>;
  readonly signals: readonly SignalReading[];
  readonly ensemble: EnsembleReading;
  /** Signed qty: > 0 long, < 0 short. */
  readonly positionQty: number;
  readonly entryPrice: number;
  /** Bars the position has been held at this close (1 at the close of the bar its first fill opened); 0 when flat. */
  readonly positionBars: number;
  readonly equity: number;
  readonly state: TradingState;
}
