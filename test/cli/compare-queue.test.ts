/** `iftb compare --queue` through the built binary, its two backtests run by a real `iftb worker` process. */
import {randomUUID} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {trainModel} from '../../src/app/train.js';
import {iftb} from '../support/cli.js';
import {dropPrefix, REDIS, startWorker} from '../support/queue-workers.js';
import {useSampleStore} from '../support/sample-store.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const TRAIN = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}};
const BUSY = ['entry=0.2', 'exit=0.05', 'minConfidence=0.3', 'minHoldBars=0', 'stopAtr=2.5', 'takeProfitAtr=5'].flatMap((p) => ['--param', p]);

describe('iftb compare --queue', {timeout: 240_000}, () => {
  const sample = useSampleStore();
  const prefix = `iftb-compare-cli-${randomUUID()}`;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-cli-compare-queue-'));
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 1}, {modelsDir: join(dir, 'models')});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 2, params: {rounds: 20, max_depth: 2}}, {modelsDir: join(dir, 'models')});
  });
  afterAll(async () => {
    rmSync(dir, {recursive: true, force: true});
    await dropPrefix(prefix);
  });

  const compare = (name: string, extra: string[] = []) =>
    iftb(['compare', '--db', join(dir, `${name}.duckdb`), '--models-dir', join(dir, 'models'), '--reports-dir', join(dir, name), '--a', 'tiny@1', '--b', 'tiny@2',
      '--symbol', 'BTC/USDT:USDT', '--timeframe', '1h', '--to', '2024-04-01', ...BUSY, '--resamples', '300', '--seed', '5', '--json', ...extra]);

  it('prints the comparison a local run prints; the worker ran both backtests', async () => {
    const local = await compare('local');
    expect(local.code, local.stderr).toBe(0);
    const worker = startWorker(join(dir, 'worker.duckdb'), prefix, ['--models-dir', join(dir, 'models')]);
    try {
      await worker.ready;
      const queued = await compare('queued', ['--queue', REDIS, '--queue-prefix', prefix]);
      expect(queued.code, queued.stderr).toBe(0);
      const [l, q] = [JSON.parse(local.stdout), JSON.parse(queued.stdout)];
      expect(worker.compared).toEqual([`tiny@1 run ${l.a.runId}`, `tiny@2 run ${l.b.runId}`]);
      const strip = (c: {html: string; json: string; a: Record<string, unknown>; b: Record<string, unknown>}) => {
        const side = ({runJson: _j, report: _r, ...rest}: Record<string, unknown>) => rest;
        const {html: _h, json: _j, ...rest} = c;
        return {...rest, a: side(c.a), b: side(c.b)};
      };
      expect(strip(q)).toEqual(strip(l));
      // The runs it links are in this store.
      const runs = await iftb(['runs', 'list', '--db', join(dir, 'queued.duckdb'), '--json']);
      expect(runs.code, runs.stderr).toBe(0);
      const listed = (JSON.parse(runs.stdout) as Array<{runId: string; configHash: string}>).map((r) => [r.runId, r.configHash]);
      expect(listed.sort()).toEqual([[l.a.runId, l.a.configHash], [l.b.runId, l.b.configHash]].sort());
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('refuses --queue with --rows-only and with --session', async () => {
    const rows = await compare('rows', ['--rows-only', '--queue', REDIS]);
    expect(rows.code).not.toBe(0);
    expect(rows.stderr).toMatch(/--queue runs the two backtests on workers: --rows-only runs none/);
    const session = await iftb(['compare', '--session', 'p0', '--queue', REDIS, '--db', join(dir, 'rows.duckdb')]);
    expect(session.code).not.toBe(0);
    expect(session.stderr).toMatch(/--session replays here/);
  });
});
