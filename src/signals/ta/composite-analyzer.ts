/**
 * The technical-analysis signal source: one score in [−1, 1] and a confidence in [0, 1] per bar,
 * from RSI, Bollinger %B, EMA trend, MACD histogram, ADX/DI, ATR and candlestick patterns.
 *
 * Formula (c(x) clamps to [−1, 1], c01 to [0, 1]; ATR is the `atrPeriod` ATR in price units):
 *
 *   mean reversion  MR = ½·c((50 − RSI) / 30) + ½·c(1 − 2·%B)
 *                        (RSI 20 or close at the lower band → +1; RSI 80 or at the upper band → −1)
 *   trend           TF = 0.45·tanh((EMAfast − EMAslow) / (2·ATR))       EMA distance in ATRs
 *                      + 0.35·tanh(2·MACDhist / ATR)                     momentum in ATRs
 *                      + 0.20·(+DI − −DI) / (+DI + −DI)                  direction of the ADX
 *   trend weight    wT = c01((ADX − adxFloor) / (adxCeiling − adxFloor))
 *                        (ADX ≤ 20: a range, trust mean reversion; ≥ 40: a trend, trust TF)
 *   base            B  = wT·TF + (1 − wT)·MR
 *   patterns        P_i = c(patternDecay·P_{i−1} + bullish_i − bearish_i)
 *                        (engulfing, morning/evening star, hammer/shooting star completed at bar i;
 *                         a pattern's vote fades by `patternDecay` per bar)
 *   score           S  = c(B + patternWeight·P)
 *
 *   confidence      C  = c01(clarity · (0.4 + 0.6·agreement) · volatility)
 *     clarity    = 0.5 + 0.5·|2·wT − 1|      1 when the regime is clear (ADX well below or above
 *                                             the band), 0.5 when ADX sits in the middle
 *     agreement  = |B| / Σ wₖ·|xₖ|           1 when all weighted components point the same way,
 *                                             0 when they cancel out (0 if all are 0)
 *     volatility = c(1.5 − 0.5·ρ) floored at 0.25, ρ = (ATR/close) / EMA_volRegime(ATR/close)
 *                                             full trust up to normal volatility, halved at 2× normal
 *
 * `active` is false for the first `warmupBars` bars: every indicator is defined and the EMAs
 * (which trading-signals seeds with the first price) have run 3× their period, so the seed's
 * weight is below 0.3 %. Bars with ATR = 0 (no price range over the ATR window) or a non-finite
 * reading also abstain.
 *
 * Causal and incremental: `update(bars, i)` reads bars ≤ i only, in O(1)·(periods) per bar, with
 * no allocation beyond what trading-signals' MACD/Bollinger classes do internally.
 */
import {EMA} from 'trading-signals';
import {z} from 'zod';
import {abstain, type Analyzer, type BarView, ErrorCode, IftbError, type SignalSlot} from '../../core/index.js';
import {
  AdxIndicator,
  AtrIndicator,
  BollingerPercentBIndicator,
  EmaIndicator,
  MacdHistogramIndicator,
  outOfOrder,
  RsiIndicator,
} from './indicators.js';
import {CandlestickScanner, PATTERN_LOOKBACK} from './patterns.js';

const Period = (min: number) => z.int().min(min).max(10_000);

export const TaAnalyzerOptionsSchema = z
  .strictObject({
    rsiPeriod: Period(2).default(14),
    bbPeriod: Period(2).default(20),
    bbK: z.number().gt(0).max(10).default(2),
    emaFast: Period(1).default(20),
    emaSlow: Period(2).default(50),
    macdFast: Period(1).default(12),
    macdSlow: Period(2).default(26),
    macdSignal: Period(1).default(9),
    adxPeriod: Period(2).default(14),
    atrPeriod: Period(1).default(14),
    /** ADX at or below which the market counts as ranging (mean reversion fully trusted). */
    adxFloor: z.number().min(0).max(100).default(20),
    /** ADX at or above which the market counts as trending (trend components fully trusted). */
    adxCeiling: z.number().min(0).max(100).default(40),
    /** EMA period of ATR/close that defines "normal" volatility. */
    volRegimePeriod: Period(2).default(100),
    patterns: z.boolean().default(true),
    /** How far one pattern moves the score (before clamping). */
    patternWeight: z.number().min(0).max(1).default(0.2),
    /** Per-bar fade of a pattern's vote (0: counts on its own bar only). */
    patternDecay: z.number().min(0).lt(1).default(0.5),
  })
  .refine((o) => o.emaFast < o.emaSlow, {message: 'emaFast must be below emaSlow', path: ['emaFast']})
  .refine((o) => o.macdFast < o.macdSlow, {message: 'macdFast must be below macdSlow', path: ['macdFast']})
  .refine((o) => o.adxFloor < o.adxCeiling, {message: 'adxFloor must be below adxCeiling', path: ['adxFloor']});

