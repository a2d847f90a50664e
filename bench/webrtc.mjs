#!/usr/bin/env node
// WebRTC (WHEP) live view: glass-to-glass latency next to MSE, and Vigil's CPU per WebRTC
// viewer, with Janus's streaming plugin as the peer when it is installed.
//
// One daemon with `--demo 2`; the stream is demo-1 (main, 1280x720 25 fps: the demo clip plus
// the time slice the demo source writes into macroblock row 0 of every frame).
//  1. Latency: one page plays the stream over WHEP and over MSE (the wall's MsePlayer over a
//     WebSocket) at once; on decoded frames (requestVideoFrameCallback), every --interval ms,
//     it reads the barcode (tests/lib/barcode.mjs) and takes Date.now() - barcode time.
//  2. CPU: Vigil's CPU (utime+stime, /proc/PID/stat) over --seconds with the source running
//     and no viewer, then with N WebRTC viewers (RTCPeerConnections spread over pages,
//     --per-page each); prints Vigil's CPU above idle, in total, per viewer and per packet,
//     the bitrate each viewer received (getStats), and Chromium's and other processes' CPU.
//  3. Janus (when `janus` is installed, unless --no-janus): the same clip as RTP into a Janus
//     streaming mountpoint, the same N viewers through Janus's HTTP API, Janus measured the
//     same way.
// Prints figures, never pass/fail.
//
// Usage: node bench/webrtc.mjs [--viewers 1,10,50] [--seconds 30] [--warmup 5]
//          [--latency-seconds 20] [--interval 200] [--per-page 10] [--decode key|all]
//          [--sink video|none] [--transport udp|tcp|any] [--janus-feed nal|ffmpeg]
//          [--no-latency] [--no-cpu] [--no-janus]
//   --decode key   CPU viewers decode keyframes only: an encoded transform drops the other
//                  frames after the RTP receiver, so packets, NACKs and reports are a full
//                  viewer's but Chromium does not decode 50 x 720p25 on 2 cores (default);
//                  all: every frame (Chromium saturates the machine from ~20 viewers)
//   --sink         video: each CPU viewer plays into a 64x36 <video> (default); none: the
//                  track is attached to nothing (Chromium decodes it all the same)
//   --transport    keep only the server's candidates of this protocol in the answer
//                  (default udp; any: the browser picks, and a loaded one picks ICE-TCP)
//   --janus-feed   nal: this script sends the clip as Vigil packetizes it (default);
//                  ffmpeg: `ffmpeg -re -f concat … -c copy -f rtp` (STAP-A, a fifth the packets)
//   --no-cpu       skip Vigil's CPU part (the latency part and Janus still run)
// Env: VIGIL_BIN (build/vigil), VIGIL_CHROMIUM (/usr/bin/chromium), JANUS_BIN (janus),
//      FFMPEG_BIN (ffmpeg), BENCH_DEBUG=1 (the pages' console, Janus viewers' setup times).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { CLK_TCK, now, descendants, snapshot, delta, pctCore, otherPct } from './lib/proc.mjs';
import { spawnChild, stopChild } from './lib/children.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'tests', 'package.json'));
const { chromium } = require('playwright-core');
const { startDaemon, Client, freePort, makeTempDir } = await import(path.join(ROOT, 'tests', 'lib', 'daemon.mjs'));
const { barcodeReaderSource } = await import(path.join(ROOT, 'tests', 'lib', 'barcode.mjs'));

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
    const o = {
        viewers: [1, 10, 50], seconds: 30, warmup: 5, latencySeconds: 20, latencyWarmup: 3, interval: 200,
        perPage: 10, sink: 'video', decode: 'key', transport: 'udp', janusFeed: 'nal', latency: true, cpu: true, janus: true,
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--viewers') o.viewers = val().split(',').map((s) => Number(s.trim()));
        else if (a === '--seconds') o.seconds = Number(val());
        else if (a === '--warmup') o.warmup = Number(val());
        else if (a === '--latency-seconds') o.latencySeconds = Number(val());
        else if (a === '--interval') o.interval = Number(val());
        else if (a === '--per-page') o.perPage = Number(val());
        else if (a === '--sink') o.sink = val();
        else if (a === '--decode') o.decode = val();
        else if (a === '--transport') o.transport = val();
        else if (a === '--janus-feed') o.janusFeed = val();
        else if (a === '--no-latency') o.latency = false;
        else if (a === '--no-cpu') o.cpu = false;
        else if (a === '--no-janus') o.janus = false;
        else if (a === '-h' || a === '--help') {
            console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 36).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
            process.exit(0);
        } else throw new Error(`unknown argument ${a}`);
    }
    if (!o.viewers.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--viewers: positive integers, comma-separated');
    if (!(o.seconds > 0) || !(o.warmup >= 0) || !(o.latencySeconds > 0) || !(o.interval > 0)) {
        throw new Error('--seconds, --latency-seconds, --interval > 0; --warmup >= 0');
    }
    if (!(Number.isInteger(o.perPage) && o.perPage > 0)) throw new Error('--per-page: a positive integer');
    if (!['video', 'none'].includes(o.sink)) throw new Error('--sink video|none');
    if (!['all', 'key'].includes(o.decode)) throw new Error('--decode all|key');
    if (!['udp', 'tcp', 'any'].includes(o.transport)) throw new Error('--transport udp|tcp|any');
    if (!['nal', 'ffmpeg'].includes(o.janusFeed)) throw new Error('--janus-feed nal|ffmpeg');
    return o;
}

const opt = parseArgs(process.argv.slice(2));
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const JANUS_BIN = process.env.JANUS_BIN ?? 'janus';
const FFMPEG_BIN = process.env.FFMPEG_BIN ?? 'ffmpeg';
const STREAM = 'demo-1';
const CLIP = path.join(ROOT, 'build', 'demo-clip-v1.h264'); // what the demo source loops (10 s, 250 frames)
const CLIP_SECONDS = 10;
const LAUNCH_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    // Loopback ICE candidates need these and a media permission (field notes).
    '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns',
    // Many pages at once: none of them is throttled as a background page.
    '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

