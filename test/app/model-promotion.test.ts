/**
 * iftb models promote end to end in-process: two tiny models trained once (seconds), an inverted
 * copy of one (a model that reads the market backwards), gates on the month after their training.
 */
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openRegistry} from '../../src/app/models.js';
import {type GateResult, pinModel, promoteModel, type PromoteRequest, PromotionRefusedError, rollbackModel} from '../../src/app/model-promotion.js';
import {trainModel} from '../../src/app/train.js';
import {ErrorCode, IftbError} from '../../src/core/index.js';
import {writeInvertedVersion} from '../support/model-variants.js';
import {BUSY_ENSEMBLE} from '../support/ensemble-params.js';
import {useSampleStore} from '../support/sample-store.js';
import ensemble from '../../strategies/ensemble.js';

const ENSEMBLE = `ensemble@${ensemble.version}`;

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const TRAIN = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}};
/** Thresholds a tiny model on one month can meet, so each test isolates the gate it is about (the defaults are tested in test/ml). */
const LENIENT = {minSharpe: -100, maxDrawdown: 1, minAuc: 0, maxLogLoss: 10, minHitRate: 0, champion: {resamples: 300}};
const CONFIG = {strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', params: {...BUSY_ENSEMBLE, model: 'tiny@live'}, promotion: LENIENT};

describe('model promotion through the gates', {timeout: 300_000}, () => {
  const sample = useSampleStore();
  let dir = '';
  const models = () => join(dir, 'models');
  const registry = () => openRegistry(models());
  const promote = (request: Partial<PromoteRequest> & {ref: string}) =>
    promoteModel(sample.store(), {toMs: day(2024, 4, 1), config: CONFIG, by: 'tester', ...request}, {modelsDir: models(), reportsDir: join(dir, 'reports'), now: () => new Date(Date.UTC(2024, 4, 1))});
  const refusal = async (request: Partial<PromoteRequest> & {ref: string}) => {
    try {
      await promote(request);
    } catch (error) {
      if (error instanceof PromotionRefusedError) return error;
      throw error;
    }
    throw new Error(`${request.ref} was promoted`);
  };
  const failed = (e: PromotionRefusedError) => e.outcome.gates.filter((g) => !g.pass).map((g) => g.gate);
  const gate = (e: {gates: readonly GateResult[]}, id: string) => e.gates.find((g) => g.gate === id)!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-promote-'));
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 1}, {modelsDir: models()});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 2, params: {rounds: 20, max_depth: 2}}, {modelsDir: models()});
    writeInvertedVersion(registry(), 'tiny', '1', '3');
    writeInvertedVersion(registry(), 'tiny', '2', '4');
    writeInvertedVersion(registry(), 'tiny', '2', '5');
  }, 300_000);
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('refuses the live channel on a plain pin, naming promote', () => {
    expect(() => pinModel(registry(), 'tiny@1', 'live')).toThrow(/the 'live' channel changes only through the promotion gates: run `iftb models promote tiny@1 --channel live`/);
    expect(registry().channels('tiny').channels.live).toBeUndefined();
  });

  it('promotes a good first model: every gate passes with its figure, the champion gate notes there is none', async () => {
    const o = await promote({ref: 'tiny@1'});
    expect(o).toMatchObject({model: 'tiny@1', channel: 'live', champion: null, passed: true, forced: false, pinned: true});
    expect(o.gates.map((g) => g.gate)).toEqual(['integrity', 'validation', 'out-of-sample', 'auc', 'log-loss', 'hit-rate', 'sharpe', 'max-drawdown', 'champion', 'timeframe', 'feature-set', 'strategy']);
    expect(o.gates.every((g) => g.pass)).toBe(true);
    expect(gate(o, 'out-of-sample').figure).toMatch(/^7\d\d rows 2024-03-01T00:00:00.000Z → 2024-03-31/);
    expect(gate(o, 'auc').figure).toMatch(/^AUC 0\.\d{4} over 7\d\d rows$/);
    expect(gate(o, 'sharpe').figure).toMatch(/^Sharpe -?\d+\.\d\d \(backtest [0-9a-f]{12}: return -?\d+\.\d\d%, \d+ trades\)$/);
    expect(gate(o, 'champion')).toMatchObject({figure: 'no champion on this channel', note: 'first promotion to tiny@live: nothing to compare with'});
    expect(registry().resolve('tiny@live').version).toBe('1');
    expect(o.entry).toMatchObject({seq: 1, action: 'promote', channel: 'live', version: '1', from: null, by: 'tester', reason: null});
    expect(o.entry!.gates).toEqual(o.gates);
    expect(o.entry!.evidence).toMatchObject({window: {from: '2024-03-01T00:00:00.000Z'}, strategy: ENSEMBLE, champion: null});
    expect(existsSync((o.evidence.backtest as {report: string}).report)).toBe(true);

    // With the documented default thresholds the same model is held to Sharpe ≥ 0: the gate uses the figure it printed.
    const strict = await refusal({ref: 'tiny@2', config: {...CONFIG, promotion: {champion: {resamples: 300}}}});
    const sharpe = gate(strict.outcome, 'sharpe');
    const value = Number(/^Sharpe (-?\d+\.\d\d)/.exec(sharpe.figure)![1]);
    expect(sharpe.pass).toBe(value >= 0);
    expect(sharpe.threshold).toBe('Sharpe ≥ 0');
  });

  it('refuses a model worse than the champion with the failing figure, and leaves the channel alone', async () => {
    // tiny@3 is tiny@1 read backwards: on every row it calls the opposite, so the hit rates sum to 100 %.
    const e = await refusal({ref: 'tiny@3'});
    expect(e.code).toBe(ErrorCode.PROMOTION_REFUSED);
    expect(failed(e)).toEqual(['champion']);
    const figure = gate(e.outcome, 'champion').figure;
    const [, mine, theirs] = /hit rate (\d+\.\d\d)% vs the champion's (\d+\.\d\d)%/.exec(figure)!;
    expect(Number(mine) + Number(theirs)).toBeCloseTo(100, 6);
    expect(Number(mine)).toBeLessThan(Number(theirs) - 2);
    expect(figure).toMatch(/^hit rate \d+\.\d\d% vs the champion's \d+\.\d\d% \(drop \d+\.\d\d% > 2\.00%\)$/);
    expect(gate(e.outcome, 'champion').detail).toMatch(/^vs tiny@1: Sharpe .* row hits p = 0\.\d{4}; verdict: .* — /);
    expect(e.message).toMatch(/^tiny@3 refused for tiny@live: 1 gate failed \(champion: hit rate/);
    expect(e.message).toMatch(/pass --force --reason/);
    expect(registry().resolve('tiny@live').version).toBe('1');
    expect(registry().history('tiny')).toHaveLength(1);
  });

  it('promotes a model that is not worse than the champion, citing the comparison on the same window', async () => {
    const dry = await promote({ref: 'tiny@2', dryRun: true});
    expect(dry).toMatchObject({passed: true, pinned: false, entry: null, champion: '1'});
    expect(registry().resolve('tiny@live').version).toBe('1');
    expect(registry().history('tiny')).toHaveLength(1);
    const o = await promote({ref: 'tiny@2'});
    expect(o).toMatchObject({champion: '1', passed: true, pinned: true});
    expect(gate(o, 'champion').figure).toMatch(/^vs tiny@1: Sharpe -?\d+\.\d\d vs -?\d+\.\d\d, hit rate \d+\.\d\d% vs \d+\.\d\d%, row hits p = 0\.\d{4}; verdict: (no significant difference|B better)/);
    expect(gate(o, 'feature-set').figure).toBe('model ohlcv-v1, live strategy ohlcv-v1 (from the champion)');
    const compare = o.evidence.compare as {html: string; json: string; verdict: string};
    expect(JSON.parse(readFileSync(compare.json, 'utf8'))).toMatchObject({a: {ref: 'tiny@1', inSample: false}, b: {ref: 'tiny@2', inSample: false}, window: {from: '2024-03-01T00:00:00.000Z'}});
    expect(registry().resolve('tiny@live').version).toBe('2');
    expect(o.entry).toMatchObject({seq: 2, action: 'promote', from: '1', version: '2'});
  });

  it('fails integrity on a corrupted file or an edited manifest, and --force cannot override it', async () => {
    appendFileSync(join(models(), 'tiny', '4', 'model.onnx'), 'x');
    const e = await refusal({ref: 'tiny@4', force: true, reason: 'try anyway'});
    expect(e.outcome.gates).toHaveLength(1);
    expect(gate(e.outcome, 'integrity')).toMatchObject({pass: false});
    expect(gate(e.outcome, 'integrity').figure).toMatch(/^model.onnx has sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…/);
    expect(e.message).toMatch(/cannot be promoted, with --force or without/);
    const manifest = join(models(), 'tiny', '5', 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/"scoreScale": ([\d.]+)/, (_, x) => `"scoreScale": ${Number(x) / 2}`));
    expect(gate((await refusal({ref: 'tiny@5'})).outcome, 'integrity').figure).toMatch(/manifest.json has sha256 .* \(the manifest was edited\)/);
    expect(registry().resolve('tiny@live').version).toBe('2');
  });

  it('fails a timeframe, feature-set or strategy mismatch with the config, and an in-sample window', async () => {
    const tf = await refusal({ref: 'tiny@1', config: {...CONFIG, timeframe: '4h'}});
    expect(gate(tf.outcome, 'timeframe')).toMatchObject({pass: false, figure: 'model 1h, live strategy 4h'});
    const fs = await refusal({ref: 'tiny@1', config: {...CONFIG, promotion: {...LENIENT, featureSet: 'ohlcv-v2'}}});
    expect(failed(fs)).toEqual(['feature-set']);
    expect(gate(fs.outcome, 'feature-set').figure).toBe('model ohlcv-v1, live strategy ohlcv-v2 (from the config promotion.featureSet)');
    const other = await refusal({ref: 'tiny@1', config: {...CONFIG, params: {model: 'other@live'}}});
    expect(failed(other)).toEqual(['strategy']);
    expect(gate(other.outcome, 'strategy').figure).toBe(`strategy ${ENSEMBLE} reads other@live`);
    const inSample = await refusal({ref: 'tiny@1', fromMs: day(2024, 2, 15)});
    expect(gate(inSample.outcome, 'out-of-sample').figure).toMatch(/IN SAMPLE: the model saw data up to 2024-03-01T00:00:00.000Z/);
    expect(registry().resolve('tiny@live').version).toBe('2');
  });

  it('refuses --force without a reason; with one it pins over the failed gates and journals them', async () => {
    await expect(promote({ref: 'tiny@3', force: true})).rejects.toThrow(/--force needs --reason/);
    await expect(promote({ref: 'tiny@3', force: true, reason: '   '})).rejects.toSatisfy((e: IftbError) => e.code === ErrorCode.INPUT_INVALID);
    expect(registry().resolve('tiny@live').version).toBe('2');
    const o = await promote({ref: 'tiny@3', force: true, reason: 'contrarian experiment, one week', by: 'risk-desk'});
    expect(o).toMatchObject({passed: false, forced: true, pinned: true, champion: '2'});
    expect(o.entry).toMatchObject({seq: 3, action: 'force', from: '2', version: '3', by: 'risk-desk', reason: 'contrarian experiment, one week'});
    expect(o.entry!.gates.filter((g) => !g.pass).map((g) => g.gate)).toContain('champion');
    expect(registry().resolve('tiny@live').version).toBe('3');
  });

  it('rolls back through the history, and lists promote, force and rollback in order', () => {
    const {before, state} = rollbackModel(registry(), 'tiny', 'live', {by: 'oncall', reason: 'forced model misbehaves'});
    expect([before, state.version]).toEqual(['3', '2']);
    expect(pinModel(registry(), 'tiny@1', 'staging', {by: 'researcher'}).state.version).toBe('1');
    const h = registry().history('tiny');
    expect(h.map((e) => [e.seq, e.action, e.channel, `${e.from ?? '-'}→${e.version}`, e.by])).toEqual([
      [1, 'promote', 'live', '-→1', 'tester'],
      [2, 'promote', 'live', '1→2', 'tester'],
      [3, 'force', 'live', '2→3', 'risk-desk'],
      [4, 'rollback', 'live', '3→2', 'oncall'],
      [5, 'pin', 'staging', '-→1', 'researcher'],
    ]);
    expect(h[3].reason).toBe('forced model misbehaves');
  });
});
