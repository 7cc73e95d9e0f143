import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {basename, extname, join, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {ErrorCode, fromRoot, IftbError} from '../core/index.js';
import {isStrategy, type StrategyDefinition} from './strategy.js';
import {importModule, isTypeScriptFile} from './typescript-import.js';

const sourceHashes = new WeakMap<StrategyDefinition, string>();
const sourceFiles = new WeakMap<StrategyDefinition, string>();

/** The file a strategy was loaded from (to point at it in errors); undefined for strategies defined in code. */
export function strategySourceFile(strategy: StrategyDefinition): string | undefined {
  return sourceFiles.get(strategy);
}

/**
 * sha256 of the module a strategy was loaded from: part of the run identity, so editing a strategy
 * without bumping its version still changes the run id. Undefined for strategies defined in code.
 */
export function strategySourceHash(strategy: StrategyDefinition): string | undefined {
  return sourceHashes.get(strategy);
}

/** Running compiled (dist/), where Node cannot import .ts itself; under vitest the sources load as they are. */
const COMPILED = fileURLToPath(import.meta.url).includes(`${join('dist', 'src')}`);

/** Built strategies (dist/strategies/*.js) when running compiled, the sources under vitest. */
function strategiesDir(): {dir: string; ext: string} {
  return COMPILED ? {dir: fromRoot('dist', 'strategies'), ext: '.js'} : {dir: fromRoot('strategies'), ext: '.ts'};
}

/** Strategies by name: built ones, and sources in strategies/ not built yet (a fresh `iftb strategy new`). */
export function listStrategies(): string[] {
  const names = new Set<string>();
  for (const {dir, ext} of [strategiesDir(), {dir: fromRoot('strategies'), ext: '.ts'}]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith(ext) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts')) names.add(basename(f, ext));
  }
  return [...names].sort();
}

function strategyFileByName(name: string): string | null {
  const {dir, ext} = strategiesDir();
  const built = join(dir, `${name}${ext}`);
  if (existsSync(built)) return built;
  const source = fromRoot('strategies', `${name}.ts`);
  return existsSync(source) ? source : null;
}

/**
 * Loads a shipped strategy by name (strategies/NAME), or a strategy module by path: TypeScript
 * (.ts, compiled on the fly) or JavaScript (.js/.mjs), anywhere on disk, importing `iftb/sdk`.
 */
export async function loadStrategy(nameOrPath: string): Promise<StrategyDefinition> {
  let file: string;
  const byName = /^[a-z0-9][a-z0-9-]*$/.test(nameOrPath);
  if (byName) {
    const found = strategyFileByName(nameOrPath);
    if (found === null) {
      throw new IftbError(ErrorCode.INPUT_INVALID, `unknown strategy '${nameOrPath}' (shipped: ${listStrategies().join(', ')}; or give a path, e.g. ./${nameOrPath}.ts)`);
    }
    file = found;
  } else {
    file = resolve(nameOrPath);
    if (!existsSync(file)) throw new IftbError(ErrorCode.INPUT_INVALID, `strategy file ${nameOrPath} not found`);
  }
  let module: {default?: unknown};
  try {
    // Under vitest every module is compiled already, so only the built CLI needs the TypeScript loader.
    module = COMPILED ? await importModule(file, isTypeScriptFile(file)) : await import(pathToFileURL(file).href);
  } catch (error) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `cannot load strategy ${file}: ${firstLines(error)}`, {cause: error});
  }
  const strategy = module.default;
  if (!isStrategy(strategy)) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `${file} must export default defineStrategy({...})`);
  }
  // By name, the file is the strategy's identity; a path may hold any strategy (its own name is reported).
  const expected = basename(file, extname(file));
  if (byName && strategy.name !== expected) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `${file} defines strategy '${strategy.name}', expected '${expected}'`);
  }
  if (!/^\d+\.\d+\.\d+/.test(strategy.version)) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `strategy ${strategy.name}: version '${strategy.version}' is not semver`);
  }
  sourceHashes.set(strategy, createHash('sha256').update(readFileSync(file)).digest('hex'));
  sourceFiles.set(strategy, file);
  return strategy;
}

/** An import error in one line; a compile error as esbuild's message and its file:line:column. */
function firstLines(error: unknown): string {
  const lines = String((error as {message?: string}).message ?? error).split('\n');
  const compile = lines.map((l) => /^(.*):(\d+):(\d+): ERROR: (.*)$/.exec(l.trim())).find((m) => m !== null);
  if (compile) return `${compile[4]} (${basename(compile[1])}:${compile[2]}:${compile[3]})`;
  return lines[0];
}

/**
 * Parses strategy params through the strategy's zod schema; every issue in one message. A key the
 * schema does not name is an error listing the strategy's parameters: zod objects drop unknown
 * keys, so a typo (`fsat=10`) would otherwise run silently on the default.
 */
export function parseParams(strategy: StrategyDefinition, raw: unknown): unknown {
  assertKnownParams(strategy.name, strategy.params, raw, []);
  const result = strategy.params.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
    throw new IftbError(ErrorCode.CONFIG_INVALID, `strategy ${strategy.name} params: ${issues}`);
  }
  return result.data;
}

type Shape = Readonly<Record<string, unknown>>;

/** The object shape behind a params schema (through defaults, optionals, refinements and pipes); null if it is not an object or takes any key. */
function objectShape(schema: unknown): Shape | null {
  let node = schema as {_zod?: {def?: Record<string, unknown>}} | undefined;
  for (let depth = 0; depth < 16 && node; depth++) {
    const def = node._zod?.def;
    if (!def) return null;
    if (def.type === 'object') {
      const catchall = def.catchall as {_zod?: {def?: {type?: string}}} | undefined;
      return catchall && catchall._zod?.def?.type !== 'never' ? null : (def.shape as Shape);
    }
    node = (def.innerType ?? def.in ?? def.schema) as typeof node;
  }
  return null;
}

function assertKnownParams(strategy: string, schema: unknown, raw: unknown, path: readonly string[]): void {
  const shape = objectShape(schema);
  if (shape === null || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
  const known = Object.keys(shape);
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(shape, key)) {
      const name = [...path, key].join('.');
      const close = closest(key, known);
      const where = path.length === 0 ? 'its parameters' : `parameters under ${path.join('.')}`;
      throw new IftbError(
        ErrorCode.CONFIG_INVALID,
        `strategy ${strategy} has no parameter '${name}'${close ? ` (did you mean '${[...path, close].join('.')}'?)` : ''}; ${where}: ${known.join(', ') || 'none'}`,
      );
    }
    assertKnownParams(strategy, shape[key], value, [...path, key]);
  }
}

/** The known name within edit distance 2 of `name`, if there is exactly one best. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions (so `fsat` is one edit from `fast`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
