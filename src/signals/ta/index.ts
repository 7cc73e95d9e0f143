export {
  adx,
  atr,
  bollingerPercentB,
  ema,
  macdHistogram,
  rsi,
  sma,
  type PriceField,
} from './indicators.js';
export {
  createTaAnalyzer,
  parseTaAnalyzerOptions,
  TA_COMPOSITE_ID,
  TaAnalyzerOptionsSchema,
  taWarmupBars,
  type TaAnalyzer,
  type TaAnalyzerOptions,
  type TaAnalyzerOptionsInput,
  type TaComponents,
} from './composite-analyzer.js';
export {CandlestickScanner, Pattern, PATTERN_LOOKBACK} from './patterns.js';
