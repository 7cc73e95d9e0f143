import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import type {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';
import {deepFreeze} from './canonical.js';

/** yaml (CommonJS), required with the first YAML file: JSON configs and a sweep's workers never load it. */
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

/** Every zod issue on one line each, prefixed with where the value came from. */
export function formatIssues(origin: string, error: z.ZodError): string {
  return `${origin}: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
}

/** Validates `raw` with `schema` at the edge, then freezes it; failures are IFTB_E_CONFIG_INVALID. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, origin: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new IftbError(ErrorCode.CONFIG_INVALID, formatIssues(origin, result.error));
  return deepFreeze(result.data);
}

/** Reads a JSON (or, by extension, YAML: the runbook writes `alerts:` in YAML) config file; a missing or unreadable file is a clear CONFIG_INVALID error. */
export function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new IftbError(ErrorCode.CONFIG_INVALID, `config file ${path} not found`);
  try {
    const text = readFileSync(path, 'utf8');
    return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `config file ${path}: ${(error as Error).message}`);
  }
}

/** `key=value` overrides: value parsed as JSON when it is JSON (numbers, booleans), else a string. Dots nest. */
export function applyOverrides(target: Record<string, unknown>, pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(target);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new IftbError(ErrorCode.CONFIG_INVALID, `--param ${pair}: expected key=value`);
    const path = pair.slice(0, eq).split('.');
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // a plain string
    }
    setPath(out, path, value);
  }
  return out;
}

/** Sets `target[path[0]][path[1]]… = value`, creating objects on the way (mutates `target`). */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
