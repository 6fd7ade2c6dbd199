import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../../pipeline/metrics.js';
import { runWithRequestId } from '../../pipeline/request-context.js';
import { sendProblem } from './problem.js';

/** A caller's own id is kept when it is a plain token (a proxy's or a client's), else one is made. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id: the X-Request-Id it came with (from a proxy) or a new one, sent back
 * in the same header, in every log line written while serving it and in problem answers.
 */
export function requestIds() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-request-id');
    const requestId = given && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', requestId);
    runWithRequestId(requestId, next);
  };
}

/**
 * Request durations by route template (never the raw URL: ids would make a series per photo).
 * Requests no route matched are counted under "unmatched".
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      const route =
        typeof template === 'string' ? `${req.baseUrl}${template}` : req.path === '/metrics' ? '/metrics' : 'unmatched';
      metrics.httpDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}

/**
 * Prometheus's scrape. With a token configured it must come as a bearer token; without one only
 * this machine may scrape (a sidecar or local agent), so no counts leak to the network by default.
 */
export function metricsEndpoint(metrics: Metrics, token: string | undefined) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      if (token) {
        const given = Buffer.from((req.get('authorization') ?? '').replace(/^Bearer\s+/i, ''));
        const expected = Buffer.from(token);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res.set('WWW-Authenticate', 'Bearer realm="metrics"');
          sendProblem(res, req, 401, 'Unauthorized', 'send the metrics token as a bearer token (METRICS_TOKEN)');
          return;
        }
      } else if (!isLoopback(req.socket.remoteAddress)) {
        sendProblem(res, req, 403, 'Forbidden', 'metrics answer only to this machine unless METRICS_TOKEN is set');
        return;
      }
      const { contentType, body } = await metrics.text();
      res.type(contentType).send(body);
    } catch (error) {
      next(error);
    }
  };
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
