import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Readiness, Services } from '../pipeline/container.js';
import type { ModelCard } from '../pipeline/inference/load.js';
import type { Logger } from '../pipeline/logger.js';
import { type Route, route } from './contract.js';
import { authorize, requirePrincipal } from './middleware/auth.js';
import { answerNotModified } from './middleware/conditional.js';
import { errorMiddleware, HttpProblem, sendProblem } from './middleware/problem.js';
import { httpMetrics, metricsEndpoint, requestIds } from './middleware/observability.js';
import type { Metrics } from '../pipeline/metrics.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, validate } from './middleware/validate.js';
import { buildOpenApi } from './openapi.js';
import { apiReference } from './docs.js';
import { verifierPage } from './verifier-page.js';
import { flightRoutes } from './routes/flights.js';
import { ingestRoutes } from './routes/ingest.js';
import { findingRoutes } from './routes/findings.js';
import { siteRoutes } from './routes/sites.js';
import { reviewRoutes } from './routes/review.js';
import { caseRoutes } from './routes/cases.js';
import { modelRoutes } from './routes/models.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { auditRoutes } from './routes/audit.js';
import { operationsRoutes } from './routes/operations.js';
import { ingestRuleRoutes } from './routes/ingest-rules.js';
import { Problem } from './schemas/common.js';
import { ModelClassCard } from './schemas/models.js';

interface AppDependencies {
  services: Services;
  readiness: Readiness;
  model: ModelCard;
  logger: Logger;
  maxUploadBytes: number;
  /** Shared secret accepted on the bucket-notification route. */
  webhookToken?: string | undefined;
  /** Check every response against its schema (tests); off in production for speed. */
  checkResponses: boolean;
  /** Served at GET /metrics; absent, there is no such route. */
  metrics?: Metrics | undefined;
  /** Bearer token Prometheus sends; unset, /metrics answers only to this machine (loopback). */
  metricsToken?: string | undefined;
  /** PUBLIC_URL: the API document names it as the server clients and /docs send requests to. */
  publicUrl?: string | undefined;
}

const API_PREFIX = '/api/v1';
/** The built web app (npm run build:web; npm run demo and npm test build it when it is missing or stale). */
const WEB_DIST = path.resolve(import.meta.dirname, '../web/dist');
const startedAt = Date.now();

/** How long a load balancer should wait before asking a replica that was not ready again. */
const READINESS_RETRY_AFTER_SECONDS = 5;

/** The largest JSON body a route takes (a site import of many outlines); larger ones answer 413. */
const JSON_BODY_LIMIT = '2mb';

// Examples for the API document (test/contract/openapi.test.ts checks them against their schemas).
const ALIVE_EXAMPLE = { status: 'ok', uptimeSeconds: 86_412 };
const CHECKS_EXAMPLE = { database: 'ok', queue: 'ok', storage: 'ok' };
const MODEL_EXAMPLE = {
  name: 'hazard-v2',
  version: '2.0.0',
  file: 'model.onnx',
  sha256: '1795547a97ded2b8ebca704b0cc7666f72d4827daf0673b31a3c54a7cb8cb6d5',
  classes: [
    {
      name: 'fire',
      hazardCode: 'FIRE-OPEN-FLAME',
      severity: 'major',
      threshold: 0.125,
      enabledByDefault: true,
      disabledReason: null,
    },
    {
      name: 'blocked_exit',
      hazardCode: 'EGRESS-BLOCKED-EXIT',
      severity: 'major',
      threshold: 0.5,
      enabledByDefault: false,
      disabledReason: 'trained on generated images only (no licensed real training photos); 0 real test instances',
    },
  ],
};

/** The API document's version (GET /api/v1/openapi.json). */
export const API_VERSION = '0.1.0';

/**
 * Every route the API serves. Building them touches none of `deps` (only the handlers do), so the
 * API document can be made without a database or a server (scripts/gen-api-types.ts).
 */
