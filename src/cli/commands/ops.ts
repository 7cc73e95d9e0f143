/**
 * `iftb ops …`: the operations API of a running bot from the command line (for operators who
 * prefer it to curl). Talks HTTP to IFTB_API_URL (default http://127.0.0.1:8000) with
 * IFTB_ADMIN_TOKEN; every failure is one line (401, connection refused, a refused command).
 */
import {Command, Option} from 'commander';
import {ErrorCode, IftbError} from '../../core/index.js';
import type {CliIo} from '../context.js';
import {renderPairs, renderTable} from '../format.js';

interface ApiOptions {
  url: string;
  json?: boolean;
}

type Json = Record<string, unknown>;

const DEFAULT_URL = 'http://127.0.0.1:8000';

/** One call; resolves with the JSON body of a 2xx answer, throws one clear line otherwise. */
export async function callOpsApi(url: string, method: 'GET' | 'POST', path: string, body?: Json, env: NodeJS.ProcessEnv = process.env): Promise<Json> {
  const token = env.IFTB_ADMIN_TOKEN;
  const target = `${url.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers: {...(token ? {authorization: `Bearer ${token}`} : {}), ...(body === undefined ? {} : {'content-type': 'application/json'})},
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const inner = (error as {cause?: {code?: string; message?: string}}).cause;
    const cause = inner?.code ?? ((error as Error).name === 'TimeoutError' ? 'TimeoutError' : inner?.message ?? (error as Error).message);
    const why = cause === 'ECONNREFUSED' ? 'connection refused: is `iftb live` running with its API there?' : cause === 'TimeoutError' ? 'no answer within 15 s' : cause;
    throw new IftbError(ErrorCode.INPUT_INVALID, `cannot reach the bot's API at ${url} (${why}); set IFTB_API_URL`);
  }
  const text = await response.text();
  let json: Json = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Json);
  } catch {
    json = {message: text.slice(0, 200)};
  }
  if (response.ok) return json;
  if (response.status === 401) throw new IftbError(ErrorCode.CONFIG_INVALID, `401 unauthorized from ${url}: IFTB_ADMIN_TOKEN is ${token ? 'wrong' : 'not set'}`);
  if (response.status === 429) throw new IftbError(ErrorCode.INPUT_INVALID, `429 too many failed attempts from this address: retry in ${response.headers.get('retry-after') ?? 'a minute'} s`);
  const detail = typeof json.outcome === 'string' ? json.outcome : typeof json.message === 'string' ? json.message : text.slice(0, 200);
  throw new IftbError(ErrorCode.INPUT_INVALID, `${response.status} ${method} ${path}: ${detail}`);
}

