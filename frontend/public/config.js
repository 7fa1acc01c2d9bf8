// Default runtime configuration for `vite dev`; the launcher serves its own /config.js.
window.EXCHANGE_CONFIG = { gatewayUrl: 'http://127.0.0.1:8347', jaegerUrl: '' };
