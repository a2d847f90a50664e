// The RTSP client against the camera simulator: Basic as well as Digest
// credentials (with characters that need escaping in the URL), keepalives
// within the session timeout the camera asks for, and a TEARDOWN when the
// stream stops. A small TCP relay between Vigil and the simulator records the
// requests and announces a shorter session timeout than the simulator's 60 s, so the
// keepalive shows within seconds; everything else is the simulator's own answer.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient, createCamera, sleep } from '../lib/helpers.mjs';
import { openMse, startCamsim, stopDaemonCleanly, waitBytes, waitStatus, withTimeout } from '../lib/camsim.mjs';

const CONFIG = 'streams:\n  idle_timeout_s: 1\n  stall_timeout_s: 3\n  io_timeout_s: 3\n';
const FIRST_FRAME_MS = 15000;
const SESSION_TIMEOUT_S = 2;

/** A relay to camsim that records request lines and rewrites Session timeouts. */
async function startRelay(upstreamPort) {
  const relay = { requests: [], sockets: new Set() };
  relay.server = net.createServer((client) => {
    const up = net.connect(upstreamPort, '127.0.0.1');
    relay.sockets.add(client);
    relay.sockets.add(up);
    let playing = false; // after PLAY, answers share the stream with binary RTP
    let pending = '';
    client.on('data', (buf) => {
      // The client sends only text requests (no RTCP over TCP from Vigil).
      pending += buf.toString('latin1');
      let end;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const [line, ...headers] = head.split('\r\n');
        relay.requests.push({ method: line.split(' ')[0], line, headers, at: Date.now() });
      }
      up.write(buf);
    });
    up.on('data', (buf) => {
      if (playing) {
        client.write(buf);
        return;
      }
      const text = buf.toString('latin1');
      if (relay.requests.some((r) => r.method === 'PLAY')) playing = true;
      client.write(Buffer.from(text.replace(/^(Session: [^;\r\n]+)(;timeout=\d+)?/gmi, `$1;timeout=${SESSION_TIMEOUT_S}`), 'latin1'));
    });
    const close = () => { client.destroy(); up.destroy(); };
    client.on('close', close);
    up.on('close', close);
    client.on('error', close);
    up.on('error', close);
  });
  await new Promise((r) => relay.server.listen(0, '127.0.0.1', r));
  relay.port = relay.server.address().port;
  relay.close = () => {
    for (const s of relay.sockets) s.destroy();
    relay.server.close();
  };
  return relay;
}

describe('RTSP client', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon({ config: CONFIG });
    admin = await adminClient(d);
  });

  after(async () => {
    if (d) await stopDaemonCleanly(d);
  });

  it('authenticates with Basic, and a wrong Basic password is unauthorized', async (t) => {
    const sim = await startCamsim({ user: 'basicuser', pass: 'basic-pass', basic: true });
    t.after(() => sim.stop());
    await createCamera(admin, { id: 'basic-ok', name: 'Basic', main_url: sim.url('/h264-sub'), username: 'basicuser', password: 'basic-pass' });
    await createCamera(admin, { id: 'basic-bad', name: 'Basic bad', main_url: sim.url('/h264-sub'), username: 'basicuser', password: 'nope' });
    const good = openMse(d, admin, 'basic-ok');
    const bad = openMse(d, admin, 'basic-bad');
    t.after(() => { good.close(); bad.close(); });
    assert.equal((await withTimeout(good.headers, FIRST_FRAME_MS, 'MSE headers')).status, 200);
    await waitBytes(good, (x) => x.countFragments(1) >= 5, 10000, 'video with Basic credentials');
    const st = await waitStatus(d, admin, 'basic-bad', (s) => s.state === 'unauthorized', { timeout: 10000, what: 'unauthorized' });
    assert.match(st.status.reason, /401/);
  });

  it('sends credentials that need escaping in the URL as they are', async (t) => {
    const pass = 'p@ss:w/rd %41"';
    const sim = await startCamsim({ user: 'user@site', pass });
    t.after(() => sim.stop());
    await createCamera(admin, { id: 'odd-pass', name: 'Odd', main_url: sim.url('/h264-sub'), username: 'user@site', password: pass });
    const v = openMse(d, admin, 'odd-pass');
    t.after(() => v.close());
    assert.equal((await withTimeout(v.headers, FIRST_FRAME_MS, 'MSE headers')).status, 200);
    await waitBytes(v, (x) => x.countFragments(1) >= 5, 10000, 'video with escaped credentials');
  });

  it('keeps the session alive within its timeout and tears it down when the stream stops', async (t) => {
    const sim = await startCamsim();
    t.after(() => sim.stop());
    const relay = await startRelay(sim.port);
    t.after(() => relay.close());
    await createCamera(admin, { id: 'kept', name: 'Kept', main_url: `rtsp://127.0.0.1:${relay.port}/h264-sub` });
    const v = openMse(d, admin, 'kept');
    assert.equal((await withTimeout(v.headers, FIRST_FRAME_MS, 'MSE headers')).status, 200);
    await waitBytes(v, (x) => x.countFragments(1) >= 3, 10000, 'first video');
    const methods = () => relay.requests.map((r) => r.method);
    assert.deepEqual(methods().slice(0, 3), ['OPTIONS', 'DESCRIBE', 'SETUP']);
    assert.ok(methods().includes('PLAY'));
    const playAt = relay.requests.find((r) => r.method === 'PLAY').at;
    await sleep(SESSION_TIMEOUT_S * 1000 * 2 + 500);
    const keepalives = relay.requests.filter((r) => r.at > playAt && ['OPTIONS', 'GET_PARAMETER'].includes(r.method));
    t.diagnostic(`requests: ${methods().join(' ')}`);
    assert.ok(keepalives.length >= 2, `keepalives every half timeout: ${methods().join(' ')}`);
    for (const k of keepalives) assert.ok(k.headers.some((h) => /^Session: \S+/i.test(h)), `with the session: ${k.line}`);
    const frags = v.countFragments(1);
    await waitBytes(v, (x) => x.countFragments(1) >= frags + 10, 5000, 'video keeps coming');

    v.close();
    const deadline = Date.now() + 8000;
    while (!methods().includes('TEARDOWN') && Date.now() < deadline) await sleep(100);
    assert.ok(methods().includes('TEARDOWN'), `TEARDOWN after the idle timeout: ${methods().join(' ')}`);
    await waitStatus(d, admin, 'kept', (s) => s.state === 'idle', { timeout: 5000, what: 'idle' });
  });
});
