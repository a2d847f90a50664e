// WebRTC (WHEP) playback in Chromium: demo cameras watched over ICE-lite,
// DTLS-SRTP and RTP. Decoded frames rise; the session is freed after DELETE,
// after the page closes, after pc.close(), and when the browser goes silent
// (frozen or killed: consent expiry); ICE-TCP alone carries a session; 20
// viewers of one stream all play; a High-profile camera (which Chromium's
// WebRTC does not offer) still decodes.
// Run: cd tests && node --test browser/webrtc.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { freePort, startDaemon, Client } from '../lib/daemon.mjs';
import { CAMSIM_BIN, startCamsim } from '../lib/camsim.mjs';
import {
  launchBrowser, launchOwnBrowser, openPage, rtspDescribe, sessions, viewerStats, waitDecoded,
  waitSessions as waitSessionsOf, whep as whepIn,
} from '../lib/whep.mjs';

const CONSENT_TIMEOUT_S = 4;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let daemon;
let browser;
let api;
let tcpPort;

before(async () => {
  const udp = await freePort();
  tcpPort = await freePort();
  daemon = await startDaemon({
    args: ['--demo', '4'],
    config: `webrtc:\n  udp_port: ${udp}\n  tcp_port: ${tcpPort}\n  consent_timeout_s: ${CONSENT_TIMEOUT_S}\n  addresses: ["127.0.0.1"]\n`,
  });
  api = new Client(daemon.url);
  await api.login('admin', daemon.adminPassword);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
});

const open = (b = browser) => openPage(b, daemon.url, api);
const whep = (page, streamId, opts) => whepIn(page, streamId, api.csrf, opts);
const waitSessions = (pred, what, timeout) => waitSessionsOf(api, pred, what, timeout);
// The sessions of these ids still listed.
const mine = (list, ids) => list.filter((s) => ids.includes(s.id));
// The end of the daemon's log, for failure messages.
const logTail = () => daemon.stderr().split('\n').filter((l) => / webrtc/.test(l)).slice(-12).join('\n');

/** framesDecoded of each viewer of the page, from getStats(). */
async function decoded(page, indexes) {
  return (await waitDecoded(page, indexes, 0, 1000)).map((v) => v.decoded);
}

test('a demo camera plays over WebRTC and the session ends on DELETE', { timeout: 60000 }, async () => {
  const { context, page } = await open();
  try {
    const v = await whep(page, 'demo-1.sub');
    assert.match(v.location, /^\/api\/streams\/demo-1\.sub\/whep\/[0-9a-f]{32}$/);
    await page.waitForFunction(() => window.viewers[0].frames >= 50, null, { timeout: 20000 });
    const stats = await viewerStats(page, v.index);
    assert.ok(stats.framesDecoded >= 50, JSON.stringify(stats));
    assert.equal(stats.dtls, 'connected');
    const list = mine(await sessions(api), [v.id]);
    assert.equal(list.length, 1, `session ${v.id} is listed`);
    assert.equal(list[0].stream, 'demo-1.sub');
    // UDP normally; the browser may pick ICE-TCP when UDP answers come late.
    assert.ok(['udp', 'tcp'].includes(list[0].transport), JSON.stringify(list[0]));
    assert.equal(list[0].transport, stats.localProtocol, 'the server sends on the pair the browser selected');
    assert.equal(list[0].connected, true);
    assert.ok(list[0].packets_sent > 50, JSON.stringify(list[0]));
    const del = await api.request('DELETE', v.location);
    assert.equal(del.status, 200);
    const again = await api.request('DELETE', v.location);
    assert.equal(again.status, 404);
    await waitSessions((l) => mine(l, [v.id]).length === 0, 'no session after DELETE');
  } finally {
    await context.close();
  }
});

test('closing the page frees its session', { timeout: 60000 }, async () => {
  const { context, page } = await open();
  let closed = false;
  try {
    const v = await whep(page, 'demo-2.sub');
    await page.waitForFunction(() => window.viewers[0].frames >= 10, null, { timeout: 20000 });
    await waitSessions((l) => mine(l, [v.id]).length === 1 && mine(l, [v.id])[0].connected, 'one connected session');
    await context.close();
    closed = true;
    // No goodbye from a closing page: UDP ends at the consent timeout.
    await waitSessions((l) => mine(l, [v.id]).length === 0, 'no session after the page closed',
      (CONSENT_TIMEOUT_S + 4) * 1000);
  } finally {
    if (!closed) await context.close();
  }
});

