/** The API keys page's logic, apart from React: the form's checks, the request it sends, a key's status. */
import { API_KEY_MAX_ALLOWED_IPS, allowedIpSchema, type ExchangeClient } from '@exchange/client';
import { ApiError } from './api';

export type ApiKey = Awaited<ReturnType<ExchangeClient['apiKeys']>>['items'][number];
export type CreateApiKeyBody = Parameters<ExchangeClient['createApiKey']>[0]['body'];
export type ApiKeyScope = CreateApiKeyBody['scopes'][number];

/** The form's fields (what field errors are shown beside), and `form` for the rest. */
export type DraftField = 'label' | 'scopes' | 'allowedIps' | 'expiresAt' | 'publicKey';
export type DraftErrors = Partial<Record<DraftField | 'form', string>>;

export interface ApiKeyDraft {
  label: string;
  scopes: { read: boolean; trade: boolean };
  /** IP addresses or CIDR ranges, separated by commas, spaces or new lines */
  allowedIps: string;
  /** `yyyy-mm-dd` from a date input; empty: no expiry */
  expiresOn: string;
  /** register an Ed25519 public key instead of getting an HMAC secret */
  ownKey: boolean;
  publicKey: string;
}

export const emptyDraft = (): ApiKeyDraft => ({
  label: '',
  scopes: { read: true, trade: false },
  allowedIps: '',
  expiresOn: '',
  ownKey: false,
  publicKey: '',
});

/** The same limits as the exchange's (it checks again, and its word is final). */
export const LABEL_MAX = 64;
export const MAX_ALLOWED_IPS = API_KEY_MAX_ALLOWED_IPS;

/** The entries of an allow-list as typed: split on commas and white space, blanks and repeats dropped. */
export function parseAllowedIps(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** The contract's own check of an allow-list entry (the exchange parses it for real). */
export function looksLikeIpOrRange(entry: string): boolean {
  return allowedIpSchema.safeParse(entry).success;
}

/** The end of the chosen day in the browser's time zone, as the exchange takes it (ISO, UTC). */
export function expiryFromDate(date: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999);
  return Number.isNaN(end.getTime()) ? null : end.toISOString();
}

/**
 * The request the form makes, or what is wrong with it, field by field. Only what can be told
 * without asking: the exchange checks everything again.
 */
export function buildCreateRequest(
  draft: ApiKeyDraft,
  now: number = Date.now(),
): { body: CreateApiKeyBody; errors?: undefined } | { body?: undefined; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const label = draft.label.trim();
  if (!label) errors.label = 'Give the key a name, such as “market maker bot”.';
  else if (label.length > LABEL_MAX) errors.label = `At most ${LABEL_MAX} characters.`;

  const scopes: ApiKeyScope[] = [];
  if (draft.scopes.read) scopes.push('read');
  if (draft.scopes.trade) scopes.push('trade');
  if (scopes.length === 0) errors.scopes = 'Choose at least one permission.';

  const allowedIps = parseAllowedIps(draft.allowedIps);
  const wrong = allowedIps.filter((entry) => !looksLikeIpOrRange(entry));
  if (wrong.length > 0) errors.allowedIps = `Not an IP address or CIDR range: ${wrong.join(', ')}`;
  else if (allowedIps.length > MAX_ALLOWED_IPS) errors.allowedIps = `At most ${MAX_ALLOWED_IPS} entries.`;

  let expiresAt: string | undefined;
  if (draft.expiresOn) {
    const expiry = expiryFromDate(draft.expiresOn);
    if (!expiry) errors.expiresAt = 'Enter a date such as 2027-12-31.';
    else if (Date.parse(expiry) <= now) errors.expiresAt = 'The expiry must be today or later.';
    else expiresAt = expiry;
  }

  let publicKey: string | undefined;
  if (draft.ownKey) {
    publicKey = `${draft.publicKey.trim().replace(/\r\n/g, '\n')}\n`;
    if (!draft.publicKey.trim()) errors.publicKey = 'Paste your Ed25519 public key, or untick “use my own Ed25519 public key”.';
    else if (!publicKey.startsWith('-----BEGIN PUBLIC KEY-----') || !publicKey.trimEnd().endsWith('-----END PUBLIC KEY-----'))
      errors.publicKey = 'Paste the whole public key in PEM form, from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----.';
  }

  if (Object.keys(errors).length > 0) return { errors };
  return {
    body: {
      label,
      scopes,
      allowedIps,
      ...(expiresAt ? { expiresAt } : {}),
      ...(publicKey ? { publicKey } : {}),
    },
  };
}

const FIELDS: readonly DraftField[] = ['label', 'scopes', 'allowedIps', 'expiresAt', 'publicKey'];

/**
 * A refusal's field errors beside the form's fields: `allowedIps.2` is the third entry of the
 * allow-list (named, so the user sees which), a field the form does not have goes to `form`.
 */
export function serverFieldErrors(error: unknown, sentIps: readonly string[] = []): DraftErrors {
  if (!(error instanceof ApiError)) return {};
  const errors: DraftErrors = {};
  const add = (field: DraftField | 'form', message: string) => {
    errors[field] = errors[field] ? `${errors[field]}; ${message}` : message;
  };
  for (const [path, messages] of Object.entries(error.fields)) {
    const [head = '', index] = path.split('.');
    const field = (FIELDS as readonly string[]).includes(head) ? (head as DraftField) : 'form';
    const entry = field === 'allowedIps' && index !== undefined ? sentIps[Number(index)] : undefined;
    for (const message of messages) add(field, entry ? `${entry}: ${message}` : field === 'form' ? `${path}: ${message}` : message);
  }
  return errors;
}

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

export function apiKeyStatus(key: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: number = Date.now()): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  return 'active';
}
