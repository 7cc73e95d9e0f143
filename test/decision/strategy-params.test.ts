import {describe, expect, it} from 'vitest';
import {ErrorCode, IftbError} from '../../src/core/index.js';
import {defineStrategy, HOLD, z} from '../../src/sdk.js';
import {loadStrategy, parseParams} from '../../src/decision/strategy-loader.js';

function refusal(work: () => unknown): IftbError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(IftbError);
    return error as IftbError;
  }
  throw new Error('expected a refusal');
}

const nested = defineStrategy({
  name: 'nested',
  version: '1.0.0',
  description: 'params with an object inside, a refinement and a transform',
  params: z
    .object({
      fast: z.number().default(5),
      stops: z.object({atr: z.number().default(2), trail: z.boolean().default(false)}).prefault({}),
    })
    .refine((p) => p.fast > 0, {message: 'fast > 0'})
    .transform((p) => ({...p, doubled: p.fast * 2})),
  setup: () => ({}),
  decide: () => HOLD,
});

describe('strategy params', () => {
  it('refuses an unknown parameter, naming it, suggesting the close one and listing the real ones', async () => {
    const sma = await loadStrategy('sma-cross');
    const error = refusal(() => parseParams(sma, {fsat: 10}));
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.message).toBe("strategy sma-cross has no parameter 'fsat' (did you mean 'fast'?); its parameters: fast, slow, qty");
    expect(refusal(() => parseParams(sma, {window: 3})).message).toBe("strategy sma-cross has no parameter 'window'; its parameters: fast, slow, qty");
  });

  it('looks through refinements, transforms and nested objects', () => {
    expect(parseParams(nested, {fast: 3, stops: {atr: 1}})).toEqual({fast: 3, stops: {atr: 1, trail: false}, doubled: 6});
    expect(refusal(() => parseParams(nested, {stops: {tral: true}})).message)
      .toBe("strategy nested has no parameter 'stops.tral' (did you mean 'stops.trail'?); parameters under stops: atr, trail");
  });

  it('still reports schema errors for known parameters', async () => {
    const sma = await loadStrategy('sma-cross');
    expect(refusal(() => parseParams(sma, {fast: 100, slow: 10})).message).toMatch(/fast must be shorter than slow/);
  });
});
