import type {SignalSource} from '../core/index.js';

/** Per-bar columns of a run, grown as bars arrive (live) or sized once (replay). */
export class RunRecorder {
  length = 0;
  timeMs: Float64Array;
  equity: Float64Array;
  positionQty: Float64Array;
  ensembleScore: Float64Array;
  ensembleConfidence: Float64Array;
  ensembleActive: Uint8Array;
  /** One score/confidence/active column per analyzer, in the strategy's analyzer order. */
  readonly signals: Array<{id: string; source: SignalSource; score: Float64Array; confidence: Float64Array; active: Uint8Array}>;

  constructor(capacity: number, analyzers: ReadonlyArray<{id: string; source: SignalSource}>) {
    const n = Math.max(capacity, 16);
    this.timeMs = new Float64Array(n);
    this.equity = new Float64Array(n);
    this.positionQty = new Float64Array(n);
    this.ensembleScore = new Float64Array(n);
    this.ensembleConfidence = new Float64Array(n);
    this.ensembleActive = new Uint8Array(n);
    this.signals = analyzers.map((a) => ({
      id: a.id,
      source: a.source,
      score: new Float64Array(n),
      confidence: new Float64Array(n),
      active: new Uint8Array(n),
    }));
  }

  /** Makes room for bar `index`; doubles capacity when full (live mode only ever hits this). */
  ensure(index: number): void {
    if (index < this.timeMs.length) return;
    const size = Math.max(index + 1, this.timeMs.length * 2);
    const grow = <T extends Float64Array | Uint8Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(size);
      next.set(a);
      return next;
    };
    this.timeMs = grow(this.timeMs);
    this.equity = grow(this.equity);
    this.positionQty = grow(this.positionQty);
    this.ensembleScore = grow(this.ensembleScore);
    this.ensembleConfidence = grow(this.ensembleConfidence);
    this.ensembleActive = grow(this.ensembleActive);
    for (const s of this.signals) {
      s.score = grow(s.score);
      s.confidence = grow(s.confidence);
      s.active = grow(s.active);
    }
  }
}
