/**
 * Kubernetes manifests for the primary site (deploy/k8s/) and the DR site (k8s/dr/, the runbook's
 * `kubectl --context=dr-cluster apply -f k8s/dr/`), generated from one description so the sites
 * differ only where they must. `npm run deploy:generate` writes them; test/deploy/k8s.test.ts
 * validates them against the Kubernetes schemas and checks the committed files are current.
 * PostgreSQL and Redis are the site's own (managed or in-cluster); their URLs come from the Secret.
 */
export type Site = 'primary' | 'dr';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {readonly name: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string>};
  readonly [key: string]: unknown;
}

/** Created per cluster from .env, never applied from a file: `kubectl create secret generic iftb-secrets --from-env-file=.env`. */
export const SECRET_NAME = 'iftb-secrets';
const API_PORT = 8000;

/** Secret keys the bot reads; the optional ones may be absent (paper trading, no alerts). */
export const SECRET_KEYS: readonly (readonly [string, boolean])[] = [
  ['IFTB_DATABASE_URL', false],
  ['IFTB_REDIS_URL', false],
  ['IFTB_ADMIN_TOKEN', false],
  ['KILL_SWITCH_ADMIN_KEY', true],
  ['BINANCE_API_KEY', true],
  ['BINANCE_API_SECRET', true],
  ['IFTB_BINANCE_REST_URL', true],
  ['IFTB_BINANCE_WS_URL', true],
  ['TELEGRAM_BOT_TOKEN', true],
  ['TELEGRAM_CHAT_ID', true],
  ['SLACK_WEBHOOK_URL', true],
  ['OPENAI_API_KEY', true],
  ['IFTB_LLM_BASE_URL', true],
  ['IFTB_LLM_MODEL', true],
];

/** File name → object, for one site. `liveConfig` is deploy/config/live.json; `image` the image reference. */
export function k8sManifests(site: Site, liveConfig: string, image: string): Record<string, K8sObject> {
  const labels = {'app.kubernetes.io/name': 'iftb', 'app.kubernetes.io/part-of': 'iftb', 'iftb/site': site};
  const selector = {'app.kubernetes.io/name': 'iftb'};
  const health = {httpGet: {path: '/health', port: 'http'}, timeoutSeconds: 5};
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'iftb-config', labels},
    data: {
      IFTB_SITE: site,
      IFTB_MODELS_DIR: '/app/models',
      IFTB_DB: '/app/data/iftb.duckdb',
      // Extra `iftb live` flags: "--live --confirm-live BTC/USDT:USDT" for real orders.
      IFTB_LIVE_FLAGS: '',
      'live.json': liveConfig,
    },
  };
  const pvc = (name: string, size: string, what: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {name, labels, annotations: {'iftb/holds': what}},
    spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: size}}},
  });
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'iftb', labels},
    spec: {
      // One bot per exchange account, ever: Recreate stops the old pod before the new one starts
      // (the Redis bot lock is the second guard). `kubectl rollout undo deployment/iftb` rolls back.
      replicas: 1,
      strategy: {type: 'Recreate'},
      revisionHistoryLimit: 10,
      selector: {matchLabels: selector},
      template: {
        metadata: {labels},
        spec: {
          // SIGTERM stops the bot within 9 s.
          terminationGracePeriodSeconds: 15,
          securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000},
          initContainers: [{
            // A new models volume starts with the registry shipped in the image.
            name: 'seed-models',
            image,
            command: ['sh', '-c', 'if [ -z "$(ls -A /seed)" ]; then cp -a /app/models/. /seed/; fi'],
            volumeMounts: [{name: 'models', mountPath: '/seed'}],
            resources: {requests: {cpu: '50m', memory: '64Mi'}, limits: {memory: '128Mi'}},
          }],
          containers: [{
            name: 'iftb',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', `exec iftb live --config /app/config/live.json --api-port ${API_PORT} --api-host 0.0.0.0 --quiet $IFTB_LIVE_FLAGS`],
            ports: [{name: 'http', containerPort: API_PORT, protocol: 'TCP'}],
            envFrom: [{configMapRef: {name: 'iftb-config'}}],
            env: SECRET_KEYS.map(([key, optional]) => ({name: key, valueFrom: {secretKeyRef: {name: SECRET_NAME, key, optional}}})),
            // Startup may backfill candles and reconcile with the exchange: up to 5 minutes.
            startupProbe: {...health, periodSeconds: 10, failureThreshold: 30},
            readinessProbe: {...health, periodSeconds: 10, failureThreshold: 3},
            // Restart only after 5 minutes unhealthy (stale data, lost streams), not on a blip.
            livenessProbe: {...health, periodSeconds: 30, failureThreshold: 10},
            resources: {requests: {cpu: '250m', memory: '512Mi'}, limits: {cpu: '2', memory: '1536Mi'}},
            securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: {drop: ['ALL']}},
            volumeMounts: [
              {name: 'models', mountPath: '/app/models'},
              {name: 'data', mountPath: '/app/data'},
              {name: 'config', mountPath: '/app/config', readOnly: true},
            ],
          }],
          volumes: [
            {name: 'models', persistentVolumeClaim: {claimName: 'iftb-models'}},
            {name: 'data', persistentVolumeClaim: {claimName: 'iftb-data'}},
            {name: 'config', configMap: {name: 'iftb-config', items: [{key: 'live.json', path: 'live.json'}]}},
          ],
        },
      },
    },
  };
  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'iftb',
      labels,
      annotations: {'prometheus.io/scrape': 'true', 'prometheus.io/port': String(API_PORT), 'prometheus.io/path': '/metrics'},
    },
    spec: {type: 'ClusterIP', selector, ports: [{name: 'http', port: API_PORT, targetPort: 'http', protocol: 'TCP'}]},
  };
  return {
    'configmap.yaml': configMap,
    'pvc-models.yaml': pvc('iftb-models', '1Gi', 'model registry (/app/models)'),
    'pvc-data.yaml': pvc('iftb-data', '20Gi', 'DuckDB research store (/app/data/iftb.duckdb)'),
    'deployment.yaml': deployment,
    'service.yaml': service,
  };
}
