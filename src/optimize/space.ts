/**
 * Search spaces: integer, float and choice parameters with constraints between them. A space
 * comes from a JSON file, from `--range key=lo..hi[:step]` flags, or from the `space` a strategy
 * declares beside its parameter schema. Dotted keys (`weights.ta`) set nested strategy params.
 */
import {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';
import {formatIssues, setPath} from '../config/index.js';
import {type Expression, parseExpression} from './expression.js';

export type ParamValue = number | string | boolean;
/** One point of a space: a value per parameter key, in the space's key order. */
export type Point = Readonly<Record<string, ParamValue>>;

const IntSpec = z.object({type: z.literal('int'), min: z.number().int(), max: z.number().int(), step: z.number().int().positive().default(1), log: z.boolean().default(false)}).strict();
const FloatSpec = z.object({type: z.literal('float'), min: z.number(), max: z.number(), step: z.number().positive().optional(), log: z.boolean().default(false)}).strict();
const ChoiceSpec = z.object({type: z.literal('choice'), values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1)}).strict();
export const ParamSpecSchema = z.discriminatedUnion('type', [IntSpec, FloatSpec, ChoiceSpec]);
export const SearchSpaceSchema = z
  .object({
    params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'a parameter key is a name or dotted path'), ParamSpecSchema),
    constraints: z.array(z.string()).default([]),
  })
  .strict();

export type ParamSpec = z.output<typeof ParamSpecSchema>;
export type SearchSpaceInput = z.input<typeof SearchSpaceSchema>;

export interface SearchSpace {
  readonly keys: readonly string[];
  readonly specs: Readonly<Record<string, ParamSpec>>;
  readonly constraints: readonly Expression[];
}

/** Validates a space (file contents, a strategy's declaration or merged --range flags). */
export function parseSpace(raw: unknown, origin = 'search space'): SearchSpace {
  const parsed = SearchSpaceSchema.safeParse(raw);
  if (!parsed.success) throw new IftbError(ErrorCode.CONFIG_INVALID, formatIssues(origin, parsed.error));
  const specs = parsed.data.params;
  const keys = Object.keys(specs);
  if (keys.length === 0) throw new IftbError(ErrorCode.CONFIG_INVALID, `${origin}: no parameters to search`);
  for (const key of keys) {
    const s = specs[key];
    if (s.type === 'choice') continue;
    if (!(s.min <= s.max)) throw new IftbError(ErrorCode.CONFIG_INVALID, `${origin}: ${key}: min ${s.min} is above max ${s.max}`);
    if (s.log && !(s.min > 0)) throw new IftbError(ErrorCode.CONFIG_INVALID, `${origin}: ${key}: a log range needs min > 0`);
    if (s.log && s.step !== undefined && !(s.type === 'int' && s.step === 1)) {
      throw new IftbError(ErrorCode.CONFIG_INVALID, `${origin}: ${key}: a log range takes no step`);
    }
  }
  const constraints = parsed.data.constraints.map((c) => parseExpression(c, keys));
  return {keys, specs, constraints};
}

/**
 * `--range` flags: `key=lo..hi` (integers → int, else float), `key=lo..hi:step`, `key=lo..hi:log`,
 * `key=a,b,c` (choice; numbers and true/false parsed). Later flags for the same key win.
 */
