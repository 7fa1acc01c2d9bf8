import { randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { AppError } from '@exchange/platform';
import { accessTokenClaimsSchema, JWT_AUDIENCE, JWT_ISSUER, type AccessTokenClaims, type User } from '@exchange/contracts';

const ALGORITHM = 'EdDSA';

/** A public key as the JWKS lists it: always with its type and id. */
type PublishedJwk = JWK & { kty: string; kid: string };

/**
 * Signs access tokens with an Ed25519 key and publishes the public half as a JWKS, so the gateway
 * verifies tokens itself without sharing a secret or calling this service per request.
 */
export class TokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly publicJwk: PublishedJwk,
    readonly ttlSeconds: number,
    /** keys still accepted while a rotation finishes: tokens they signed verify until they expire */
    private readonly previousJwks: PublishedJwk[] = [],
  ) {}

  /** What the JWKS endpoint publishes: the signing key, then the previous ones of a rotation. */
  get publishedJwks(): PublishedJwk[] {
    return [this.publicJwk, ...this.previousJwks];
  }

  static async create(options: { privateKeyPem: string | undefined; ttlSeconds: number; previousPublicKeyPems?: string[] }): Promise<{
    issuer: TokenIssuer;
    isGenerated: boolean;
  }> {
    let privateKey: CryptoKey;
    const isGenerated = options.privateKeyPem === undefined;
    if (options.privateKeyPem) {
      privateKey = await importPKCS8(options.privateKeyPem, ALGORITHM, { extractable: true });
    } else {
      privateKey = (await generateKeyPair(ALGORITHM, { extractable: true })).privateKey;
    }
    // Derive the public key from the private one so a configured key needs no second variable.
    const privateJwk = await exportJWK(privateKey);
    const { d: _secret, ...publicFields } = privateJwk;
    const kid = await calculateJwkThumbprint(publicFields);
    const publicJwk: PublishedJwk = { ...publicFields, kty: publicFields.kty ?? 'OKP', kid, alg: ALGORITHM, use: 'sig' };
    const publicKey = (await importJWK(publicJwk, ALGORITHM)) as CryptoKey;
    const previousJwks = await Promise.all(
      (options.previousPublicKeyPems ?? []).map(async (pem) => {
        const jwk = await exportJWK(await importSPKI(pem, ALGORITHM, { extractable: true }));
        return { ...jwk, kty: jwk.kty ?? 'OKP', kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' };
      }),
    );
    return { issuer: new TokenIssuer(privateKey, publicKey, publicJwk, options.ttlSeconds, previousJwks), isGenerated };
  }

  async issue(user: User): Promise<string> {
    return new SignJWT({ email: user.email, role: user.role })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid!, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithms: [ALGORITHM] });
      return accessTokenClaimsSchema.parse(payload);
    } catch (error) {
      throw new AppError('UNAUTHENTICATED', 'The access token is invalid or expired', undefined, { cause: error });
    }
  }

  async privateKeyPem(): Promise<string> {
    return exportPKCS8(this.privateKey);
  }
}
