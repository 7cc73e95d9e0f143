import {describe, expect, it} from 'vitest';
import {parseExpression} from '../../src/optimize/expression.js';

const vars = (values: Record<string, number>) => (name: string) => values[name] ?? null;

describe('expressions for constraints and custom objectives', () => {
  it('evaluates arithmetic with precedence, unary minus, functions and comparisons', () => {
    expect(parseExpression('1 + 2 * 3').evaluate(vars({}))).toBe(7);
    expect(parseExpression('(1 + 2) * -3').evaluate(vars({}))).toBe(-9);
    expect(parseExpression('fast * 2 <= slow').evaluate(vars({fast: 10, slow: 20}))).toBe(1);
    expect(parseExpression('fast * 2 <= slow').evaluate(vars({fast: 11, slow: 20}))).toBe(0);
    expect(parseExpression('sharpe * (1 - maxDrawdown) + max(0, abs(-2))').evaluate(vars({sharpe: 2, maxDrawdown: 0.25}))).toBe(3.5);
    expect(parseExpression('a < b and b < c').evaluate(vars({a: 1, b: 2, c: 3}))).toBe(1);
    expect(parseExpression('a > b or b > c').evaluate(vars({a: 1, b: 2, c: 3}))).toBe(0);
    expect(parseExpression('weights.ta + weights.ml <= 1').names).toEqual(['weights.ta', 'weights.ml']);
    expect(parseExpression('1e-3 * 2').evaluate(vars({}))).toBe(0.002);
  });

  it('gives NaN when a variable is missing, and refuses unknown names, functions and bad syntax with one line', () => {
    expect(parseExpression('x + 1').evaluate(vars({}))).toBeNaN();
    expect(() => parseExpression('fast < slw', ['fast', 'slow'])).toThrow(/unknown name 'slw'/);
    expect(() => parseExpression('pow(2, 3)')).toThrow(/unknown function 'pow'/);
    expect(() => parseExpression('1 +')).toThrow(/ends too early/);
    expect(() => parseExpression('(1 + 2')).toThrow(/expected '\)'/);
    expect(() => parseExpression('a; process.exit()')).toThrow(/unexpected ';'/);
    expect(() => parseExpression('')).toThrow(/empty/);
  });
});
