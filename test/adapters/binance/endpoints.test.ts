import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {accountIdOf, readBinanceEnvironment} from '../../../src/adapters/binance/index.js';
import {ErrorCode, isIftbError} from '../../../src/core/index.js';

const none = join(tmpdir(), 'no-such-dir', '.env');

describe('Binance endpoints and keys from the environment', () => {
  it('defaults to production; --testnet picks the futures testnet', () => {
    expect(readBinanceEnvironment({env: {}, envFile: none})).toEqual({
      endpoints: {restUrl: 'https://fapi.binance.com', wsUrl: 'wss://fstream.binance.com', testnet: false},
      credentials: null,
    });
    expect(readBinanceEnvironment({env: {}, envFile: none, testnet: true}).endpoints).toEqual({
      restUrl: 'https://testnet.binancefuture.com',
      wsUrl: 'wss://fstream.binancefuture.com',
      testnet: true,
    });
  });

  it('takes IFTB_BINANCE_REST_URL / IFTB_BINANCE_WS_URL (a local exchange in tests) and refuses them with --testnet', () => {
    const env = {IFTB_BINANCE_REST_URL: 'http://127.0.0.1:8123/', IFTB_BINANCE_WS_URL: 'ws://127.0.0.1:8123'};
    expect(readBinanceEnvironment({env, envFile: none}).endpoints).toEqual({restUrl: 'http://127.0.0.1:8123', wsUrl: 'ws://127.0.0.1:8123', testnet: false});
    expect(() => readBinanceEnvironment({env, envFile: none, testnet: true})).toThrow(/--testnet cannot be combined/);
    for (const bad of [{IFTB_BINANCE_REST_URL: 'fapi.binance.com'}, {IFTB_BINANCE_WS_URL: 'https://fstream.binance.com'}, {IFTB_BINANCE_REST_URL: 'https://fapi.binance.com/fapi/v1'}]) {
      let error: unknown;
      try {
        readBinanceEnvironment({env: bad, envFile: none});
      } catch (e) {
        error = e;
      }
      expect(isIftbError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
    }
  });

  it('reads BINANCE_API_KEY / BINANCE_API_SECRET from the environment first, then .env; one without the other is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iftb-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'BINANCE_API_KEY=file-key\nBINANCE_API_SECRET="file secret"\n');
    expect(readBinanceEnvironment({env: {}, envFile: file}).credentials).toEqual({apiKey: 'file-key', apiSecret: 'file secret'});
    expect(readBinanceEnvironment({env: {BINANCE_API_KEY: 'env-key'}, envFile: file}).credentials).toEqual({apiKey: 'env-key', apiSecret: 'file secret'});
    expect(() => readBinanceEnvironment({env: {BINANCE_API_KEY: 'k'}, envFile: none})).toThrow(/BINANCE_API_SECRET is not set/);
  });

  it('the account id is a short hash of the key, stable and never the key', () => {
    const id = accountIdOf({apiKey: 'my-api-key', apiSecret: 's'});
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(accountIdOf({apiKey: 'my-api-key', apiSecret: 'other'})).toBe(id);
    expect(accountIdOf({apiKey: 'another-key', apiSecret: 's'})).not.toBe(id);
    expect(accountIdOf(null)).toBe('public');
  });
});
