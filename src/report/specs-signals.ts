/** vega-lite spec of one signal source's accuracy: hit rate over time, by confidence bucket, calibration. */
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import type {PeriodHits} from './accuracy.js';
import {chart, PANEL_WIDTH, TIME_TOOLTIP, timeX, type VlSpec} from './spec-common.js';

/** Calibration buckets with fewer samples are marked, not drawn into the line. */
export const MIN_CALIBRATION_SAMPLES = 30;

const HALF = {data: {values: [{y: 0.5}]}, mark: {type: 'rule', color: '#999', strokeDash: [4, 3]}, encoding: {y: {field: 'y', type: 'quantitative'}}};

export function accuracySpec(label: string, overTime: readonly PeriodHits[], period: string, buckets: SignalAccuracy, calibration: SignalAccuracy): VlSpec {
  const pctAxis = {format: '.0%'};
  const byBucket = buckets.byConfidence.map((b) => ({
    b: `${b.from.toFixed(2)}–${b.to.toFixed(2)}`, r: b.hitRate, n: b.samples, m: b.meanSignedReturn,
  }));
  const filled = calibration.byConfidence.filter((b) => b.samples > 0).map((b) => ({c: b.meanConfidence, r: b.hitRate, n: b.samples}));
  // A bucket of a handful of bars is noise: drawn as a hollow grey mark off the line, never joined to it.
  const calib = filled.filter((b) => b.n >= MIN_CALIBRATION_SAMPLES);
  const sparse = filled.filter((b) => b.n < MIN_CALIBRATION_SAMPLES);
  const time = {
    title: `hit rate per ${period}`,
    width: PANEL_WIDTH,
    height: 180,
    layer: [
      {
        data: {values: overTime.map((p) => ({t: p.t, r: p.hitRate, n: p.samples}))},
        mark: {type: 'line', point: {size: 18}, color: '#1f5aa6'},
        encoding: {
          x: timeX(),
          y: {field: 'r', type: 'quantitative', title: 'hit rate', scale: {domain: [0, 1]}, axis: pctAxis},
          tooltip: [TIME_TOOLTIP('t', `${period} from`), {field: 'r', title: 'hit rate', format: '.1%'}, {field: 'n', title: 'samples'}],
        },
      },
      HALF,
    ],
  };
  const bucket = {
    title: 'hit rate by confidence bucket',
    width: PANEL_WIDTH,
    height: 180,
    layer: [
      {
        data: {values: byBucket},
        mark: {type: 'bar', color: '#4575b4'},
        encoding: {
          x: {field: 'b', type: 'ordinal', title: 'confidence', axis: {labelAngle: 0}},
          y: {field: 'r', type: 'quantitative', title: 'hit rate', scale: {domain: [0, 1]}, axis: pctAxis},
          tooltip: [{field: 'b', title: 'confidence'}, {field: 'r', title: 'hit rate', format: '.1%'}, {field: 'n', title: 'samples'},
            {field: 'm', title: 'mean signed return', format: '.3%'}],
        },
      },
      {
        data: {values: byBucket},
        mark: {type: 'text', dy: -6, fontSize: 10},
        encoding: {x: {field: 'b', type: 'ordinal'}, y: {field: 'r', type: 'quantitative'}, text: {field: 'n', type: 'quantitative', format: ',d'}},
      },
      HALF,
    ],
  };
  const diagonal = [{c: 0, r: 0.5}, {c: 1, r: 1}];
  const calibrationPanel = {
    title: 'calibration',
    width: PANEL_WIDTH,
    height: 180,
    layer: [
      {
        data: {values: diagonal},
        mark: {type: 'line', color: '#999', strokeDash: [4, 3]},
        encoding: {
          x: {field: 'c', type: 'quantitative', title: 'mean confidence', scale: {domain: [0, 1]}},
          y: {field: 'r', type: 'quantitative', title: 'hit rate', scale: {domain: [0, 1]}, axis: pctAxis},
        },
      },
      {
        data: {values: calib},
        layer: [
          {mark: {type: 'line', color: '#d73027'}},
          {mark: {type: 'circle', color: '#d73027', opacity: 0.8}, encoding: {size: {field: 'n', type: 'quantitative', title: 'samples', legend: null, scale: {range: [12, 220]}}}},
        ],
        encoding: {
          x: {field: 'c', type: 'quantitative'},
          y: {field: 'r', type: 'quantitative'},
          tooltip: [{field: 'c', title: 'mean confidence', format: '.2f'}, {field: 'r', title: 'hit rate', format: '.1%'}, {field: 'n', title: 'samples'}],
        },
      },
      ...(sparse.length === 0 ? [] : [{
        data: {values: sparse},
        mark: {type: 'point', shape: 'circle', filled: false, color: '#9aa3ad', size: 30},
        encoding: {
          x: {field: 'c', type: 'quantitative'},
          y: {field: 'r', type: 'quantitative'},
          tooltip: [{field: 'c', title: 'mean confidence', format: '.2f'}, {field: 'r', title: 'hit rate', format: '.1%'},
            {field: 'n', title: `samples (under ${MIN_CALIBRATION_SAMPLES}: too few to read)`}],
        },
      }]),
    ],
  };
  const horizon = buckets.horizonBars;
  return chart(`${label}: signal accuracy`, {hconcat: [time, bucket, calibrationPanel], spacing: 36}, [
    `Hit: the score's sign matches the close ${horizon} bars later. Bar labels: samples per bucket.`,
    'Calibration: 10 confidence buckets, dot size = samples; dashed line = hit rate ½ + confidence/2, what a confidence would promise read as a probability of being right.',
    `Buckets with fewer than ${MIN_CALIBRATION_SAMPLES} samples are hollow grey circles, left out of the line.`,
  ]);
}
