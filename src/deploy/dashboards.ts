/**
 * The Grafana dashboards (Trading, System Health, Analysis) as code, built with
 * @grafana/grafana-foundation-sdk. `npm run deploy:generate` writes them to deploy/grafana/dashboards/;
 * test/deploy/dashboards.test.ts checks the committed JSON is current and that every query names only
 * metrics of the contract (metrics-contract.ts).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The provisioned datasource (deploy/grafana/provisioning/datasources/prometheus.yml). */
export const DATASOURCE = {type: 'prometheus', uid: 'iftb-prometheus'} as const;

interface Query {readonly expr: string; readonly legend?: string; readonly instant?: boolean}
type Panel = timeseries.PanelBuilder | stat.PanelBuilder | table.PanelBuilder;

const query = ({expr, legend, instant}: Query, refId: string) => {
  const q = new prometheus.DataqueryBuilder().expr(expr).refId(refId).datasource(DATASOURCE);
  if (legend !== undefined) q.legendFormat(legend);
  if (instant) q.instant().format(prometheus.PromQueryFormat.Table);
  return q;
};

function withQueries<P extends Panel>(panel: P, title: string, queries: readonly Query[]): P {
  panel.title(title).datasource(DATASOURCE);
  queries.forEach((q, i) => panel.withTarget(query(q, String.fromCharCode(65 + i))));
  return panel;
}

const series = (title: string, unit: string, ...queries: Query[]) => withQueries(new timeseries.PanelBuilder(), title, queries).unit(unit);

/** A single number; `warn`/`crit` colour it yellow/red at the runbook's thresholds. */
function single(title: string, unit: string, q: Query, warn?: number, crit?: number) {
  const steps: dashboard.Threshold[] = [{value: null, color: 'green'}];
  if (warn !== undefined) steps.push({value: warn, color: 'yellow'});
  if (crit !== undefined) steps.push({value: crit, color: 'red'});
  return withQueries(new stat.PanelBuilder(), title, [q])
    .unit(unit)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps));
}

/** Lays panels out left to right in rows 24 units wide; ids in order, so the JSON is stable. */
function board(uid: string, title: string, description: string, rows: readonly (readonly [string, number, readonly Panel[]])[]) {
  const builder = new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['iftb'])
    .editable()
    .refresh('30s')
    .time({from: 'now-24h', to: 'now'})
    .timezone('utc');
  let id = 1;
  let y = 0;
  for (const [rowTitle, height, panels] of rows) {
    builder.withRow(new dashboard.RowBuilder(rowTitle).id(id++).gridPos({x: 0, y, w: 24, h: 1}));
    y += 1;
    const width = Math.floor(24 / panels.length);
    panels.forEach((panel, i) => builder.withPanel(panel.id(id++).gridPos({x: i * width, y, w: width, h: height})));
    y += height;
  }
  return builder.build();
}

