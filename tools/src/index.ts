export * from './launcher/checks.js';
export * from './launcher/dev-key.js';
export * from './launcher/managed-process.js';
export * from './launcher/system.js';
export { JAEGER_COMMAND } from './launcher/start-command.js';
export * from './launcher/seed-demo.js';
export * from './launcher/frontend.js';
export * from './launcher/private-system.js';
export * from './launcher/service-process.js';
