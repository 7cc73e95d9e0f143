import {defineStrategy, HOLD, type Intent, z} from '../src/sdk.js';

/**
 * The classic reference: long `qty` when the fast SMA of closes crosses above the slow one
 * (previous bar fast ≤ slow, this bar fast > slow), short `qty` on the opposite cross,
 * reversing the position; always in the market after the first cross.
 */
export default defineStrategy({
  name: 'sma-cross',
  version: '1.0.0',
  description: 'fast/slow SMA crossover, always in the market, fixed quantity',
  params: z
    .object({
      fast: z.number().int().min(1).default(20),
      slow: z.number().int().min(2).default(50),
      qty: z.number().positive().default(0.01),
    })
    .refine((p) => p.fast < p.slow, {message: 'fast must be shorter than slow'}),
  space: {
    params: {fast: {type: 'int', min: 5, max: 100, step: 5}, slow: {type: 'int', min: 20, max: 400, step: 10}},
    constraints: ['fast * 2 <= slow'],
  },
  setup: (p, kit) => ({indicators: {fast: kit.ta.sma(p.fast), slow: kit.ta.sma(p.slow)}}),
  decide(ctx, p): Intent {
    const {fast, slow} = ctx.values;
    const prevFast = ctx.previous.fast;
    const prevSlow = ctx.previous.slow;
    if (Number.isNaN(prevFast) || Number.isNaN(prevSlow)) return HOLD;
    if (prevFast <= prevSlow && fast > slow && ctx.positionQty <= 0) {
      return {kind: 'enter', side: 'long', reason: 'sma-cross up', sizing: {mode: 'fixed-qty', qty: p.qty}};
    }
    if (prevFast >= prevSlow && fast < slow && ctx.positionQty >= 0) {
      return {kind: 'enter', side: 'short', reason: 'sma-cross down', sizing: {mode: 'fixed-qty', qty: p.qty}};
    }
    return HOLD;
  },
});
