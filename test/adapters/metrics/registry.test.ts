import {describe, expect, it} from 'vitest';
import {createMetrics} from '../../../src/adapters/metrics/index.js';
import {bucketBounds, contractProblems, DECISION_BUCKETS, familiesText, parseExposition, promtoolCheck, SLIPPAGE_BUCKETS} from '../../support/prometheus.js';

describe('the metrics registry', () => {
  it('exposes every contract metric with its type, labels and buckets, plus the process metrics', async () => {
    const m = createMetrics();
    m.up.set(1, {mode: 'paper'});
    m.positionQty.set(-0.01, {symbol: 'BTC/USDT:USDT'});
    m.unrealizedPnl.set(1.5, {symbol: 'BTC/USDT:USDT'});
    m.tradingState.set(1, {state: 'active'});
    m.breakerState.set(1, {state: 'CLOSED'});
    m.signalScore.set(0.25, {source: 'ta'});
    m.modelInfo.set(1, {name: 'xgb-dir', version: '3', sha256: 'ab'.repeat(32)});
    m.decisionLatency.observe(0.3);
    m.decisionLatency.observe(1.2);
    m.fillSlippage.observe(0.0002);
    m.exchangeErrors.inc(2, {kind: 'timeout'});
    m.alertsSent.inc(1, {channel: 'slack', level: 'critical'});
    const {contentType, body} = await m.scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(body);
    expect(contractProblems(families)).toEqual([]);
    const get = (name: string) => families.find((f) => f.name === name)!;
    expect(bucketBounds(get('iftb_decision_latency_seconds').metrics[0].buckets)).toEqual(DECISION_BUCKETS);
    expect(get('iftb_decision_latency_seconds').metrics[0].buckets).toMatchObject({'0.25': '0', '0.5': '1', '1': '1', '2.5': '2'});
    expect(bucketBounds(get('iftb_fill_slippage_ratio').metrics[0].buckets)).toEqual(SLIPPAGE_BUCKETS);
    // Every kind of the contract exists from the start (a rate() has a series), at 0 unless counted.
    expect(Object.fromEntries(get('iftb_exchange_errors_total').metrics.map((s) => [s.labels!.kind, s.value]))).toEqual({
      timeout: '2', rate_limit: '0', server: '0', network: '0', auth: '0', rejected: '0', other: '0',
    });
    expect(get('iftb_orders_total').metrics.map((s) => s.labels!.outcome).sort()).toEqual(['canceled', 'expired', 'filled', 'rejected', 'submitted']);
    expect(families.some((f) => f.name === 'process_cpu_seconds_total')).toBe(true);
    expect(families.some((f) => f.name === 'nodejs_eventloop_lag_seconds')).toBe(true);

    // promtool parses it all; its lint findings are only prom-client's own nodejs_*_total gauges.
    const all = await promtoolCheck(body);
    expect(all.code === 0 || all.code === 3).toBe(true);
    for (const line of all.report.trim().split('\n').filter(Boolean)) expect(line).toMatch(/^nodejs_\w+ non-counter metrics should not have "_total" suffix$/);
    const ours = await promtoolCheck(familiesText(body, 'iftb_'));
    expect(ours).toEqual({code: 0, report: ''});
  });

  it('gives each session its own registry', async () => {
    const a = createMetrics({defaultMetrics: false});
    const b = createMetrics({defaultMetrics: false});
    a.bars.inc(3);
    const bars = async (m: typeof a) => parseExposition((await m.scrape()).body).find((f) => f.name === 'iftb_bars_total')!.metrics[0].value;
    expect(await bars(a)).toBe('3');
    expect(await bars(b)).toBe('0');
    expect(parseExposition((await a.scrape()).body).some((f) => f.name.startsWith('process_'))).toBe(false);
  });
});
