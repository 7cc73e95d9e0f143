import {applyOverrides, readConfigFile} from '../config/index.js';

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
  if (o.param && o.param.length > 0) config.params = applyOverrides((config.params as Record<string, unknown>) ?? {}, o.param);
  return config;
}
