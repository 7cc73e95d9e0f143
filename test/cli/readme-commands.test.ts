/**
 * Every `npx iftb …` line in the README's shell blocks names a real command, and every flag it
 * shows is one that command (or a parent) accepts: the docs cannot drift from the CLI unnoticed.
 * Lines are read from the commander tree, not executed.
 */
import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import type {Command} from 'commander';
import {describe, expect, it} from 'vitest';
import {buildProgram} from '../../src/cli/program.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The `npx iftb` command lines of the fenced shell blocks (continuations joined, comments dropped). */
function commandLines(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|console)?\n([\s\S]*?)```/g)) {
    const joined = block[1].replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      const at = raw.indexOf('npx iftb ');
      if (at < 0) continue;
      const line = raw.slice(at).replace(/\s+#\s.*$/, '').trim();
      // `npx iftb models list | show X | pin X …`: alternatives of one command group.
      const [first, ...alternatives] = line.split(' | ');
      out.push(first, ...alternatives.map((alt) => `npx iftb ${first.split(/\s+/)[2]} ${alt}`));
    }
  }
  return out;
}

function subcommand(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/** Problems with one line: an unknown command word right after `npx iftb`, or flags no command on its path accepts. */
function problems(program: Command, line: string): string[] {
  const words = line.replace(/"[^"]*"|'[^']*'/g, 'Q').replace(/[[\]]/g, ' ').split(/\s+/).slice(2);
  let cmd = program;
  const path: Command[] = [program];
  let k = 0;
  for (; k < words.length && !words[k].startsWith('-'); k++) {
    const next = subcommand(cmd, words[k]);
    if (next === undefined) break;
    cmd = next;
    path.push(next);
  }
  if (cmd === program) return [`no command "${words[0]}"`];
  const known = new Set(path.flatMap((c) => c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))));
  known.add('--help');
  const out: string[] = [];
  for (const word of words.slice(k)) {
    const flag = /^(--?[A-Za-z][\w-]*)/.exec(word)?.[1];
    if (flag !== undefined && !known.has(flag)) out.push(`${cmd.name()} has no option ${flag}`);
  }
  return out;
}

describe('README command lines', () => {
  const lines = commandLines(README);

  it('finds the command lines (so the check below means something)', () => {
    expect(lines.length).toBeGreaterThan(30);
    expect(lines).toContain('npx iftb backtest');
  });

  it('uses only commands and flags the CLI has', () => {
    const program = buildProgram();
    const bad = lines.flatMap((line) => problems(program, line).map((p) => `${line}\n    → ${p}`));
    expect(bad).toEqual([]);
  });

  it('would catch a flag the CLI does not have', () => {
    expect(problems(buildProgram(), 'npx iftb backtest --no-such-flag 1')).toEqual(['backtest has no option --no-such-flag']);
    expect(problems(buildProgram(), 'npx iftb frobnicate')).toEqual(['no command "frobnicate"']);
  });
});
