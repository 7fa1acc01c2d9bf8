// The layering of the code, checked by dependency-cruiser in `npm test` and `npm run lint`.
// Each rule names the boundary it keeps; the README's "Layout" section explains the layers.

/** Modules that do I/O or serve HTTP: domain code must not reach them, not even through a barrel. */
const IO_MODULES = [
  '^node_modules/(fastify|@fastify|pg|pg-[a-z]+|ioredis|undici|node-pg-migrate|pino|prom-client|close-with-grace|@opentelemetry|ws|jose)/',
  '^(node:)?(net|http|https|http2|tls|dgram|dns|fs|fs/promises|child_process|cluster|worker_threads)$',
];

/** The folders of a service that may do I/O; domain/ sits below all of them. */
const SERVICE_IO_LAYERS = '^services/[^/]+/src/(app|store|http|events|main\\.ts|instrument\\.ts|config\\.ts)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make initialisation order fragile and layers meaningless.',
      from: { pathNot: '^node_modules' },
      to: { circular: true },
    },
    {
      name: 'domain-does-no-io',
      severity: 'error',
      comment: 'domain/ is pure logic: it reaches no HTTP, database, Redis, network, file or telemetry module, directly or through a barrel.',
      from: { path: '^services/[^/]+/src/domain/', pathNot: '\\.test\\.ts$|\\.test-support\\.ts$' },
      to: { reachable: true, path: IO_MODULES },
    },
    {
      name: 'simulator-core-does-no-io',
      severity: 'error',
      comment:
        "The market simulator's core (walk, quotes, order choices) is pure, so a seed gives the same decisions and the unit tests reach every rule; its I/O lives beside it.",
      from: { path: '^tools/src/simulator/core\\.ts$' },
      to: { reachable: true, path: [...IO_MODULES, '^packages/'] },
    },
    {
      name: 'domain-below-the-other-layers',
      severity: 'error',
      comment: 'domain/ is used by app/, store/, http/ and events/; it never imports them.',
      from: { path: '^services/[^/]+/src/domain/' },
      to: { path: SERVICE_IO_LAYERS },
    },
    {
      name: 'store-below-app',
      severity: 'error',
      comment: 'store/ holds the SQL; it knows nothing of use-cases, routes or stream handlers.',
      from: { path: '^services/[^/]+/src/store/' },
      to: { path: '^services/[^/]+/src/(app|http|events)/' },
    },
    {
      name: 'store-does-no-http',
      severity: 'error',
      comment: 'store/ speaks SQL (and Redis) only: no HTTP server or client, no calls to other services.',
      from: { path: '^services/[^/]+/src/store/' },
      to: { path: ['^node_modules/(fastify|@fastify|undici)/', '^packages/platform/src/http/', '^packages/markets/'] },
    },
    {
      name: 'http-and-events-reach-stores-through-app',
      severity: 'error',
      comment: 'Routes and stream handlers call use-cases (app/); only app/ (and main.ts, which wires them) uses a store.',
      from: { path: '^services/[^/]+/src/(http|events)/' },
      to: { path: '^services/[^/]+/src/store/' },
    },
    {
      name: 'app-below-http-and-events',
      severity: 'error',
      comment: 'app/ holds the use-cases; routes and stream handlers call them, never the other way round.',
      from: { path: '^services/[^/]+/src/app/' },
      to: { path: '^services/[^/]+/src/(http|events)/' },
    },
    {
      name: 'no-service-imports-another',
      severity: 'error',
      comment: 'Services talk over HTTP and streams with the contracts, never through each other’s code.',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/[^/]+/', pathNot: '^services/$1/' },
    },
    {
      name: 'platform-imports-no-service',
      severity: 'error',
      comment: 'The platform is what every service shares; it knows none of them.',
      from: { path: '^packages/platform/' },
      to: { path: '^(services|tools|frontend)/' },
    },
    {
      name: 'contracts-import-nothing-of-ours',
      severity: 'error',
      comment: 'The contracts are the shared language; they depend on zod alone.',
      from: { path: '^packages/contracts/' },
      to: { path: ['^packages/(?!contracts/)', '^(services|tools|frontend)/'] },
    },
    {
      name: 'frontend-imports-the-client-only',
      severity: 'error',
      comment: 'The front end is a client like any other: it uses the client SDK (and the contracts it is built on), never server code.',
      from: { path: '^frontend/' },
      to: { path: ['^packages/(?!(client|contracts)/)', '^(services|tools)/'] },
    },
    {
      name: 'client-imports-contracts-only',
      severity: 'error',
      comment: 'The client SDK is what a bot author installs: the contracts and nothing of the server.',
      from: { path: '^packages/client/' },
      to: { path: ['^packages/(?!(client|contracts)/)', '^(services|tools|frontend)/'] },
    },
    {
      name: 'markets-package-imports-no-service',
      severity: 'error',
      comment: 'packages/markets is shared by the services that follow markets; it knows none of them.',
      from: { path: '^packages/markets/' },
      to: { path: '^(services|tools|frontend)/' },
    },
    {
      name: 'services-do-not-import-tools',
      severity: 'error',
      comment: 'tools/ (launcher, benchmarks) drives the services from outside; production code never needs it.',
      from: { path: '^(services|packages)/[^/]+/src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^tools/' },
    },
    {
      name: 'production-code-does-not-import-test-helpers',
      severity: 'error',
      comment: 'Test helpers (the platform’s testing entry, *.test-support.ts) stay out of what runs in production.',
      from: { path: '^(services|packages)/[^/]+/src/', pathNot: '(\\.test\\.ts|\\.test-support\\.ts|/testing/.*)$' },
      to: { path: '(^packages/platform/src/testing/|\\.test-support\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: '^node_modules' },
    // nested node_modules of a workspace are third-party code; the root's stay in the graph, so that
    // a domain file reaching fastify through a barrel is still seen
    exclude: { path: '(^|/)(dist|coverage|test-artifacts)/|^tools/test/fixtures/|^(tools|frontend|services/[^/]+|packages/[^/]+)/node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
