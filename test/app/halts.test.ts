/** Say what happened to the run: each halt named in run.json, the summary and the report; a research reset after N bars. */
import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import {reportInputOf} from '../../src/app/backtest-record.js';
import {haltLine, loadVegaRuntime, renderRunReport} from '../../src/report/index.js';
import {HOUR, useSampleStore} from '../support/sample-store.js';

const FROM = Date.UTC(2024, 0, 1);
/** sma-cross with a large position and a 2 % drawdown breaker: it trips within weeks. */
const TRIPPY = {
  strategy: 'sma-cross', params: {fast: 5, slow: 20, qty: 0.5}, symbol: 'BTC/USDT:USDT', timeframe: '1h',
  fromMs: FROM, toMs: Date.UTC(2024, 3, 1),
  breaker: {drawdown: {warnPct: 1, tripPct: 2}, dailyLoss: {enabled: false}, lossStreak: {enabled: false}},
};

describe('halts', () => {
  const sample = useSampleStore();

  it('names a drawdown trip that never resets: rule, time, figures, how long, and that it held to the end', async () => {
    const run = await runBacktest(sample.store(), TRIPPY);
    const summary = summarizeRun(run);
    expect(summary.halts).toHaveLength(1);
    const [halt] = summary.halts;
    const trip = run.journal.toArray().find((e) => e.type === 'breaker' && e.level === 'trip')!;
    const end = summary.market.lastBarMs + HOUR;
    expect(halt).toEqual({rule: 'drawdown', fromMs: trip.timeMs, toMs: null, durationMs: end - trip.timeMs, state: 'halted',
      detail: (trip as {detail: string}).detail, ended: 'never'});
    expect(halt.detail).toMatch(/^drawdown \d+\.\d\d % from peak [\d.]+ \(warn 1, trip 2\)$/);
    const time = new Date(trip.timeMs).toISOString().slice(0, 16).replace('T', ' ');
    expect(haltLine(halt)).toBe(`drawdown breaker tripped ${time} UTC (${halt.detail}) → halted; never reset: held ${(halt.durationMs / 86_400_000).toFixed(1)} days, to the end of the run`);

    const html = renderRunReport(reportInputOf(run, summary), loadVegaRuntime());
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header).toContain('data-halts="1"');
    expect(header).toContain('Trading stopped once and never resumed before the end of the run');
    expect(header).toContain(`drawdown breaker tripped ${time} UTC`);
  });

  it('breakerResetAfterBars resets a breaker still open N bars after its trip, records it, and the run trades on', async () => {
    const base = await runBacktest(sample.store(), TRIPPY);
    const run = await runBacktest(sample.store(), {...TRIPPY, breakerResetAfterBars: 24});
    const summary = summarizeRun(run);
    expect((summary.config as {breakerResetAfterBars: number}).breakerResetAfterBars).toBe(24);
    expect(run.configHash).not.toBe(base.configHash);
    expect(summary.halts.length).toBeGreaterThan(1);
    for (const h of summary.halts.slice(0, -1)) {
      expect(h).toMatchObject({rule: 'drawdown', ended: 'reset', by: 'breakerResetAfterBars=24', durationMs: 24 * HOUR});
    }
    const firstTrip = summary.halts[0].fromMs;
    const ordersAfter = (r: typeof run) => r.journal.toArray().filter((e) => e.type === 'order' && e.timeMs > firstTrip + 24 * HOUR).length;
    expect(ordersAfter(base)).toBe(0);
    expect(ordersAfter(run)).toBeGreaterThan(0);
    // Off by default: the key is absent from a config that does not set it (same run ids as before it existed).
    expect('breakerResetAfterBars' in (summarizeRun(base).config as object)).toBe(false);
  });

  it('a run without trips says so in run.json and has no header banner', async () => {
    const run = await runBacktest(sample.store(), {...TRIPPY, breaker: {}, params: {fast: 5, slow: 20, qty: 0.001}, toMs: Date.UTC(2024, 1, 1)});
    const summary = summarizeRun(run);
    expect(summary.halts).toEqual([]);
    expect(renderRunReport(reportInputOf(run, summary), loadVegaRuntime())).not.toContain('data-halts');
  });
});