/** The browser's processes: this script's children named chromium*, and their descendants. */
const browserPids = () => descendants(process.pid, /chrom/i);

// ---------------------------------------------------------------------------
// In the page: viewers, stats, barcode sampling. Installed into a blank page on the daemon's
// origin (the UI itself would start its own wall of MSE players).

function pageLib(readBarcode, interval, decode, transport) {
    const B = { pcs: [], samples: {}, misses: {}, sampling: false, players: [], debug: false };
    window.bench = B;

    B.permission = async () => {
        // Chromium gathers loopback candidates only for a page that holds a media permission.
        const m = await navigator.mediaDevices.getUserMedia({ video: true });
        m.getTracks().forEach((t) => t.stop());
    };

    B.video = (w, h) => {
        const v = document.createElement('video');
        v.muted = true;
        v.autoplay = true;
        v.playsInline = true;
        v.style.width = `${w}px`;
        v.style.height = `${h}px`;
        document.body.append(v);
        return v;
    };

    /** Samples Date.now() - barcode time on decoded frames, every `interval` ms. */
    B.sample = (name, video) => {
        B.samples[name] = [];
        B.misses[name] = 0;
        let last = 0;
        const cb = (t) => {
            if (B.sampling && t - last >= interval) {
                last = t;
                const ms = readBarcode(video);
                const at = Date.now();
                if (ms === null) B.misses[name]++;
                else B.samples[name].push(at - ms);
            }
            video.requestVideoFrameCallback(cb);
        };
        video.requestVideoFrameCallback(cb);
    };

    // --decode key: an encoded transform passes keyframes to the decoder and drops the rest
    // (after the RTP receiver: packets, NACKs and reports are the same as a full viewer's).
    B.keyOnly = (receiver) => {
        if (!B.worker) {
            const src = 'onrtctransform = (e) => { const t = e.transformer; t.readable.pipeThrough(new TransformStream({'
                + ' transform(f, c) { if (f.type === "key") c.enqueue(f); } })).pipeTo(t.writable); };';
            B.worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
        }
        receiver.transform = new RTCRtpScriptTransform(B.worker, {});
    };

    /** A WHEP viewer: offer, POST, answer. sink: a <video> element or null. Returns its index. */
    B.whep = async (url, headers, sink) => {
        const pc = new RTCPeerConnection();
        const tr = pc.addTransceiver('video', { direction: 'recvonly' });
        if (decode === 'key') B.keyOnly(tr.receiver);
        const v = { pc, location: null, video: sink };
        pc.ontrack = (e) => {
            if (v.video) v.video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        };
        await pc.setLocalDescription(await pc.createOffer());
        const res = await fetch(url, {
            method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: pc.localDescription.sdp, signal: AbortSignal.timeout(30000),
        });
        if (res.status !== 201) {
            pc.close();
            throw new Error(`WHEP ${res.status}: ${(await res.text()).slice(0, 300)}`);
        }
        v.location = res.headers.get('Location');
        let sdp = await res.text();
        // --transport udp|tcp: keep only the server's candidates of that protocol.
        if (transport !== 'any') sdp = sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:') || l.split(' ')[2].toLowerCase() === transport).join('\r\n');
        await pc.setRemoteDescription({ type: 'answer', sdp });
        B.pcs.push(v);
        return B.pcs.length - 1;
    };

    /** A viewer of a Janus streaming mountpoint through Janus's HTTP API (Janus offers, we answer). */
    B.janusViewer = async (base, mountpoint, sink) => {
        const post = async (url, body) => {
            const r = await fetch(url, {
                method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2) }), signal: AbortSignal.timeout(15000),
            });
            const j = await r.json();
            if (j.janus === 'error' || j.error) throw new Error(`janus: ${JSON.stringify(j.error ?? j)}`);
            return j;
        };
        const t0 = performance.now();
        const sid = (await post(base, { janus: 'create' })).data.id;
        const hid = (await post(`${base}/${sid}`, { janus: 'attach', plugin: 'janus.plugin.streaming' })).data.id;
        await post(`${base}/${sid}/${hid}`, { janus: 'message', body: { request: 'watch', id: mountpoint } });
        let offer = null;
        const deadline = performance.now() + 20000;
        while (!offer) {
            if (performance.now() > deadline) throw new Error('janus: no offer within 20 s');
            const evs = await (await fetch(`${base}/${sid}?maxev=10&rid=${Date.now()}`, { signal: AbortSignal.timeout(35000) })).json();
            for (const e of [].concat(evs)) {
                if (e.jsep) offer = e.jsep;
                if (e.plugindata?.data?.error) throw new Error(`janus: ${e.plugindata.data.error}`);
            }
        }
        const tOffer = performance.now();
        const pc = new RTCPeerConnection();
        const v = { pc, video: sink, janus: { base, sid } };
        pc.ontrack = (e) => {
            if (v.video) v.video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        };
        await pc.setRemoteDescription(offer);
        if (decode === 'key') for (const t of pc.getTransceivers()) if (t.receiver.track.kind === 'video') B.keyOnly(t.receiver);
        await pc.setLocalDescription(await pc.createAnswer());
        // Non-trickle: the answer goes with our candidates in it.
        await new Promise((resolve) => {
            if (pc.iceGatheringState === 'complete') resolve();
            pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
            setTimeout(resolve, 3000);
        });
        await post(`${base}/${sid}/${hid}`, { janus: 'message', body: { request: 'start' }, jsep: { type: 'answer', sdp: pc.localDescription.sdp } });
        if (B.debug) console.log(`janus viewer ${B.pcs.length}: offer after ${Math.round(tOffer - t0)} ms, started after ${Math.round(performance.now() - t0)} ms`);
        B.pcs.push(v);
        return B.pcs.length - 1;
    };

    B.stats = async () => Promise.all(B.pcs.map(async (v) => {
        const o = { state: v.pc.connectionState, bytes: 0, frames: 0 };
        (await v.pc.getStats()).forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'video') {
                Object.assign(o, {
                    bytes: r.bytesReceived ?? 0, frames: r.framesDecoded ?? 0, dropped: r.framesDropped ?? 0,
                    lost: r.packetsLost ?? 0, packets: r.packetsReceived ?? 0, plis: r.pliCount ?? 0, nacks: r.nackCount ?? 0,
                    freezes: r.freezeCount ?? 0, jbDelay: r.jitterBufferDelay ?? 0, jbCount: r.jitterBufferEmittedCount ?? 0,
                    decodeTime: r.totalDecodeTime ?? 0, width: r.frameWidth, height: r.frameHeight,
                });
            }
        });
        return o;
    }));

    /** Closes every viewer; DELETEs the WHEP sessions when given headers. */
    B.closeAll = async (headers) => {
        for (const v of B.pcs) {
            v.pc.close();
            if (v.location && headers) await fetch(v.location, { method: 'DELETE', headers, signal: AbortSignal.timeout(5000) }).catch(() => {});
            if (v.janus) {
                await fetch(`${v.janus.base}/${v.janus.sid}`, {
                    method: 'POST', body: JSON.stringify({ janus: 'destroy', transaction: 'x' }), signal: AbortSignal.timeout(5000),
                }).catch(() => {});
            }
        }
        B.pcs = [];
        for (const p of B.players) p.stop();
        B.players = [];
    };
}

