// WHEP viewers in Chromium for the browser tests: launching the browser with
// the flags WebRTC needs on loopback (shared/docs/field-notes.md), pages logged
// in as a Client, and in-page viewers (RTCPeerConnection + <video>) whose
// answer can be stripped of UDP or TCP candidates to force a transport.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
export const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  // Loopback ICE candidates need these and a media permission (field notes).
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/**
 * A Chromium of its own whose processes the test can freeze or kill (a
 * browser from chromium.launch() does not expose its process). Playwright
 * starts it as the leader of a new process group, so a signal to -pid reaches
 * the browser, renderer, GPU and network processes at once, and nothing else.
 * Returns {browser, pid, signal(sig), close()}; close() kills what is left.
 */
export async function launchOwnBrowser() {
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  const pid = server.process().pid;
  let browser;
  try {
    // Signals go to the group -pid: make sure it is this browser's own.
    const pgrp = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[2]);
    if (pgrp !== pid) throw new Error(`chromium ${pid} is not a process group leader (group ${pgrp})`);
    browser = await chromium.connect(server.wsEndpoint());
  } catch (e) {
    await server.kill();
    throw e;
  }
  return {
    browser,
    pid,
    signal(sig) {
      process.kill(-pid, sig);
    },
    async close() {
      try {
        process.kill(-pid, 'SIGKILL'); // also ends a stopped (SIGSTOP) group
      } catch {
        // already gone
      }
      await browser.close().catch(() => {});
      await server.kill().catch(() => {});
    },
  };
}

/**
 * A new context and page of browser with api's session (cookies), on a plain
 * page of the daemon (same origin as the UI, without the UI's own players
 * eating the two cores).
 */
export async function openPage(browser, daemonUrl, api, path = '/api/health') {
  const context = await browser.newContext();
  await context.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: daemonUrl })));
  const page = await context.newPage();
  await page.goto(`${daemonUrl}${path}`);
  return { context, page };
}

/**
 * In the page: a WHEP viewer of streamId (video, and sound when audio). keep: 'all' candidates of the answer,
 * or only 'udp' or only 'tcp' ones (the others are cut from the answer before
 * setRemoteDescription, so the browser cannot reach the server over them).
 * The viewer is window.viewers[index]: {pc, video, frames} (frames counted by
 * requestVideoFrameCallback). Resolves {index, location, id, offer, answer,
 * used} (used: the answer as given to setRemoteDescription).
 */
export async function whep(page, streamId, csrf, { keep = 'all', size = 160, audio = false } = {}) {
  const r = await page.evaluate(async ({ streamId, csrf, keep, size, audio }) => {
    if (!window.mediaAllowed) {
      // A media permission makes Chromium gather loopback candidates.
      const media = await navigator.mediaDevices.getUserMedia({ video: true });
      media.getTracks().forEach((t) => t.stop());
      window.mediaAllowed = true;
      window.viewers = [];
    }
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    if (audio) pc.addTransceiver('audio', { direction: 'recvonly' });
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.width = size;
    video.height = Math.round((size * 9) / 16);
    document.body.append(video);
    const v = { pc, video, frames: 0 };
    const count = () => { v.frames++; video.requestVideoFrameCallback(count); };
    video.requestVideoFrameCallback(count);
    pc.ontrack = (e) => { video.srcObject = e.streams[0] ?? new MediaStream([e.track]); };
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(`/api/streams/${streamId}/whep`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp', 'X-CSRF-Token': csrf }, body: pc.localDescription.sdp,
    });
    if (res.status !== 201) throw new Error(`WHEP ${res.status}: ${await res.text()}`);
    const answer = await res.text();
    const drop = keep === 'udp' ? 'tcp' : keep === 'tcp' ? 'udp' : null;
    const sdp = drop
      ? answer.split('\r\n').filter((l) => !new RegExp(`^a=candidate:\\S+ \\d+ ${drop} `, 'i').test(l)).join('\r\n')
      : answer;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    window.viewers.push(v);
    return { index: window.viewers.length - 1, location: res.headers.get('Location'), offer: pc.localDescription.sdp, answer, used: sdp };
  }, { streamId, csrf, keep, size, audio });
  r.id = r.location.split('/').pop();
  return r;
}

