/**
 * `iftb live` as a real child process (dist/src/cli/main.js, built by `npm run build`), so a test
 * can kill -9 it at a chosen moment and start it again on the same store.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

export interface BotExchange {
  readonly url: string;
  readonly wsUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface BotProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far (JSON log lines, startup errors). */
  output(): string;
  /** Resolves once a stderr line matches (searching what was already written too). */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
  kill(signal: NodeJS.Signals): void;
}

/** The env that points the bot at a local exchange (and nothing else of the parent's Binance settings). */
export function botEnv(exchange: BotExchange, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const {BINANCE_API_KEY: _k, BINANCE_API_SECRET: _s, IFTB_DATABASE_URL: _d, IFTB_REDIS_URL: _r, ...rest} = process.env;
  return {...rest, IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret, ...extra};
}

/** Writes a live config file (backtest keys plus a `live` section) into `dir`. */
export function writeBotConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'bot-config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** `api`: serve the operations API (pass `--api-port 0` and IFTB_ADMIN_TOKEN; apiUrlOf reads where). */
export function startBot(args: readonly string[], env: NodeJS.ProcessEnv, options: {api?: boolean} = {}): BotProcess {
  // No operations API by default: these bots are driven by signals and the store, and several run at once.
  const child = spawn(process.execPath, [CLI, 'live', ...(options.api === true ? [] : ['--no-api']), ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
  let text = '';
  const waiters: {pattern: RegExp; resolve: (line: string) => void}[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const line = text.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stderr!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    check();
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    check();
  });
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((done) => child.once('exit', (code, signal) => done({code, signal})));
  let exit: {code: number | null; signal: NodeJS.Signals | null} | null = null;
  void exited.then((e) => (exit = e));
  return {
    child,
    exited,
    output: () => text,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitFor(pattern, what, timeoutMs = 45_000) {
      return new Promise<string>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`bot: timed out waiting for ${what}${exit ? ` (exited ${JSON.stringify(exit)})` : ''}; output:\n${text.slice(-3000)}`)), timeoutMs);
        const entry = {pattern, resolve: (line: string) => {
          clearTimeout(timer);
          resolvePromise(line);
        }};
        waiters.push(entry);
        void exited.then((e) => {
          if (!waiters.includes(entry)) return;
          clearTimeout(timer);
          reject(new Error(`bot exited (${JSON.stringify(e)}) while waiting for ${what}; output:\n${text.slice(-3000)}`));
        });
        check();
      });
    },
  };
}

/** The status line of the bar that closes at `closeMs` (one per decided bar: the `msg` of a JSON log line on stdout). */
export function statusLineOf(closeMs: number): RegExp {
  return new RegExp(`(^|"msg":")${new Date(closeMs).toISOString().replace(/[.]/g, '\\.')} close `, 'm');
}

/** The URL of a bot's operations API (started with `{api: true}` and `--api-port 0`). */
export async function apiUrlOf(bot: BotProcess): Promise<string> {
  const line = await bot.waitFor(/operations API on http:\/\/127\.0\.0\.1:\d+/, 'the operations API');
  return /operations API on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1];
}

/** The end of a test: every bot it started killed (SIGKILL) and gone. */
export async function killBots(bots: BotProcess[]): Promise<void> {
  for (const bot of bots.splice(0)) {
    bot.kill('SIGKILL');
    await bot.exited;
  }
}
