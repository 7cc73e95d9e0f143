/**
 * Tick and step arithmetic on float64. Prices and quantities stay `number` (DESIGN "Speed");
 * they are snapped to the instrument grid where orders and fills are made, so a fill price is
 * the same double that parsing its decimal text would give (byte-identical outputs).
 */

/** Relative tolerance, in grid units, for "is a multiple of" checks (brief: 1e-9). */
export const GRID_TOLERANCE = 1e-9;

/** A price or quantity grid (tick or step) with the arithmetic the hot path needs. */
export class Grid {
  readonly size: number;
  /** 1/size when it is an integer (0.1 → 10): dividing an integer by it is correctly rounded. */
  private readonly inverse: number;

  constructor(size: number) {
    if (!(size > 0) || !Number.isFinite(size)) throw new RangeError(`grid size must be > 0, got ${size}`);
    this.size = size;
    const inverse = Math.round(1 / size);
    this.inverse = inverse >= 1 && Math.abs(inverse * size - 1) < 1e-12 ? inverse : 0;
  }

  /** n grid units as the double nearest to the decimal n × size. */
  private fromUnits(units: number): number {
    return this.inverse > 0 ? units / this.inverse : units * this.size;
  }

  /**
   * True when value is a whole number of grid units, within GRID_TOLERANCE units plus the float
   * error of the division itself (a few ulps of the unit count, for large prices).
   */
  isMultiple(value: number): boolean {
    const units = value / this.size;
    return Math.abs(units - Math.round(units)) <= GRID_TOLERANCE + Math.abs(units) * 1e-15;
  }

  nearest(value: number): number {
    return this.fromUnits(Math.round(value / this.size));
  }

  /** Rounds up to the grid; a value already on the grid (within tolerance) stays put. */
  up(value: number): number {
    return this.fromUnits(Math.ceil(value / this.size - GRID_TOLERANCE));
  }

  /** Rounds down to the grid; a value already on the grid (within tolerance) stays put. */
  down(value: number): number {
    return this.fromUnits(Math.floor(value / this.size + GRID_TOLERANCE));
  }
}