/**
 * A page with pageLib installed, on the origin its viewers talk to. For Vigil: the UI's own
 * index.html with /js/app.js refused, so nothing of the UI runs (no wall of MSE players) yet
 * the document comes from the daemon (a document fulfilled by playwright counts as public
 * and may not open WebSockets to 127.0.0.1). For Janus: a blank page from this script.
 */
async function blankPage(context, url, { refuse, decode = 'all' } = {}) {
    const handler = (route) => route.abort();
    if (refuse) await context.route(refuse, handler);
    const page = await context.newPage();
    await page.goto(url);
    if (refuse) await context.unroute(refuse, handler);
    await page.evaluate(`(${pageLib})((${barcodeReaderSource}), ${opt.interval}, ${JSON.stringify(decode)}, ${JSON.stringify(opt.transport)})`);
    if (process.env.BENCH_DEBUG) {
        page.on('console', (m) => console.log(`  [page] ${m.text()}`));
        await page.evaluate(() => { window.bench.debug = true; });
    }
    return page;
}

const vigilPage = (context, origin, decode) => blankPage(context, `${origin}/`, { refuse: `${origin}/js/app.js`, decode });

// ---------------------------------------------------------------------------
// Figures

function quantile(sorted, q) {
    if (!sorted.length) return null;
    const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)];
}

function summary(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return { n: s.length, min: s[0] ?? null, median: quantile(s, 0.5), p90: quantile(s, 0.9), max: s[s.length - 1] ?? null };
}

function clipBitrate() {
    try {
        return (fs.statSync(CLIP).size * 8) / CLIP_SECONDS;
    } catch {
        return null;
    }
}

// ---------------------------------------------------------------------------
// Vigil

async function webrtcSessions(api) {
    const r = await api.get('/api/webrtc/sessions');
    if (r.status !== 200) throw new Error(`GET /api/webrtc/sessions: ${r.status} ${r.text}`);
    return r.json.sessions;
}

async function waitSessions(api, pred, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last = [];
    while (Date.now() < deadline) {
        last = await webrtcSessions(api);
        if (pred(last)) return { ok: true, sessions: last };
        await sleep(250);
    }
    return { ok: false, sessions: last };
}

/** Keeps the source of a stream running: a short MSE read starts it; idle_timeout_s holds it. */
async function startSource(d, api, stream) {
    const ac = new AbortController();
    const res = await fetch(`${d.url}/api/streams/${stream}/mse`, { headers: { Cookie: api.cookieHeader() }, signal: ac.signal });
    if (res.status !== 200) throw new Error(`GET /api/streams/${stream}/mse: ${res.status}`);
    const reader = res.body.getReader();
    let got = 0;
    while (got < 100000) {
        const { done, value } = await reader.read();
        if (done) break;
        got += value.length;
    }
    ac.abort();
    await reader.cancel().catch(() => {});
}

async function measureLatency(browser, d, api) {
    const context = await browser.newContext({ viewport: { width: 1300, height: 760 } });
    await context.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: d.url })));
    try {
        const page = await vigilPage(context, d.url);
        const info = await page.evaluate(async ({ stream, csrf }) => {
            const B = window.bench;
            await B.permission();
            const wv = B.video(640, 360);
            await B.whep(`/api/streams/${stream}/whep`, { 'X-CSRF-Token': csrf }, wv);
            B.sample('webrtc', wv);
            const mv = B.video(640, 360);
            const { MsePlayer } = await import('/js/wall/mse-player.js');
            const p = new MsePlayer(mv, stream, { transport: 'ws', onEvent: (type, detail) => { if (type === 'end') B.mseError = String(detail.error?.message); } });
            B.players.push(p);
            p.start();
            B.sample('mse', mv);
            return { mseTransport: p.transport };
        }, { stream: STREAM, csrf: api.csrf });
        await page.waitForFunction(() => {
            const v = document.querySelectorAll('video');
            return v.length === 2 && [...v].every((x) => x.readyState >= 2 && x.currentTime > 0);
        }, null, { timeout: 30000 }).catch(async () => {
            throw new Error(`players did not start: ${await page.evaluate(() => JSON.stringify({ mse: window.bench.mseError, stats: [...document.querySelectorAll('video')].map((v) => v.readyState) }))}`);
        });
        await sleep(opt.latencyWarmup * 1000);
        await page.evaluate(() => { window.bench.sampling = true; });
        await sleep(opt.latencySeconds * 1000);
        const res = await page.evaluate(async () => {
            const B = window.bench;
            B.sampling = false;
            const st = (await B.stats())[0];
            return { samples: B.samples, misses: B.misses, mseError: B.mseError ?? null, mseLatency: B.players[0]?.latency(), webrtc: st };
        });
        await page.evaluate((csrf) => window.bench.closeAll({ 'X-CSRF-Token': csrf }), api.csrf);
        return { ...res, ...info };
    } finally {
        await context.close();
    }
}

