import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CALLER_NAMES } from '@exchange/contracts';
import { type GeneratedIdentities, publicKeyOf, type TrustBundle } from '@exchange/platform';
import { StartupError } from './checks.js';

export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The development token-signing key, kept in a git-ignored file so sessions survive restarts of
 * the user-service and of the whole system.
 */
export function loadOrCreateDevKey(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const pem = generateSigningKey();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, pem, { mode: 0o600 });
  return pem;
}

/** A new key for encrypting secrets at rest: base64 of 32 random bytes. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/** The development key that encrypts API keys' secrets, kept in a git-ignored file (keys made before a restart keep working). */
export function loadOrCreateEncryptionKey(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const key = generateEncryptionKey();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The processes' identities: one Ed25519 key per process (and the operator's tools), `<name>.pem` in
 * one folder, each file readable by its owner only; the trust bundle is derived from them. In
 * development the folder is git-ignored and the keys are created once and reused; in production
 * (`create` false) they must all be there already.
 */
export function loadIdentities(dir: string, create: boolean): GeneratedIdentities {
  if (create) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const privateKeys = {} as GeneratedIdentities['privateKeys'];
  const bundle: TrustBundle = {};
  for (const name of CALLER_NAMES) {
    const path = join(dir, `${name}.pem`);
    if (!create && !existsSync(path)) throw new StartupError(`${path} is missing: every process needs its own key`);
    const pem = create ? loadOrCreateDevKey(path) : readFileSync(path, 'utf8');
    privateKeys[name] = pem;
    bundle[name] = [publicKeyOf(pem)];
  }
  return { privateKeys, bundle };
}