test('ICE-TCP alone carries a session (no UDP candidate in the answer)', { timeout: 60000 }, async () => {
  const { context, page } = await open();
  try {
    const v = await whep(page, 'demo-1.sub', { keep: 'tcp' });
    // The page really had no UDP way to the server.
    assert.match(v.answer, /^a=candidate:\S+ 1 udp /m, 'the server offers UDP as well');
    assert.doesNotMatch(v.used, /^a=candidate:\S+ \d+ udp /im);
    assert.match(v.used, new RegExp(`^a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 ${tcpPort} typ host tcptype passive\\r$`, 'm'));
    await waitDecoded(page, [v.index], 50, 20000);
    const stats = await viewerStats(page, v.index);
    assert.equal(stats.dtls, 'connected', JSON.stringify(stats));
    assert.equal(stats.localProtocol, 'tcp', JSON.stringify(stats));
    assert.equal(stats.tcpType, 'active', JSON.stringify(stats));
    assert.equal(stats.remotePort, tcpPort, JSON.stringify(stats));
    assert.equal(stats.width, 640, JSON.stringify(stats));
    let [s] = mine(await sessions(api), [v.id]);
    assert.ok(s, `session ${v.id} is listed`);
    assert.equal(s.stream, 'demo-1.sub');
    assert.equal(s.transport, 'tcp', JSON.stringify(s));
    assert.equal(s.connected, true, JSON.stringify(s));
    // Consent checks over TCP keep it open past the consent timeout, and
    // frames keep coming.
    const [before] = await decoded(page, [v.index]);
    await sleep((CONSENT_TIMEOUT_S + 2) * 1000);
    const [later] = await decoded(page, [v.index]);
    assert.ok(later >= before + 50, `frames decoded ${before} → ${later} over ${CONSENT_TIMEOUT_S + 2} s`);
    [s] = mine(await sessions(api), [v.id]);
    assert.ok(s?.connected && s.transport === 'tcp', `after ${CONSENT_TIMEOUT_S + 2} s: ${JSON.stringify(s)}\n${logTail()}`);
    assert.equal((await api.request('DELETE', v.location)).status, 200);
    await waitSessions((l) => mine(l, [v.id]).length === 0, 'no session after DELETE');
  } finally {
    await context.close();
  }
});

test('20 viewers of one stream all decode, and all sessions end when the pages close', { timeout: 60000 }, async (t) => {
  // That the 20 sessions share one RTP feed of the stream cannot be seen from
  // outside (the session list has no feed count): not checked here.
  const N = 20;
  const PAGES = 2; // 10 peer connections per page
  const stream = 'demo-3.sub';
  const pages = [];
  const viewers = [];
  const t0 = Date.now();
  const phases = [];
  const phase = (name) => phases.push(`${name} ${Date.now() - t0} ms`);
  try {
    for (let p = 0; p < PAGES; p++) pages.push(await open());
    for (let i = 0; i < N; i++) {
      const p = i % PAGES;
      viewers.push({ p, ...(await whep(pages[p].page, stream, { size: 64 })) });
    }
    const ids = viewers.map((v) => v.id);
    assert.equal(new Set(ids).size, N, 'every session has its own id');
    const indexesOf = (p) => viewers.filter((v) => v.p === p).map((v) => v.index);
    phase('answered');
    for (let p = 0; p < PAGES; p++) await waitDecoded(pages[p].page, indexesOf(p), 50, 30000);
    phase('all decoded 50 frames');

    const list = await waitSessions((l) => mine(l, ids).filter((s) => s.connected).length === N,
      `${N} connected sessions`, 5000);
    assert.equal(list.filter((s) => s.stream === stream).length, N, JSON.stringify(list));
    for (const v of viewers) {
      const s = list.find((x) => x.id === v.id);
      const st = await viewerStats(pages[v.p].page, v.index);
      assert.equal(st.dtls, 'connected', `viewer ${v.id}: ${JSON.stringify(st)}`);
      assert.equal(s.transport, st.localProtocol, `viewer ${v.id}: server ${JSON.stringify(s)}, browser ${JSON.stringify(st)}`);
      assert.ok(s.packets_sent > 0, JSON.stringify(s));
    }

    // All keep playing past the consent timeout (20 peers' checks answered).
    const before = [];
    for (let p = 0; p < PAGES; p++) before.push(await decoded(pages[p].page, indexesOf(p)));
    await sleep((CONSENT_TIMEOUT_S + 1) * 1000);
    for (let p = 0; p < PAGES; p++) {
      const now = await decoded(pages[p].page, indexesOf(p));
      now.forEach((n, k) => assert.ok(n >= before[p][k] + 25,
        `page ${p} viewer ${k}: frames decoded ${before[p][k]} → ${n} in ${CONSENT_TIMEOUT_S + 1} s`));
    }
    assert.equal(mine(await sessions(api), ids).filter((s) => s.connected).length, N,
      `all ${N} sessions still open after ${CONSENT_TIMEOUT_S + 1} s\n${logTail()}`);

    for (const p of pages.splice(0)) await p.context.close();
    phase('pages closed');
    await waitSessions((l) => mine(l, ids).length === 0 && l.every((s) => s.stream !== stream),
      'no session left after the pages closed', (CONSENT_TIMEOUT_S + 4) * 1000);
    phase('no session left');
  } finally {
    t.diagnostic(phases.join(', '));
    for (const p of pages) await p.context.close();
  }
});

