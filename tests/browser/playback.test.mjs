// Browser test of the recordings pages: a daemon recording one demo camera in
// 4-second segments, Debian's Chromium driven by playwright-core. The playback
// page's timeline, hover picture, seeking (checked against the time the demo
// camera burns into every frame), speed, export range; the storage page's chart.
// Run: cd tests && node --test browser/playback.test.mjs
// Screenshots go to tests/artifacts/ (playback.png, storage.png, phone-playback.png;
// failure-playback-*.png when a test fails).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDaemon, Client } from '../lib/daemon.mjs';
import { barcodeReaderSource } from '../lib/barcode.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');

// Never download a browser: use the system Chromium only.
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
];
const SEGMENT_S = 4;
const CLOSED_SEGMENTS = 3;

let daemon;
let browser;
let api; // a logged-in HTTP client
let camera; // the recording camera, as created
let segments; // its closed segments when the pages were opened
let ui; // { context, page, problems }

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function watch(page) {
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        // 401 from /api/auth/me before sign-in is expected.
        if (/Failed to load resource: the server responded with a status of 401/.test(msg.text())) return;
        // A failed request is reported below, with its URL.
        if (/Failed to load resource/.test(msg.text())) return;
        problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
        // 401: what the page asks before signing in.
        if (res.status() < 400 || res.status() === 401) return;
        problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    return problems;
}

async function newPage({ viewport = { width: 1280, height: 860 } } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    return { context, page, problems: watch(page) };
}

async function shot(page, name) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