/**
 * N viewers over ceil(N / perPage) pages. target: {whep, headers} (Vigil: pages on its origin,
 * logged in) or {janus, mountpoint} (pages from this script's blank server). Returns
 * {contexts, pages, errors}.
 */
async function openViewers(browser, origin, api, n, target) {
    const nPages = Math.ceil(n / opt.perPage);
    const contexts = [];
    const pages = [];
    const errors = [];
    for (let i = 0; i < nPages; i++) {
        const context = await browser.newContext({ viewport: { width: 800, height: 600 }, bypassCSP: true });
        if (api) await context.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: origin })));
        contexts.push(context);
        pages.push(api ? await vigilPage(context, origin, opt.decode) : await blankPage(context, origin, { decode: opt.decode }));
    }
    await Promise.all(pages.map(async (page, i) => {
        const k = Math.min(opt.perPage, n - i * opt.perPage);
        const errs = await withTimeout(page.evaluate(async ({ k, target, sink }) => {
            const B = window.bench;
            await B.permission();
            const errs = [];
            for (let j = 0; j < k; j++) {
                try {
                    const video = sink === 'video' ? B.video(64, 36) : null;
                    if (target.whep) await B.whep(target.whep, target.headers, video);
                    else await B.janusViewer(target.janus, target.mountpoint, video);
                } catch (e) {
                    errs.push(e.message);
                }
            }
            return errs;
        }, { k, target, sink: opt.sink }), 240000, 'viewer setup').catch((e) => [e.message]);
        errors.push(...errs);
    }));
    return { contexts, pages, errors };
}

/** p, or a rejection after ms (a page stuck under load must not hang the script). */
function withTimeout(p, ms, what) {
    let t;
    return Promise.race([p, new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms); })])
        .finally(() => clearTimeout(t));
}

/** Every viewer's stats, page by page; a page that does not answer in 20 s counts as no viewers. */
async function allStats(pages) {
    const per = await Promise.all(pages.map((p) => withTimeout(p.evaluate(() => window.bench.stats()), 20000, 'getStats').catch(() => [])));
    return per.flatMap((list, i) => list.map((st, j) => ({ ...st, key: `${i}:${j}` })));
}

/** Waits until every viewer is connected and has decoded a frame (or timeoutMs). */
async function waitPlaying(pages, n, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let st = [];
    while (Date.now() < deadline) {
        st = await allStats(pages);
        if (st.length === n && st.every((s) => s.state === 'connected' && s.frames > 0)) return { ok: true, stats: st };
        await sleep(500);
    }
    return { ok: false, stats: st };
}

function notReady(n, ready) {
    if (ready.ok) return;
    const states = {};
    for (const st of ready.stats) {
        const k = `${st.state}${st.frames ? '' : ',no frame'}`;
        states[k] = (states[k] ?? 0) + 1;
    }
    console.log(`  N=${n}: not every viewer playing after 30 s: ${JSON.stringify(states)} of ${ready.stats.length}`);
}

async function closeViewers(v, headers) {
    await Promise.all(v.pages.map((p) => withTimeout(p.evaluate((h) => window.bench.closeAll(h), headers ?? null), 30000, 'close').catch(() => {})));
    for (const c of v.contexts) await withTimeout(c.close(), 30000, 'closing a context').catch(() => {});
}

/** The measured window: CPU of the server group, the browser, the host; viewers' stats. */
async function measureWindow(groups, pages, extra = {}) {
    // Viewer rates over the time between the two getStats rounds (taken at their middle).
    const stats = async () => {
        const t0 = now();
        const list = pages.length ? await allStats(pages) : [];
        return { t: (t0 + now()) / 2, list };
    };
    const s0 = await stats();
    const e0 = extra.before ? await extra.before() : null;
    const a = snapshot({ ...groups, browser: browserPids() });
    await sleep(opt.seconds * 1000);
    const b = snapshot({ ...groups, browser: browserPids() });
    const e1 = extra.after ? await extra.after() : null;
    const s1 = await stats();
    const r = delta(a, b);
    const first = new Map(s0.list.map((x) => [x.key, x]));
    const dt = s1.t - s0.t;
    const per = s1.list.map((s) => {
        const p = first.get(s.key) ?? { bytes: 0, frames: 0 };
        return {
            bitrate: ((s.bytes - p.bytes) * 8) / dt,
            fps: (s.frames - p.frames) / dt,
            pps: ((s.packets ?? 0) - (p.packets ?? 0)) / dt,
            dropped: (s.dropped ?? 0) - (p.dropped ?? 0),
            lost: (s.lost ?? 0) - (p.lost ?? 0),
            plis: (s.plis ?? 0) - (p.plis ?? 0),
            nacks: (s.nacks ?? 0) - (p.nacks ?? 0),
            freezes: (s.freezes ?? 0) - (p.freezes ?? 0),
            jbMs: s.jbCount > p.jbCount ? (1000 * (s.jbDelay - p.jbDelay)) / (s.jbCount - p.jbCount) : null,
            state: s.state,
        };
    });
    return { r, per, e0, e1 };
}

function viewerLine(per) {
    const br = summary(per.map((p) => p.bitrate / 1e6));
    const fps = summary(per.map((p) => p.fps));
    const sum = (k) => per.reduce((a, p) => a + p[k], 0);
    const jb = summary(per.map((p) => p.jbMs).filter((x) => x !== null));
    const pps = summary(per.map((p) => p.pps));
    return `received per viewer ${fmt(br.median, 2)} Mbit/s (min ${fmt(br.min, 2)}, max ${fmt(br.max, 2)}), ${fmt(pps.median, 0)} packets/s,` +
        ` ${fmt(fps.median, 1)} fps decoded (min ${fmt(fps.min, 1)}); jitter buffer ${fmt(jb.median, 0)} ms median;` +
        ` over all viewers: ${sum('lost')} packets lost, ${sum('nacks')} NACKs, ${sum('plis')} PLIs, ${sum('dropped')} frames dropped, ${sum('freezes')} freezes`;
}

