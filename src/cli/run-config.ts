import {type Command, Option} from 'commander';
import {applyOverrides, readConfigFile} from '../config/index.js';
import {choiceOption, numberOption, symbolOption, timeframeOption, timeOption} from './options.js';
import {ErrorCode, IftbError} from '../core/index.js';

/** The backtest-config flags several commands share; each is optional, absent means "keep the file's". */
export interface RunConfigFlags {
  readonly config?: string;
  readonly strategy?: string;
  readonly symbol?: string;
  readonly timeframe?: string;
  readonly from?: number;
  readonly to?: number;
  readonly cash?: number;
  readonly leverage?: number;
  readonly margin?: 'isolated' | 'cross';
  readonly takerFee?: number;
  readonly makerFee?: number;
  readonly slippageBps?: number;
  readonly funding?: 'on' | 'off';
  readonly param?: readonly string[];
  /** A portfolio (--symbols A,B): replaces the file's `symbols`, keeping the file's per-symbol overrides of the symbols it still lists. */
  readonly symbols?: readonly string[];
}

/** Commander collector for repeatable options (--param). */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** File config first (--config), then each flag the user actually gave. Validation happens in the app. */
export function runConfigFromFlags(o: RunConfigFlags): Record<string, unknown> {
  const config: Record<string, unknown> = o.config ? (readConfigFile(o.config) as Record<string, unknown>) : {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) config[key] = value;
  };
  set('strategy', o.strategy);
  set('symbol', o.symbol);
  set('timeframe', o.timeframe);
  set('fromMs', o.from);
  set('toMs', o.to);
  set('cash', o.cash);
  set('leverage', o.leverage);
  set('marginMode', o.margin);
  set('takerFee', o.takerFee);
  set('makerFee', o.makerFee);
  if (o.slippageBps !== undefined) config.slippage = {kind: 'fixed', bps: o.slippageBps};
  if (o.funding !== undefined) config.funding = o.funding === 'on';
  if (o.symbols !== undefined) config.symbols = portfolioSymbols(o, config);
  if (o.param && o.param.length > 0) config.params = applyOverrides((config.params as Record<string, unknown>) ?? {}, o.param);
  return config;
}

/** The backtest-config flags (market, window, --config, --param, costs) that RunConfigFlags reads. */
export function addRunConfigOptions(command: Command, strategyHelp = 'strategy in strategies/ (default ensemble)'): Command {
  return command
    .option('--strategy <name>', strategyHelp)
    .option('--symbol <symbol>', 'ccxt unified symbol (default BTC/USDT:USDT)', symbolOption)
    .option('--timeframe <tf>', 'candle interval (default 1h)', timeframeOption)
    .option('--from <time>', 'first decision bar (UTC date or ISO time)', timeOption)
    .option('--to <time>', 'end, exclusive', timeOption)
    .option('--config <file>', 'JSON backtest config; flags override it')
    .option('--param <key=value>', 'strategy parameter (repeatable; dots nest)', collect, [])
    .option('--cash <amount>', 'starting wallet balance in USDT (default 100000)', numberOption('--cash'))
    .option('--leverage <x>', 'leverage (default 3)', numberOption('--leverage'))
    .addOption(new Option('--margin <mode>', 'isolated or cross (default cross)').argParser(choiceOption(['isolated', 'cross'] as const)))
    .option('--taker-fee <rate>', 'taker fee as a fraction (default 0.0005)', numberOption('--taker-fee', 0))
    .option('--maker-fee <rate>', 'maker fee as a fraction (default 0.0002)', numberOption('--maker-fee', 0))
    .option('--slippage-bps <bps>', 'fixed slippage in basis points (default 2)', numberOption('--slippage-bps', 0))
    .addOption(new Option('--funding <on|off>', 'apply funding payments (default on)').argParser(choiceOption(['on', 'off'] as const)));
}

/** --symbols over the file's `symbols`: a symbol the file configures keeps its entry (params, leverage, risk, …). */
function portfolioSymbols(o: RunConfigFlags, config: Record<string, unknown>): unknown[] {
  if (o.symbol !== undefined) throw new IftbError(ErrorCode.INPUT_INVALID, '--symbol and --symbols cannot be combined: a portfolio\'s first symbol is the first of --symbols');
  const listed = Array.isArray(config.symbols) ? (config.symbols as unknown[]) : [];
  const entryOf = (symbol: string) => listed.find((e) => e === symbol || (typeof e === 'object' && e !== null && (e as {symbol?: unknown}).symbol === symbol));
  delete config.symbol;
  return (o.symbols ?? []).map((symbol) => entryOf(symbol) ?? symbol);
}
