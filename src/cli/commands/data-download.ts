import type {Command} from 'commander';
import type {Timeframe} from '../../core/index.js';
import {type CliIo, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatInt, formatTime} from '../format.js';
import {symbolOption, timeframeOption, timeOption} from '../options.js';
import {binanceCredentials, binanceOptions} from './data-instruments.js';

interface DownloadCliOptions extends StoreOptions {
  symbol: string;
  timeframe: Timeframe;
  since: number;
  until?: number;
  funding?: boolean;
  mark?: boolean;
  apiUrl?: string;
  timeoutMs: number;
  retries: number;
}

export function registerDownload(data: Command, io: CliIo): void {
  storeOptions(binanceOptions(
    data
      .command('download')
      .description('download closed candles (and funding) from Binance USDⓈ-M through ccxt; resumes from the last stored candle; syncs the symbol\'s instrument spec')
      .requiredOption('--symbol <symbol>', 'ccxt unified symbol, e.g. BTC/USDT:USDT', symbolOption)
      .requiredOption('--timeframe <tf>', 'candle interval', timeframeOption)
      .requiredOption('--since <time>', 'first candle (UTC date, ISO time or epoch ms)', timeOption)
      .option('--until <time>', 'end, exclusive (default: now)', timeOption)
      .option('--funding', 'also download funding-rate history')
      .option('--mark', 'also download mark-price candles'),
  )).action(async (options: DownloadCliOptions) => {
    const credentials = binanceCredentials();
    // ccxt is large; load it only for the command that needs it.
    const {downloadMarketData} = await import('../../adapters/binance/index.js');
    await withStore(options, async (store) => {
      const report = await downloadMarketData(
        {symbol: options.symbol, timeframe: options.timeframe, sinceMs: options.since, untilMs: options.until, funding: options.funding, mark: options.mark},
        {
          store: store.marketData,
          instruments: store.instruments,
          exchange: {apiUrlOverride: options.apiUrl, timeoutMs: options.timeoutMs, maxRetries: options.retries, ...(credentials ? {apiKey: credentials.apiKey, apiSecret: credentials.secret} : {})},
          progress: io.progress(),
          log: (line) => io.err(line),
        },
      );
      io.out(`downloaded ${options.symbol} ${options.timeframe}: ${formatInt(report.candlesInserted)} new candles, ` +
        `${formatInt(report.candlesSkipped)} already stored, ${formatTime(report.firstMs)} → ${formatTime(report.lastMs)}` +
        (options.funding ? `, ${formatInt(report.fundingInserted)} new funding rates` : '') +
        ` (${report.requests} requests, ${report.retries} retries)`);
    }, {}, io);
  });
}
