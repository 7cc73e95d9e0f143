/**
 * The bot's logs: pino JSON lines (what `docker-compose logs -f iftb` shows), the level written as
 * its name so `grep -i error` finds errors. Secrets never reach the output: fields named like a
 * secret are censored by pino's redaction, and every string (messages included) is scrubbed of
 * the secret values the process knows (API keys, tokens, webhook URLs, the admin key) and of
 * anything shaped like a Telegram bot token, a Slack webhook or a bearer token.
 */
import pino from 'pino';

import {LOG_LEVELS, type LogLevel} from './levels.js';

export {LOG_LEVELS, type LogLevel};

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
  /** Writes what is buffered (before process.exit). */
  flush(): void;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Default: stdout, synchronous (lines are out before the process exits). */
  readonly destination?: NodeJS.WritableStream;
  /** Secret values to scrub (besides the ones read from `env`). */
  readonly secrets?: readonly string[];
  /** Secret-looking variables (…KEY, …SECRET, …TOKEN, …PASSWORD, …WEBHOOK…) are scrubbed by value. */
  readonly env?: NodeJS.ProcessEnv;
  readonly base?: LogFields;
}

export const REDACTED = '[REDACTED]';

/** Field names censored wherever they appear (top level or one object down). */
const SECRET_FIELDS = [
  'apiKey', 'apiSecret', 'api_key', 'api_secret', 'secret', 'token', 'password', 'adminKey', 'admin_key', 'adminToken',
  'authorization', 'Authorization', 'webhookUrl', 'webhook_url', 'confirmation_code', 'confirmationCode',
];
const SECRET_ENV = /(KEY|SECRET|TOKEN|PASSWORD|PASS|WEBHOOK)/i;
/** Shapes that are secrets whatever their source. */
const SECRET_SHAPES: readonly RegExp[] = [
  /\b\d{5,}:[A-Za-z0-9_-]{25,}\b/g, // Telegram bot token (also inside /bot<token>/ URLs)
  /https:\/\/hooks\.slack\.com\/[^\s"']+/g,
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const values = new Set<string>();
  for (const s of options.secrets ?? []) if (s.length >= 6) values.add(s);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined && value.length >= 6 && SECRET_ENV.test(name)) values.add(value);
  }
  // Longest first, so a secret containing another is replaced whole.
  const known = [...values].sort((a, b) => b.length - a.length);
  const scrub = (text: string): string => {
    let out = text;
    for (const v of known) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const shape of SECRET_SHAPES) out = out.replace(shape, (m, bearer?: string) => (typeof bearer === 'string' && /^bearer$/i.test(bearer) ? `${bearer} ${REDACTED}` : REDACTED));
    return out;
  };
  const clean = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (value instanceof Error) return {type: value.name, message: scrub(value.message), ...(value.stack ? {stack: scrub(value.stack)} : {})};
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clean(v, depth + 1);
    return out;
  };
  const destination = options.destination ?? pino.destination({dest: 1, sync: true});
  const root = pino(
    {
      level: options.level ?? 'info',
      base: (options.base as Record<string, unknown> | undefined) ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {level: (label) => ({level: label})},
      redact: {paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: REDACTED},
    },
    destination,
  );
  const wrap = (log: pino.Logger): Logger => {
    const write = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
      if (!log.isLevelEnabled(level)) return;
      if (fields === undefined) log[level](scrub(message));
      else log[level](clean(fields) as object, scrub(message));
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (bindings) => wrap(log.child(clean(bindings) as Record<string, unknown>)),
      flush: () => {
        const d = destination as {flushSync?: () => void};
        try {
          d.flushSync?.();
        } catch {
          // nothing buffered
        }
      },
    };
  };
  return wrap(root);
}

/**
 * The level of one of the bot's free-text log lines (the loop logs plain strings): failures and
 * refusals are errors, degradations warnings, the rest (status lines included) info.
 */
export function levelOfLine(line: string): 'info' | 'warn' | 'error' {
  if (/\b(error|failed|fatal|REPLAY DIFFERS|refused)\b/i.test(line)) return 'error';
  if (/\b(warning|unreachable|mismatch|lost|disconnected|reconnecting|not used|not refreshed|longer than|stale)\b/i.test(line)) return 'warn';
  return 'info';
}