const time = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : '-');
const show = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function opsCommand(io: CliIo): Command {
  const ops = new Command('ops').description('operate a running bot through its API (IFTB_API_URL, IFTB_ADMIN_TOKEN)');
  const api = (c: Command) => c.addOption(new Option('--url <url>', 'the bot\'s API').env('IFTB_API_URL').default(DEFAULT_URL)).option('--json', 'print the answer as JSON');
  const print = (o: ApiOptions, body: Json, lines: () => string) => io.out(o.json ? JSON.stringify(body, null, 2) : lines());
  const command = (body: Json) => `${body.outcome === 'ok' ? 'done' : show(body.outcome)} (command ${show(body.command_id)})`;

  api(ops.command('status').description('session, trading state, last bar, equity, models')).action(async (o: ApiOptions) => {
    const s = await callOpsApi(o.url, 'GET', '/api/status');
    print(o, s, () => renderPairs([
      ['session', `${show(s.session_id)} (${show(s.mode)}) ${show(s.strategy)} ${show((s.symbols as unknown[] | undefined)?.join(','))} ${show(s.timeframe)}`],
      ['trading', `${show(s.trading_state)}${s.paused ? ' (paused)' : ''}`],
      ['kill switch', s.kill_switch_engaged ? 'ENGAGED' : 'released'],
      ['breaker', show(s.breaker_state)],
      ['last bar', `${time(s.last_bar_ms)} (closed ${time(s.last_close_ms)})`],
      ['equity', show(s.equity)],
      ['restrictions', Object.keys((s.restrictions as Json | undefined) ?? {}).join(', ') || '-'],
      ['models', ((s.models as Json[] | undefined) ?? []).map((m) => `${show(m.model)} ${String(m.sha256).slice(0, 12)}`).join(', ') || '-'],
    ]));
  });

  api(ops.command('positions').description('open positions')).action(async (o: ApiOptions) => {
    const p = await callOpsApi(o.url, 'GET', '/api/positions');
    print(o, p, () => renderTable(['symbol', 'side', 'qty', 'entry', 'mark', 'unrealised'], ((p.positions as Json[] | undefined) ?? []).map((r) => [show(r.symbol), show(r.side), show(r.qty), show(r.entry_price), show(r.mark_price), show(r.unrealized_pnl)])));
  });

  const kill = ops.command('kill-switch').description('the latched kill switch');
  api(kill.command('activate').description('stop trading now: flatten once, halt; prints the confirmation code').requiredOption('--reason <text>', 'why (journaled)'))
    .action(async (o: ApiOptions & {reason: string}) => {
      const r = await callOpsApi(o.url, 'POST', '/api/kill-switch', {reason: o.reason});
      print(o, r, () => `kill switch ENGAGED; confirmation code ${show(r.confirmation_code)} (needed to deactivate)`);
    });
  api(kill.command('deactivate').description('release with the confirmation code').requiredOption('--code <code>', 'the code activation printed'))
    .action(async (o: ApiOptions & {code: string}) => {
      const r = await callOpsApi(o.url, 'POST', '/api/kill-switch/deactivate', {confirmation_code: o.code});
      print(o, r, () => `kill switch released: ${command(r)}`);
    });
  api(kill.command('force-deactivate').description('release with KILL_SWITCH_ADMIN_KEY (emergency bypass)')
    .addOption(new Option('--admin-key <key>', 'the admin key').env('KILL_SWITCH_ADMIN_KEY').makeOptionMandatory()))
    .action(async (o: ApiOptions & {adminKey: string}) => {
      const r = await callOpsApi(o.url, 'POST', '/api/kill-switch/force-deactivate', {admin_key: o.adminKey});
      print(o, r, () => `kill switch released: ${command(r)}`);
    });
  api(kill.command('status').description('engaged or not, since when, by whom, why')).action(async (o: ApiOptions) => {
    const k = await callOpsApi(o.url, 'GET', '/api/kill-switch');
    print(o, k, () => (k.engaged ? `ENGAGED since ${time(k.activated_at_ms)} by ${show(k.by)}: ${show(k.reason)}${k.requires_admin_key ? ' (needs force-deactivate)' : ''}` : 'released'));
  });

  const breaker = ops.command('breaker').description('the circuit breaker');
  api(breaker.command('status').description('state, tripped rule, figures against thresholds')).action(async (o: ApiOptions) => {
    const b = await callOpsApi(o.url, 'GET', '/api/circuit-breaker/status');
    print(o, b, () => [
      `${show(b.state)}${b.tripped_rule ? ` (tripped: ${show(b.tripped_rule)} at ${time(b.since)})` : ''}, imposes ${show(b.imposed_state)}`,
      renderTable(['rule', 'on', 'value', 'warn', 'trip'], ((b.figures as Json[] | undefined) ?? []).map((f) => [show(f.rule), f.enabled ? 'yes' : 'no', show(f.value), show(f.warn), show(f.trip)])),
    ].join('\n'));
  });
  api(breaker.command('reset').description('manual reset (only from OPEN or HALF_OPEN)').option('--reason <text>', 'why')).action(async (o: ApiOptions & {reason?: string}) => {
    const r = await callOpsApi(o.url, 'POST', '/api/circuit-breaker/reset', o.reason === undefined ? {} : {reason: o.reason});
    print(o, r, () => `breaker reset: ${command(r)}`);
  });

  for (const [name, path, what] of [['close-all', '/api/positions/close-all', 'close every open position'], ['pause', '/api/trading/pause', 'no new entries'], ['resume', '/api/trading/resume', 'resume entries']] as const) {
    api(ops.command(name).description(what).option('--reason <text>', 'why (journaled)')).action(async (o: ApiOptions & {reason?: string}) => {
      const r = await callOpsApi(o.url, 'POST', path, o.reason === undefined ? {} : {reason: o.reason});
      print(o, r, () => `${name}: ${command(r)}${typeof r.trading_state === 'string' ? `; trading ${r.trading_state}` : ''}`);
    });
  }

  api(ops.command('reload-model').description('re-resolve the pinned models (after `iftb models rollback`), verify, swap between bars').option('--reason <text>', 'why'))
    .action(async (o: ApiOptions & {reason?: string}) => {
      const r = await callOpsApi(o.url, 'POST', '/api/ml/reload-model', o.reason === undefined ? {} : {reason: o.reason});
      print(o, r, () => `reload-model: ${command(r)}; serving ${((r.models as Json[] | undefined) ?? []).map((m) => `${show(m.model)} (${String(m.sha256).slice(0, 12)})`).join(', ') || '-'}`);
    });
  return ops;
}
