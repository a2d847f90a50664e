// The live wall over WebRTC: tiles play over WHEP and say so; when WebRTC
// cannot work (here: its ports were taken when the daemon started) every tile
// falls back to MSE by itself and tells why.
// Run: cd tests && node --test browser/wall-webrtc.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { chromium } from 'playwright-core';
import { freePort, startDaemon, Client } from '../lib/daemon.mjs';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});
after(async () => {
  await browser?.close();
});

async function wallPage(daemon, api) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: daemon.url })));
  await context.addInitScript(() => localStorage.setItem('vigil.wall.layout', '4'));
  const page = await context.newPage();
  // The loopback ICE candidate needs a media permission in the page (field notes).
  await page.goto(`${daemon.url}/`);
  await page.evaluate(async () => (await navigator.mediaDevices.getUserMedia({ video: true })).getTracks().forEach((t) => t.stop()));
  await page.reload();
  return { context, page };
}

async function waitTiles(page, pred, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  let last = [];
  while (Date.now() < deadline) {
    last = await page.evaluate(() => window.vigilWall.tiles());
    if (last.length === 4 && last.every(pred)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`${what}: ${JSON.stringify(last.map((t) => [t.stream, t.protocol, t.state, t.frames, t.note]))}`);
}

test('tiles play over WebRTC and say so', { timeout: 90000 }, async () => {
  const [udp, tcp] = [await freePort(), await freePort()];
  const daemon = await startDaemon({
    args: ['--demo', '4'],
    config: `webrtc:\n  udp_port: ${udp}\n  tcp_port: ${tcp}\n  addresses: ["127.0.0.1"]\n  consent_timeout_s: 4\n`,
  });
  const api = new Client(daemon.url);
  await api.login('admin', daemon.adminPassword);
  const { context, page } = await wallPage(daemon, api);
  try {
    const tiles = await waitTiles(page, (t) => t.protocol === 'WebRTC' && t.state === 'playing' && t.frames > 5,
      'four tiles playing over WebRTC');
    assert.equal(tiles.length, 4);
    assert.equal(await page.locator('.tile[data-protocol="WebRTC"]').count(), 4);
    const sessions = (await api.get('/api/webrtc/sessions')).json.sessions;
    assert.equal(sessions.filter((s) => s.connected).length, 4, JSON.stringify(sessions));
    // The details overlay: protocol, ICE path, encryption and, for a demo
    // camera, the glass-to-glass latency read from the picture.
    const tile = page.locator('.tile[data-camera="demo-1"]');
    await tile.getByRole('button', { name: 'Details of' }).click();
    const details = tile.getByRole('region', { name: 'Stream details' });
    await details.getByText('Latency (glass to glass)').waitFor({ timeout: 10000 });
    const text = await details.innerText();
    assert.match(text, /Protocol\s+WebRTC/);
    assert.match(text, /Encryption\s+DTLS-SRTP/);
    assert.match(text, /ICE path\s+\S+\/(udp|tcp) → host\/(udp|tcp)/);
    const latency = Number(text.match(/Latency \(glass to glass\)\s+(-?\d+) ms/)[1]);
    assert.ok(latency >= 0 && latency < 2000, `latency ${latency} ms`);
    // fps and bitrate as the browser measures them (getStats bytes for WebRTC)
    await page.waitForFunction(() => /\d fps/.test(document.querySelector('.tile[data-camera="demo-1"] .tile-stats')?.textContent || ''),
      null, { timeout: 10000 });
    await page.screenshot({ path: new URL('../artifacts/wall-webrtc-details.png', import.meta.url).pathname });
  } finally {
    await context.close();
    await daemon.stop();
  }
});

test('with WebRTC unavailable the tiles fall back to MSE and tell why', { timeout: 90000 }, async () => {
  // Hold the UDP port, so the daemon starts without WebRTC.
  const holder = dgram.createSocket('udp4');
  await new Promise((r) => holder.bind(0, '0.0.0.0', r));
  const udp = holder.address().port;
  const daemon = await startDaemon({
    args: ['--demo', '4'],
    config: `webrtc:\n  udp_port: ${udp}\n  tcp_port: ${await freePort()}\n`,
  });
  const api = new Client(daemon.url);
  await api.login('admin', daemon.adminPassword);
  const { context, page } = await wallPage(daemon, api);
  try {
    assert.equal((await api.get('/api/webrtc/sessions')).json.enabled, false);
    const tiles = await waitTiles(page, (t) => t.protocol === 'MSE' && t.state === 'playing' && t.frames > 5,
      'four tiles playing over MSE');
    for (const t of tiles) assert.match(t.note, /WebRTC.*using MSE/, JSON.stringify(t));
  } finally {
    await context.close();
    await daemon.stop();
    holder.close();
  }
});
