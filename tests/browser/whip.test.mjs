// Publishing a browser's camera to Vigil over WHIP through the "Publish camera"
// page (#/publish), with Chromium's fake camera and microphone: the camera goes
// online and plays to WebRTC and MSE viewers and as a snapshot; a viewer
// publishes with a publish token typed into the page but not with its own
// session; a second publisher gets 409 busy and a camera that is not a webrtc
// one 409 not_webrtc; Stop and closing the page free the session and the camera
// goes back to offline.
// Run: cd tests && node --test browser/whip.test.mjs
// Screenshot: tests/artifacts/publish.png (failure-publish-*.png when a test fails).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startDaemon, Client } from '../lib/daemon.mjs';
import { launchBrowser, openPage, sessions as sessionsOf, waitDecoded, whep } from '../lib/whep.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');
const CONSENT_TIMEOUT_S = 4;
const VIEWER = { username: 'lobby-node', password: 'lobby-node-pass-1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let daemon;
let browser;
let api; // admin
let viewerId;

before(async () => {
  const [udp, tcp] = [await freePort(), await freePort()];
  daemon = await startDaemon({
    config: `webrtc:\n  udp_port: ${udp}\n  tcp_port: ${tcp}\n  addresses: ["127.0.0.1"]\n` +
      `  consent_timeout_s: ${CONSENT_TIMEOUT_S}\n`,
  });
  api = new Client(daemon.url);
  await api.login('admin', daemon.adminPassword);
  for (const cam of [
    { id: 'node-1', name: 'Lobby node', zone: 'lobby', type: 'webrtc' },
    { id: 'node-2', name: 'Lobby door', zone: 'lobby', type: 'webrtc' },
    { id: 'node-3', name: 'Yard node', zone: 'yard', type: 'webrtc' },
    // A camera Vigil pulls (nothing listens there): not one to publish to.
    { id: 'pulled', name: 'Pulled camera', zone: 'lobby', main_url: 'rtsp://127.0.0.1:9/none' },
  ]) {
    const res = await api.post('/api/cameras', cam);
    assert.equal(res.status, 201, `POST /api/cameras ${cam.id}: ${res.text}`);
  }
  const user = await api.post('/api/users', { ...VIEWER, role: 'viewer', zones: ['lobby'] });
  assert.equal(user.status, 201, user.text);
  viewerId = user.json.id;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
});

// ---------------------------------------------------------------- steps

/** The daemon's log lines about WHIP/WebRTC, for failure messages. */
const logTail = (n = 20) => daemon.stderr().split('\n').filter((l) => /whip|webrtc|publish|push/i.test(l)).slice(-n).join('\n');

async function cameraStatus(id) {
  const res = await api.get(`/api/cameras/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.json.status;
}

async function waitStatus(id, state, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await cameraStatus(id);
    if (last?.state === state) return last;
    if (Date.now() > deadline) throw new Error(`camera ${id} not ${state} within ${timeout} ms: ${JSON.stringify(last)}\n${logTail()}`);
    await sleep(200);
  }
}

/** The WebRTC sessions of stream id (WHIP publishers and WHEP viewers alike). */
async function sessionsOfStream(id) {
  return (await sessionsOf(api)).filter((s) => s.stream === id);
}

async function waitSessionCount(id, n, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await sessionsOfStream(id);
    if (last.length === n) return last;
    if (Date.now() > deadline) throw new Error(`${id}: ${last.length} sessions, not ${n}, after ${timeout} ms: ${JSON.stringify(last)}\n${logTail()}`);
    await sleep(100);
  }
}

/**
 * A page of the UI at #/publish, signed in as client (null: not signed in).
 * Collects page errors and console errors other than the HTTP answers the
 * tests ask for.
 */
async function publishPage(client) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  if (client) await context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, url: daemon.url })));
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of (401|403|404|409)/.test(msg.text())) return;
    problems.push(`console: ${msg.text()}`);
  });
  const requests = [];
  page.on('request', (r) => requests.push(r));
  await page.goto(`${daemon.url}/#/publish`);
  await page.locator('#publish-form').waitFor();
  // The preview runs once the fake camera is open.
  await page.waitForFunction(() => document.querySelector('#publish-preview')?.srcObject?.active === true);
  // Small pictures: three pages encode and decode on two cores.
  await page.locator('#publish-resolution').selectOption('640x360');
  return { context, page, problems, requests };
}

async function choose(page, zone, camera) {
  await page.locator('#publish-zone').selectOption(zone);
  await page.locator('#publish-camera').selectOption(camera);
}

/** Presses Publish and waits until the page says it publishes. */
async function publish(page, timeout = 30000) {
  await page.locator('#publish-start').click();
  try {
    await page.locator('#publish-state[data-state="publishing"]').waitFor({ timeout });
  } catch (e) {
    const state = await page.locator('#publish-state').getAttribute('data-state');
    const text = await page.locator('#publish-status-message').innerText();
    throw new Error(`the page does not publish: state ${state}, "${text}"\n${logTail()}`);
  }
}

async function stateOf(page) {
  return {
    state: await page.locator('#publish-state').getAttribute('data-state'),
    message: await page.locator('#publish-status-message').innerText(),
  };
}

/** A WHIP offer of the fake camera and microphone, made in page (for requests sent from here). */
function offerSdp(page) {
  return page.evaluate(async () => {
    const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const pc = new RTCPeerConnection();
    for (const t of media.getTracks()) pc.addTransceiver(t, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const sdp = pc.localDescription.sdp;
    pc.close();
    media.getTracks().forEach((t) => t.stop());
    return sdp;
  });
}

function postOffer(client, camera, sdp, opts = {}) {
  return client.request('POST', `/api/streams/${camera}/whip`, {
    raw: sdp, headers: { 'Content-Type': 'application/sdp' }, ...opts,
  });
}

/** Runs fn; on failure saves a screenshot of page; then always runs cleanup. */
async function shotOnFailure(page, name, fn, cleanup = async () => {}) {
  try {
    await fn();
  } catch (e) {
    await page?.screenshot({ path: path.join(ARTIFACTS, `failure-publish-${name}.png`) }).catch((err) => console.error(`no screenshot: ${err.message}`));
    throw e;
  } finally {
    await cleanup();
  }
}

/** The child boxes of an ISO BMFF box body (or of the whole buffer). */
function boxes(buf, start = 0, end = buf.length) {
  const out = [];
  for (let o = start; o + 8 <= end;) {
    const size = buf.readUInt32BE(o);
    if (size < 8 || o + size > end) break;
    out.push({ type: buf.toString('latin1', o + 4, o + 8), start: o + 8, end: o + size });
    o += size;
  }
  return out;
}

/**
 * The first media time (s) of each track of the stream's MSE fMP4, from the
 * init segment's timescales and the first fragments' tfdt: {video, audio}.
 */
async function mseStartTimes(id, timeout = 10000) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  const res = await fetch(`${daemon.url}/api/streams/${id}/mse`, { headers: { Cookie: api.cookieHeader() }, signal: ctl.signal });
  assert.equal(res.status, 200);
  const kinds = new Map(); // track id -> {kind, timescale}
  const first = {};
  let buf = Buffer.alloc(0);
  try {
    for await (const chunk of res.body) {
      buf = Buffer.concat([buf, chunk]);
      const top = boxes(buf);
      const moov = top.find((b) => b.type === 'moov');
      if (!moov) continue;
      for (const trak of boxes(buf, moov.start, moov.end).filter((b) => b.type === 'trak')) {
        const kids = boxes(buf, trak.start, trak.end);
        const tkhd = kids.find((b) => b.type === 'tkhd');
        const trackId = buf.readUInt32BE(tkhd.start + (buf[tkhd.start] === 1 ? 20 : 12));
        const mdia = boxes(buf, kids.find((b) => b.type === 'mdia').start, kids.find((b) => b.type === 'mdia').end);
        const mdhd = mdia.find((b) => b.type === 'mdhd');
        const hdlr = mdia.find((b) => b.type === 'hdlr');
        const timescale = buf.readUInt32BE(mdhd.start + (buf[mdhd.start] === 1 ? 20 : 12));
        const handler = buf.toString('latin1', hdlr.start + 8, hdlr.start + 12);
        kinds.set(trackId, { kind: handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : handler, timescale });
      }
      for (const moof of top.filter((b) => b.type === 'moof')) {
        for (const traf of boxes(buf, moof.start, moof.end).filter((b) => b.type === 'traf')) {
          const kids = boxes(buf, traf.start, traf.end);
          const tfhd = kids.find((b) => b.type === 'tfhd');
          const tfdt = kids.find((b) => b.type === 'tfdt');
          const track = kinds.get(buf.readUInt32BE(tfhd.start + 4));
          if (!track || !tfdt || first[track.kind] !== undefined) continue;
          const t = buf[tfdt.start] === 1 ? Number(buf.readBigUInt64BE(tfdt.start + 4)) : buf.readUInt32BE(tfdt.start + 4);
          first[track.kind] = t / track.timescale;
        }
      }
      if (kinds.size && [...kinds.values()].every((k) => first[k.kind] !== undefined)) break;
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return first;
}

/** A JPEG of the stream's picture (polled: the first snapshot waits for a keyframe). */
async function snapshot(id, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    const res = await fetch(`${daemon.url}/api/streams/${id}/snapshot.jpg`, { headers: { Cookie: api.cookieHeader() } });
    const body = Buffer.from(await res.arrayBuffer());
    last = `${res.status} ${res.headers.get('content-type')} ${body.length} bytes`;
    if (res.status === 200) return { res, body };
    if (Date.now() > deadline) throw new Error(`no snapshot of ${id} within ${timeout} ms: ${last}\n${logTail()}`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------- tests

test('a webrtc camera nobody publishes is idle, and offline waiting for a publisher once asked for', async () => {
  const list = await api.get('/api/cameras');
  const node = list.json.find((c) => c.id === 'node-1');
  assert.equal(node?.type, 'webrtc', list.text);
  assert.equal(node.main_url, 'webrtc:', list.text);
  assert.equal(list.json.find((c) => c.id === 'pulled')?.type, 'url', list.text);
  // Like every camera, its stream starts when someone asks for it.
  assert.equal((await cameraStatus('node-1')).state, 'idle');
  const ask = new AbortController();
  const asked = fetch(`${daemon.url}/api/streams/node-1/mse`, { headers: { cookie: api.cookieHeader() }, signal: ask.signal })
    .catch(() => {});
  await waitStatus('node-1', 'offline');
  ask.abort();
  await asked;
  const { state, reason } = await cameraStatus('node-1');
  assert.deepEqual({ state, reason }, { state: 'offline', reason: 'waiting for a publisher' });
});

test('an admin publishes the fake camera; WebRTC and MSE viewers and the snapshot see it', { timeout: 150000 }, async () => {
  const pub = await publishPage(api);
  const viewers = [];
  await shotOnFailure(pub.page, 'admin', async () => {
    const { page } = pub;
    // Zones of the webrtc cameras only; cameras of the chosen zone only.
    assert.deepEqual(await page.locator('#publish-zone option').allTextContents(), ['lobby', 'yard']);
    await page.locator('#publish-zone').selectOption('lobby');
    assert.deepEqual(await page.locator('#publish-camera option').evaluateAll((os) => os.map((o) => o.value)), ['node-1', 'node-2']);
    // Devices are listed by name once the page holds the permission, the ones in use chosen.
    const device = await page.locator('#publish-video-device option:checked').evaluate((o) => ({ id: o.value, label: o.textContent }));
    assert.ok(device.id && device.label, JSON.stringify(device));
    assert.ok(await page.locator('#publish-audio-device').inputValue());
    await choose(page, 'lobby', 'node-1');
    await publish(page);
    await waitStatus('node-1', 'online');
    assert.equal((await sessionsOfStream('node-1')).length, 1);

    // The page shows the ICE path and a bitrate from getStats.
    await page.waitForFunction(() => /\d+ kbit\/s/.test(document.querySelector('#publish-stat-bitrate').textContent) &&
      /(udp|tcp) → \w+\/(udp|tcp)/.test(document.querySelector('#publish-stat-path').textContent), null, { timeout: 15000 });
    const icePath = await page.locator('#publish-stat-path').innerText();
    assert.match(icePath, /^\w+\/(udp|tcp) → host\/(udp|tcp) \(127\.0\.0\.1:\d+\)$/);
    const video = await page.locator('#publish-stat-video').innerText();
    assert.match(video, /^H264 \d+×\d+/, `the browser sends H.264: ${video}`);

    // A viewer over WebRTC (WHEP).
    const w = await openPage(browser, daemon.url, api);
    viewers.push(w);
    const v = await whep(w.page, 'node-1', api.csrf);
    const [first] = await waitDecoded(w.page, [v.index], 30, 30000);
    await sleep(2000);
    const [later] = await waitDecoded(w.page, [v.index], 0, 1000);
    assert.ok(later.decoded >= first.decoded + 20, `WHEP viewer: frames decoded ${first.decoded} → ${later.decoded} in 2 s`);

    // A snapshot of the published picture.
    const { res, body } = await snapshot('node-1');
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.ok(body.length > 1000, `snapshot of ${body.length} bytes`);
    assert.equal(body.readUInt16BE(0), 0xffd8, 'JPEG start of image');

    await page.screenshot({ path: path.join(ARTIFACTS, 'publish.png') });

    // Over MSE: the fMP4's audio and video on one timeline (a browser plays
    // only where both are buffered), then the wall, told to use MSE.
    const starts = await mseStartTimes('node-1');
    assert.ok(starts.video !== undefined && starts.audio !== undefined, `MSE tracks: ${JSON.stringify(starts)}`);
    assert.ok(Math.abs(starts.audio - starts.video) < 1,
      `MSE audio and video start ${(starts.audio - starts.video).toFixed(3)} s apart: ${JSON.stringify(starts)}`);
    const m = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    viewers.push({ context: m });
    await m.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: daemon.url })));
    await m.addInitScript(() => {
      localStorage.setItem('vigil.protocol', 'mse');
      localStorage.setItem('vigil.wall.layout', '4');
    });
    const wall = await m.newPage();
    await wall.goto(`${daemon.url}/`);
    const tile = () => wall.evaluate(() => window.vigilWall.tiles().find((t) => t.camera === 'node-1'));
    await wall.waitForFunction(() => (window.vigilWall.tiles().find((t) => t.camera === 'node-1')?.frames ?? 0) > 10,
      null, { timeout: 30000 }).catch(async (e) => {
      throw new Error(`the wall's MSE tile of node-1 shows no frames: ${JSON.stringify(await tile())}\n${logTail()}\n${e.message}`);
    });
    const t1 = await tile();
    assert.equal(t1.protocol, 'MSE', JSON.stringify(t1));
    await sleep(2000);
    const t2 = await tile();
    assert.ok(t2.frames >= t1.frames + 20, `MSE tile: frames ${t1.frames} → ${t2.frames} in 2 s`);

    assert.deepEqual(pub.problems, []);
    await page.locator('#publish-stop').click();
    await waitStatus('node-1', 'offline');
  }, async () => {
    for (const v of viewers) await v.context.close();
    await pub.context.close();
  });
});

test('a viewer publishes with a publish token in the page, not with its own session', { timeout: 120000 }, async () => {
  const viewer = new Client(daemon.url);
  await viewer.login(VIEWER.username, VIEWER.password);
  // Only an administrator makes publish tokens, here one that acts as the viewer.
  const made = await api.post('/api/tokens', { name: 'lobby door node', publish: ['node-2'], user_id: viewerId });
  assert.equal(made.status, 201, made.text);
  const token = made.json.token;
  assert.match(token, /^vgt_/);

  const pub = await publishPage(viewer);
  await shotOnFailure(pub.page, 'token', async () => {
    const { page, requests } = pub;
    // Its own session: the cameras it sees, but publishing is refused (403).
    await choose(page, 'lobby', 'node-2');
    await page.locator('#publish-start').click();
    await page.locator('#publish-state[data-state="error"]').waitFor();
    const refused = await stateOf(page);
    assert.match(refused.message, /Not allowed to publish/, JSON.stringify(refused));
    const sdp = await offerSdp(page);
    const plain = await postOffer(viewer, 'node-2', sdp);
    assert.equal(plain.status, 403, plain.text);
    assert.ok(plain.json?.error?.code, plain.text);
    assert.notEqual((await cameraStatus('node-2')).state, 'online');

    // The token typed into the page: the camera list and WHIP go with it.
    const before = requests.length;
    const listed = page.waitForResponse((r) => r.url().endsWith('/api/cameras') && r.request().headers().authorization === `Bearer ${token}`);
    await page.locator('#publish-token').fill(token);
    assert.equal((await listed).status(), 200);
    await choose(page, 'lobby', 'node-2');
    await publish(page);
    await waitStatus('node-2', 'online');
    const post = requests.slice(before).find((r) => r.method() === 'POST' && /\/api\/streams\/node-2\/whip$/.test(r.url()));
    assert.ok(post, 'the page sent the WHIP offer');
    const headers = await post.allHeaders();
    assert.equal(headers.authorization, `Bearer ${token}`);
    assert.equal(headers.cookie, undefined, 'no session cookie with the token');
    assert.equal(headers['content-type'], 'application/sdp');
    // The token is in no address and, not remembered, not in the page's storage.
    assert.ok(requests.every((r) => !r.url().includes(token)), 'token in a URL');
    assert.ok(!page.url().includes(token));
    assert.doesNotMatch(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })), /vgt_/);

    await page.locator('#publish-stop').click();
    await waitStatus('node-2', 'offline');
    await waitSessionCount('node-2', 0);

    // Remembered only when asked, and forgotten when unticked.
    await page.locator('#publish-remember').check();
    assert.equal(await page.evaluate(() => localStorage.getItem('vigil.publish.token')), token);
    await page.reload();
    await page.locator('#publish-form').waitFor();
    assert.equal(await page.locator('#publish-token').inputValue(), token);
    await page.locator('#publish-remember').uncheck();
    assert.equal(await page.evaluate(() => localStorage.getItem('vigil.publish.token')), null);
    assert.deepEqual(pub.problems, []);
  }, () => pub.context.close());
});

