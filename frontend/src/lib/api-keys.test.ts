import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { apiKeyStatus, buildCreateRequest, emptyDraft, expiryFromDate, parseAllowedIps, serverFieldErrors, type ApiKeyDraft } from './api-keys';

const draft = (over: Partial<ApiKeyDraft> = {}): ApiKeyDraft => ({ ...emptyDraft(), label: 'bot', ...over });
const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----';

describe('the API key form', () => {
  it('splits an allow-list on commas, spaces and new lines, dropping blanks and repeats', () => {
    expect(parseAllowedIps(' 203.0.113.7,\n198.51.100.0/24  2001:db8::/32,,203.0.113.7\n')).toEqual(['203.0.113.7', '198.51.100.0/24', '2001:db8::/32']);
    expect(parseAllowedIps('  ')).toEqual([]);
  });

  it('makes the request the contract takes: the trimmed label, the ticked scopes, the allow-list, the end of the expiry day', () => {
    const built = buildCreateRequest(
      draft({ label: '  market maker ', scopes: { read: true, trade: true }, allowedIps: '203.0.113.7, 198.51.100.0/24', expiresOn: '2026-12-31' }),
      NOW,
    );
    expect(built.errors).toBeUndefined();
    expect(built.body).toEqual({
      label: 'market maker',
      scopes: ['read', 'trade'],
      allowedIps: ['203.0.113.7', '198.51.100.0/24'],
      expiresAt: new Date(2026, 11, 31, 23, 59, 59, 999).toISOString(),
    });
    expect(buildCreateRequest(draft(), NOW).body).toEqual({ label: 'bot', scopes: ['read'], allowedIps: [] });
  });

  it('sends a pasted Ed25519 public key as PEM, and none while the box is unticked', () => {
    expect(buildCreateRequest(draft({ ownKey: true, publicKey: `  ${PEM.replace(/\n/g, '\r\n')}\r\n ` }), NOW).body?.publicKey).toBe(`${PEM}\n`);
    expect(buildCreateRequest(draft({ ownKey: false, publicKey: PEM }), NOW).body).not.toHaveProperty('publicKey');
  });

  it('tells each wrong field before sending anything', () => {
    const built = buildCreateRequest(
      {
        label: ' ',
        scopes: { read: false, trade: false },
        allowedIps: '203.0.113.7, 10.0.0.300, localhost',
        expiresOn: '2026-06-14',
        ownKey: true,
        publicKey: 'ssh-ed25519 AAAA',
      },
      NOW,
    );
    expect(built.body).toBeUndefined();
    expect(built.errors).toEqual({
      label: expect.stringContaining('name'),
      scopes: 'Choose at least one permission.',
      allowedIps: 'Not an IP address or CIDR range: 10.0.0.300, localhost',
      expiresAt: 'The expiry must be today or later.',
      publicKey: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    expect(buildCreateRequest(draft({ label: 'x'.repeat(65) }), NOW).errors?.label).toBe('At most 64 characters.');
    expect(buildCreateRequest(draft({ allowedIps: Array.from({ length: 21 }, (_, i) => `10.0.0.${i}`).join(',') }), NOW).errors?.allowedIps).toBe(
      'At most 20 entries.',
    );
    expect(expiryFromDate('31/12/2026')).toBeNull();
  });

  it("puts the exchange's field errors beside the fields, naming the allow-list entry refused", () => {
    const refusal = new ApiError(
      400,
      'VALIDATION_FAILED',
      'The request body is not valid',
      {
        fields: {
          'allowedIps.1': ['must be an IP address or a CIDR range such as 203.0.113.0/24'],
          expiresAt: ['must be in the future'],
          extra: ['is not a known field'],
        },
      },
      undefined,
    );
    expect(serverFieldErrors(refusal, ['203.0.113.7', '203.0.113.999'])).toEqual({
      allowedIps: '203.0.113.999: must be an IP address or a CIDR range such as 203.0.113.0/24',
      expiresAt: 'must be in the future',
      form: 'extra: is not a known field',
    });
    expect(serverFieldErrors(new ApiError(409, 'API_KEY_LIMIT_REACHED', 'too many', undefined, undefined))).toEqual({});
    expect(serverFieldErrors(new Error('offline'))).toEqual({});
  });
});

describe("a key's status", () => {
  it('is revoked, else expired once its expiry has passed, else active', () => {
    expect(apiKeyStatus({ revokedAt: null, expiresAt: null }, NOW)).toBe('active');
    expect(apiKeyStatus({ revokedAt: null, expiresAt: '2026-06-15T12:00:01.000Z' }, NOW)).toBe('active');
    expect(apiKeyStatus({ revokedAt: null, expiresAt: '2026-06-15T12:00:00.000Z' }, NOW)).toBe('expired');
    expect(apiKeyStatus({ revokedAt: '2026-06-01T00:00:00.000Z', expiresAt: '2026-01-01T00:00:00.000Z' }, NOW)).toBe('revoked');
  });
});