const ERROR_RATE = 'sum(rate(iftb_exchange_errors_total[5m])) / sum(rate(iftb_exchange_requests_total[5m]))';
const latency = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(iftb_decision_latency_seconds_bucket[5m])))`;

export function tradingDashboard() {
  return board('iftb-trading', 'IFTB Trading', 'Trading performance: P&L, equity, positions, fills, funding', [
    ['Account', 4, [
      single('Equity', 'currencyUSD', {expr: 'iftb_equity_usdt'}),
      single('P&L (24 h)', 'currencyUSD', {expr: 'delta(iftb_equity_usdt[1d])'}),
      single('Drawdown', 'percentunit', {expr: 'iftb_drawdown_ratio'}, 0.10, 0.15),
      single('Daily loss', 'percentunit', {expr: 'iftb_daily_loss_ratio'}, 0.03, 0.05),
      single('Kill switch', 'bool_on_off', {expr: 'iftb_kill_switch_engaged'}, undefined, 1),
      withQueries(new table.PanelBuilder(), 'Trading state', [{expr: 'iftb_trading_state == 1', instant: true}]),
    ]],
    ['P&L', 8, [
      series('Equity and wallet', 'currencyUSD', {expr: 'iftb_equity_usdt', legend: 'equity'}, {expr: 'iftb_wallet_balance_usdt', legend: 'wallet'}),
      series('Unrealised P&L by symbol', 'currencyUSD', {expr: 'iftb_unrealized_pnl_usdt', legend: '{{symbol}}'}),
      series('Drawdown and daily loss', 'percentunit', {expr: 'iftb_drawdown_ratio', legend: 'drawdown'}, {expr: 'iftb_daily_loss_ratio', legend: 'daily loss'}),
    ]],
    ['Positions and fills', 8, [
      series('Position size by symbol (base asset, long > 0)', 'short', {expr: 'iftb_position_qty', legend: '{{symbol}}'}),
      series('Orders per hour by outcome', 'short', {expr: 'sum by (outcome) (increase(iftb_orders_total[1h]))', legend: '{{outcome}}'}),
      series('Fill slippage', 'percentunit',
        {expr: 'histogram_quantile(0.5, sum by (le) (rate(iftb_fill_slippage_ratio_bucket[1h])))', legend: 'p50'},
        {expr: 'histogram_quantile(0.95, sum by (le) (rate(iftb_fill_slippage_ratio_bucket[1h])))', legend: 'p95'}),
      series('Funding paid (cumulative, negative = received)', 'currencyUSD', {expr: 'iftb_funding_paid_usdt', legend: 'funding'}),
    ]],
  ]);
}

export function systemHealthDashboard() {
  return board('iftb-system-health', 'IFTB System Health', 'The bot process and its connections: CPU, memory, event loop, streams, exchange errors', [
    ['Status', 4, [
      single('Bot up', 'bool_on_off', {expr: 'max(iftb_up)'}),
      single('Scrape up', 'bool_on_off', {expr: 'up{job="iftb"}'}),
      single('Exchange error rate (5 m)', 'percentunit', {expr: ERROR_RATE}, 0.05, 0.10),
      single('Data age', 's', {expr: 'iftb_data_age_seconds'}),
      withQueries(new table.PanelBuilder(), 'Circuit breaker', [{expr: 'iftb_circuit_breaker_state == 1', instant: true}]),
    ]],
    ['Process', 8, [
      series('CPU (cores)', 'short', {expr: 'rate(process_cpu_seconds_total{job="iftb"}[5m])', legend: 'cpu'}),
      series('Memory', 'bytes', {expr: 'process_resident_memory_bytes{job="iftb"}', legend: 'resident'}, {expr: 'nodejs_heap_size_used_bytes{job="iftb"}', legend: 'heap used'}),
      series('Event loop lag p99', 's', {expr: 'nodejs_eventloop_lag_p99_seconds{job="iftb"}', legend: 'p99'}),
    ]],
    ['Network and exchange', 8, [
      series('WebSocket reconnects per hour', 'short', {expr: 'sum by (stream) (increase(iftb_websocket_reconnects_total[1h]))', legend: '{{stream}}'}),
      series('Exchange requests and errors per second', 'reqps',
        {expr: 'sum(rate(iftb_exchange_requests_total[5m]))', legend: 'requests'},
        {expr: 'sum by (kind) (rate(iftb_exchange_errors_total[5m]))', legend: 'errors {{kind}}'}),
      series('Exchange error rate', 'percentunit', {expr: ERROR_RATE, legend: 'error rate'}),
      series('Reconciliation mismatches and alerts per hour', 'short',
        {expr: 'increase(iftb_reconciliation_mismatches_total[1h])', legend: 'reconciliation mismatches'},
        {expr: 'sum by (channel, level) (increase(iftb_alerts_sent_total[1h]))', legend: 'sent {{channel}} {{level}}'},
        {expr: 'sum by (channel) (increase(iftb_alerts_failed_total[1h]))', legend: 'failed {{channel}}'}),
    ]],
  ]);
}

export function analysisDashboard() {
  return board('iftb-analysis', 'IFTB Analysis', 'Signals and models: scores per source, models serving, decision latency, LLM use', [
    ['Signals', 8, [
      series('Signal score by source (−1..1)', 'short', {expr: 'iftb_signal_score', legend: '{{source}}'}).min(-1).max(1),
      withQueries(new table.PanelBuilder(), 'Models serving', [{expr: 'iftb_model_info == 1', instant: true}]),
      series('Model inference per bar', 's',
        {expr: 'histogram_quantile(0.5, sum by (le, source) (rate(iftb_model_inference_seconds_bucket[1h])))', legend: 'p50 {{source}}'},
        {expr: 'histogram_quantile(0.99, sum by (le, source) (rate(iftb_model_inference_seconds_bucket[1h])))', legend: 'p99 {{source}}'}),
    ]],
    ['Decisions', 8, [
      series('Decision latency', 's', {expr: latency(0.5), legend: 'p50'}, {expr: latency(0.95), legend: 'p95'}, {expr: latency(0.99), legend: 'p99'}),
      series('Bars decided per hour', 'short', {expr: 'increase(iftb_bars_total[1h])', legend: 'bars'}),
      series('Data age', 's', {expr: 'iftb_data_age_seconds', legend: 'age'}),
      single('Last decided bar (open time)', 'dateTimeAsIso', {expr: 'iftb_last_bar_timestamp_seconds * 1000'}),
    ]],
    ['LLM', 8, [
      series('LLM calls per hour', 'short', {expr: 'increase(iftb_llm_calls_total[1h])', legend: 'calls'}),
      series('LLM cost per day', 'currencyUSD', {expr: 'increase(iftb_llm_cost_usdt_total[1d])', legend: 'cost'}),
      series('LLM latency (p99) and budget used', 'short',
        {expr: 'histogram_quantile(0.99, sum by (le) (rate(iftb_llm_request_duration_seconds_bucket[1h])))', legend: 'p99 s'},
        {expr: 'iftb_llm_budget_used_ratio', legend: 'budget used'}),
      series('LLM failures and headlines per hour', 'short',
        {expr: 'sum by (kind) (increase(iftb_llm_failures_total[1h]))', legend: 'failed {{kind}}'},
        {expr: 'increase(iftb_news_items_total[1h])', legend: 'headlines'},
        {expr: 'increase(iftb_news_feed_errors_total[1h])', legend: 'feed errors'}),
    ]],
    ['Shadow challenger', 8, [
      series('ML score: champion and shadow (−1..1)', 'short', {expr: 'iftb_signal_score{source="ml"}', legend: 'champion'}, {expr: 'iftb_shadow_signal_score', legend: 'shadow {{model}}'}).min(-1).max(1),
      series('Equity: champion and shadow (would-be)', 'currencyUSD', {expr: 'iftb_equity_usdt', legend: 'champion'}, {expr: 'iftb_shadow_equity_usdt', legend: 'shadow {{model}}'}),
    ]],
  ]);
}

/** File name under deploy/grafana/dashboards/ → dashboard JSON. */
export function dashboardFiles(): Record<string, string> {
  const json = (d: unknown) => `${JSON.stringify(d, null, 2)}\n`;
  return {
    'trading.json': json(tradingDashboard()),
    'system-health.json': json(systemHealthDashboard()),
    'analysis.json': json(analysisDashboard()),
  };
}
