import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemBody } from './middleware/problem.js';

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers over the limit, a
 * malformed request line, a request that took too long to arrive). Node would answer these with a
 * bare status line; here they get a problem+json body like every other error. As in Node's own
 * handler: 431 for oversized headers, 413 for oversized chunk extensions, 408 for a timeout, else 400.
 */
const STATUS_OF: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const DETAIL_OF: Record<number, string> = {
  431: 'the request headers are larger than this server accepts (16 KiB in all); send fewer or shorter headers',
  413: 'the chunk extensions of the request body are larger than this server accepts',
  408: 'the request did not arrive in time',
  400: 'the request could not be parsed as HTTP',
};

export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    // The client is gone, or a response has already started on this socket: nothing can be said.
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status = STATUS_OF[error.code ?? ''] ?? 400;
    const title = STATUS_CODES[status] ?? 'Bad Request';
    // No request was parsed, so there is no instance to name.
    const body = JSON.stringify(problemBody(status, title, DETAIL_OF[status] ?? DETAIL_OF[400]!, undefined));
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