function vigilConfig(udp, tcp) {
    return 'streams:\n  idle_timeout_s: 3600\nlog:\n  level: warn\n' +
        `webrtc:\n  udp_port: ${udp}\n  tcp_port: ${tcp}\n  addresses: ["127.0.0.1"]\n`;
}

async function benchVigil(browser) {
    const d = await startDaemon({ args: ['--demo', '2'], config: vigilConfig(await freePort(), await freePort()) });
    const api = new Client(d.url);
    await api.login('admin', d.adminPassword);
    const out = { latency: null, idle: null, rows: [] };
    try {
        await startSource(d, api, STREAM);
        await sleep(2000);
        if (opt.latency) {
            console.log(`\nlatency: ${STREAM} over WHEP and over MSE (WebSocket) in one page, Date.now() - barcode on decoded frames` +
                ` every ${opt.interval} ms for ${opt.latencySeconds} s after ${opt.latencyWarmup} s`);
            const l = await measureLatency(browser, d, api);
            out.latency = l;
            for (const name of ['webrtc', 'mse']) {
                const s = summary(l.samples[name] ?? []);
                console.log(`  ${name.padEnd(6)}: median ${fmt(s.median, 0)} ms, p90 ${fmt(s.p90, 0)} ms, max ${fmt(s.max, 0)} ms, min ${fmt(s.min, 0)} ms` +
                    ` (${s.n} samples, ${l.misses[name] ?? 0} unreadable)`);
            }
            const w = l.webrtc ?? {};
            console.log(`  webrtc jitter buffer ${fmt(w.jbCount ? (1000 * w.jbDelay) / w.jbCount : null, 0)} ms on average,` +
                ` decode ${fmt(w.frames ? (1000 * w.decodeTime) / w.frames : null, 1)} ms/frame, ${w.width}x${w.height};` +
                ` mse player's buffer ahead of the play position at the end ${fmt((l.mseLatency ?? NaN) * 1000, 0)} ms` +
                `${l.mseError ? `; MSE error: ${l.mseError}` : ''}`);
            await waitSessions(api, (s) => s.length === 0, 10000);
        }
        if (!opt.cpu) return out;

        console.log(`\nCPU: ${STREAM} main, Vigil measured for ${opt.seconds} s after ${opt.warmup} s; viewers ${opt.perPage} per page, sink ${opt.sink}, decode ${opt.decode}, transport ${opt.transport}`);
        await sleep(2000);
        const idle = await measureWindow({ vigil: [d.pid] }, []);
        out.idle = idle.r;
        const idlePct = pctCore(idle.r, 'vigil');
        console.log(`  idle (source running, no viewer): vigil ${fmt(idlePct, 2)} % of a core; chromium ${fmt(pctCore(idle.r, 'browser'), 1)} %;` +
            ` other processes ${fmt(otherPct(idle.r), 0)} % (host busy ${fmt(idle.r.hostBusyPct, 0)} % of ${os.cpus().length} cores)`);
        const headers = { 'X-CSRF-Token': api.csrf };
        for (const n of opt.viewers) {
            const logFrom = d.stderr().split('\n').length;
            const v = await openViewers(browser, d.url, api, n, { whep: `/api/streams/${STREAM}/whep`, headers });
            try {
                if (v.errors.length) console.log(`  N=${n}: ${v.errors.length} viewers failed to start: ${[...new Set(v.errors)].slice(0, 3).join(' | ')}`);
                notReady(n, await waitPlaying(v.pages, n, 30000));
                await sleep(opt.warmup * 1000);
                const m = await measureWindow({ vigil: [d.pid] }, v.pages, {
                    before: () => webrtcSessions(api),
                    after: () => webrtcSessions(api),
                });
                const before = new Map(m.e0.map((s) => [s.id, s]));
                const rising = m.e1.filter((s) => before.has(s.id) && s.packets_sent > before.get(s.id).packets_sent);
                const transports = {};
                for (const s of m.e1) transports[s.transport] = (transports[s.transport] ?? 0) + 1;
                const srvPlis = m.e1.reduce((a, s) => a + s.plis - (before.get(s.id)?.plis ?? 0), 0);
                const srvNacks = m.e1.reduce((a, s) => a + s.nacks - (before.get(s.id)?.nacks ?? 0), 0);
                const pkts = m.e1.reduce((a, s) => a + s.packets_sent - (before.get(s.id)?.packets_sent ?? 0), 0);
                const vp = pctCore(m.r, 'vigil');
                const row = {
                    n, vigilPct: vp, overPct: vp - idlePct, perViewer: (vp - idlePct) / n, browserPct: pctCore(m.r, 'browser'),
                    host: m.r.hostBusyPct, other: otherPct(m.r), sessions: m.e1.length, rising: rising.length, per: m.per,
                    pktRate: pkts / m.r.dt, srvPlis, srvNacks, transports,
                };
                row.usPerPacket = row.pktRate > 0 ? (1e6 * (row.overPct / 100)) / row.pktRate : null;
                out.rows.push(row);
                console.log(`  N=${n}: vigil ${fmt(vp, 1)} % of a core, ${fmt(row.overPct, 1)} % above idle = ${fmt(row.perViewer, 2)} % per viewer;` +
                    ` chromium ${fmt(row.browserPct, 0)} %; this script ${fmt((100 * m.r.self) / m.r.dt, 1)} %; other processes ${fmt(otherPct(m.r), 0)} %` +
                    ` (host busy ${fmt(m.r.hostBusyPct, 0)} % of ${os.cpus().length} cores)`);
                console.log(`         sessions ${m.e1.length} (${JSON.stringify(transports)}), packets_sent rising for ${rising.length} of ${n};` +
                    ` ${fmt(row.pktRate, 0)} packets/s sent in all = ${fmt(row.usPerPacket, 1)} µs of Vigil CPU per packet; server saw ${srvNacks} NACKs, ${srvPlis} PLIs;` +
                    ` kernel UDP drops: ${m.r.rcvbufErrors} receive-buffer, ${m.r.sndbufErrors} send-buffer (whole host)`);
                console.log(`         ${viewerLine(m.per)}`);
            } finally {
                await closeViewers(v, headers);
                const gone = await waitSessions(api, (s) => s.length === 0, 15000);
                if (!gone.ok) console.log(`  N=${n}: ${gone.sessions.length} sessions still open 15 s after the pages closed`);
                // What Vigil logged (level warn and up) while these viewers came and went.
                const logged = d.stderr().split('\n').slice(logFrom - 1).filter((l) => / (warn|error) /.test(l));
                if (logged.length) {
                    console.log(`  N=${n}: vigil logged ${logged.length} warnings/errors, e.g.:`);
                    for (const l of [...new Set(logged.map((x) => x.replace(/^\S+ /, '')))].slice(0, 5)) console.log(`    ${l}`);
                }
            }
            await sleep(2000);
        }
        return out;
    } catch (e) {
        if (d.exited) {
            console.error(`vigil exited (code ${d.exited.code}, signal ${d.exited.signal}); its last words:\n${d.stderr().split('\n').slice(-30).join('\n')}`);
        }
        throw e;
    } finally {
        await d.stop().catch((e) => console.error(`stopping vigil: ${e.message}`));
    }
}

