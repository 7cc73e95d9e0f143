import {
  type Analyzer,
  type BarColumns,
  type BarViewCursor,
  createBarView,
  type DecisionContext,
  type Indicator,
  type InstrumentSpec,
  type Intent,
  type RiskManager,
  type SignalSource,
  type SymbolId,
} from '../core/index.js';
import {EnsembleFuser, type EnsembleSlot, type SourceWeights} from '../decision/index.js';
import type {LaneRecorder} from './run-recorder.js';
import {LaneContext, LaneRiskInput} from './step-records.js';

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

/** Readings records by name list: every lane and every run with the same names gets records of one shape. */
const readingsShapes = new Map<string, (slots: Float64Array) => Readonly<Record<string, number>>>();

/**
 * A frozen object with one getter per name reading slots[k]. The engine writes readings into a
 * Float64Array (no boxing, no keyed stores by a changing name, which V8 cannot keep allocation-free)
 * and strategies read them by name; having no setters, the readings cannot be written back.
 * Records with the same names share their class and getter functions, so they share one hidden
 * class: a strategy's `ctx.values.fast` stays a monomorphic load across the runs of a sweep (a
 * class and getters per record made it megamorphic after a few trials).
 */
function slotRecord(names: readonly string[], slots: Float64Array): Readonly<Record<string, number>> {
  const key = JSON.stringify(names);
  let make = readingsShapes.get(key);
  if (make === undefined) {
    class Readings {
      readonly #slots: Float64Array;
      constructor(values: Float64Array) {
        this.#slots = values;
      }
      static read(record: Readings, k: number): number {
        return record.#slots[k];
      }
    }
    const getters = names.map((_, k) => function (this: Readings) {
      return Readings.read(this, k);
    });
    make = (values) => {
      const record = new Readings(values);
      names.forEach((name, k) => Object.defineProperty(record, name, {get: getters[k], enumerable: true}));
      return Object.freeze(record) as unknown as Readonly<Record<string, number>>;
    };
    readingsShapes.set(key, make);
  }
  return make(slots);
}

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
  /** [0]: the position at the current slot (set by the engine before `record`; a typed array, whose doubles V8 never boxes). */
  readonly position = new Float64Array(1);
  /** The last denial journaled; the same intent denied for the same reason on later bars is only counted. */
  lastDenial = '';
  readonly cursor: BarViewCursor;
  readonly names: readonly string[];
  readonly indicators: readonly Indicator[];
  /** Indicator readings of the current bar and the bar before, by indicator order (names[k]). */
  readonly now: Float64Array;
  readonly before: Float64Array;
  /** ctx.values / ctx.previous: read-only views of `now` / `before` by name. */
  readonly values: Readonly<Record<string, number>>;
  readonly previous: Readonly<Record<string, number>>;
  /** Index of the ATR indicator in `names`; −1 without one, −2 when the name matches none. */
  readonly atrSlot: number;
  readonly readings: MutableReading[];
  readonly ensemble: EnsembleSlot = {score: 0, confidence: 0, active: false};
  readonly fuser: EnsembleFuser;
  readonly context: LaneContext;
  readonly riskInput: LaneRiskInput;
  /** Analyzers that make outside requests (an LLM endpoint): their counts feed the breaker's error rate. */
  readonly healthSources: readonly Analyzer[];
  #boundClose: Float64Array;
  /** Per indicator: 1 when it writes its reading into `now` (Indicator.updateInto). */
  readonly #writesInto: Uint8Array;

  constructor(
    readonly lane: EngineLane,
    readonly index: number,
    readonly risk: RiskManager,
    readonly recorder: LaneRecorder,
  ) {
    this.names = Object.keys(lane.indicators);
    this.indicators = this.names.map((n) => lane.indicators[n]);
    this.#writesInto = Uint8Array.from(this.indicators, (i) => (typeof i.updateInto === 'function' ? 1 : 0));
    this.now = new Float64Array(this.names.length).fill(NaN);
    this.before = new Float64Array(this.names.length).fill(NaN);
    this.values = slotRecord(this.names, this.now);
    this.previous = slotRecord(this.names, this.before);
    this.atrSlot = lane.atr === undefined ? -1 : this.names.indexOf(lane.atr) >= 0 ? this.names.indexOf(lane.atr) : -2;
    this.readings = lane.analyzers.map((a) => ({id: a.id, source: a.source, score: 0, confidence: 0, active: false}));
    this.healthSources = lane.analyzers.filter((a) => typeof a.health === 'function');
    this.fuser = new EnsembleFuser(lane.analyzers.map((a) => a.source), lane.weights);
    this.cursor = createBarView(lane.bars);
    this.#boundClose = lane.bars.close;
    this.context = new LaneContext(lane.symbol, this.cursor.view, this.values, this.previous, this.readings, this.ensemble);
    this.riskInput = new LaneRiskInput(lane.instrument);
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
    const indicators = this.indicators;
    const now = this.now;
    const before = this.before;
    const into = this.#writesInto;
    for (let k = 0; k < indicators.length; k++) {
      before[k] = now[k];
      const indicator = indicators[k];
      if (into[k] === 1) indicator.updateInto!(view, now, k);
      else now[k] = indicator.update(view);
    }
    const analyzers = this.lane.analyzers;
    for (let k = 0; k < analyzers.length; k++) analyzers[k].update(view, this.readings[k]);
    this.fuser.fuse(this.readings, this.ensemble);
  }

  /** This lane's columns at `slot`: readings of its bar (or NaN and inactive when it had none) and the position (`position[0]`). */
  record(slot: number, stepped: boolean): void {
    const r = this.recorder;
    r.position.noteAt(slot, this.position, 0);
    const readings = this.readings;
    if (stepped) {
      // Without analyzers the ensemble is 0 / 0 / inactive on every bar: what a fresh column holds.
      // Not writing it leaves those pages untouched (first writes to fresh memory are much of what
      // recording costs per bar).
      if (readings.length === 0) return;
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
