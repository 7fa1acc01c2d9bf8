import { describe, expect, it } from 'vitest';
import { resolvePorts } from './system.js';

describe('resolvePorts', () => {
  it('uses the standard ports by default', () => {
    expect(resolvePorts({})).toEqual({
      'client-gateway': 8347,
      'user-service': 8975,
      'order-manager': 8426,
      'wallet-service': 8651,
      'reporting-service': 9127,
      'risk-manager': 8539,
      'matching-engine': 8792,
      'market-data': 8864,
      notification: 9243,
    });
  });

  it('lays every process on a base port, and lets one explicit port win', () => {
    const ports = resolvePorts({ EXCHANGE_PORT_BASE: '20000', USER_SERVICE_PORT: '30001' });
    expect(ports['client-gateway']).toBe(20000);
    expect(ports['user-service']).toBe(30001);
    expect(ports.notification).toBe(20008);
  });

  it('refuses a nonsense base', () => {
    expect(() => resolvePorts({ EXCHANGE_PORT_BASE: '80' })).toThrow(/EXCHANGE_PORT_BASE/);
  });
});
