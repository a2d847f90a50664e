// Browser test of the web UI: a real daemon, Debian's Chromium driven by playwright-core.
// Run: cd tests && node --test browser/
// Screenshots go to tests/artifacts/ (failure-*.png when a test fails).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDaemon } from '../lib/daemon.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');

// Never download a browser: use the system Chromium only.
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const CAMERA_SECRET = 's3cret-Cam-pw';
const NVR_SECRET = 'nvr-Secret-9';
const VIEWER = { username: 'viewer1', password: 'viewer-pass-123', newPassword: 'viewer-pass-456' };

let daemon;
let browser;
let admin; // { context, page, problems }

// Console errors that are not expected network answers (401 from /api/auth/me before
// sign-in, 4xx from deliberate wrong input) mean a bug: a CSP violation, an exception.
function watch(page) {
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        if (/Failed to load resource: the server responded with a status of (401|403|404|409|429)/.test(msg.text())) return;
        problems.push(`console: ${msg.text()}`);
    });
    return problems;
}

async function newPage({ viewport = { width: 1280, height: 860 } } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const problems = watch(page);
    return { context, page, problems };
}

async function shot(page, name) {
    // Full-page shots of a scrolled page draw the sticky header mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Runs a test body; on failure saves a screenshot of the page for the report.
function uiTest(name, pageOf, fn) {
    test(name, async () => {
        try {
            await fn();
        } catch (e) {
            const p = pageOf();
            if (p) {
                const file = `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
                await shot(p, file).catch(() => {});
            }
            throw e;
        }
    });
}

async function login(page, username, password) {
    await page.goto(`${daemon.url}/`);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Username', { exact: true }).fill(username);
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
}

function nav(page) {
    return page.getByRole('navigation', { name: 'Main' });
}

before(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const f of await fs.readdir(ARTIFACTS)) {
        if (f.startsWith('failure-')) await fs.rm(path.join(ARTIFACTS, f));
    }
    daemon = await startDaemon({ adminPassword: 'admin-pass-123', args: ['--demo', '2'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    admin = await newPage();
});

after(async () => {
    if (browser) await browser.close();
    if (daemon) await daemon.stop();
});

const adminPage = () => admin && admin.page;

uiTest('the UI is served with a CSP and the sign-in page shows a wrong password', adminPage, async () => {
    const { page } = admin;
    const res = await page.goto(`${daemon.url}/`);
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /default-src 'self'/, 'index.html carries the CSP');

    await login(page, 'admin', 'not-the-password');
    const alert = page.getByRole('form', { name: 'Sign in' }).getByRole('alert');
    await alert.waitFor();
    assert.ok((await alert.textContent()).trim().length > 0, 'an error message is shown');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password field is cleared');
    await shot(page, 'login-error');
});

uiTest('admin signs in and the header shows user, role and the admin nav', adminPage, async () => {
    const { page } = admin;
    await login(page, 'admin', daemon.adminPassword);
    await page.locator('#current-user').waitFor();
    assert.equal(await page.locator('#current-user').textContent(), 'admin');
    assert.equal(await page.locator('#current-role').textContent(), 'admin');
    for (const item of ['Home', 'Recordings', 'Cameras', 'Storage', 'Users', 'Tokens', 'Audit', 'Account']) {
        assert.equal(await nav(page).getByRole('link', { name: item, exact: true }).count(), 1, `nav has ${item}`);
    }
    await page.getByRole('button', { name: 'Log out' }).waitFor();
});

uiTest('admin adds a camera and the list shows its password masked', adminPage, async () => {
    const { page } = admin;
    await nav(page).getByRole('link', { name: 'Cameras', exact: true }).click();
    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('form', { name: 'Add camera' });
    await form.getByLabel('ID', { exact: true }).fill('front-door');
    await form.getByLabel('Name', { exact: true }).fill('Front door');
    await form.getByLabel('Zone', { exact: true }).fill('north');
    await form.getByLabel('Main URL', { exact: true }).fill(`rtsp://admin:${CAMERA_SECRET}@10.0.0.5:554/Streaming/Channels/101`);
    await form.getByLabel('Sub URL', { exact: true }).fill(`rtsp://admin:${CAMERA_SECRET}@10.0.0.5:554/Streaming/Channels/102`);
    await form.getByLabel('Record', { exact: true }).check();
    await form.getByRole('button', { name: 'Add camera' }).click();

    const row = page.locator('tr[data-camera-id="front-door"]');
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, /Front door/);
    assert.match(text, /north/);
    assert.match(text, /rtsp:\/\/admin:\*{8}@10\.0\.0\.5:554\/Streaming\/Channels\/101/);
    assert.ok(!(await page.content()).includes(CAMERA_SECRET), 'the camera password never reaches the page');
    await page.getByRole('status').filter({ hasText: 'Added camera front-door' }).waitFor();
});

uiTest('the camera form tests a connection and says what it found or why not', adminPage, async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('form', { name: 'Add camera' });
    await form.getByLabel('Main URL', { exact: true }).fill('demo:1');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByRole('status').filter({ hasText: /Connected: h264 .*1280×720 at 25 fps/ }).waitFor();
    // Nothing listens on port 1: the answer names the reason instead of hanging.
    await form.getByLabel('Main URL', { exact: true }).fill('rtsp://127.0.0.1:1/stream');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByRole('alert').filter({ hasText: /unreachable/ }).waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
});

uiTest('server data is shown as text, never as markup; a camera is deleted after confirming', adminPage, async () => {
    const { page } = admin;
    const evil = '<img src=x id=pwned onerror="document.title=1">';
    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('form', { name: 'Add camera' });
    await form.getByLabel('ID', { exact: true }).fill('xss-probe');
    await form.getByLabel('Name', { exact: true }).fill(evil);
    await form.getByLabel('Main URL', { exact: true }).fill('demo:1');
    await form.getByRole('button', { name: 'Add camera' }).click();
    const row = page.locator('tr[data-camera-id="xss-probe"]');
    await row.waitFor();
    assert.ok((await row.textContent()).includes(evil), 'the name is shown literally');
    assert.equal(await page.locator('#pwned').count(), 0, 'no element was created from the name');

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Deleted camera xss-probe' }).waitFor();
});

uiTest('read-only demo cameras cannot be edited or deleted', adminPage, async () => {
    const { page } = admin;
    const row = page.locator('tr[data-camera-id="demo-1"]');
    await row.waitFor();
    assert.match(await row.textContent(), /read-only/);
    assert.equal(await row.getByRole('button').count(), 0, 'no Edit/Delete on a read-only camera');
});

uiTest('admin edits the camera; the masked URL sent back keeps the secret', adminPage, async () => {
    const { page } = admin;
    const row = page.locator('tr[data-camera-id="front-door"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit camera front-door' });
    assert.ok(await form.getByLabel('ID', { exact: true }).isDisabled(), 'the id cannot be changed');
    await form.getByLabel('Name', { exact: true }).fill('Front door cam');
    await form.getByRole('button', { name: 'Save camera' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved camera front-door' }).waitFor();
    await page.locator('tr[data-camera-id="front-door"]', { hasText: 'Front door cam' }).waitFor();
    const text = await row.textContent();
    assert.match(text, /Front door cam/);
    assert.match(text, /rtsp:\/\/admin:\*{8}@10\.0\.0\.5/, 'URL still has its (masked) password');
});

uiTest('admin imports a Hikvision NVR and its 4 channel cameras appear', adminPage, async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Import NVR' }).click();
    const form = page.getByRole('form', { name: 'Import NVR' });
    assert.equal(await form.getByLabel('Port', { exact: true }).inputValue(), '554', 'port defaults to 554');

    // The URL templates are only for the generic vendor.
    await form.getByLabel('Vendor', { exact: true }).selectOption('generic');
    assert.ok(await form.getByLabel('Template', { exact: true }).isVisible(), 'generic shows the template');
    assert.ok(await form.getByLabel('Sub template', { exact: true }).isVisible());
    await form.getByLabel('Vendor', { exact: true }).selectOption('hikvision');
    assert.ok(!(await form.getByLabel('Template', { exact: true }).isVisible()), 'hikvision hides the template');

    await form.getByLabel('ID', { exact: true }).fill('nvr1');
    await form.getByLabel('Name', { exact: true }).fill('Garage NVR');
    await form.getByLabel('Host', { exact: true }).fill('10.0.0.20');
    await form.getByLabel('Username', { exact: true }).fill('admin');
    await form.getByLabel('Password', { exact: true }).fill(NVR_SECRET);
    await form.getByLabel('Channels', { exact: true }).fill('4');
    await form.getByRole('button', { name: 'Import' }).click();

    const result = page.locator('#nvr-message');
    await result.getByText('Imported NVR nvr1').waitFor();
    const added = await result.getByRole('list', { name: 'Cameras added' }).getByRole('listitem').allTextContents();
    assert.deepEqual(added, ['nvr1-ch1', 'nvr1-ch2', 'nvr1-ch3', 'nvr1-ch4']);

    for (let ch = 1; ch <= 4; ch++) {
        const row = page.locator(`tr[data-camera-id="nvr1-ch${ch}"]`);
        await row.waitFor();
        const text = await row.textContent();
        assert.match(text, new RegExp(`Garage NVR channel ${ch}`));
        assert.match(text, new RegExp(`rtsp://admin:\\*{8}@10\\.0\\.0\\.20:554/Streaming/Channels/${ch}01`));
    }
    assert.ok(!(await page.content()).includes(NVR_SECRET), 'the NVR password never reaches the page');
    const nvrRow = page.locator('tr[data-nvr-id="nvr1"]');
    assert.match(await nvrRow.textContent(), /hikvision/);

    // Sync adds only missing channels: none are missing.
    await nvrRow.getByRole('button', { name: 'Sync' }).click();
    await result.getByText('Synced NVR nvr1').waitFor();
    assert.match(await result.textContent(), /nothing added/);
    await shot(page, 'cameras');
});

uiTest('the home page lists the cameras as cards', adminPage, async () => {
    const { page } = admin;
    await nav(page).getByRole('link', { name: 'Home', exact: true }).click();
    const cards = page.locator('#camera-cards');
    await cards.waitFor();
    for (const id of ['demo-1', 'demo-2', 'front-door', 'nvr1-ch1', 'nvr1-ch2', 'nvr1-ch3', 'nvr1-ch4']) {
        await cards.locator(`[data-camera-id="${id}"]`).waitFor();
    }
    const front = cards.locator('[data-camera-id="front-door"]');
    const text = await front.textContent();
    assert.match(text, /Front door cam/);
    assert.match(text, /north/);
    assert.match(text, /Enabled/);
    assert.match(text, /Recording/);
    await shot(page, 'home');
});

uiTest('admin adds a viewer limited to one camera', adminPage, async () => {
    const { page } = admin;
    await nav(page).getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('button', { name: 'Add user' }).click();
    const form = page.getByRole('form', { name: 'Add user' });
    await form.getByLabel('Username', { exact: true }).fill(VIEWER.username);
    await form.getByLabel('Password', { exact: true }).fill(VIEWER.password);
    await form.getByLabel('Role', { exact: true }).selectOption('viewer');
    await form.getByLabel('Cameras', { exact: true }).fill('front-door');
    await form.getByRole('button', { name: 'Add user' }).click();
    const row = page.locator(`tr[data-user="${VIEWER.username}"]`);
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, /viewer/);
    assert.match(text, /front-door/);
    await shot(page, 'users');
});

uiTest('the audit page shows what happened', adminPage, async () => {
    const { page } = admin;
    await nav(page).getByRole('link', { name: 'Audit', exact: true }).click();
    const list = page.locator('#audit-list');
    await list.locator('table').waitFor();
    const text = await list.textContent();
    for (const action of ['login_failed', 'login', 'camera.create', 'camera.update', 'camera.delete', 'nvr.create', 'nvr.sync', 'user.create']) {
        assert.ok(text.includes(action), `audit lists ${action}`);
    }
    await shot(page, 'audit');
});

uiTest('admin deletes the NVR after confirming, and its cameras go with it', adminPage, async () => {
    const { page } = admin;
    await nav(page).getByRole('link', { name: 'Cameras', exact: true }).click();
    const nvrRow = page.locator('tr[data-nvr-id="nvr1"]');
    await nvrRow.waitFor();

    await nvrRow.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Delete NVR').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await nvrRow.count(), 1, 'cancel keeps the NVR');

    await nvrRow.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.locator('#nvr-message').getByText('Deleted NVR nvr1').waitFor();
    // The list is reloaded after the message: wait for the row to go.
    await nvrRow.waitFor({ state: 'detached' });
    assert.equal(await nvrRow.count(), 0);
    await page.locator('tr[data-camera-id="nvr1-ch1"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('tr[data-camera-id^="nvr1-"]').count(), 0, 'channel cameras are gone');
    await page.locator('tr[data-camera-id="front-door"]').waitFor();
});

uiTest('admin logs out and the session is gone', adminPage, async () => {
    const { page, problems } = admin;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    assert.equal(await nav(page).count(), 0, 'no nav when signed out');
    await page.goto(`${daemon.url}/#/cameras`);
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    assert.deepEqual(problems, [], 'no page errors or CSP violations');
});

let viewer;
const viewerPage = () => viewer && viewer.page;

uiTest('a viewer sees no admin pages and only the cameras allowed', viewerPage, async () => {
    viewer = await newPage();
    const { page } = viewer;
    await login(page, VIEWER.username, VIEWER.password);
    await page.locator('#current-role').waitFor();
    assert.equal(await page.locator('#current-role').textContent(), 'viewer');
    const links = await nav(page).getByRole('link').allTextContents();
    assert.deepEqual(links, ['Home', 'Recordings', 'Cameras', 'Storage', 'Tokens', 'Account']);

    const cards = page.locator('#camera-cards');
    await cards.waitFor();
    assert.deepEqual(await cards.locator('[data-camera-id]').evaluateAll((els) => els.map((e) => e.dataset.cameraId)),
        ['front-door']);

    await nav(page).getByRole('link', { name: 'Cameras', exact: true }).click();
    await page.locator('tr[data-camera-id="front-door"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Add camera' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Import NVR' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Edit|Delete/ }).count(), 0);

    await page.goto(`${daemon.url}/#/users`);
    await page.getByText('Only administrators can open this page.').waitFor();
});

uiTest('a viewer changes their own password', viewerPage, async () => {
    const { page } = viewer;
    await nav(page).getByRole('link', { name: 'Account', exact: true }).click();
    const form = page.getByRole('form', { name: 'Change your password' });
    await form.getByLabel('Current password', { exact: true }).fill(VIEWER.password);
    await form.getByLabel('New password', { exact: true }).fill(VIEWER.newPassword);
    await form.getByLabel('Repeat new password', { exact: true }).fill(VIEWER.newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await shot(page, 'account');
});

uiTest('a viewer creates an API token, shown once', viewerPage, async () => {
    const { page } = viewer;
    await nav(page).getByRole('link', { name: 'Tokens', exact: true }).click();
    const form = page.getByRole('form', { name: 'Create token' });
    await form.getByLabel('Name', { exact: true }).fill('home-assistant');
    await form.getByLabel('Expires in days', { exact: true }).fill('30');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = page.locator('#token-secret');
    await secret.waitFor();
    const value = await secret.inputValue();
    assert.match(value, /^vgt_/);
    await page.locator('#token-list tr[data-token-id]').first().waitFor();
    assert.match(await page.locator('#token-list').textContent(), /home-assistant/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await shot(page, 'tokens');

    // The secret is not shown again.
    await page.reload();
    await page.locator('#token-list tr[data-token-id]').first().waitFor();
    assert.equal(await page.locator('#token-secret').count(), 0);
    assert.ok(!(await page.content()).includes(value), 'the token secret is shown only once');
});

uiTest('when the session ends, the next request brings back the sign-in form', viewerPage, async () => {
    const { page, context } = viewer;
    await context.clearCookies();
    await nav(page).getByRole('link', { name: 'Home', exact: true }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    assert.equal(await nav(page).count(), 0);
});

uiTest('the UI works on a phone-sized screen', () => viewer && viewer.page, async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 } });
    try {
        await login(phone.page, VIEWER.username, VIEWER.newPassword);
        await phone.page.locator('#camera-cards [data-camera-id="front-door"]').waitFor();
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
        await shot(phone.page, 'phone-home');
        await nav(phone.page).getByRole('link', { name: 'Cameras', exact: true }).click();
        await phone.page.locator('tr[data-camera-id="front-door"]').waitFor();
        await shot(phone.page, 'phone-cameras');
        assert.deepEqual(phone.problems, []);
    } finally {
        await phone.context.close();
    }
    assert.deepEqual(viewer.problems, [], 'no page errors or CSP violations');
});

// Last: failed logins lock the address out for a while, which would break later sign-ins.
let locked;
uiTest('repeated wrong passwords show the lockout message with Retry-After', () => locked && locked.page, async () => {
    locked = await newPage();
    const { page } = locked;
    await page.goto(`${daemon.url}/`);
    const form = page.getByRole('form', { name: 'Sign in' });
    const alert = form.getByRole('alert');
    let text = '';
    let retryAfter = null;
    for (let i = 0; i < 8 && retryAfter === null; i++) {
        await form.getByLabel('Username', { exact: true }).fill(VIEWER.username);
        await form.getByLabel('Password', { exact: true }).fill(`wrong-password-${i}`);
        const [res] = await Promise.all([
            page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
            form.getByRole('button', { name: 'Sign in' }).click(),
        ]);
        // The form is busy until the answer is shown.
        await page.waitForFunction(() => !document.querySelector('form[aria-busy]'));
        text = await alert.textContent();
        if (res.status() === 429) retryAfter = res.headers()['retry-after'];
        else assert.equal(res.status(), 401, `attempt ${i + 1}: wrong password is 401 until locked`);
    }
    assert.ok(retryAfter !== null, 'locked out within 8 attempts');
    assert.match(retryAfter, /^\d+$/, 'Retry-After is a number of seconds');
    assert.match(text, new RegExp(`try again in ${retryAfter} seconds?`, 'i'), `lockout message names the wait, got: ${text}`);
    await shot(page, 'login-locked');
    assert.deepEqual(locked.problems, []);
});