// ---------------------------------------------------------------------------
// Janus: streaming plugin, one RTP mountpoint fed by ffmpeg with the demo clip

const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';

function janusConfigs(dir, httpPort, rtpPort) {
    const plugins = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'textroom', 'videocall', 'videoroom', 'voicemail'];
    const transports = ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq', 'websockets'];
    fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {
    configs_folder = "${dir}"
    plugins_folder = "${JANUS_LIB}/plugins"
    transports_folder = "${JANUS_LIB}/transports"
    events_folder = "${JANUS_LIB}/events"
    loggers_folder = "${JANUS_LIB}/loggers"
    debug_level = 4
    session_timeout = 0
}
media: {
    rtp_port_range = "40000-60000"
}
nat: {
    nice_debug = false
    ice_tcp = false
}
plugins: {
    disable = "${plugins.map((p) => `libjanus_${p}.so`).join(',')}"
}
transports: {
    disable = "${transports.map((p) => `libjanus_${p}.so`).join(',')}"
}
loggers: {
    disable = "libjanus_jsonlog.so"
}
events: {
    broadcast = false
}
`);
    fs.writeFileSync(path.join(dir, 'janus.transport.http.jcfg'), `general: {
    json = "compact"
    base_path = "/janus"
    http = true
    port = ${httpPort}
    ip = "127.0.0.1"
    https = false
}
admin: {
    admin_http = false
    admin_https = false
}
`);
    // The clip is Constrained Baseline; Chromium offers 42e01f, which Janus matches.
    fs.writeFileSync(path.join(dir, 'janus.plugin.streaming.jcfg'), `general: {
}
bench: {
    type = "rtp"
    id = 1
    description = "demo clip over RTP from ffmpeg"
    audio = false
    video = true
    videoport = ${rtpPort}
    videopt = 96
    videocodec = "h264"
    videofmtp = "profile-level-id=42e01f;packetization-mode=1"
}
`);
}

/**
 * Sends the demo clip as RTP to 127.0.0.1:port the way Vigil packetizes it: every NAL unit
 * alone in a packet, FU-A above 1200 bytes, SPS and PPS before each IDR, 25 frames a second,
 * looped. (ffmpeg's RTP muxer packs the clip's 45 small slices per frame into STAP-A packets,
 * about a fifth of the packets Vigil sends.) Returns {stop(), packets}.
 */
async function nalFeed(port) {
    const dgram = await import('node:dgram');
    const data = fs.readFileSync(CLIP);
    const nals = [];
    let i = 0;
    const next = (from) => {
        for (let k = from; k + 2 < data.length; k++) if (data[k] === 0 && data[k + 1] === 0 && data[k + 2] === 1) return k;
        return -1;
    };
    let at = next(0);
    while (at >= 0) {
        const start = at + 3;
        const nx = next(start);
        let end = nx < 0 ? data.length : nx;
        while (end > start && data[end - 1] === 0) end--; // the zero of a 4-byte start code
        nals.push(data.subarray(start, end));
        at = nx;
    }
    let sps = null;
    let pps = null;
    const frames = [];
    for (const n of nals) {
        const type = n[0] & 31;
        if (type === 7) sps = n;
        else if (type === 8) pps = n;
        else if (type === 1 || type === 5) {
            if (n[1] & 0x80 || !frames.length) frames.push({ key: type === 5, nals: [] }); // first_mb_in_slice 0
            frames[frames.length - 1].nals.push(n);
        }
    }
    for (const f of frames) if (f.key) f.nals.unshift(sps, pps);
    const sock = dgram.createSocket('udp4');
    const ssrc = (Math.random() * 2 ** 32) >>> 0;
    let seq = 0;
    let ts = 0;
    const feed = { packets: 0, stopped: false };
    // Packets leave in batches of 8 a millisecond apart: a keyframe sent in one burst
    // overflows Janus's receive socket (default size) and the loss then lasts until the next
    // keyframe, since a plain RTP source cannot be asked for one.
    const queue = [];
    let pumping = false;
    const pump = () => {
        if (feed.stopped) return;
        for (let k = 0; k < 8 && queue.length; k++) sock.send(queue.shift(), port, '127.0.0.1');
        pumping = queue.length > 0 && !feed.stopped;
        if (pumping) setTimeout(pump, 1);
    };
    const send = (payload, marker) => {
        const h = Buffer.alloc(12);
        h[0] = 0x80;
        h[1] = (marker ? 0x80 : 0) | 96;
        h.writeUInt16BE(seq++ & 0xffff, 2);
        h.writeUInt32BE(ts >>> 0, 4);
        h.writeUInt32BE(ssrc, 8);
        queue.push(Buffer.concat([h, payload]));
        feed.packets++;
        if (!pumping) {
            pumping = true;
            setImmediate(pump);
        }
    };
    const MAX = 1200;
    const sendFrame = (f) => {
        f.nals.forEach((n, k) => {
            const last = k === f.nals.length - 1;
            if (n.length <= MAX) {
                send(n, last);
                return;
            }
            const ind = (n[0] & 0xe0) | 28;
            for (let off = 1; off < n.length; off += MAX - 2) {
                const chunk = n.subarray(off, Math.min(n.length, off + MAX - 2));
                const first = off === 1;
                const end = off + chunk.length >= n.length;
                send(Buffer.concat([Buffer.from([ind, (first ? 0x80 : 0) | (end ? 0x40 : 0) | (n[0] & 31)]), chunk]), last && end);
            }
        });
    };
    const t0 = performance.now();
    let index = 0;
    const tick = () => {
        if (feed.stopped) return;
        const due = Math.floor((performance.now() - t0) / 40);
        while (index <= due) {
            sendFrame(frames[index % frames.length]);
            ts += 3600;
            index++;
        }
        setTimeout(tick, Math.max(1, t0 + index * 40 - performance.now()));
    };
    tick();
    feed.stop = () => {
        feed.stopped = true;
        sock.close();
    };
    feed.frames = frames.length;
    return feed;
}

/** A server on 127.0.0.1 that answers every GET with the blank page (Janus viewers' origin). */
async function blankServer() {
    const http = await import('node:http');
    const srv = http.createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
        res.end('<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body style="margin:0;background:#000"></body></html>');
    });
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    srv.url = `http://127.0.0.1:${srv.address().port}`;
    return srv;
}

