import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { CALLER_NAMES, JWT_AUDIENCE, JWT_ISSUER } from '@exchange/contracts';
import { generateIdentities, loadSigningKey, loadTrustBundle, ServiceIdentity } from '@exchange/platform';
import { TokenVerifier } from '../src/auth/token-verifier.js';

/**
 * The gateway's token check against a real JWKS server (a stand-in for the user-service's
 * /.well-known/jwks.json): a token's signature is verified once, then its claims are kept until it
 * expires.
 */
describe('access token verification', () => {
  let server: Server;
  let url: string;
  let keyServed = true;
  let sign: (claims: Record<string, unknown>, expiresInSeconds: number) => Promise<string>;
  let identity: ServiceIdentity;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    server = createServer((_request, response) => {
      if (!keyServed) {
        response.statusCode = 503;
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sign = (claims, expiresInSeconds) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'JWT' })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
        .sign(privateKey);
    const generated = generateIdentities(CALLER_NAMES);
    identity = new ServiceIdentity(
      await loadSigningKey('client-gateway', generated.privateKeys['client-gateway']),
      await loadTrustBundle(JSON.stringify(generated.bundle)),
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function verifier(now: () => number = Date.now) {
    const users = {
      userById: async () => ({ user: { id: randomUUID(), email: 'x@example.com', name: null, role: 'user' as const, createdAt: new Date().toISOString() } }),
    };
    return new TokenVerifier({ userServiceUrl: url, identity, users, userCheckCacheMs: 60_000, now });
  }

  it('checks a token’s signature once and keeps its claims until it expires', async () => {
    keyServed = true;
    let clock = Date.now();
    const check = verifier(() => clock);
    const userId = randomUUID();
    const token = await sign({ sub: userId, email: 'a@example.com', role: 'user' }, 60);
    expect((await check.verify(`Bearer ${token}`)).id).toBe(userId);
    // the key set gone: a token seen before still verifies from what was kept …
    keyServed = false;
    expect((await check.verify(`Bearer ${token}`)).id).toBe(userId);
    // … until it expires
    clock += 61_000;
    await expect(check.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The access token has expired' });
    keyServed = true;
  });

  it('refuses a token whose signature does not verify, and keeps nothing of it', async () => {
    const check = verifier();
    const token = await sign({ sub: randomUUID(), email: 'b@example.com', role: 'user' }, 60);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    await expect(check.verify(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(check.verify(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
