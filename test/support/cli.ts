/** Runs the built CLI (`npm test` builds first) as a real process. */
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {CLI} from './candle-files.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time until the process exited (ms). */
  readonly ms: number;
}

/** Runs `iftb args…`; never rejects, so tests can assert on the exit code. IFTB_DB and IFTB_WAIT from the shell are ignored. */
export function iftb(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], {env: {...process.env, IFTB_DB: undefined, IFTB_WAIT: undefined, ...env}}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({code, stdout, stderr, ms: performance.now() - started});
    });
  });
}

/** A node process running `script` (ES module text), started and ready once it prints `ready`. */
export async function nodeProcess(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']});
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code} before it was ready`)));
  });
  return child;
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}
