export {SizingSchema, RiskConfigSchema, DEFAULT_SIZING, type RiskConfig, type RiskConfigInput} from './risk-config.js';
export {createRiskManager, type RiskManagerOptions} from './risk-manager.js';
export {roundToStep, floorToStep, ceilToStep, stepDecimals} from './rounding.js';
export {
  BREAKER_RULES,
  BreakerConfigSchema,
  type BreakerRule,
  type BreakerConfig,
  type BreakerConfigInput,
  type BreakerMetrics,
  type BreakerStatus,
} from './breaker-config.js';
export {CircuitBreaker} from './circuit-breaker.js';
export {
  KillSwitch,
  hashSecret,
  randomConfirmationCode,
  sequentialCodeGenerator,
  type KillSwitchOptions,
  type KillSwitchStatus,
} from './kill-switch.js';
export {MemoryKillSwitchRepository} from './memory-kill-switch-repository.js';
export {
  createTradingGate,
  DEFAULT_FLATTEN_REASONS,
  type TradingGateOptions,
  type OperableTradingGate,
  type GateBreaker,
  type GateKillSwitch,
  type GateStatus,
} from './trading-gate.js';
