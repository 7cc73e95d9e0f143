/** Dispatch by feature-set id, so callers name a set rather than import its implementation. */
import type {BarColumns} from '../../core/index.js';
import {featureSet, type FundingRates, OHLCV_V1} from './feature-set.js';
import {computeOhlcvV1, type FeatureMatrix} from './ohlcv-v1-columns.js';
import {FeatureStream} from './ohlcv-v1-stream.js';

export interface FeatureStreamLike {
  readonly nextIndex: number;
  update(bars: BarColumns, index: number, funding: FundingRates | null, out: Float64Array): void;
}

/** Columnar feature rows of bars [from, to) (computed from bar 0, since readings need history). */
export function computeFeatures(setId: string, bars: BarColumns, funding: FundingRates | null, timeframeMs: number, from = 0, to = bars.length): FeatureMatrix {
  const set = featureSet(setId);
  if (set.id === OHLCV_V1.id) return computeOhlcvV1(bars, funding, timeframeMs, from, to);
  throw new RangeError(`no implementation for feature set ${set.id}`);
}

/** The per-bar implementation of a feature set (live). */
export function createFeatureStream(setId: string, timeframeMs: number): FeatureStreamLike {
  const set = featureSet(setId);
  if (set.id === OHLCV_V1.id) return new FeatureStream(timeframeMs);
  throw new RangeError(`no implementation for feature set ${set.id}`);
}
