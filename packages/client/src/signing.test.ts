import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeySigningPayload, EMPTY_BODY_SHA256 } from '@exchange/contracts';
import { apiKeySigner, generateEd25519KeyPair, signPayload, streamSignIn } from './signing.js';

// Fixed vectors, computed apart from this code with OpenSSL:
//   printf '%s' "$BODY" | openssl dgst -sha256
//   printf '%s' "$PAYLOAD" | openssl dgst -sha256 -hmac 'test-secret-do-not-use'
//   openssl pkeyutl -sign -inkey rfc8032-test1.pem -rawin -in payload.txt | base64
const SECRET = 'test-secret-do-not-use';
const AT = 1767225600000;
const BODY = '{"symbol":"AAPL","side":"BUY","type":"LIMIT","price":"189.50","quantity":"10"}';
const BODY_SHA256 = 'a4e49af3ba58c254941b30158b6e4ff37416bb793be64a8b15c5d5101a1e88ea';
const POST_HMAC = '899e522c6768c2c6a8e1d4af42be52ed27a40dbb86daac7769ea59c50ffc871f';
const GET_HMAC = '03050e487eb147e449c8259731e5141956695a8a5fc75ab58b6227fa0206cea1';
// the private key of RFC 8032's first Ed25519 test vector, and its public key
const RFC8032_PRIVATE = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n';
const RFC8032_PUBLIC = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n';
const POST_ED25519 = 'FO/TMwFXu0cldXr3kHirj53PthiKRFKMDcBbd7tk8sJW9ZXtb2x3mz8vwsggTQX0VYn0ChknMx84lUtKWy9qCA==';

const placement = { method: 'POST', path: '/v1/orders', query: '', body: BODY };

describe('API key signing', () => {
  it('writes the payload one part a line, the body as its SHA-256', () => {
    expect(apiKeySigningPayload({ timestamp: String(AT), method: 'post', path: '/v1/orders', query: '', bodySha256: BODY_SHA256 })).toBe(
      `1767225600000\nPOST\n/v1/orders\n\n${BODY_SHA256}`,
    );
  });

  it('signs with HMAC-SHA256 as OpenSSL does', async () => {
    const headers = await apiKeySigner({ keyId: 'k-1', secret: SECRET }, () => AT)(placement);
    expect(headers).toEqual({ 'x-api-key': 'k-1', 'x-api-timestamp': String(AT), 'x-api-signature': POST_HMAC });
    const read = await apiKeySigner({ keyId: 'k-1', secret: SECRET }, () => AT)({ method: 'GET', path: '/v1/orders', query: 'status=OPEN&limit=50', body: '' });
    expect(read['x-api-signature']).toBe(GET_HMAC);
  });

  it('signs with Ed25519 as OpenSSL does (the RFC 8032 test key)', async () => {
    const headers = await apiKeySigner({ keyId: 'k-2', privateKeyPem: RFC8032_PRIVATE }, () => AT)(placement);
    expect(headers['x-api-signature']).toBe(POST_ED25519);
    const payload = `1767225600000\nPOST\n/v1/orders\n\n${BODY_SHA256}`;
    expect(verify(null, Buffer.from(payload), createPublicKey(RFC8032_PUBLIC), Buffer.from(POST_ED25519, 'base64'))).toBe(true);
  });

  it('never signs two requests with one timestamp, so identical requests at once are not replays', async () => {
    const signer = apiKeySigner({ keyId: 'k-1', secret: SECRET }, () => AT);
    const request = { method: 'GET', path: '/v1/me', query: '', body: '' };
    const [first, second] = [await signer(request), await signer(request)];
    expect([first['x-api-timestamp'], second['x-api-timestamp']]).toEqual([String(AT), String(AT + 1)]);
    expect(second['x-api-signature']).not.toBe(first['x-api-signature']);
  });

  it('changes the signature when any signed part changes', () => {
    const base = { timestamp: String(AT), method: 'POST', path: '/v1/orders', query: '', bodySha256: BODY_SHA256 };
    const signature = signPayload({ keyId: 'k', secret: SECRET }, apiKeySigningPayload(base));
    for (const changed of [
      { ...base, timestamp: String(AT + 1) },
      { ...base, method: 'PUT' },
      { ...base, path: '/v1/order' },
      { ...base, query: 'a=1' },
      { ...base, bodySha256: EMPTY_BODY_SHA256 },
    ]) {
      expect(signPayload({ keyId: 'k', secret: SECRET }, apiKeySigningPayload(changed))).not.toBe(signature);
    }
    expect(signPayload({ keyId: 'k', secret: `${SECRET}x` }, apiKeySigningPayload(base))).not.toBe(signature);
  });

  it('signs the live stream sign-in over GET /v1/stream, with a fresh timestamp each time', () => {
    let now = AT;
    const signIn = streamSignIn({ keyId: 'k-3', secret: SECRET }, () => now);
    const first = signIn();
    now += 1000;
    const second = signIn();
    expect(first.id).toBe('k-3');
    expect(second.timestamp).toBe(String(AT + 1000));
    expect(first.signature).toBe(signPayload({ keyId: 'k-3', secret: SECRET }, `${AT}\nGET\n/v1/stream\n\n${EMPTY_BODY_SHA256}`));
    expect(second.signature).not.toBe(first.signature);
  });

  it('makes Ed25519 key pairs whose signatures verify under the public half', () => {
    const pair = generateEd25519KeyPair();
    const signature = signPayload({ keyId: 'k', privateKeyPem: pair.privateKeyPem }, 'payload');
    expect(verify(null, Buffer.from('payload'), createPublicKey(pair.publicKeyPem), Buffer.from(signature, 'base64'))).toBe(true);
    expect(verify(null, Buffer.from('payload!'), createPublicKey(pair.publicKeyPem), Buffer.from(signature, 'base64'))).toBe(false);
  });
});
