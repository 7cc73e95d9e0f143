import type {InstrumentRunInfo} from '../app/instrument-resolution.js';

const when = (asOf: string | null) => (asOf === null ? '' : ` as of ${asOf.slice(0, 19).replace('T', ' ')}`);

/** The backtest summary's instrument lines: which versions, what the config changed, and every note (default brackets among them). */
export function instrumentSummaryLines(info: InstrumentRunInfo | undefined): string[] {
  if (info === undefined) return [];
  const {spec} = info;
  const brackets = info.defaultBrackets ? 'DEFAULT conservative schedule' : `${info.brackets.source}${when(info.brackets.asOf)}`;
  return [
    `instrument: ${info.symbol} tick ${spec.tickSize}, step ${spec.stepSize}, min notional ${spec.minNotional}, ` +
      `fees ${spec.makerFeeRate}/${spec.takerFeeRate}; spec ${info.rules.source}${when(info.rules.asOf)} (${info.rules.hash.slice(0, 12)}); brackets ${brackets}` +
      (info.overrides.length > 0 ? `; config overrides ${info.overrides.join(', ')}` : ''),
    ...info.notes.map((note) => `  note: ${note}`),
  ];
}
