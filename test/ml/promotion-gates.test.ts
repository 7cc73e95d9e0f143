import {describe, expect, it} from 'vitest';
import {
  backtestGates, championGate, compatibilityGates, integrityGate, outOfSampleGate, PromotionGatesSchema, rowGates, validationGate,
} from '../../src/ml/promotion-gates.js';

const defaults = PromotionGatesSchema.parse({});
const champion = {
  champion: 'm@1', verdict: 'no significant difference' as const, verdictReason: 'neither test below 0.05', sharpeChampion: 1.2, sharpeCandidate: 1.1,
  hitRateChampion: 0.55, hitRateCandidate: 0.545, rowHitsPValue: 0.4, rowHitsFavours: 'A' as const, championInSample: false, report: null,
};

describe('promotion gates', () => {
  it('has documented defaults and refuses unknown keys', () => {
    expect(defaults).toMatchObject({
      minValidationRows: 200, minOutOfSampleRows: 500, minAuc: 0.5, maxLogLoss: 0.6931, minHitRate: 0.5, minSharpe: 0, maxDrawdown: 0.25,
      champion: {alpha: 0.05, maxSharpeDrop: null, maxHitRateDrop: 0.02, resamples: 2000, blockBars: 24, seed: 1},
    });
    expect(PromotionGatesSchema.safeParse({minAUC: 0.6}).success).toBe(false);
  });

  it('reports each figure against its threshold, at the boundary inclusive', () => {
    expect(integrityGate([]).pass).toBe(true);
    expect(integrityGate(['model.onnx has sha256 abc…']).figure).toBe('model.onnx has sha256 abc…');
    expect(validationGate({walkForwardFolds: 0, walkForwardRows: 0, walkForwardAuc: null, validationRows: 199, validationAuc: 0.5}, defaults)).toMatchObject({pass: false, figure: 'validation window of 199 rows, AUC 0.5000 (no walk-forward)'});
    expect(validationGate({walkForwardFolds: 3, walkForwardRows: 2100, walkForwardAuc: 0.53, validationRows: 0, validationAuc: null}, defaults).pass).toBe(true);
    const w = {from: '2024-03-01', to: '2024-04-01', rows: 500, modelSeenTo: '2024-03-01', inSample: false};
    expect(outOfSampleGate(w, defaults).pass).toBe(true);
    expect(outOfSampleGate({...w, rows: 499}, defaults).pass).toBe(false);
    expect(outOfSampleGate({...w, inSample: true}, defaults).figure).toMatch(/IN SAMPLE: the model saw data up to 2024-03-01/);
    const rows = rowGates({auc: 0.5, logLoss: 0.6932, hitRate: 0.4999, rows: 600}, defaults);
    expect(rows.map((g) => [g.gate, g.pass, g.figure])).toEqual([['auc', true, 'AUC 0.5000 over 600 rows'], ['log-loss', false, 'log-loss 0.6932'], ['hit-rate', false, 'hit rate 49.99%']]);
    expect(rowGates({auc: null, logLoss: 0.6, hitRate: 0.6, rows: 600}, defaults)[0].pass).toBe(false);
    const bt = backtestGates({sharpe: -0.01, maxDrawdown: 0.25, totalReturn: -0.001, trades: 3, runId: 'r1'}, defaults);
    expect(bt.map((g) => [g.gate, g.pass])).toEqual([['sharpe', false], ['max-drawdown', true]]);
    expect(bt[0].figure).toBe('Sharpe -0.01 (backtest r1: return -0.10%, 3 trades)');
    expect(backtestGates({error: 'no data'}, defaults).every((g) => !g.pass && g.figure === 'no data')).toBe(true);
  });

  it('passes the first promotion with a note, and refuses a candidate worse than the champion with the figure', () => {
    expect(championGate({none: 'first promotion'}, defaults)).toMatchObject({pass: true, figure: 'no champion on this channel', note: 'first promotion'});
    expect(championGate(champion, defaults).pass).toBe(true);
    const significant = championGate({...champion, verdict: 'A better', verdictReason: 'by the ML hits'}, defaults);
    expect(significant).toMatchObject({pass: false});
    expect(significant.figure).toMatch(/^the champion m@1 is significantly better/);
    const rowsSignificant = championGate({...champion, rowHitsPValue: 0.01}, defaults);
    expect(rowsSignificant.figure).toMatch(/^on rows the champion is right significantly more often \(p = 0.0100\)/);
    // Not significant, but 5 points below: refused by the default tolerance of 2 points.
    const drop = championGate({...champion, hitRateCandidate: 0.5}, defaults);
    expect(drop.pass).toBe(false);
    expect(drop.figure).toMatch(/^hit rate 50.00% vs the champion's 55.00% \(drop 5.00% > 2.00%\)/);
    expect(championGate({...champion, hitRateCandidate: 0.5}, PromotionGatesSchema.parse({champion: {maxHitRateDrop: null}})).pass).toBe(true);
    const sharpe = championGate({...champion, sharpeCandidate: 0.1}, PromotionGatesSchema.parse({champion: {maxSharpeDrop: 0.5}}));
    expect(sharpe.figure).toMatch(/^Sharpe 0.10 vs the champion's 1.20 \(drop 1.10 > 0.5\)/);
    expect(championGate({error: 'the comparison failed: x'}, defaults).pass).toBe(false);
    expect(championGate({...champion, championInSample: true}, defaults).note).toMatch(/saw part of the window/);
  });

  it('checks timeframe, feature set and that the strategy reads the channel', () => {
    const base = {
      modelTimeframe: '1h', strategyTimeframe: '1h', modelFeatureSet: 'ohlcv-v1', expectedFeatureSet: null, expectedFrom: null, featureProblem: null,
      strategyModels: ['m@live'], target: 'm@live', strategy: 'ensemble@1.0.0', modelSymbol: 'BTC/USDT:USDT', strategySymbol: 'BTC/USDT:USDT',
    } as const;
    expect(compatibilityGates(base).every((g) => g.pass)).toBe(true);
    const tf = compatibilityGates({...base, strategyTimeframe: '4h'});
    expect(tf[0]).toMatchObject({gate: 'timeframe', pass: false, figure: 'model 1h, live strategy 4h'});
    const fs = compatibilityGates({...base, expectedFeatureSet: 'ohlcv-v2', expectedFrom: 'config'});
    expect(fs[1]).toMatchObject({gate: 'feature-set', pass: false, figure: 'model ohlcv-v1, live strategy ohlcv-v2 (from the config promotion.featureSet)'});
    expect(compatibilityGates({...base, featureProblem: "unknown feature set 'x'"})[1].pass).toBe(false);
    expect(compatibilityGates({...base, strategyModels: ['other@live']})[2]).toMatchObject({pass: false, figure: 'strategy ensemble@1.0.0 reads other@live'});
    expect(compatibilityGates({...base, strategyModels: []})[2].figure).toMatch(/has no ML source reading params.model/);
    expect(compatibilityGates({...base, modelSymbol: 'ETH/USDT:USDT'})[0]).toMatchObject({pass: true, note: 'trained on ETH/USDT:USDT, the strategy trades BTC/USDT:USDT'});
  });
});