test('pc.close() in the page ends the session', { timeout: 60000 }, async () => {
  const { context, page } = await open();
  try {
    const v = await whep(page, 'demo-4.sub');
    await waitDecoded(page, [v.index], 10, 20000);
    await waitSessions((l) => mine(l, [v.id])[0]?.connected, 'a connected session');
    const t0 = Date.now();
    await page.evaluate((i) => window.viewers[i].pc.close(), v.index);
    // Chromium sends a DTLS close_notify; at the latest consent expires.
    await waitSessions((l) => mine(l, [v.id]).length === 0, 'no session after pc.close()',
      (CONSENT_TIMEOUT_S + 2) * 1000);
    assert.ok(Date.now() - t0 <= (CONSENT_TIMEOUT_S + 2) * 1000);
  } finally {
    await context.close();
  }
});

/**
 * A browser of its own plays two sessions of stream, one only over UDP and
 * one only over ICE-TCP; then silence(own) makes it go quiet. Resolves
 * {udp, tcp}: ms from the silence until each session was no longer listed.
 */
async function silentBrowser(stream, silence) {
  const own = await launchOwnBrowser();
  try {
    const { page } = await open(own.browser);
    const u = await whep(page, stream, { keep: 'udp' });
    const t = await whep(page, stream, { keep: 'tcp' });
    await waitDecoded(page, [u.index, t.index], 25, 20000);
    const list = await waitSessions((l) => mine(l, [u.id, t.id]).filter((s) => s.connected).length === 2,
      'two connected sessions');
    assert.equal(list.find((s) => s.id === u.id).transport, 'udp');
    assert.equal(list.find((s) => s.id === t.id).transport, 'tcp');
    const t0 = Date.now();
    await silence(own);
    const gone = {};
    const limit = (CONSENT_TIMEOUT_S + 2) * 1000;
    while (Object.keys(gone).length < 2 && Date.now() - t0 <= limit + 2000) {
      const ids = (await sessions(api)).map((s) => s.id);
      const ms = Date.now() - t0;
      if (!ids.includes(u.id)) gone.udp ??= ms;
      if (!ids.includes(t.id)) gone.tcp ??= ms;
      await sleep(100);
    }
    const what = `sessions gone after (ms): ${JSON.stringify(gone)}; limit ${limit} ms\n${logTail()}`;
    assert.ok(gone.udp !== undefined && gone.udp <= limit, `UDP session: ${what}`);
    assert.ok(gone.tcp !== undefined && gone.tcp <= limit, `TCP session: ${what}`);
    return gone;
  } finally {
    await own.close();
  }
}

test('a frozen browser\'s sessions (UDP and ICE-TCP) end at the consent timeout', { timeout: 60000 }, async (t) => {
  // SIGSTOP: the browser stops sending anything, its TCP connection stays open.
  const gone = await silentBrowser('demo-4.sub', (own) => own.signal('SIGSTOP'));
  t.diagnostic(`sessions gone ${JSON.stringify(gone)} ms after the freeze`);
  // Not before the browser could have missed its checks (Chromium checks every ~2.5 s).
  assert.ok(gone.udp >= 1000 && gone.tcp >= 1000, `ended too early: ${JSON.stringify(gone)}`);
  await assertHealthyDaemon();
});

