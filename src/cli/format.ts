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

/** How often a log line reports progress where stderr is not a terminal. */
const LOG_EVERY_MS = 10_000;

/**
 * A progress bar on stderr. Where stderr is not a terminal (pipes, CI logs) there is no bar; what is
 * saved is reported as lines instead: the first save, then at most one line per 10 s, and the last.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) return savedLines(stream);
  const bar = new cliProgress.SingleBar(
    {format: '{label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}', stream, hideCursor: true},
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

function savedLines(stream: NodeJS.WritableStream): ProgressSink {
  let label = '';
  let total = 0;
  let last = {count: -1, at: Number.NEGATIVE_INFINITY};
  let latest = -1;
  const say = (count: number) => {
    last = {count, at: Date.now()};
    stream.write(`${label}: ${count}/${total} saved\n`);
  };
  return {
    start(t, l) {
      [total, label, last, latest] = [t, l, {count: -1, at: Number.NEGATIVE_INFINITY}, -1];
    },
    update() {},
    saved(count) {
      latest = count;
      if (last.count < 0 || Date.now() - last.at >= LOG_EVERY_MS) say(count);
    },
    stop() {
      if (latest > last.count) say(latest);
    },
  };
}

/** Aligned "key  value" lines (no header), for one record. */
export function renderPairs(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}
