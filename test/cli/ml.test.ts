/** iftb train → iftb models … → iftb backtest, through the built binary on the shipped sample. */
import {execFile} from 'node:child_process';
import {appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, it} from 'vitest';

const exec = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-ml-'));
const models = join(dir, 'models');
const db = ['--db', join(dir, 'store.duckdb')];
const where = ['--models-dir', models];
const run = (args: string[], env: Record<string, string> = {}) => exec('node', [CLI, ...args], {env: {...process.env, ...env}});
const fail = (args: string[], env: Record<string, string> = {}) =>
  run(args, env).then(
    () => ({code: 0, stdout: '', stderr: ''}),
    (error: {code: number; stdout: string; stderr: string}) => error,
  );
const TRAIN = ['train', ...db, ...where, '--name', 'xgb-dir', '--features', 'ohlcv-v1', '--label', 'sign(return, 12 bars)', '--symbol', 'BTC/USDT:USDT',
  '--timeframe', '1h', '--from', '2024-01-01', '--to', '2024-04-01', '--params', '{"rounds":15,"max_depth":3}'];

// Several trainings through the built binary: minutes on a loaded 2-core machine, so a wide timeout.
describe('iftb train, models and backtest', {timeout: 360_000}, () => {
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('trains, pins, backtests with the model, lists, shows, verifies and rolls back', async () => {
    const first = await run([...TRAIN, '--seed', '7']);
    expect(first.stdout).toMatch(/model\s+xgb-dir@1/);
    expect(first.stdout).toMatch(/ONNX parity \(max \|Δp\|\)\s+\d\.\d\de-\d+ over/);
    expect(first.stdout).toMatch(/iftb models promote xgb-dir@1 --channel live/);
    const manifest = JSON.parse(readFileSync(join(models, 'xgb-dir', '1', 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({name: 'xgb-dir', version: '1', seed: 7, trainer: {trees: 15}, windows: {purgeBars: 12}});
    expect(Object.keys(manifest.files)).toEqual(['model.onnx', 'model.xgb.json']);

    // Same data, params and seed: the same model bytes (only createdAt differs).
    await run([...TRAIN, '--seed', '7', '--version', '1b']);
    const second = JSON.parse(readFileSync(join(models, 'xgb-dir', '1b', 'manifest.json'), 'utf8'));
    expect(second.files).toEqual(manifest.files);

    // Before a pin the ensemble's ML source abstains and says why.
    const unpinned = JSON.parse((await run(['backtest', ...db, ...where, '--reports-dir', join(dir, 'r'), '--from', '2024-04-01', '--to', '2024-05-01', '--json'])).stdout);
    expect(unpinned.sources.find((s: {source: string}) => s.source === 'ml').note).toMatch(/xgb-dir has no 'live' pin/);

    // live changes only through the gates; --force (with a reason) pins over the tiny model's failed ones.
    const pin = await fail(['models', 'pin', 'xgb-dir@1', ...where]);
    expect(pin.code).toBe(2);
    expect(pin.stderr).toMatch(/the 'live' channel changes only through the promotion gates: run `iftb models promote xgb-dir@1 --channel live`/);
    const promote = ['models', 'promote', ...db, ...where, '--reports-dir', join(dir, 'r'), '--to', '2024-05-01', '--force', '--reason', 'cli test fixture'];
    expect((await run([...promote, 'xgb-dir@1'])).stdout).toMatch(/xgb-dir@live → 1: /);
    const bt = JSON.parse((await run(['backtest', ...db, ...where, '--reports-dir', join(dir, 'r'), '--from', '2024-04-01', '--to', '2024-05-01', '--json', '--strict'])).stdout);
    expect(bt.sources.find((s: {source: string}) => s.source === 'ml')).toMatchObject({id: 'ml.xgb-dir@1', status: 'active'});
    expect(bt.ml).toMatchObject({model: 'xgb-dir@1', inSample: false});

    const text = (await run(['backtest', ...db, ...where, '--reports-dir', join(dir, 'r'), '--from', '2024-03-01', '--to', '2024-05-01'])).stdout;
    expect(text).toMatch(/ml model: xgb-dir@1 \(xgb-dir@live\), trained 2024-01-01 → 2024-04-01: IN SAMPLE on 744 decision bars/);
    const strict = await fail(['backtest', ...db, ...where, '--reports-dir', join(dir, 'r'), '--from', '2024-03-01', '--to', '2024-05-01', '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/--strict: the decision range overlaps xgb-dir@1/);

    await run([...TRAIN, '--seed', '8']);
    expect((await run([...promote, 'xgb-dir@2', '--channel', 'live'])).stdout).toMatch(/xgb-dir@live → 2 \(was 1\): /);
    const list = (await run(['models', 'list', ...where])).stdout;
    expect(list).toMatch(/xgb-dir@2\s+live\s+ohlcv-v1/);
    expect(list).toMatch(/xgb-dir@1\s+-\s+ohlcv-v1/);
    expect((await run(['models', 'show', 'xgb-dir@live', ...where])).stdout).toMatch(/model\s+xgb-dir@2 \(via live\)[\s\S]*calibration/);
    expect((await run(['models', 'rollback', 'xgb-dir', ...where])).stdout).toMatch(/xgb-dir@live → 1 \(rolled back from 2\)/);
    expect((await run(['models', 'verify', ...where])).stdout.trim().split('\n')).toEqual(['ok      xgb-dir@1', 'ok      xgb-dir@1b', 'ok      xgb-dir@2']);

    // A/B on the bars after both models' windows.
    const compare = JSON.parse((await run(['compare', ...db, ...where, '--rows-only', '--a', 'xgb-dir@1', '--b', 'xgb-dir@2', '--to', '2024-07-01', '--resamples', '300', '--json'])).stdout);
    expect(compare.window).toMatchObject({from: '2024-04-01T00:00:00.000Z'});
    expect(compare.window.rows).toBeGreaterThan(2_000);
    expect(compare.a).toMatchObject({model: 'xgb-dir@1', inSample: false});
    expect(compare.hits).toMatchObject({method: 'EWC HAR t-test', horizonBars: 12});
    expect(compare.hits.pValue).toBeGreaterThanOrEqual(compare.hits.naivePValue);
    expect(compare.sharpe.difference.low).toBeLessThanOrEqual(compare.sharpe.difference.high);
    const compareText = (await run(['compare', ...db, ...where, '--rows-only', '--a', 'xgb-dir@live', '--b', 'xgb-dir@2', '--from', '2024-03-01', '--to', '2024-06-01', '--resamples', '200'])).stdout;
    expect(compareText).toMatch(/window\s+IN SAMPLE\s+IN SAMPLE/);
    expect(compareText).toMatch(/rows right: A right \/ B wrong \d+, B right \/ A wrong \d+, .*EWC HAR t-test \(ν = \d+, moves over 12 bars overlap.*\): p = [\d.]+ \(McNemar assuming independence: [\d.]+\)/);

    // Without --rows-only: two ensemble backtests that differ only in params.model.
    const bt2 = (await run(['compare', ...db, ...where, '--reports-dir', join(dir, 'r'), '--a', 'xgb-dir@1', '--b', 'xgb-dir@2', '--to', '2024-05-01', '--resamples', '200'])).stdout;
    expect(bt2).toMatch(/xgb-dir@1 \(A\) vs xgb-dir@2 \(B\): ensemble@[\d.]+ backtests on BTC\/USDT:USDT 1h, 2024-04-01T00:00:00.000Z → 2024-05-01T00:00:00.000Z \(720 bars\)/);
    expect(bt2).toMatch(/configs differ only in the model: A [0-9a-f]{12}…, B [0-9a-f]{12}…/);
    expect(bt2).toMatch(/ML hits: A right \/ B wrong \d+, .*EWC HAR t-test/);
    expect(bt2).toMatch(/method: Holm across two tests at 5 %: ML hits by EWC HAR t-test, ν = \d+, moves over 12 bars; Sharpe difference by Ledoit–Wolf delta method with EWC HAR variance/);
    expect(bt2).toMatch(/models on rows \(same window\)/);
    expect(bt2.trim().split('\n').at(-1)).toMatch(/^verdict: (A better|B better|no significant difference) — /);
    const written = JSON.parse(readFileSync(join(dir, 'r', 'compare-xgb-dir@1-xgb-dir@2.json'), 'utf8'));
    expect(written).toMatchObject({configsDifferOnlyInModel: true, a: {ref: 'xgb-dir@1', inSample: false}, b: {ref: 'xgb-dir@2', inSample: false}});
    expect(readFileSync(join(dir, 'r', 'compare-xgb-dir@1-xgb-dir@2.html'), 'utf8')).toContain('A vs B: tests');

    appendFileSync(join(models, 'xgb-dir', '1', 'model.onnx'), 'tampered');
    const verify = await fail(['models', 'verify', ...where]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/FAILED  xgb-dir@1: model.onnx has sha256/);
    expect(verify.stderr).toMatch(/1 model version\(s\) failed verification: xgb-dir@1/);
    const refused = await fail(['backtest', ...db, ...where, '--reports-dir', join(dir, 'r'), '--from', '2024-04-01', '--to', '2024-05-01']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/model xgb-dir@1 failed its integrity check/);
  }, 360_000); // a dozen CLI runs (training twice, two gated promotions); under a loaded 2-core machine each start-up alone takes seconds

  it('refuses bad training input with one clear line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--label', 'sign(return)'], /unknown label 'sign\(return\)'/],
      [['--features', 'ohlcv-v9'], /unknown feature set 'ohlcv-v9'/],
      [['--params', '{"depth":3}'], /params: Unrecognized key.*depth/],
      [['--params', 'nope'], /--params must be a JSON object/],
      [['--version', '1'], /xgb-dir@1 already exists/],
      [['--walk-forward'], /--walk-forward needs --train and --test/],
      [['--train', '180d', '--test', '30d'], /--train and --test go with --walk-forward/],
      [['--walk-forward', '--train', '6 months', '--test', '30d'], /expected a duration such as 180d/],
      [['--walk-forward', '--train', '60d', '--test', '60d'], /shorter than one fold/],
    ];
    for (const [args, message] of cases) {
      const result = await fail([...TRAIN, ...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 180_000);

  it('says what to install when libxgboost is missing', async () => {
    const result = await fail([...TRAIN, '--version', '99'], {IFTB_XGBOOST_LIB: '/nonexistent/libxgboost.so.0'});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/libxgboost not found .*apt-get install libxgboost0/);
  });

  it('verifies the shipped model, and fails an edited copy of its manifest', async () => {
    const shipped = resolve(import.meta.dirname, '../../models');
    expect((await run(['models', 'verify', '--models-dir', shipped])).stdout.trim()).toBe('ok      xgb-dir@1');
    const copy = join(dir, 'shipped');
    cpSync(shipped, copy, {recursive: true});
    const manifest = join(copy, 'xgb-dir', '1', 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/"scoreScale": ([\d.]+)/, (_, x) => `"scoreScale": ${Number(x) / 2}`));
    const edited = await fail(['models', 'verify', '--models-dir', copy]);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/^FAILED  xgb-dir@1: manifest.json has sha256 [0-9a-f]{12}…, channels.json records [0-9a-f]{12}… \(the manifest was edited\)/);
  });
});
