/**
 * `npm run reports:rebuild`: truncates the reporting-service's read models and derives them again
 * from its raw event log (`report_events`) in PostgreSQL. Reads DATABASE_URL like the service.
 */
import { join } from 'node:path';
import { baseConfigSchema, createLogger, createPostgresPool, loadConfig, runMigrations, schemaName } from '@exchange/platform';
import { rebuildReports } from './app/rebuild-reports.js';

async function main(): Promise<void> {
  const config = loadConfig(baseConfigSchema);
  const logger = createLogger('reporting-service', config.LOG_LEVEL);
  const schema = schemaName('reporting-service');
  await runMigrations({ url: config.DATABASE_URL, schema, dir: join(__dirname, '..', 'migrations'), logger });
  const db = createPostgresPool({ url: config.DATABASE_URL, schema, max: 1, applicationName: 'reporting-service-rebuild' });
  try {
    const started = Date.now();
    const { events } = await rebuildReports(db);
    logger.info({ events, ms: Date.now() - started }, 'reports rebuilt from the raw event log');
    process.stdout.write(`reports rebuilt from ${events} events\n`);
  } finally {
    await db.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`reports:rebuild failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
