export interface ExchangeConfig {
  gatewayUrl: string;
  jaegerUrl: string;
}

declare global {
  interface Window {
    EXCHANGE_CONFIG?: Partial<ExchangeConfig>;
  }
}

/** The runtime configuration from /config.js (loaded by index.html before the bundle). */
export function config(): ExchangeConfig {
  const given = (typeof window !== 'undefined' && window.EXCHANGE_CONFIG) || {};
  return {
    gatewayUrl: (given.gatewayUrl ?? 'http://127.0.0.1:8347').replace(/\/+$/, ''),
    jaegerUrl: (given.jaegerUrl ?? 'http://localhost:16686').replace(/\/+$/, ''),
  };
}

export const traceUrl = (traceId: string) => `${config().jaegerUrl}/trace/${traceId}`;

/** ws(s)://host/v1/stream from the gateway's http(s) URL. */
export const streamUrl = () => `${config().gatewayUrl.replace(/^http/, 'ws')}/v1/stream`;
