import {describe, expect, it} from 'vitest';
import {ALERT_THRESHOLDS, AlertRules, p99, WindowCounter} from '../../src/live/alert-rules.js';

const levels = (alerts: readonly {key: string; level: string}[]) => alerts.map((a) => `${a.key}:${a.level}`);

describe('alert rules', () => {
  it("uses the runbook's thresholds", () => {
    expect(ALERT_THRESHOLDS).toEqual({
      drawdown: {warning: 0.1, critical: 0.15},
      apiErrorRate: {warning: 0.05, critical: 0.1},
      decisionLatencySeconds: {warning: 0.5, critical: 1},
      dailyLoss: {warning: 0.03, critical: 0.05},
      // Beyond the runbook: the LLM source of a session (the same levels as the Prometheus rules).
      llmBudgetUsed: {warning: 0.8, critical: 1},
      llmFailureRate: {warning: 0.25, critical: 0.5},
    });
  });

  it('warns at 80 % of the LLM budget and is critical when it is spent', () => {
    const rules = new AlertRules();
    const texts = [0.5, 0.8, 0.9, 1].flatMap((v, k) => rules.evaluate({llmBudgetUsed: v, llmFailureRate: null}, k).map((a) => `${a.level}: ${a.text}`));
    expect(texts).toEqual([
      'warning: LLM budget used 80.00 % reached the warning level 80.00 %: at 100 % the LLM source abstains for the rest of the session (raise llm.budgetUsd / llm.maxCalls and restart)',
      'critical: LLM budget used 100.00 % reached the critical level 100.00 %: at 100 % the LLM source abstains for the rest of the session (raise llm.budgetUsd / llm.maxCalls and restart)',
    ]);
  });

  it('sends one message per level per crossing, and re-arms a level once the value is back under it', () => {
    const rules = new AlertRules();
    const sent: string[] = [];
    const series = [0.02, 0.09, 0.1, 0.11, 0.12, 0.16, 0.2, 0.14, 0.13, 0.16, 0.05, 0.101, 0.3];
    for (const [t, drawdown] of series.entries()) sent.push(...levels(rules.evaluate({drawdown}, t)));
    expect(sent).toEqual([
      'drawdown:warning', // 0.10 reached (the threshold itself counts)
      'drawdown:critical', // 0.16
      'drawdown:critical', // back under 0.15 (0.14, 0.13), then 0.16 again
      'drawdown:warning', // under 0.10 (0.05), then 0.101
      'drawdown:critical', // 0.3
    ]);
  });

  it('a jump past both levels sends critical only; falling back between them sends nothing', () => {
    const rules = new AlertRules();
    expect(levels(rules.evaluate({dailyLoss: 0.06}, 1))).toEqual(['dailyLoss:critical']);
    expect(rules.evaluate({dailyLoss: 0.04}, 2)).toEqual([]);
    expect(rules.evaluate({dailyLoss: 0.035}, 3)).toEqual([]);
    expect(levels(rules.evaluate({dailyLoss: 0.05}, 4))).toEqual(['dailyLoss:critical']);
  });

  it('judges each rule on its own and skips readings that are not measurable yet', () => {
    const rules = new AlertRules();
    expect(levels(rules.evaluate({drawdown: 0.11, apiErrorRate: null, decisionLatencySeconds: 0.6, dailyLoss: Number.NaN}, 1))).toEqual([
      'drawdown:warning',
      'decisionLatencySeconds:warning',
    ]);
    expect(levels(rules.evaluate({apiErrorRate: 0.12, decisionLatencySeconds: 1.2}, 2))).toEqual(['apiErrorRate:critical', 'decisionLatencySeconds:critical']);
    const text = new AlertRules({prefix: 'IFTB p1 (paper): '}).evaluate({decisionLatencySeconds: 0.75}, 3)[0].text;
    expect(text).toBe('IFTB p1 (paper): Decision latency (p99) 750 ms reached the warning level 500 ms: check system resources');
  });

  it('alerts once per kill switch engagement, and on its release', () => {
    const rules = new AlertRules();
    expect(rules.killSwitch(false, '', 1)).toEqual([]);
    expect(levels(rules.killSwitch(true, 'api: flash crash', 2))).toEqual(['kill-switch:critical']);
    expect(rules.killSwitch(true, 'api: flash crash', 3)).toEqual([]);
    expect(levels(rules.killSwitch(false, 'api: code', 4))).toEqual(['kill-switch-released:warning']);
    expect(levels(rules.killSwitch(true, 'again', 5))).toEqual(['kill-switch:critical']);
  });

  it('alerts a disconnect only once it has lasted over a minute, once, and says when it is back', () => {
    const rules = new AlertRules();
    expect(rules.stream('market', 'disconnected', 'socket closed', 0)).toEqual([]);
    expect(rules.stream('market', 'reconnecting', 'attempt 1', 5_000)).toEqual([]);
    expect(rules.tick(59_999)).toEqual([]);
    expect(levels(rules.tick(60_000))).toEqual(['disconnect-market:critical']);
    expect(rules.tick(120_000)).toEqual([]);
    expect(levels(rules.stream('market', 'connected', '', 130_000))).toEqual(['disconnect-market-over:warning']);
    // A short blip: nothing at all.
    expect(rules.stream('user', 'disconnected', 'ping timeout', 200_000)).toEqual([]);
    expect(rules.stream('user', 'connected', '', 230_000)).toEqual([]);
    expect(rules.tick(300_000)).toEqual([]);
  });

  it('rate-limits repeatable events per key, and alerts every breaker trip', () => {
    const rules = new AlertRules({repeatMs: 60_000});
    expect(levels(rules.orderRejected('insufficient-margin', 'order 4', 0))).toEqual(['order-rejected-insufficient-margin:warning']);
    expect(rules.orderRejected('insufficient-margin', 'order 5', 30_000)).toEqual([]);
    expect(levels(rules.orderRejected('min-notional', 'order 6', 30_000))).toEqual(['order-rejected-min-notional:warning']);
    expect(levels(rules.orderRejected('insufficient-margin', 'order 7', 60_000))).toEqual(['order-rejected-insufficient-margin:warning']);
    expect(levels(rules.reconciliationMismatch(['position 0.01 vs 0'], 0))).toEqual(['reconciliation:critical']);
    expect(rules.reconciliationMismatch([], 100_000)).toEqual([]);
    expect(levels(rules.breakerTrip('drawdown', 'drawdown 15.2% >= 15%', 1))).toEqual(['breaker-drawdown:warning']);
    expect(levels(rules.breakerTrip('drawdown', 'again', 2))).toEqual(['breaker-drawdown:warning']);
  });

  it('refuses thresholds out of order', () => {
    expect(() => new AlertRules({thresholds: {drawdown: {warning: 0.2, critical: 0.1}}})).toThrow(/warning <= critical/);
  });

  it('p99 is nearest-rank; the window counter forgets what is older than the window', () => {
    expect(p99([])).toBeNull();
    expect(p99([0.2, 0.1, 0.9])).toBe(0.9);
    expect(p99(Array.from({length: 200}, (_, k) => k))).toBe(197);
    const w = new WindowCounter(300_000);
    w.add(0, 3);
    w.add(500, 2);
    w.add(100_000);
    expect(w.sum(100_000)).toBe(6);
    expect(w.sum(300_999)).toBe(1);
    expect(w.sum(401_000)).toBe(0);
  });
});
