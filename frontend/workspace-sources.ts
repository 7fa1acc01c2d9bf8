import { fileURLToPath } from 'node:url';

/**
 * The workspace packages the app uses, bundled from their TypeScript sources (their built output is
 * CommonJS for Node); type checking reads their declarations as any other package's.
 */
export const workspaceSources = {
  '@exchange/client': fileURLToPath(new URL('../packages/client/src/index.ts', import.meta.url)),
  '@exchange/contracts': fileURLToPath(new URL('../packages/contracts/src/index.ts', import.meta.url)),
};
