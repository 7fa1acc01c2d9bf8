import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { type CallerName, isCallerName } from '@exchange/contracts';

/**
 * Workload identity: every process (and the operator's tools) holds its own Ed25519 private key; the
 * trust bundle lists each caller's public keys. A process signs what it sends with its key, and
 * believes a caller only through the bundle. Two keys per caller in the bundle let a key rotate
 * without downtime: add the new public key everywhere, switch the private key, drop the old one.
 */

export interface SigningKey {
  name: CallerName;
  key: KeyObject;
  /** RFC 7638 thumbprint of the public key, the `kid` of every token it signs */
  kid: string;
}

export interface TrustedKey {
  name: CallerName;
  key: KeyObject;
  kid: string;
}

/** `{ "<caller>": ["<Ed25519 public key, base64url>", …] }` — public keys only, safe to share. */
export type TrustBundle = Partial<Record<CallerName, string[]>>;

export class IdentityError extends Error {
  override name = 'IdentityError';
}

async function kidOf(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JWK, 'sha256');
}

/** Reads a PKCS#8 PEM Ed25519 private key (as `npm start` writes it, or from a secret). */
export async function loadSigningKey(name: CallerName, pem: string): Promise<SigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.replace(/\\n/g, '\n'));
  } catch (error) {
    throw new IdentityError(`the private key of ${name} is not a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new IdentityError(`the private key of ${name} must be Ed25519, not ${key.asymmetricKeyType}`);
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as JWK;
  return { name, key, kid: await kidOf(jwk) };
}

/** The base64url public key of a private key, as the trust bundle lists it. */
export function publicKeyOf(pem: string): string {
  const jwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' }) as JWK;
  if (!jwk.x) throw new IdentityError('not an Ed25519 key');
  return jwk.x;
}

/** Parses and checks a trust bundle; every key becomes a verifying key with its `kid`. */
export async function loadTrustBundle(text: string): Promise<Map<string, TrustedKey>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new IdentityError('the trust bundle is not JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new IdentityError('the trust bundle must be an object of caller → public keys');
  const keys = new Map<string, TrustedKey>();
  for (const [name, list] of Object.entries(parsed)) {
    if (!isCallerName(name)) throw new IdentityError(`the trust bundle names an unknown caller: ${name}`);
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new IdentityError(`the trust bundle's ${name} must be a list of keys`);
    for (const x of list as string[]) {
      const jwk: JWK = { kty: 'OKP', crv: 'Ed25519', x };
      let key: KeyObject;
      try {
        key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
      } catch (error) {
        throw new IdentityError(`the trust bundle's key for ${name} is not an Ed25519 public key`, { cause: error });
      }
      const kid = await kidOf(jwk);
      const known = keys.get(kid);
      if (known && known.name !== name) throw new IdentityError(`one key is listed for both ${known.name} and ${name}`);
      keys.set(kid, { name, key, kid });
    }
  }
  return keys;
}

export interface GeneratedIdentities {
  /** caller → PKCS#8 PEM private key (each process gets only its own) */
  privateKeys: Record<CallerName, string>;
  bundle: TrustBundle;
}

/** A fresh key for every caller and the bundle of their public keys (development and tests). */
export function generateIdentities(names: readonly CallerName[]): GeneratedIdentities {
  const privateKeys = {} as Record<CallerName, string>;
  const bundle: TrustBundle = {};
  for (const name of names) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    privateKeys[name] = pem;
    bundle[name] = [publicKeyOf(pem)];
  }
  return { privateKeys, bundle };
}
