import {type Command, Option} from 'commander';
import {DEFAULT_EXCHANGE, ErrorCode, IftbError, parseSymbol, type RecordOutcome, type StoredBrackets, type StoredRules, type SymbolId} from '../../core/index.js';
import {type CliIo, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatTime, renderTable} from '../format.js';
import {choiceOption, numberOption, timeOption} from '../options.js';

/** BINANCE_API_KEY and BINANCE_API_SECRET: both or neither (leverage brackets need a signed request). */
export function binanceCredentials(env: NodeJS.ProcessEnv = process.env): {apiKey: string; secret: string} | undefined {
  const apiKey = env.BINANCE_API_KEY?.trim() || undefined;
  const secret = env.BINANCE_API_SECRET?.trim() || undefined;
  if (apiKey === undefined && secret === undefined) return undefined;
  if (apiKey === undefined || secret === undefined) throw new IftbError(ErrorCode.INPUT_INVALID, 'set both BINANCE_API_KEY and BINANCE_API_SECRET, or neither');
  return {apiKey, secret};
}

/** --api-url, --timeout-ms and --retries: how a command reaches Binance (download and instruments sync). */
export function binanceOptions(command: Command): Command {
  return command
    .addOption(new Option('--api-url <url>', 'Binance REST base URL (a mirror or a local test server)').env('IFTB_BINANCE_URL'))
    .option('--timeout-ms <ms>', 'per-request timeout', numberOption('--timeout-ms', 1), 15_000)
    .option('--retries <n>', 'retries on 429, 5xx and timeouts', numberOption('--retries', 0), 5);
}

/** Unified symbols, comma-separated; dated futures (BTC/USDT:USDT-250627) are accepted too. */
function symbolList(value: string): SymbolId[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const dated = /^(.+)-\d{6}$/.exec(s);
    parseSymbol(dated ? dated[1] : s);
    return s;
  });
}

const symbolsOption = () => new Option('--symbols <list>', 'comma-separated ccxt unified symbols, e.g. SOL/USDT:USDT,XRP/USDT:USDT (default: all)').argParser(symbolList);

/** One stderr line per listed symbol that was left out, so a sync of every symbol is never silently short. */
function reportUnreadable(io: CliIo, unreadable: ReadonlyArray<{reason: string}>): void {
  for (const u of unreadable) io.err(`skipped: ${u.reason}`);
}

function outcomeCounts(outcomes: readonly RecordOutcome[]): string {
  const added = outcomes.filter((o) => o.status === 'added').length;
  return `${added} new version${added === 1 ? '' : 's'}, ${outcomes.length - added} unchanged`;
}

const day = (ms: number) => (ms === 0 ? '(built-in)' : formatTime(ms));

function specTable(rows: readonly StoredRules[]): string {
  return renderTable(
    ['symbol', 'as of (UTC)', 'tick', 'step', 'min qty', 'max qty', 'min notional', 'maker/taker', 'liq fee', 'status', 'contract', 'source', 'hash'],
    rows.map((v) => {
      const r = v.rules;
      return [v.symbol, day(v.asOfMs), r.tickSize, r.stepSize, r.minQty, r.maxQty ?? '-', r.minNotional, `${r.makerFeeRate}/${r.takerFeeRate}`,
        r.liquidationFeeRate, r.status ?? '-', r.contractType ?? '-', v.source, v.hash.slice(0, 12)];
    }),
  );
}

function bracketTable(rows: readonly StoredBrackets[]): string {
  return renderTable(
    ['symbol', 'as of (UTC)', 'tiers', 'leverage', 'maintenance', 'source', 'hash'],
    rows.map((v) => {
      const first = v.brackets[0];
      const last = v.brackets[v.brackets.length - 1];
      return [v.symbol, day(v.asOfMs), v.brackets.length, `${first.maxLeverage}x → ${last.maxLeverage}x`,
        `${first.maintMarginRate * 100} % → ${last.maintMarginRate * 100} %`, v.source, v.hash.slice(0, 12)];
    }),
  );
}

interface SyncOptions extends StoreOptions {
  symbols?: SymbolId[];
  apiUrl?: string;
  timeoutMs: number;
  retries: number;
}

interface ImportOptions extends StoreOptions {
  kind: 'exchange-info' | 'brackets';
  symbols?: SymbolId[];
  asOf?: number;
  json?: boolean;
}