async function benchJanus(browser, vigil) {
    // `janus --version` prints the version, then exits 1 ("Unknown option").
    const probe = spawnSync(JANUS_BIN, ['--version'], { encoding: 'utf8' });
    if (probe.error) {
        console.log(`\njanus: not run (no ${JANUS_BIN}: ${probe.error.code}; Debian: apt-get install janus)`);
        return null;
    }
    const version = (probe.stdout ?? '').split('\n').find((l) => /^Janus version/i.test(l))?.trim();
    const dir = await makeTempDir('vigil-bench-janus-');
    const httpPort = await freePort();
    const rtpPort = 20000 + Math.floor(Math.random() * 10000) * 2;
    janusConfigs(dir, httpPort, rtpPort);
    const base = `http://127.0.0.1:${httpPort}/janus`;
    const janus = spawnChild(JANUS_BIN, ['-F', dir, '-C', path.join(dir, 'janus.jcfg'), '--disable-colors']);
    let feed = null; // ffmpeg
    let nal = null; // this script's packetizer
    let srv = null;
    const out = { rows: [], idle: null };
    try {
        const deadline = Date.now() + 20000;
        for (;;) {
            if (janus.exited || janus.spawnError) throw new Error(`janus exited: ${janus.spawnError?.message ?? janus.outText.slice(-2000)}`);
            const ok = await fetch(`${base}/info`).then((r) => r.ok, () => false);
            if (ok) break;
            if (Date.now() > deadline) throw new Error(`janus not ready in 20 s: ${janus.outText.slice(-2000)}`);
            await sleep(200);
        }
        // The clip the demo source loops, at real-time pace. No time slice in it (the picture's
        // top row is the clip's dark band), so no latency figure for Janus.
        if (opt.janusFeed === 'nal') {
            nal = await nalFeed(rtpPort);
        } else {
            // -stream_loop cannot seek in a raw H.264 file (and breaks dump_extra): a concat
            // list repeats it; SPS/PPS go before every IDR (the file has them once).
            const list = path.join(dir, 'clip.txt');
            fs.writeFileSync(list, `file '${CLIP.replace(/'/g, "'\\''")}'\n`.repeat(1000)); // 10 000 s
            feed = spawnChild(FFMPEG_BIN, ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'concat', '-safe', '0', '-i', list,
                '-c', 'copy', '-bsf:v', 'dump_extra=freq=keyframe', '-f', 'rtp', `rtp://127.0.0.1:${rtpPort}?pkt_size=1200`]);
        }
        srv = await blankServer();
        const feedWhat = nal ? 'this script (one NAL unit per packet, FU-A above 1200 bytes, as Vigil packetizes; its CPU is "this script")'
            : 'ffmpeg (-re -c copy -f rtp, 1200-byte payloads: STAP-A packs the small slices)';
        console.log(`\njanus: ${version ?? JANUS_BIN}, streaming plugin, RTP mountpoint fed by ${feedWhat}` +
            ` with ${path.relative(ROOT, CLIP)}; viewers through Janus's HTTP API, ${opt.perPage} per page, decode ${opt.decode}`);
        await sleep(3000);
        if (feed?.exited) throw new Error(`ffmpeg exited: ${feed.outText.slice(-1000)}`);
        const groups = feed ? { janus: [janus.pid], ffmpeg: [feed.pid] } : { janus: [janus.pid] };
        const idle = await measureWindow(groups, []);
        out.idle = idle.r;
        const idlePct = pctCore(idle.r, 'janus');
        console.log(`  idle (feed running, no viewer): janus ${fmt(idlePct, 2)} % of a core;` +
            ` ${feed ? `ffmpeg ${fmt(pctCore(idle.r, 'ffmpeg'), 1)} %` : `this script ${fmt((100 * idle.r.self) / idle.r.dt, 1)} %`};` +
            ` other processes ${fmt(otherPct(idle.r), 0)} % (host busy ${fmt(idle.r.hostBusyPct, 0)} % of ${os.cpus().length} cores)`);
        for (const n of opt.viewers) {
            const v = await openViewers(browser, srv.url, null, n, { janus: base, mountpoint: 1 });
            try {
                if (v.errors.length) console.log(`  N=${n}: ${v.errors.length} viewers failed to start: ${[...new Set(v.errors)].slice(0, 3).join(' | ')}`);
                notReady(n, await waitPlaying(v.pages, n, 30000));
                await sleep(opt.warmup * 1000);
                const m = await measureWindow(groups, v.pages);
                const jp = pctCore(m.r, 'janus');
                const pkts = m.per.reduce((a, p) => a + p.pps, 0);
                const row = {
                    n, janusPct: jp, overPct: jp - idlePct, perViewer: (jp - idlePct) / n, browserPct: pctCore(m.r, 'browser'),
                    other: otherPct(m.r), per: m.per, pktRate: pkts, receiving: m.per.filter((p) => p.bitrate > 0).length,
                };
                row.usPerPacket = pkts > 0 ? (1e6 * (row.overPct / 100)) / pkts : null;
                out.rows.push(row);
                console.log(`  N=${n}: janus ${fmt(jp, 1)} % of a core, ${fmt(row.overPct, 1)} % above idle = ${fmt(row.perViewer, 2)} % per viewer;` +
                    ` ${feed ? `ffmpeg ${fmt(pctCore(m.r, 'ffmpeg'), 1)} %` : `this script ${fmt((100 * m.r.self) / m.r.dt, 1)} %`};` +
                    ` chromium ${fmt(row.browserPct, 0)} %; other processes ${fmt(row.other, 0)} %` +
                    ` (host busy ${fmt(m.r.hostBusyPct, 0)} % of ${os.cpus().length} cores)`);
                console.log(`         viewers receiving ${row.receiving} of ${n}; ${fmt(pkts, 0)} packets/s received in all` +
                    ` = ${fmt(row.usPerPacket, 1)} µs of Janus CPU per packet; kernel UDP drops: ${m.r.rcvbufErrors} receive-buffer,` +
                    ` ${m.r.sndbufErrors} send-buffer (whole host)`);
                console.log(`         ${viewerLine(m.per)}`);
            } finally {
                await closeViewers(v, null);
            }
            await sleep(2000);
        }
        return out;
    } catch (e) {
        console.log(`  janus failed: ${e.message}`);
        if (janus.outText) console.log(`  janus's last output:\n${janus.outText.split('\n').slice(-15).map((l) => `    ${l}`).join('\n')}`);
        return out;
    } finally {
        srv?.close();
        srv?.closeAllConnections?.();
        nal?.stop();
        await stopChild(feed);
        await stopChild(janus);
    }
}

