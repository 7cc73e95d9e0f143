/**
 * The public SDK: the only module a strategy in strategies/ imports. It re-exports the domain
 * vocabulary and `defineStrategy`, never an implementation.
 */
export {z} from 'zod';
export {defineStrategy, type ParamRange, type StrategyDefinition, type StrategyKit, type StrategySetup, type StrategySpace} from './decision/strategy.js';
export {
  HOLD,
  type DecisionContext,
  type EnsembleReading,
  type Intent,
  type Sizing,
  type SignalReading,
  type Analyzer,
  type BarView,
  type PriceField,
  type Indicator,
  type SignalSlot,
  type SignalSource,
  type PositionSide,
} from './core/index.js';
