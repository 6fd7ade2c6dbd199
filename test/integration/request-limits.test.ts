import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

/** Sends bytes as they are (no client fixes them up) and returns the raw answer. */
function rawRequest(url: string, text: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head, body });
    });
  });
}

describe('requests the API refuses before any route runs', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, type: `https://hazardscope.dev/problems/${status}` });
  };

  it('when a JSON body nests 2,000 levels, then 400 problem+json says it is too deep, and the API still answers', async () => {
    for (const body of ['['.repeat(2000) + ']'.repeat(2000), '{"a":'.repeat(2000) + '1' + '}'.repeat(2000)]) {
      const res = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body });
      expectProblem(res, 400);
      expect(res.body.issues).toEqual([expect.objectContaining({ location: 'body', code: 'too_deep' })]);
    }
    expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
  });

  it('when brackets sit inside strings, then they do not count as nesting', async () => {
    const res = await t.request('POST', '/api/v1/flights', {
      token: t.tokens.operator,
      body: { name: '['.repeat(60) + '{"\\"'.repeat(20) },
    });
    expect(res.status).toBe(201);
  });

  it('when a JSON body is over 2 MB, then 413 problem+json', async () => {
    const res = await t.request('POST', '/api/v1/flights', {
      token: t.tokens.operator,
      body: { name: 'x', notes: 'n'.repeat(3 * 1024 * 1024) },
    });
    expectProblem(res, 413);
  });

  it('when the request headers are over 16 KiB, then 431 problem+json, not a bare status line', async () => {
    const res = await rawRequest(
      t.url,
      `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, title: 'Request Header Fields Too Large' });
  });

  it('when the request line is not HTTP, then 400 problem+json', async () => {
    const res = await rawRequest(t.url, 'HELLO THERE\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('when a path outside the API or the web app is asked for, then 404 problem+json rather than an HTML page', async () => {
    expectProblem(await t.request('GET', '/no/such/page', { token: null }), 404);
    const asset = await t.request('GET', '/assets/no-such-file.js', { token: null });
    expectProblem(asset, 404);
    expect(asset.body.title).toBe('Not Found');
  });
});
