import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus } from '../lib/helpers.mjs';

// The MSE route over a WebSocket, as the live wall uses it: handshake, the
// MIME message, fMP4 in binary messages, close codes, the Origin check, and a
// client that goes away (its stream must be released).

function upgrade(d, path, { cookie, origin, key = crypto.randomBytes(16).toString('base64') } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key,
    };
    if (cookie) headers.Cookie = cookie;
    if (origin) headers.Origin = origin;
    const req = http.request(`${d.url}${path}`, { headers });
    req.on('upgrade', (res, socket, head) => resolve({ status: 101, res, socket, head, key }));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Reads server frames (unmasked) until `want` frames or a close frame came.
function readFrames(socket, head, want, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    let buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
    const frames = [];
    const timer = setTimeout(() => done(new Error(`only ${frames.length} frames in ${timeoutMs} ms`)), timeoutMs);
    function done(err) {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      if (err) reject(err);
      else resolve(frames);
    }
    function parse() {
      for (;;) {
        if (buf.length < 2) return;
        const op = buf[0] & 0x0f;
        assert.equal(buf[0] & 0x80, 0x80, 'final frames only');
        assert.equal(buf[1] & 0x80, 0, 'server frames are not masked');
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) return;
        frames.push({ op, data: buf.subarray(off, off + len) });
        buf = buf.subarray(off + len);
        if (op === 8 || frames.length >= want) { done(); return; }
      }
    }
    function onData(chunk) { buf = Buffer.concat([buf, chunk]); try { parse(); } catch (e) { done(e); } }
    socket.on('data', onData);
    parse();
  });
}

describe('MSE over a WebSocket', () => {
  let d;
  let admin;
  let cookie;

  before(async () => {
    d = await startDaemon({ args: ['--demo', '2'], config: 'streams:\n  idle_timeout_s: 1\n' });
    admin = await adminClient(d);
    cookie = admin.cookieHeader();
  });
  after(() => d?.stop());

  it('answers 101 with the RFC 6455 accept, then the MIME type, then fMP4', async () => {
    const up = await upgrade(d, '/api/streams/demo-1.sub/mse', { cookie, origin: d.url });
    assert.equal(up.status, 101);
    const want = crypto.createHash('sha1').update(`${up.key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.equal(up.res.headers['sec-websocket-accept'], want);
    const frames = await readFrames(up.socket, up.head, 6);
    assert.equal(frames[0].op, 1, 'first a text message');
    assert.match(frames[0].data.toString(), /^video\/mp4; codecs="avc1\./);
    assert.equal(frames[1].op, 2, 'then binary messages');
    assert.equal(frames[1].data.subarray(4, 8).toString(), 'ftyp', 'starting with the init segment');
    up.socket.destroy();
  });

  it('a client that goes away releases its stream', async () => {
    const up = await upgrade(d, '/api/streams/demo-2/mse', { cookie });
    assert.equal(up.status, 101);
    await readFrames(up.socket, up.head, 3);
    const during = await admin.get('/api/cameras/demo-2');
    assert.equal(during.json.status.consumers, 1);
    up.socket.destroy();
    const deadline = Date.now() + 10000;
    let state;
    do {
      await new Promise((r) => setTimeout(r, 200));
      state = (await admin.get('/api/cameras/demo-2')).json.status;
    } while ((state.consumers !== 0 || state.state !== 'idle') && Date.now() < deadline);
    assert.equal(state.consumers, 0);
    assert.equal(state.state, 'idle', 'stopped after the idle timeout');
  });

  it('a stream the camera does not have closes with 4404 after the handshake', async () => {
    // The route checks the camera first: an unknown camera is a plain 404 ...
    const none = await upgrade(d, '/api/streams/no-such-cam/mse', { cookie });
    assert.equal(none.status, 404);
    // ... a known camera without a sub stream gets the handshake, then close 4404.
    assertStatus(await admin.post('/api/cameras', { id: 'no-sub', main_url: 'demo:1' }), 201);
    const up = await upgrade(d, '/api/streams/no-sub.sub/mse', { cookie });
    assert.equal(up.status, 101);
    const frames = await readFrames(up.socket, up.head, 1);
    assert.equal(frames[0].op, 8, 'a close frame');
    assert.equal(frames[0].data.readUInt16BE(0), 4404);
    assert.match(frames[0].data.subarray(2).toString(), /no such stream/);
    up.socket.destroy();
  });

  it('refuses a page of another origin, a bad key and anonymous callers', async () => {
    const foreign = await upgrade(d, '/api/streams/demo-1/mse', { cookie, origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    assert.match(foreign.text, /another origin/);
    const badKey = await upgrade(d, '/api/streams/demo-1/mse', { cookie, key: 'not-a-key' });
    assert.equal(badKey.status, 400);
    const anon = await upgrade(d, '/api/streams/demo-1/mse', {});
    assert.equal(anon.status, 401);
    assertStatus(await admin.get('/api/health'), 200);
  });
});
