/**
 * The bot's Prometheus metrics (the contract in src/deploy/metrics-contract.ts): one prom-client registry per
 * session (not the global one, so two sessions in one process, or tests, never share counters),
 * with the contract's metrics and the default process/nodejs metrics. The app sees only the
 * narrow handles below, never prom-client itself.
 */
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

type Labels<K extends string> = Partial<Record<K, string>>;

export interface GaugeHandle<K extends string = never> {
  set(value: number, labels?: Labels<K>): void;
  /** Drops every labelled child (model info after a reload). */
  reset(): void;
}

export interface CounterHandle<K extends string = never> {
  inc(amount?: number, labels?: Labels<K>): void;
  /** Exposes a labelled child at 0 before its first increment (so a rate() has a series). */
  touch(labels: Labels<K>): void;
}

export interface HistogramHandle {
  observe(value: number): void;
}

export interface LabelledHistogramHandle<K extends string> {
  observe(value: number, labels: Labels<K>): void;
}

export const DECISION_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5] as const;
export const SLIPPAGE_BUCKETS = [0, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025] as const;
/** One bar's features + ONNX run: well under a millisecond for the shipped model, a slow one shows in the upper buckets. */
export const MODEL_INFERENCE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25] as const;

export const LLM_LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60] as const;
/** Why an LLM request gave no usable answer: `late` resolved after the bar's deadline (the bar had abstained). */
export const LLM_FAILURE_KINDS = ['late', 'timeout', 'rate_limit', 'server', 'connection', 'invalid', 'other'] as const;
export type LlmFailureLabel = (typeof LLM_FAILURE_KINDS)[number];

export const EXCHANGE_ERROR_KINDS = ['timeout', 'rate_limit', 'server', 'network', 'auth', 'rejected', 'other'] as const;
export type ExchangeErrorLabel = (typeof EXCHANGE_ERROR_KINDS)[number];
export const ORDER_OUTCOMES = ['submitted', 'filled', 'canceled', 'rejected', 'expired'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];

export interface IftbMetrics {
  readonly up: GaugeHandle<'mode'>;
  readonly equity: GaugeHandle;
  readonly walletBalance: GaugeHandle;
  readonly positionQty: GaugeHandle<'symbol'>;
  readonly unrealizedPnl: GaugeHandle<'symbol'>;
  readonly drawdown: GaugeHandle;
  readonly dailyLoss: GaugeHandle;
  readonly tradingState: GaugeHandle<'state'>;
  readonly breakerState: GaugeHandle<'state'>;
  readonly killSwitchEngaged: GaugeHandle;
  readonly exchangeRequests: CounterHandle;
  readonly exchangeErrors: CounterHandle<'kind'>;
  readonly decisionLatency: HistogramHandle;
  readonly dataAge: GaugeHandle;
  readonly lastBarTimestamp: GaugeHandle;
  readonly bars: CounterHandle;
  readonly websocketReconnects: CounterHandle<'stream'>;
  readonly orders: CounterHandle<'outcome'>;
  readonly fillSlippage: HistogramHandle;
  readonly fundingPaid: GaugeHandle;
  readonly signalScore: GaugeHandle<'source'>;
  readonly llmCalls: CounterHandle;
  readonly llmCost: CounterHandle;
  readonly llmRequestDuration: HistogramHandle;
  readonly llmFailures: CounterHandle<'kind'>;
  readonly llmBudgetUsed: GaugeHandle;
  readonly newsItems: CounterHandle<'feed'>;
  readonly newsFeedErrors: CounterHandle<'feed'>;
  readonly modelInfo: GaugeHandle<'name' | 'version' | 'sha256'>;
  readonly modelInference: LabelledHistogramHandle<'source'>;
  readonly reconciliationMismatches: CounterHandle;
  readonly shadowSignalScore: GaugeHandle<'model'>;
  readonly shadowEquity: GaugeHandle<'model'>;
  readonly alertsSent: CounterHandle<'channel' | 'level'>;
  readonly alertsFailed: CounterHandle<'channel'>;
  /** The exposition (text format 0.0.4). */
  scrape(): Promise<{contentType: string; body: string}>;
}

