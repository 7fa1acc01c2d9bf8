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
    // empty: no Jaeger UI to link to, the app's own trace pages show the traces
    jaegerUrl: (given.jaegerUrl ?? '').replace(/\/+$/, ''),
  };
}

/** A trace in Jaeger's own UI when there is one, else on the app's trace page. */
export const traceUrl = (traceId: string) => (config().jaegerUrl ? `${config().jaegerUrl}/trace/${traceId}` : `/traces/${traceId}`);

/** ws(s)://host/v1/stream from the gateway's http(s) URL. */
export const streamUrl = () => `${config().gatewayUrl.replace(/^http/, 'ws')}/v1/stream`;