test('a camera node publishes with a token without signing in', { timeout: 90000 }, async () => {
  const made = await api.post('/api/tokens', { name: 'yard node', publish: ['node-3'] });
  assert.equal(made.status, 201, made.text);
  const pub = await publishPage(null);
  await shotOnFailure(pub.page, 'signed-out', async () => {
    const { page } = pub;
    assert.equal(await page.locator('#current-user').count(), 0, 'not signed in');
    await page.getByText('Enter a publish token').waitFor();
    await page.locator('#publish-token').fill(made.json.token);
    await choose(page, 'yard', 'node-3');
    await publish(page);
    await waitStatus('node-3', 'online');
    await page.locator('#publish-stop').click();
    await waitStatus('node-3', 'offline');
    assert.deepEqual(pub.problems, []);
  }, () => pub.context.close());
});

test('a second publisher gets 409 busy, a pulled camera 409 not_webrtc', { timeout: 90000 }, async () => {
  const a = await publishPage(api);
  const b = await publishPage(api);
  await shotOnFailure(b.page, 'busy', async () => {
    await choose(a.page, 'lobby', 'node-1');
    await publish(a.page);
    await waitStatus('node-1', 'online');

    // The page of the second publisher says why.
    await choose(b.page, 'lobby', 'node-1');
    await b.page.locator('#publish-start').click();
    await b.page.locator('#publish-state[data-state="error"]').waitFor();
    const second = await stateOf(b.page);
    assert.match(second.message, /already publishing/, JSON.stringify(second));

    const sdp = await offerSdp(b.page);
    const busy = await postOffer(api, 'node-1', sdp);
    assert.equal(busy.status, 409, busy.text);
    assert.equal(busy.json?.error?.code, 'busy', busy.text);
    const pulled = await postOffer(api, 'pulled', sdp);
    assert.equal(pulled.status, 409, pulled.text);
    assert.equal(pulled.json?.error?.code, 'not_webrtc', pulled.text);
    const missing = await postOffer(api, 'no-such-camera', sdp);
    assert.equal(missing.status, 404, missing.text);

    // The first publisher was not disturbed.
    assert.equal((await stateOf(a.page)).state, 'publishing');
    assert.equal((await sessionsOfStream('node-1')).length, 1);
    assert.equal((await cameraStatus('node-1')).state, 'online');
    await a.page.locator('#publish-stop').click();
    await waitStatus('node-1', 'offline');
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  }, async () => {
    await a.context.close();
    await b.context.close();
  });
});

