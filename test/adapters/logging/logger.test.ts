import {Writable} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {createLogger, levelOfLine, REDACTED} from '../../../src/adapters/logging/index.js';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {stream, text: () => chunks.join(''), records: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)};
}

const SECRETS = {
  BINANCE_API_KEY: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
  BINANCE_API_SECRET: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
  TELEGRAM_BOT_TOKEN: '7012345678:AAFq2ZrX9b1-abcdefghijklmnopqrstuvw',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  KILL_SWITCH_ADMIN_KEY: 'admin-key-0123456789abcdef',
  IFTB_ADMIN_TOKEN: 'tok_9f8e7d6c5b4a39281706fedcba',
};

describe('JSON logs', () => {
  it('writes one JSON object per line with the level by name, time and message', () => {
    const out = sink();
    const log = createLogger({destination: out.stream, level: 'info', base: {service: 'iftb'}});
    log.info('2025-03-03T12:01:00.000Z close 30012.5 position BTC/USDT:USDT 0.01 equity 10000.00 active');
    log.error('reconciliation (periodic) failed: timeout', {sessionId: 'p1234'});
    log.debug('not shown at info');
    const [a, b] = out.records();
    expect(out.records()).toHaveLength(2);
    expect(a).toMatchObject({level: 'info', service: 'iftb', msg: expect.stringContaining('close 30012.5')});
    expect(typeof a.time).toBe('string');
    expect(new Date(a.time as string).toISOString()).toBe(a.time);
    expect(b).toMatchObject({level: 'error', sessionId: 'p1234'});
    // What the runbook's `docker-compose logs iftb 2>&1 | grep -i error` relies on.
    expect(out.text().split('\n').filter((l) => /error/i.test(l))).toHaveLength(1);
  });

  it('honours the level', () => {
    const out = sink();
    const log = createLogger({destination: out.stream, level: 'warn'});
    log.info('x');
    log.debug('y');
    log.warn('z');
    expect(out.records().map((r) => r.msg)).toEqual(['z']);
  });

  it('never writes a secret: by value from the environment, by field name, by shape', () => {
    const out = sink();
    const log = createLogger({destination: out.stream, level: 'debug', env: {...SECRETS, PATH: '/usr/bin'}, secrets: ['extra-secret-value-42']});
    log.info(`connecting with key ${SECRETS.BINANCE_API_KEY} and secret ${SECRETS.BINANCE_API_SECRET}`);
    log.warn(`POST https://api.telegram.org/bot${SECRETS.TELEGRAM_BOT_TOKEN}/sendMessage failed`);
    log.error('slack failed', {webhook_url: SECRETS.SLACK_WEBHOOK_URL, nested: {token: 'abc-should-go', note: `admin ${SECRETS.KILL_SWITCH_ADMIN_KEY}`}});
    log.info('api call', {headers: {authorization: `Bearer ${SECRETS.IFTB_ADMIN_TOKEN}`}, adminKey: 'whatever-1234'});
    log.info('error object', {error: new Error(`bad key ${SECRETS.BINANCE_API_KEY}`)});
    log.child({apiSecret: SECRETS.BINANCE_API_SECRET}).info('child');
    log.debug('extra-secret-value-42 in a debug line');
    // Shapes, even when the process was not told the value.
    createLogger({destination: out.stream}).info('webhook https://hooks.slack.com/services/TAAAA/BBBBB/ccccccccccccccccccccc and bot 5555555555:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA, Authorization: Bearer abcdefgh12345678');
    const text = out.text();
    for (const value of [...Object.values(SECRETS), 'abc-should-go', 'whatever-1234', 'extra-secret-value-42', 'ccccccccccccccccccccc', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'abcdefgh12345678']) {
      expect(text).not.toContain(value);
    }
    expect(text).toContain(REDACTED);
    expect(out.records()).toHaveLength(8);
    expect(text).toContain('connecting with key [REDACTED] and secret [REDACTED]');
  });

  it("classifies the loop's free-text lines", () => {
    expect(levelOfLine('2025-03-03T12:01:00.000Z close 30012.5 position BTC/USDT:USDT 0.01 equity 10000.00 active')).toBe('info');
    expect(levelOfLine('reconciliation (periodic) failed: timeout; retried at the next one')).toBe('error');
    expect(levelOfLine('state store unreachable (x): no new exposure until it is back')).toBe('warn');
    expect(levelOfLine('market stream reconnecting')).toBe('warn');
    expect(levelOfLine('resuming session p1 (paper, started 2025-03-03T12:00:00.000Z)')).toBe('info');
  });
});
