import { z } from 'zod';
import { roleSchema } from './auth.js';

/**
 * API keys: how a program (a trading bot) calls the exchange without a user's password or session.
 * A key belongs to one user, has scopes, optionally an IP allow-list and an expiry, and signs every
 * request. Two kinds: an HMAC key, whose secret the exchange makes, shows once and keeps encrypted;
 * and an Ed25519 key, whose public half the user registers (the exchange never sees the private one).
 */

/** What a key may do: `read` the caller's own data and the market's, `trade` (place and cancel orders). */
export const API_KEY_SCOPES = ['read', 'trade'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES);

export const API_KEY_KINDS = ['HMAC', 'ED25519'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

/** The headers of a signed request. */
export const API_KEY_HEADERS = {
  key: 'x-api-key',
  /** ms since the Unix epoch when the request was signed */
  timestamp: 'x-api-timestamp',
  /** HMAC-SHA256 in lowercase hex, or an Ed25519 signature in base64 */
  signature: 'x-api-signature',
} as const;

/**
 * How far a signed request's timestamp may be from the exchange's clock, either way. Within it, the
 * same signature is accepted once: a request caught and sent again is refused.
 */
export const API_KEY_RECEIVE_WINDOW_MS = 5000;

/** The most IP addresses or CIDR ranges on one key's allow-list. */
export const API_KEY_MAX_ALLOWED_IPS = 20;

/** The most live (not revoked) keys one user may hold. */
export const API_KEY_MAX_PER_USER = 20;

/**
 * What a request's signature covers, one line each: the timestamp, the method, the path, the query
 * string as sent (without `?`; empty when none) and the SHA-256 of the body as sent (lowercase hex;
 * of the empty string when there is none). The body is covered through its digest, so the exchange's
 * edge hands on 64 characters rather than the body itself.
 */
export function apiKeySigningPayload(parts: { timestamp: string; method: string; path: string; query: string; bodySha256: string }): string {
  return `${parts.timestamp}\n${parts.method.toUpperCase()}\n${parts.path}\n${parts.query}\n${parts.bodySha256}`;
}

/** SHA-256 of the empty string: the body digest of a request without a body. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The live stream's signed authentication covers this method and path (and no query, no body). */
export const API_KEY_STREAM_REQUEST = { method: 'GET', path: '/v1/stream' } as const;

const IPV4 = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}`;
const IPV4_RANGE = new RegExp(`^${IPV4}(?:/(?:3[0-2]|[12]?\\d))?$`);
// an IPv6 address in any of its written forms (checked loosely here; the service parses it for real)
const IPV6_RANGE = /^[0-9A-Fa-f:.]{2,45}(?:\/(?:12[0-8]|1[01]\d|[1-9]?\d))?$/;

/** One entry of an allow-list: an IPv4 or IPv6 address, or a CIDR range (`203.0.113.0/24`). */
export const allowedIpSchema = z
  .string()
  .max(49)
  .refine((text) => IPV4_RANGE.test(text) || (text.includes(':') && IPV6_RANGE.test(text)), 'must be an IP address or a CIDR range such as 203.0.113.0/24');

export const apiKeySchema = z
  .object({
    id: z.uuid().meta({ description: 'The key’s id, sent as X-API-Key' }),
    label: z.string(),
    kind: z.enum(API_KEY_KINDS),
    scopes: z.array(apiKeyScopeSchema),
    /** empty: any address */
    allowedIps: z.array(z.string()),
    expiresAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
    /** the last signed request it made, and from where (recorded at most once a minute per address) */
    lastUsedAt: z.iso.datetime().nullable(),
    lastUsedIp: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof apiKeySchema>;

/** An Ed25519 public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
export const ed25519PublicKeySchema = z
  .string()
  .max(400)
  .regex(/^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/, 'must be an Ed25519 public key in SPKI PEM form');

export const createApiKeyRequestSchema = z
  .strictObject({
    label: z.string().trim().min(1).max(64),
    scopes: z
      .array(apiKeyScopeSchema)
      .min(1)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'must not repeat a scope'),
    allowedIps: z.array(allowedIpSchema).max(API_KEY_MAX_ALLOWED_IPS).default([]),
    /** when the key stops working; none: until revoked */
    expiresAt: z.iso.datetime().optional(),
    /** register an Ed25519 key (sign with its private half); without it, an HMAC secret is made and shown once */
    publicKey: ed25519PublicKeySchema.optional(),
  })
  .meta({ id: 'CreateApiKeyRequest' });
export type CreateApiKeyRequest = z.input<typeof createApiKeyRequestSchema>;

export const createdApiKeySchema = z
  .object({
    apiKey: apiKeySchema,
    /** an HMAC key's secret: shown this once, never again */
    secret: z.string().optional(),
  })
  .meta({ id: 'CreatedApiKey' });

export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) }).meta({ id: 'ApiKeyList' });
export const apiKeyEnvelopeSchema = z.object({ apiKey: apiKeySchema });

/** What the gateway asks the user-service about a signed request (the secrets stay with the user-service). */
export const verifyApiKeyRequestSchema = z.strictObject({
  keyId: z.string().max(100),
  timestamp: z.string().max(20),
  signature: z.string().max(200),
  method: z.string().max(10),
  path: z.string().max(2048),
  query: z.string().max(8192),
  bodySha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** the caller's address as the gateway sees it */
  ip: z.string().max(64),
  /** what the route needs */
  scope: apiKeyScopeSchema,
});

export const verifiedApiKeySchema = z.object({
  keyId: z.uuid(),
  scopes: z.array(apiKeyScopeSchema),
  user: z.object({ id: z.uuid(), email: z.string(), role: roleSchema }),
});
export type VerifiedApiKey = z.infer<typeof verifiedApiKeySchema>;
