import { z } from 'zod';

export const ROLES = ['user', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const PASSWORD_MIN_LENGTH = 8;
/** argon2 cost grows with input; a cap keeps one request from burning a core. */
export const PASSWORD_MAX_LENGTH = 256;
export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 100;

export const emailSchema = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH)
  .pipe(z.email({ message: 'must be a valid e-mail address' }))
  .transform((email) => email.toLowerCase());

export const registerRequestSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  name: z.string().trim().min(1).max(NAME_MAX_LENGTH).optional(),
});
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const loginRequestSchema = z.strictObject({
  email: emailSchema,
  // No minimum here: a short password is simply wrong, and saying so would leak the policy check order.
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    role: roleSchema,
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const userEnvelopeSchema = z.object({ user: userSchema });
export type UserEnvelope = z.infer<typeof userEnvelopeSchema>;

export const loginResponseSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires' }),
  user: userSchema,
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

/** Claims of the access token the user-service issues and the gateway verifies. */
export const accessTokenClaimsSchema = z.object({
  sub: z.uuid(),
  email: z.string(),
  role: roleSchema,
  /** a token without an expiry is never accepted */
  exp: z.number().int().positive(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

export const JWT_ISSUER = 'exchange/user-service';
export const JWT_AUDIENCE = 'exchange';
