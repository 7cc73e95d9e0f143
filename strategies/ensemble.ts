import {type DecisionContext, defineStrategy, HOLD, type Intent, z} from '../src/sdk.js';

interface Protection {
  readonly stopAtr: number;
  readonly takeProfitAtr: number;
}

function enter(side: 'long' | 'short', ctx: DecisionContext, p: Protection): Intent {
  const sign = side === 'long' ? 1 : -1;
  const {score, confidence} = ctx.ensemble;
  return {
    kind: 'enter',
    side,
    reason: `ensemble ${score.toFixed(3)} (confidence ${confidence.toFixed(2)})`,
    stopLoss: ctx.close - sign * p.stopAtr * ctx.values.atr,
    takeProfit: ctx.close + sign * p.takeProfitAtr * ctx.values.atr,
  };
}

/**
 * The default: technical analysis, the XGBoost model and the LLM read fused 40/35/25 (weights
 * configurable; abstaining sources are left out and the rest renormalised). Enters when the
 * fused score passes `entry`, exits when it falls back under `exit` (hysteresis), reverses on a
 * strong opposite reading, and holds a position at least `minHoldBars` bars before either. ATR-based
 * stop-loss and take-profit.
 */
export default defineStrategy({
  name: 'ensemble',
  version: '1.1.0',
  description: 'weighted TA + XGBoost + LLM ensemble with hysteresis and ATR stops',
  params: z
    .object({
      weights: z
        .object({ta: z.number().min(0).default(0.4), ml: z.number().min(0).default(0.35), llm: z.number().min(0).default(0.25)})
        .prefault({}),
      entry: z.number().min(0).max(1).default(0.2),
      exit: z.number().min(0).max(1).default(0.05),
      minConfidence: z.number().min(0).max(1).default(0.3),
      /** Bars a position is held before a faded or reversed reading may close it (stops and take-profits act at once). */
      minHoldBars: z.number().int().min(0).default(0),
      model: z.string().default('xgb-dir@live'),
      prompt: z.string().default('market-read@v1'),
      atrPeriod: z.number().int().min(2).default(14),
      stopAtr: z.number().positive().default(2.5),
      takeProfitAtr: z.number().positive().default(5),
    })
    .refine((p) => p.exit < p.entry, {message: 'exit threshold must be below the entry threshold (hysteresis)'}),
  space: {
    params: {
      entry: {type: 'float', min: 0.1, max: 0.6, step: 0.05},
      exit: {type: 'float', min: 0, max: 0.3, step: 0.05},
      minConfidence: {type: 'float', min: 0.1, max: 0.6, step: 0.1},
      stopAtr: {type: 'float', min: 1, max: 5, step: 0.5},
      takeProfitAtr: {type: 'float', min: 2, max: 10, step: 1},
      minHoldBars: {type: 'int', min: 0, max: 48, step: 6},
    },
    constraints: ['exit < entry'],
  },
  setup: (p, kit) => ({
    analyzers: [kit.ta.composite(), kit.ml.model(p.model), kit.llm.read(p.prompt)],
    indicators: {atr: kit.ta.atr(p.atrPeriod)},
    weights: p.weights,
    atr: 'atr',
  }),
  decide(ctx, p): Intent {
    const e = ctx.ensemble;
    const atr = ctx.values.atr;
    if (!e.active || Number.isNaN(atr)) return HOLD;
    const strong = e.confidence >= p.minConfidence;
    const long = strong && e.score >= p.entry;
    const short = strong && e.score <= -p.entry;
    if (ctx.positionQty === 0) return long ? enter('long', ctx, p) : short ? enter('short', ctx, p) : HOLD;
    if (ctx.positionBars < p.minHoldBars) return HOLD;
    const faded = ctx.positionQty > 0 ? e.score < p.exit : e.score > -p.exit;
    if (ctx.positionQty > 0 && short) return enter('short', ctx, p);
    if (ctx.positionQty < 0 && long) return enter('long', ctx, p);
    return faded ? {kind: 'exit', reason: `ensemble faded to ${e.score.toFixed(3)}`} : HOLD;
  },
});
