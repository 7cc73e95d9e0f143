import {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';
import {envLookup, parseConfig} from '../config/index.js';
import {type NewsSettings, NewsSettingsSchema} from '../adapters/news-feed/index.js';
import {type BacktestConfig, BacktestConfigSchema} from './backtest-config.js';

/** How the running bot behaves around the loop (what a backtest has no use for). */
export const LiveSettingsSchema = z
  .object({
    mode: z.enum(['paper', 'live']).default('paper'),
    /** SIGTERM: keep positions (default) or close them before exiting. */
    onExit: z.enum(['keep', 'close']).default('keep'),
    /** After a bar's close, how long to wait for its closed kline before asking REST. */
    pollGraceMs: z.number().int().positive().default(3000),
    /** Portfolio: how long a slot's first closed bar waits for the other symbols. */
    slotWaitMs: z.number().int().nonnegative().default(5000),
    /** Venue reconciliation (live): at start and every N ms. */
    reconcileEveryMs: z.number().int().positive().default(5 * 60_000),
    /** What a mismatch with the venue (or a replay that differs from the stored journal) imposes. */
    onMismatch: z.enum(['reducing', 'halted']).default('reducing'),
    /** Start a new session even when one for this bot could be resumed. */
    newSession: z.boolean().default(false),
    /** Print one status line per closed bar. */
    statusLines: z.boolean().default(true),
    /** A challenger model version (NAME@VERSION) scored beside the champion on every bar; its decisions go to a simulated venue only. */
    shadow: z.string().regex(/^[a-z0-9][a-z0-9._-]*@\d+$/i, 'NAME@VERSION (an exact version)').optional(),
    /** LLM source (llm.mode call): a decision waits at most min(llm.timeoutMs, this × the timeframe) for the bar's answer. */
    llmDeadlineFraction: z.number().gt(0).max(0.9).default(0.2),
    /** LLM source: ask on every Nth bar (epoch-aligned; llm.holdBars carries an answer to the bars between). */
    llmEveryBars: z.number().int().min(1).default(1),
  })
  .strict();

export type LiveSettings = z.output<typeof LiveSettingsSchema>;

const AlertLevels = z.array(z.enum(['warning', 'critical'])).min(1).default(['critical', 'warning']);
/** A secret is written `${VAR}` (runbook): read from the environment when the bot starts, never stored. */
const SecretOrText = z.union([z.string(), z.number().int()]).transform(String);

/** The runbook's `alerts` section (알림 채널), snake_case as written there. */
export const AlertSettingsSchema = z
  .object({
    telegram: z
      .object({
        enabled: z.boolean().default(false),
        chat_id: SecretOrText.optional(),
        token: z.string().optional(),
        levels: AlertLevels,
        /** Bot API origin; default IFTB_TELEGRAM_API_URL, else https://api.telegram.org. */
        api_url: z.string().url().optional(),
        /** Take /status, /pause, /killswitch … from the allowed chats. */
        commands: z.boolean().default(false),
        /** Chats allowed to command the bot (default: chat_id only). */
        allowed_chat_ids: z.array(SecretOrText).optional(),
      })
      .strict()
      .default({enabled: false, levels: ['critical', 'warning'], commands: false}),
    slack: z
      .object({enabled: z.boolean().default(false), webhook_url: z.string().optional(), levels: AlertLevels})
      .strict()
      .default({enabled: false, levels: ['critical', 'warning']}),
    /** Messages per channel per minute; the rest are dropped and counted. */
    rate_limit_per_minute: z.number().int().positive().default(20),
  })
  .strict();

export type AlertSettings = z.output<typeof AlertSettingsSchema>;

export interface LiveConfig {
  readonly trading: BacktestConfig;
  readonly live: LiveSettings;
  /** Absent: no alert channel (metrics and logs still run). */
  readonly alerts?: AlertSettings;
  /** Headline feeds polled into the news table for LLM prompts; absent: none. */
  readonly news?: NewsSettings;
}

/** The alert channels with their secrets resolved (what the adapters are built from). */
export interface ResolvedAlerts {
  readonly telegram: {readonly apiUrl: string; readonly token: string; readonly chatId: string; readonly levels: readonly ('warning' | 'critical')[]; readonly commands: boolean; readonly allowedChatIds: readonly string[]} | null;
  readonly slack: {readonly webhookUrl: string; readonly levels: readonly ('warning' | 'critical')[]} | null;
  readonly ratePerMinute: number;
  /** Every secret value resolved, for the logger's redaction. */
  readonly secrets: readonly string[];
}

/** Substitutes `${VAR}` from the environment (or .env); an enabled channel with a missing value is a one-line error. */
export function resolveAlerts(settings: AlertSettings | undefined, env: NodeJS.ProcessEnv = process.env, envFile?: string): ResolvedAlerts {
  const get = envLookup(env, envFile);
  const secrets: string[] = [];
  const value = (raw: string | undefined, what: string): string => {
    const resolved = (raw ?? '').replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = get(name);
      if (v === null) throw new IftbError(ErrorCode.CONFIG_INVALID, `alerts: ${what} refers to \${${name}}, which is not set in the environment`);
      secrets.push(v);
      return v;
    });
    if (resolved.trim() === '') throw new IftbError(ErrorCode.CONFIG_INVALID, `alerts: ${what} is required when the channel is enabled`);
    return resolved.trim();
  };
  const t = settings?.telegram;
  const s = settings?.slack;
  let telegram: ResolvedAlerts['telegram'] = null;
  if (t?.enabled) {
    const token = value(t.token, 'telegram.token');
    secrets.push(token);
    const chatId = value(t.chat_id, 'telegram.chat_id');
    const apiUrl = t.api_url ?? get('IFTB_TELEGRAM_API_URL') ?? 'https://api.telegram.org';
    const allowedChatIds = (t.allowed_chat_ids ?? [chatId]).map((id, k) => value(id, `telegram.allowed_chat_ids[${k}]`));
    telegram = {apiUrl, token, chatId, levels: t.levels, commands: t.commands, allowedChatIds};
  }
  let slack: ResolvedAlerts['slack'] = null;
  if (s?.enabled) {
    const webhookUrl = value(s.webhook_url, 'slack.webhook_url');
    if (!/^https?:\/\//.test(webhookUrl)) throw new IftbError(ErrorCode.CONFIG_INVALID, 'alerts: slack.webhook_url must be an http(s) URL');
    secrets.push(webhookUrl);
    slack = {webhookUrl, levels: s.levels};
  }
  return {telegram, slack, ratePerMinute: settings?.rate_limit_per_minute ?? 20, secrets};
}