export type TaAnalyzerOptions = z.output<typeof TaAnalyzerOptionsSchema>;
export type TaAnalyzerOptionsInput = z.input<typeof TaAnalyzerOptionsSchema>;

export const TA_COMPOSITE_ID = 'ta.composite@1';

/** Validated options with defaults filled in; invalid options throw IFTB_E_CONFIG_INVALID. */
export function parseTaAnalyzerOptions(options: unknown): TaAnalyzerOptions {
  const result = TaAnalyzerOptionsSchema.safeParse(options ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${TA_COMPOSITE_ID} options: ${issues}`);
  }
  return result.data;
}

/** Bars before the composite turns active (see the header). */
export function taWarmupBars(o: TaAnalyzerOptions): number {
  return Math.max(
    o.rsiPeriod + 1,
    o.bbPeriod,
    2 * o.adxPeriod,
    o.atrPeriod + 1,
    o.macdSlow + o.macdSignal,
    3 * Math.max(o.emaSlow, o.macdSlow),
    o.volRegimePeriod,
    PATTERN_LOOKBACK,
  );
}

/** The component readings of the last update, for tests, reports and debugging. */
export interface TaComponents {
  meanReversion: number;
  trend: number;
  trendWeight: number;
  pattern: number;
  patternFlags: number;
  volatilityRatio: number;
}

export interface TaAnalyzer extends Analyzer {
  readonly options: TaAnalyzerOptions;
  /** Component readings of the last updated bar (overwritten each bar). */
  readonly components: Readonly<TaComponents>;
  /** technicalindicators pattern calls made so far (the gating keeps this small). */
  readonly patternCalls: number;
}

const clamp = (x: number): number => (x > 1 ? 1 : x < -1 ? -1 : x);
const clamp01 = (x: number): number => (x > 1 ? 1 : x < 0 ? 0 : x);

class TaCompositeAnalyzer implements TaAnalyzer {
  readonly id = TA_COMPOSITE_ID;
  readonly source = 'ta' as const;
  readonly warmupBars: number;
  readonly options: TaAnalyzerOptions;
  readonly components: TaComponents = {meanReversion: 0, trend: 0, trendWeight: 0, pattern: 0, patternFlags: 0, volatilityRatio: NaN};

  readonly #rsi: RsiIndicator;
  readonly #pb: BollingerPercentBIndicator;
  readonly #emaFast: EmaIndicator;
  readonly #emaSlow: EmaIndicator;
  readonly #macd: MacdHistogramIndicator;
  readonly #adx: AdxIndicator;
  readonly #atr: AtrIndicator;
  readonly #volRegime: EMA;
  readonly #scanner: CandlestickScanner | null;
  readonly #adxFloor: number;
  readonly #adxSpan: number;
  readonly #patternWeight: number;
  readonly #patternDecay: number;

  #next = -1;
  #seen = 0;
  #pattern = 0;
  #lastScore = 0;
  #lastConfidence = 0;
  #lastActive = false;

  constructor(options: TaAnalyzerOptions) {
    const o = options;
    this.options = o;
    this.warmupBars = taWarmupBars(o);
    this.#rsi = new RsiIndicator(o.rsiPeriod);
    this.#pb = new BollingerPercentBIndicator(o.bbPeriod, o.bbK);
    this.#emaFast = new EmaIndicator(o.emaFast);
    this.#emaSlow = new EmaIndicator(o.emaSlow);
    this.#macd = new MacdHistogramIndicator(o.macdFast, o.macdSlow, o.macdSignal);
    this.#adx = new AdxIndicator(o.adxPeriod);
    this.#atr = new AtrIndicator(o.atrPeriod);
    this.#volRegime = new EMA(o.volRegimePeriod);
    this.#scanner = o.patterns ? new CandlestickScanner() : null;
    this.#adxFloor = o.adxFloor;
    this.#adxSpan = o.adxCeiling - o.adxFloor;
    this.#patternWeight = o.patternWeight;
    this.#patternDecay = o.patternDecay;
  }

  get patternCalls(): number {
    return this.#scanner?.calls ?? 0;
  }

  update(bars: BarView, out: SignalSlot): void {
    const index = bars.index;
    if (index !== this.#next || this.#next < 0) {
      if (this.#next > 0 && index === this.#next - 1) {
        out.score = this.#lastScore;
        out.confidence = this.#lastConfidence;
        out.active = this.#lastActive;
        return;
      }
      if (this.#next !== -1 || index < 0) throw outOfOrder(this.id, index, this.#next);
    }
    this.#next = index + 1;
    this.#seen++;
    this.#step(bars, index, out);
    this.#lastScore = out.score;
    this.#lastConfidence = out.confidence;
    this.#lastActive = out.active;
  }

  #step(bars: BarView, index: number, out: SignalSlot): void {
    const rsi = this.#rsi.update(bars);
    const pb = this.#pb.update(bars);
    const emaFast = this.#emaFast.update(bars);
    const emaSlow = this.#emaSlow.update(bars);
    const hist = this.#macd.update(bars);
    const adx = this.#adx.update(bars);
    const atr = this.#atr.update(bars);
    const close = bars.close(index);

    // Volatility regime: ATR as a fraction of price against its own slow average.
    let volRatio = NaN;
    if (atr === atr && close > 0) {
      const atrPct = atr / close;
      const normal = this.#volRegime.update(atrPct, false);
      volRatio = normal > 0 ? atrPct / normal : 1;
    }

    // Patterns are scanned on every bar (the vote decays across bars), from the first bar that
    // has enough history, so their state does not depend on when the composite turned active.
    let patternFlags = 0;
    if (this.#scanner !== null) {
      const found = this.#scanner.scan(bars, index);
      patternFlags = this.#scanner.flags;
      this.#pattern = clamp(this.#patternDecay * this.#pattern + found);
    }

    const c = this.components;
    c.patternFlags = patternFlags;
    c.pattern = this.#pattern;
    c.volatilityRatio = volRatio;

    // Warming up, or no range at all over the ATR window (a halted or synthetic flat market, where
    // RSI reads 100 by convention): nothing to say.
    if (this.#seen < this.warmupBars || !(atr > 0)) {
      abstain(out);
      return;
    }

    const scale = atr;
    const mrRsi = clamp((50 - rsi) / 30);
    const mrBb = clamp(1 - 2 * pb);
    const meanReversion = 0.5 * mrRsi + 0.5 * mrBb;

    const trEma = Math.tanh((emaFast - emaSlow) / (2 * scale));
    const trMacd = Math.tanh((2 * hist) / scale);
    const pdi = this.#adx.plusDi;
    const mdi = this.#adx.minusDi;
    const diSum = pdi + mdi;
    const trDi = diSum > 0 ? (pdi - mdi) / diSum : 0;
    const trend = 0.45 * trEma + 0.35 * trMacd + 0.2 * trDi;

    const wT = clamp01((adx - this.#adxFloor) / this.#adxSpan);
    const wM = 1 - wT;
    const base = wT * trend + wM * meanReversion;
    const score = clamp(base + this.#patternWeight * this.#pattern);

    const magnitude =
      wT * (0.45 * Math.abs(trEma) + 0.35 * Math.abs(trMacd) + 0.2 * Math.abs(trDi)) +
      wM * (0.5 * Math.abs(mrRsi) + 0.5 * Math.abs(mrBb));
    const agreement = magnitude > 0 ? Math.abs(base) / magnitude : 0;
    const clarity = 0.5 + 0.5 * Math.abs(2 * wT - 1);
    const volatility = volRatio === volRatio ? Math.max(0.25, Math.min(1, 1.5 - 0.5 * volRatio)) : 0.25;
    const confidence = clamp01(clarity * (0.4 + 0.6 * agreement) * volatility);

    c.meanReversion = meanReversion;
    c.trend = trend;
    c.trendWeight = wT;

    if (!Number.isFinite(score) || !Number.isFinite(confidence)) {
      abstain(out);
      return;
    }
    out.score = score;
    out.confidence = confidence;
    out.active = true;
  }
}

/**
 * The composite TA analyzer (`ta.composite@1`, source 'ta'). Options are validated by
 * `TaAnalyzerOptionsSchema` (unknown keys rejected); omitted ones take their defaults.
 */
export function createTaAnalyzer(options: TaAnalyzerOptionsInput | Readonly<Record<string, unknown>> = {}): TaAnalyzer {
  return new TaCompositeAnalyzer(parseTaAnalyzerOptions(options));
}
