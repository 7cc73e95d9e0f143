import {resolve} from 'node:path';
import {Command, Option} from 'commander';
import {
  assertReadableFile,
  CANDLE_TABLE,
  DEFAULT_JUMP_FACTOR,
  DuckDb,
  migrate,
  exportSeries,
  type FileKind,
  importFile,
  importNews,
  listCoverage,
  type QualityReport,
  resampleBars,
  storedSeriesQuality,
} from '../../adapters/duckdb/index.js';
import {DEFAULT_EXCHANGE, ErrorCode, IftbError, type Timeframe, TIMEFRAMES} from '../../core/index.js';
import {EXIT} from '../exit-codes.js';
import {type CliIo, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatInt, formatTime, renderTable} from '../format.js';
import {choiceOption, numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';
import {registerDownload} from './data-download.js';
import {registerInstruments} from './data-instruments.js';

const KINDS = ['candles', 'mark', 'funding'] as const;
const IMPORT_KINDS = [...KINDS, 'news'] as const;

interface SeriesOptions extends StoreOptions {
  symbol: string;
  jumpFactor?: number;
  timeframe?: Timeframe;
  exchange: string;
  kind: FileKind;
  json?: boolean;
}

/** Problems that make data unfit to trade on; gaps are real exchange outages and are only reported. */
const HARD_ISSUES = ['duplicate', 'unsorted', 'nan', 'high-below-body', 'low-above-body', 'high-below-low', 'non-positive-price', 'negative-volume', 'jump'] as const;

function qualityLines(title: string, quality: QualityReport): string[] {
  const hard = HARD_ISSUES.filter((k) => quality.counts[k] > 0).map((k) => `${k} ${quality.counts[k]}`);
  const lines = [
    `${title}: ${formatInt(quality.rows)} rows, ${formatTime(quality.firstMs)} → ${formatTime(quality.lastMs)}, ` +
      `${quality.gaps} gaps (${quality.missing} missing candles)${hard.length ? `, ${hard.join(', ')}` : ', no other issues'}`,
  ];
  for (const issue of quality.issues) lines.push(`  ${issue.kind.padEnd(16)} ${issue.at}: ${issue.detail}`);
  return lines;
}

function hasHardIssues(quality: QualityReport): boolean {
  return HARD_ISSUES.some((k) => quality.counts[k] > 0);
}

interface CheckResult {
  readonly series: string;
  readonly quality: QualityReport;
}

/** A file is checked in a scratch in-memory database: checking never touches (or seeds) the store. */
async function checkFile(file: string, options: Partial<SeriesOptions>): Promise<CheckResult> {
  if (!options.timeframe) throw new IftbError(ErrorCode.INPUT_INVALID, 'checking a file needs --timeframe');
  const scratch = await DuckDb.open(':memory:');
  try {
    await migrate(scratch);
    const report = await importFile(scratch, {
      file, kind: options.kind ?? 'candles', exchange: options.exchange ?? DEFAULT_EXCHANGE,
      symbol: options.symbol ?? 'UNKNOWN/UNKNOWN', timeframe: options.timeframe, dryRun: true, jumpFactor: options.jumpFactor ?? DEFAULT_JUMP_FACTOR,
    });
    return {series: file, quality: report.quality!};
  } finally {
    scratch.close();
  }
}

async function checkStore(db: DuckDb, options: Partial<SeriesOptions>): Promise<CheckResult[]> {
  const kind = (options.kind ?? 'candles') as 'candles' | 'mark';
  const series = (await listCoverage(db)).filter(
    (r) => r.kind === kind && (!options.symbol || r.symbol === options.symbol) && (!options.timeframe || r.timeframe === options.timeframe),
  );
  if (series.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, 'no stored series matches');
  const results: CheckResult[] = [];
  for (const s of series) {
    const key = {exchange: s.exchange, symbol: s.symbol, timeframe: s.timeframe as Timeframe};
    const quality = await storedSeriesQuality(db, CANDLE_TABLE[kind], key, {jumpFactor: options.jumpFactor ?? DEFAULT_JUMP_FACTOR});
    results.push({series: `${s.exchange} ${s.symbol} ${s.timeframe} ${kind}`, quality});
  }
  return results;
}

const exchangeOption = () => new Option('--exchange <id>', 'ccxt exchange id').default(DEFAULT_EXCHANGE);
const kindOption = () => new Option('--kind <kind>', 'candles, mark (mark-price candles) or funding').argParser(choiceOption(KINDS)).default('candles');

export function dataCommand(io: CliIo): Command {
  const data = new Command('data').description('market data in the store: import, download, list, check, resample, export');

  storeOptions(
    data
      .command('import <file>')
      .description('import a CSV, CSV.gz or Parquet file, or headlines (--kind news: CSV or JSON lines time_ms,source,headline); idempotent, one transaction')
      .option('--symbol <symbol>', 'ccxt unified symbol, e.g. BTC/USDT:USDT (news: optional, default market-wide)', symbolOption)
      .option('--timeframe <tf>', `candle interval (${TIMEFRAMES.join(', ')})`, timeframeOption)
      .addOption(new Option('--kind <kind>', 'candles, mark (mark-price candles), funding or news').argParser(choiceOption(IMPORT_KINDS)).default('candles'))
      .addOption(exchangeOption())
      .option('--json', 'print the import report as JSON'),
  ).action(async (file: string, options: Omit<SeriesOptions, 'kind'> & {kind: (typeof IMPORT_KINDS)[number]}) => {
    if (options.kind === 'news') {
      await withStore(options, async (store) => {
        const report = await importNews(store.db, {file, symbol: options.symbol ?? null});
        if (options.json) return io.out(JSON.stringify(report, null, 2));
        io.out(`imported ${report.file}: ${formatInt(report.rows)} headlines, ${formatInt(report.inserted)} new, ` +
          `${formatInt(report.skipped)} already stored${options.symbol ? ` (for ${options.symbol})` : ' (market-wide)'}`);
      }, {}, io);
      return;
    }
    if (!options.symbol) throw new IftbError(ErrorCode.INPUT_INVALID, `--symbol is required to import ${options.kind}`);
    // A file that cannot be data is refused before a store is opened (or created).
    assertReadableFile(resolve(file));
    const kind = options.kind;
    await withStore(options, async (store) => {
      const report = await importFile(
        store.db,
        {file, kind, exchange: options.exchange, symbol: options.symbol, timeframe: options.timeframe, jumpFactor: DEFAULT_JUMP_FACTOR},
        io.progress(),
      );
      if (options.json) return io.out(JSON.stringify(report, null, 2));
      io.out(`imported ${report.file}: ${formatInt(report.rows)} rows, ${formatInt(report.inserted)} new, ` +
        `${formatInt(report.skipped)} already stored (${report.seconds.toFixed(2)} s)`);
      if (report.quality) io.out(qualityLines('file', report.quality).join('\n'));
    }, {}, io);
  });

  registerDownload(data, io);
  registerInstruments(data, io);

  storeOptions(data.command('list').description('coverage per exchange, symbol and timeframe').option('--json', 'print JSON')).action(
    async (options: StoreOptions & {json?: boolean}) => {
      await withStore(options, async (store) => {
        const rows = await listCoverage(store.db);
        if (options.json) return io.out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return io.out('the store is empty: import a file with `iftb data import` or run `iftb data download`');
        io.out(renderTable(
          ['exchange', 'symbol', 'kind', 'tf', 'first (UTC)', 'last (UTC)', 'rows', 'gaps', 'missing'],
          rows.map((r) => [r.exchange, r.symbol, r.kind, r.timeframe, formatTime(r.firstMs), formatTime(r.lastMs), formatInt(r.rows), r.gaps, r.missing]),
        ));
      }, {readOnly: true}, io);
    },
  );

  storeOptions(
    data
      .command('check [file]')
      .description('report gaps, duplicates, unsorted rows, NaN, impossible OHLC, prices ≤ 0, negative volume and implausible jumps (never fixes)')
      .option('--symbol <symbol>', 'only this symbol', symbolOption)
      .option('--timeframe <tf>', 'only this timeframe (required with a file)', timeframeOption)
      .option('--jump-factor <n>', `flag a bar moving more than n × the median range of the 100 bars before (default ${DEFAULT_JUMP_FACTOR})`, numberOption('--jump-factor', 1))
      .addOption(new Option('--kind <kind>', 'candles or mark').argParser(choiceOption(['candles', 'mark'] as const)).default('candles'))
      .addOption(exchangeOption())
      .option('--json', 'print JSON'),
  ).action(async (file: string | undefined, options: Partial<SeriesOptions>) => {
    const results = file ? [await checkFile(file, options)] : await withStore(options, (store) => checkStore(store.db, options), {readOnly: true}, io);
    if (options.json) io.out(JSON.stringify(results, null, 2));
    else io.out(results.flatMap((r) => qualityLines(r.series, r.quality)).join('\n'));
    if (results.some((r) => hasHardIssues(r.quality))) process.exitCode = EXIT.dataProblems;
  });

  storeOptions(
    data
      .command('resample')
      .description('build larger candles from stored ones, in SQL (complete buckets only)')
      .requiredOption('--symbol <symbol>', 'ccxt unified symbol', symbolOption)
      .option('--from-timeframe <tf>', 'source timeframe', timeframeOption, '1m')
      .requiredOption('--to <tf>', 'target timeframe', timeframeOption)
      .addOption(exchangeOption()),
  ).action(async (options: StoreOptions & {symbol: string; fromTimeframe: Timeframe; to: Timeframe; exchange: string}) => {
    await withStore(options, async (store) => {
      const key = {exchange: options.exchange, symbol: options.symbol, timeframe: options.fromTimeframe};
      const r = await resampleBars(store.db, key, options.to);
      io.out(`resampled ${options.symbol} ${options.fromTimeframe} → ${options.to}: ${formatInt(r.buckets)} buckets, ` +
        `${formatInt(r.inserted)} new, ${formatInt(r.skipped)} already stored, ${formatInt(r.incomplete)} incomplete left out`);
    }, {}, io);
  });

  storeOptions(
    data
      .command('export')
      .description('write stored candles or funding to Parquet or CSV')
      .requiredOption('--symbol <symbol>', 'ccxt unified symbol', symbolOption)
      .option('--timeframe <tf>', 'candle timeframe', timeframeOption)
      .addOption(kindOption())
      .addOption(exchangeOption())
      .addOption(new Option('--format <format>', 'parquet or csv').argParser(choiceOption(['parquet', 'csv'] as const)).default('parquet'))
      .requiredOption('--out <file>', 'output file')
      .option('--from <time>', 'first candle (inclusive)', timeOption)
      .option('--to <time>', 'end (exclusive)', timeOption),
  ).action(async (options: SeriesOptions & {format: 'parquet' | 'csv'; out: string; from?: number; to?: number}) => {
    if (options.kind !== 'funding' && !options.timeframe) throw new IftbError(ErrorCode.INPUT_INVALID, 'export of candles needs --timeframe');
    await withStore(options, async (store) => {
      const key = {exchange: options.exchange, symbol: options.symbol, timeframe: options.timeframe ?? '1h'};
      const range = {fromMs: options.from ?? -Infinity, toMs: options.to ?? Infinity};
      const n = await exportSeries(store.db, key, options.kind, range, options.format, options.out);
      io.out(`exported ${formatInt(n)} rows to ${options.out}`);
    }, {readOnly: true}, io);
  });

  return data;
}