// ---------------------------------------------------------------------------

const bitrate = clipBitrate();
console.log(`webrtc bench: ${os.cpus().length} cores, CLK_TCK ${CLK_TCK}, vigil ${process.env.VIGIL_BIN ?? 'build/vigil'}, ${CHROMIUM}`);
console.log(`stream ${STREAM}: demo clip ${path.relative(ROOT, CLIP)} ${bitrate ? `${fmt(bitrate / 1e6, 2)} Mbit/s` : 'missing'} (H.264 as encoded;` +
    ' the demo source adds the time slice to every frame, so viewers receive somewhat more)');

const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
let vigil = null;
let janus = null;
try {
    vigil = await benchVigil(browser);
    if (opt.janus) janus = await benchJanus(browser, vigil);
} finally {
    await browser.close().catch(() => {});
}

// ---------------------------------------------------------------------------
// Table

if (vigil?.rows.length || janus?.rows.length) {
    const head = ['viewers', 'vigil %core', 'above idle', '%core/viewer', 'µs/packet', 'Mbit/s/viewer', 'chromium %core', 'other %core'];
    if (janus?.rows.length) head.push('janus above idle', 'janus %core/viewer', 'janus µs/packet', 'janus Mbit/s/viewer');
    const rows = opt.viewers.map((n) => {
        const r = vigil?.rows.find((x) => x.n === n);
        const j = janus?.rows.find((x) => x.n === n);
        const out = r ? [
            String(n), fmt(r.vigilPct, 1), fmt(r.overPct, 1), fmt(r.perViewer, 2), fmt(r.usPerPacket, 1),
            fmt(summary(r.per.map((p) => p.bitrate / 1e6)).median, 2), fmt(r.browserPct, 0), fmt(r.other, 0),
        ] : [String(n), '-', '-', '-', '-', '-', '-', '-'];
        if (janus?.rows.length) {
            out.push(...(j ? [fmt(j.overPct, 1), fmt(j.perViewer, 2), fmt(j.usPerPacket, 1), fmt(summary(j.per.map((p) => p.bitrate / 1e6)).median, 2)] : ['-', '-', '-', '-']));
        }
        return out;
    });
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) => r.map((c, i) => c.padStart(widths[i])).join('  ');
    console.log(`\n${line(head)}`);
    for (const r of rows) console.log(line(r));
    if (vigil?.idle) console.log(`idle vigil (source running, no viewer): ${fmt(pctCore(vigil.idle, 'vigil'), 2)} % of a core.`);
    if (janus?.idle) console.log(`idle janus (feed running, no viewer): ${fmt(pctCore(janus.idle, 'janus'), 2)} % of a core.`);
    console.log('%core: of one core; above idle: minus the idle figure; chromium, other (processes this script did not start): during the Vigil window.');
}
if (vigil?.latency) {
    const w = summary(vigil.latency.samples.webrtc ?? []);
    const m = summary(vigil.latency.samples.mse ?? []);
    console.log(`glass-to-glass median/p90/max: webrtc ${fmt(w.median, 0)}/${fmt(w.p90, 0)}/${fmt(w.max, 0)} ms,` +
        ` mse ${fmt(m.median, 0)}/${fmt(m.p90, 0)}/${fmt(m.max, 0)} ms`);
}
console.log('For the reader (not asserted): WebRTC glass-to-glass under 150 ms; 50 viewers under one core of Vigil CPU.');
