/**
 * Runs the local exchange as its own process, so a test can kill -9 the bot while the exchange
 * (its orders, positions and open streams) lives on:
 *   node --import ./test/support/binance-exchange/ts-register.mjs test/support/binance-exchange/main.ts [--port N] [--options JSON]
 * Prints one JSON line {"url","wsUrl","apiKey","apiSecret","pid"} once listening; SIGTERM/SIGINT stop it.
 * Drive it over POST /__iftb/control (RemoteBinanceExchange).
 */
import {parseArgs} from 'node:util';
import {startBinanceExchange, type LocalExchangeOptions} from './exchange.js';

const {values} = parseArgs({options: {port: {type: 'string'}, options: {type: 'string'}}});
const options = JSON.parse(values.options ?? '{}') as LocalExchangeOptions;
const exchange = await startBinanceExchange({...options, port: values.port === undefined ? options.port : Number(values.port)});
process.stdout.write(`${JSON.stringify({url: exchange.url, wsUrl: exchange.wsUrl, apiKey: exchange.apiKey, apiSecret: exchange.apiSecret, pid: process.pid})}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void exchange.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
