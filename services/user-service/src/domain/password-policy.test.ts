import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password-policy.js';

describe('the password policy', () => {
  it('refuses the most common passwords of leaked lists, in any letter case', () => {
    for (const password of ['password1', 'Password1', 'qwertyuiop', '12345678', 'iloveyou1', 'PASSWORD123']) {
      expect(passwordProblem(password, 'ada@example.com'), password).toBe('common');
    }
  });

  it('refuses the e-mail address or its local part, and whitespace only', () => {
    expect(passwordProblem('ada.lovelace@example.com', 'ada.lovelace@example.com')).toBe('is-email');
    expect(passwordProblem('ADA.LOVELACE', 'ada.lovelace@example.com')).toBe('is-email');
    expect(passwordProblem('          ', 'ada@example.com')).toBe('blank');
    expect(passwordProblem('\t \n  \t  ', 'ada@example.com')).toBe('blank');
  });

  it('accepts a password nobody else chose', () => {
    for (const password of ['correct-horse-battery', 'a-long-passphrase-9', 'Tr0ub4dor&3x!', 'exchange-admin']) {
      expect(passwordProblem(password, 'ada@example.com'), password).toBeUndefined();
    }
  });
});
