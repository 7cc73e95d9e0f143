import {
  type Analyzer,
  type BarColumns,
  type BarViewCursor,
  createBarView,
  type DecisionContext,
  type Indicator,
  type InstrumentSpec,
  type Intent,
  type RiskInput,
  type RiskManager,
  type SignalSource,
  type SymbolId,
} from '../core/index.js';
import {EnsembleFuser, type EnsembleSlot, type SourceWeights} from '../decision/index.js';
import type {LaneRecorder} from './run-recorder.js';

/** One symbol the engine trades: its candles, readings and decision. */
export interface EngineLane {
  readonly symbol: SymbolId;
  /** Closed bars, oldest first; live mode appends to the same columns before each step. */
  readonly bars: BarColumns;
  readonly instrument: InstrumentSpec;
  readonly decide: (context: DecisionContext) => Intent;
  readonly analyzers: readonly Analyzer[];
  readonly indicators: Readonly<Record<string, Indicator>>;
  readonly weights?: Partial<SourceWeights>;
  /** Indicator name used as ATR for risk sizing and ATR stops. */
  readonly atr?: string;
  /** Bars before this index only warm readings up; no decisions are taken on them. */
  readonly warmupBars: number;
  /** This symbol's risk manager (per-symbol limits); default the engine's. */
  readonly risk?: RiskManager;
}

interface MutableReading {
  readonly id: string;
  readonly source: SignalSource;
  score: number;
  confidence: number;
  active: boolean;
}

export type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/**
 * A lane's state inside the engine: the bar it is on, its bounded view, indicator values,
 * analyzer readings, ensemble, and the decision context and risk input it reuses every bar.
 */
export class LaneState {
  /** Index of the next bar to step. */
  next = 0;
  /** The bar stepped at the current slot, −1 when this symbol had none. */
  current = -1;
  /** Slots skipped because this symbol had no bar between its first and last (gaps in its data while others traded). */
  missingBars = 0;
  /** The last denial journaled; the same intent denied for the same reason on later bars is only counted. */
  lastDenial = '';
  readonly cursor: BarViewCursor;
  readonly names: readonly string[];
  readonly indicators: readonly Indicator[];
  readonly values: Record<string, number> = {};
  readonly previous: Record<string, number> = {};
  readonly readings: MutableReading[];
  readonly ensemble: EnsembleSlot = {score: 0, confidence: 0, active: false};
  readonly fuser: EnsembleFuser;
  readonly context: Mutable<DecisionContext>;
  readonly riskInput: Mutable<RiskInput>;
  /** Analyzers that make outside requests (an LLM endpoint): their counts feed the breaker's error rate. */
  readonly healthSources: readonly Analyzer[];
  #boundClose: Float64Array;

  constructor(
    readonly lane: EngineLane,
    readonly index: number,
    readonly risk: RiskManager,
    readonly recorder: LaneRecorder,
  ) {
    this.names = Object.keys(lane.indicators);
    this.indicators = this.names.map((n) => lane.indicators[n]);
    for (const n of this.names) {
      this.values[n] = NaN;
      this.previous[n] = NaN;
    }
    this.readings = lane.analyzers.map((a) => ({id: a.id, source: a.source, score: 0, confidence: 0, active: false}));
    this.healthSources = lane.analyzers.filter((a) => typeof a.health === 'function');
    this.fuser = new EnsembleFuser(lane.analyzers.map((a) => a.source), lane.weights);
    this.cursor = createBarView(lane.bars);
    this.#boundClose = lane.bars.close;
    this.context = {
      symbol: lane.symbol, index: 0, timeMs: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, bars: this.cursor.view,
      values: this.values, previous: this.previous, signals: this.readings, ensemble: this.ensemble,
      positionQty: 0, entryPrice: 0, positionBars: 0, equity: 0, state: 'active',
    };
    this.riskInput = {
      timeMs: 0, price: 0, positionQty: 0, entryPrice: 0, equity: 0, walletBalance: 0, atr: NaN,
      instrument: lane.instrument, state: 'active', otherExposure: 0, otherPositions: 0,
    };
  }

  /** Indicators and analyzers read bar i through the view bounded at it; then the ensemble. */
  read(i: number): void {
    // A live buffer replaces its arrays when it grows: the view must follow.
    if (this.#boundClose !== this.lane.bars.close) {
      this.cursor.rebind(this.lane.bars);
      this.#boundClose = this.lane.bars.close;
    }
    this.cursor.moveTo(i);
    const view = this.cursor.view;
    const names = this.names;
    const indicators = this.indicators;
    for (let k = 0; k < indicators.length; k++) {
      const name = names[k];
      this.previous[name] = this.values[name];
      this.values[name] = indicators[k].update(view);
    }
    const analyzers = this.lane.analyzers;
    for (let k = 0; k < analyzers.length; k++) analyzers[k].update(view, this.readings[k]);
    this.fuser.fuse(this.readings, this.ensemble);
  }

  /** This lane's columns at `slot`: readings of its bar (or NaN and inactive when it had none) and the position. */
  record(slot: number, qty: number, stepped: boolean): void {
    const r = this.recorder;
    r.positionQty[slot] = qty;
    const readings = this.readings;
    if (stepped) {
      r.ensembleScore[slot] = this.ensemble.score;
      r.ensembleConfidence[slot] = this.ensemble.confidence;
      r.ensembleActive[slot] = this.ensemble.active ? 1 : 0;
      for (let k = 0; k < readings.length; k++) {
        const s = r.signals[k];
        const reading = readings[k];
        s.score[slot] = reading.score;
        s.confidence[slot] = reading.confidence;
        s.active[slot] = reading.active ? 1 : 0;
      }
    } else {
      r.ensembleScore[slot] = NaN;
      r.ensembleConfidence[slot] = NaN;
      r.ensembleActive[slot] = 0;
      for (let k = 0; k < readings.length; k++) {
        const s = r.signals[k];
        s.score[slot] = NaN;
        s.confidence[slot] = NaN;
        s.active[slot] = 0;
      }
    }
  }

  /** Every source's score at this moment (the attribution an intent is journaled with). */
  scores(): Record<string, number> {
    const scores: Record<string, number> = {ensemble: this.ensemble.score};
    for (const r of this.readings) scores[r.id] = r.active ? r.score : NaN;
    return scores;
  }
}
