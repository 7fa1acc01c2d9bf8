import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

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
