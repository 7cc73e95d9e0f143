import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import type {FundingSeries} from '../../../src/core/index.js';
import {fixtureDataFile} from '../../support/candle-files.js';

/** Funding settlements from test/fixtures/data (a copy of ../shared/data's file: `funding_time_ms,funding_rate,…` CSV.gz). */
export function loadFunding(file: string, symbol = 'BTC/USDT:USDT'): FundingSeries {
  const lines = gunzipSync(readFileSync(fixtureDataFile(file))).toString('utf8').split('\n').slice(1).filter((l) => l.length > 0);
  const time = new Float64Array(lines.length);
  const rate = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const [t, r] = line.split(',');
    time[i] = Number(t);
    rate[i] = Number(r);
  });
  return {exchange: 'binanceusdm', symbol, length: lines.length, time, rate, markPrice: new Float64Array(lines.length).fill(NaN)};
}
