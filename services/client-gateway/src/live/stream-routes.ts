import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, type ContractClient, Counter, Gauge, type HttpMetrics, type HttpServer, type Logger, type Redis, serveRoute } from '@exchange/platform';
import { type MARKET_DATA_API, PUBLIC_API } from '@exchange/contracts';
import type { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { LiveHub } from './live-hub.js';
import { StreamSession, type StreamLimits } from './stream-session.js';

export interface StreamRouteOptions {
  redis: Redis;
  marketData: ContractClient<typeof MARKET_DATA_API>;
  verifier: TokenVerifier;
  /** signed sign-ins (`auth` with an API key's signature) */
  apiKeys: ApiKeyVerifier;
  logger: Logger;
  registry: HttpMetrics['registry'];
  limits: StreamLimits & { heartbeatMs: number; maxMessageBytes: number };
  onClose(hook: () => Promise<unknown> | unknown): void;
}

const streamQuery = PUBLIC_API.stream.query;

/** client messages waiting to be handled on one connection (at most 4 KiB each: 1 MiB at worst) */
const MAX_MESSAGES_IN_FLIGHT = 256;

/**
 * `GET /v1/stream`: the live WebSocket (protocol in the README). Public channels (book, trades, ticker, candles) for
 * anyone; the private `user` channel for a client that authenticated (`?token=` or an `auth`
 * message). Heartbeats find dead peers; slow clients are disconnected.
 */
export async function registerStreamRoutes(app: HttpServer, options: StreamRouteOptions): Promise<void> {
  await app.register(websocket, { options: { maxPayload: options.limits.maxMessageBytes } });
  const hub = new LiveHub(options.redis, options.logger);
  options.onClose(() => hub.close());
  const connections = new Gauge({ name: 'ws_connections', help: 'Open WebSocket connections of /v1/stream', registers: [options.registry] });
  const slow = new Counter({
    name: 'ws_slow_client_disconnects_total',
    help: 'WebSocket clients disconnected for not reading fast enough',
    registers: [options.registry],
  });

  // one timer for every connection: a peer that did not answer the previous ping is gone
  const alive = new WeakMap<WebSocket, boolean>();
  const sockets = new Set<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const socket of sockets) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, options.limits.heartbeatMs);
  heartbeat.unref();
  options.onClose(() => clearInterval(heartbeat));

  serveRoute(
    app,
    PUBLIC_API.stream,
    // a plain HTTP request gets the error contract, not an empty 404
    async ({ reply }) => {
      reply.header('upgrade', 'websocket');
      throw new AppError('UPGRADE_REQUIRED', 'This is a WebSocket endpoint: connect with an Upgrade: websocket request');
    },
    { routeOptions: { wsHandler: (socket: WebSocket, request: FastifyRequest) => connect(socket, request) } },
  );

  function connect(socket: WebSocket, request: FastifyRequest): void {
    sockets.add(socket);
    connections.inc();
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    const session = new StreamSession(socket, {
      hub,
      marketData: options.marketData,
      verifier: options.verifier,
      apiKeys: options.apiKeys,
      ip: request.ip,
      logger: options.logger,
      limits: options.limits,
      onSlowClient: () => slow.inc(),
    });
    // handlers first (a message may arrive at once), then one message at a time, in order,
    // after the token of the query (if any) was checked
    const token = streamQuery.safeParse(request.query).data?.token;
    let queue = token ? session.authenticate({ token }) : Promise.resolve();
    // messages are handled in order; a client that sends faster than they are handled is cut off
    // rather than allowed to queue work in the gateway without end
    let inFlight = 0;
    socket.on('message', (raw) => {
      if (++inFlight > MAX_MESSAGES_IN_FLIGHT) {
        socket.close(1008, 'too many messages at once');
        return;
      }
      queue = queue
        .then(() => session.handle(raw))
        .catch((error) => options.logger.warn({ err: error }, 'a stream message failed'))
        .finally(() => {
          inFlight -= 1;
        });
    });
    socket.on('close', () => {
      sockets.delete(socket);
      connections.dec();
      void session.close();
    });
  }
}