export function createMetrics(options: {readonly defaultMetrics?: boolean} = {}): IftbMetrics {
  const registers = [new Registry()];
  const registry = registers[0];
  if (options.defaultMetrics !== false) collectDefaultMetrics({register: registry});
  const gauge = <K extends string>(name: string, help: string, labelNames: readonly K[] = []): GaugeHandle<K> => {
    const g = new Gauge<string>({name, help, labelNames: [...labelNames], registers});
    return {
      set: (value, labels) => (labels === undefined ? g.set(value) : g.set(labels as Record<string, string>, value)),
      reset: () => g.reset(),
    };
  };
  const counter = <K extends string>(name: string, help: string, labelNames: readonly K[] = []): CounterHandle<K> => {
    const c = new Counter<string>({name, help, labelNames: [...labelNames], registers});
    return {
      inc: (amount = 1, labels) => (labels === undefined ? c.inc(amount) : c.inc(labels as Record<string, string>, amount)),
      touch: (labels) => c.inc(labels as Record<string, string>, 0),
    };
  };
  const histogram = (name: string, help: string, buckets: readonly number[]): HistogramHandle => {
    const h = new Histogram({name, help, buckets: [...buckets], registers});
    return {observe: (value) => h.observe(value)};
  };
  const labelledHistogram = <K extends string>(name: string, help: string, buckets: readonly number[], labelNames: readonly K[]): LabelledHistogramHandle<K> => {
    const h = new Histogram<string>({name, help, buckets: [...buckets], labelNames: [...labelNames], registers});
    return {observe: (value, labels) => h.observe(labels as Record<string, string>, value)};
  };
  const metrics: IftbMetrics = {
    up: gauge('iftb_up', '1 while the session runs', ['mode']),
    equity: gauge('iftb_equity_usdt', 'Account equity (wallet + unrealised), USDT'),
    walletBalance: gauge('iftb_wallet_balance_usdt', 'Wallet balance (cash), USDT'),
    positionQty: gauge('iftb_position_qty', 'Signed position size in base asset (long > 0)', ['symbol']),
    unrealizedPnl: gauge('iftb_unrealized_pnl_usdt', 'Unrealised PnL at the last mark, USDT', ['symbol']),
    drawdown: gauge('iftb_drawdown_ratio', '(peak equity - equity) / peak equity'),
    dailyLoss: gauge('iftb_daily_loss_ratio', "Loss since the UTC day's first equity / that equity (0 when up)"),
    tradingState: gauge('iftb_trading_state', '1 for the current trading state, 0 for the others', ['state']),
    breakerState: gauge('iftb_circuit_breaker_state', '1 for the current circuit breaker state, 0 for the others', ['state']),
    killSwitchEngaged: gauge('iftb_kill_switch_engaged', '1 when the kill switch is engaged'),
    exchangeRequests: counter('iftb_exchange_requests_total', 'REST requests sent to the exchange'),
    exchangeErrors: counter('iftb_exchange_errors_total', 'Failed exchange requests', ['kind']),
    decisionLatency: histogram('iftb_decision_latency_seconds', 'Bar close seen to orders flushed, seconds', DECISION_LATENCY_BUCKETS),
    dataAge: gauge('iftb_data_age_seconds', 'Now minus the close time of the last decided bar, seconds'),
    lastBarTimestamp: gauge('iftb_last_bar_timestamp_seconds', 'Open time of the last decided bar, unix seconds'),
    bars: counter('iftb_bars_total', 'Bars decided'),
    websocketReconnects: counter('iftb_websocket_reconnects_total', 'Stream reconnects', ['stream']),
    orders: counter('iftb_orders_total', 'Order outcomes', ['outcome']),
    fillSlippage: histogram('iftb_fill_slippage_ratio', 'abs(fill price - reference price) / reference price', SLIPPAGE_BUCKETS),
    fundingPaid: gauge('iftb_funding_paid_usdt', 'Cumulative net funding paid, USDT (negative = received)'),
    signalScore: gauge('iftb_signal_score', 'Latest score of each signal source, -1..1', ['source']),
    llmCalls: counter('iftb_llm_calls_total', 'LLM calls made'),
    llmCost: counter('iftb_llm_cost_usdt_total', 'LLM cost, USDT'),
    llmRequestDuration: histogram('iftb_llm_request_duration_seconds', 'LLM request sent to answer or failure, seconds', LLM_LATENCY_BUCKETS),
    llmFailures: counter('iftb_llm_failures_total', 'LLM requests without a usable answer, by kind (late: after the bar deadline)', ['kind']),
    llmBudgetUsed: gauge('iftb_llm_budget_used_ratio', 'Share of the session LLM budget used (calls or USD, the larger); 1 = exhausted'),
    newsItems: counter('iftb_news_items_total', 'New headlines stored from a feed', ['feed']),
    newsFeedErrors: counter('iftb_news_feed_errors_total', 'Headline feed polls that failed', ['feed']),
    modelInfo: gauge('iftb_model_info', '1 per model serving', ['name', 'version', 'sha256']),
    modelInference: labelledHistogram('iftb_model_inference_seconds', "One bar's ML work per source (features + ONNX run), seconds", MODEL_INFERENCE_BUCKETS, ['source']),
    reconciliationMismatches: counter('iftb_reconciliation_mismatches_total', 'Reconciliation passes that found a mismatch'),
    alertsSent: counter('iftb_alerts_sent_total', 'Alerts delivered', ['channel', 'level']),
    alertsFailed: counter('iftb_alerts_failed_total', 'Alert deliveries that failed after retries', ['channel']),
    shadowSignalScore: gauge('iftb_shadow_signal_score', 'Latest ML score of the shadow challenger, -1..1', ['model']),
    shadowEquity: gauge('iftb_shadow_equity_usdt', "The shadow challenger's would-be equity on its simulated venue, USDT", ['model']),
    scrape: async () => ({contentType: registry.contentType, body: await registry.metrics()}),
  };
  // Every labelled series the contract names exists from the first scrape (0), so rules and dashboards see it.
  for (const kind of EXCHANGE_ERROR_KINDS) metrics.exchangeErrors.touch({kind});
  for (const outcome of ORDER_OUTCOMES) metrics.orders.touch({outcome});
  for (const stream of ['market', 'user']) metrics.websocketReconnects.touch({stream});
  for (const kind of LLM_FAILURE_KINDS) metrics.llmFailures.touch({kind});
  for (const channel of ['telegram', 'slack']) {
    metrics.alertsFailed.touch({channel});
    for (const level of ['warning', 'critical']) metrics.alertsSent.touch({channel, level});
  }
  return metrics;
}
