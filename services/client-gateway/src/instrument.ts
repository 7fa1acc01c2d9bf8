// Loaded before anything else so OpenTelemetry can patch http, undici, pg and ioredis.
import { startTelemetry } from '@exchange/platform/telemetry';

startTelemetry('client-gateway', { ignoreIncomingTraceContext: true });