/**
 * In the page: what getStats() says of viewer index: frames decoded, the
 * picture size, the codec, DTLS state and the selected candidate pair's
 * local/remote protocol and candidate types.
 */
export async function viewerStats(page, index) {
  return page.evaluate(async (index) => {
    const v = window.viewers[index];
    const byId = new Map();
    (await v.pc.getStats()).forEach((r) => byId.set(r.id, r));
    const out = { frames: v.frames, connectionState: v.pc.connectionState };
    for (const r of byId.values()) {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        Object.assign(out, {
          framesDecoded: r.framesDecoded, framesReceived: r.framesReceived, width: r.frameWidth,
          height: r.frameHeight, keyFramesDecoded: r.keyFramesDecoded, nackCount: r.nackCount,
          pliCount: r.pliCount, packetsLost: r.packetsLost, decoder: r.decoderImplementation,
        });
        const codec = byId.get(r.codecId);
        if (codec) Object.assign(out, { mimeType: codec.mimeType, fmtp: codec.sdpFmtpLine });
      }
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.audio = {
          packets: r.packetsReceived, samples: r.totalSamplesReceived, concealed: r.concealedSamples,
          mimeType: byId.get(r.codecId)?.mimeType,
        };
      }
      if (r.type === 'transport') {
        out.dtls = r.dtlsState;
        const pair = byId.get(r.selectedCandidatePairId);
        const local = pair && byId.get(pair.localCandidateId);
        const remote = pair && byId.get(pair.remoteCandidateId);
        if (local) Object.assign(out, { localProtocol: local.protocol, localType: local.candidateType, tcpType: local.tcpType });
        if (remote) Object.assign(out, { remoteProtocol: remote.protocol, remoteType: remote.candidateType, remotePort: remote.port });
      }
    }
    return out;
  }, index);
}

/** Polls until every viewer of the page in indexes has at least n decoded frames (getStats). */
export async function waitDecoded(page, indexes, n, timeout) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await page.evaluate(async (indexes) => {
      const out = [];
      for (const i of indexes) {
        let decoded = 0;
        (await window.viewers[i].pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') decoded = r.framesDecoded ?? 0;
        });
        out.push({ i, decoded, frames: window.viewers[i].frames, state: window.viewers[i].pc.connectionState });
      }
      return out;
    }, indexes);
    if (last.every((v) => v.decoded >= n)) return last;
    if (Date.now() > deadline) throw new Error(`not every viewer decoded ${n} frames within ${timeout} ms: ${JSON.stringify(last)}`);
    await sleep(500);
  }
}

/** GET /api/webrtc/sessions as admin: the sessions array. */
export async function sessions(api) {
  const res = await api.get('/api/webrtc/sessions');
  assert.equal(res.status, 200, res.text);
  return res.json.sessions;
}

/** Polls the session list until pred(list) holds; resolves the list. */
export async function waitSessions(api, pred, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await sessions(api);
    if (pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what} (not within ${timeout} ms): sessions ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

/**
 * The SDP an RTSP server gives for url (one DESCRIBE, no authentication), to
 * see what a camera really sends (its H.264 profile-level-id).
 */
export function rtspDescribe(url, timeout = 5000) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port || 554), u.hostname);
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`DESCRIBE ${url}: no answer within ${timeout} ms`)); }, timeout);
    sock.on('connect', () => sock.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`));
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(buf.slice(0, end).match(/^content-length:\s*(\d+)/im)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      clearTimeout(timer);
      sock.destroy();
      const status = Number(buf.match(/^RTSP\/1\.0 (\d+)/)?.[1]);
      if (status !== 200) reject(new Error(`DESCRIBE ${url}: ${buf.slice(0, end)}`));
      else resolve(buf.slice(end + 4, end + 4 + len));
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}
