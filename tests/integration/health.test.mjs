import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';

import { Client, REPO_ROOT, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus } from '../lib/helpers.mjs';

// Sends raw bytes over TCP; resolves with the raw answer ('' when the server
// closed without answering) or {error} when the connection broke.
function rawRequest(port, data, { timeout = 5000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let answer = '';
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeout, () => finish({ timeout: true, answer }));
    sock.on('data', (c) => {
      answer += c.toString('latin1');
    });
    sock.on('end', () => finish({ answer }));
    sock.on('close', () => finish({ answer }));
    sock.on('error', (e) => finish({ error: e.code ?? e.message, answer }));
    sock.on('connect', () => sock.write(data));
  });
}

describe('health and generic HTTP behaviour', () => {
  let d;
  let anon;

  before(async () => {
    d = await startDaemon({ config: 'server:\n  max_body_kb: 1\n' });
    anon = new Client(d.url);
  });
  after(() => d?.stop());

  it('GET /api/health answers status and version', async () => {
    const res = await anon.get('/api/health');
    assertStatus(res, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(res.json, { status: 'ok', version: '0.1.0' });
  });

  it('logs "listening on http://HOST:PORT/" when ready', () => {
    assert.match(d.stderr(), new RegExp(`listening on http://127\\.0\\.0\\.1:${d.port}/`));
  });

  it('serves the OpenAPI document at /api/openapi.yaml', async () => {
    const res = await anon.get('/api/openapi.yaml');
    assertStatus(res, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/yaml/);
    const doc = YAML.parse(res.text);
    assert.equal(doc.openapi, '3.0.3');
    assert.equal(doc.info.version, '0.1.0');
    const localText = await fs.readFile(path.join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8');
    const local = YAML.parse(localText);
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(local.paths).sort(),
      'served document has the same paths as docs/openapi.yaml');
    assert.equal(res.text, localText, 'served document is docs/openapi.yaml as built (rebuild after editing it)');
  });

  it('unknown /api path → 404 JSON error', async () => {
    assertError(await anon.get('/api/does-not-exist'), 404, 'not_found');
    assertError(await anon.get('/api/cameras/x/y/z'), 404, 'not_found');
    const admin = await adminClient(d);
    assertError(await admin.get('/api/nope'), 404, 'not_found');
  });

  it('wrong method on a known path → 405 JSON error', async () => {
    assertError(await anon.request('DELETE', '/api/health'), 405, 'method_not_allowed');
  });

  it('body that is not JSON → 400 JSON error', async () => {
    const res = await anon.request('POST', '/api/auth/login', {
      raw: '{"username": "admin", "password": ',
      headers: { 'Content-Type': 'application/json' },
      csrf: false,
    });
    assertError(res, 400, 'bad_request');
    const admin = await adminClient(d);
    assertError(await admin.request('POST', '/api/cameras', { raw: 'not json at all',
      headers: { 'Content-Type': 'application/json' } }), 400, 'bad_request');
    // JSON, but not an object
    assertError(await admin.post('/api/cameras', [1, 2, 3]), 400, 'bad_request');
  });

  it('body just over server.max_body_kb → 413 JSON error', async () => {
    for (const size of [1024 + 10, 2048]) {
      const res = await anon.request('POST', '/api/auth/login', {
        raw: JSON.stringify({ username: 'admin', password: 'x'.repeat(size) }),
        headers: { 'Content-Type': 'application/json' },
      });
      assertError(res, 413, 'payload_too_large');
    }
    // Just under the limit is fine (reaches the handler: 401, not 413).
    const small = await anon.request('POST', '/api/auth/login', {
      raw: JSON.stringify({ username: 'admin', password: 'wrong-password' }) + ' '.repeat(900),
      headers: { 'Content-Type': 'application/json' },
    });
    assertError(small, 401, 'unauthorized');
    // The daemon is still healthy afterwards.
    assertStatus(await anon.get('/api/health'), 200);
  });

  it('body far over server.max_body_kb (4 KiB at 1 KiB) → 413 JSON error', async () => {
    const res = await anon.request('POST', '/api/auth/login', {
      raw: JSON.stringify({ username: 'admin', password: 'x'.repeat(4096) }),
      headers: { 'Content-Type': 'application/json' },
    });
    assertError(res, 413, 'payload_too_large');
  });

  it('chunked body over the limit (no Content-Length) → 413 JSON error', async () => {
    const body = JSON.stringify({ username: 'admin', password: 'x'.repeat(3000) });
    const r = await rawRequest(d.port,
      'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    assert.match(r.answer ?? '', /^HTTP\/1\.1 413 /, `answer: ${JSON.stringify(r).slice(0, 300)}`);
    const json = JSON.parse(r.answer.slice(r.answer.indexOf('\r\n\r\n') + 4));
    assert.equal(json.error.code, 'payload_too_large');
  });

  it('huge request header (> 16 KiB) is rejected', async () => {
    const req =
      'GET /api/health HTTP/1.1\r\n' +
      'Host: 127.0.0.1\r\n' +
      `X-Big: ${'a'.repeat(64 * 1024)}\r\n` +
      'Connection: close\r\n\r\n';
    const r = await rawRequest(d.port, req);
    assert.ok(!r.timeout, 'server neither answered nor closed the connection');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(r.answer ?? '');
    if (m) {
      const status = Number(m[1]);
      assert.ok(status >= 400 && status < 500, `huge header answered with ${status}`);
    }
    // Otherwise the connection was closed/reset without an answer: rejected too.
    // The daemon still serves normal requests.
    assertStatus(await anon.get('/api/health'), 200);
  });

  it('headers well under 16 KiB are accepted', async () => {
    const res = await anon.get('/api/health', { headers: { 'X-Filler': 'a'.repeat(10 * 1024) } });
    assertStatus(res, 200);
  });

  it('the web UI is served outside /api', async () => {
    for (const [p, type] of [['/', /text\/html/], ['/style.css', /text\/css/], ['/js/app.js', /javascript/], ['/js/api.js', /javascript/]]) {
      const res = await anon.get(p);
      assertStatus(res, 200, p);
      assert.match(res.headers.get('content-type') ?? '', type, `${p} content-type`);
    }
  });

  it('a request with normal headers works over a raw connection', async () => {
    const r = await rawRequest(d.port,
      'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(r.answer, /^HTTP\/1\.1 200/);
  });
});

describe('default body limit (256 KiB)', () => {
  let d;
  let admin;
  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('a body under 256 KiB reaches the handler; over it → 413 JSON', async () => {
    const under = await admin.post('/api/cameras', { id: 'big', name: 'x', main_url: 'demo:1', zone: 'z'.repeat(250 * 1024) });
    assert.notEqual(under.status, 413, `250 KiB body: ${under.status}`);
    assertError(under, 400, 'bad_request'); // the zone is too long, but the body was read
    const over = await admin.post('/api/cameras', { id: 'big', name: 'x', main_url: 'demo:1', zone: 'z'.repeat(300 * 1024) });
    assertError(over, 413, 'payload_too_large');
  });

  it('a 1 MiB body → 413 JSON', async () => {
    const res = await admin.post('/api/cameras', { id: 'big', name: 'x', main_url: 'demo:1', zone: 'z'.repeat(1024 * 1024) });
    assertError(res, 413, 'payload_too_large');
  });
});
