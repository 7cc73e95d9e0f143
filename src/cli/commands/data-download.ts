import type {Command} from 'commander';
import type {CliIo} from '../context.js';

/** Placeholder until the Binance adapter lands in this change. */
export function registerDownload(_data: Command, _io: CliIo): void {}
