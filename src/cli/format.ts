import cliProgress from 'cli-progress';
import type {ProgressSink} from '../core/index.js';

/** UTC "YYYY-MM-DD HH:MM" for tables; full ISO where seconds matter. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Plain aligned text table; numbers are right-aligned. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || /^-?[\d,.]+%?$/.test(String(row[i]))));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A progress bar on stderr; silent when stderr is not a terminal (pipes, CI, tests). */
export function terminalProgress(): ProgressSink {
  const bar = new cliProgress.SingleBar(
    {format: '{label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}', stream: process.stderr, hideCursor: true},
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  return {
    start(total, label) {
      active = true;
      bar.start(total, 0, {label});
    },
    update(done) {
      if (active) bar.update(done);
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}

/** Aligned "key  value" lines (no header), for one record. */
export function renderPairs(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}
