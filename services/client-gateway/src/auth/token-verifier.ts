import { AppError, type ActorCredential, bearerToken, type ContractClient, type ServiceIdentity, withSpan } from '@exchange/platform';
import { accessTokenClaimsSchema, JWT_AUDIENCE, JWT_ISSUER, type Role, type USER_SERVICE_API } from '@exchange/contracts';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const KEY_SET_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID']);
const MAX_VERIFIED_TOKENS = 50_000;

export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
  /** the gateway's signed assertion of this user, which internal calls carry */
  credential: ActorCredential;
  /** when the access token expires (ms since the epoch) */
  expiresAtMs: number;
  /** the API key a signed request came with (none: an access token) */
  apiKeyId?: string;
}

export interface TokenVerifierOptions {
  userServiceUrl: string;
  identity: ServiceIdentity;
  /** the user-service, asked whether the account still exists */
  users: Pick<ContractClient<typeof USER_SERVICE_API>, 'userById'>;
  /** how long an answer of the user-service about an account is trusted */
  userCheckCacheMs: number;
  now?: () => number;
}

/**
 * Verifies access tokens locally (signature, issuer, audience, expiry) against the user-service's
 * published keys, fetched once and cached: an authenticated call costs no user-service round trip.
 * The account behind a token must still exist (asked of the user-service, the answer cached); a
 * verified user is then asserted, signed with the gateway's own key, for the internal calls.
 */
export class TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly accounts = new Map<string, { exists: boolean; checkedAt: number }>();
  /** tokens whose signature and claims were verified, until they expire: a signature is checked once per token */
  private readonly verified = new Map<string, { sub: string; email: string; role: Role; exp: number }>();
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.now = options.now ?? Date.now;
    this.keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', options.userServiceUrl), {
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
      const claims = this.verified.get(token) ?? (await this.verifySignature(token));
      if (claims.exp * 1000 <= this.now()) {
        this.verified.delete(token);
        throw new AppError('UNAUTHENTICATED', 'The access token has expired');
      }
      const credential = await this.options.identity.assertUser({ id: claims.sub, role: claims.role });
      await this.ensureAccountExists(credential);
      return { id: claims.sub, email: claims.email, role: claims.role, credential, expiresAtMs: claims.exp * 1000 };
    });
  }

  /** The signature, issuer, audience and expiry of a token not seen before; its claims are kept until it expires. */
  private async verifySignature(token: string): Promise<{ sub: string; email: string; role: Role; exp: number }> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        algorithms: ['EdDSA'],
        requiredClaims: ['exp', 'sub'],
      }));
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
    const kept = { sub: claims.data.sub, email: claims.data.email, role: claims.data.role, exp: claims.data.exp };
    // bounded: the oldest tokens are forgotten first (they are verified again if they come back)
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, kept);
    return kept;
  }

  /**
   * A token outlives nothing: the account must exist. The user-service's answer is kept for
   * `userCheckCacheMs`; while it is unreachable, an account it confirmed before is still believed.
   */
  private async ensureAccountExists(credential: ActorCredential): Promise<void> {
    const now = this.now();
    const known = this.accounts.get(credential.id);
    if (known && now - known.checkedAt < this.options.userCheckCacheMs) {
      if (known.exists) return;
      throw new AppError('UNAUTHENTICATED', 'The account of this access token no longer exists');
    }
    try {
      await this.options.users.userById({ params: { id: credential.id } }, { actor: credential });
      this.remember(credential.id, true, now);
    } catch (error) {
      if (error instanceof AppError && error.code === 'USER_NOT_FOUND') {
        this.remember(credential.id, false, now);
        throw new AppError('UNAUTHENTICATED', 'The account of this access token no longer exists');
      }
      if (known?.exists) return;
      throw error;
    }
  }

  private remember(id: string, exists: boolean, checkedAt: number): void {
    if (this.accounts.size > 100_000) this.accounts.clear();
    this.accounts.set(id, { exists, checkedAt });
  }
}
