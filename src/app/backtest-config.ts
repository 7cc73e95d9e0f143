import {z} from 'zod';
import {DEFAULT_EXCHANGE, ErrorCode, IftbError, TIMEFRAMES} from '../core/index.js';
import {BreakerConfigSchema, RiskConfigSchema} from '../risk/index.js';
import {LlmConfigSchema} from '../signals/llm/index.js';
import {InstrumentOverrideSchema} from '../config/index.js';

const SlippageSchema = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('fixed'), bps: z.number().min(0).max(1000)}),
  z.object({
    kind: z.literal('volume'),
    bps: z.number().min(0).max(1000),
    impactBps: z.number().min(0).max(10_000),
    maxParticipation: z.number().positive().max(1),
  }),
]);

/** Operator actions replayed at a time in a backtest, as they would arrive through the API live. */
const OperatorActionSchema = z.object({
  atMs: z.number().int(),
  action: z.enum(['kill-switch', 'deactivate-kill-switch', 'pause', 'resume', 'reset-breaker', 'close-all']),
  reason: z.string().default('scheduled operator action'),
});

/** One rule and one message for the starting cash and the leverage, whether set by a flag or a config file. */
const Cash = z.number().positive({error: (issue) => `must be > 0 USDT, got ${String(issue.input)}`});
const Leverage = z.number().min(1, {error: (issue) => `must be between 1 and 125, got ${String(issue.input)}`})
  .max(125, {error: (issue) => `must be between 1 and 125, got ${String(issue.input)}`});

/** One symbol of a portfolio run, with what it changes for that symbol. */
const SymbolEntrySchema = z
  .object({
    symbol: z.string(),
    /** Strategy parameters for this symbol, over the run's `params`. */
    params: z.record(z.string(), z.unknown()).optional(),
    leverage: Leverage.optional(),
    marginMode: z.enum(['isolated', 'cross']).optional(),
    /** Per-symbol risk limits over the run's `risk` (e.g. a cap `maxPositionPct`, or its own sizing). */
    risk: RiskConfigSchema.partial().optional(),
    /** Instrument spec fields for this symbol, over the run's `instrument`. */
    instrument: InstrumentOverrideSchema.optional(),
  })
  .strict();

/** Everything that decides a backtest's result; its canonical hash is the run's identity. */
export const BacktestConfigSchema = z
  .object({
    strategy: z.string().min(1).default('ensemble'),
    params: z.record(z.string(), z.unknown()).default({}),
    exchange: z.string().default(DEFAULT_EXCHANGE),
    symbol: z.string().default('BTC/USDT:USDT'),
    /**
     * A portfolio: the strategy runs once per symbol, on one account (shared wallet, cross margin
     * unless a symbol says isolated, account-wide risk limits, breakers and kill switch). `symbol`
     * is then the first of them.
     */
    symbols: z.array(z.union([z.string(), SymbolEntrySchema])).min(1).optional(),
    timeframe: z.enum(TIMEFRAMES).default('1h'),
    /** Decisions from this time (inclusive); earlier stored bars warm indicators up. */
    fromMs: z.number().int().optional(),
    /** End, exclusive. */
    toMs: z.number().int().optional(),
    cash: Cash.default(100_000),
    leverage: Leverage.default(3),
    marginMode: z.enum(['isolated', 'cross']).default('cross'),
    /** Fee rates as fractions; default: the instrument's (Binance VIP 0: maker 0.0002, taker 0.0005). */
    makerFee: z.number().min(0).max(0.01).optional(),
    takerFee: z.number().min(0).max(0.01).optional(),
    /** Any field of the instrument spec in force, for this run (src/app/instrument-resolution.ts); makerFee/takerFee win over it. */
    instrument: InstrumentOverrideSchema.optional(),
    slippage: SlippageSchema.default({kind: 'fixed', bps: 2}),
    funding: z.boolean().default(true),
    risk: RiskConfigSchema.prefault({}),
    breaker: BreakerConfigSchema.prefault({}),
    /** Horizon of the per-source signal accuracy (hit rate of the score's sign on the next N bars). */
    accuracyHorizonBars: z.number().int().positive().default(12),
    /** Decision latency the breakers see in replay (live measures it). */
    simulatedLatencyMs: z.number().min(0).default(0),
    operatorActions: z.array(OperatorActionSchema).default([]),
    /** The LLM source: replay/call/off, model, budget, timeout, model cutoffs and prices (src/signals/llm/config.ts). */
    llm: LlmConfigSchema.prefault({}),
    /**
     * Research only: reset a breaker still OPEN this many bars after it tripped, so a strategy can
     * be studied past its first trip (live trading has no such thing). Off when absent.
     */
    breakerResetAfterBars: z.int().positive().optional(),
  })
  .strict()
  .refine((c) => c.fromMs === undefined || c.toMs === undefined || c.fromMs < c.toMs, {message: 'from must be before to'});

export type BacktestConfig = z.output<typeof BacktestConfigSchema>;
export type SymbolEntry = z.output<typeof SymbolEntrySchema>;

/** The run's symbols with their overrides: `symbols` when given (duplicates refused), else just `symbol`. */
export function symbolEntries(config: BacktestConfig): SymbolEntry[] {
  if (config.symbols === undefined) return [{symbol: config.symbol}];
  const entries = config.symbols.map((s) => (typeof s === 'string' ? {symbol: s} : s));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.symbol)) throw new IftbError(ErrorCode.CONFIG_INVALID, `symbols: ${e.symbol} is listed twice`);
    seen.add(e.symbol);
  }
  return entries;
}
export type OperatorAction = z.output<typeof OperatorActionSchema>;

/** Commands that judge one symbol's readings (model A/B, look-ahead replays) refuse a raw config of several symbols. */
export function refusePortfolio(raw: unknown, command: string): void {
  const symbols = (raw as {symbols?: unknown} | null)?.symbols;
  if (Array.isArray(symbols) && symbols.length > 1) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${command} runs on one symbol; the config lists ${symbols.length} (\`symbols\`): run it for each symbol on its own`);
  }
}
