/**
 * Alert channels over plain HTTP (Node's fetch): Telegram's Bot API `sendMessage` and a Slack
 * incoming webhook. Each send is one attempt bounded by the caller's AbortSignal; retries and
 * rate limits are the dispatcher's. Error messages never carry the token or the webhook URL.
 */

export type AlertChannelName = 'telegram' | 'slack';
export type AlertLevelName = 'warning' | 'critical';

export interface AlertChannel {
  readonly name: AlertChannelName;
  /** The levels this channel is sent (runbook `levels`). */
  readonly levels: readonly AlertLevelName[];
  send(text: string, signal: AbortSignal): Promise<void>;
}

/** A failed delivery; `retryAfterMs` when the service said how long to wait (Telegram 429). */
export class AlertDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export const DEFAULT_TELEGRAM_API_URL = 'https://api.telegram.org';

export interface TelegramOptions {
  /** Bot API origin (IFTB_TELEGRAM_API_URL; a local server in tests). */
  readonly apiUrl?: string;
  readonly token: string;
  readonly chatId: string;
  readonly levels?: readonly AlertLevelName[];
}

/** The Bot API's answer envelope. */
interface TelegramAnswer {
  readonly ok?: boolean;
  readonly result?: unknown;
  readonly description?: string;
  readonly error_code?: number;
  readonly parameters?: {readonly retry_after?: number};
}

/** One Bot API method call (POST JSON); rejects with an AlertDeliveryError that names the method, not the URL. */
export async function telegramCall(apiUrl: string, token: string, method: string, body: unknown, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl.replace(/\/+$/, '')}/bot${token}/${method}`, {
      method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body), signal,
    });
  } catch (error) {
    throw new AlertDeliveryError(`telegram ${method}: ${transportMessage(error, signal)}`, true);
  }
  const text = await response.text().catch(() => '');
  let answer: TelegramAnswer = {};
  try {
    answer = JSON.parse(text) as TelegramAnswer;
  } catch {
    // a proxy's HTML error page
  }
  if (response.ok && answer.ok === true) return answer.result;
  const retryAfter = answer.parameters?.retry_after;
  const status = response.status;
  throw new AlertDeliveryError(
    `telegram ${method}: HTTP ${status}${answer.description ? ` ${answer.description.slice(0, 200)}` : ''}`,
    status === 429 || status >= 500,
    typeof retryAfter === 'number' ? retryAfter * 1000 : null,
  );
}

export function telegramChannel(o: TelegramOptions): AlertChannel {
  const apiUrl = o.apiUrl ?? DEFAULT_TELEGRAM_API_URL;
  return {
    name: 'telegram',
    levels: o.levels ?? ['warning', 'critical'],
    async send(text, signal) {
      await telegramCall(apiUrl, o.token, 'sendMessage', {chat_id: o.chatId, text, disable_web_page_preview: true}, signal);
    },
  };
}

export interface SlackOptions {
  readonly webhookUrl: string;
  readonly levels?: readonly AlertLevelName[];
}

export function slackChannel(o: SlackOptions): AlertChannel {
  return {
    name: 'slack',
    levels: o.levels ?? ['warning', 'critical'],
    async send(text, signal) {
      let response: Response;
      try {
        response = await fetch(o.webhookUrl, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({text}), signal});
      } catch (error) {
        throw new AlertDeliveryError(`slack webhook: ${transportMessage(error, signal)}`, true);
      }
      const body = await response.text().catch(() => '');
      if (response.ok) return;
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new AlertDeliveryError(
        `slack webhook: HTTP ${response.status}${body ? ` ${body.slice(0, 100)}` : ''}`,
        response.status === 429 || response.status >= 500,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
      );
    },
  };
}

/** fetch's failure without its URL (which holds the secret). */
function transportMessage(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  const cause = (error as {cause?: {code?: string; message?: string}}).cause;
  return cause?.code ?? cause?.message ?? (error as Error).name ?? 'request failed';
}
