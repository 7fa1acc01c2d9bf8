import { type CallerName, isCallerName, type Role, roleSchema, type ServiceName } from '@exchange/contracts';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors.js';
import type { SigningKey, TrustedKey } from './keys.js';

/** The end user an internal request acts for, as the gateway asserted it. */
export interface Actor {
  id: string;
  role: Role;
}

/** An actor with the gateway's signed assertion, which a service forwards unchanged to the next. */
export interface ActorCredential extends Actor {
  assertion: string;
}

const SERVICE_TOKEN_TYPE = 'exchange-caller+jwt';
const USER_ASSERTION_TYPE = 'exchange-user+jwt';
/** every process accepts the gateway's user assertions: they are forwarded along a request's path */
const ASSERTION_AUDIENCE = 'exchange';
const CLOCK_TOLERANCE_SECONDS = 5;
const CACHE_LIMIT = 10_000;
/** no caller may sign tokens that live longer than this, whatever its own setting */
const MAX_TOKEN_AGE_SECONDS = 300;

export interface IdentityOptions {
  /** lifetime of the tokens this process signs */
  tokenTtlSeconds?: number;
  now?: () => number;
}

interface Cached<T> {
  value: T;
  /** milliseconds since the epoch after which the entry is no longer used */
  until: number;
}

/** A map that forgets expired entries, and everything at once should it ever grow past its limit. */
class ExpiringCache<T> {
  private readonly entries = new Map<string, Cached<T>>();

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, until: number): void {
    if (this.entries.size >= CACHE_LIMIT) this.entries.clear();
    this.entries.set(key, { value, until });
  }
}

const refuse = (message: string, cause?: unknown) => new AppError('CALLER_UNAUTHENTICATED', message, undefined, cause === undefined ? undefined : { cause });

/**
 * This process's identity: it signs short-lived tokens naming itself and the callee (60 s by default,
 * reused for half their life, so signing is rare), and verifies what callers present against the
 * trust bundle (each token verified once, then remembered until it expires). The gateway alone
 * asserts end users; the others only forward its assertions.
 */
export class ServiceIdentity {
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly minted = new ExpiringCache<string>();
  private readonly assertions = new ExpiringCache<ActorCredential>();
  private readonly verifiedCallers = new ExpiringCache<CallerName>();
  private readonly verifiedActors = new ExpiringCache<ActorCredential>();

  constructor(
    private readonly signing: SigningKey,
    private readonly trust: ReadonlyMap<string, TrustedKey>,
    options: IdentityOptions = {},
  ) {
    this.ttlSeconds = options.tokenTtlSeconds ?? 60;
    this.now = options.now ?? Date.now;
    const own = trust.get(signing.kid);
    if (!own || own.name !== signing.name) {
      throw new Error(`the trust bundle does not list ${signing.name}'s own public key (kid ${signing.kid})`);
    }
  }

  get name(): CallerName {
    return this.signing.name;
  }

  /** The token to send to `callee` in `x-exchange-caller`. */
  async callerToken(callee: ServiceName): Promise<string> {
    const now = this.now();
    const cached = this.minted.get(callee, now);
    if (cached) return cached;
    const token = await this.sign({ typ: SERVICE_TOKEN_TYPE, subject: this.signing.name, audience: callee, claims: {} }, now);
    this.minted.set(callee, token, now + (this.ttlSeconds * 1000) / 2);
    return token;
  }

  /** The gateway's signed statement that `actor` is the signed-in user behind a request. */
  async assertUser(actor: Actor): Promise<ActorCredential> {
    if (this.signing.name !== 'client-gateway') throw new Error(`${this.signing.name} may not assert end users: only the gateway verifies them`);
    const now = this.now();
    const key = `${actor.id}:${actor.role}`;
    const cached = this.assertions.get(key, now);
    if (cached) return cached;
    const assertion = await this.sign({ typ: USER_ASSERTION_TYPE, subject: actor.id, audience: ASSERTION_AUDIENCE, claims: { role: actor.role } }, now);
    const credential = { id: actor.id, role: actor.role, assertion };
    this.assertions.set(key, credential, now + (this.ttlSeconds * 1000) / 2);
    return credential;
  }

  /** Who sent `token` to this process; CALLER_UNAUTHENTICATED unless it is a valid caller token for us. */
  async verifyCaller(token: string | undefined): Promise<CallerName> {
    if (!token) throw refuse('This route needs the caller’s identity');
    const now = this.now();
    const cached = this.verifiedCallers.get(token, now);
    if (cached) return cached;
    const { payload, trusted } = await this.verify(token, SERVICE_TOKEN_TYPE, this.signing.name);
    if (payload.sub !== trusted.name || payload.iss !== trusted.name || !isCallerName(trusted.name))
      throw refuse('The caller token names another caller than its key');
    this.verifiedCallers.set(token, trusted.name, expiryMs(payload.exp));
    return trusted.name;
  }

  /** The end user of a gateway assertion; CALLER_UNAUTHENTICATED unless the gateway signed it and it is current. */
  async verifyActor(assertion: string): Promise<ActorCredential> {
    const now = this.now();
    const cached = this.verifiedActors.get(assertion, now);
    if (cached) return cached;
    const { payload, trusted } = await this.verify(assertion, USER_ASSERTION_TYPE, ASSERTION_AUDIENCE);
    if (trusted.name !== 'client-gateway' || payload.iss !== 'client-gateway') throw refuse('Only the gateway asserts end users');
    const role = roleSchema.safeParse(payload.role);
    if (typeof payload.sub !== 'string' || !role.success) throw refuse('The user assertion is malformed');
    const credential = { id: payload.sub, role: role.data, assertion };
    this.verifiedActors.set(assertion, credential, expiryMs(payload.exp));
    return credential;
  }

  private async sign(token: { typ: string; subject: string; audience: string; claims: Record<string, unknown> }, nowMs: number): Promise<string> {
    const issuedAt = Math.floor(nowMs / 1000);
    return new SignJWT(token.claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.signing.kid, typ: token.typ })
      .setIssuer(this.signing.name)
      .setSubject(token.subject)
      .setAudience(token.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .sign(this.signing.key);
  }

  private async verify(token: string, typ: string, audience: string) {
    let kid: string | undefined;
    try {
      ({ kid } = decodeProtectedHeader(token));
    } catch (error) {
      throw refuse('The credential is not a token', error);
    }
    const trusted = kid ? this.trust.get(kid) : undefined;
    if (!trusted) throw refuse('The credential is signed by a key this process does not trust');
    try {
      const { payload } = await jwtVerify(token, trusted.key, {
        algorithms: ['EdDSA'],
        typ,
        audience,
        requiredClaims: ['exp', 'iat', 'iss', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.now()),
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      });
      return { payload, trusted };
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw refuse(code === 'ERR_JWT_EXPIRED' ? 'The credential has expired' : 'The credential is not valid', error);
    }
  }
}

function expiryMs(exp: number | undefined): number {
  return (exp ?? 0) * 1000;
}