export function apiRoutes(deps: Pick<AppDependencies, 'services' | 'readiness' | 'model'>): Route[] {
  const alive = async () => ({
    status: 200,
    body: { status: 'ok' as const, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
  });
  const Alive = z.object({ status: z.literal('ok'), uptimeSeconds: z.number() });
  const Checks = z
    .record(z.string(), z.string())
    .describe('Per dependency (database, queue, storage): "ok", or what is wrong with it');
  const systemRoutes: Route[] = [
    route(
      {
        method: 'get',
        path: '/health',
        operationId: 'getHealth',
        summary: 'Liveness: the process answers (the same as /health/live; kept for existing probes)',
        tags: ['system'],
        roles: 'public',
        responses: { 200: { description: 'Alive', schema: Alive, example: ALIVE_EXAMPLE } },
      },
      alive,
    ),
    route(
      {
        method: 'get',
        path: '/health/live',
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers; touches nothing else, so it stays fast under load',
        tags: ['system'],
        roles: 'public',
        responses: { 200: { description: 'Alive', schema: Alive, example: ALIVE_EXAMPLE } },
      },
      alive,
    ),
    route(
      {
        method: 'get',
        path: '/health/ready',
        operationId: 'getReadiness',
        summary: 'Readiness: database, Redis and S3 each answer within a second; 503 names the ones that did not',
        tags: ['system'],
        roles: 'public',
        responses: {
          200: {
            description: 'Ready',
            schema: z.object({ ready: z.literal(true), checks: Checks }),
            example: { ready: true, checks: CHECKS_EXAMPLE },
          },
          503: {
            description:
              'Not ready: problem+json whose context has `checks` and `failed` (the dependencies that did not answer)',
            schema: Problem,
            contentType: 'application/problem+json',
          },
        },
      },
      async () => {
        const checks = await deps.readiness.check();
        const failed = Object.keys(checks).filter((name) => checks[name] !== 'ok');
        if (failed.length === 0) return { status: 200, body: { ready: true, checks } };
        throw new HttpProblem(
          503,
          'Service Unavailable',
          `not ready: ${failed.map((name) => `${name} (${checks[name]})`).join(', ')}`,
          undefined,
          { 'Retry-After': String(READINESS_RETRY_AFTER_SECONDS) },
          { checks, failed },
        );
      },
    ),
    route(
      {
        method: 'get',
        path: '/ready',
        operationId: 'getReady',
        summary: 'Readiness: database, object storage and queue answer (kept for existing probes; see /health/ready)',
        tags: ['system'],
        roles: 'public',
        responses: {
          200: {
            description: 'Ready',
            schema: z.object({ ready: z.boolean(), checks: Checks }),
            example: { ready: true, checks: CHECKS_EXAMPLE },
          },
          503: {
            description: 'Not ready',
            schema: z.object({ ready: z.boolean(), checks: Checks }),
          },
        },
      },
      async () => {
        const checks = await deps.readiness.check();
        const ready = Object.values(checks).every((v) => v === 'ok');
        return { status: ready ? 200 : 503, body: { ready, checks } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/model',
        operationId: 'getModel',
        summary: 'The detection model in use: name, version, sha256, classes and thresholds',
        tags: ['system'],
        roles: ['operator', 'reviewer', 'regulator', 'admin'],
        responses: {
          200: {
            description: 'The model card',
            schema: z.object({
              name: z.string(),
              version: z.string(),
              file: z.string(),
              sha256: z.string(),
              classes: z.array(ModelClassCard),
            }),
            example: MODEL_EXAMPLE,
          },
        },
      },
      async () => ({ status: 200, body: deps.model }),
    ),
    route(
      {
        method: 'get',
        path: '/evidence/keys',
        operationId: 'listEvidenceKeys',
        summary:
          'The public keys evidence bundles are signed with, and their fingerprints (for verify-evidence --key-id)',
        tags: ['evidence'],
        roles: 'public',
        responses: {
          200: {
            description: 'Keys, oldest first',
            schema: z.object({
              keys: z.array(
                z.object({
                  keyId: z.string(),
                  publicKeyPem: z.string(),
                  createdAt: z.string(),
                  privateKeyInDatabase: z
                    .boolean()
                    .describe(
                      'True for a key made by the system itself: anyone with database access could sign with it',
                    ),
                }),
              ),
            }),
            example: {
              keys: [
                {
                  keyId: 'c1f0a3b29d4e7f61',
                  publicKeyPem:
                    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n',
                  createdAt: '2026-03-02T08:15:00.000Z',
                  privateKeyInDatabase: false,
                },
              ],
            },
          },
        },
      },
      async () => ({
        status: 200,
        body: {
          keys: (await deps.services.signingKeys.list()).map((k) => ({
            keyId: k.keyId,
            publicKeyPem: spkiPem(k.publicKey),
            createdAt: k.createdAt.toISOString(),
            privateKeyInDatabase: !k.keptOutside,
          })),
        },
      }),
    ),
    route(
      {
        method: 'get',
        path: '/me',
        operationId: 'getMe',
        summary: 'Who the token belongs to: name, role, organisation and region',
        tags: ['system'],
        roles: ['operator', 'reviewer', 'regulator', 'admin'],
        responses: {
          200: {
            description: 'The caller',
            schema: z.object({
              name: z.string(),
              role: z.string(),
              userId: z.string(),
              organisationId: z.string(),
              organisation: z.string(),
              regionCode: z.string(),
            }),
            example: {
              name: 'Li Wei',
              role: 'reviewer',
              userId: '5b0c7a52-3f0e-4c59-9d7a-2f1e8c4b6a10',
              organisationId: '0d9e2f4a-8c61-4b3e-a7f5-1c2d3e4f5a6b',
              organisation: 'Zhengzhou Emergency Management Bureau',
              regionCode: '4101',
            },
          },
        },
      },
      async ({ principal }) => ({
        status: 200,
        body: {
          name: principal.name,
          role: principal.role,
          userId: principal.userId,
          organisationId: principal.organisationId,
          organisation: principal.organisationName,
          regionCode: principal.regionCode,
        },
      }),
    ),
  ];
  return [
    ...systemRoutes,
    ...flightRoutes(deps.services),
    ...reviewRoutes(deps.services),
    ...caseRoutes(deps.services),
    ...ingestRoutes(deps.services),
    ...siteRoutes(deps.services),
    ...findingRoutes(deps.services),
    ...modelRoutes(deps.services),
    ...tokenRoutes(deps.services),
    ...userRoutes(deps.services),
    ...auditRoutes(deps.services),
    ...operationsRoutes(deps.services),
    ...ingestRuleRoutes(deps.services),
  ];
}

/** Builds the Express app from the route contracts; no listen() here (tests bind port 0). */
export function createApp(deps: AppDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Attachments and photos are served as their declared types, never sniffed into HTML.
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.set('query parser', 'simple');
  app.use(requestIds());
  if (deps.metrics) {
    app.use(httpMetrics(deps.metrics));
    app.get('/metrics', metricsEndpoint(deps.metrics, deps.metricsToken));
  }

  const routes = apiRoutes(deps);
  const openapi = buildOpenApi(routes, { version: API_VERSION, publicUrl: deps.publicUrl });

  const router = express.Router();
  const json = express.json({
    limit: JSON_BODY_LIMIT,
    strict: true,
    // Refused before parsing: JSON.parse takes any depth, and the walks after it must not have to.
    verify: (_req, _res, body) => {
      if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH))
        throw new HttpProblem(400, 'Bad Request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, [
          { location: 'body', path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels`, code: 'too_deep' },
        ]);
    },
  });
  for (const { contract, handler } of routes) {
    const bodyParser =
      contract.body === 'binary' ? express.raw({ type: () => true, limit: deps.maxUploadBytes }) : json;
    router[contract.method](
      contract.path,
      authorize(contract.roles, deps.services.tokens, contract.webhook ? deps.webhookToken : undefined),
      bodyParser,
      validate(contract),
      async (req: Request, res: Response) => {
        const v = req.validated!;
        const result = await handler({
          params: v.params,
          query: v.query,
          body: v.body,
          principal: contract.roles === 'public' ? req.principal : requirePrincipal(req),
          raw: contract.body === 'binary' ? (req.body as Buffer) : undefined,
          contentType: req.get('content-type')?.split(';')[0]?.trim().toLowerCase(),
        });
        if (result.headers) res.set(result.headers);
        if (result.binary) {
          res.status(result.status).type(result.binary.contentType).send(result.binary.data);
          return;
        }
        if (result.stream) {
          res.status(result.status).type(result.stream.contentType);
          try {
            await pipeline(Readable.from(result.stream.chunks), res);
          } catch (error) {
            // Headers are gone: all that is left is to cut the download short, so it cannot pass for whole.
            deps.logger.error(
              { err: error instanceof Error ? error.message : String(error), url: req.originalUrl },
              'streamed response failed',
            );
            res.destroy();
          }
          return;
        }
        if (
          result.body === undefined &&
          contract.responses[result.status] &&
          !contract.responses[result.status]!.schema
        ) {
          res.status(result.status).end();
          return;
        }
        if (deps.checkResponses) {
          const schema = contract.responses[result.status]?.schema;
          if (!schema)
            throw new Error(
              `${contract.method.toUpperCase()} ${contract.path} answered ${result.status}, which its contract does not declare`,
            );
          const check = schema.safeParse(result.body);
          if (!check.success)
            throw new Error(
              `${contract.method.toUpperCase()} ${contract.path} response breaks its contract: ${JSON.stringify(check.error.issues)}`,
            );
        }
        if (contract.conditional && result.status === 200 && answerNotModified(req, res, result.body)) return;
        res.status(result.status).json(result.body);
      },
    );
  }
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(API_PREFIX, router);
  // Probes usually live at the root; same handlers.
  app.get(['/health', '/health/live', '/health/ready', '/ready'], (req, res, next) => router(req, res, next));
  app.use(API_PREFIX, (req, res) =>
    sendProblem(res, req, 404, 'Not Found', `no route ${req.method} ${req.originalUrl}`),
  );

  // The interactive API reference (Scalar, served from the web build; no CDN).
  app.use(apiReference(WEB_DIST));
  // The offline evidence verifier: public, one self-contained page that makes no requests.
  app.use(verifierPage(WEB_DIST));
  // The reviewer and regulator web app: hashed assets cached for good, the page itself never.
  app.use(
    '/assets',
    express.static(path.join(WEB_DIST, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
    }),
  );
  app.get(['/', '/index.html'], async (_req, res) => {
    try {
      res
        .set('Cache-Control', 'no-cache')
        .type('html')
        .send(await readFile(path.join(WEB_DIST, 'index.html'), 'utf8'));
    } catch {
      res
        .status(503)
        .type('text/plain')
        .send('The web app is not built: run `npm run build:web` (npm run demo does it for you).\n');
    }
  });
  // Everything else answers as the API does, not with Express's HTML page.
  app.use((req, res) => sendProblem(res, req, 404, 'Not Found', `no route ${req.method} ${req.originalUrl}`));
  app.use(errorMiddleware(deps.logger));
  return app;
}

function spkiPem(base64Der: string): string {
  return `-----BEGIN PUBLIC KEY-----\n${base64Der.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
