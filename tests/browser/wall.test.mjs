// Browser test of the live wall: a daemon with 16 demo cameras, Debian's Chromium
// driven by playwright-core, video over MSE (the wall's WebRTC path is in
// wall-webrtc.test.mjs).
// Run: cd tests && node --test browser/wall.test.mjs
// Screenshots go to tests/artifacts/ (wall-*.png; failure-wall-*.png when a test fails).
// VIGIL_MSE_TRANSPORT=ws|fetch picks the wall's MSE transport (default: the UI's own).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDaemon, Client } from '../lib/daemon.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');

// Never download a browser: use the system Chromium only.
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
];
const CAMERAS = 16;
const IDLE_TIMEOUT_S = 2;

let daemon;
let browser;
let api; // a logged-in HTTP client, to read the server's consumer counts
let ui; // { context, page, problems }

function watch(page) {
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        // 401 from /api/auth/me before sign-in is expected.
        if (/Failed to load resource: the server responded with a status of 401/.test(msg.text())) return;
        problems.push(`console: ${msg.text()}`);
    });
    return problems;
}

async function newPage({ viewport = { width: 1280, height: 860 } } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    // These tests are about the MSE path (WebRTC has browser/wall-webrtc.test.mjs).
    await context.addInitScript(() => localStorage.setItem('vigil.protocol', 'mse'));
    if (process.env.VIGIL_MSE_TRANSPORT) {
        await context.addInitScript((t) => localStorage.setItem('vigil.mse.transport', t), process.env.VIGIL_MSE_TRANSPORT);
    }
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    return { context, page, problems: watch(page) };
}

