/** Starts the local exchange in a child process and hands back a RemoteBinanceExchange for it. */
import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {RemoteBinanceExchange} from './control.js';
import type {LocalExchangeOptions} from './exchange.js';

export interface ExchangeProcess {
  readonly exchange: RemoteBinanceExchange;
  readonly pid: number;
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const REGISTER = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export function spawnBinanceExchange(options: LocalExchangeOptions = {}, timeoutMs = 20_000): Promise<ExchangeProcess> {
  const child = spawn(process.execPath, ['--import', REGISTER, MAIN, '--options', JSON.stringify(options)], {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`local exchange process did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(stdout.slice(0, newline)) as {url: string; apiKey: string; apiSecret: string; pid: number};
      resolve({
        exchange: new RemoteBinanceExchange(info.url, info.apiKey, info.apiSecret),
        pid: info.pid,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`local exchange process exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
}
