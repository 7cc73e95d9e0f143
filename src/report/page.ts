/** The HTML shell shared by run and comparison pages: style, inlined vega runtime, chart rendering, sortable tables. */
import {escapeHtml, scriptJson} from './format.js';
import type {VegaRuntime} from './runtime.js';
import type {VlSpec} from './spec-common.js';

const STYLE = `
:root{--fg:#1d232b;--muted:#5b6470;--line:#dde2e8;--bg:#f7f8fa;--good:#1a7f3c;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2733;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:0;color:#c9d1db}
header p.banner{margin-top:8px;padding:6px 10px;background:#b3261e;color:#fff;border-radius:4px}
header div.halts{margin-top:8px;padding:6px 10px;background:#7a4b00;color:#fff;border-radius:4px}
header div.halts ul{margin:4px 0 0;padding-left:20px}
header a{color:#fff}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:6px 28px;font-size:13px}
nav a{margin-right:14px;color:#1f5aa6;text-decoration:none}
main{padding:8px 28px 40px;max-width:1920px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:14px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}
h3{font-size:14px;margin:14px 0 6px}
p.note,.note{color:var(--muted);font-size:12.5px}
.abstained{border-left:4px solid #fdae61;background:#fff8ef;padding:8px 12px;margin:8px 0}
.chart{min-height:40px;margin:10px 0;overflow-x:auto}
.chart.failed{color:var(--bad)}
table{border-collapse:collapse;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f3f6;font-weight:600;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[data-dir=asc]::after{content:" ▲"}
table.sortable th[data-dir=desc]::after{content:" ▼"}
.metrics{display:flex;flex-wrap:wrap;gap:0 28px}
.metrics table{flex:1 1 400px}
.wide{overflow-x:auto}
.pos{color:var(--good)}.neg{color:var(--bad)}
.ok{color:var(--good)}.mismatch{color:var(--bad);font-weight:600}
.scroll{max-height:640px;overflow:auto;border:1px solid var(--line)}
table.trades{width:100%;font-size:12.5px}
table.trades th,table.trades td{padding:3px 6px;white-space:nowrap}
table.trades td.why{overflow:hidden;text-overflow:ellipsis;max-width:11vw}
/* Off-screen long tables skip layout until scrolled to: a thousand-row trade list otherwise holds up the charts for a second. */
.scroll{content-visibility:auto;contain-intrinsic-size:auto 640px}
pre{background:#f5f7f9;border:1px solid var(--line);padding:10px;overflow:auto;font-size:12px;max-height:520px}
code{font-size:12.5px}
`;

// Renders every [data-chart] element from the embedded specs (vega, compiled from vega-lite when the
// page was written; or vega-lite, compiled here), then flags the body so tests and benchmarks
// know when the page is complete; a failing chart shows its error instead of a blank.
const RENDER = `
(function(){
  var specs = JSON.parse(document.getElementById('iftb-specs').textContent);
  var els = Array.prototype.slice.call(document.querySelectorAll('[data-chart]'));
  var jobs = els.map(function(el){
    return Promise.resolve().then(function(){
      var spec = specs[el.getAttribute('data-chart')];
      if (spec.iftbError) throw new Error(spec.iftbError);
      if (/vega-lite/.test(spec.$schema || '')) spec = vegaLite.compile(spec).spec;
      var view = new vega.View(vega.parse(spec), {renderer: 'svg', container: el, hover: true});
      return view.runAsync();
    }).catch(function(error){
      el.classList.add('failed');
      el.textContent = 'chart failed to render: ' + (error && error.message);
      console.error(error);
    });
  });
  Promise.all(jobs).then(function(){
    window.__iftbRenderedMs = performance.now();
    document.body.setAttribute('data-rendered', String(els.length));
  });
})();
`;

const SORT = `
(function(){
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function(table){
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function(th, col){
      th.addEventListener('click', function(){
        var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;
        Array.prototype.forEach.call(heads, function(h){ h.removeAttribute('data-dir'); });
        th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
        var num = th.getAttribute('data-type') === 'num';
        var key = function(row){ var c = row.cells[col]; var v = c.getAttribute('data-v'); return v === null ? c.textContent : v; };
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = key(a), y = key(b);
          return dir * (num ? Number(x) - Number(y) : x.localeCompare(y));
        });
        rows.forEach(function(r){ body.appendChild(r); });
      });
    });
  });
})();
`;

export interface PageParts {
  readonly title: string;
  /** Header lines (already HTML). */
  readonly header: string;
  readonly nav: ReadonlyArray<readonly [id: string, label: string]>;
  /** The sections (already HTML). */
  readonly body: string;
  readonly specs: Readonly<Record<string, VlSpec>>;
}

export function renderPage(parts: PageParts, runtime: VegaRuntime): string {
  const nav = parts.nav.map(([id, label]) => `<a href="#${id}">${escapeHtml(label)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${parts.header}</header>
<nav>${nav}</nav>
<main>
${parts.body}
</main>
<script id="iftb-specs" type="application/json">${scriptJson(runtime.compile ? compileSpecs(parts.specs, runtime.compile) : parts.specs)}</script>
<script>${runtime.vega}</script>${runtime.compile ? '' : `\n<script>${runtime.vegaLite}</script>`}
<script>${RENDER}</script>
<script>${SORT}</script>
</body>
</html>
`;
}

/**
 * vega-lite → vega at write time. Compiling in the browser took most of a large report's open
 * time (vega-lite's own 270 kB to evaluate, then every spec); the result is the same JSON. A spec
 * that does not compile becomes an error the page shows in its place.
 */
export function compileSpecs(specs: Readonly<Record<string, VlSpec>>, compile: (spec: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, spec] of Object.entries(specs)) {
    try {
      out[id] = compile(spec);
    } catch (error) {
      out[id] = {iftbError: (error as Error).message};
    }
  }
  return out;
}

/** A chart placeholder the render script fills. */
export function chartDiv(id: string): string {
  return `<div class="chart" data-chart="${escapeHtml(id)}"></div>`;
}
