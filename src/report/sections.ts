/** The signal-source and run/config sections of a run report. */
import {escapeHtml, fixed, int, pct, raw, time} from './format.js';
import {chartDiv} from './page.js';
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import type {ReportSummary} from './types.js';

/** One signal source (or the ensemble) as the report shows it. */
export interface SourceView {
  readonly id: string;
  readonly label: string;
  readonly status: 'active' | 'abstained';
  readonly reason?: string;
  readonly chartId?: string;
  readonly accuracy?: SignalAccuracy;
}

export function signalsSection(sources: readonly SourceView[], horizon: number): string {
  const parts = sources.map((s) => {
    const title = `<h3>${escapeHtml(s.label)}</h3>`;
    if (s.status === 'abstained' || !s.chartId || !s.accuracy) {
      return `${title}<div class="abstained" data-abstained="${escapeHtml(s.id)}">abstained: ${escapeHtml(s.reason ?? 'no readings')}</div>`;
    }
    const a = s.accuracy;
    return `${title}<p>hit rate <b data-metric="hitRate.${escapeHtml(s.id)}" data-value="${raw(a.hitRate)}">${pct(a.hitRate, 1)}</b> over
${int(a.samples)} scored bars (long ${pct(a.long.hitRate, 1)} of ${int(a.long.samples)}, short ${pct(a.short.hitRate, 1)} of ${int(a.short.samples)});
mean move captured in the signal's direction ${pct(a.meanSignedReturn, 3)}; confidence–hit correlation ${fixed(a.calibration.confidenceHitCorrelation, 3)}.</p>
${chartDiv(s.chartId)}`;
  });
  return `<p class="note">A scored bar is one where the source was active with a non-zero score and the close ${horizon} bars later lies inside
the run; it is a hit when the score's sign matches that move (no move is a miss). Sources that never answered show why instead of an empty chart.</p>
${parts.join('\n')}`;
}

function modelVersions(summary: ReportSummary): string {
  const models = summary.ml?.models ?? [];
  if (models.length > 0) {
    return models.map((m) => {
      const window = m.trainWindow && m.validationWindow ? `, trained ${m.trainWindow.from.slice(0, 10)} → ${m.validationWindow.to.slice(0, 10)}` : '';
      const sample = m.inSample
        ? `<b class="mismatch" data-in-sample="true">IN SAMPLE on ${int(m.inSampleBars ?? 0)} decision bars</b>`
        : 'out of sample';
      return `<code>${escapeHtml(m.model)}</code>${m.onnxSha256 ? ` (onnx sha256 ${escapeHtml(m.onnxSha256.slice(0, 12))}…)` : ''}${window}: ${sample}`;
    }).join('<br>');
  }
  const ml = summary.sources.filter((s) => s.source === 'ml');
  return 'none yet: no trained model took part in this run' + (ml.length > 0
    ? ` (${ml.map((s) => `${escapeHtml(s.id)} ${s.status}${s.note ? `: ${escapeHtml(s.note)}` : ''}`).join('; ')})`
    : ' (the strategy uses no ML source)');
}

function versionOf(id: string): string {
  const at = id.lastIndexOf('@');
  return at < 0 ? '–' : id.slice(at + 1);
}

export function configSection(summary: ReportSummary): string {
  const m = summary.market;
  const analyzers = summary.sources.map((s) => `<tr><td><code>${escapeHtml(s.id)}</code></td><td>${s.source.toUpperCase()}</td>` +
    `<td>${escapeHtml(versionOf(s.id))}</td><td>${s.status}${s.note ? `: ${escapeHtml(s.note)}` : ''}</td></tr>`).join('');
  const rows: Array<[string, string]> = [
    ['run id', `<code>${escapeHtml(summary.runId)}</code> (${escapeHtml(summary.mode)})`],
    ['strategy', `${escapeHtml(summary.strategy.name)}@${escapeHtml(summary.strategy.version)}`],
    ['config hash', `<code data-hash="config">${escapeHtml(summary.configHash)}</code>`],
    ['data hash', `<code data-hash="data">${escapeHtml(summary.dataHash)}</code> (sha256 of the candles, mark candles and funding the run read, and of the LLM answers it used)`],
    ['market', `${escapeHtml(m.exchange)} ${escapeHtml(m.symbol)} ${escapeHtml(m.timeframe)}`],
    ['data range', `first decision bar ${time(m.firstBarMs)}, last bar ${time(m.lastBarMs)} (open times, UTC), after ${int(m.warmupBars)} warm-up bars`],
    ['model versions', modelVersions(summary)],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<h3>Signal sources</h3><table><thead><tr><th>analyzer</th><th>source</th><th>version</th><th>status</th></tr></thead><tbody>${analyzers}</tbody></table>
<h3>Strategy parameters (resolved)</h3><pre>${escapeHtml(JSON.stringify(summary.strategy.params, null, 2))}</pre>
<h3>Full config</h3><pre id="config-json">${escapeHtml(JSON.stringify(summary.config, null, 2))}</pre>
<p class="note">The same config and data give the same run id, a byte-identical run.json and this same page.</p>`;
}
