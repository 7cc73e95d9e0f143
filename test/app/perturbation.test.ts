/**
 * The perturbation property of a causal backtest: change every candle (and mark candle, funding
 * settlement and headline) from time T on, and nothing decided before T may change — not one
 * journal event, cash-ledger row, per-bar position, equity, ensemble score or any source's reading.
 * Run over every shipped strategy, and over the ensemble with its ML model and LLM answers live.
 */
import {copyFileSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';
import {type BacktestRun, runBacktest} from '../../src/app/backtest-runner.js';
import {recordLlmAnswers} from '../../src/app/llm-record.js';
import {trainModel} from '../../src/app/train.js';
import {ModelRegistry} from '../../src/ml/index.js';
import {type RunningOpenAiServer, startOpenAiServer} from '../support/openai-compatible-server.js';

const SYMBOL = 'BTC/USDT:USDT';
const FROM = Date.UTC(2024, 2, 1);
const TO = Date.UTC(2024, 3, 1);
/** Two cuts: one early (the first decisions), one late (positions and breaker history built up). */
const CUTS = [Date.UTC(2024, 2, 4, 7), Date.UTC(2024, 2, 22, 13)];
const LLM = {model: 'test-model', models: {'test-model': {cutoff: '2023-06-01', inputPerMTok: 1, outputPerMTok: 2}}};

/** The shipped strategies, and the ensemble with every source reading (TA, the pinned model, recorded LLM answers). */
const CASES: ReadonlyArray<{name: string; config: Record<string, unknown>}> = [
  {name: 'sma-cross', config: {strategy: 'sma-cross', params: {fast: 5, slow: 20}}},
  // The defaults trade too rarely over these three months for the property to mean much: the older, busier thresholds.
  {name: 'rsi-bollinger', config: {strategy: 'rsi-bollinger', params: {oversold: 30, overbought: 70, maxAdx: 25}}},
  {name: 'ensemble (TA only: no model, no LLM)', config: {strategy: 'ensemble', params: {model: 'absent@1'}}},
  {name: 'ensemble (TA + ML + LLM)', config: {strategy: 'ensemble', params: {model: 'perturb@live'}, llm: LLM}},
];

/**
 * Rewrites the market from `cutMs` on: prices scaled by a factor that swings ±8 % bar to bar
 * (OHLC stay consistent), volume tripled, funding rates flipped and enlarged, mark candles moved
 * and headlines replaced.
 */
async function perturbFrom(store: DuckDbStore, cutMs: number): Promise<void> {
  const factor = `(1 + 0.08 * sin(open_time_ms / 3600000.0))`;
  for (const table of ['candles', 'mark_candles']) {
    await store.db.run(`UPDATE ${table} SET open = open * ${factor}, high = high * ${factor}, low = low * ${factor}, close = close * ${factor}, volume = volume * 3 WHERE open_time_ms >= ${cutMs}`);
  }
  // A settlement stamped at T is known at the close of the bar before T (it is the rate of that close): later ones only.
  await store.db.run(`UPDATE funding_rates SET funding_rate = -3 * funding_rate + 0.0005, mark_price = mark_price * 1.05 WHERE funding_time_ms > ${cutMs}`);
  await store.db.run(`UPDATE news_items SET headline = 'Exchange halts withdrawals; ' || headline WHERE time_ms >= ${cutMs}`);
}

/** Everything a run decided strictly before `cutMs`, in a comparable form. */
function before(run: BacktestRun, cutMs: number) {
  const slots = run.timeline.findIndex((t) => t >= cutMs);
  expect(slots).toBeGreaterThan(run.firstIndex);
  const r = run.engine.recorder;
  const lane = r.lanes[0];
  const column = (c: ArrayLike<number>) => Array.from(c).slice(0, slots);
  // Client order ids start with the run id, which hashes all the data (so differs by design).
  const text = (e: unknown) => JSON.stringify(e).replaceAll(`"${run.runId}-`, '"RUN-');
  return {
    journal: run.journal.toArray().filter((e) => e.timeMs < cutMs).map(text),
    cash: run.ledger.entries.filter((e) => e.timeMs < cutMs).map((e) => JSON.stringify(e)),
    equity: column(r.equity),
    position: column(lane.positionQty),
    ensemble: [column(lane.ensembleScore), column(lane.ensembleConfidence), column(lane.ensembleActive)],
    signals: lane.signals.map((s) => ({id: s.id, score: column(s.score), confidence: column(s.confidence), active: column(s.active)})),
  };
}

describe('the perturbation property: changing the future leaves the past unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iftb-perturb-'));
  const models = join(dir, 'models');
  const original = join(dir, 'original.duckdb');
  const stores: DuckDbStore[] = [];
  let server: RunningOpenAiServer;

  beforeAll(async () => {
    const seeded = await DuckDbStore.open(original);
    try {
      await trainModel(seeded, {symbol: SYMBOL, timeframe: '1h', fromMs: Date.UTC(2024, 0, 1), toMs: FROM, params: {rounds: 12, max_depth: 3}, name: 'perturb', seed: 1}, {modelsDir: models});
      new ModelRegistry(models).pin('perturb', '1', 'live');
      server = await startOpenAiServer();
      const llmConfig = {...CASES[3].config, symbol: SYMBOL, timeframe: '1h', fromMs: FROM, toMs: TO};
      const recorded = await recordLlmAnswers(seeded, {config: llmConfig, llm: {endpoint: {baseUrl: server.url, apiKey: 'test-key'}}});
      expect(recorded.ok).toBeGreaterThan(700);
    } finally {
      seeded.close();
    }
    // The original, then one copy per cut with everything from that cut on rewritten.
    stores.push(await DuckDbStore.open(original, {seed: false}));
    for (const [k, cut] of CUTS.entries()) {
      const path = join(dir, `perturbed-${k}.duckdb`);
      copyFileSync(original, path);
      const store = await DuckDbStore.open(path, {seed: false});
      await perturbFrom(store, cut);
      stores.push(store);
    }
  }, 240_000);

  afterAll(async () => {
    for (const s of stores) s.close();
    await server?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  for (const c of CASES) {
    it(`${c.name}: identical before each cut, different after it`, async () => {
      const config = {...c.config, symbol: SYMBOL, timeframe: '1h', fromMs: FROM, toMs: TO};
      const base = await runBacktest(stores[0], config, {modelsDir: models});
      expect(base.ledger.trades.length, 'the strategy must trade for the property to mean anything').toBeGreaterThan(3);
      for (const [k, cut] of CUTS.entries()) {
        const changed = await runBacktest(stores[k + 1], config, {modelsDir: models});
        const a = before(base, cut);
        const b = before(changed, cut);
        expect(b.journal.length).toBe(a.journal.length);
        expect(b).toEqual(a);
        // The rewrite did reach the run: after the cut the equity differs.
        expect(Array.from(changed.engine.recorder.equity)).not.toEqual(Array.from(base.engine.recorder.equity));
      }
      if (c.config.llm !== undefined) {
        const llm = base.engine.recorder.lanes[0].signals.find((s) => s.source === 'llm')!;
        const ml = base.engine.recorder.lanes[0].signals.find((s) => s.source === 'ml')!;
        expect(llm.active.filter((x) => x === 1).length, 'the LLM source read recorded answers').toBeGreaterThan(600);
        expect(ml.active.filter((x) => x === 1).length, 'the ML source scored').toBeGreaterThan(600);
      }
    }, 180_000);
  }
});
