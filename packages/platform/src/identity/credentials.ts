import { CALLER_HEADER, type CallerName, type ServiceName, USER_ASSERTION_HEADER } from '@exchange/contracts';
import { type GeneratedIdentities, loadSigningKey, loadTrustBundle } from './keys.js';
import { type Actor, ServiceIdentity } from './tokens.js';

/** The variables that give a process its identity and the bundle of its callers' keys. */
export function identityEnv(identities: GeneratedIdentities, name: CallerName): { SERVICE_PRIVATE_KEY: string; SERVICE_TRUST_BUNDLE: string } {
  return { SERVICE_PRIVATE_KEY: identities.privateKeys[name], SERVICE_TRUST_BUNDLE: JSON.stringify(identities.bundle) };
}

const signers = new WeakMap<GeneratedIdentities, Map<CallerName, Promise<ServiceIdentity>>>();

/** The identity of `name` from generated keys (a test, or the operator's tools, speaking as it). */
export function signerOf(identities: GeneratedIdentities, name: CallerName): Promise<ServiceIdentity> {
  let byName = signers.get(identities);
  if (!byName) {
    byName = new Map();
    signers.set(identities, byName);
  }
  let signer = byName.get(name);
  if (!signer) {
    signer = (async () =>
      new ServiceIdentity(await loadSigningKey(name, identities.privateKeys[name]), await loadTrustBundle(JSON.stringify(identities.bundle))))();
    byName.set(name, signer);
  }
  return signer;
}

/**
 * The headers of an internal request sent by `from` to `to` (a test speaking as a process, or the operator's
 * tools such as the audit), acting for `user` as the gateway would assert it.
 */
export async function internalHeaders(identities: GeneratedIdentities, from: CallerName, to: ServiceName, user?: Actor): Promise<Record<string, string>> {
  const headers: Record<string, string> = { [CALLER_HEADER]: await (await signerOf(identities, from)).callerToken(to) };
  if (user) headers[USER_ASSERTION_HEADER] = (await (await signerOf(identities, 'client-gateway')).assertUser(user)).assertion;
  return headers;
}
