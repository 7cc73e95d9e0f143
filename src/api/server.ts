/**
 * The operations API of a running bot (the runbook's endpoints), over the Ops port. Fastify lives
 * only in this folder. Every mutating endpoint needs `Authorization: Bearer $IFTB_ADMIN_TOKEN`;
 * read endpoints under /api are open on localhost (a loopback bind, or a request from a loopback
 * address when bound elsewhere) and need the token from anywhere else; /health, /metrics and
 * /docs are always open (container probes, Prometheus).
 * Bodies are JSON; curl's `-d '{…}'` without a Content-Type header (form-urlencoded) is read as
 * JSON too, as the runbook's commands send it. Responses use the runbook's snake_case.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {type FastifyInstance, type FastifyReply, type FastifyRequest} from 'fastify';
import {ErrorCode, IftbError, isIftbError, type Ops, type OpsCommandResult} from '../core/index.js';
import {type FailureLimit, FailureLimiter, TokenCheck} from './auth.js';
import {BodyError, bodySchema, DeactivateBody, ForceDeactivateBody, KillSwitchBody, ReasonBody, zodValidator} from './schemas.js';

export interface MetricsProvider {
  (): Promise<{readonly contentType: string; readonly body: string}>;
}

export interface OpsServerOptions {
  readonly ops: Ops;
  /** IFTB_ADMIN_TOKEN; refused unless at least MIN_TOKEN_LENGTH characters. */
  readonly token: string | undefined;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8000; 0 picks a free port. */
  readonly port?: number;
  /** GET /metrics (Prometheus text); 404 without one. */
  readonly metrics?: MetricsProvider;
  readonly authFailures?: FailureLimit;
  readonly log?: (line: string) => void;
}

export interface OpsServer {
  /** http://host:port once listening. */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Builds the server (not listening): tests may use app.inject. Throws IftbError(CONFIG_INVALID) on a missing or short token. */
export async function buildOpsServer(options: OpsServerOptions): Promise<FastifyInstance> {
  const tokens = new TokenCheck(options.token ?? '');
  const limiter = new FailureLimiter(options.authFailures);
  const host = options.host ?? '127.0.0.1';
  const readsOpen = isLoopback(host);
  const ops = options.ops;
  const app = Fastify({logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true});

  app.setValidatorCompiler(({schema}) => zodValidator(schema));
  // The runbook's curl lines send JSON without a Content-Type (form-urlencoded): read it as JSON.
  app.removeContentTypeParser(['application/json']);
  for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
    app.addContentTypeParser(type, {parseAs: 'string'}, (_req, body, done) => {
      const text = (body as string).trim();
      if (text === '') return done(null, undefined);
      if (text.startsWith('{') || type === 'application/json') {
        try {
          return done(null, JSON.parse(text));
        } catch {
          return done(new BodyError('body', 'body: not valid JSON'), undefined);
        }
      }
      return done(null, Object.fromEntries(new URLSearchParams(text)));
    });
  }

