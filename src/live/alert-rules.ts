/**
 * When the running bot tells an operator something (runbook 알림 임계값): pure, time passed in.
 * Threshold rules send one message per level per crossing and re-arm when the value is back under
 * that level; event rules (kill switch, breaker trips, reconciliation mismatches, rejected orders,
 * disconnects over a minute) send once per occurrence, the repeatable ones at most once per
 * `repeatMs` per key. Delivery (channels, retries, rate limits) is elsewhere.
 */

export type AlertLevel = 'warning' | 'critical';

export interface Alert {
  /** What it is about ('drawdown', 'kill-switch', …): the dedupe key with the level. */
  readonly key: string;
  readonly level: AlertLevel;
  readonly text: string;
  readonly timeMs: number;
}

export interface Thresholds {
  readonly warning: number;
  readonly critical: number;
}

/** The runbook's table (ratios and seconds, as the metrics are). */
export const ALERT_THRESHOLDS = {
  drawdown: {warning: 0.1, critical: 0.15},
  apiErrorRate: {warning: 0.05, critical: 0.1},
  decisionLatencySeconds: {warning: 0.5, critical: 1},
  dailyLoss: {warning: 0.03, critical: 0.05},
  /** The LLM source: share of the session's budget used, and of its requests that failed over the window. */
  llmBudgetUsed: {warning: 0.8, critical: 1},
  llmFailureRate: {warning: 0.25, critical: 0.5},
} as const satisfies Record<string, Thresholds>;

export type ThresholdKey = keyof typeof ALERT_THRESHOLDS;

/** The figures the threshold rules read; null when not measurable yet (no requests, no bars). */
export type AlertReadings = Readonly<Partial<Record<ThresholdKey, number | null>>>;

const LABELS: Readonly<Record<ThresholdKey, string>> = {
  drawdown: 'Drawdown',
  apiErrorRate: 'API error rate',
  decisionLatencySeconds: 'Decision latency (p99)',
  dailyLoss: 'Daily loss',
  llmBudgetUsed: 'LLM budget used',
  llmFailureRate: 'LLM failure rate',
};

const ACTIONS: Readonly<Record<ThresholdKey, string>> = {
  drawdown: 'check the circuit breaker',
  apiErrorRate: 'check the exchange connection',
  decisionLatencySeconds: 'check system resources',
  dailyLoss: 'trading stops automatically at the breaker limit',
  llmBudgetUsed: 'at 100 % the LLM source abstains for the rest of the session (raise llm.budgetUsd / llm.maxCalls and restart)',
  llmFailureRate: 'check the LLM endpoint; failed bars abstain, trading goes on',
};

function shown(key: ThresholdKey, value: number): string {
  return key === 'decisionLatencySeconds' ? `${Math.round(value * 1000)} ms` : `${(value * 100).toFixed(2)} %`;
}

export interface AlertRulesOptions {
  readonly thresholds?: Partial<Record<ThresholdKey, Thresholds>>;
  /** A disconnected stream alerts after this long (default 60 s). */
  readonly disconnectAfterMs?: number;
  /** Repeatable events (rejected orders, mismatches) of one key: at most one message per this long (default 60 s). */
  readonly repeatMs?: number;
  /** Prefixed to every message (e.g. the session id and mode). */
  readonly prefix?: string;
}

export class AlertRules {
  readonly #thresholds: Record<ThresholdKey, Thresholds>;
  readonly #disconnectAfterMs: number;
  readonly #repeatMs: number;
  readonly #prefix: string;
  /** Levels currently crossed, per threshold rule. */
  readonly #crossed = new Map<ThresholdKey, Set<AlertLevel>>();
  readonly #lastSent = new Map<string, number>();
  #killSwitch = false;
  readonly #down = new Map<string, {sinceMs: number; reason: string; alerted: boolean}>();

