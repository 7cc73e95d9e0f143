/**
 * `iftb strategy new NAME [--dir DIR]`: a working strategy and its test, so a newcomer starts from
 * code that runs. In the repo's strategies/ folder the files follow the shipped ones (relative SDK
 * import, a vitest test under test/strategies/); anywhere else they import `iftb/sdk`, the test uses
 * node's own test runner (`iftb strategy test`), and a tsconfig.json points editors and tsc at the
 * SDK's type declarations in this iftb.
 */
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join, relative, resolve} from 'node:path';
import {ErrorCode, fromRoot, IftbError} from '../core/index.js';

export interface ScaffoldRequest {
  readonly name: string;
  /** Where the strategy goes (default: the repo's strategies/). */
  readonly dir?: string;
}

export interface Scaffold {
  readonly strategy: string;
  readonly test: string;
  /** tsconfig.json written beside a strategy outside the repo (with a package.json saying ES modules); null inside it. */
  readonly tsconfig: string | null;
  /** The commands that run the new strategy and its test. */
  readonly run: string;
  readonly runTest: string;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function scaffoldStrategy(request: ScaffoldRequest): Scaffold {
  const {name} = request;
  if (!NAME.test(name)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `strategy name '${name}': use lower-case letters, digits and dashes, starting with a letter (e.g. rsi-dip)`);
  }
  const dir = resolve(request.dir ?? fromRoot('strategies'));
  const inRepo = dir === fromRoot('strategies');
  const strategy = join(dir, `${name}.ts`);
  const test = inRepo ? fromRoot('test', 'strategies', `${name}.test.ts`) : join(dir, `${name}.test.ts`);
  const tsconfig = inRepo ? null : join(dir, 'tsconfig.json');
  for (const file of [strategy, test]) {
    if (existsSync(file)) throw new IftbError(ErrorCode.INPUT_INVALID, `${file} already exists; pick another name or remove it`);
  }
  mkdirSync(dir, {recursive: true});
  mkdirSync(join(test, '..'), {recursive: true});
  writeFileSync(strategy, strategySource(name, inRepo ? '../src/sdk.js' : 'iftb/sdk'));
  writeFileSync(test, inRepo ? vitestSource(name) : nodeTestSource(name));
  if (tsconfig !== null && !existsSync(tsconfig)) writeFileSync(tsconfig, `${JSON.stringify(tsconfigFor(), null, 2)}\n`);
  // Node reads .ts files as ES modules only under a package.json that says so.
  const pkg = join(dir, 'package.json');
  if (!inRepo && !existsSync(pkg)) writeFileSync(pkg, `${JSON.stringify({private: true, type: 'module'}, null, 2)}\n`);
  const shown = (file: string) => {
    const rel = relative(process.cwd(), file);
    return rel.startsWith('..') ? file : `./${rel}`;
  };
  return {
    strategy,
    test,
    tsconfig: tsconfig !== null && existsSync(tsconfig) ? tsconfig : null,
    run: `iftb backtest --strategy ${inRepo ? name : shown(strategy)} --from 2025-01-01`,
    runTest: inRepo ? `npx vitest run ${relative(fromRoot(), test)}` : `iftb strategy test ${shown(test)}`,
  };
}