/** `iftb data instruments sync | import | list`. */
export function registerInstruments(data: Command, io: CliIo): void {
  const instruments = data.command('instruments').description('instrument specs (exchangeInfo rules, leverage brackets), versioned by as-of time');

  storeOptions(binanceOptions(
    instruments
      .command('sync')
      .description('fetch specs from Binance USDⓈ-M exchangeInfo through ccxt; with BINANCE_API_KEY/BINANCE_API_SECRET also the leverage brackets')
      .addOption(symbolsOption()),
  )).action(async (options: SyncOptions) => {
    const credentials = binanceCredentials();
    // ccxt is large; load it only for the command that needs it.
    const {syncInstruments} = await import('../../adapters/binance/instrument-sync.js');
    await withStore(options, async (store) => {
      const report = await syncInstruments(options.symbols, {
        store: store.instruments,
        exchange: {apiUrlOverride: options.apiUrl, timeoutMs: options.timeoutMs, maxRetries: options.retries, ...(credentials ? {apiKey: credentials.apiKey, apiSecret: credentials.secret} : {})},
        log: (line) => io.err(line),
      });
      reportUnreadable(io, report.unreadable);
      io.out(`synced ${report.rules.length} of ${report.listed} listed instrument specs as of ${formatTime(report.asOfMs)}: ${outcomeCounts(report.rules)}; ` +
        (report.brackets === null
          ? 'leverage brackets not fetched (set BINANCE_API_KEY and BINANCE_API_SECRET; runs use stored brackets or the default schedule)'
          : `leverage brackets: ${outcomeCounts(report.brackets)}`) +
        ` (${report.requests} requests)`);
    });
  });

  storeOptions(
    instruments
      .command('import <file>')
      .description('import a saved /fapi/v1/exchangeInfo response (or, --kind brackets, a saved /fapi/v1/leverageBracket response)')
      .addOption(new Option('--kind <kind>', 'exchange-info or brackets').argParser(choiceOption(['exchange-info', 'brackets'] as const)).default('exchange-info'))
      .addOption(symbolsOption())
      .option('--as-of <time>', 'in force from (default: the response\'s serverTime; brackets: now)', timeOption)
      .option('--json', 'print the import report as JSON'),
  ).action(async (file: string, options: ImportOptions) => {
    const {importInstrumentFile} = await import('../../adapters/binance/instrument-import.js');
    await withStore(options, async (store) => {
      const report = await importInstrumentFile(store.instruments, {file, kind: options.kind, symbols: options.symbols, asOfMs: options.asOf});
      if (options.json) return io.out(JSON.stringify(report, null, 2));
      reportUnreadable(io, report.unreadable);
      io.out(`imported ${options.kind === 'brackets' ? 'leverage brackets' : 'instrument specs'} for ${report.outcomes.length} symbols from ${file} ` +
        `as of ${formatTime(report.asOfMs)}: ${outcomeCounts(report.outcomes)}` +
        (report.unknownIds.length > 0 ? `; skipped ${report.unknownIds.length} Binance ids no stored spec names (import their exchangeInfo first): ${report.unknownIds.slice(0, 10).join(', ')}${report.unknownIds.length > 10 ? ', …' : ''}` : ''));
    });
  });

  storeOptions(
    instruments
      .command('list')
      .description('stored spec and bracket versions per symbol, oldest first')
      .addOption(symbolsOption())
      .option('--json', 'print JSON'),
  ).action(async (options: StoreOptions & {symbols?: SymbolId[]; json?: boolean}) => {
    await withStore(options, async (store) => {
      const wanted = options.symbols && options.symbols.length > 0 ? new Set(options.symbols) : null;
      const keep = <V extends {symbol: SymbolId}>(rows: V[]) => (wanted ? rows.filter((r) => wanted.has(r.symbol)) : rows);
      const specs = keep(await store.instruments.rules(DEFAULT_EXCHANGE));
      const brackets = keep(await store.instruments.brackets(DEFAULT_EXCHANGE));
      if (options.json) return io.out(JSON.stringify({exchange: DEFAULT_EXCHANGE, specs, brackets}, null, 2));
      io.out([`instrument specs (${DEFAULT_EXCHANGE}):`, specTable(specs), '', 'leverage brackets:', brackets.length > 0 ? bracketTable(brackets) : '  none stored'].join('\n'));
    });
  });
}
