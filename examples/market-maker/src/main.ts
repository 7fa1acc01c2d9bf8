import { readFileSync } from 'node:fs';
import { runMarketMaker } from './bot.js';

/**
 * `EXCHANGE_URL=http://127.0.0.1:8347 API_KEY_ID=… API_KEY_SECRET=… SYMBOL=AAPL npm start -w examples/market-maker`
 * (or API_KEY_PRIVATE_KEY_FILE=bot.pem for an Ed25519 key). Ctrl-C cancels its quotes and stops.
 */
const env = process.env;
const need = (name: string): string => {
  const value = env[name];
  if (!value) {
    process.stderr.write(`${name} is required (see the comment at the top of main.ts)\n`);
    process.exit(2);
  }
  return value;
};
const keyId = need('API_KEY_ID');
const credentials = env.API_KEY_PRIVATE_KEY_FILE
  ? { keyId, privateKeyPem: readFileSync(env.API_KEY_PRIVATE_KEY_FILE, 'utf8') }
  : { keyId, secret: need('API_KEY_SECRET') };
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
runMarketMaker({
  baseUrl: env.EXCHANGE_URL ?? 'http://127.0.0.1:8347',
  credentials,
  symbol: env.SYMBOL ?? 'AAPL',
  signal: stop.signal,
  log: (line) => process.stdout.write(`${line}\n`),
}).then(
  (result) => process.stdout.write(`stopped: ${result.placed} quotes placed, ${result.canceled} canceled over ${result.rounds} rounds\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
