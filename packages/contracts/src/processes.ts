/**
 * Every backend process of the exchange with its standard port. The launcher, the configuration
 * defaults, the service clients and the internal access table all read this one list.
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

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}
