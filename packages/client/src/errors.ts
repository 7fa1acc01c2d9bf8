import { z } from 'zod';

const fieldsSchema = z.record(z.string(), z.array(z.string()));

/**
 * A refusal or failure, as the exchange answered it: the HTTP status, the stable error code
 * (`VALIDATION_FAILED`, `INSUFFICIENT_FUNDS`, …), its message and details, the trace id to look it
 * up in Jaeger, and how long to wait before a retry when the exchange said so. Status 0 is a
 * request that never got an answer (`NETWORK_ERROR`).
 */
export class ExchangeApiError extends Error {
  override name = 'ExchangeApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly traceId: string | undefined,
    /** the `Retry-After` header, in seconds, when the exchange sent one */
    readonly retryAfter?: string,
  ) {
    super(message);
  }

  /** `details.fields` of a VALIDATION_FAILED refusal: field → messages. */
  get fields(): Record<string, string[]> {
    const parsed = fieldsSchema.safeParse(this.details?.fields);
    return parsed.success ? parsed.data : {};
  }
}
