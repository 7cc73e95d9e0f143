/** vega-lite specs of the run's performance: price and trades, equity, drawdown, calendar returns, rolling Sharpe, PnL, funding, risk events. */
import type {Point} from './downsample.js';
import type {Histogram, PeriodReturn} from './series.js';
import type {Marker, RiskEvent, StateSpan} from './journal-views.js';
import {MARKER_KINDS} from './journal-views.js';
import {chart, TIME_TOOLTIP, timeX, type VlSpec, WIDTH} from './spec-common.js';

const MARKER_STYLE: Record<string, {shape: string; color: string}> = {
  'entry long': {shape: 'triangle-up', color: '#1a9850'},
  'entry short': {shape: 'triangle-down', color: '#d73027'},
  exit: {shape: 'circle', color: '#4d4d4d'},
  stop: {shape: 'cross', color: '#f46d43'},
  'take-profit': {shape: 'diamond', color: '#4575b4'},
  liquidation: {shape: 'square', color: '#000000'},
};

/** Above this many fills the markers start hidden (a checkbox shows them): thousands of them bury the price line. */
export const FILLS_SHOWN_BY_DEFAULT = 400;

export function priceSpec(symbol: string, price: readonly Point[], markers: readonly Marker[], fills = markers.length): VlSpec {
  const kinds = MARKER_KINDS;
  const many = markers.length > FILLS_SHOWN_BY_DEFAULT;
  // An empty layer would make vega warn about an infinite extent.
  const markerLayer = markers.length === 0 ? [] : [
    {
      // Hidden markers are filtered out, all but the first, kept invisible: an empty layer would make vega warn about an infinite extent.
      data: {values: markers.map((m, i) => ({t: m.t, p: m.price, k: m.kind, r: m.reason, ...(i === 0 ? {f: 1} : {})}))},
      transform: [{filter: 'showFills || datum.f === 1'}],
      mark: {type: 'point', filled: true, size: many ? 20 : 36},
      encoding: {
        x: timeX(),
        y: {field: 'p', type: 'quantitative'},
        shape: {field: 'k', type: 'nominal', title: null, scale: {domain: kinds, range: kinds.map((k) => MARKER_STYLE[k].shape)}},
        color: {field: 'k', type: 'nominal', title: null, scale: {domain: kinds, range: kinds.map((k) => MARKER_STYLE[k].color)}},
        opacity: {condition: {test: 'showFills', value: many ? 0.6 : 0.85}, value: 0},
        tooltip: [TIME_TOOLTIP(), {field: 'k', title: 'fill'}, {field: 'p', title: 'price', format: ',.2f'}, {field: 'r', title: 'reason'}],
      },
    },
  ];
  return chart(`${symbol} close with fills`, {
    width: WIDTH,
    height: 300,
    ...(markers.length === 0 ? {} : {params: [{name: 'showFills', value: !many, bind: {input: 'checkbox', name: `show ${markers.length} fill markers `}}]}),
    layer: [
      {
        data: {values: price},
        mark: {type: 'line', color: '#8c96a3', strokeWidth: 1},
        encoding: {x: timeX(), y: {field: 'v', type: 'quantitative', title: 'price', scale: {zero: false}}},
      },
      ...markerLayer,
    ],
  }, [
    'The close line passes through every time bucket\'s minimum and maximum; one marker per fill or liquidation (hover for the reason).',
    ...(many ? [`${markers.length} fill markers start hidden so the price line stays readable: tick the box below the chart to show them.`] : []),
    ...(markers.length < fills ? [`${markers.length} of ${fills} fills drawn: every stop and liquidation, entries and exits thinned evenly.`] : []),
  ]);
}

export function equitySpec(equity: readonly Point[], buyHold: readonly Point[]): VlSpec {
  const values = [...equity.map((p) => ({...p, s: 'strategy'})), ...buyHold.map((p) => ({...p, s: 'buy & hold'}))];
  return chart('Equity against buy-and-hold', {
    width: WIDTH,
    height: 260,
    data: {values},
    mark: {type: 'line', strokeWidth: 1.4},
    encoding: {
      x: timeX(),
      y: {field: 'v', type: 'quantitative', title: 'equity (USDT)', scale: {zero: false}},
      color: {field: 's', type: 'nominal', title: null, scale: {domain: ['strategy', 'buy & hold'], range: ['#1f5aa6', '#b0b7c1']}},
    },
  }, 'Buy-and-hold: the starting cash in the coin at the first decision close, 1× leverage, no costs.');
}