test('a killed browser\'s sessions end (UDP at the consent timeout, ICE-TCP with its connection)', { timeout: 60000 }, async (t) => {
  // SIGKILL of every process of the browser: no close_notify, no RTCP BYE.
  const gone = await silentBrowser('demo-4.sub', (own) => own.signal('SIGKILL'));
  t.diagnostic(`sessions gone ${JSON.stringify(gone)} ms after the kill`);
  await assertHealthyDaemon();
});

async function assertHealthyDaemon() {
  assert.ok(daemon.running(), `vigil exited: ${JSON.stringify(daemon.exited)}\n${daemon.stderr().slice(-3000)}`);
  const res = await api.get('/api/health');
  assert.equal(res.status, 200);
}

test('a High-profile camera decodes over WebRTC (answered with a profile the browser offered), its AAC heard as Opus', { timeout: 60000 }, async (t) => {
  if (!fs.existsSync(CAMSIM_BIN)) {
    t.skip(`no camera simulator at ${CAMSIM_BIN} (needs gst-rtsp-server)`);
    return;
  }
  const sim = await startCamsim();
  let context;
  let page;
  try {
    // camsim's /h264 is High profile (tests/sim/README.md): check it says so.
    const camSdp = await rtspDescribe(sim.url('/h264'));
    const camProfile = camSdp.match(/profile-level-id=([0-9a-f]{6})/i)?.[1]?.toLowerCase();
    assert.match(camProfile ?? '', /^64/, `camsim /h264 is not High profile: ${camSdp}`);
    const cam = await api.post('/api/cameras', { id: 'high-cam', name: 'High profile', main_url: sim.url('/h264') });
    assert.equal(cam.status, 201, cam.text);
    ({ context, page } = await open());
    const v = await whep(page, 'high-cam', { audio: true });
    // The browser offers no 64xxxx: the answer must use one it offered.
    const offered = [...v.offer.matchAll(/^a=fmtp:(\d+) .*profile-level-id=([0-9a-f]{6})/gim)].map((m) => m[2].toLowerCase());
    assert.ok(!offered.some((p) => p.startsWith('64')), `Chromium here offers no High profile: ${offered}`);
    const pt = v.answer.match(/^m=video 9 UDP\/TLS\/RTP\/SAVPF (\d+)\r$/m)?.[1];
    assert.ok(pt, v.answer);
    const answered = v.answer.match(new RegExp(`^a=fmtp:${pt} .*profile-level-id=([0-9a-f]{6})`, 'im'))?.[1]?.toLowerCase();
    assert.ok(answered && offered.includes(answered), `answered ${answered}, offered ${offered}`);
    assert.match(v.offer, new RegExp(`^a=rtpmap:${pt} H264/90000\\r$`, 'm'), 'the answer keeps the offered payload type');

    await waitDecoded(page, [v.index], 50, 30000);
    const first = await viewerStats(page, v.index);
    assert.equal(first.mimeType, 'video/H264', JSON.stringify(first));
    assert.equal(first.width, 1280, JSON.stringify(first));
    assert.equal(first.height, 720, JSON.stringify(first));
    assert.ok(first.keyFramesDecoded >= 1, JSON.stringify(first));
    await sleep(2000);
    const later = await viewerStats(page, v.index);
    assert.ok(later.framesDecoded >= first.framesDecoded + 25, `decoding stalled: ${first.framesDecoded} → ${later.framesDecoded}`);
    // The camera's AAC (16 kHz mono) arrives as Opus, transcoded by the server:
    // about 50 packets a second, and what plays is mostly received, not concealed.
    assert.match(v.answer, /^a=rtpmap:\d+ opus\/48000\/2\r$/m, v.answer);
    assert.equal(later.audio?.mimeType, 'audio/opus', JSON.stringify(later.audio));
    assert.ok(later.audio.packets - (first.audio?.packets ?? 0) >= 60, `audio packets ${JSON.stringify([first.audio, later.audio])}`);
    assert.ok(later.audio.concealed < later.audio.samples / 4, `mostly concealed: ${JSON.stringify(later.audio)}`);
    // Frames are not dropped by a decoder that cannot take High.
    assert.ok(later.framesDecoded >= later.framesReceived - 5, JSON.stringify(later));
    const [s] = mine(await sessions(api), [v.id]);
    assert.ok(s?.connected, JSON.stringify(s));
    assert.equal(s.stream, 'high-cam');
    assert.equal((await api.request('DELETE', v.location)).status, 200);
  } finally {
    await context?.close();
    await api.request('DELETE', '/api/cameras/high-cam');
    await sim.stop();
  }
});
