/**
 * A tiny arithmetic/comparison language for sweep constraints (`fast * 2 <= slow`) and custom
 * objectives (`sharpe * (1 - maxDrawdown)`). Parsed once into closures; never `eval`, so a space
 * file cannot run code. Comparisons give 1 or 0; `and`/`or` combine them.
 */
import {ErrorCode, IftbError} from '../core/index.js';

export type Variables = (name: string) => number | null;
/** A compiled expression: NaN when a variable it reads is missing (null). */
export type Compiled = (vars: Variables) => number;

export interface Expression {
  readonly source: string;
  /** Identifiers it reads, in order of first use. */
  readonly names: readonly string[];
  readonly evaluate: Compiled;
}

type Token = {kind: 'num'; value: number} | {kind: 'id'; value: string} | {kind: 'op'; value: string};

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  abs: Math.abs, min: Math.min, max: Math.max, log: Math.log, sqrt: Math.sqrt, exp: Math.exp,
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(<=|>=|==|!=|&&|\|\||[-+*/()<>,]))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m) throw new IftbError(ErrorCode.INPUT_INVALID, `expression '${source}': unexpected '${source.slice(at).trim()[0]}' at ${at}`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({kind: 'num', value: Number(m[1])});
    else if (m[2] !== undefined) {
      const word = m[2];
      if (word === 'and') tokens.push({kind: 'op', value: '&&'});
      else if (word === 'or') tokens.push({kind: 'op', value: '||'});
      else tokens.push({kind: 'id', value: word});
    } else tokens.push({kind: 'op', value: m[3]});
  }
  return tokens;
}

const LEVELS: ReadonlyArray<readonly string[]> = [['||'], ['&&'], ['<', '<=', '>', '>=', '==', '!='], ['+', '-'], ['*', '/']];

function binary(op: string, a: Compiled, b: Compiled): Compiled {
  switch (op) {
    case '||': return (v) => (a(v) !== 0 || b(v) !== 0 ? 1 : 0);
    case '&&': return (v) => (a(v) !== 0 && b(v) !== 0 ? 1 : 0);
    case '<': return (v) => (a(v) < b(v) ? 1 : 0);
    case '<=': return (v) => (a(v) <= b(v) ? 1 : 0);
    case '>': return (v) => (a(v) > b(v) ? 1 : 0);
    case '>=': return (v) => (a(v) >= b(v) ? 1 : 0);
    case '==': return (v) => (a(v) === b(v) ? 1 : 0);
    case '!=': return (v) => (a(v) !== b(v) ? 1 : 0);
    case '+': return (v) => a(v) + b(v);
    case '-': return (v) => a(v) - b(v);
    case '*': return (v) => a(v) * b(v);
    default: return (v) => a(v) / b(v);
  }
}

/** Parses `source`; `known` (when given) lists the identifiers it may use. */
export function parseExpression(source: string, known?: readonly string[]): Expression {
  const tokens = tokenize(source);
  const names: string[] = [];
  let pos = 0;
  const fail = (what: string): never => {
    throw new IftbError(ErrorCode.INPUT_INVALID, `expression '${source}': ${what}`);
  };
  const peek = () => tokens[pos];
  const isOp = (value: string) => tokens[pos]?.kind === 'op' && tokens[pos].value === value;
  const expect = (value: string) => {
    if (!isOp(value)) fail(`expected '${value}'`);
    pos++;
  };
  const level = (k: number): Compiled => {
    if (k === LEVELS.length) return unary();
    let left = level(k + 1);
    for (let t = peek(); t?.kind === 'op' && LEVELS[k].includes(t.value); t = peek()) {
      pos++;
      const op = t.value;
      left = binary(op, left, level(k + 1));
    }
    return left;
  };
  const unary = (): Compiled => {
    if (isOp('-')) {
      pos++;
      const inner = unary();
      return (v) => -inner(v);
    }
    return primary();
  };
  const primary = (): Compiled => {
    const t = tokens[pos++];
    if (!t) return fail('ends too early');
    if (t.kind === 'num') {
      const value = t.value;
      return () => value;
    }
    if (t.kind === 'op') {
      if (t.value !== '(') return fail(`unexpected '${t.value}'`);
      const inner = level(0);
      expect(')');
      return inner;
    }
    if (isOp('(')) {
      const fn = FUNCTIONS[t.value] ?? fail(`unknown function '${t.value}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
      pos++;
      const args: Compiled[] = [level(0)];
      while (isOp(',')) {
        pos++;
        args.push(level(0));
      }
      expect(')');
      return (v) => fn(...args.map((a) => a(v)));
    }
    const name = t.value;
    if (known && !known.includes(name)) fail(`unknown name '${name}' (known: ${known.join(', ')})`);
    if (!names.includes(name)) names.push(name);
    return (v) => v(name) ?? NaN;
  };
  if (tokens.length === 0) fail('empty');
  const evaluate = level(0);
  if (pos < tokens.length) fail(`unexpected '${String(tokens[pos].value)}'`);
  return {source, names, evaluate};
}