export function underwaterSpec(drawdown: readonly Point[], warnPct: number, tripPct: number): VlSpec {
  const rules = [
    {y: -warnPct / 100, label: `breaker warn ${warnPct} %`},
    {y: -tripPct / 100, label: `breaker trip ${tripPct} %`},
  ];
  return chart('Underwater (drawdown from the running peak)', {
    width: WIDTH,
    height: 200,
    layer: [
      {
        data: {values: drawdown.map((p) => ({t: p.t, v: -p.v}))},
        mark: {type: 'area', color: '#d73027', opacity: 0.35, line: {color: '#d73027', strokeWidth: 1}},
        encoding: {x: timeX(), y: {field: 'v', type: 'quantitative', title: 'drawdown', axis: {format: '.0%'}}},
      },
      {
        data: {values: rules},
        layer: [
          {mark: {type: 'rule', strokeDash: [5, 4], color: '#7f1d1d'}, encoding: {y: {field: 'y', type: 'quantitative'}}},
          {
            mark: {type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 10, color: '#7f1d1d'},
            encoding: {y: {field: 'y', type: 'quantitative'}, x: {value: 0}, text: {field: 'label'}},
          },
        ],
      },
    ],
  }, `Runbook lines: the drawdown breaker warns at ${warnPct} % and trips at ${tripPct} %.`);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'Year'];

export function monthlySpec(returns: readonly PeriodReturn[]): VlSpec {
  const values = returns.map((r) => ({y: String(r.year), m: MONTHS[r.month === 0 ? 12 : r.month - 1], v: r.ret}));
  let extreme = 0;
  for (const r of returns) if (r.month !== 0) extreme = Math.max(extreme, Math.abs(r.ret));
  const domain = extreme > 0 ? [-extreme, 0, extreme] : [-0.01, 0, 0.01];
  return chart('Monthly returns (UTC calendar months, compounded; last column: the year)', {
    width: WIDTH,
    height: {step: 28},
    data: {values},
    encoding: {
      x: {field: 'm', type: 'ordinal', title: null, sort: MONTHS, axis: {orient: 'top', labelAngle: 0}},
      y: {field: 'y', type: 'ordinal', title: null},
    },
    layer: [
      {
        mark: {type: 'rect', stroke: 'white'},
        encoding: {
          color: {field: 'v', type: 'quantitative', title: 'return', scale: {scheme: 'redyellowgreen', domain, clamp: true}, legend: {format: '.0%'}},
          tooltip: [{field: 'y', title: 'year'}, {field: 'm', title: 'month'}, {field: 'v', title: 'return', format: '.2%'}],
        },
      },
      {
        mark: {type: 'text', fontSize: 10},
        encoding: {
          text: {field: 'v', type: 'quantitative', format: '.1%'},
          // Text colour from the cell's own colour: white where it contrasts more than black does, i.e. on
          // cells of relative luminance below 0.179 (where (L + 0.05)² = 1.05 · 0.05), so the contrast is
          // never under 4.58:1 (WCAG AA asks 4.5).
          color: {condition: {test: "luminance(scale('color', datum.v)) < 0.179", value: 'white'}, value: 'black'},
        },
      },
    ],
  });
}

export function rollingSharpeSpec(points: readonly Point[], windowLabel: string, span: readonly [number, number]): VlSpec {
  return chart(`Rolling Sharpe (${windowLabel} window, annualised)`, {
    width: WIDTH,
    height: 200,
    layer: [
      {data: {values: points}, mark: {type: 'line', color: '#5e3c99', strokeWidth: 1}, encoding: {x: timeX('t', '', span), y: {field: 'v', type: 'quantitative', title: 'Sharpe'}}},
      {data: {values: [{y: 0}]}, mark: {type: 'rule', color: '#888'}, encoding: {y: {field: 'y', type: 'quantitative'}}},
    ],
  }, 'Same return and annualisation conventions as the headline Sharpe; gaps where the window is flat (no position).');
}

