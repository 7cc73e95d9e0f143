/**
 * The ML signal source: a trained probability model over a versioned feature set.
 *
 * `prepare(bars, from, to, context)` computes the feature rows of bars [from, to) and runs the
 * model once over all complete rows (one batch for a backtest); `update` only reads the stored
 * probability, so the per-bar loop stays synchronous. Rows are causal (row t reads bars ≤ t and
 * funding settled by t's close), so a probability never changes when later bars are added or
 * removed. A prepare that continues where the previous one ended (live: one bar at a time) feeds
 * the incremental FeatureStream instead of recomputing columns; both give the same rows.
 *
 * Reading: p = P(close[t+h] > close[t]). score = clamp((2p − 1) / scale, −1, 1) and
 * confidence = |score|, where `scale` comes from the model's manifest (the 90th percentile of
 * |2p − 1| on its validation window; 1 gives the plain 2p − 1). Abstains during the feature
 * set's warm-up, on any NaN feature, and — saying why in `unavailable` — on a timeframe the model
 * was not trained for or when no funding rates are stored.
 */
import {abstain, type Analyzer, type AnalyzerContext, type BarColumns, type BarView, type ProbabilityModel, type SignalSlot} from '../../core/index.js';
import {featureSet, type FeatureSetSpec, type FundingRates} from './feature-set.js';
import {computeFeatures, createFeatureStream, type FeatureStreamLike} from './features.js';

/** One model of a walk-forward series: it scores the bars that open in [fromMs, toMs). */
export interface ModelSegment {
  readonly fromMs: number;
  readonly toMs: number;
  readonly scoreScale: number;
  readonly load: () => Promise<ProbabilityModel>;
}

export interface ModelAnalyzerOptions {
  /** 'ml.xgb-dir@3'. */
  readonly id: string;
  readonly featureSet: string;
  readonly featureNames: readonly string[];
  /** Timeframe the model was trained on, in ms; other timeframes abstain. */
  readonly timeframeMs: number;
  /** |2p − 1| that maps to a full-strength reading (default 1). */
  readonly scoreScale?: number;
  /** Loads the model on the first prepare (an ONNX session is async to create). */
  readonly load: () => Promise<ProbabilityModel>;
  /**
   * A walk-forward series instead of one model: each bar is scored by the segment whose span
   * holds its open time (batched per segment in prepare); bars outside every segment abstain.
   * `load` and `scoreScale` are then unused.
   */
  readonly segments?: readonly ModelSegment[];
}

export interface ModelAnalyzer extends Analyzer {
  /** Set when the source cannot answer (the run summary shows it); undefined while it can. */
  unavailable?: string;
  /** Probability per bar index (NaN where not prepared or abstaining), for reports and tests. */
  readonly probabilities: Float64Array;
  /** With segments: the segment that scored each bar index (−1 where none). */
  readonly segmentOfBar: Int32Array;
  /**
   * Live model reload: bars prepared from now on are scored by `next` (already loaded and checked
   * by the caller) with its score scale; bars already prepared keep their probabilities. Not for
   * walk-forward series.
   */
  replaceModel(next: ProbabilityModel, scoreScale: number): void;
}

