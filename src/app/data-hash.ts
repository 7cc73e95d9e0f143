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

/** Folds the funding rates analyzers read (ML features) into a run's data hash. */
export function withAnalyzerFunding(hash: string, funding: FundingSeries | null): string {
  const h = createHash('sha256').update(hash);
  h.update(funding ? `analyzer-funding:${funding.length};` : 'analyzer-funding:none;');
  if (funding) for (const a of [funding.time, funding.rate]) update(h, a, funding.length);
  return h.digest('hex');
}

/** Folds the settlement-instant marks of long bars' inside settlements into a run's data hash. */
export function withFundingMarks(hash: string, marks: Float64Array | null): string {
  if (marks === null) return hash;
  const h = createHash('sha256').update(hash);
  h.update(`funding-marks:${marks.length};`);
  update(h, marks, marks.length);
  return h.digest('hex');
}

/**
 * Folds the LLM answers a run used into its data hash: one digest per LLM analyzer (its id and
 * the sha256 of its answers, see LlmAnalyzer.answersDigest). Analyzers that used no answer add
 * nothing, so runs without LLM readings keep their ids.
 */
export function withLlmAnswers(hash: string, digests: ReadonlyArray<{readonly id: string; readonly digest: string | null}>): string {
  const used = digests.filter((d) => d.digest !== null);
  if (used.length === 0) return hash;
  const h = createHash('sha256').update(hash);
  for (const d of used) h.update(`llm-answers:${d.id}:${d.digest};`);
  return h.digest('hex');
}
