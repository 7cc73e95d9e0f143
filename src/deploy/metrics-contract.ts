/**
 * The Prometheus metric contract (the list the bot's /metrics exports):
 * alert rules and dashboards may name only these. Histograms also expose `_bucket`, `_sum` and
 * `_count`; prom-client's default process_* / nodejs_* metrics are listed by the ones used.
 */
export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
}

const m = (name: string, type: MetricType, labels: readonly string[], help: string): MetricSpec => ({name, type, labels, help});

export const METRICS: readonly MetricSpec[] = [
  m('iftb_up', 'gauge', ['mode'], '1 while the session runs'),
  m('iftb_equity_usdt', 'gauge', [], 'account equity (wallet + unrealised)'),
  m('iftb_wallet_balance_usdt', 'gauge', [], 'wallet balance (cash)'),
  m('iftb_position_qty', 'gauge', ['symbol'], 'signed position size in base asset (long > 0)'),
  m('iftb_unrealized_pnl_usdt', 'gauge', ['symbol'], 'unrealised PnL at the last mark'),
  m('iftb_drawdown_ratio', 'gauge', [], '(peak equity − equity) / peak equity, 0..1'),
  m('iftb_daily_loss_ratio', 'gauge', [], "loss since the UTC day's first equity / that equity, ≥ 0"),
  m('iftb_trading_state', 'gauge', ['state'], '1 for the current state (active|reducing|halted)'),
  m('iftb_circuit_breaker_state', 'gauge', ['state'], '1 for the current state (CLOSED|OPEN|HALF_OPEN)'),
  m('iftb_kill_switch_engaged', 'gauge', [], '1 when engaged'),
  m('iftb_exchange_requests_total', 'counter', [], 'REST requests sent to the exchange'),
  m('iftb_exchange_errors_total', 'counter', ['kind'], 'failed exchange requests'),
  m('iftb_decision_latency_seconds', 'histogram', [], 'bar close seen → orders flushed'),
  m('iftb_data_age_seconds', 'gauge', [], 'now − close time of the last decided bar'),
  m('iftb_last_bar_timestamp_seconds', 'gauge', [], 'open time of the last decided bar (unix seconds)'),
  m('iftb_bars_total', 'counter', [], 'bars decided'),
  m('iftb_websocket_reconnects_total', 'counter', ['stream'], 'stream reconnects'),
  m('iftb_orders_total', 'counter', ['outcome'], 'order outcomes'),
  m('iftb_fill_slippage_ratio', 'histogram', [], 'abs(fill price − reference price) / reference'),
  m('iftb_funding_paid_usdt', 'gauge', [], 'cumulative net funding paid (negative = received)'),
  m('iftb_signal_score', 'gauge', ['source'], 'latest score of each source, −1..1'),
  m('iftb_llm_calls_total', 'counter', [], 'LLM calls made'),
  m('iftb_llm_cost_usdt_total', 'counter', [], 'LLM cost'),
  m('iftb_llm_request_duration_seconds', 'histogram', [], 'LLM request sent → answer or failure'),
  m('iftb_llm_failures_total', 'counter', ['kind'], 'LLM requests without a usable answer (late|timeout|rate_limit|server|connection|invalid|other)'),
  m('iftb_llm_budget_used_ratio', 'gauge', [], 'share of the session LLM budget used (calls or USD, the larger), 1 = exhausted'),
  m('iftb_news_items_total', 'counter', ['feed'], 'new headlines stored from a feed'),
  m('iftb_news_feed_errors_total', 'counter', ['feed'], 'headline feed polls that failed'),
  m('iftb_model_info', 'gauge', ['name', 'version', 'sha256'], '1 per model serving'),
  m('iftb_model_inference_seconds', 'histogram', ['source'], "one bar's ML work per source: features + ONNX run"),
  m('iftb_reconciliation_mismatches_total', 'counter', [], 'reconciliation passes that found a mismatch'),
  m('iftb_alerts_sent_total', 'counter', ['channel', 'level'], 'alerts delivered'),
  m('iftb_alerts_failed_total', 'counter', ['channel'], 'alert deliveries that failed after retries'),
  // --shadow: the challenger beside the champion (series exist only in a session with a shadow).
  m('iftb_shadow_signal_score', 'gauge', ['model'], "latest ML score of the shadow challenger, −1..1"),
  m('iftb_shadow_equity_usdt', 'gauge', ['model'], "the shadow's would-be equity on its simulated venue"),
  // prom-client defaults (collectDefaultMetrics) the dashboards use.
  m('process_cpu_seconds_total', 'counter', [], 'CPU time (user + system)'),
  m('process_resident_memory_bytes', 'gauge', [], 'resident memory'),
  m('nodejs_heap_size_used_bytes', 'gauge', [], 'V8 heap used'),
  m('nodejs_eventloop_lag_p99_seconds', 'gauge', [], 'event loop lag, p99'),
];

/** Series names a query may use: every metric, plus `_bucket/_sum/_count` of histograms; `up` is Prometheus' own. */
export function allowedSeries(): ReadonlySet<string> {
  const names = new Set<string>(['up']);
  for (const metric of METRICS) {
    if (metric.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    else names.add(metric.name);
  }
  return names;
}

/** PromQL functions, keywords and label names are not series: what remains of `[a-z_:]+` tokens outside strings, braces and ranges. */
const NOT_SERIES = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets', 'histogram_quantile', 'abs', 'clamp_min', 'clamp_max',
  'absent', 'absent_over_time', 'max_over_time', 'min_over_time', 'avg_over_time', 'last_over_time', 'time', 'timestamp',
  'vector', 'scalar', 'label_replace', 'sort', 'sort_desc', 'round', 'floor', 'ceil', 'le', 'inf', 'nan',
]);

/** The series names a PromQL expression reads (label matchers, strings, durations and grouping lists removed). */
export function seriesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?[A-Za-z_]+\}?/g, '')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+|ms|[smhdwy])?\b/gi, '');
  const tokens = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(tokens.filter((t) => !NOT_SERIES.has(t.toLowerCase()) && !/^\d/.test(t)))];
}
