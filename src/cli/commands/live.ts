import {Command, InvalidArgumentError, Option} from 'commander';
import {LOG_LEVELS, type LogLevel} from '../../adapters/logging/levels.js';
import {parseLiveConfig, resolveAlerts} from '../../app/live-config.js';
import {createLiveOps} from '../../app/live-ops.js';
import {startLive} from '../../app/live-runner.js';
import {checkToken} from '../../api/auth.js';
import type {OpsServer} from '../../api/server.js';
import {defaultModelsDir} from '../../app/models.js';
import type {CliIo} from '../context.js';
import {DEFAULT_DB_PATH} from '../../adapters/duckdb/index.js';
import {choiceOption, symbolsOption} from '../options.js';
import {addRunConfigOptions, type RunConfigFlags, runConfigFromFlags} from '../run-config.js';
import {liveDiffCommand} from './live-diff.js';

interface LiveCliOptions extends RunConfigFlags {
  db: string;
  store?: string;
  redis?: string;
  live?: boolean;
  testnet?: boolean;
  confirmLive?: string;
  onExit?: 'keep' | 'close';
  newSession?: boolean;
  shadow?: string;
  quiet?: boolean;
  modelsDir: string;
  logLevel: LogLevel;
  api: boolean;
  apiPort: number;
  apiHost: string;
}

/** How long SIGTERM may take before the process exits anyway (docker stop waits 10 s). */
const STOP_DEADLINE_MS = 9000;

export function liveCommand(io: CliIo): Command {
  return addRunConfigOptions(new Command('live')
    .description('trade the strategy on live Binance USDⓈ-M data: paper (simulated venue) by default, real orders with --live'))
    .option('--symbols <list>', 'several symbols on one account, comma-separated (a portfolio session)', symbolsOption)
    .addOption(new Option('--db <path>', 'DuckDB store (state and candles) when no --store is given').env('IFTB_DB').default(DEFAULT_DB_PATH, 'datasets/iftb.duckdb'))
    .option('--store <url>', 'PostgreSQL URL for the bot state (default IFTB_DATABASE_URL, else the DuckDB file)')
    .option('--redis <url>', 'Redis URL: live snapshot, heartbeat, operator commands, bot lock (default IFTB_REDIS_URL)')
    .option('--live', 'send real orders to the exchange (refused unless keys, pinned models, a released kill switch and --confirm-live are in place)')
    .option('--testnet', "Binance's futures testnet instead of production")
    .option('--confirm-live <symbols>', 'repeat the symbol(s) to confirm --live')
    .addOption(new Option('--on-exit <keep|close>', 'SIGTERM: keep positions (default) or close them').argParser(choiceOption(['keep', 'close'] as const)))
    .option('--new-session', 'start a new session even when one for this bot could be resumed')
    .option('--shadow <NAME@VERSION>', 'score a challenger model version beside the pinned champion on every bar; its decisions go to a simulated venue only (compare with `iftb compare --session`)')
    .option('--quiet', 'no status line per bar')
    .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
    .addOption(new Option('--log-level <level>', 'JSON log lines on stdout from this level up').choices(LOG_LEVELS).env('IFTB_LOG_LEVEL').default('info'))
    .addOption(new Option('--api-port <port>', 'operations API port (the runbook\'s curl commands)').env('IFTB_API_PORT').default(8000).argParser(portOption))
    .addOption(new Option('--api-host <host>', 'operations API address (reads from other machines need the token when not loopback)').env('IFTB_API_HOST').default('127.0.0.1'))
    .option('--no-api', 'no operations API (then IFTB_ADMIN_TOKEN is not needed)')
    .enablePositionalOptions()
    .addCommand(liveDiffCommand(io))
    .action(async (o: LiveCliOptions) => {
      const trading = runConfigFromFlags(o);
      const file = trading as Record<string, unknown> & {live?: Record<string, unknown>};
      file.live = {
        ...(file.live ?? {}),
        mode: o.live ? 'live' : 'paper',
        ...(o.onExit === undefined ? {} : {onExit: o.onExit}),
        ...(o.newSession ? {newSession: true} : {}),
        ...(o.shadow === undefined ? {} : {shadow: o.shadow}),
        ...(o.quiet ? {statusLines: false} : {}),
      };
      const config = parseLiveConfig(file);
      const alerts = resolveAlerts(config.alerts);
      // Refused before anything starts: an API without a proper token would be worse than none.
      const token = o.api ? checkToken(process.env.IFTB_ADMIN_TOKEN) : undefined;
      // Loaded here, not with the program: every other command starts without pino and prom-client.
      const [{createLogger, levelOfLine}, {attachTelemetry}] = await Promise.all([import('../../adapters/logging/index.js'), import('../../app/live-telemetry.js')]);
      // pino JSON lines on stdout (docker-compose logs); the resolved alert secrets are scrubbed like the environment's.
      const logger = createLogger({level: o.logLevel, env: process.env, secrets: alerts.secrets, base: {service: 'iftb'}});
      const log = (line: string) => logger[levelOfLine(line)](line);
      const handle = await startLive(config, {db: o.db, store: o.store, redis: o.redis, testnet: o.testnet, confirmLive: o.confirmLive, modelsDir: o.modelsDir, log});
      const sessionLog = logger.child({session: handle.session.session.sessionId, mode: config.live.mode});
      const telemetry = attachTelemetry(handle, {alerts, log: (level, line) => sessionLog[level](line)});
      if (alerts.telegram !== null || alerts.slack !== null) {
        sessionLog.info(`alerts to ${[alerts.telegram === null ? null : 'telegram', alerts.slack === null ? null : 'slack'].filter(Boolean).join(' and ')}${alerts.telegram?.commands ? '; telegram commands from the allowed chats' : ''}`);
      }
      let api: OpsServer | null = null;
      if (o.api) {
        try {
          // Loaded here, not with the program: other commands start without fastify.
          const {startOpsServer} = await import('../../api/server.js');
          api = await startOpsServer({ops: createLiveOps(handle), token, host: o.apiHost, port: o.apiPort, log, metrics: () => telemetry.metrics()});
        } catch (error) {
          await telemetry.close();
          await handle.stop('operations API failed to start');
          throw error;
        }
        sessionLog.info(`operations API on ${api.url} (docs at ${api.url}/docs, metrics at ${api.url}/metrics)`);
      }
      sessionLog.info(`session ${handle.session.session.sessionId} running (${config.live.mode}); SIGINT or SIGTERM stops it`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          const deadline = setTimeout(() => {
            sessionLog.error(`stop took longer than ${STOP_DEADLINE_MS} ms: exiting`);
            resolve();
          }, STOP_DEADLINE_MS);
          deadline.unref();
          // The API closes first (open connections dropped), so no command arrives while the loop stops.
          Promise.resolve(api?.close()).catch(() => undefined).then(() => handle.stop(signal)).finally(() => telemetry.close()).then(
            () => {
              sessionLog.info(`session ${handle.session.session.sessionId} stopped (${signal})`);
              clearTimeout(deadline);
              resolve();
            },
            (error: unknown) => {
              sessionLog.error(`error while stopping: ${(error as Error).message}`);
              clearTimeout(deadline);
              resolve();
            },
          );
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      logger.flush();
      process.exit(process.exitCode ?? 0);
    });
}

function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError(`expected a TCP port (0-65535), got '${value}'`);
  return port;
}
