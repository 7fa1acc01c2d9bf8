import { envInt, GATEWAY_DATABASE_POOL_SIZE } from '@exchange/platform';
import { z } from 'zod';

const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const gatewayConfig = {
  DATABASE_POOL_SIZE: envInt(GATEWAY_DATABASE_POOL_SIZE, 1),
  /** the trace backend's query API (Jaeger), which /v1/traces reads; unset: those routes answer 503 */
  JAEGER_QUERY_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** origins allowed by CORS, comma-separated; default the front end's */
  CORS_ORIGINS: commaList.default(['http://localhost:3000', 'http://127.0.0.1:3000']),
  /** login and registration attempts per IP per window */
  RATE_LIMIT_AUTH_MAX: envInt(10, 1),
  RATE_LIMIT_AUTH_WINDOW_MS: envInt(60_000, 1000),
  /** requests per client address per window on every /v1 route, before authentication */
  RATE_LIMIT_ADDRESS_MAX: envInt(3000, 1),
  /** requests per user (or per IP when anonymous) per window on every other route */
  RATE_LIMIT_MAX: envInt(1200, 1),
  RATE_LIMIT_WINDOW_MS: envInt(60_000, 1000),
  /**
   * Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); empty trusts none,
   * so clients cannot pick their own rate-limit key.
   */
  TRUST_PROXY: commaList.default([]),
  /** how long the user-service's answer that an account exists is trusted, before a token of it is accepted again */
  USER_CHECK_CACHE_MS: envInt(30_000, 0),
  /** largest request body in bytes */
  BODY_LIMIT_BYTES: envInt(64 * 1024, 1024),
  /** /v1/stream: channels per connection, unsent bytes before a slow client is dropped, ping interval, largest client message */
  STREAM_MAX_SUBSCRIPTIONS: envInt(50, 1),
  STREAM_MAX_BUFFERED_BYTES: envInt(1024 * 1024, 1024),
  STREAM_HEARTBEAT_MS: envInt(15_000, 100),
  STREAM_MAX_MESSAGE_BYTES: envInt(4096, 256),
  /**
   * Load shedding: while the event loop lags more than this (ms), every request is refused at once
   * with 503 and Retry-After instead of waiting in line; 0 turns it off
   */
  MAX_EVENT_LOOP_DELAY_MS: envInt(1000, 0),
  /**
   * Admission of order placements: at most this many in flight at once, the limit adapting between
   * the floor and the ceiling to keep each placement's time in the gateway within the target (ms);
   * past it a placement is refused at once (503 with Retry-After)
   */
  ORDER_ADMISSION_TARGET_MS: envInt(200, 1),
  ORDER_ADMISSION_INITIAL: envInt(64, 1),
  ORDER_ADMISSION_MIN: envInt(64, 1),
  ORDER_ADMISSION_MAX: envInt(1024, 1),
  /** orders sent to the order-manager in one call at most, calls at once, and orders waiting at most (past it: 503) */
  ORDER_FORWARD_BATCH_MAX: envInt(200, 1),
  ORDER_FORWARD_IN_FLIGHT: envInt(4, 1),
  ORDER_FORWARD_QUEUE_MAX: envInt(2000, 1),
  /** ms the oldest waiting order may have waited before new ones are refused (503) until the line moves */
  ORDER_FORWARD_MAX_WAIT_MS: envInt(250, 1),
};
