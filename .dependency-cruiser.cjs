/**
 * The dependency direction of DESIGN.md, enforced in `npm test`:
 * core ← config/signals/decision/risk/portfolio ← engine ← sim/adapters/ml ← report/api/cli/app,
 * and each vendor SDK imported from one folder only.
 */
const L1 = '(config|signals|decision|risk|portfolio)';
const vendorHome = (pkg, home) => ({
  name: `${pkg.replace(/[^a-z]/g, '-')}-home`,
  comment: `${pkg} is imported only from ${home}`,
  severity: 'error',
  from: {path: '^(src|strategies)/', pathNot: `^${home}`},
  to: {path: `node_modules/${pkg}/`},
});

module.exports = {
  forbidden: [
    {name: 'no-circular', severity: 'error', from: {path: '^src/'}, to: {circular: true}},
    {name: 'core-is-leaf', severity: 'error', from: {path: '^src/core/'}, to: {path: '^src/(?!core/)'}},
    {
      name: 'l1-imports-only-core',
      comment: 'config, signals, decision, risk and portfolio see only core (and themselves)',
      severity: 'error',
      from: {path: `^src/${L1}/`},
      to: {path: '^src/', pathNot: ['^src/core/', `^src/$1/`]},
    },
    {
      name: 'engine-sees-ports-only',
      severity: 'error',
      from: {path: '^src/engine/'},
      to: {path: '^src/(sim|adapters|ml|report|api|cli|app)/'},
    },
    {
      name: 'outer-layers-stay-out',
      comment: 'sim, adapters and ml never reach up into report, api, cli or app',
      severity: 'error',
      from: {path: '^src/(sim|adapters|ml)/'},
      to: {path: '^src/(report|api|cli|app)/'},
    },
    {
      name: 'report-is-pure',
      comment: 'report turns a ReportInput into pages: it sees only core and portfolio (and vega/vega-lite), never the store or the app',
      severity: 'error',
      from: {path: '^src/report/'},
      to: {path: '^src/', pathNot: ['^src/core/', '^src/portfolio/', '^src/report/']},
    },
    {
      name: 'strategies-use-sdk',
      comment: 'a strategy imports only the public SDK (src/sdk.ts) and zod',
      severity: 'error',
      from: {path: '^strategies/'},
      to: {path: '^src/', pathNot: '^src/sdk\\.ts$'},
    },
    vendorHome('@duckdb', 'src/adapters/duckdb/'),
    vendorHome('ccxt', 'src/adapters/binance/'),
    vendorHome('trading-signals', 'src/signals/ta/'),
    vendorHome('technicalindicators', 'src/signals/ta/'),
    vendorHome('onnxruntime-node', 'src/ml/'),
    vendorHome('koffi', 'src/ml/'),
    vendorHome('onnx-proto', 'src/ml/'),
    vendorHome('openai', 'src/adapters/openai/'),
    vendorHome('fastify', 'src/api/'),
    vendorHome('commander', 'src/cli/'),
    vendorHome('cli-progress', 'src/cli/'),
    vendorHome('pg', 'src/adapters/postgres/'),
    // BullMQ (adapters/queue) needs an ioredis client handed to it.
    vendorHome('ioredis', 'src/adapters/(redis|queue)/'),
    vendorHome('vega', 'src/report/'),
    vendorHome('vega-lite', 'src/report/'),
    vendorHome('ws', 'src/adapters/binance/'),
    vendorHome('bullmq', 'src/adapters/queue/'),
    vendorHome('@grafana/grafana-foundation-sdk', 'src/deploy/'),
    {
      name: 'optimize-below-app',
      comment: 'src/optimize is pure search and statistics: it never reaches the app, cli, report or adapters (the app wires it)',
      severity: 'error',
      from: {path: '^src/optimize/'},
      to: {path: '^src/(app|cli|report|api|adapters|sim|ml|live)/'},
    },
    vendorHome('tsx', 'src/decision/'),
    vendorHome('prom-client', 'src/adapters/metrics/'),
    vendorHome('pino', 'src/adapters/logging/'),
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js']},
  },
};