function pbTest(name, fn, timeout = 120000) {
    test(name, { timeout }, async (t) => {
        try {
            await fn(t);
        } catch (e) {
            if (ui) await shot(ui.page, `failure-playback-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => {});
            throw e;
        }
    });
}

/** Signs in on the sign-in page of `hash`, which opens once signed in (not the live wall). */
async function login(page, hash) {
    await page.goto(`${daemon.url}/${hash}`);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Username', { exact: true }).fill('admin');
    await form.getByLabel('Password', { exact: true }).fill(daemon.adminPassword);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#current-user').waitFor();
}

function nav(page) {
    return page.getByRole('navigation', { name: 'Main' });
}

/** The closed segments of the camera so far, oldest first. */
async function closedSegments() {
    const q = new URLSearchParams({ camera: camera.id, from: String(Date.now() - 3600000), to: String(Date.now() + 60000) });
    const r = await api.get(`/api/recordings/segments?${q}`);
    assert.equal(r.status, 200, `segments: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json.segments.filter((s) => !s.live);
}

const pbState = (page) => page.evaluate(() => window.vigilPlayback.state());

/** The page x of a moment on the timeline, and the moment that x stands for. */
async function timelineX(page, ms) {
    const view = await page.locator('#timeline').evaluate((e) => ({ from: Number(e.dataset.viewFrom), to: Number(e.dataset.viewTo) }));
    const box = await page.locator('.tl-bar').boundingBox();
    assert.ok(ms >= view.from && ms <= view.to, `${ms} is inside the timeline's view ${view.from}..${view.to}`);
    const x = Math.round(box.x + ((ms - view.from) / (view.to - view.from)) * box.width);
    return { x, y: box.y + box.height / 2, top: box.y + 4, ms: view.from + ((x - box.x) / box.width) * (view.to - view.from) };
}

/** Shift-drag on the timeline from one moment to another. */
async function selectRange(page, fromMs, toMs) {
    const a = await timelineX(page, fromMs);
    const b = await timelineX(page, toMs);
    await page.keyboard.down('Shift');
    await page.mouse.move(a.x, a.top);
    await page.mouse.down();
    await page.mouse.move(b.x, b.top, { steps: 8 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    return { from: a.ms, to: b.ms };
}

/** The demo time in the frame shown now and the page's wall clock for it, read together. */
function sampleFrame(page) {
    return page.evaluate(`(() => {
        const read = ${barcodeReaderSource};
        const v = document.querySelector('#playback-video');
        return { code: read(v), wall: window.vigilPlayback.state().wallMs, clock: Number(document.querySelector('#pb-clock').dataset.ms) };
    })()`);
}

before(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const f of await fs.readdir(ARTIFACTS)) {
        if (f.startsWith('failure-playback-')) await fs.rm(path.join(ARTIFACTS, f));
    }
    daemon = await startDaemon({ config: `retention:\n  segment_seconds: ${SEGMENT_S}\n` });
    api = new Client(daemon.url);
    await api.login('admin', daemon.adminPassword);
    const r = await api.post('/api/cameras', { name: 'Rec', main_url: 'demo:1', record: true });
    assert.equal(r.status, 201, `create camera: ${r.status} ${r.text}`);
    camera = r.json;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});

after(async () => {
    if (browser) await browser.close();
    if (daemon) await daemon.stop();
});

pbTest('the camera records segments of the configured length', async () => {
    const deadline = Date.now() + (CLOSED_SEGMENTS + 6) * SEGMENT_S * 1000;
    for (;;) {
        segments = await closedSegments();
        if (segments.length >= CLOSED_SEGMENTS) break;
        if (Date.now() > deadline) {
            const cams = await api.get('/api/cameras');
            const rec = cams.json?.find((c) => c.id === camera.id)?.recording;
            assert.fail(`${segments.length} closed segments after ${(CLOSED_SEGMENTS + 6) * SEGMENT_S} s; recorder: ${JSON.stringify(rec)}`);
        }
        await sleep(500);
    }
    for (const s of segments.slice(0, -1)) {
        assert.ok(Math.abs(s.duration_ms - SEGMENT_S * 1000) <= 2500, `segment ${s.id} lasts about ${SEGMENT_S} s (${s.duration_ms} ms)`);
    }
});

pbTest('the timeline shows what was recorded and a picture under the pointer', async () => {
    ui = await newPage();
    const { page } = ui;
    await login(page, `#/playback?camera=${camera.id}`);
    await page.getByRole('heading', { name: 'Recordings' }).waitFor();
    await page.locator('.tl-span').first().waitFor();
    const span = await page.locator('.tl-span').first().boundingBox();
    assert.ok(span.width >= 20, `the recorded span is drawn (${span.width}px wide)`);
    assert.equal(await page.getByLabel('Camera', { exact: true }).inputValue(), camera.id);
    assert.equal(await nav(page).getByRole('link', { name: 'Recordings', exact: true }).getAttribute('aria-current'), 'page');
    assert.equal(await page.getByRole('link', { name: 'Live view of Rec' }).getAttribute('href'), `#/?camera=${camera.id}`);

    const first = segments[0];
    const at = await timelineX(page, first.start_ms + 2000);
    const thumb = page.waitForResponse((r) => r.url().includes('/api/recordings/thumbnail.jpg'));
    await page.mouse.move(at.x, at.y);
    const res = await thumb;
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /image\/jpeg/);
    const url = new URL(res.url());
    assert.equal(url.searchParams.get('camera'), camera.id);
    assert.equal(url.searchParams.get('width'), '240');
    assert.ok(Math.abs(Number(url.searchParams.get('at')) - at.ms) <= 1000, 'the picture is of the moment under the pointer');
    await page.waitForFunction(() => {
        const img = document.querySelector('.tl-tip-img');
        return img && !img.hidden && img.complete && img.naturalWidth > 0;
    });
    assert.ok(await page.locator('.tl-tip').isVisible(), 'the picture is shown');
    assert.match(await page.locator('.tl-tip-time').textContent(), /\d\d:\d\d:\d\d/);
});

let clicked;

pbTest('a click on the timeline plays from that moment', async (t) => {
    const { page } = ui;
    const target = await timelineX(page, segments[0].start_ms + 5000);
    clicked = target.ms;
    await page.mouse.click(target.x, target.y);
    await page.waitForFunction(() => {
        const s = window.vigilPlayback.state();
        return s.state === 'playing' && s.file !== null;
    });
    const state = await pbState(page);
    assert.ok(state.file.start <= clicked + 1, 'the file starts at or before the moment (at its keyframe)');
    assert.ok(state.file.url.startsWith(`/api/recordings/play.mp4?camera=${camera.id}&from=`), state.file.url);

    // The first frames shown: the picture's own time is the moment clicked.
    let sample = null;
    for (let i = 0; i < 20 && !(sample && sample.code !== null); i++) {
        sample = await sampleFrame(page);
        if (sample.code === null) await sleep(50);
    }
    assert.ok(sample.code !== null, 'the demo barcode is read from the video');
    t.diagnostic(`first picture ${Math.round(sample.code - clicked)} ms after the moment clicked; page clock off by ${Math.round(sample.wall - sample.code)} ms`);
    assert.ok(Math.abs(sample.code - clicked) <= 1500, `the picture shows ${sample.code - clicked} ms from the moment clicked`);
    assert.ok(Math.abs(sample.wall - sample.code) <= 1000, `the page maps the video to its recording time (off by ${sample.wall - sample.code} ms)`);
    assert.ok(Math.abs(sample.clock - clicked) <= 2000, `the clock shows the moment clicked (off by ${sample.clock - clicked} ms)`);
    const playhead = await page.locator('.tl-playhead').boundingBox();
    assert.ok(Math.abs(playhead.x + playhead.width / 2 - target.x) <= 60, 'the playhead is where the click was');

    // And it plays on.
    const t0 = (await pbState(page)).currentTime;
    await sleep(1000);
    const t1 = (await pbState(page)).currentTime;
    assert.ok(t1 - t0 > 0.5, `currentTime advances (${t0} -> ${t1})`);
});

pbTest('at 4x the recording goes by faster', async (t) => {
    const { page } = ui;
    const rate = async () => {
        const a = await pbState(page);
        const t = Date.now();
        await sleep(1500);
        const b = await pbState(page);
        return (b.wallMs - a.wallMs) / (Date.now() - t);
    };
    const normal = await rate();
    await page.getByLabel('Speed', { exact: true }).selectOption('4');
    await page.waitForFunction(() => window.vigilPlayback.state().rate === 4);
    const fast = await rate();
    t.diagnostic(`recorded seconds per second: ${normal.toFixed(2)} at 1x, ${fast.toFixed(2)} at 4x`);
    assert.ok(normal > 0.5 && normal < 1.6, `1x plays about a second a second (${normal.toFixed(2)})`);
    assert.ok(fast > 2.2 && fast > 1.8 * normal, `4x plays faster (${fast.toFixed(2)} s a second against ${normal.toFixed(2)})`);

    // Keyboard: space pauses, the left arrow goes back 10 s.
    await page.locator('.tl-bar').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.vigilPlayback.state().state === 'paused');
    const paused = (await pbState(page)).wallMs;
    const back = Math.max(paused - 10000, segments[0].start_ms);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((ms) => {
        const s = window.vigilPlayback.state();
        return s.state === 'paused' && Math.abs(s.wallMs - ms) < 1500;
    }, back);
});

pbTest('a range over 6 hours cannot be exported; a short one gives the MP4 link', async () => {
    const { page } = ui;
    const zoom = page.getByLabel('Zoom', { exact: true });
    await zoom.selectOption('0'); // the whole day
    const view = await page.locator('#timeline').evaluate((e) => ({ from: Number(e.dataset.viewFrom), to: Number(e.dataset.viewTo) }));
    await selectRange(page, view.from + 3600000, view.from + 11 * 3600000);
    await page.locator('#pb-export-message').getByRole('alert').filter({ hasText: /at most 6 hours/ }).waitFor();
    assert.equal(await page.locator('#pb-export').getAttribute('href'), null, 'no link for a range too long');

    await zoom.selectOption(String(5 * 60000));
    const from = segments[0].start_ms + 1000;
    const to = segments[0].start_ms + 7000;
    const range = await selectRange(page, from, to);
    await page.locator('#pb-export[href]').waitFor();
    assert.equal(await page.locator('#pb-export-message').textContent(), '', 'no error for a short range');
    const href = await page.locator('#pb-export').getAttribute('href');
    const url = new URL(href, daemon.url);
    assert.equal(url.pathname, '/api/recordings/play.mp4');
    assert.equal(url.searchParams.get('camera'), camera.id);
    assert.equal(url.searchParams.get('download'), '1');
    assert.ok(Math.abs(Number(url.searchParams.get('from')) - range.from) <= 1000, `from ${url.searchParams.get('from')} ~ ${range.from}`);
    assert.ok(Math.abs(Number(url.searchParams.get('to')) - range.to) <= 1000, `to ${url.searchParams.get('to')} ~ ${range.to}`);
    assert.match(await page.locator('#pb-range').textContent(), /6 s/);

    // The link downloads the clip.
    const res = await fetch(url, { headers: { Cookie: api.cookieHeader() } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') || '', /attachment/);
    assert.match(res.headers.get('content-type') || '', /video\/mp4/);
    assert.ok((await res.arrayBuffer()).byteLength > 10000, 'the clip has video in it');

    // Closer, with the picture under the pointer, for the screenshot.
    await zoom.selectOption(String(60000));
    await page.evaluate(() => window.scrollTo(0, 0));
    const at = await timelineX(page, segments[1].start_ms + 2000);
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => {
        const img = document.querySelector('.tl-tip-img');
        return img && !img.hidden && img.complete && img.naturalWidth > 0;
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'playback.png'), fullPage: true });
    assert.deepEqual(ui.problems, []);
});

pbTest('the storage page charts the camera’s recordings', async () => {
    const { page } = ui;
    await nav(page).getByRole('link', { name: 'Storage', exact: true }).click();
    const row = page.locator(`#camera-usage .usage-row[data-camera-id="${camera.id}"]`);
    await row.waitFor();
    assert.match(await row.locator('.usage-name').textContent(), /Rec/);
    assert.match(await row.locator('.usage-size').textContent(), /\d+(\.\d+)? [kMG]?B/);
    assert.match(await row.locator('.rec-state').textContent(), /^recording$/);
    const bar = await row.locator('.usage-fill').boundingBox();
    assert.ok(bar && bar.width > 10, 'the camera has a bar');
    const disk = await page.locator('#disk-bar .disk-part').evaluateAll((els) => els.map((e) => e.dataset.part));
    assert.deepEqual(disk, ['recordings', 'other', 'free']);
    assert.notEqual(await page.locator('#oldest').textContent(), 'none yet');
    assert.equal(await row.getByRole('link').getAttribute('href'), `#/playback?camera=${camera.id}`);
    await shot(page, 'storage');
    assert.deepEqual(ui.problems, []);
});

pbTest('the playback page fits a phone', async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 } });
    try {
        const { page } = phone;
        await login(page, `#/playback?camera=${camera.id}&at=${Math.round(segments[1].start_ms + 1000)}`);
        await page.locator('.tl-span').first().waitFor();
        await page.waitForFunction(() => window.vigilPlayback && window.vigilPlayback.state().state === 'playing');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
        await page.getByRole('button', { name: 'Pause' }).click();
        await shot(page, 'phone-playback');
        assert.deepEqual(phone.problems, []);
    } finally {
        await phone.context.close();
    }
});
