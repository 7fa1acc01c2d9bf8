import { createHash, createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { API_KEY_HEADERS, API_KEY_STREAM_REQUEST, apiKeySigningPayload, EMPTY_BODY_SHA256 } from '@exchange/contracts';

/**
 * Signing with an API key (Node.js: `@exchange/client/signing`). Give `apiKeySigner(...)` to
 * `createExchangeClient({ signer })` and every request carries the key's headers; give
 * `streamSignIn(...)` to `ExchangeStream.setApiKey` and the live stream signs in with it.
 */

/** An HMAC key (its id and the secret shown once when it was made) or an Ed25519 key (its id and your private key). */
export type ApiKeyCredentials = { keyId: string; secret: string } | { keyId: string; privateKeyPem: string };

/** What a signer is given: the request as it will be sent. */
export interface SignableRequest {
  method: string;
  /** the path as sent, percent-encoding and all (`/v1/orders/…`) */
  path: string;
  /** the query string as sent, without `?` ('' when none) */
  query: string;
  /** the body as sent ('' when none) */
  body: string;
}

/** Headers to add to a request; may be asynchronous (a signer that asks a vault, say). */
export type RequestSigner = (request: SignableRequest) => Record<string, string> | Promise<Record<string, string>>;

const sha256Hex = (text: string): string => (text === '' ? EMPTY_BODY_SHA256 : createHash('sha256').update(text, 'utf8').digest('hex'));

/** The signature of a payload: HMAC-SHA256 in hex, or Ed25519 in base64. */
export function signPayload(credentials: ApiKeyCredentials, payload: string): string {
  if ('secret' in credentials) return createHmac('sha256', credentials.secret).update(payload, 'utf8').digest('hex');
  return sign(null, Buffer.from(payload, 'utf8'), privateKey(credentials.privateKeyPem)).toString('base64');
}

/**
 * Signs each request at the time it is sent (`now`: ms since the epoch, the clock by default). The
 * exchange accepts each signature once, so two identical requests in one millisecond would look
 * like a replay: each signer's timestamps therefore only go up (a burst runs a few ms ahead of the
 * clock, well inside the receive window).
 */
export function apiKeySigner(credentials: ApiKeyCredentials, now: () => number = Date.now): RequestSigner {
  let last = 0;
  return (request) => {
    last = Math.max(now(), last + 1);
    const timestamp = String(last);
    const payload = apiKeySigningPayload({ timestamp, method: request.method, path: request.path, query: request.query, bodySha256: sha256Hex(request.body) });
    return {
      [API_KEY_HEADERS.key]: credentials.keyId,
      [API_KEY_HEADERS.timestamp]: timestamp,
      [API_KEY_HEADERS.signature]: signPayload(credentials, payload),
    };
  };
}

/** A fresh signed sign-in for the live stream (what `{"op":"auth","apiKey":…}` carries). */
export function streamSignIn(credentials: ApiKeyCredentials, now: () => number = Date.now): () => { id: string; timestamp: string; signature: string } {
  let last = 0;
  return () => {
    last = Math.max(now(), last + 1);
    const timestamp = String(last);
    const payload = apiKeySigningPayload({ timestamp, ...API_KEY_STREAM_REQUEST, query: '', bodySha256: EMPTY_BODY_SHA256 });
    return { id: credentials.keyId, timestamp, signature: signPayload(credentials, payload) };
  };
}

/** A new Ed25519 key pair: register `publicKeyPem` with the exchange, keep `privateKeyPem` to yourself. */
export function generateEd25519KeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey: secretKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: secretKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const privateKeys = new Map<string, KeyObject>();
function privateKey(pem: string): KeyObject {
  let key = privateKeys.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    privateKeys.set(pem, key);
  }
  return key;
}
