import { AppError, type ContractClient, type ServiceIdentity, withSpan } from '@exchange/platform';
import { API_KEY_HEADERS, type ApiKeyScope, type USER_SERVICE_API } from '@exchange/contracts';
import type { AuthenticatedUser } from './token-verifier.js';

/** A session on the live stream signed in with an API key lasts this long, then signs in again (a revoked key is heard of by then). */
export const API_KEY_STREAM_SESSION_MS = 15 * 60_000;

export interface SignedRequest {
  keyId: string;
  timestamp: string;
  signature: string;
  method: string;
  path: string;
  query: string;
  bodySha256: string;
  ip: string;
  scope: ApiKeyScope;
}

/** The three API-key headers of a request, or undefined when it sends none; a partial set is refused. */
export function apiKeyHeaders(headers: Record<string, string | string[] | undefined>): { keyId: string; timestamp: string; signature: string } | undefined {
  const keyId = headers[API_KEY_HEADERS.key];
  if (keyId === undefined) return undefined;
  const timestamp = headers[API_KEY_HEADERS.timestamp];
  const signature = headers[API_KEY_HEADERS.signature];
  if (typeof keyId !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
    throw new AppError('API_KEY_INVALID', `A signed request sends each of ${Object.values(API_KEY_HEADERS).join(', ')} once`);
  }
  return { keyId, timestamp, signature };
}

/**
 * Verifies signed requests by asking the user-service, which alone holds the keys' secrets; the
 * verified user is then asserted with the gateway's own key for the internal calls, as for a token.
 */
export class ApiKeyVerifier {
  constructor(
    private readonly users: Pick<ContractClient<typeof USER_SERVICE_API>, 'verifyApiKey'>,
    private readonly identity: ServiceIdentity,
  ) {}

  async verify(signed: SignedRequest): Promise<AuthenticatedUser> {
    return withSpan('api key verification', async (span) => {
      span.setAttribute('exchange.api_key', signed.keyId.slice(0, 64));
      const verified = await this.users.verifyApiKey({ body: signed });
      const credential = await this.identity.assertUser({ id: verified.user.id, role: verified.user.role });
      return {
        id: verified.user.id,
        email: verified.user.email,
        role: verified.user.role,
        credential,
        apiKeyId: verified.keyId,
        // what a live-stream session signed in with the key lasts (a request ends long before)
        expiresAtMs: Date.now() + API_KEY_STREAM_SESSION_MS,
      };
    });
  }
}
