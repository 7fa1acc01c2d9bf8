import { describe, expect, it } from 'vitest';
import { loginRequestSchema, registerRequestSchema } from './auth.js';
import { ERROR_STATUS, isErrorCode } from './errors.js';

describe('auth schemas', () => {
  it('normalizes e-mails (trimmed, lower case) so uniqueness ignores case', () => {
    expect(registerRequestSchema.parse({ email: '  Ada@Example.COM ', password: 'correct-horse' }).email).toBe('ada@example.com');
    expect(loginRequestSchema.parse({ email: 'ADA@example.com', password: 'x' }).email).toBe('ada@example.com');
  });

  it('refuses unknown fields, short passwords and bad e-mails', () => {
    expect(registerRequestSchema.safeParse({ email: 'a@b.co', password: 'correct-horse', role: 'admin' }).success).toBe(false);
    expect(registerRequestSchema.safeParse({ email: 'a@b.co', password: 'seven77' }).success).toBe(false);
    expect(registerRequestSchema.safeParse({ email: 'a@b', password: 'correct-horse' }).success).toBe(false);
  });
});

describe('error codes', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(isErrorCode(code)).toBe(true);
      expect(status >= 400 && status < 600, code).toBe(true);
    }
    expect(isErrorCode('toString')).toBe(false);
  });
});
