import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type RunningOpenAiServer, startOpenAiServer, unusedPort} from '../support/openai-compatible-server.js';

const exec = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-llm-'));
const common = ['--db', join(dir, 'store.duckdb'), '--reports-dir', join(dir, 'reports')];
const RANGE = ['--from', '2025-01-01', '--to', '2025-01-02'];

/** The parent's environment without any LLM settings, plus `extra`; run in a dir without a .env. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI_|IFTB_LLM_)/.test(k)));
  return {...clean, ...extra};
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function iftb(args: string[], extra: Record<string, string> = {}): Promise<Result> {
  try {
    const {stdout, stderr} = await exec('node', [CLI, ...args], {env: env(extra), cwd: dir});
    return {code: 0, stdout, stderr};
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string};
    return {code: e.code, stdout: e.stdout, stderr: e.stderr};
  }
}

describe('iftb llm record and backtest replay', () => {
  let server: RunningOpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it('records every 2nd bar of a range against the endpoint in the environment, then skips them when run again', async () => {
    const vars = {IFTB_LLM_BASE_URL: server.url, OPENAI_API_KEY: 'test-key', IFTB_LLM_MODEL: 'test-model'};
    const first = await iftb(['llm', 'record', '--strategy', 'ensemble', '--symbol', 'BTC/USDT:USDT', '--timeframe', '1h', ...RANGE, '--every', '2', '--concurrency', '4', ...common.slice(0, 2)], vars);
    // The first command on a new store says it creates it; nothing else goes to stderr.
    expect(first.stderr).toMatch(/^(note: \S+ does not exist: creating a new store, seeded with the shipped sample \(datasets\/\)\n)?$/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`recorded market-read@v1 with test-model at ${server.url.replace(/[./]/g, '\\$&')}, BTC/USDT:USDT 1h 2025-01-01 00:00 → 2025-01-02 00:00 \\(every 2 bars\\)`));
    expect(first.stdout).toMatch(/12 bars: 0 already recorded, 12 ok, 0 invalid, 0 errors, 0 not asked/);
    expect(server.requests.every((r) => r.authorization === 'Bearer test-key' && r.body?.model === 'test-model')).toBe(true);
    const again = await iftb(['llm', 'record', ...RANGE, '--every', '2', '--json', ...common.slice(0, 2)], vars);
    expect(JSON.parse(again.stdout)).toMatchObject({targets: 12, alreadyRecorded: 12, ok: 0, calls: 0});
  });

  it('backtests the ensemble with the recorded answers and no endpoint: the LLM source is active, run.json identical on a second run', async () => {
    const vars = {IFTB_LLM_MODEL: 'test-model'};
    const args = ['backtest', '--strategy', 'ensemble', ...RANGE, '--param', 'model=absent@1', '--config', join(dir, 'llm.json'), ...common];
    // Answers close at even hours (--every 2, aligned to the epoch); each is held one bar. The first bar (01:00) has none.
    writeFileSync(join(dir, 'llm.json'), JSON.stringify({llm: {holdBars: 1, models: {'test-model': {cutoff: '2024-06-01', inputPerMTok: 0.5, outputPerMTok: 1}}}}));
    const first = await iftb([...args, '--json'], vars);
    expect(first.stderr).toBe('');
    const summary = JSON.parse(first.stdout);
    const path = join(dir, 'reports', summary.runId, 'run.json');
    const runJson = readFileSync(path, 'utf8');
    expect(summary.llm).toMatchObject({model: 'test-model', mode: 'replay', replayed: 12, held: 11, misses: 1, calls: 0, contaminated: false});
    expect(summary.sources.find((s: {source: string}) => s.source === 'llm')).toMatchObject({status: 'active', activeBars: 23});
    const second = await iftb(args, vars);
    expect(second.stdout).toMatch(/llm\.market-read@v1\s+active/);
    expect(second.stdout).toMatch(/llm: test-model market-read@v1 \(replay\): 12 replayed, 0 called, 11 held, 1 misses of 24 bars; 0 requests/);
    expect(readFileSync(path, 'utf8')).toBe(runJson);
  });

  it('marks a run that uses answers from before the cutoff as contaminated, and --strict refuses it', async () => {
    const vars = {IFTB_LLM_MODEL: 'test-model'};
    writeFileSync(join(dir, 'late.json'), JSON.stringify({llm: {models: {'test-model': {cutoff: '2025-06-01', inputPerMTok: 0, outputPerMTok: 0}}}}));
    const args = ['backtest', ...RANGE, '--param', 'model=absent@1', '--config', join(dir, 'late.json'), ...common];
    const loose = await iftb(args, vars);
    expect(loose.stdout).toMatch(/llm: CONTAMINATED: 12 bars used answers for bars before test-model's training cutoff 2025-06-01/);
    const strict = await iftb([...args, '--strict'], vars);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr.trim()).toMatch(/^error: --strict: 12 bars \(2025-01-01T02:00Z … 2025-01-02T00:00Z\) would use test-model answers from before its training cutoff 2025-06-01/);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails fast with one clear line: no endpoint, an unreachable one, a refused key', async () => {
    const port = await unusedPort();
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['llm', 'record', ...RANGE], {}, /no LLM endpoint configured: set IFTB_LLM_BASE_URL/],
      [['llm', 'record', ...RANGE], {IFTB_LLM_BASE_URL: `http://127.0.0.1:${port}/v1`}, new RegExp(`LLM endpoint unreachable: cannot reach http://127.0.0.1:${port}/v1: connect ECONNREFUSED`)],
      [['backtest', ...RANGE, '--llm', 'call'], {IFTB_LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, IFTB_LLM_MODEL: 'unrecorded'}, /LLM endpoint unreachable: .*ECONNREFUSED/],
      [['backtest', ...RANGE, '--llm', 'call', '--llm-model', 'unrecorded'], {}, /--llm call needs an LLM endpoint/],
      [['llm', 'record', ...RANGE, '--model', 'other'], {IFTB_LLM_BASE_URL: server.url, OPENAI_API_KEY: 'sk-nope'}, /refused the API key \(401 Incorrect API key provided/],
    ];
    for (const [args, vars, message] of cases) {
      const started = Date.now();
      const result = await iftb([...args, ...common.slice(0, 2)], vars);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(Date.now() - started, args.join(' ')).toBeLessThan(15_000);
    }
  });

  it('imports headlines with data import --kind news', async () => {
    const file = join(dir, 'news.csv');
    writeFileSync(file, 'time_ms,source,headline\n1735689600000,coindesk,"Bitcoin opens 2025 near $94,000"\n1735693200000,reuters,ETF flows steady\n');
    const result = await iftb(['data', 'import', file, '--kind', 'news', ...common.slice(0, 2)]);
    expect(result.stdout).toMatch(/imported .*news\.csv: 2 headlines, 2 new, 0 already stored \(market-wide\)/);
    const missing = await iftb(['data', 'import', file, '--timeframe', '1h', ...common.slice(0, 2)]);
    expect(missing.stderr).toMatch(/--symbol is required to import candles/);
  });
});