  constructor(options: AlertRulesOptions = {}) {
    this.#thresholds = {...ALERT_THRESHOLDS, ...options.thresholds};
    for (const [key, t] of Object.entries(this.#thresholds)) {
      if (!(t.warning > 0 && t.critical >= t.warning)) throw new RangeError(`alert thresholds of ${key}: need 0 < warning <= critical`);
    }
    this.#disconnectAfterMs = options.disconnectAfterMs ?? 60_000;
    this.#repeatMs = options.repeatMs ?? 60_000;
    this.#prefix = options.prefix ?? '';
  }

  /**
   * The threshold rules over the latest readings: a level is sent when the value reaches it from
   * under it; a jump past both sends only critical (warning counts as crossed too, so falling back
   * between the two sends nothing). Under a level re-arms it.
   */
  evaluate(readings: AlertReadings, timeMs: number): Alert[] {
    const out: Alert[] = [];
    for (const key of Object.keys(readings) as ThresholdKey[]) {
      const value = readings[key];
      if (value === null || value === undefined || !Number.isFinite(value)) continue;
      const t = this.#thresholds[key];
      const crossed = this.#crossed.get(key) ?? new Set<AlertLevel>();
      this.#crossed.set(key, crossed);
      if (value < t.critical) crossed.delete('critical');
      if (value < t.warning) crossed.delete('warning');
      if (value >= t.critical && !crossed.has('critical')) {
        crossed.add('critical');
        crossed.add('warning');
        out.push(this.#alert(key, 'critical', `${LABELS[key]} ${shown(key, value)} reached the critical level ${shown(key, t.critical)}: ${ACTIONS[key]}`, timeMs));
      } else if (value >= t.warning && !crossed.has('warning')) {
        crossed.add('warning');
        out.push(this.#alert(key, 'warning', `${LABELS[key]} ${shown(key, value)} reached the warning level ${shown(key, t.warning)}: ${ACTIONS[key]}`, timeMs));
      }
    }
    return out;
  }

  /** The kill switch's state as last seen: one critical alert per engagement. */
  killSwitch(engaged: boolean, detail: string, timeMs: number): Alert[] {
    const was = this.#killSwitch;
    this.#killSwitch = engaged;
    if (engaged && !was) return [this.#alert('kill-switch', 'critical', `Kill switch ENGAGED (${detail}): positions flattened, trading halted`, timeMs)];
    if (!engaged && was) return [this.#alert('kill-switch-released', 'warning', `Kill switch released (${detail})`, timeMs)];
    return [];
  }

  /** A circuit breaker trip (journal `breaker` event, level 'trip'). */
  breakerTrip(rule: string, detail: string, timeMs: number): Alert[] {
    return [this.#alert(`breaker-${rule}`, 'warning', `Circuit breaker tripped (${rule}): ${detail}`, timeMs)];
  }

  /** A reconciliation pass found mismatches (trading is restricted until an operator resumes). */
  reconciliationMismatch(mismatches: readonly string[], timeMs: number): Alert[] {
    if (mismatches.length === 0) return [];
    return this.#repeatable('reconciliation', 'critical', `Reconciliation mismatch (${mismatches.length}): ${mismatches.slice(0, 3).join('; ')}${mismatches.length > 3 ? '; …' : ''}`, timeMs);
  }

  /** An order the venue refused. */
  orderRejected(reason: string, detail: string, timeMs: number): Alert[] {
    return this.#repeatable(`order-rejected-${reason}`, 'warning', `Order rejected (${reason}): ${detail}`, timeMs);
  }

  /** A stream's state changed; `connected` re-arms its disconnect alert. */
  stream(stream: string, state: 'connected' | 'disconnected' | 'reconnecting', reason: string, timeMs: number): Alert[] {
    if (state === 'connected') {
      const was = this.#down.get(stream);
      this.#down.delete(stream);
      if (was?.alerted) return [this.#alert(`disconnect-${stream}-over`, 'warning', `${stream} stream connected again after ${Math.round((timeMs - was.sinceMs) / 1000)} s`, timeMs)];
      return [];
    }
    if (!this.#down.has(stream)) this.#down.set(stream, {sinceMs: timeMs, reason, alerted: false});
    return this.tick(timeMs);
  }

  /** Called on a timer: disconnects that have lasted over the limit. */
  tick(timeMs: number): Alert[] {
    const out: Alert[] = [];
    for (const [stream, d] of this.#down) {
      if (d.alerted || timeMs - d.sinceMs < this.#disconnectAfterMs) continue;
      d.alerted = true;
      out.push(this.#alert(`disconnect-${stream}`, 'critical', `${stream} stream disconnected for ${Math.round((timeMs - d.sinceMs) / 1000)} s (${d.reason})`, timeMs));
    }
    return out;
  }

  #repeatable(key: string, level: AlertLevel, text: string, timeMs: number): Alert[] {
    const last = this.#lastSent.get(key);
    if (last !== undefined && timeMs - last < this.#repeatMs) return [];
    this.#lastSent.set(key, timeMs);
    return [this.#alert(key, level, text, timeMs)];
  }

  #alert(key: string, level: AlertLevel, text: string, timeMs: number): Alert {
    return {key, level, text: `${this.#prefix}${text}`, timeMs};
  }
}

/** Nearest-rank p99 (the runbook's latency figure) of the latencies in the window; null when empty. */
export function p99(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(0.99 * sorted.length) - 1))];
}

/**
 * Counts in a sliding time window (the API error rate over 5 minutes): add(time, n), then
 * sum(now) of the entries newer than now − windowMs. Buckets per second keep it small.
 */
export class WindowCounter {
  readonly #buckets: {second: number; n: number}[] = [];
  constructor(readonly windowMs: number) {}

  add(timeMs: number, n = 1): void {
    const second = Math.floor(timeMs / 1000);
    const last = this.#buckets[this.#buckets.length - 1];
    if (last !== undefined && last.second === second) last.n += n;
    else this.#buckets.push({second, n});
  }

  sum(nowMs: number): number {
    const from = Math.floor((nowMs - this.windowMs) / 1000);
    while (this.#buckets.length > 0 && this.#buckets[0].second <= from) this.#buckets.shift();
    let total = 0;
    for (const b of this.#buckets) total += b.n;
    return total;
  }
}
