/**
 * GET /verify and GET /verify/download: the offline evidence verifier, one self-contained HTML file
 * (web/verify, built into web/dist/verify.html with the web app). Public and static: it holds no
 * data, and checks a bundle the reader chooses inside their browser. Its Content-Security-Policy
 * comes from the page's own meta tag (script and style allowed by hash, default-src 'none', so no
 * connect-src and no request of any kind), sent as a header too so the server's copy and a saved
 * copy are held to the same policy; the header adds what a meta tag cannot say (frame-ancestors).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { sendProblem } from './middleware/problem.js';

const DOWNLOAD_NAME = 'hazardscope-verify-evidence.html';
const META_CSP = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/;

export function verifierPage(webDist: string): express.Router {
  const file = path.join(webDist, 'verify.html');
  const router = express.Router();
  const serve = (download: boolean) => async (req: Request, res: Response) => {
    let html: string;
    try {
      // Read each time, as the web app's index is: a rebuild needs no restart.
      html = await readFile(file, 'utf8');
    } catch {
      sendProblem(
        res,
        req,
        503,
        'Service Unavailable',
        'the offline verifier page is not built: run `npm run build:web` (npm run demo and npm test do it for you)',
      );
      return;
    }
    const csp = META_CSP.exec(html)?.[1];
    if (!csp) {
      // Never serve the page without its policy: the promise that it sends nothing rests on it.
      sendProblem(res, req, 500, 'Internal Server Error', 'the offline verifier page has no Content-Security-Policy');
      return;
    }
    res
      .set({
        'Content-Security-Policy': `${csp}; frame-ancestors 'none'`,
        'Cache-Control': 'no-cache',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
      })
      .type('html');
    if (download) res.attachment(DOWNLOAD_NAME);
    res.send(html);
  };
  router.get('/verify', serve(false));
  router.get('/verify/download', serve(true));
  return router;
}
