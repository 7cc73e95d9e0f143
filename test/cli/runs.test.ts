import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-runs-'));
const reports = join(dir, 'reports');
const db = ['--db', join(dir, 'store.duckdb')];
const fail = (error: {code: number; stdout: string; stderr: string}) => error;

describe('iftb runs', () => {
  const summaries: Array<{runId: string; metrics: Record<string, number | null>; strategy: {name: string; version: string}}> = [];
  beforeAll(async () => {
    for (const strategy of ['sma-cross', 'rsi-bollinger']) {
      const {stdout} = await run('node', [CLI, 'backtest', ...db, '--reports-dir', reports, '--strategy', strategy, '--from', '2024-09-01', '--to', '2025-01-01', '--json']);
      summaries.push(JSON.parse(stdout));
    }
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('lists stored runs with their strategy, range and headline metrics', async () => {
    const {stdout} = await run('node', [CLI, 'runs', 'list', ...db]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run\s+created \(UTC\)\s+strategy\s+market\s+from\s+to\s+return\s+Sharpe\s+max DD\s+trades$/);
    for (const s of summaries) {
      const line = lines.find((l) => l.startsWith(s.runId))!;
      expect(line).toContain(`${s.strategy.name}@${s.strategy.version}`);
      expect(line).toContain('2024-09-01 00:00');
      expect(line).toContain(`${((s.metrics.totalReturn as number) * 100).toFixed(2)}%`);
      expect(line.trim().endsWith(String(s.metrics.tradeCount))).toBe(true);
    }
  });

  it('prints the runs as JSON with --json', async () => {
    const {stdout} = await run('node', [CLI, 'runs', 'list', ...db, '--json']);
    const rows = JSON.parse(stdout) as Array<{runId: string; metrics: unknown; fromMs: number; strategy: string}>;
    expect(rows.map((r) => r.runId).sort()).toEqual(summaries.map((s) => s.runId).sort());
    for (const s of summaries) {
      const row = rows.find((r) => r.runId === s.runId)!;
      expect(row).toMatchObject({strategy: s.strategy.name, fromMs: Date.UTC(2024, 8, 1)});
      expect(row.metrics).toEqual(s.metrics);
    }
  });

  it('compares runs on one page, at reports/compare-<ids>.html or --out', async () => {
    const ids = summaries.map((s) => s.runId);
    const {stdout} = await run('node', [CLI, 'runs', 'compare', ...ids, ...db, '--reports-dir', reports]);
    const file = join(reports, `compare-${ids.join('-')}.html`);
    expect(stdout.trim()).toBe(file);
    const html = readFileSync(file, 'utf8');
    for (const s of summaries) {
      expect(html).toContain(`data-metric="${s.runId}.sharpe" data-value="${s.metrics.sharpe}"`);
      expect(html).toContain(`href="${s.runId}/index.html"`);
    }
    expect(html).toContain('data-chart="growth"');
    expect(html).toContain('data-chart="drawdown"');
    const out = join(dir, 'elsewhere', 'cmp.html');
    const custom = await run('node', [CLI, 'runs', 'compare', ...ids, ...db, '--reports-dir', reports, '--out', out]);
    expect(custom.stdout.trim()).toBe(out);
    expect(readFileSync(out, 'utf8')).toContain(`href="../reports/${ids[0]}/index.html"`);
  });

  it('refuses a comparison of fewer than two runs or of an unknown run', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[summaries[0].runId], /compare needs at least two run ids/],
      [[summaries[0].runId, 'feedbeefcafe'], /no run 'feedbeefcafe' in the store/],
      [[summaries[0].runId, summaries[0].runId], /listed twice/],
    ];
    for (const [ids, message] of cases) {
      const result = await run('node', [CLI, 'runs', 'compare', ...ids, ...db, '--reports-dir', reports]).then(() => ({code: 0, stdout: '', stderr: ''}), fail);
      expect(result.code, `${ids.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
