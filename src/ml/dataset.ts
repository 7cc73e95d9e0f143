/**
 * Supervised rows from candles: which bars are trained on, which validate, and their labels.
 *
 * Label `sign(return, h bars)`: 1 if close[t+h] > close[t], else 0. A row needs its label bar
 * inside the window (t + h loaded and before `to`); rows whose future is unknown are dropped.
 * Validation is the last 20 % of the window by time; training rows whose label bar falls at or
 * after the first validation bar are purged (an embargo of h bars), so no training label reads a
 * price the validation window scores against. Rows inside the feature set's warm-up are dropped.
 */
import {type BarColumns, ErrorCode, IftbError} from '../core/index.js';

export interface LabelSpec {
  /** The text the user gave, normalised: 'sign(return, 12 bars)'. */
  readonly definition: string;
  readonly kind: 'sign-return';
  readonly horizonBars: number;
  /** Human-readable rule for the manifest. */
  readonly rule: string;
}

const SIGN_RETURN = /^\s*sign\s*\(\s*return\s*,\s*(\d+)\s*(?:bars?)?\s*\)\s*$/i;

export function parseLabel(text: string): LabelSpec {
  const match = SIGN_RETURN.exec(text);
  const h = match ? Number(match[1]) : NaN;
  if (!(Number.isInteger(h) && h >= 1 && h <= 10_000)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `unknown label '${text}' (expected e.g. "sign(return, 12 bars)")`);
  }
  return {
    definition: `sign(return, ${h} bars)`,
    kind: 'sign-return',
    horizonBars: h,
    rule: `1 if close[t+${h}] > close[t] else 0; rows whose label bar is not in the window are dropped`,
  };
}

export interface DatasetSplit {
  /** Bar indices of training rows, ascending. */
  readonly train: Int32Array;
  /** Bar indices of validation rows, ascending. */
  readonly validation: Int32Array;
  /** Labels per bar index (NaN where a row has none). */
  readonly labels: Float32Array;
  /** First bar time of the validation window. */
  readonly splitMs: number;
  /** Training rows dropped because their label reads into the validation window. */
  readonly purged: number;
}

export interface SplitOptions {
  readonly bars: BarColumns;
  readonly timeframeMs: number;
  readonly label: LabelSpec;
  /** Window [fromMs, toMs) of row times. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Rows before this bar index are warm-up. */
  readonly warmupBars: number;
  /** Share of the window (by time, at its end) used for validation. */
  readonly validationFraction?: number;
  /** First validation bar time, instead of `validationFraction` (walk-forward folds). */
  readonly splitMs?: number;
}

export function splitDataset(options: SplitOptions): DatasetSplit {
  const {bars, timeframeMs: tf, label, fromMs, toMs, warmupBars} = options;
  const h = label.horizonBars;
  const fraction = options.validationFraction ?? 0.2;
  const n = bars.length;
  const t = bars.openTime;
  const splitMs = options.splitMs ?? fromMs + Math.floor(((toMs - fromMs) * (1 - fraction)) / tf) * tf;
  const labels = new Float32Array(n).fill(NaN);
  let firstValid = n;
  for (let i = 0; i < n; i++) {
    if (t[i] >= splitMs) {
      firstValid = i;
      break;
    }
  }
  const train: number[] = [];
  const validation: number[] = [];
  let purged = 0;
  for (let i = Math.max(0, warmupBars); i + h < n; i++) {
    if (t[i] < fromMs || t[i] >= toMs) continue;
    if (t[i + h] >= toMs) continue;
    labels[i] = bars.close[i + h] > bars.close[i] ? 1 : 0;
    if (i >= firstValid) validation.push(i);
    else if (i + h < firstValid) train.push(i);
    else purged++;
  }
  return {train: Int32Array.from(train), validation: Int32Array.from(validation), labels, splitMs, purged};
}
