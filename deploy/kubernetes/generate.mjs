#!/usr/bin/env node
// Writes deploy/kubernetes/<service>.yaml (a Deployment and a Service per process) from one template,
// so the nine files stay alike. Edit the table or the template here, then run:
//
//   node deploy/kubernetes/generate.mjs
//
// The generated files are committed as plain YAML; namespace.yaml, configmap.yaml,
// secret.example.yaml and kustomization.yaml are written by hand.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const image = 'exchange-backend:0.1.0'; // registry and tag can be rewritten in kustomization.yaml (images:)

const small = { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '384Mi' } };

/** A consumer name per replica: the pod's own name (pending entries of a replica that is gone are taken over). */
function podName(variable) {
  return [variable, { fieldRef: 'metadata.name' }, "this replica's name in its stream consumer groups: the pod's"];
}

/** Every process, with its standard port (same table as packages/platform/src/services.ts). */
const services = [
  {
    name: 'client-gateway',
    port: 8347,
    replicas: 2,
    resources: small,
    serviceNote: 'The public API: expose this Service through your Ingress (or Gateway API) or as a LoadBalancer.',
    // its /metrics listens apart from the public API
    metricsPort: 9347,
    env: [
      ['METRICS_PORT', { value: '9347' }, '/metrics on its own port, never on the public one'],
      ['CORS_ORIGINS', { value: 'https://exchange.example.com' }, 'origins of the front end, comma-separated (CHANGE ME)'],
      [
        'TRUST_PROXY',
        { value: '' },
        'proxies whose X-Forwarded-For is believed, comma-separated addresses or CIDRs (CHANGE ME to the\n' +
          "ingress / load balancer's): while empty, every client behind a proxy shares one rate-limit key",
      ],
    ],
  },
  {
    name: 'user-service',
    port: 8975,
    replicas: 2,
    // argon2id hashing is memory-hard: leave room for a few concurrent logins
    resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    env: [
      ['JWT_PRIVATE_KEY_FILE', { value: '/run/secrets/exchange/jwt.key' }, 'Ed25519 key of the users’ access tokens, the same for every replica'],
      [
        'API_KEY_ENCRYPTION_KEY_FILE',
        { value: '/run/secrets/exchange/api-key-encryption.key' },
        'encrypts API keys’ HMAC secrets at rest, the same for every replica',
      ],
    ],
  },
  { name: 'order-manager', port: 8426, replicas: 2, resources: small, env: [podName('ORDER_MANAGER_CONSUMER_NAME')] },
  { name: 'wallet-service', port: 8651, replicas: 2, resources: small },
  { name: 'reporting-service', port: 9127, replicas: 2, resources: small, env: [podName('REPORTING_CONSUMER_NAME')] },
  { name: 'risk-manager', port: 8539, replicas: 2, resources: small },
  {
    name: 'matching-engine',
    port: 8792,
    replicas: 1,
    strategy: 'Recreate',
    replicasNote:
      'One replica: each engine owns the order books of its symbols in memory. Scaling out will mean\n' +
      'partitioning by symbol (one Deployment per partition, configured per engine: future work),\n' +
      'not raising this number. Recreate, so that a rollout never runs two engines on the same books.',
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  },
  {
    name: 'market-data',
    port: 8864,
    replicas: 1,
    strategy: 'Recreate',
    replicasNote:
      'One replica: the depth updates of a book are computed from the states this process holds, and a\n' +
      "client's snapshot and updates must come from one such chain of states. Two publishers could\n" +
      'chain differently and a client could not tell. Recreate, so that a rollout never runs two.',
    resources: small,
    env: [podName('MARKET_DATA_CONSUMER_NAME')],
  },
  { name: 'notification', port: 9243, replicas: 2, resources: small, env: [podName('NOTIFICATION_CONSUMER_NAME')] },
];

// When the platform is built, check this table against its catalog so that the two cannot drift.
const catalogFile = join(here, '..', '..', 'packages', 'platform', 'dist', 'services.js');
if (existsSync(catalogFile)) {
  const { SERVICE_CATALOG } = await import(pathToFileURL(catalogFile).href);
  const describe = (list) =>
    [...list]
      .map((s) => `${s.name}:${s.port}`)
      .sort()
      .join(' ');
  const expected = describe(SERVICE_CATALOG);
  const actual = describe(services);
  if (expected !== actual) {
    console.error(`generate.mjs: the table differs from SERVICE_CATALOG\n  catalog: ${expected}\n  here:    ${actual}`);
    process.exit(1);
  }
}