export function pnlHistogramSpec(hist: Histogram, trades: number): VlSpec {
  const values = hist.bins.filter((b) => b.count > 0).map((b) => ({a: b.from, b: b.to, n: b.count, k: b.from >= 0 ? 'net PnL ≥ 0' : 'loss'}));
  return chart(`Trade net PnL distribution (${trades} trades)`, {
    width: WIDTH,
    height: 220,
    data: {values},
    mark: {type: 'bar'},
    encoding: {
      x: {field: 'a', type: 'quantitative', bin: {binned: true, step: hist.step}, title: 'net PnL per trade (USDT)'},
      x2: {field: 'b'},
      y: {field: 'n', type: 'quantitative', title: 'trades'},
      color: {field: 'k', type: 'nominal', title: null, scale: {domain: ['loss', 'net PnL ≥ 0'], range: ['#d73027', '#1a9850']}},
      tooltip: [{field: 'a', title: 'from', format: ',.2f'}, {field: 'b', title: 'to', format: ',.2f'}, {field: 'n', title: 'trades'}],
    },
  });
}

export function fundingSpec(points: readonly Point[], span: readonly [number, number]): VlSpec {
  return chart('Funding over time (cumulative; negative = paid)', {
    width: WIDTH,
    height: 200,
    layer: [
      {
        data: {values: points},
        mark: {type: 'line', interpolate: 'step-after', color: '#b35806', strokeWidth: 1.2},
        encoding: {x: timeX('t', '', span), y: {field: 'v', type: 'quantitative', title: 'cumulative funding (USDT)'}},
      },
      {data: {values: [{y: 0}]}, mark: {type: 'rule', color: '#888'}, encoding: {y: {field: 'y', type: 'quantitative'}}},
    ],
  });
}

const LEVEL_COLORS: Record<string, string> = {
  warn: '#fdae61', trip: '#d73027', recover: '#66bd63', reset: '#1a9850',
  activate: '#7f0000', flatten: '#b2182b', deactivate: '#4393c3', 'force-deactivate': '#2166ac',
  reducing: '#f46d43', halted: '#a50026', active: '#1a9850',
};

export function riskTimelineSpec(events: readonly RiskEvent[], spans: readonly StateSpan[], span: readonly [number, number]): VlSpec {
  const present = new Set(events.map((e) => e.level));
  const levels = Object.keys(LEVEL_COLORS).filter((l) => present.has(l));
  for (const l of present) if (!(l in LEVEL_COLORS)) levels.push(l);
  return chart('Circuit breaker, kill switch and trading state', {
    width: WIDTH,
    height: {step: 26},
    layer: [
      {
        data: {values: spans.map((s) => ({a: s.from, b: s.to, s: s.state, c: s.cause}))},
        mark: {type: 'rect', opacity: 0.3},
        encoding: {
          x: timeX('a', '', span),
          x2: {field: 'b'},
          color: {field: 's', type: 'nominal', title: 'state', scale: {domain: ['reducing', 'halted'], range: ['#fdae61', '#d73027']}},
          tooltip: [TIME_TOOLTIP('a', 'from'), TIME_TOOLTIP('b', 'to'), {field: 's', title: 'state'}, {field: 'c', title: 'cause'}],
        },
      },
      {
        data: {values: events.map((e) => ({t: e.t, l: e.lane, v: e.level, d: e.detail}))},
        mark: {type: 'point', filled: true, size: 60},
        encoding: {
          x: timeX(),
          y: {field: 'l', type: 'nominal', title: null},
          fill: {field: 'v', type: 'nominal', title: 'event', scale: {domain: levels, range: levels.map((l) => LEVEL_COLORS[l] ?? '#777')}},
          tooltip: [TIME_TOOLTIP(), {field: 'l', title: 'what'}, {field: 'v', title: 'level'}, {field: 'd', title: 'detail'}],
        },
      },
    ],
    resolve: {scale: {color: 'independent'}},
  }, 'Shaded: time spent reducing (orange) or halted (red). Points: each breaker, kill-switch and trading-state event (hover for detail).');
}
