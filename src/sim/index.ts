export {SimulatedVenue, type SimulatedVenueOptions} from './simulated-venue.js';
export {type AccountTotals} from './account.js';
export {
  BTCUSDT_BRACKETS,
  CONSERVATIVE_DEFAULT_BRACKETS,
  DEFAULT_INSTRUMENTS,
  DEFAULT_LIQUIDATION_FEE_RATE,
  DEFAULT_MAKER_FEE_RATE,
  DEFAULT_TAKER_FEE_RATE,
  ETHUSDT_BRACKETS,
  instrumentFor,
} from './instruments.js';
export {bracketFor, bracketIndexFor, liquidationPrice, maintenanceMargin, validateBrackets} from './margin.js';
export {NO_SLIPPAGE, exceedsParticipation, slippageBps, slippedPrice, validateSlippage, type SlippageModel} from './slippage.js';
export {Grid, GRID_TOLERANCE} from './precision.js';
export {OPEN_JITTER_MS} from './funding-schedule.js';