/** Where every process reads its identity and its stores' credentials: the files of its own Secret. */
const IDENTITY_ENV = [
  ['SERVICE_PRIVATE_KEY_FILE', { value: '/run/secrets/exchange/service.key' }, "this process's own Ed25519 key (its Secret, see README)"],
  ['SERVICE_TRUST_BUNDLE_FILE', { value: '/run/trust/trust-bundle.json' }, 'every caller’s public key (the exchange-trust ConfigMap)'],
  ['DATABASE_URL_FILE', { value: '/run/secrets/exchange/database-url' }, 'PostgreSQL as this service’s own role'],
  ['REDIS_URL_FILE', { value: '/run/secrets/exchange/redis-url' }, 'Redis as this service’s own ACL user'],
];

const indent = (text, spaces) =>
  text
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : line))
    .join('\n');

const quote = (value) => JSON.stringify(value);

function envBlock(env) {
  if (!env?.length) return '';
  const items = env.map(([name, source, comment]) => {
    const lines = [...comment.split('\n').map((line) => `# ${line}`), `- name: ${name}`];
    if ('value' in source) lines.push(`  value: ${quote(source.value)}`);
    else if ('fieldRef' in source) lines.push('  valueFrom:', '    fieldRef:', `      fieldPath: ${source.fieldRef}`);
    else lines.push('  valueFrom:', '    secretKeyRef:', `      name: ${source.secretKeyRef.name}`, `      key: ${source.secretKeyRef.key}`);
    return lines.join('\n');
  });
  return `\n          env:\n${indent(items.join('\n'), 12)}`;
}

function resourcesBlock({ requests, limits }) {
  return [
    'resources:',
    '  requests:',
    `    cpu: ${requests.cpu}`,
    `    memory: ${requests.memory}`,
    '  limits:',
    `    cpu: ${quote(limits.cpu)}`,
    `    memory: ${limits.memory}`,
  ].join('\n');
}

function render(s) {
  const labels = `app.kubernetes.io/name: ${s.name}\napp.kubernetes.io/part-of: exchange`;
  const replicasComment = s.replicasNote ? `${indent(s.replicasNote.replace(/^/gm, '# '), 2)}\n` : '';
  const strategy =
    s.strategy === 'Recreate'
      ? '  strategy:\n    type: Recreate\n'
      : '  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 1\n';
  return `# Generated by deploy/kubernetes/generate.mjs: edit the template there and run it again.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${s.name}
  namespace: exchange
  labels:
${indent(labels, 4)}
spec:
${replicasComment}  replicas: ${s.replicas}
  revisionHistoryLimit: 5
${strategy}  selector:
    matchLabels:
${indent(labels, 6)}
  template:
    metadata:
      labels:
${indent(labels, 8)}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "${s.metricsPort ?? s.port}"
        prometheus.io/path: /metrics
    spec:
      # Otherwise Kubernetes injects Docker-link variables for every Service in the namespace, among
      # them USER_SERVICE_PORT=tcp://…, which would clash with the exchange's own <SERVICE>_PORT.
      enableServiceLinks: false
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000 # "node" in the image
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: ${s.name}
          image: ${image}
          imagePullPolicy: IfNotPresent
          args: ["services/${s.name}/dist/main.js"]
          ports:
            - name: http
              containerPort: ${s.port}${s.metricsPort ? `\n            - name: metrics\n              containerPort: ${s.metricsPort}` : ''}
          envFrom:
            - configMapRef:
                name: exchange-config${envBlock([...IDENTITY_ENV, ...(s.env ?? [])])}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe: # PostgreSQL and Redis reachable
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          lifecycle:
            preStop:
              # keep serving while the endpoint is removed from the Service, then SIGTERM drains
              exec:
                command: ["sleep", "5"]
${indent(resourcesBlock(s.resources), 10)}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            # this process's own secrets only: its key, its PostgreSQL and Redis URLs (and the
            # user-service's token key); the trust bundle holds public keys only
            - name: secrets
              mountPath: /run/secrets/exchange
              readOnly: true
            - name: trust
              mountPath: /run/trust
              readOnly: true
      volumes:
        - name: tmp
          emptyDir: {}
        - name: secrets
          secret:
            secretName: ${s.name}-secrets
            defaultMode: 0400
        - name: trust
          configMap:
            name: exchange-trust
---
${s.serviceNote ? `# ${s.serviceNote}\n` : ''}apiVersion: v1
kind: Service
metadata:
  name: ${s.name}
  namespace: exchange
  labels:
${indent(labels, 4)}
spec:
  type: ClusterIP
  selector:
${indent(labels, 4)}
  ports:
    - name: http
      port: ${s.port}
      targetPort: http
`;
}

for (const s of services) {
  const file = join(here, `${s.name}.yaml`);
  writeFileSync(file, render(s));
  console.log(`wrote ${file}`);
}
