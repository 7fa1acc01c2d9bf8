#!/usr/bin/env node
import { resolve } from 'node:path';
import { ConfigError } from '@exchange/platform';
import { auditCommand } from './launcher/audit-command.js';
import { backendsCommand } from './launcher/backends-command.js';
import { StartupError } from './launcher/checks.js';
import { engineBench } from './bench/engine-bench.js';
import { engineServiceBench } from './bench/engine-service-bench.js';
import { printProfiles } from './bench/profile-summary.js';
import { runBench } from './bench/run-bench.js';
import { provisionCommand } from './launcher/provision-command.js';
import { secretsCommand } from './launcher/secrets-command.js';
import { startCommand } from './launcher/start-command.js';
import { simulateCommand } from './simulator/command.js';

const ROOT_DIR = resolve(__dirname, '..', '..');

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'start':
      return startCommand(ROOT_DIR);
    case 'secrets':
      secretsCommand(process.argv[3], process.argv[4], process.argv[5]);
      process.exit(0);
      break;
    case 'provision':
      await provisionCommand();
      process.exit(0);
      break;
    case 'bench':
      await runBench(ROOT_DIR, process.argv[3]);
      process.exit(0);
      break;
    case 'audit':
      process.exit(await auditCommand(ROOT_DIR));
      break;
    case 'simulate':
      await simulateCommand(process.argv.slice(3));
      process.exit(0);
      break;
    case 'backends':
      await backendsCommand(ROOT_DIR, (line) => process.stdout.write(`${line}\n`));
      process.exit(0);
      break;
    case 'profile':
      printProfiles(resolve(process.argv[3] ?? '.'), (line) => process.stdout.write(`${line}\n`));
      process.exit(0);
      break;
    case 'bench:engine': {
      const print = (line: string) => process.stdout.write(`${line}\n`);
      await engineBench(print, process.argv[3] ? Number(process.argv[3]) : undefined);
      print('');
      await engineServiceBench(ROOT_DIR, print);
      process.exit(0);
      break;
    }
    default:
      process.stderr.write('usage: exchange start|simulate|audit|backends|secrets|provision|bench|bench:engine|profile <dir>\n');
      process.exit(2);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  const what =
    process.argv[2] === 'audit'
      ? 'The audit could not run'
      : process.argv[2] === 'backends'
        ? 'Jaeger and Prometheus are not ready'
        : process.argv[2] === 'simulate'
          ? 'The simulator stopped'
          : 'The exchange could not start';
  if (error instanceof StartupError || error instanceof ConfigError) {
    process.stderr.write(`\n${what}:\n${error.message}\n`);
  } else {
    process.stderr.write(`\n${what}: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