export function spaceFromRanges(ranges: readonly string[], constraints: readonly string[] = []): SearchSpaceInput {
  const params: Record<string, unknown> = {};
  for (const range of ranges) {
    const eq = range.indexOf('=');
    if (eq <= 0) throw new IftbError(ErrorCode.INPUT_INVALID, `--range ${range}: expected key=lo..hi[:step], key=lo..hi:log or key=a,b,c`);
    const key = range.slice(0, eq);
    const body = range.slice(eq + 1);
    const m = /^(-?[\d.]+(?:e-?\d+)?)\.\.(-?[\d.]+(?:e-?\d+)?)(?::(log|[\d.]+(?:e-?\d+)?))?$/.exec(body);
    if (m) {
      const [lo, hi] = [Number(m[1]), Number(m[2])];
      const log = m[3] === 'log';
      const step = m[3] !== undefined && !log ? Number(m[3]) : undefined;
      if (![lo, hi, step ?? 1].every(Number.isFinite)) throw new IftbError(ErrorCode.INPUT_INVALID, `--range ${range}: not numbers`);
      const integral = Number.isInteger(lo) && Number.isInteger(hi) && (step === undefined || Number.isInteger(step)) && !/[.e]/.test(`${m[1]}${m[2]}`);
      params[key] = integral ? {type: 'int', min: lo, max: hi, ...(step ? {step} : {}), log} : {type: 'float', min: lo, max: hi, ...(step ? {step} : {}), log};
    } else if (body.includes(',') || body.length > 0) {
      params[key] = {type: 'choice', values: body.split(',').map(parseChoice)};
    }
  }
  return {params: params as SearchSpaceInput['params'], constraints: [...constraints]};
}

function parseChoice(text: string): ParamValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** Number of distinct values of a numeric parameter on its step lattice (Infinity without a step). */
export function levels(spec: ParamSpec): number {
  if (spec.type === 'choice') return spec.values.length;
  if (spec.type === 'int') return spec.log ? spec.max - spec.min + 1 : Math.floor((spec.max - spec.min) / spec.step) + 1;
  return spec.step === undefined ? Infinity : Math.floor((spec.max - spec.min) / spec.step + 1e-9) + 1;
}

/** Snaps a value onto the parameter's lattice and range (ints and stepped floats). */
export function snap(spec: ParamSpec, value: number): number {
  if (spec.type === 'choice') return value;
  const clamped = Math.min(spec.max, Math.max(spec.min, value));
  if (spec.type === 'int' && spec.log) return Math.round(clamped);
  const step = spec.type === 'int' ? spec.step : spec.step;
  if (step === undefined) return clamped;
  const k = Math.round((clamped - spec.min) / step);
  // Rounded to 12 significant digits so 0.1 + 2·0.1 prints as 0.3 and hashes the same everywhere.
  return Number((spec.min + Math.min(k, levels(spec) - 1) * step).toPrecision(12));
}

/** Unit coordinate u ∈ [0, 1] ↔ value, linear or logarithmic (the samplers work in u). */
export function fromUnit(spec: Exclude<ParamSpec, {type: 'choice'}>, u: number): number {
  const lo = spec.type === 'int' && !spec.log ? spec.min - spec.step / 2 : spec.min;
  const hi = spec.type === 'int' && !spec.log ? spec.max + spec.step / 2 : spec.max;
  const x = spec.log ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
  return snap(spec, x);
}

export function toUnit(spec: Exclude<ParamSpec, {type: 'choice'}>, value: number): number {
  const lo = spec.type === 'int' && !spec.log ? spec.min - spec.step / 2 : spec.min;
  const hi = spec.type === 'int' && !spec.log ? spec.max + spec.step / 2 : spec.max;
  if (hi === lo) return 0.5;
  return spec.log ? (Math.log(value) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (value - lo) / (hi - lo);
}

/** True when every constraint holds (a constraint reading a non-number value fails). */
export function satisfies(space: SearchSpace, point: Point): boolean {
  const vars = (name: string) => (typeof point[name] === 'number' ? (point[name] as number) : typeof point[name] === 'boolean' ? Number(point[name]) : null);
  return space.constraints.every((c) => c.evaluate(vars) === 1);
}

/** A point's parameters as nested strategy params (`weights.ta` → {weights: {ta}}), over `base`. */
export function paramsOf(point: Point, base: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(point)) setPath(out, key.split('.'), value);
  return out;
}

/** Stable text key of a point (dedupe, storage). */
export function pointKey(space: SearchSpace, point: Point): string {
  return JSON.stringify(space.keys.map((k) => point[k]));
}
