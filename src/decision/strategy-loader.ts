import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {basename, extname, join, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {ErrorCode, fromRoot, IftbError} from '../core/index.js';
import {isStrategy, type StrategyDefinition} from './strategy.js';

const sourceHashes = new WeakMap<StrategyDefinition, string>();

/**
 * sha256 of the module a strategy was loaded from: part of the run identity, so editing a strategy
 * without bumping its version still changes the run id. Undefined for strategies defined in code.
 */
export function strategySourceHash(strategy: StrategyDefinition): string | undefined {
  return sourceHashes.get(strategy);
}

/** Built strategies (dist/strategies/*.js) when running compiled, the sources under vitest. */
function strategiesDir(): {dir: string; ext: string} {
  const compiled = fileURLToPath(import.meta.url).includes(`${join('dist', 'src')}`);
  return compiled ? {dir: fromRoot('dist', 'strategies'), ext: '.js'} : {dir: fromRoot('strategies'), ext: '.ts'};
}

export function listStrategies(): string[] {
  const {dir, ext} = strategiesDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'))
    .map((f) => basename(f, ext))
    .sort();
}

/** Loads a shipped strategy by name, or a compiled strategy module by path (.js/.mjs). */
export async function loadStrategy(nameOrPath: string): Promise<StrategyDefinition> {
  let file: string;
  if (/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath)) {
    const {dir, ext} = strategiesDir();
    file = join(dir, `${nameOrPath}${ext}`);
    if (!existsSync(file)) {
      throw new IftbError(ErrorCode.INPUT_INVALID, `unknown strategy '${nameOrPath}' (shipped: ${listStrategies().join(', ')})`);
    }
  } else {
    file = resolve(nameOrPath);
    if (!existsSync(file)) throw new IftbError(ErrorCode.INPUT_INVALID, `strategy file ${nameOrPath} not found`);
  }
  let module: {default?: unknown};
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `cannot load strategy ${file}: ${(error as Error).message}`, {cause: error});
  }
  const strategy = module.default;
  if (!isStrategy(strategy)) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `${file} must export default defineStrategy({...})`);
  }
  const expected = basename(file, extname(file));
  if (/^[a-z0-9-]+$/.test(expected) && strategy.name !== expected) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `${file} defines strategy '${strategy.name}', expected '${expected}'`);
  }
  if (!/^\d+\.\d+\.\d+/.test(strategy.version)) {
    throw new IftbError(ErrorCode.STRATEGY_FAILED, `strategy ${strategy.name}: version '${strategy.version}' is not semver`);
  }
  sourceHashes.set(strategy, createHash('sha256').update(readFileSync(file)).digest('hex'));
  return strategy;
}

/** Parses strategy params through the strategy's zod schema; every issue in one message. */
export function parseParams(strategy: StrategyDefinition, raw: unknown): unknown {
  const result = strategy.params.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
    throw new IftbError(ErrorCode.CONFIG_INVALID, `strategy ${strategy.name} params: ${issues}`);
  }
  return result.data;
}
