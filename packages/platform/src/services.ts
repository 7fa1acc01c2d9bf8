import type { ServiceName } from '@exchange/contracts';

export { isServiceName, SERVICE_CATALOG, SERVICE_NAMES, type ServiceName } from '@exchange/contracts';

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
