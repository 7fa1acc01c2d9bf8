import type { ApiKeys } from './api-keys.js';
import type { LoginAttempts } from '../store/login-attempts.js';
import type { UsersStore } from '../store/users-store.js';
import type { TokenIssuer } from './token-issuer.js';

/** What the user-service's use-cases need. */
export interface UserDeps {
  users: UsersStore;
  tokens: TokenIssuer;
  /** per-account login throttling */
  attempts: LoginAttempts;
  apiKeys: ApiKeys;
}
