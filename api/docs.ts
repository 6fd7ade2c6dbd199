import path from 'node:path';
import express from 'express';

/** Where the web build (web/vite.config.ts) puts Scalar's standalone bundle. */
const BUNDLE = 'docs/scalar-api-reference.js';

/**
 * Scalar's settings for a page that must work without the internet (an enforcement bureau's
 * network often has none): no web fonts from Scalar's font host, no telemetry, no AI agent, and
 * requests from "Test request" go straight to this API rather than through Scalar's proxy.
 */
const SCALAR_CONFIGURATION = {
  url: '/api/v1/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: 'never',
  hideClientButton: false,
  defaultOpenAllTags: false,
  persistAuth: false,
  authentication: { preferredSecurityScheme: 'bearer' },
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>HazardScope API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="/${BUNDLE}"></script>
    <script>
      Scalar.createApiReference('#app', ${JSON.stringify(SCALAR_CONFIGURATION)});
    </script>
  </body>
</html>
`;

/**
 * GET /docs: the interactive API reference for the document at /api/v1/openapi.json, public like
 * the document itself. Served from the web build; before `npm run build:web` it says so (503).
 */
export function apiReference(webDist: string): express.Router {
  const router = express.Router();
  router.get('/docs', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(PAGE);
  });
  // no-cache with sendFile's ETag: a browser asks again and gets a 304 until the bundle changes.
  router.get(`/${BUNDLE}`, (_req, res, next) => {
    res.sendFile(path.join(webDist, BUNDLE), { headers: { 'Cache-Control': 'no-cache' } }, (error) => {
      if (!error) return;
      if (res.headersSent) {
        next(error);
        return;
      }
      res
        .status(503)
        .type('text/plain')
        .send('The API reference is not built: run `npm run build:web` (npm run demo does it for you).\n');
    });
  });
  return router;
}
