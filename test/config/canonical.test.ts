import {describe, expect, it} from 'vitest';
import {applyOverrides, canonicalJson, configHash} from '../../src/config/index.js';

describe('config hashing', () => {
  it('gives equal hashes for equal configs whatever the key order', () => {
    expect(configHash({b: 1, a: {y: [1, 2], x: 'z'}})).toBe(configHash({a: {x: 'z', y: [1, 2]}, b: 1}));
    expect(canonicalJson({b: 1, a: undefined, c: {e: 2, d: 1}})).toBe('{"b":1,"c":{"d":1,"e":2}}');
  });

  it('changes the hash when any value changes', () => {
    expect(configHash({params: {fast: 10}})).not.toBe(configHash({params: {fast: 11}}));
  });

  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({x: NaN})).toThrow(/non-finite/);
  });

  it('applies key=value overrides with JSON values and nested keys', () => {
    expect(applyOverrides({fast: 1}, ['fast=20', 'weights.ta=0.5', 'model=xgb@2', 'flag=true'])).toEqual({
      fast: 20, weights: {ta: 0.5}, model: 'xgb@2', flag: true,
    });
    expect(() => applyOverrides({}, ['novalue'])).toThrow(/key=value/);
  });
});
