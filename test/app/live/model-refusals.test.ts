/**
 * `iftb live` (a real process against the local exchange) refuses, with one line and before any
 * bar, a model it could not serve the session with: trained on other bars than the session's, or
 * reading a feature set this build does not compute (or computes with other columns).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {MODEL_ONNX, MODEL_XGB_JSON} from '../../../src/ml/manifest.js';
import {ModelRegistry} from '../../../src/ml/registry.js';
import {OHLCV_V1} from '../../../src/signals/ml/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {iftb} from '../../support/cli.js';
import {LIVE_T0, MINUTE, waveBars} from '../../support/live-candles.js';
import {botEnv, writeBotConfig} from '../../support/live-bot.js';
import {fixtureManifest} from '../../support/ml-fixtures.js';

const T0 = LIVE_T0;

describe('iftb live refuses a model that does not fit the session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  afterEach(async () => {
    await exchange?.close();
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('refuses another timeframe, an unknown feature set and other feature columns at start, in one line, deciding no bar', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-model-refusal-'));
    const modelsDir = join(dir, 'models');
    const registry = new ModelRegistry(modelsDir);
    const enc = new TextEncoder();
    // The refusal comes before any ONNX session is created: placeholder files do.
    const write = (version: string, over: {timeframe?: string; set?: string; names?: readonly string[]}) => {
      const base = fixtureManifest('tiny', version);
      registry.write('tiny', version, {[MODEL_ONNX]: enc.encode(`onnx ${version}`), [MODEL_XGB_JSON]: enc.encode('{}')}, {
        ...base, market: {...base.market, timeframe: over.timeframe ?? '1m'},
        features: {...base.features, set: over.set ?? OHLCV_V1.id, names: [...(over.names ?? OHLCV_V1.names)]},
      });
    };
    write('1', {timeframe: '1h'});
    write('2', {set: 'ohlcv-v9'});
    write('3', {names: [...OHLCV_V1.names].reverse()});
    const bars = waveBars(T0 - 600 * MINUTE, 600);
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars}});
    const env = {...botEnv(exchange), IFTB_DB: undefined, IFTB_LLM_BASE_URL: ''} as Record<string, string | undefined>;
    const db = join(dir, 'bot.duckdb');
    const run = (version: string) => {
      const config = writeBotConfig(dir, {strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {model: `tiny@${version}`}, funding: false});
      return iftb(['live', '--no-api', '--config', config, '--db', db, '--models-dir', modelsDir], env);
    };
    const cases: Array<[string, RegExp]> = [
      ['1', /^error: .*ml\.tiny@1: tiny@1 was trained on 1h bars, this session trades 1m: pin a model trained on 1m bars \(tiny@1\)$/],
      ['2', /^error: .*tiny@2 reads feature set ohlcv-v9, which this build does not compute \(it computes ohlcv-v1\)$/],
      ['3', /^error: .*tiny@3 reads feature set ohlcv-v1 with other columns than this build's \(column 0: dow_cos, here ret_1\)$/],
    ];
    for (const [version, message] of cases) {
      const r = await run(version);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
    // Refused while composing: no session was created, no bar decided, no kline stream opened.
    const store = await DuckDbStore.open(db, {seed: false});
    try {
      expect(await store.db.rows('SELECT session_id FROM sessions')).toEqual([]);
    } finally {
      store.close();
    }
  }, 120_000);
});