export function createModelAnalyzer(options: ModelAnalyzerOptions): ModelAnalyzer {
  const set: FeatureSetSpec = featureSet(options.featureSet);
  if (set.names.length !== options.featureNames.length || set.names.some((name, k) => name !== options.featureNames[k])) {
    throw new RangeError(`${options.id}: the model's feature names do not match feature set ${set.id}`);
  }
  let scale = options.scoreScale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`${options.id}: score scale must be in (0, 1], got ${scale}`);
  const width = set.names.length;
  let model: ProbabilityModel | null = null;
  const segments = options.segments ?? null;
  for (const seg of segments ?? []) {
    if (!(seg.scoreScale > 0 && seg.scoreScale <= 1)) throw new RangeError(`${options.id}: score scale must be in (0, 1], got ${seg.scoreScale}`);
  }
  const segmentModels: Array<ProbabilityModel | null> = (segments ?? []).map(() => null);
  let probs = new Float64Array(0);
  let segOf = new Int32Array(0);
  let stream: FeatureStreamLike | null = null;
  let preparedTo = -1;
  const row = new Float64Array(width);

  const analyzer: ModelAnalyzer = {
    id: options.id,
    source: 'ml',
    warmupBars: set.warmupBars,
    usesFunding: set.usesFunding,
    unavailable: undefined,
    get probabilities() {
      return probs;
    },
    get segmentOfBar() {
      return segOf;
    },

    replaceModel(next: ProbabilityModel, scoreScale: number): void {
      if (segments !== null) throw new RangeError(`${options.id}: a walk-forward series cannot swap its model`);
      if (!(scoreScale > 0 && scoreScale <= 1)) throw new RangeError(`${options.id}: score scale must be in (0, 1], got ${scoreScale}`);
      model = next;
      scale = scoreScale;
    },

    async prepare(bars: BarColumns, from: number, to: number, context?: AnalyzerContext): Promise<void> {
      const tf = context?.timeframeMs ?? options.timeframeMs;
      if (tf !== options.timeframeMs) {
        analyzer.unavailable = `trained on ${options.timeframeMs / 60_000}m bars, not ${tf / 60_000}m: the ML source abstains`;
        return;
      }
      if (from >= to) return;
      const funding: FundingRates | null = context?.funding ?? null;
      if (set.usesFunding && (funding === null || funding.length === 0)) {
        analyzer.unavailable = `no funding rates stored for the range (${set.id} reads them): the ML source abstains`;
        return;
      }
      analyzer.unavailable = undefined;
      if (segments === null) model ??= await options.load();
      if (probs.length < bars.length) {
        const grown = new Float64Array(Math.max(bars.length, probs.length * 2)).fill(NaN);
        grown.set(probs);
        probs = grown;
        const grownSeg = new Int32Array(probs.length).fill(-1);
        grownSeg.set(segOf);
        segOf = grownSeg;
      }
      // Complete rows (past the warm-up, no NaN) as float32, and where they go.
      const start = Math.max(from, set.warmupBars);
      const target: number[] = [];
      let packed: Float32Array;
      if (from > 0 && from === preparedTo) {
        // Live: continue bar by bar; the stream catches up on the history once.
        stream ??= createFeatureStream(set.id, tf);
        for (let i = Math.max(0, stream.nextIndex); i < from; i++) stream.update(bars, i, funding, row);
        packed = new Float32Array((to - from) * width);
        for (let i = from; i < to; i++) {
          stream.update(bars, i, funding, row);
          if (i >= start && row.every((x) => x === x)) {
            packed.set(row, target.length * width);
            target.push(i);
          }
        }
      } else {
        const matrix = computeFeatures(set.id, bars, funding, tf, from, to);
        packed = new Float32Array(matrix.rows * width);
        for (let r = 0; r < matrix.rows; r++) {
          const i = from + r;
          if (i < start) continue;
          let complete = true;
          for (let k = 0; k < width && complete; k++) complete = matrix.data[k * matrix.rows + r] === matrix.data[k * matrix.rows + r];
          if (!complete) continue;
          const base = target.length * width;
          for (let k = 0; k < width; k++) packed[base + k] = matrix.data[k * matrix.rows + r];
          target.push(i);
        }
      }
      preparedTo = to;
      for (let i = from; i < to; i++) {
        probs[i] = NaN;
        segOf[i] = -1;
      }
      if (target.length === 0) return;
      if (segments === null) {
        const p = await model!.predict(packed.subarray(0, target.length * width), target.length);
        for (let r = 0; r < target.length; r++) probs[target[r]] = p[r];
        return;
      }
      // One batch per segment: the rows whose bar opens in its span.
      for (let k = 0; k < segments.length; k++) {
        const seg = segments[k];
        const rows: number[] = [];
        for (let r = 0; r < target.length; r++) {
          const t = bars.openTime[target[r]];
          if (t >= seg.fromMs && t < seg.toMs) rows.push(r);
        }
        if (rows.length === 0) continue;
        const batch = new Float32Array(rows.length * width);
        for (let j = 0; j < rows.length; j++) batch.set(packed.subarray(rows[j] * width, (rows[j] + 1) * width), j * width);
        const m = (segmentModels[k] ??= await seg.load());
        const p = await m.predict(batch, rows.length);
        for (let j = 0; j < rows.length; j++) {
          probs[target[rows[j]]] = p[j];
          segOf[target[rows[j]]] = k;
        }
      }
    },

    update(bars: BarView, out: SignalSlot): void {
      const index = bars.index;
      const p = index < probs.length ? probs[index] : NaN;
      if (p !== p) {
        abstain(out);
        return;
      }
      const sc = segments === null ? scale : segments[segOf[index]].scoreScale;
      const s = Math.max(-1, Math.min(1, (2 * p - 1) / sc));
      out.score = s;
      out.confidence = Math.abs(s);
      out.active = true;
    },
  };
  return analyzer;
}
