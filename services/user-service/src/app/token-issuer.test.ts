import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenIssuer } from './token-issuer.js';

const user = { id: '3f1f8a6e-3b0a-4a5e-9d59-0c1b2a3d4e5f', email: 'ada@example.com', name: 'Ada', role: 'user' as const, createdAt: new Date().toISOString() };

describe('TokenIssuer', () => {
  it('issues tokens it verifies, carrying the user id, e-mail and role', async () => {
    const { issuer, isGenerated } = await TokenIssuer.create({ privateKeyPem: undefined, ttlSeconds: 60 });
    expect(isGenerated).toBe(true);
    const token = await issuer.issue(user);
    expect(await issuer.verify(token)).toEqual({ sub: user.id, email: user.email, role: 'user', exp: expect.any(Number) });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: issuer.publicJwk.kid, typ: 'JWT' });
  });

  it('uses a configured key, and publishes only its public half', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const first = (await TokenIssuer.create({ privateKeyPem: pem, ttlSeconds: 60 })).issuer;
    const second = (await TokenIssuer.create({ privateKeyPem: pem, ttlSeconds: 60 })).issuer;
    expect(first.publicJwk).toEqual(second.publicJwk);
    expect(first.publicJwk).not.toHaveProperty('d');
    // a token from one instance verifies in another with the same key (replicas, restarts)
    expect(await second.verify(await first.issue(user))).toMatchObject({ sub: user.id });
  });

  it('refuses tokens from another key and tampered tokens with UNAUTHENTICATED', async () => {
    const ours = (await TokenIssuer.create({ privateKeyPem: undefined, ttlSeconds: 60 })).issuer;
    const theirs = (await TokenIssuer.create({ privateKeyPem: undefined, ttlSeconds: 60 })).issuer;
    await expect(ours.verify(await theirs.issue(user))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const [header, payload, signature] = (await ours.issue(user)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    await expect(ours.verify(`${header}.${forged}.${signature}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a malformed key at start', async () => {
    await expect(TokenIssuer.create({ privateKeyPem: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', ttlSeconds: 60 })).rejects.toThrow();
  });
});
