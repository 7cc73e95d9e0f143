/**
 * `iftb live --shadow` as a real process (dist/, built by `npm run build`) killed with SIGKILL
 * right after a bar is sent (anywhere between the champion's commit and the shadow's), restarted
 * on the same store: the shadow's run has exactly the champion's bars, its restart replay is
 * identical, and its readings still reproduce from the stored candles.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/store.js';
import {shadowRunId} from '../../../src/app/live-shadow.js';
import {compareSession} from '../../../src/app/session-compare.js';
import {ModelRegistry} from '../../../src/ml/registry.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {MINUTE, waveBars} from '../../support/live-candles.js';
import {type BotProcess, botEnv, startBot, statusLineOf, writeBotConfig} from '../../support/live-bot.js';
import {BUSY_ENSEMBLE} from '../../support/ensemble-params.js';
import {SHADOW_MODEL, writeSplitModel} from '../../support/shadow-models.js';

const T0 = Date.UTC(2025, 2, 3, 12, 0);
const HISTORY = 560;
const SYMBOL = 'BTC/USDT:USDT';

describe('iftb live --shadow survives kill -9', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) {
      bot.kill('SIGKILL');
      await bot.exited;
    }
    await exchange?.close();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('restarts with the shadow: no bar lost or decided twice, replay identical, readings reproduce', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-shadow-crash-'));
    const modelsDir = join(dir, 'models');
    const registry = new ModelRegistry(modelsDir);
    writeSplitModel(registry, '1', -0.8, 1.2);
    writeSplitModel(registry, '2', 1.2, -0.8);
    registry.pin(SHADOW_MODEL, '1', 'live');
    const bars = waveBars(T0 - HISTORY * MINUTE, HISTORY + 20, 4);
    const settlements = [20, 12, 4].map((h) => ({fundingTime: T0 - h * 3_600_000, fundingRate: 0.0001, markPrice: 30_000}));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars.slice(0, HISTORY)}, funding: {BTCUSDT: settlements}});
    const config = writeBotConfig(dir, {
      strategy: 'ensemble', symbol: SYMBOL, timeframe: '1m', params: {model: `${SHADOW_MODEL}@live`, ...BUSY_ENSEMBLE, entry: 0.1, exit: 0.02, minConfidence: 0.1}, funding: false,
      breaker: {latency: {enabled: false}}, live: {pollGraceMs: 60_000},
    });
    const db = join(dir, 'bot.duckdb');
    const args = ['--config', config, '--db', db, '--models-dir', modelsDir, '--shadow', `${SHADOW_MODEL}@2`];
    const launch = () => {
      const bot = startBot(args, botEnv(exchange!));
      bots.push(bot);
      return bot;
    };
    const step = async (bot: BotProcess, k: number) => {
      exchange!.advance({symbol: 'BTCUSDT', bar: bars[k]});
      await bot.waitFor(statusLineOf(bars[k].openTime + MINUTE), `the status line of bar ${k}`);
    };

    const first = launch();
    await first.waitFor(/shadow tiny@2 beside tiny@1: run p[0-9a-f]{8}\.shadow/, 'the shadow to start');
    await first.waitFor(/session p[0-9a-f]{8} running/, 'the session to run');
    for (let k = HISTORY; k < HISTORY + 6; k++) await step(first, k);
    // The next bar, and the kill at once: somewhere in its slot (or before it).
    exchange.advance({symbol: 'BTCUSDT', bar: bars[HISTORY + 6]});
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = launch();
    await second.waitFor(/replayed \d+ committed bars of p[0-9a-f]{8}, journal identical/, 'the identical replay');
    await second.waitFor(/session p[0-9a-f]{8} running/, 'the session to run again');
    // Bar 6 was decided before the kill or is decided now from REST; then the stream goes on.
    await second.waitFor(statusLineOf(bars[HISTORY + 6].openTime + MINUTE), 'bar 6 after the restart').catch(() => undefined);
    // 18 bars in all: more than the accuracy horizon (12), so compare has paired hits.
    for (let k = HISTORY + 7; k < HISTORY + 18; k++) await step(second, k);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(second.output()).not.toMatch(/shadow.*(DIFFERS|deferred|failed)/);

    const store = await DuckDbStore.open(db, {seed: false});
    try {
      const [row] = await store.db.rows(`SELECT session_id AS id FROM sessions WHERE session_id NOT LIKE '%.shadow' ORDER BY started_ms DESC LIMIT 1`);
      const sessionId = String(row.id);
      const champion = (await store.sessions.bars(sessionId)).map((b) => b.barOpenMs);
      const shadow = (await store.sessions.bars(shadowRunId(sessionId))).map((b) => b.barOpenMs);
      expect(champion).toEqual(bars.slice(HISTORY, HISTORY + 18).map((b) => b.openTime));
      expect(shadow).toEqual(champion);
      const c = await compareSession(store, store, sessionId, {modelsDir, out: join(dir, 'compare.html'), resamples: 200});
      expect(c.readings).toMatchObject({recorded: 18, reproduced: true, differing: []});
    } finally {
      store.close();
    }
  });
});
