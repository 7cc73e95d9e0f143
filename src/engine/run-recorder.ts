import {grown, type SignalSource, type SymbolId} from '../core/index.js';
import {StepwiseColumn} from './stepwise-column.js';

/** One symbol's per-slot columns: position, ensemble and every analyzer's reading (NaN / inactive on a slot it had no bar). */
export class LaneRecorder {
  /** Changes only on fills: noted per slot, written only when it changes (see StepwiseColumn). */
  readonly position: StepwiseColumn<Float64Array>;
  ensembleScore: Float64Array;
  ensembleConfidence: Float64Array;
  ensembleActive: Uint8Array;
  /** One score/confidence/active column per analyzer, in the strategy's analyzer order. */
  readonly signals: Array<{id: string; source: SignalSource; score: Float64Array; confidence: Float64Array; active: Uint8Array}>;

  constructor(
    readonly symbol: SymbolId,
    n: number,
    analyzers: ReadonlyArray<{id: string; source: SignalSource}>,
  ) {
    this.position = new StepwiseColumn(new Float64Array(n));
    this.ensembleScore = new Float64Array(n);
    this.ensembleConfidence = new Float64Array(n);
    this.ensembleActive = new Uint8Array(n);
    this.signals = analyzers.map((a) => ({id: a.id, source: a.source, score: new Float64Array(n), confidence: new Float64Array(n), active: new Uint8Array(n)}));
  }

  /** The signed position at every slot recorded so far. */
  get positionQty(): Float64Array {
    return this.position.column;
  }

  grow(size: number): void {
    this.ensembleScore = grown(this.ensembleScore, size);
    this.ensembleConfidence = grown(this.ensembleConfidence, size);
    this.ensembleActive = grown(this.ensembleActive, size);
    for (const s of this.signals) {
      s.score = grown(s.score, size);
      s.confidence = grown(s.confidence, size);
      s.active = grown(s.active, size);
    }
  }
}

/**
 * Per-slot columns of a run, grown as bars arrive (live) or sized once (replay). A slot is one
 * step of the engine: one bar of a single-symbol run, one time of the merged timeline of a
 * portfolio. Account columns (time, equity) and one LaneRecorder per symbol.
 */
export class RunRecorder {
  length = 0;
  equity: Float64Array;
  readonly lanes: readonly LaneRecorder[];
  /**
   * Replay: the slots' open times are known up front, so a slot's close time is derived from them
   * when read rather than written by every step (the engine writes `timeMs` only when this is false).
   */
  readonly derivesTime: boolean;
  #timeMs: Float64Array;
  readonly #slotOpen: Float64Array | null;
  readonly #timeframeMs: number;
  #derived = 0;

  constructor(
    capacity: number,
    lanes: ReadonlyArray<{symbol: SymbolId; analyzers: ReadonlyArray<{id: string; source: SignalSource}>}>,
    slots: {readonly openTimeMs: Float64Array; readonly timeframeMs: number} | null = null,
  ) {
    const n = Math.max(capacity, 16);
    this.#timeMs = new Float64Array(n);
    this.equity = new Float64Array(n);
    this.lanes = lanes.map((l) => new LaneRecorder(l.symbol, n, l.analyzers));
    this.#slotOpen = slots?.openTimeMs ?? null;
    this.#timeframeMs = slots?.timeframeMs ?? 0;
    this.derivesTime = slots !== null;
  }

  /** Close time of every slot recorded so far. */
  get timeMs(): Float64Array {
    const open = this.#slotOpen;
    if (open !== null && this.#derived < this.length) {
      const t = this.#timeMs;
      for (let i = this.#derived; i < this.length; i++) t[i] = open[i] + this.#timeframeMs;
      this.#derived = this.length;
    }
    return this.#timeMs;
  }

  /** Lane 0's columns (single-symbol runs). */
  get positionQty(): Float64Array {
    return this.lanes[0].positionQty;
  }
  get ensembleScore(): Float64Array {
    return this.lanes[0].ensembleScore;
  }
  get ensembleConfidence(): Float64Array {
    return this.lanes[0].ensembleConfidence;
  }
  get ensembleActive(): Uint8Array {
    return this.lanes[0].ensembleActive;
  }
  get signals(): LaneRecorder['signals'] {
    return this.lanes[0].signals;
  }

  /** Makes room for slot `index`; doubles capacity when full (live mode only ever hits this). */
  ensure(index: number): void {
    if (index < this.#timeMs.length) return;
    const size = Math.max(index + 1, this.#timeMs.length * 2);
    this.#timeMs = grown(this.#timeMs, size);
    this.equity = grown(this.equity, size);
    for (const lane of this.lanes) lane.grow(size);
  }
}
