/** Grafana dashboards: the three the runbook names, and every query reads only metrics of the contract. */
import {existsSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {DATASOURCE, dashboardFiles} from '../../src/deploy/dashboards.js';
import {allowedSeries, METRICS, seriesIn} from '../../src/deploy/metrics-contract.js';

interface Panel {type: string; title: string; id: number; datasource?: {uid: string}; targets?: {expr: string; datasource: {uid: string}}[]; gridPos: {x: number; y: number; w: number; h: number}}
interface Dashboard {uid: string; title: string; panels: Panel[]}
const boards = Object.fromEntries(Object.entries(dashboardFiles()).map(([file, json]) => [file, JSON.parse(json) as Dashboard]));
const all = Object.values(boards);
const COORD_METRICS = '/work/coord/METRICS.md';
const exprs = (d: Dashboard) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe('dashboards', () => {
  it('are Trading, System Health and Analysis, with unique uids and panel ids', () => {
    expect(all.map((d) => d.title)).toEqual(['IFTB Trading', 'IFTB System Health', 'IFTB Analysis']);
    expect(new Set(all.map((d) => d.uid)).size).toBe(3);
    for (const d of all) expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
  });

  it('every query names only metrics the bot exports (METRICS.md), through the provisioned datasource', () => {
    const allowed = allowedSeries();
    const provisioned = parse(readFileSync('deploy/grafana/provisioning/datasources/prometheus.yml', 'utf8')) as {datasources: {uid: string; url: string}[]};
    expect(provisioned.datasources[0].uid).toBe(DATASOURCE.uid);
    for (const d of all) {
      for (const panel of d.panels.filter((p) => p.type !== 'row')) {
        expect(panel.targets?.length, `${d.title} / ${panel.title} has no query`).toBeGreaterThan(0);
        for (const target of panel.targets!) {
          expect(target.datasource.uid).toBe(DATASOURCE.uid);
          const unknown = seriesIn(target.expr).filter((name) => !allowed.has(name));
          expect(unknown, `${d.title} / ${panel.title}: ${target.expr}`).toEqual([]);
        }
      }
    }
  });

  it('show what the runbook lists for each (P&L and positions; CPU, memory, network; signals and models)', () => {
    const used = (file: string) => new Set(exprs(boards[file]).flatMap(seriesIn));
    for (const name of ['iftb_equity_usdt', 'iftb_position_qty', 'iftb_unrealized_pnl_usdt', 'iftb_orders_total', 'iftb_funding_paid_usdt', 'iftb_fill_slippage_ratio_bucket']) expect(used('trading.json')).toContain(name);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'iftb_websocket_reconnects_total', 'iftb_exchange_errors_total']) expect(used('system-health.json')).toContain(name);
    for (const name of ['iftb_signal_score', 'iftb_model_info', 'iftb_decision_latency_seconds_bucket']) expect(used('analysis.json')).toContain(name);
    // Between them the dashboards show every iftb_ metric of the contract.
    const everywhere = new Set(all.flatMap(exprs).flatMap(seriesIn).map((s) => s.replace(/_(bucket|sum|count)$/, '')));
    expect(METRICS.filter((m) => m.name.startsWith('iftb_') && !everywhere.has(m.name)).map((m) => m.name)).toEqual([]);
  });

  it('panels do not overlap on the 24-column grid', () => {
    for (const d of all) {
      const cells = new Set<string>();
      for (const {gridPos: g, title} of d.panels) {
        expect(g.x + g.w, title).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${d.title} / ${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  // The coordination copy of the contract exists only on the machine it was agreed on, not in a clone or CI.
  it.skipIf(!existsSync(COORD_METRICS))('the contract mirrors /work/coord/METRICS.md (where that file exists)', () => {
    const text = readFileSync(COORD_METRICS, 'utf8');
    const documented = [...text.matchAll(/^\| (iftb_\w+) \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(documented.length).toBeGreaterThan(20);
    expect(METRICS.filter((m) => m.name.startsWith('iftb_')).map((m) => [m.name, m.type])).toEqual(documented);
  });
});
