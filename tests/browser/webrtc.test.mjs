// WebRTC (WHEP) playback in Chromium: a demo camera watched over ICE-lite,
// DTLS-SRTP and RTP; decoded frames rise; the session is freed after DELETE
// and after the page closes.
// Run: cd tests && node --test browser/webrtc.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { freePort, startDaemon, Client } from '../lib/daemon.mjs';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  // Loopback ICE candidates need these and a media permission (field notes).
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

let daemon;
let browser;
let api;

before(async () => {
  const udp = await freePort();
  const tcp = await freePort();
  daemon = await startDaemon({
    args: ['--demo', '2'],
    config: `webrtc:\n  udp_port: ${udp}\n  tcp_port: ${tcp}\n  consent_timeout_s: 4\n  addresses: ["127.0.0.1"]\n`,
  });
  api = new Client(daemon.url);
  await api.login('admin', daemon.adminPassword);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
});

async function openPage() {
  const context = await browser.newContext();
  await context.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: daemon.url })));
  const page = await context.newPage();
  await page.goto(`${daemon.url}/`);
  return { context, page };
}

/** In the page: a WHEP session for the stream; resolves with its Location. */
async function whep(page, streamId) {
  return page.evaluate(async ({ streamId, csrf }) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: true });
    media.getTracks().forEach((t) => t.stop());
    const pc = new RTCPeerConnection();
    window.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    document.body.append(video);
    window.frames_ = 0;
    const count = () => { window.frames_++; video.requestVideoFrameCallback(count); };
    video.requestVideoFrameCallback(count);
    pc.ontrack = (e) => { video.srcObject = e.streams[0] ?? new MediaStream([e.track]); };
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(`/api/streams/${streamId}/whep`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp', 'X-CSRF-Token': csrf }, body: pc.localDescription.sdp,
    });
    if (res.status !== 201) throw new Error(`WHEP ${res.status}: ${await res.text()}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    return res.headers.get('Location');
  }, { streamId, csrf: api.csrf });
}

async function sessions() {
  const res = await api.get('/api/webrtc/sessions');
  assert.equal(res.status, 200);
  return res.json.sessions;
}

async function waitSessions(pred, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await sessions();
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: sessions ${JSON.stringify(last)}`);
}

test('a demo camera plays over WebRTC and the session ends on DELETE', { timeout: 60000 }, async () => {
  const { context, page } = await openPage();
  try {
    const location = await whep(page, 'demo-1.sub');
    assert.match(location, /^\/api\/streams\/demo-1\.sub\/whep\/[0-9a-f]{32}$/);
    await page.waitForFunction(() => window.frames_ >= 50, null, { timeout: 20000 });
    const stats = await page.evaluate(async () => {
      const out = {};
      (await window.pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') out.video = r;
        if (r.type === 'transport') out.transport = r;
      });
      return { decoded: out.video?.framesDecoded, dtls: out.transport?.dtlsState, srtp: out.transport?.srtpCipher };
    });
    assert.ok(stats.decoded >= 50, JSON.stringify(stats));
    assert.equal(stats.dtls, 'connected');
    const open = await sessions();
    assert.equal(open.length, 1);
    assert.equal(open[0].stream, 'demo-1.sub');
    // UDP normally; the browser may pick ICE-TCP when UDP answers come late.
    assert.ok(['udp', 'tcp'].includes(open[0].transport), JSON.stringify(open[0]));
    assert.equal(open[0].connected, true);
    assert.ok(open[0].packets_sent > 50, JSON.stringify(open[0]));
    const del = await api.request('DELETE', location);
    assert.equal(del.status, 200);
    const again = await api.request('DELETE', location);
    assert.equal(again.status, 404);
    await waitSessions((l) => l.length === 0, 'no session after DELETE');
  } finally {
    await context.close();
  }
});

test('closing the page frees its session', { timeout: 60000 }, async () => {
  const { context, page } = await openPage();
  await whep(page, 'demo-2.sub');
  await page.waitForFunction(() => window.frames_ >= 10, null, { timeout: 20000 });
  await waitSessions((l) => l.length === 1 && l[0].connected, 'one connected session');
  await context.close();
  await waitSessions((l) => l.length === 0, 'no session after the page closed');
});
