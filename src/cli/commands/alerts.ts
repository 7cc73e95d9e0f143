import {hostname} from 'node:os';
import {Command} from 'commander';
import {AlertSettingsSchema, resolveAlerts} from '../../app/live-config.js';
import {parseConfig, readConfigFile} from '../../config/index.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import type {CliIo} from '../context.js';
import {EXIT} from '../exit-codes.js';

/** `iftb alerts test --config bot.yaml`: proves the channels of the runbook's `alerts` section work before they are needed. */
export function alertsCommand(io: CliIo): Command {
  const alerts = new Command('alerts').description('alert channels (Telegram, Slack) of a live config');
  alerts
    .command('test')
    .description('send one test message to each enabled channel of the config\'s `alerts` section (secrets from the environment)')
    .requiredOption('--config <file>', 'the live config (JSON or YAML) holding the `alerts` section')
    .option('--message <text>', 'the text to send')
    .action(async (o: {config: string; message?: string}) => {
      const raw = readConfigFile(o.config) as {alerts?: unknown};
      if (typeof raw !== 'object' || raw === null || raw.alerts === undefined) throw new IftbError(ErrorCode.CONFIG_INVALID, `${o.config} has no \`alerts\` section`);
      const resolved = resolveAlerts(parseConfig(AlertSettingsSchema, raw.alerts, `${o.config} \`alerts\` section`));
      const text = o.message ?? `IFTB alert test from ${hostname()} at ${new Date().toISOString()}: this channel works.`;
      const {sendTestAlert} = await import('../../app/live-telemetry.js');
      const results = await sendTestAlert(resolved, text);
      for (const r of results) io.out(r.ok ? `${r.channel}: sent` : `${r.channel}: FAILED (${r.error})`);
      if (results.some((r) => !r.ok)) process.exitCode = EXIT.failed;
    });
  return alerts;
}
