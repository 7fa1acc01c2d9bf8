/**
 * Every process of the exchange with its standard port. The launcher, the configuration defaults and
 * the service clients all read this one table.
 */
export const SERVICE_CATALOG = [
  { name: 'client-gateway', port: 8347 },
  { name: 'user-service', port: 8975 },
  { name: 'order-manager', port: 8426 },
  { name: 'wallet-service', port: 8651 },
  { name: 'reporting-service', port: 9127 },
  { name: 'risk-manager', port: 8539 },
  { name: 'matching-engine', port: 8792 },
  { name: 'market-data', port: 8864 },
  { name: 'notification', port: 9243 },
] as const;

export type ServiceName = (typeof SERVICE_CATALOG)[number]['name'];

export const SERVICE_NAMES: readonly ServiceName[] = SERVICE_CATALOG.map((s) => s.name);

export const FRONTEND_PORT = 3000;

/** `user-service` → `USER_SERVICE` (prefix of its `_PORT` and `_URL` variables). */
export function envPrefix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

export function portVariable(name: ServiceName): string {
  return `${envPrefix(name)}_PORT`;
}

export function urlVariable(name: ServiceName): string {
  return `${envPrefix(name)}_URL`;
}

/** PostgreSQL schema that holds a service's own tables. */
export function schemaName(name: ServiceName): string {
  return name.replace(/-/g, '_');
}
