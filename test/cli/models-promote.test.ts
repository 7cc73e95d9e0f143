/** iftb models promote | pin | rollback | history through the built binary, on a tiny model trained once in-process. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';
import {openRegistry} from '../../src/app/models.js';
import {trainModel} from '../../src/app/train.js';
import {iftb} from '../support/cli.js';
import {writeInvertedVersion} from '../support/model-variants.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

describe('iftb models promote, pin, rollback, history', {timeout: 300_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-promote-'));
  const models = join(dir, 'models');
  const config = join(dir, 'live.json');
  const where = ['--models-dir', models];
  const promote = (...args: string[]) =>
    iftb(['models', 'promote', ...args, '--db', join(dir, 'store.duckdb'), ...where, '--reports-dir', join(dir, 'reports'), '--config', config, '--to', '2024-04-01'], {IFTB_OPERATOR: 'alice'});

  beforeAll(async () => {
    const store = await DuckDbStore.open(join(dir, 'store.duckdb'));
    try {
      await trainModel(store, {name: 'tiny', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}, seed: 1}, {modelsDir: models});
    } finally {
      store.close();
    }
    writeInvertedVersion(openRegistry(models), 'tiny', '1', '2');
    writeFileSync(config, JSON.stringify({
      strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', params: {model: 'tiny@live'},
      live: {onExit: 'keep'},
      promotion: {minSharpe: -100, maxDrawdown: 1, minAuc: 0, maxLogLoss: 10, minHitRate: 0, champion: {resamples: 300}},
    }));
  }, 300_000);
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('refuses a plain pin to live and --force without a reason, each in one line', async () => {
    const pin = await iftb(['models', 'pin', 'tiny@1', ...where]);
    expect(pin.code).toBe(2);
    expect(pin.stderr.trim()).toMatch(/^error: the 'live' channel changes only through the promotion gates: run `iftb models promote tiny@1 --channel live`/);
    const force = await promote('tiny@1', '--force');
    expect(force.code).toBe(2);
    expect(force.stderr.trim()).toBe('error: --force needs --reason "…": why the gates are overridden is recorded in the channel history');
  });

  it('promotes, refuses a worse model with exit code 5 and the gate table, forces it with a reason, rolls back, and prints the history', async () => {
    const first = await promote('tiny@1');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/champion\s+pass\s+no champion on this channel \(first promotion to tiny@live: nothing to compare with\)/);
    expect(first.stdout).toMatch(/auc\s+pass\s+AUC 0\.\d{4} over \d+ rows\s+AUC ≥ 0/);
    expect(first.stdout.trim().split('\n').at(-1)).toBe('tiny@live → 1: promoted, all 12 gates passed; history entry #1 (iftb models history tiny)');

    const worse = await promote('tiny@2');
    expect(worse.code).toBe(5);
    expect(worse.stdout).toMatch(/champion\s+FAIL\s+hit rate \d+\.\d\d% vs the champion's \d+\.\d\d% \(drop/);
    expect(worse.stderr.trim().split('\n')).toHaveLength(1);
    expect(worse.stdout).toMatch(/\nchampion: vs tiny@1: Sharpe .*; verdict: .* — /);
    expect(worse.stderr).toMatch(/^error: tiny@2 refused for tiny@live: 1 gate failed \(champion: hit rate/);

    const forced = await promote('tiny@2', '--force', '--reason', 'shadow showed it right', '--by', 'bob');
    expect(forced.code).toBe(0);
    expect(forced.stdout.trim().split('\n').at(-1)).toBe('tiny@live → 2 (was 1): FORCED over 1 failed gate by bob ("shadow showed it right"); history entry #2 (iftb models history tiny)');

    const back = await iftb(['models', 'rollback', 'tiny', '--reason', 'drawdown', ...where], {IFTB_OPERATOR: 'carol'});
    expect(back.stdout.trim()).toBe('tiny@live → 1 (rolled back from 2)');

    const history = await iftb(['models', 'history', 'tiny', ...where]);
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^#\s+at\s+action\s+channel\s+version\s+by\s+gates\s+reason$/);
    expect(lines.slice(-3).map((l) => l.split(/\s{2,}/).slice(0, 8))).toEqual([
      ['1', expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'promote', 'live', '- → 1', 'alice', '12 passed', '-'],
      ['2', expect.stringMatching(/^\d{4}-/), 'force', 'live', '1 → 2', 'bob', '1 failed: champion', 'shadow showed it right'],
      ['3', expect.stringMatching(/^\d{4}-/), 'rollback', 'live', '2 → 1', 'carol', '-', 'drawdown'],
    ]);
    const json = JSON.parse((await iftb(['models', 'history', 'tiny', '--json', ...where])).stdout);
    expect(json.map((e: {action: string}) => e.action)).toEqual(['promote', 'force', 'rollback']);
    expect(json[1].gates.find((g: {gate: string}) => g.gate === 'champion')).toMatchObject({pass: false});
  });
});
