import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * Answers a GET of a contract marked `conditional` with 304 when the caller's If-None-Match names
 * the ETag of the answer it would get. Express's own check (`req.fresh`) is no use to a poller: it
 * never answers 304 to a request saying `Cache-Control: no-cache`, and browsers and Node's fetch add
 * exactly that to any request whose If-None-Match the caller set itself. RFC 9110 (13.2.1) has the
 * origin evaluate the precondition regardless. Returns whether it answered.
 */
export function answerNotModified(req: Request, res: Response, body: unknown): boolean {
  const json = JSON.stringify(body);
  const etag = `W/"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
  res.set('ETag', etag);
  const asked = req.get('if-none-match');
  if (!asked) return false;
  // Weak comparison (RFC 9110 8.8.3.2): W/ prefixes do not matter.
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const matches = asked.trim() === '*' || asked.split(',').some((tag) => opaque(tag) === opaque(etag));
  if (matches) res.status(304).end();
  return matches;
}
