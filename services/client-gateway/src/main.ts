import './instrument.js';
import { PUBLIC_API } from '@exchange/contracts';
import { AdmissionLimit, runService, serviceUrl } from '@exchange/platform';
import { ApiKeyVerifier } from './auth/api-key-verifier.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { verifySignedRequests } from './http/authenticate.js';
import { gatewayConfig } from './config.js';
import { registerAuditRoutes } from './http/audit-routes.js';
import { registerTraceRoutes } from './http/trace-routes.js';
import { JaegerQuery } from './traces/jaeger.js';
import { registerAuthRoutes } from './http/auth-routes.js';
import { registerMarketDataRoutes } from './http/market-data-routes.js';
import { registerMarketRoutes } from './http/market-routes.js';
import { registerPlugins } from './http/plugins.js';
import { registerNotificationRoutes } from './http/notification-routes.js';
import { orderForwarder } from './http/order-forwarder.js';
import { registerOrderRoutes } from './http/order-routes.js';
import { registerReportRoutes } from './http/report-routes.js';
import { registerWalletRoutes } from './http/wallet-routes.js';
import { registerDashboardRoutes } from './http/dashboard-routes.js';
import { registerStreamRoutes } from './live/stream-routes.js';

void runService({
  name: 'client-gateway',
  config: gatewayConfig,
  http: (config) => ({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY.length > 0 ? config.TRUST_PROXY : false,
  }),
  async setup({ app, config, redis, client, api, identity, logger, metrics, onClose }) {
    const rateLimit = { max: config.RATE_LIMIT_MAX, timeWindow: config.RATE_LIMIT_WINDOW_MS };
    await registerPlugins(app, {
      corsOrigins: config.CORS_ORIGINS,
      maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
      redis,
      addressRateLimit: { max: config.RATE_LIMIT_ADDRESS_MAX, timeWindow: config.RATE_LIMIT_WINDOW_MS },
      admission: {
        limit: new AdmissionLimit({
          what: 'orders',
          targetLatencyMs: config.ORDER_ADMISSION_TARGET_MS,
          initialLimit: config.ORDER_ADMISSION_INITIAL,
          minLimit: config.ORDER_ADMISSION_MIN,
          maxLimit: config.ORDER_ADMISSION_MAX,
          registry: metrics.registry,
        }),
        routes: [PUBLIC_API.placeOrder, PUBLIC_API.placeOrderAlias],
      },
    });
    const verifier = new TokenVerifier({
      userServiceUrl: serviceUrl(config, 'user-service'),
      identity,
      users: api('user-service'),
      userCheckCacheMs: config.USER_CHECK_CACHE_MS,
    });
    const apiKeys = new ApiKeyVerifier(api('user-service'), identity);
    verifySignedRequests(app, apiKeys);
    registerAuthRoutes(app, {
      users: api('user-service'),
      verifier,
      authRateLimit: { max: config.RATE_LIMIT_AUTH_MAX, timeWindow: config.RATE_LIMIT_AUTH_WINDOW_MS },
      rateLimit,
    });
    registerWalletRoutes(app, { wallet: api('wallet-service'), users: api('user-service'), verifier, rateLimit });
    registerMarketRoutes(app, { markets: api('risk-manager'), users: api('user-service'), verifier, rateLimit });
    registerMarketDataRoutes(app, { marketData: api('market-data'), rateLimit });
    const orders = api('order-manager');
    const placements = orderForwarder(orders, {
      maxItems: config.ORDER_FORWARD_BATCH_MAX,
      maxInFlight: config.ORDER_FORWARD_IN_FLIGHT,
      maxQueued: config.ORDER_FORWARD_QUEUE_MAX,
      maxWaitMs: config.ORDER_FORWARD_MAX_WAIT_MS,
    });
    registerOrderRoutes(app, { orders, placements, verifier, rateLimit });
    registerNotificationRoutes(app, { notifications: api('notification'), verifier, rateLimit });
    registerReportRoutes(app, { reports: client('reporting-service'), verifier, rateLimit });
    registerAuditRoutes(app, { clientOf: client, verifier, rateLimit });
    registerTraceRoutes(app, { jaeger: new JaegerQuery(config.JAEGER_QUERY_URL), verifier, rateLimit });
    registerDashboardRoutes(app, {
      users: api('user-service'),
      wallet: api('wallet-service'),
      orders: api('order-manager'),
      notifications: api('notification'),
      verifier,
      rateLimit,
    });
    await registerStreamRoutes(app, {
      redis,
      marketData: api('market-data'),
      verifier,
      apiKeys,
      logger,
      registry: metrics.registry,
      limits: {
        maxSubscriptions: config.STREAM_MAX_SUBSCRIPTIONS,
        maxBufferedBytes: config.STREAM_MAX_BUFFERED_BYTES,
        heartbeatMs: config.STREAM_HEARTBEAT_MS,
        maxMessageBytes: config.STREAM_MAX_MESSAGE_BYTES,
      },
      onClose,
    });
  },
});
