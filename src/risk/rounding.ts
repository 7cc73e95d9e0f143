/**
 * Step and tick rounding on float64 without float dust and without allocating (no toFixed, no
 * strings): a value is turned into a whole number of grid units, and the units back into the
 * double nearest to the decimal `units × step`, by one correctly rounded division by a power of
 * ten. So 3 × 0.1 comes back as 0.3, not 0.30000000000000004.
 */

/** Grid-unit slack for values that are on the grid up to float error (0.3 / 0.1 = 2.9999999999999996). */
const UNIT_TOLERANCE = 1e-9;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Decimal places of a step (0.001 → 3, 0.5 → 1, 5 → 0); at most 15. */
export function stepDecimals(step: number): number {
  for (let d = 0; d < 15; d++) {
    const scaled = step * POW10[d];
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, scaled)) return d;
  }
  return 15;
}

/** `units` grid units as the double nearest to the decimal units × step. */
function fromUnits(units: number, step: number): number {
  const d = stepDecimals(step);
  const scale = POW10[d];
  const stepUnits = Math.round(step * scale);
  const scaled = units * stepUnits;
  // Exact integer arithmetic while below 2^53; beyond that plain multiplication is as good as any.
  return Math.abs(scaled) < 9_007_199_254_740_992 ? scaled / scale : units * step;
}

/** Rounds to the nearest multiple of step. */
export function roundToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
  return fromUnits(Math.round(value / step), step);
}

/** Rounds down to a multiple of step; a value already on the grid (up to float error) stays put. */
export function floorToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
  return fromUnits(Math.floor(value / step + UNIT_TOLERANCE), step);
}

/** Rounds up to a multiple of step; a value already on the grid (up to float error) stays put. */
export function ceilToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
  return fromUnits(Math.ceil(value / step - UNIT_TOLERANCE), step);
}
