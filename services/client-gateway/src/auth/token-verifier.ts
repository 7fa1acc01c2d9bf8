import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AppError, bearerToken, withSpan } from '@exchange/platform';
import { accessTokenClaimsSchema, JWT_AUDIENCE, JWT_ISSUER, type Role } from '@exchange/contracts';

const KEY_SET_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID']);

export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
}

/**
 * Verifies access tokens locally (signature, issuer, audience, expiry) against the user-service's
 * published keys, fetched once and cached: an authenticated call costs no user-service round trip.
 */
export class TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(userServiceUrl: string) {
    this.keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', userServiceUrl), {
      timeoutDuration: 3000,
      cooldownDuration: 5000,
      // Keys are fetched again only for a token signed with a key we do not know (a rotation), never
      // because the cache aged: a user-service outage must not break every signed-in request.
      cacheMaxAge: Number.POSITIVE_INFINITY,
    });
  }

  async verify(authorization: string | undefined): Promise<AuthenticatedUser> {
    return withSpan('token verification', async () => {
      const token = bearerToken(authorization);
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, this.keys, { issuer: JWT_ISSUER, audience: JWT_AUDIENCE }));
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        // The key set could not be fetched or read: our fault, not the caller's token's.
        if (KEY_SET_FAILURES.has(code) || (code === '' && error instanceof TypeError)) {
          throw new AppError('SERVICE_UNAVAILABLE', 'Tokens cannot be verified right now', { service: 'user-service' }, { cause: error });
        }
        const message = code === 'ERR_JWT_EXPIRED' ? 'The access token has expired' : 'The access token is invalid';
        throw new AppError('UNAUTHENTICATED', message, undefined, { cause: error });
      }
      const claims = accessTokenClaimsSchema.safeParse(payload);
      if (!claims.success) throw new AppError('UNAUTHENTICATED', 'The access token is invalid');
      return { id: claims.data.sub, email: claims.data.email, role: claims.data.role };
    });
  }
}
