import {execFile} from 'node:child_process';
import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NOTEBOOKS = ['01-explore-data-and-a-run.ipynb', '02-train-and-compare-models.ipynb', '03-sweep-and-overfitting.ipynb'];
// Debian's Jupyter (python3-nbclient, python3-ipykernel) serves /usr/bin/python3, which may not be the python3 on PATH.
const PYTHON = '/usr/bin/python3';

interface Output {
  readonly output_type: string;
  readonly text?: string | string[];
  readonly data?: Record<string, unknown>;
  readonly ename?: string;
  readonly evalue?: string;
}
type Notebook = {cells: Array<{cell_type: string; outputs?: Output[]}>};

const dir = mkdtempSync(join(tmpdir(), 'iftb-notebooks-'));
const executed: Record<string, Notebook> = {};
let failure = '';

/** All text a notebook printed, and the MIME types it displayed. */
function outputs(name: string): {text: string; mimes: string[]; errors: string[]} {
  const all = executed[name].cells.flatMap((c) => c.outputs ?? []);
  return {
    text: all.filter((o) => o.output_type === 'stream').map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? '')).join(''),
    mimes: all.flatMap((o) => Object.keys(o.data ?? {})),
    errors: all.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`),
  };
}

describe('notebooks execute headless through the tslab kernel', () => {
  beforeAll(async () => {
    // Each notebook gets the shipped sample in a scratch store, a scratch model registry and reports folder.
    const db = join(dir, 'store.duckdb');
    (await DuckDbStore.open(db)).close();
    copyFileSync(db, join(dir, 'seeded.duckdb'));
    const kernels = join(dir, 'jupyter');
    await run('node', [join(ROOT, 'node_modules/tslab/bin/tslab'), 'install', '--prefix', kernels, `--python=${PYTHON}`, `--binary=${join(ROOT, 'node_modules/.bin/tslab')}`]);
    const env = {
      ...process.env, JUPYTER_PATH: join(kernels, 'share/jupyter'), IFTB_DB: db, IFTB_MODELS_DIR: join(dir, 'models'), IFTB_REPORTS_DIR: join(dir, 'reports'),
    };
    try {
      await run(PYTHON, [join(import.meta.dirname, 'run-notebooks.py'), dir, ...NOTEBOOKS.map((n) => join(ROOT, 'notebooks', n))], {env, timeout: 600_000});
    } catch (error) {
      failure = String((error as {stderr?: string}).stderr ?? error);
    }
    for (const name of NOTEBOOKS) {
      try {
        executed[name] = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Notebook;
      } catch {
        failure ||= `${name} was not executed`;
      }
    }
  }, 900_000);
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('runs every cell without an error', () => {
    expect(failure).toBe('');
    for (const name of NOTEBOOKS) expect(outputs(name).errors).toEqual([]);
  });

  it('explores the store and a run: coverage, bars, metrics, equity and drawdown as SVG charts, trades', () => {
    const {text, mimes} = outputs(NOTEBOOKS[0]);
    expect(text).toMatch(/series stored: [5-9]\n/);
    expect(text).toMatch(/bars: 2160, first close [\d.]+, last close [\d.]+/);
    expect(text).toMatch(/run [0-9a-f]{12}: \d+ trades, final equity [\d.]+/);
    expect(mimes.filter((m) => m === 'image/svg+xml')).toHaveLength(2);
    expect(mimes).toContain('text/markdown');
    expect(text).toMatch(/first trade: (long|short) at [\d.]+/);
  });

  it('trains two models and compares them on the same later rows', () => {
    const {text} = outputs(NOTEBOOKS[1]);
    const m = /trained 2 models; train AUC ([\d.]+) vs ([\d.]+)/.exec(text);
    expect(m).not.toBeNull();
    // The deeper model fits its training rows better.
    expect(Number(m![2])).toBeGreaterThan(Number(m![1]));
    expect(text).toMatch(/compare rows=\d{3,} hit test p=[\d.]+ \(naive McNemar [\d.]+\) sharpe difference -?[\d.]+ \[-?[\d.]+, -?[\d.]+\]/);
  });

  it('runs a small sweep and reads its overfitting statistics; pure noise shows PBO near 0.5', () => {
    const {text} = outputs(NOTEBOOKS[2]);
    expect(text).toMatch(/sweep [0-9a-f]{12}: 24 trials, best fast=\d+ slow=\d+, report .*index\.html/);
    expect(text).toMatch(/DSR=[01]\.\d{3} PBO=[01]\.\d{3}/);
    const noise = /noise: .* DSR=([\d.]+) PBO=([\d.]+)/.exec(text);
    expect(noise).not.toBeNull();
    expect(Number(noise![2])).toBeGreaterThan(0.25);
    expect(Number(noise![2])).toBeLessThan(0.75);
    expect(Number(noise![1])).toBeLessThan(0.95);
  });
});
