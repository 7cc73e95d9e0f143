/**
 * The metric contract (src/deploy/metrics-contract.ts) by name and type, and two independent readers of an exposition:
 * parse-prometheus-text-format and Prometheus' own `promtool check metrics` (Debian's prometheus
 * package, /usr/bin/promtool).
 */
import {spawn} from 'node:child_process';
import {createRequire} from 'node:module';
import {METRICS} from '../../src/deploy/metrics-contract.js';

const require = createRequire(import.meta.url);

export interface ParsedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'GAUGE' | 'COUNTER' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: readonly {readonly value?: string; readonly labels?: Record<string, string>; readonly buckets?: Record<string, string>; readonly count?: string; readonly sum?: string}[];
}

export function parseExposition(text: string): ParsedFamily[] {
  const parse = require('parse-prometheus-text-format') as (text: string) => ParsedFamily[];
  return parse(text);
}

/** name → [type, label names], from the one contract the deploy rules and dashboards are checked against too. */
export const METRIC_CONTRACT: Readonly<Record<string, readonly [ParsedFamily['type'], readonly string[]]>> = Object.fromEntries(
  METRICS.filter((m) => m.name.startsWith('iftb_')).map((m) => [m.name, [m.type.toUpperCase() as ParsedFamily['type'], m.labels]]),
);

export const DECISION_BUCKETS = ['0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '+Inf'];
export const SLIPPAGE_BUCKETS = ['0', '0.0001', '0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '+Inf'];

/** `promtool check metrics` over the text on stdin: exit code and its report (lint problems, one a line). */
export function promtoolCheck(text: string): Promise<{code: number; report: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], {stdio: ['pipe', 'pipe', 'pipe']});
    let report = '';
    child.stdout.on('data', (c: Buffer) => (report += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (report += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({code: code ?? -1, report}));
    child.stdin.end(text);
  });
}

/** The families whose name starts with one of the prefixes, as exposition text (promtool on our metrics alone). */
export function familiesText(text: string, prefix: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const name = line.startsWith('# ') ? line.split(' ')[2] : line.split(/[{ ]/)[0];
    if (name !== undefined && name.startsWith(prefix)) out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/** Every contract metric present with its type and labels; returns the problems (empty when it conforms). */
export function contractProblems(families: readonly ParsedFamily[]): string[] {
  const problems: string[] = [];
  const byName = new Map(families.map((f) => [f.name, f] as const));
  for (const [name, [type, labels]] of Object.entries(METRIC_CONTRACT)) {
    const f = byName.get(name);
    if (f === undefined) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (f.type !== type) problems.push(`${name}: type ${f.type}, expected ${type}`);
    if (f.help.trim() === '') problems.push(`${name}: no help`);
    // The parser folds a histogram's series into one and drops their labels: histogramSeries reads them from the text.
    if (type === 'HISTOGRAM' && labels.length > 0) continue;
    for (const m of f.metrics) {
      const got = Object.keys(m.labels ?? {}).sort();
      if (got.join(',') !== [...labels].sort().join(',')) problems.push(`${name}: labels {${got.join(',')}}, expected {${[...labels].sort().join(',')}}`);
    }
  }
  return problems;
}

/** A histogram sample's bucket bounds in ascending order (object keys like "1" and "5" would come first). */
export function bucketBounds(buckets: Record<string, string> | undefined): string[] {
  const value = (k: string) => (k === '+Inf' ? Number.POSITIVE_INFINITY : Number(k));
  return Object.keys(buckets ?? {}).sort((a, b) => value(a) - value(b));
}

/** A histogram's series by label set (without `le`), read from the exposition text: buckets (cumulative), sum and count. */
export function histogramSeries(text: string, name: string): {labels: Record<string, string>; buckets: Record<string, number>; sum: number; count: number}[] {
  const out = new Map<string, {labels: Record<string, string>; buckets: Record<string, number>; sum: number; count: number}>();
  const line = new RegExp(`^${name}_(bucket|sum|count)(?:\\{([^}]*)\\})? (\\S+)$`);
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const {le, ...rest} = labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const series = out.get(key) ?? {labels: rest, buckets: {}, sum: Number.NaN, count: Number.NaN};
    out.set(key, series);
    if (m[1] === 'bucket') series.buckets[le] = Number(m[3]);
    else series[m[1] as 'sum' | 'count'] = Number(m[3]);
  }
  return [...out.values()];
}
