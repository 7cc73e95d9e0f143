import type {StrategyKit} from '../decision/index.js';
import {adx, atr, bollingerPercentB, createTaAnalyzer, ema, rsi, sma} from '../signals/ta/index.js';
import {unavailableAnalyzer} from '../signals/unavailable-analyzer.js';

/** The kit handed to strategies. ML and LLM sources abstain until their issues land. */
export function createStrategyKit(): StrategyKit {
  return {
    ta: {
      sma: (period) => sma(period),
      ema: (period) => ema(period),
      rsi: (period) => rsi(period),
      atr: (period) => atr(period),
      adx: (period) => adx(period),
      bollingerPercentB: (period, k) => bollingerPercentB(period, k),
      composite: (options) => createTaAnalyzer(options ?? {}),
    },
    ml: {
      model: (ref) => unavailableAnalyzer(`ml.${ref}`, 'ml', 'no model registry yet: the XGBoost source abstains'),
    },
    llm: {
      read: (promptId) => unavailableAnalyzer(`llm.${promptId}`, 'llm', 'no LLM endpoint configured: the LLM source abstains'),
    },
  };
}
