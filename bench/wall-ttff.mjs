#!/usr/bin/env node
// Time to first frame of a 16-tile live wall: a cold page load (fresh browser
// context: no cache, no open connections) until every tile has decoded a frame.
// Each run's figure is the time from navigation start to the last tile's first
// decoded frame (and the first tile's, for scale). Prints the median of 5 runs,
// twice: with the sources already running (another viewer or the recorder keeps
// them up: the GOP cache serves the first frame) and with the sources idle (each
// tile's request starts its source).
//
// Usage: node bench/wall-ttff.mjs   (needs build/vigil and tests/node_modules)
// Env: VIGIL_BIN, VIGIL_CHROMIUM, RUNS (5), CAMERAS (16),
//      VIGIL_MSE_TRANSPORT=ws|fetch (the wall's MSE transport; default: the UI's),
//      VIGIL_PROTOCOL=webrtc|mse (the wall's first choice; default: the UI's, WebRTC).

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'tests', 'package.json'));
const { chromium } = require('playwright-core');
const { startDaemon, Client } = await import(path.join(ROOT, 'tests', 'lib', 'daemon.mjs'));

const RUNS = Number(process.env.RUNS || 5);
const CAMERAS = Number(process.env.CAMERAS || 16);
const IDLE_TIMEOUT_S = 2;
const RUN_TIMEOUT_MS = 30000;
const LAUNCH_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};

const daemon = await startDaemon({
    args: ['--demo', String(CAMERAS)],
    config: `streams:\n  idle_timeout_s: ${IDLE_TIMEOUT_S}\n`,
});
const api = new Client(daemon.url);
await api.login('admin', daemon.adminPassword);
const browser = await chromium.launch({ executablePath: process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium', args: LAUNCH_ARGS });

/** One cold page load; resolves {last, first, tiles} (ms from navigation start). */
async function run() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addCookies([...api.cookies].map(([name, value]) => ({ name, value, url: daemon.url })));
    await context.addInitScript(([layout, transport, protocol]) => {
        localStorage.setItem('vigil.wall.layout', layout);
        if (transport) localStorage.setItem('vigil.mse.transport', transport);
        if (protocol) localStorage.setItem('vigil.protocol', protocol);
    }, [String(16), process.env.VIGIL_MSE_TRANSPORT || '', process.env.VIGIL_PROTOCOL || '']);
    const page = await context.newPage();
    try {
        await page.goto(`${daemon.url}/`);
        // Done when every tile plays, or (to save time) when the only ones left wait
        // for a browser connection and nothing changed for 2 s.
        await page.waitForFunction((n) => {
            const t = window.vigilWall && window.vigilWall.tiles();
            if (!t || t.length !== n) return false;
            if (t.every((x) => x.firstFrameMs)) return true;
            if (!t.every((x) => x.firstFrameMs || x.waitingForConnection)) {
                window.benchStuckSince = null;
                return false;
            }
            window.benchStuckSince = window.benchStuckSince || performance.now();
            return performance.now() - window.benchStuckSince > 2000;
        }, Math.min(CAMERAS, 16), { timeout: RUN_TIMEOUT_MS, polling: 50 }).catch(() => {});
        const tiles = await page.evaluate(() => window.vigilWall.tiles());
        const times = tiles.map((t) => t.firstFrameMs).filter(Boolean);
        const ok = tiles.length === Math.min(CAMERAS, 16) && times.length === tiles.length;
        return { ok, tiles, last: ok ? Math.max(...times) : null, first: times.length ? Math.min(...times) : null };
    } finally {
        await context.close();
    }
}

async function waitIdle() {
    const deadline = Date.now() + 20000;
    for (;;) {
        const r = await api.get('/api/cameras');
        if (r.json.every((c) => c.status.state === 'idle')) return;
        if (Date.now() > deadline) throw new Error('sources did not go idle');
        await sleep(200);
    }
}

function report(label, results) {
    const done = results.filter((r) => r.ok);
    console.log(`\n${label}`);
    results.forEach((r, i) => {
        const playing = r.tiles.filter((t) => t.firstFrameMs).length;
        const waiting = r.tiles.filter((t) => t.waitingForConnection).length;
        const why = waiting ? `, ${waiting} waiting for a browser connection (6 per server over HTTP/1.1)` : ` after ${RUN_TIMEOUT_MS / 1000} s`;
        console.log(`  run ${i + 1}: ${r.ok ? `all ${r.tiles.length} playing at ${r.last} ms` : `only ${playing} of ${r.tiles.length} tiles playing${why}`}` +
            (r.first ? ` (first tile ${r.first} ms)` : ''));
    });
    // Where the time goes, per tile (median over every tile of every run).
    const all = results.flatMap((r) => r.tiles.map((t) => t.timing).filter((t) => t && t.frame));
    if (all.length) {
        const part = (f) => median(all.map(f));
        console.log(`  per tile (median): player start ${part((t) => t.start)} ms, server answers +${part((t) => t.open - t.start)} ms,` +
            (all[0].offer ? ` (offer made +${part((t) => t.offer - t.start)} ms, answer back +${part((t) => t.answer - t.offer)} ms)` : '') +
            ` first media appended +${part((t) => (t.appended || t.frame) - t.open)} ms, first frame +${part((t) => t.frame - (t.appended || t.frame))} ms`);
    }
    if (done.length === results.length) {
        console.log(`  median: every tile playing ${median(done.map((r) => r.last))} ms after navigation start` +
            ` (first tile ${median(done.map((r) => r.first))} ms)`);
    } else {
        console.log('  median: n/a (not every tile played in every run)');
    }
    return done.length === results.length ? median(done.map((r) => r.last)) : null;
}

let warm;
let cold;
try {
    console.log(`vigil ${daemon.url}, ${CAMERAS} demo cameras, ${RUNS} runs each, transport ${process.env.VIGIL_MSE_TRANSPORT || 'default'}`);
    // Warm-up: the demo source renders its clip once; sources start.
    await run();

    // Sources running: a reader per stream (outside the browser) keeps them up.
    const holder = new AbortController();
    for (let i = 1; i <= CAMERAS; i++) {
        fetch(`${daemon.url}/api/streams/demo-${i}/mse`, { headers: { Cookie: api.cookieHeader() }, signal: holder.signal })
            .then(async (res) => { for await (const chunk of res.body) void chunk; })
            .catch(() => {});
    }
    await sleep(3000);
    const warmRuns = [];
    for (let i = 0; i < RUNS; i++) warmRuns.push(await run());
    holder.abort();
    warm = report('sources running (GOP cache):', warmRuns);

    const coldRuns = [];
    for (let i = 0; i < RUNS; i++) {
        await waitIdle();
        coldRuns.push(await run());
    }
    cold = report('sources idle (each tile starts its source):', coldRuns);
} catch (e) {
    if (daemon.exited) {
        console.error(`vigil exited (code ${daemon.exited.code}, signal ${daemon.exited.signal}); its last words:\n` +
            daemon.stderr().split('\n').slice(-30).join('\n'));
    }
    throw e;
} finally {
    await browser.close();
    await daemon.stop().catch(() => {});
}
console.log(`\nwall-ttff: ${CAMERAS}-tile wall, every tile playing: ${warm ?? 'n/a'} ms (sources running), ${cold ?? 'n/a'} ms (sources idle); median of ${RUNS}`);
