import type { Redis } from '@exchange/platform';

/**
 * Per-account login throttling, in Redis so that every user-service instance counts together.
 * Each attempt is counted before the password is checked (parallel guesses cannot slip through
 * together); after `freeAttempts` failures in a row, each further attempt must wait
 * `baseDelayMs × 2^(failures − freeAttempts)`, at most `maxDelayMs`, after the last one. A
 * success forgets the account's failures; they also expire a day after the last attempt.
 */
const TAKE_ATTEMPT = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local now = tonumber(ARGV[1])
local free = tonumber(ARGV[2])
if count >= free then
  local delay = math.min(tonumber(ARGV[3]) * 2 ^ (count - free), tonumber(ARGV[4]))
  if now < last + delay then return math.ceil(last + delay - now) end
end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
return 0
`;

const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export interface LoginThrottleOptions {
  freeAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export class LoginAttempts {
  constructor(
    private readonly redis: Redis,
    private readonly options: LoginThrottleOptions,
  ) {}

  /** Counts an attempt at `email`'s account; answers how many ms it must wait instead (0: go ahead). */
  async take(email: string, now = Date.now()): Promise<number> {
    const wait = await this.redis.eval(
      TAKE_ATTEMPT,
      1,
      key(email),
      now,
      this.options.freeAttempts,
      this.options.baseDelayMs,
      this.options.maxDelayMs,
      FORGET_AFTER_MS,
    );
    return Number(wait);
  }

  /** A successful login: the account's failures are forgotten. */
  async succeeded(email: string): Promise<void> {
    await this.redis.del(key(email));
  }
}

const key = (email: string) => `login-attempts:${email.toLowerCase()}`;
