import type {Analyzer} from '../core/index.js';
import {type MlModelInfo, mlModelOf} from './strategy-kit.js';

export interface MlModelRun extends Omit<MlModelInfo, 'windowMs'> {
  /** The decision range overlaps the model's training or validation window. */
  readonly inSample: boolean;
  /** Decision bars inside that window. */
  readonly inSampleBars: number;
}

/** run.json `ml`: the models behind the ML analyzers and whether the run is in sample for any. */
export interface MlRunInfo {
  /** 'xgb-dir@3' (comma-separated when a strategy uses several models). */
  readonly model: string;
  readonly inSample: boolean;
  readonly decisionWindow: {readonly from: string; readonly to: string};
  readonly models: readonly MlModelRun[];
}

/** The ML models of a run and their overlap with the decision range [fromMs, toMs). */
export function mlRunInfo(analyzers: readonly Analyzer[], fromMs: number, toMs: number, timeframeMs: number): MlRunInfo | null {
  const models: MlModelRun[] = [];
  for (const analyzer of analyzers) {
    const info = mlModelOf(analyzer);
    if (!info) continue;
    const {windowMs, ...rest} = info;
    const overlapFrom = Math.max(fromMs, windowMs.fromMs);
    const overlapTo = Math.min(toMs, windowMs.toMs);
    const inSampleBars = overlapTo > overlapFrom ? Math.ceil((overlapTo - overlapFrom) / timeframeMs) : 0;
    models.push({...rest, inSample: inSampleBars > 0, inSampleBars});
  }
  if (models.length === 0) return null;
  return {
    model: models.map((m) => m.model).join(', '),
    inSample: models.some((m) => m.inSample),
    decisionWindow: {from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString()},
    models,
  };
}