function strategySource(name: string, sdk: string): string {
  return `import {defineStrategy, HOLD, type Intent, z} from '${sdk}';

/**
 * ${name}: RSI mean reversion. Goes long \`qty\` when RSI(period) closes below \`oversold\`, exits when
 * it closes above \`overbought\`. Edit freely: params are validated by the zod schema (an unknown
 * --param is an error), setup() asks for the readings decide() uses, decide() is called at every
 * bar's close and its intent fills at the next bar's open at the earliest.
 *
 *   iftb backtest --strategy ${sdk === 'iftb/sdk' ? `./${name}.ts` : name} --param period=10 --from 2025-01-01
 *   iftb check lookahead --strategy ${sdk === 'iftb/sdk' ? `./${name}.ts` : name}
 */
export default defineStrategy({
  name: '${name}',
  version: '0.1.0',
  description: 'RSI mean reversion, long only (scaffolded by iftb strategy new)',
  params: z
    .object({
      period: z.number().int().min(2).default(14),
      oversold: z.number().min(0).max(100).default(30),
      overbought: z.number().min(0).max(100).default(70),
      qty: z.number().positive().default(0.01),
    })
    .refine((p) => p.oversold < p.overbought, {message: 'oversold must be below overbought'}),
  setup: (p, kit) => ({indicators: {rsi: kit.ta.rsi(p.period)}}),
  decide(ctx, p): Intent {
    const rsi = ctx.values.rsi;
    if (Number.isNaN(rsi)) return HOLD; // still warming up
    if (rsi < p.oversold && ctx.positionQty <= 0) {
      return {kind: 'enter', side: 'long', reason: \`rsi \${rsi.toFixed(1)} < \${p.oversold}\`, sizing: {mode: 'fixed-qty', qty: p.qty}};
    }
    if (rsi > p.overbought && ctx.positionQty > 0) return {kind: 'exit', reason: \`rsi \${rsi.toFixed(1)} > \${p.overbought}\`};
    return HOLD;
  },
});
`;
}

/** The decision contexts both test templates build: a bar with an RSI reading and a position. */
const CONTEXT_HELPER = `/** A decision context at one bar: only the fields this strategy reads matter. */
function at(rsi: number, positionQty = 0): DecisionContext {
  return {
    index: 100, timeMs: Date.UTC(2025, 0, 1), open: 100, high: 101, low: 99, close: 100, volume: 1,
    bars: undefined as never, values: {rsi}, previous: {rsi}, signals: [], ensemble: {score: 0, confidence: 0, active: false},
    positionQty, entryPrice: positionQty === 0 ? NaN : 100, equity: 100_000, state: 'active',
  } as unknown as DecisionContext;
}`;

function vitestSource(name: string): string {
  return `import {describe, expect, it} from 'vitest';
import type {DecisionContext} from '../../src/sdk.js';
import strategy from '../../strategies/${name}.js';

${CONTEXT_HELPER}

describe('strategy ${name}', () => {
  const params = strategy.params.parse({});

  it('buys below oversold, exits above overbought, holds otherwise', () => {
    expect(strategy.decide(at(25), params)).toMatchObject({kind: 'enter', side: 'long'});
    expect(strategy.decide(at(75, 0.01), params)).toMatchObject({kind: 'exit'});
    expect(strategy.decide(at(50, 0.01), params)).toEqual({kind: 'hold'});
    expect(strategy.decide(at(NaN), params)).toEqual({kind: 'hold'});
  });

  it('refuses oversold above overbought', () => {
    expect(() => strategy.params.parse({oversold: 80, overbought: 20})).toThrow(/oversold must be below overbought/);
  });
});
`;
}

function nodeTestSource(name: string): string {
  return `// Run with: iftb strategy test ./${name}.test.ts   (node's test runner, TypeScript and iftb/sdk set up)
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {DecisionContext} from 'iftb/sdk';
import strategy from './${name}.ts';

${CONTEXT_HELPER}

const params = strategy.params.parse({});

test('buys below oversold, exits above overbought, holds otherwise', () => {
  assert.equal(strategy.decide(at(25), params).kind, 'enter');
  assert.equal(strategy.decide(at(75, 0.01), params).kind, 'exit');
  assert.deepEqual(strategy.decide(at(50, 0.01), params), {kind: 'hold'});
  assert.deepEqual(strategy.decide(at(NaN), params), {kind: 'hold'});
});

test('refuses oversold above overbought', () => {
  assert.throws(() => strategy.params.parse({oversold: 80, overbought: 20}), /oversold must be below overbought/);
});
`;
}

/** Type checking outside the repo: `iftb/sdk` maps to this iftb's declarations, node's types from its node_modules. */
function tsconfigFor(): Record<string, unknown> {
  const sdkTypes = fromRoot('dist', 'src', 'sdk.d.ts');
  return {
    compilerOptions: {
      target: 'ES2023',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      typeRoots: [fromRoot('node_modules', '@types')],
      types: ['node'],
      paths: {'iftb/sdk': [sdkTypes]},
    },
    include: ['*.ts'],
  };
}