/** A live config: the backtest keys (strategy, symbols, risk, breaker, …) plus a `live` section (and `promotion`, for `iftb models promote`). */
export function parseLiveConfig(raw: unknown): LiveConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new IftbError(ErrorCode.CONFIG_INVALID, 'live config: expected an object');
  // `promotion` holds the gate thresholds `iftb models promote --config` reads from the same file.
  const {live, alerts, news, promotion: _promotion, ...trading} = raw as Record<string, unknown>;
  const parsedTrading = parseConfig(BacktestConfigSchema, trading, 'live config');
  if (parsedTrading.fromMs !== undefined || parsedTrading.toMs !== undefined) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, 'live config: fromMs/toMs are backtest keys (a session starts at the next bar and runs until stopped)');
  }
  if (parsedTrading.operatorActions.length > 0) throw new IftbError(ErrorCode.CONFIG_INVALID, 'live config: operatorActions are for backtests; operate a running bot through its API');
  return {
    trading: parsedTrading,
    live: parseConfig(LiveSettingsSchema, live ?? {}, 'live config `live` section'),
    ...(alerts === undefined ? {} : {alerts: parseConfig(AlertSettingsSchema, alerts, 'live config `alerts` section')}),
    ...(news === undefined ? {} : {news: parseConfig(NewsSettingsSchema, news, 'live config `news` section')}),
  };
}