  app.setErrorHandler((error: unknown, _req, reply) => {
    if (error instanceof BodyError || (error as {validation?: unknown}).validation !== undefined) {
      const field = error instanceof BodyError ? error.field : 'body';
      return reply.code(400).send({error: 'invalid_request', field, message: (error as Error).message});
    }
    const status = (error as {statusCode?: number}).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return reply.code(status).send({error: 'invalid_request', message: (error as Error).message});
    if (isIftbError(error)) return reply.code(statusOf(error.code)).send({error: error.code, message: error.message});
    options.log?.(`api: ${(error as Error).stack ?? String(error)}`);
    return reply.code(500).send({error: 'internal', message: (error as Error).message});
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`}));

  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    const client = req.ip;
    const wait = limiter.blocked(client);
    if (wait !== null) return reply.code(429).header('retry-after', String(wait)).send({error: 'too_many_requests'});
    if (tokens.accepts(req.headers.authorization)) return;
    limiter.fail(client);
    return reply.code(401).header('www-authenticate', 'Bearer').send({error: 'unauthorized'});
  };
  // Reads are open to a client on this machine (a loopback bind, or a request from a loopback address); others need the token.
  const readGuard = readsOpen ? [] : [async (req: FastifyRequest, reply: FastifyReply) => (isLoopback(req.ip) ? undefined : guard(req, reply))];
  const by = (req: FastifyRequest) => `api:${req.ip}`;
  const security = [{bearer: []}];

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {title: 'IFTB operations API', version: '1', description: 'The runbook\'s endpoints of a running bot. Mutations need `Authorization: Bearer $IFTB_ADMIN_TOKEN`.'},
      components: {securitySchemes: {bearer: {type: 'http', scheme: 'bearer'}}},
    },
  });
  await app.register(swaggerUi, {routePrefix: '/docs'});

  app.get('/health', {schema: {tags: ['probe'], summary: '200 when bars are fresh and the venue answers, else 503'}}, async (_req, reply) => {
    const h = await ops.health();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return reply.code(h.ok ? 200 : 503).send(snake({status: h.ok ? 'ok' : 'unhealthy', lastBarTime: iso(h.lastBarMs), lastCloseTime: iso(h.lastCloseMs), ...h}));
  });
  app.get('/metrics', {schema: {tags: ['probe'], summary: 'Prometheus text format'}}, async (_req, reply) => {
    if (options.metrics === undefined) return reply.code(404).send({error: 'not_found', message: 'metrics are not enabled in this process'});
    const m = await options.metrics();
    return reply.header('content-type', m.contentType).send(m.body);
  });

  const read = {tags: ['read'], ...(readsOpen ? {} : {security})};
  app.get('/api/status', {schema: {...read, summary: 'session, trading state, last bar, equity, models'}, preHandler: readGuard}, async () => snake(ops.status()));
  app.get('/api/kill-switch', {schema: {...read, summary: 'kill switch status'}, preHandler: readGuard}, async () => snake(ops.killSwitch()));
  app.get('/api/circuit-breaker/status', {schema: {...read, summary: 'breaker state, tripped rule, figures against thresholds'}, preHandler: readGuard}, async () => snake(ops.breaker()));
  app.get('/api/positions', {schema: {...read, summary: 'open positions'}, preHandler: readGuard}, async () => snake(ops.positions()));

  const write = (summary: string, body: Parameters<typeof bodySchema>[0]) => ({schema: {tags: ['operate'], summary, security, body: bodySchema(body)}, preHandler: [guard]});

  app.post('/api/kill-switch', write('engage the latched kill switch (flatten once, halt); returns the confirmation code', KillSwitchBody), async (req, reply) => {
    const body = req.body as KillSwitchBody;
    const r = await ops.activateKillSwitch(body.reason, by(req));
    if (!r.applied) return reply.code(409).send(snake({error: 'conflict', ...r}));
    return reply.send(snake({...r, killSwitch: ops.killSwitch()}));
  });
  app.post('/api/kill-switch/deactivate', write('release the kill switch with its confirmation code', DeactivateBody), async (req, reply) => {
    const body = req.body as DeactivateBody;
    return answer(reply, await ops.deactivateKillSwitch(body.confirmation_code, by(req)), {killSwitch: ops.killSwitch()});
  });
  app.post('/api/kill-switch/force-deactivate', write('release the kill switch with KILL_SWITCH_ADMIN_KEY (긴급 우회)', ForceDeactivateBody), async (req, reply) => {
    const body = req.body as ForceDeactivateBody;
    return answer(reply, await ops.forceDeactivateKillSwitch(body.admin_key, by(req)), {killSwitch: ops.killSwitch()});
  });
  app.post('/api/circuit-breaker/reset', write('manual reset, only from OPEN or HALF_OPEN', ReasonBody), async (req, reply) => {
    return answer(reply, await ops.resetBreaker(by(req), (req.body as ReasonBody).reason), {breaker: ops.breaker()});
  });
  app.post('/api/positions/close-all', write('close every open position at the next step', ReasonBody), async (req, reply) => {
    return answer(reply, await ops.closeAll((req.body as ReasonBody).reason ?? 'operator close-all', by(req)), {positions: ops.positions().positions});
  });
  app.post('/api/trading/pause', write('no new entries (exits and stops still run)', ReasonBody), async (req, reply) => {
    return answer(reply, await ops.pause(by(req), (req.body as ReasonBody).reason), {tradingState: ops.status().tradingState});
  });
  app.post('/api/trading/resume', write('resume entries (also acknowledges a venue or replay mismatch)', ReasonBody), async (req, reply) => {
    return answer(reply, await ops.resume(by(req), (req.body as ReasonBody).reason), {tradingState: ops.status().tradingState});
  });
  app.post('/api/ml/reload-model', write('re-resolve the pinned models, verify, load, swap between bars', ReasonBody), async (req, reply) => {
    const r = await ops.reloadModel(by(req), (req.body as ReasonBody).reason);
    return answer(reply, r, {models: r.models}, 422);
  });
  return app;
}

/** Builds and listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const app = await buildOpsServer(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({host, port: options.port ?? 8000});
  } catch (error) {
    await app.close();
    throw new IftbError(ErrorCode.CONFIG_INVALID, `operations API cannot listen on ${host}:${options.port ?? 8000}: ${(error as Error).message}`, {cause: error});
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port ?? 8000;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {url: `http://${shown}:${port}`, app, close: () => app.close()};
}

/**
 * A command's HTTP answer: 200 when applied or a harmless no-op ('already paused', 'nothing to
 * close', 'unchanged'); 403 for a wrong code or key; 409 when the state refuses it; 422 when a model reload is refused.
 */
function answer(reply: FastifyReply, r: OpsCommandResult, extra: Record<string, unknown>, refusedStatus = 409) {
  const o = r.outcome;
  const status = r.applied || /^(already paused|not paused|nothing to close|unchanged)/.test(o) ? 200 : /wrong (confirmation code|admin key)/.test(o) ? 403 : refusedStatus;
  const error = status === 403 ? 'forbidden' : status === 422 ? 'refused' : 'conflict';
  return reply.code(status).send(snake(status === 200 ? {...r, ...extra} : {error, ...r, ...extra}));
}

function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.INPUT_INVALID:
      return 400;
    case ErrorCode.KILL_SWITCH:
      return 409;
    case ErrorCode.STORE_FAILED:
    case ErrorCode.VENUE_TEMPORARY:
      return 503;
    default:
      return 500;
  }
}

/** camelCase keys → snake_case, recursively (data-valued keys such as 'replay-mismatch' stay as they are). */
export function snake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snake);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = snake(v);
  return out;
}
