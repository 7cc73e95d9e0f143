import {createHash} from 'node:crypto';
import type {BarColumns, FundingSeries} from '../core/index.js';

function update(hash: ReturnType<typeof createHash>, array: Float64Array, length: number): void {
  hash.update(new Uint8Array(array.buffer, array.byteOffset, length * Float64Array.BYTES_PER_ELEMENT));
}

/** sha256 over exactly the numbers a run consumed: candles, mark candles and funding. */
export function dataHash(bars: BarColumns, mark: BarColumns | null, funding: FundingSeries | null): string {
  const hash = createHash('sha256');
  for (const columns of [bars, mark]) {
    hash.update(columns ? `bars:${columns.length};` : 'none;');
    if (!columns) continue;
    for (const a of [columns.openTime, columns.open, columns.high, columns.low, columns.close, columns.volume]) update(hash, a, columns.length);
  }
  hash.update(funding ? `funding:${funding.length};` : 'none;');
  if (funding) for (const a of [funding.time, funding.rate, funding.markPrice]) update(hash, a, funding.length);
  return hash.digest('hex');
}