async function shot(page, name) {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

function wallTest(name, fn, timeout = 120000) {
    test(name, { timeout }, async () => {
        try {
            await fn();
        } catch (e) {
            if (ui) await shot(ui.page, `failure-wall-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => {});
            throw e;
        }
    });
}

async function login(page) {
    await page.goto(`${daemon.url}/`);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Username', { exact: true }).fill('admin');
    await form.getByLabel('Password', { exact: true }).fill(daemon.adminPassword);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#current-user').waitFor();
}

const tiles = (page) => page.evaluate(() => window.vigilWall.tiles());

/** Waits until every tile of the page has decoded a frame; returns the tiles. */
async function waitAllPlaying(page, count, timeout = 60000) {
    const deadline = Date.now() + timeout;
    let last = [];
    while (Date.now() < deadline) {
        last = await tiles(page);
        if (last.length === count && last.every((t) => t.frames > 0)) return last;
        await page.waitForTimeout(250);
    }
    const summary = last.map((t) => `${t.stream}: ${t.state}/${t.status} frames ${t.frames}`).join('\n');
    const playing = last.filter((t) => t.frames > 0).length;
    const hint = (await page.locator('.tile', { hasText: 'Waiting for a free connection' }).count()) > 0
        ? '\n(the rest wait for a connection: browsers open at most 6 HTTP/1.1 connections per server' +
          ' and each fetch-streamed tile holds one; see web/js/wall/transport.js)'
        : '';
    throw new Error(`${playing} of ${count} tiles play after ${timeout / 1000} s:\n${summary}${hint}`);
}

async function chooseLayout(page, n) {
    await page.getByRole('group', { name: 'Layout' }).getByRole('button', { name: `${n} cameras per page` }).click();
    await page.waitForFunction((k) => window.vigilWall.layout() === k, n);
}

async function serverStatus() {
    const r = await api.get('/api/cameras');
    assert.equal(r.status, 200);
    // By stream: a camera's main stream and, when it has one, its sub stream.
    return new Map(r.json.flatMap((c) => [[c.id, c.status], ...(c.sub_status ? [[`${c.id}.sub`, c.sub_status]] : [])]));
}

before(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const f of await fs.readdir(ARTIFACTS)) {
        if (f.startsWith('failure-wall-')) await fs.rm(path.join(ARTIFACTS, f));
    }
    daemon = await startDaemon({
        args: ['--demo', String(CAMERAS)],
        config: `streams:\n  idle_timeout_s: ${IDLE_TIMEOUT_S}\n`,
    });
    api = new Client(daemon.url);
    await api.login('admin', daemon.adminPassword);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    ui = await newPage();
});

after(async () => {
    if (browser) await browser.close();
    if (daemon) await daemon.stop();
});

wallTest('all 16 tiles of the 16-tile wall play and keep playing', async () => {
    const { page } = ui;
    await login(page);
    await page.locator('#camera-cards').waitFor();
    await chooseLayout(page, 16);
    await page.getByText('Page 1 of 1').waitFor({ state: 'attached' });

    const first = await waitAllPlaying(page, CAMERAS, 90000);
    assert.deepEqual(first.map((t) => t.camera), Array.from({ length: CAMERAS }, (_, i) => `demo-${i + 1}`));
    const before = new Map(first.map((t) => [t.camera, t.frames]));
    await page.waitForTimeout(2000);
    const later = await tiles(page);
    for (const t of later) {
        assert.ok(t.frames > before.get(t.camera), `${t.camera}: frames rise over 2 s (${before.get(t.camera)} -> ${t.frames})`);
        assert.equal(t.protocol, 'MSE');
        assert.equal(t.state, 'playing');
        assert.ok(t.firstFrameMs > 0, `${t.camera}: first frame time is known`);
    }
    // The tile elements say the same.
    const attrs = await page.locator('.tile').evaluateAll((els) => els.map((e) => ({ ...e.dataset })));
    assert.equal(attrs.length, CAMERAS);
    for (const a of attrs) {
        assert.equal(a.stream, `${a.camera}.sub`, 'small tiles play the sub stream');
        assert.equal(a.state, 'playing');
        assert.equal(a.protocol, 'MSE');
    }
    // Every tile shows its name, state, fps and bitrate.
    const demo3 = page.locator('.tile[data-camera="demo-3"]');
    assert.match(await demo3.locator('.tile-name').textContent(), /Demo 3/);
    assert.equal(await demo3.locator('.tile-badge').textContent(), 'online');
    await page.waitForFunction(() => [...document.querySelectorAll('.tile-stats')].every((e) => /\d+ fps · [\d.]+ [kM]bit\/s/.test(e.textContent)));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
    await shot(page, 'wall-16');
    assert.deepEqual(ui.problems, []);
});

wallTest('page 2 of the 4-tile layout streams only its cameras', async () => {
    const { page } = ui;
    await chooseLayout(page, 4);
    await page.getByText('Page 1 of 4').waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2 of 4').waitFor();
    const shown = ['demo-5', 'demo-6', 'demo-7', 'demo-8'];
    const playing = await waitAllPlaying(page, 4);
    assert.deepEqual(playing.map((t) => t.camera), shown);

    // Page 1's tiles let go of their streams: consumers drop to 0, and after the
    // idle timeout the server stops those sources.
    const deadline = Date.now() + (IDLE_TIMEOUT_S + 8) * 1000;
    let st;
    for (;;) {
        st = await serverStatus();
        const others = [...st].filter(([id]) => !shown.includes(id.replace(/\.sub$/, '')));
        if (others.every(([, s]) => s.consumers === 0 && s.state === 'idle')) break;
        if (Date.now() > deadline) {
            assert.fail(`cameras not shown still stream: ${others.filter(([, s]) => s.consumers || s.state !== 'idle')
                .map(([id, s]) => `${id} ${s.state} consumers ${s.consumers}`).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of shown) {
        const s = st.get(`${id}.sub`)?.consumers ? st.get(`${id}.sub`) : st.get(id); // the stream its tile plays
        assert.ok(s.consumers >= 1, `${id} is watched`);
        assert.equal(s.state, 'online');
    }
    await shot(page, 'wall-4-page-2');

    // The layout is remembered.
    await page.reload();
    await page.waitForFunction(() => window.vigilWall.layout() === 4);
    assert.equal(await page.getByRole('button', { name: '4 cameras per page' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2 of 4').waitFor();
    await waitAllPlaying(page, 4);
    assert.deepEqual(ui.problems, []);
});

wallTest('a tile opened full screen plays the main stream alone, Escape brings the wall back', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Open Demo 6 full screen' }).click();
    const tile = page.locator('.tile[data-camera="demo-6"]');
    await page.waitForFunction(() => document.querySelector('.tile[data-camera="demo-6"]').classList.contains('is-full'));
    assert.equal(await tile.getAttribute('data-stream'), 'demo-6');
    await page.waitForFunction(() => {
        const t = window.vigilWall.tiles();
        const six = t.find((x) => x.camera === 'demo-6');
        return six.state === 'playing' && six.frames > 0 && t.filter((x) => x.camera !== 'demo-6').every((x) => x.state === 'idle');
    });
    const box = await tile.boundingBox();
    assert.ok(box.width >= 1270 && box.height >= 850, `the tile covers the window (${box.width}x${box.height})`);
    await page.getByRole('button', { name: 'Close Demo 6' }).waitFor();
    await shot(page, 'wall-full');

    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('.tile.is-full'));
    await waitAllPlaying(page, 4);
    assert.deepEqual(ui.problems, []);
});

wallTest('on a phone the wall is one column and only tiles on screen stream', async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 } });
    try {
        const { page } = phone;
        await login(page);
        await page.locator('#camera-cards').waitFor();
        await chooseLayout(page, 16);
        const cols = await page.locator('#camera-cards').evaluate((g) => getComputedStyle(g).gridTemplateColumns.split(' ').length);
        assert.equal(cols, 1);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
        await page.waitForFunction(() => window.vigilWall.tiles().filter((t) => t.frames > 0).length >= 2);
        const t = await tiles(page);
        assert.equal(t.length, CAMERAS);
        assert.equal(t[CAMERAS - 1].state, 'idle', 'the last tile is off screen and does not stream');
        await shot(page, 'wall-phone');
        assert.deepEqual(phone.problems, []);
    } finally {
        await phone.context.close();
    }
});
