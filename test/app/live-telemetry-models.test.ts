/**
 * The ML source's per-bar inference time in /metrics: a paper session of the ensemble (tiny ONNX
 * models, test/api/paper-session.ts) with its telemetry behind the operations API, scraped over HTTP.
 */
import {afterEach, describe, expect, it} from 'vitest';
import {startOpsServer, type OpsServer} from '../../src/api/server.js';
import {createLiveOps} from '../../src/app/live-ops.js';
import {attachTelemetry, type Telemetry} from '../../src/app/live-telemetry.js';
import {ADMIN_TOKEN, MODEL, type PaperSession, startPaperSession} from '../api/paper-session.js';
import {contractProblems, familiesText, histogramSeries, parseExposition, promtoolCheck} from '../support/prometheus.js';

describe('model inference time of a running session', () => {
  let s: PaperSession | null = null;
  let telemetry: Telemetry | null = null;
  let server: OpsServer | null = null;
  afterEach(async () => {
    await server?.close();
    await telemetry?.close();
    await s?.close();
    s = null;
    telemetry = null;
    server = null;
  });

  it('observes each ML source once per live bar in iftb_model_inference_seconds{source}, served by GET /metrics', async () => {
    s = await startPaperSession();
    telemetry = attachTelemetry(s.handle, {defaultMetrics: false});
    server = await startOpsServer({ops: createLiveOps(s.handle), token: ADMIN_TOKEN, port: 0, metrics: () => telemetry!.metrics()});
    const scrape = async () => {
      const response = await fetch(`${server!.url}/metrics`);
      expect(response.status).toBe(200);
      return response.text();
    };
    // Before a live bar: the family is declared, with no series yet.
    let family = parseExposition(await scrape()).find((f) => f.name === 'iftb_model_inference_seconds');
    expect(family).toMatchObject({type: 'HISTOGRAM', metrics: []});

    const bars = 12;
    await s.advance(bars);
    // The slot observer runs right after the commit the loop's status reflects: wait until it counted the last bar.
    let body = '';
    for (let k = 0; k < 100; k++) {
      body = await scrape();
      const count = parseExposition(body).find((f) => f.name === 'iftb_bars_total')?.metrics[0]?.value;
      if (Number(count) === bars) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const families = parseExposition(body);
    expect(contractProblems(families)).toEqual([]);
    expect(await promtoolCheck(familiesText(body, 'iftb_model_inference'))).toEqual({code: 0, report: ''});
    expect(families.find((f) => f.name === 'iftb_model_inference_seconds')?.type).toBe('HISTOGRAM');
    const all = histogramSeries(body, 'iftb_model_inference_seconds');
    expect(all.map((x) => x.labels)).toEqual([{source: `ml.${MODEL}@1`}]);
    const [series] = all;
    expect(series.count).toBe(bars);
    // Real work was timed (features and an ONNX run per bar), and it is far below a bar.
    expect(series.sum).toBeGreaterThan(0);
    expect(series.sum / bars).toBeLessThan(0.25);
    const bounds = Object.keys(series.buckets);
    expect(bounds.at(-1)).toBe('+Inf');
    expect(bounds.slice(0, -1).map(Number)).toEqual([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]);
    expect(series.buckets['+Inf']).toBe(bars);
    const cumulative = bounds.map((b) => series.buckets[b]);
    expect(cumulative).toEqual([...cumulative].sort((a, b) => a - b));
  }, 120_000);
});
