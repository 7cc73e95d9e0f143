import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {Command} from 'commander';
import {scaffoldStrategy} from '../../app/strategy-scaffold.js';
import {listStrategies} from '../../decision/index.js';
import type {CliIo} from '../context.js';

/** The module that gives a node process TypeScript and `iftb/sdk` (built next to the loader). */
const REGISTER = fileURLToPath(new URL('../../decision/typescript-register.js', import.meta.url));

export function strategyCommand(io: CliIo): Command {
  const strategy = new Command('strategy').description('write your own strategy: scaffold one, test it, list the ones by name');

  strategy
    .command('new <name>')
    .description('write a working strategy NAME.ts and its test (in strategies/, or in --dir anywhere, importing iftb/sdk)')
    .option('--dir <dir>', 'folder for the strategy (default: the repo\'s strategies/)')
    .action((name: string, o: {dir?: string}) => {
      const made = scaffoldStrategy({name, dir: o.dir});
      io.out([
        `wrote ${made.strategy}`,
        `wrote ${made.test}`,
        ...(made.tsconfig ? [`wrote ${made.tsconfig} (types for iftb/sdk, for your editor and tsc)`] : []),
        `run it:   ${made.run}`,
        `test it:  ${made.runTest}`,
      ].join('\n'));
    });

  strategy
    .command('test <files...>')
    .description("run a strategy's tests (*.test.ts, node:test) with TypeScript and iftb/sdk set up")
    .action(async (files: string[]) => {
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['--import', REGISTER, '--test', ...files], {stdio: ['ignore', 'pipe', 'pipe']});
        child.stdout.on('data', (chunk: Buffer) => io.out(chunk.toString().replace(/\n$/, '')));
        child.stderr.on('data', (chunk: Buffer) => io.err(chunk.toString().replace(/\n$/, '')));
        child.on('exit', (exitCode) => resolve(exitCode ?? 1));
      });
      if (code !== 0) process.exitCode = code;
    });

  strategy
    .command('list')
    .description('strategies you can name with --strategy (anything else: give its path)')
    .action(() => io.out(listStrategies().join('\n')));

  return strategy;
}
