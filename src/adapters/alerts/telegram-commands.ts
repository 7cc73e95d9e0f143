/**
 * Operator commands over Telegram: long-polls getUpdates on the Bot API, takes `/status`,
 * `/positions`, `/pause`, `/resume`, `/killswitch <reason>` and `/breaker` from chat ids on the
 * allow list (anything else is ignored and logged), runs them against a ChatOpsTarget and answers
 * in the same chat. Each call names its origin (`telegram:<chat id>`) so the session journals it.
 */
import {AlertDeliveryError, DEFAULT_TELEGRAM_API_URL, telegramCall} from './channels.js';

/** What a chat can do to the running bot; the app implements it over the session (or the Ops API). Each resolves with the reply text. */
export interface ChatOpsTarget {
  status(): Promise<string>;
  positions(): Promise<string>;
  pause(by: string): Promise<string>;
  resume(by: string): Promise<string>;
  /** Engages the kill switch; the reply carries the confirmation code. */
  killSwitch(reason: string, by: string): Promise<string>;
  breaker(): Promise<string>;
}

export interface TelegramCommandOptions {
  readonly apiUrl?: string;
  readonly token: string;
  /** Chat ids allowed to command the bot; messages from any other chat are ignored. */
  readonly allowedChatIds: readonly string[];
  readonly target: ChatOpsTarget;
  /** getUpdates long-poll timeout, seconds (default 25). */
  readonly pollSeconds?: number;
  readonly log?: (level: 'info' | 'warn', line: string) => void;
}

interface Update {
  readonly update_id: number;
  readonly message?: {readonly chat?: {readonly id?: number | string}; readonly text?: string; readonly from?: {readonly username?: string}};
}

const HELP = 'commands: /status, /positions, /pause, /resume, /killswitch <reason>, /breaker';

export class TelegramCommands {
  readonly #o: TelegramCommandOptions;
  readonly #apiUrl: string;
  readonly #allowed: Set<string>;
  #offset = 0;
  #abort: AbortController | null = null;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(options: TelegramCommandOptions) {
    this.#o = options;
    this.#apiUrl = options.apiUrl ?? DEFAULT_TELEGRAM_API_URL;
    this.#allowed = new Set(options.allowedChatIds.map(String));
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#abort?.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    let backoff = 1000;
    while (!this.#closed) {
      this.#abort = new AbortController();
      const poll = this.#o.pollSeconds ?? 25;
      // The request outlives Telegram's long-poll by a margin; a hung server is abandoned after it.
      const timer = setTimeout(() => this.#abort?.abort(), (poll + 10) * 1000);
      try {
        const updates = (await telegramCall(this.#apiUrl, this.#o.token, 'getUpdates', {offset: this.#offset, timeout: poll, allowed_updates: ['message']}, this.#abort.signal)) as Update[];
        backoff = 1000;
        for (const u of Array.isArray(updates) ? updates : []) {
          this.#offset = Math.max(this.#offset, u.update_id + 1);
          await this.#handle(u);
        }
      } catch (error) {
        if (this.#closed) break;
        this.#o.log?.('warn', `telegram commands: ${(error as Error).message}; polling again in ${backoff / 1000} s`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, error instanceof AlertDeliveryError && error.retryAfterMs !== null ? error.retryAfterMs : backoff);
          this.#abort?.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });
        backoff = Math.min(30_000, backoff * 2);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  async #handle(u: Update): Promise<void> {
    const chatId = u.message?.chat?.id;
    const text = u.message?.text?.trim();
    if (chatId === undefined || text === undefined || !text.startsWith('/')) return;
    const chat = String(chatId);
    if (!this.#allowed.has(chat)) {
      this.#o.log?.('warn', `telegram command from chat ${chat} ignored: not on the allow list`);
      return;
    }
    const [head, ...rest] = text.split(/\s+/);
    const command = head.slice(1).replace(/@.*$/, '').toLowerCase();
    const args = rest.join(' ');
    const by = `telegram:${chat}`;
    let reply: string;
    try {
      reply = await this.#run(command, args, by);
    } catch (error) {
      reply = `${command} failed: ${(error as Error).message}`;
    }
    this.#o.log?.('info', `telegram /${command} from chat ${chat}`);
    try {
      await telegramCall(this.#apiUrl, this.#o.token, 'sendMessage', {chat_id: chat, text: reply}, AbortSignal.timeout(10_000));
    } catch (error) {
      this.#o.log?.('warn', `telegram reply to chat ${chat} failed: ${(error as Error).message}`);
    }
  }

  #run(command: string, args: string, by: string): Promise<string> {
    const t = this.#o.target;
    switch (command) {
      case 'status':
        return t.status();
      case 'positions':
        return t.positions();
      case 'pause':
        return t.pause(by);
      case 'resume':
        return t.resume(by);
      case 'killswitch':
        if (args === '') return Promise.resolve('usage: /killswitch <reason>');
        return t.killSwitch(args, by);
      case 'breaker':
        return t.breaker();
      default:
        return Promise.resolve(HELP);
    }
  }
}
