import { describe, expect, it } from 'vitest';
import { resolveSimulatorPort } from '../launcher/simulator-process.js';
import { parseSimulateArgs, SIMULATOR_DEFAULTS } from './command.js';

describe('npm run simulate', () => {
  it('runs gently against the local gateway as the demo admin by default', () => {
    expect(parseSimulateArgs([], {})).toEqual({
      gateway: 'http://127.0.0.1:8347',
      rate: SIMULATOR_DEFAULTS.ratePerMarket,
      seed: SIMULATOR_DEFAULTS.seed,
      volatility: SIMULATOR_DEFAULTS.volatilityPerMinute,
      'summary-every': SIMULATOR_DEFAULTS.summaryEverySeconds,
      'admin-email': 'admin@exchange.local',
      'admin-password': 'exchange-admin',
      // the bots' API keys are kept between starts, in the ignored .exchange folder
      'keys-file': '.exchange/simulator-keys.json',
      mode: 'market',
    });
    expect(parseSimulateArgs(['--mode', 'load'], {})).toMatchObject({ mode: 'load' });
    expect(() => parseSimulateArgs(['--mode', 'fast'], {})).toThrow(/mode/);
    expect(parseSimulateArgs(['--keys-file', 'none'], {})).toMatchObject({ 'keys-file': 'none' });
    expect(parseSimulateArgs([], { EXCHANGE_PORT_BASE: '20000', EXCHANGE_ADMIN_EMAIL: 'root@example.com' })).toMatchObject({
      gateway: 'http://127.0.0.1:20000',
      'admin-email': 'root@example.com',
    });
  });

  it('takes its options', () => {
    const options = parseSimulateArgs([
      '--gateway',
      'http://10.0.0.5:9000',
      '--rate',
      '3.5',
      '--seed',
      '42',
      '--markets',
      'aapl, MSFT',
      '--duration',
      '90',
      '--port',
      '9400',
    ]);
    expect(options).toMatchObject({ gateway: 'http://10.0.0.5:9000', rate: 3.5, seed: 42, markets: ['AAPL', 'MSFT'], duration: 90, port: 9400 });
    expect(parseSimulateArgs(['--help'])).toBe('help');
  });

  it('refuses what it cannot use, saying which option and how to call it', () => {
    expect(() => parseSimulateArgs(['--rate', '0'])).toThrow(/--rate[\s\S]*usage: npm run simulate/);
    expect(() => parseSimulateArgs(['--rate', 'fast'])).toThrow(/--rate/);
    expect(() => parseSimulateArgs(['--seed', '-1'])).toThrow(/--seed/);
    expect(() => parseSimulateArgs(['--gateway', 'ftp://x'])).toThrow(/--gateway/);
    expect(() => parseSimulateArgs(['--speed', '3'])).toThrow(/speed[\s\S]*usage/);
  });

  it("has a port of the launcher's range", () => {
    expect(resolveSimulatorPort({})).toBe(9348);
    expect(resolveSimulatorPort({ EXCHANGE_PORT_BASE: '20000' })).toBe(20_011);
    expect(resolveSimulatorPort({ SIMULATOR_PORT: '9999', EXCHANGE_PORT_BASE: '20000' })).toBe(9999);
  });
});
