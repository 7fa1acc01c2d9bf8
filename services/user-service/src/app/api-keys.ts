import { createHmac, createPublicKey, randomBytes, randomUUID, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { AppError, type Redis } from '@exchange/platform';
import {
  API_KEY_MAX_PER_USER,
  API_KEY_RECEIVE_WINDOW_MS,
  type ApiKey,
  apiKeySigningPayload,
  type createApiKeyRequestSchema,
  type VerifiedApiKey,
  type verifyApiKeyRequestSchema,
} from '@exchange/contracts';
import type { z } from 'zod';
import type { ApiKeysStore } from '../store/api-keys-store.js';
import type { SecretBox } from './secret-box.js';

/** How often a key's last use is written down per address (a busy bot does not write a row per request). */
const RECORD_USE_EVERY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ApiKeysOptions {
  store: ApiKeysStore;
  box: SecretBox;
  /** remembers each accepted signature for the receive window, so a replay is refused */
  redis: Redis;
  now?: () => number;
}

/**
 * A user's API keys: created (an HMAC secret made here and shown once, or an Ed25519 public key
 * registered), listed, revoked; and every signed request verified — key, window, signature,
 * address, scope, replay — in that order, each refusal with its own code.
 */
export class ApiKeys {
  private readonly now: () => number;

  constructor(private readonly options: ApiKeysOptions) {
    this.now = options.now ?? Date.now;
  }

  async create(userId: string, request: z.output<typeof createApiKeyRequestSchema>): Promise<{ apiKey: ApiKey; secret?: string }> {
    const expiresAt = request.expiresAt ? new Date(request.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= this.now()) {
      throw new AppError('VALIDATION_FAILED', 'The expiry must be in the future', { fields: { expiresAt: ['must be in the future'] } });
    }
    const allowedIps = [...new Set(request.allowedIps.map(normalizeRange))];
    const id = randomUUID();
    let secret: string | undefined;
    let publicKey: string | null = null;
    if (request.publicKey) {
      publicKey = ed25519PublicKeyPem(request.publicKey);
    } else {
      secret = randomBytes(32).toString('base64url');
    }
    const stored = await this.options.store.insert(
      {
        id,
        userId,
        label: request.label,
        kind: publicKey ? 'ED25519' : 'HMAC',
        scopes: request.scopes,
        allowedIps,
        expiresAt: expiresAt?.toISOString() ?? null,
      },
      { secretCiphertext: secret ? this.options.box.seal(secret, id) : null, publicKey },
      API_KEY_MAX_PER_USER,
    );
    if (!stored) throw new AppError('API_KEY_LIMIT_REACHED', `A user may hold at most ${API_KEY_MAX_PER_USER} live API keys: revoke one first`);
    return secret ? { apiKey: stored.key, secret } : { apiKey: stored.key };
  }

  list(userId: string): Promise<ApiKey[]> {
    return this.options.store.listOf(userId);
  }

  async revoke(userId: string, id: string): Promise<ApiKey> {
    const revoked = await this.options.store.revoke(userId, id);
    // another user's key is as unknown to this caller as a key that never existed
    if (!revoked) throw new AppError('API_KEY_NOT_FOUND', 'No such API key');
    return revoked;
  }

  async verify(request: z.output<typeof verifyApiKeyRequestSchema>): Promise<VerifiedApiKey> {
    const found = UUID.test(request.keyId) ? await this.options.store.findForVerification(request.keyId) : undefined;
    if (!found) throw new AppError('API_KEY_INVALID', 'No such API key');
    const { stored, owner } = found;
    if (stored.key.revokedAt) throw new AppError('API_KEY_REVOKED', 'This API key was revoked');
    const now = this.now();
    if (stored.key.expiresAt && Date.parse(stored.key.expiresAt) <= now) throw new AppError('API_KEY_EXPIRED', 'This API key has expired');
    const timestamp = /^\d{1,15}$/.test(request.timestamp) ? Number(request.timestamp) : Number.NaN;
    if (!(Math.abs(now - timestamp) <= API_KEY_RECEIVE_WINDOW_MS)) {
      throw new AppError('TIMESTAMP_OUTSIDE_WINDOW', `The signed timestamp must be within ${API_KEY_RECEIVE_WINDOW_MS} ms of the exchange's clock`, {
        serverTime: now,
        receiveWindowMs: API_KEY_RECEIVE_WINDOW_MS,
      });
    }
    const payload = apiKeySigningPayload(request);
    if (!this.signatureMatches(stored, payload, request.signature)) throw new AppError('SIGNATURE_INVALID', 'The signature does not match the request');
    if (stored.key.allowedIps.length > 0 && !isAllowed(stored.key.allowedIps, request.ip)) {
      throw new AppError('API_KEY_IP_NOT_ALLOWED', 'This API key may not be used from this address', { ip: request.ip });
    }
    if (!stored.key.scopes.includes(request.scope)) {
      throw new AppError('API_KEY_SCOPE_MISSING', `This API key lacks the "${request.scope}" scope`, { scope: request.scope });
    }
    // the signature is accepted once: kept for twice the window (a timestamp may be up to one window ahead)
    const first = await this.options.redis.set(`api-key-signature:${stored.key.id}:${request.signature}`, '1', 'PX', 2 * API_KEY_RECEIVE_WINDOW_MS, 'NX');
    if (first !== 'OK') throw new AppError('REQUEST_REPLAYED', 'This signed request was received before; sign each request anew');
    // the row just read says whether this use needs writing down: a busy bot costs no write per request
    const { lastUsedAt, lastUsedIp } = stored.key;
    if (!lastUsedAt || lastUsedIp !== request.ip || now - Date.parse(lastUsedAt) >= RECORD_USE_EVERY_MS) {
      await this.options.store.recordUse(stored.key.id, request.ip, RECORD_USE_EVERY_MS);
    }
    return { keyId: stored.key.id, scopes: stored.key.scopes, user: owner };
  }

  private signatureMatches(stored: { key: ApiKey; secretCiphertext: Buffer | null; publicKey: string | null }, payload: string, signature: string): boolean {
    if (stored.key.kind === 'HMAC') {
      if (!stored.secretCiphertext || !/^[0-9a-f]{64}$/.test(signature)) return false;
      const secret = this.options.box.open(stored.secretCiphertext, stored.key.id);
      const expected = createHmac('sha256', secret).update(payload).digest();
      return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
    }
    if (!stored.publicKey || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) return false;
    return verifySignature(null, Buffer.from(payload, 'utf8'), publicKeyObject(stored.publicKey), Buffer.from(signature, 'base64'));
  }
}

const publicKeys = new Map<string, KeyObject>();
function publicKeyObject(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (publicKeys.size > 10_000) publicKeys.clear();
    publicKeys.set(pem, key);
  }
  return key;
}

