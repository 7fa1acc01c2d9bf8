import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * What a password may not be, beyond its length (checked by the request schema): all whitespace,
 * the account's own e-mail address (or its name before the @), or one of the ~49,000 most common
 * passwords of leaked lists (zxcvbn-ts's `passwords-common`), whatever its letter case.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set((dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase()));

export type PasswordProblem = 'blank' | 'is-email' | 'common';

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  blank: 'must not be only spaces',
  'is-email': 'must not be your e-mail address',
  common: 'is one of the most common passwords; choose one that is harder to guess',
};

export function passwordProblem(password: string, email: string): PasswordProblem | undefined {
  if (password.trim() === '') return 'blank';
  const lower = password.trim().toLowerCase();
  const address = email.toLowerCase();
  if (lower === address || lower === address.split('@')[0]) return 'is-email';
  if (COMMON_PASSWORDS.has(lower)) return 'common';
  return undefined;
}