test('Stop and closing the page free the session; the camera goes back to offline', { timeout: 90000 }, async () => {
  const pub = await publishPage(api);
  await shotOnFailure(pub.page, 'stop', async () => {
    await choose(pub.page, 'yard', 'node-3');
    await publish(pub.page);
    await waitStatus('node-3', 'online');
    const [s] = await waitSessionCount('node-3', 1);
    assert.ok(s.id, JSON.stringify(s));

    // Stop: DELETE on the session's Location.
    const deleted = pub.page.waitForResponse((r) => r.request().method() === 'DELETE' && /\/api\/streams\/node-3\/whip\/[^/]+$/.test(r.url()));
    await pub.page.locator('#publish-stop').click();
    assert.equal((await deleted).status(), 200);
    await waitSessionCount('node-3', 0, 5000);
    assert.match((await waitStatus('node-3', 'offline', 5000)).reason, /publisher/);
    assert.equal((await stateOf(pub.page)).state, 'idle');

    // Publish again, then close the page without pressing Stop.
    await publish(pub.page);
    await waitStatus('node-3', 'online');
    await waitSessionCount('node-3', 1);
    assert.deepEqual(pub.problems, []);
  }, () => pub.context.close());
  // The page's keepalive DELETE ends it at once; at the latest, consent expires.
  await waitSessionCount('node-3', 0, (CONSENT_TIMEOUT_S + 4) * 1000);
  assert.match((await waitStatus('node-3', 'offline', 5000)).reason, /publisher/);
});

test('the page publishes again by itself when the server drops its session', { timeout: 120000 }, async () => {
  const pub = await publishPage(api);
  await shotOnFailure(pub.page, 'reconnect', async () => {
    await choose(pub.page, 'lobby', 'node-1');
    await publish(pub.page);
    const [s] = await waitSessionCount('node-1', 1);
    // The session ended from the server's side: the browser loses its connection.
    const del = await api.request('DELETE', `/api/streams/node-1/whip/${s.id}`);
    assert.equal(del.status, 200, del.text);
    await pub.page.locator('#publish-state[data-state="reconnecting"]').waitFor({ timeout: 40000 });
    await pub.page.locator('#publish-state[data-state="publishing"]').waitFor({ timeout: 40000 });
    const [again] = await waitSessionCount('node-1', 1);
    assert.notEqual(again.id, s.id, 'a new session');
    await waitStatus('node-1', 'online');
    await pub.page.locator('#publish-stop').click();
    await waitStatus('node-1', 'offline');
    assert.deepEqual(pub.problems, []);
  }, () => pub.context.close());
});