/** The registered key, checked to be an Ed25519 public key, in its canonical PEM. */
function ed25519PublicKeyPem(pem: string): string {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === 'ed25519') return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    // not a public key at all: the same refusal below
  }
  throw new AppError('VALIDATION_FAILED', 'The public key must be an Ed25519 public key in SPKI PEM form', {
    fields: { publicKey: ['must be an Ed25519 public key in SPKI PEM form'] },
  });
}

/** `203.0.113.7` or `203.0.113.0/24` (IPv4 or IPv6), checked and written the one way. */
function normalizeRange(text: string): string {
  const [host = '', prefix] = text.split('/');
  const family = isIP(host);
  const bits = prefix === undefined ? undefined : Number(prefix);
  if (family === 0 || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)))) {
    throw new AppError('VALIDATION_FAILED', `${text} is not an IP address or CIDR range`, {
      fields: { allowedIps: [`${text} is not an IP address or CIDR range`] },
    });
  }
  return bits === undefined ? host.toLowerCase() : `${host.toLowerCase()}/${bits}`;
}

/** An address as BlockList checks it; an IPv4 address mapped into IPv6 (`::ffff:1.2.3.4`) as the IPv4 one. */
function address(ip: string): [string, 'ipv4' | 'ipv6'] {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return [mapped[1]!, 'ipv4'];
  return [ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4'];
}

function isAllowed(ranges: string[], ip: string): boolean {
  const [host, family] = address(ip);
  if (isIP(host) === 0) return false;
  return allowList(ranges).check(host, family);
}

function allowList(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [host = '', prefix] = range.split('/');
    const family = isIP(host) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(host, family);
    else list.addSubnet(host, Number(prefix), family);
  }
  return list;
}
