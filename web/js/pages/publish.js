// Publish camera: this device's camera and microphone sent to one of Vigil's
// WebRTC cameras over WHIP (../whip-client.js). Signed in as an administrator
// the session is used; a camera node that is not fills in a publish token,
// which then goes as Authorization on every request of this page. The token
// stays in memory unless "remember on this device" is ticked.
import * as api from '../api.js';
import { h, field, checkbox, notice, messageArea, errorText } from '../dom.js';
import { WhipClient, WhipError, authInit, fetchIceServers } from '../whip-client.js';

const TOKEN_KEY = 'vigil.publish.token'; // only when the user asks for it
const CAMERA_KEY = 'vigil.publish.camera'; // the last camera published (not a secret)
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const CONNECT_MS = 15000; // answered but not connected by then: try again
const RESOLUTIONS = [
    ['1280x720', '1280 × 720'],
    ['1920x1080', '1920 × 1080'],
    ['640x360', '640 × 360'],
];

const STATES = {
    idle: ['Not publishing', ''],
    connecting: ['Connecting', 'info'],
    publishing: ['Publishing', 'ok'],
    reconnecting: ['Reconnecting', 'warn'],
    error: ['Error', 'danger'],
};

function stored(key) {
    try {
        return localStorage.getItem(key) || '';
    } catch {
        return ''; // storage blocked
    }
}

function store(key, value) {
    try {
        if (value) localStorage.setItem(key, value);
        else localStorage.removeItem(key);
    } catch {
        // storage blocked: nothing is remembered
    }
}

function option(value, text, selected) {
    return h('option', { value, selected: selected || null }, text);
}

function cameraLabel(c) {
    return c.name && c.name !== c.id ? `${c.name} (${c.id})` : c.id;
}

/** An error in words for the page, with the server's own message. */
function describe(e) {
    if (e instanceof WhipError) {
        switch (e.status) {
        case 401: return `Not accepted: ${e.message}. Sign in again or check the publish token.`;
        case 403: return `Not allowed to publish this camera: ${e.message}.`;
        case 404: return `No such camera: ${e.message}.`;
        case 409: return e.code === 'busy'
            ? `Someone is already publishing this camera: ${e.message}.`
            : `This camera does not take a published stream: ${e.message}.`;
        default: return e.status ? `Vigil refused (${e.status}): ${e.message}.` : `${e.message}.`;
        }
    }
    return errorText(e);
}

export async function render(root, ctx) {
    let cameras = []; // webrtc cameras this identity may see
    let media = null; // the preview's MediaStream, also what is published
    let client = null; // the current WHIP session
    let publishing = null; // {camera, auth} while the user wants to publish
    let attempt = 0; // failures in a row, for the backoff
    let retryTimer = null;
    let connectTimer = null;
    let statsTimer = null;
    let tokenTimer = null;
    let done = false;

    /* ------------------------------------------------------------ the form */

    const remembered = stored(TOKEN_KEY);
    const token = h('input', {
        id: 'publish-token', name: 'publish_token', type: 'password', autocomplete: 'off',
        spellcheck: 'false', autocapitalize: 'none', placeholder: ctx.user ? 'optional' : 'vgt_…',
        value: remembered,
    });
    const remember = checkbox('Remember on this device', { id: 'publish-remember', checked: !!remembered });
    const rememberBox = remember.querySelector('input');
    const zone = h('select', { id: 'publish-zone', name: 'zone' });
    const camera = h('select', { id: 'publish-camera', name: 'camera' });
    const videoDev = h('select', { id: 'publish-video-device', name: 'video_device' }, option('', 'Default camera'));
    const audioDev = h('select', { id: 'publish-audio-device', name: 'audio_device' },
        option('', 'Default microphone'), option('none', 'No microphone'));
    const resolution = h('select', { id: 'publish-resolution', name: 'resolution' },
        RESOLUTIONS.map(([v, t]) => option(v, t)));
    const publishBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'publish-start' }, 'Publish');
    const stopBtn = h('button', { type: 'button', class: 'btn btn-danger', id: 'publish-stop', disabled: true }, 'Stop');
    const formMsg = messageArea();
    formMsg.id = 'publish-message';
    const cameraMsg = h('div', { id: 'publish-cameras-note' });

    const form = h('form', { class: 'card form', 'aria-label': 'Publish settings', id: 'publish-form' },
        h('h2', null, 'What to publish'),
        h('div', { class: 'form-grid' },
            field('Publish token', token,
                'For a camera node not signed in as an administrator: an API token with publish permission. ' +
                'It is sent as a header, never in an address.'),
            h('div', { class: 'field' }, h('span', { class: 'hint' }, ' '), remember)),
        h('div', { class: 'form-grid' },
            field('Zone', zone),
            field('Camera', camera, 'The WebRTC cameras of the zone')),
        cameraMsg,
        h('div', { class: 'form-grid' },
            field('Camera device', videoDev),
            field('Microphone', audioDev),
            field('Resolution', resolution)),
        formMsg,
        h('div', { class: 'actions' }, stopBtn, publishBtn));

    /* ------------------------------------------------------------ preview and state */

    const video = h('video', { class: 'tile-video', id: 'publish-preview', autoplay: true, playsinline: true, 'aria-label': 'Preview' });
    video.muted = true; // our own microphone must not play back
    const preview = h('div', { class: 'tile', id: 'publish-preview-box' }, video);
    const stateBadge = h('span', { class: 'badge', id: 'publish-state', 'data-state': 'idle', role: 'status' }, STATES.idle[0]);
    const stat = (id) => h('dd', { id }, '—');
    const rows = {
        camera: stat('publish-stat-camera'),
        path: stat('publish-stat-path'),
        bitrate: stat('publish-stat-bitrate'),
        video: stat('publish-stat-video'),
        encoder: stat('publish-stat-encoder'),
        rtt: stat('publish-stat-rtt'),
        pli: stat('publish-stat-pli'),
    };
    const stateMsg = messageArea();
    stateMsg.id = 'publish-status-message';
    const status = h('section', { class: 'card', 'aria-label': 'Publishing status' },
        h('div', { class: 'page-head' }, h('h2', null, 'Preview'), stateBadge),
        preview,
        h('dl', { class: 'meta meta-wide', id: 'publish-stats' },
            h('dt', null, 'Camera'), rows.camera,
            h('dt', null, 'ICE path'), rows.path,
            h('dt', null, 'Bitrate'), rows.bitrate,
            h('dt', null, 'Video'), rows.video,
            h('dt', null, 'Encoder'), rows.encoder,
            h('dt', null, 'Round trip'), rows.rtt,
            h('dt', null, 'Keyframe requests'), rows.pli),
        stateMsg);
    // Spacing only (the style sheet has no two-column page); CSSOM, not a style attribute.
    preview.style.marginBottom = '1rem';
    const layout = h('div', { class: 'publish-layout' }, form, status);
    Object.assign(layout.style, {
        display: 'grid', gap: '1rem', alignItems: 'start',
        gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 24rem), 1fr))',
    });

    root.append(
        h('div', { class: 'page-head' }, h('h1', null, 'Publish camera')),
        h('p', { class: 'lead' },
            'Send this device’s camera and microphone to one of Vigil’s WebRTC cameras. ',
            'Viewers then watch, record and snapshot it like any other camera.'),
        layout);

    function setState(name, detail) {
        const [text, kind] = STATES[name];
        stateBadge.className = `badge ${kind}`.trim();
        stateBadge.dataset.state = name;
        stateBadge.textContent = text;
        if (detail) stateMsg.show(name === 'error' ? 'error' : name === 'publishing' ? 'ok' : 'info', detail);
        else stateMsg.clear();
        const active = !!publishing;
        publishBtn.disabled = active;
        stopBtn.disabled = !active;
        for (const el of [token, rememberBox, zone, camera]) el.disabled = active;
    }

    /* ------------------------------------------------------------ identity and cameras */

    const auth = () => ({ token: token.value.trim(), csrf: api.csrfHeader() });

    async function listCameras() {
        const { token: t } = auth();
        if (t) {
            const init = authInit({ token: t });
            const res = await fetch('/api/cameras', { ...init, cache: 'no-store' });
            if (!res.ok) {
                let message = `HTTP ${res.status}`;
                try {
                    message = (await res.json()).error.message || message;
                } catch {
                    // not JSON
                }
                throw new Error(res.status === 401 ? `The token was not accepted: ${message}` : message);
            }
            return res.json();
        }
        if (!ctx.user) return null;
        return api.get('/api/cameras');
    }

    async function loadCameras() {
        cameraMsg.replaceChildren(h('p', { class: 'loading' }, 'Loading cameras…'));
        let list;
        try {
            list = await listCameras();
        } catch (e) {
            if (done) return;
            cameras = [];
            fillZones();
            cameraMsg.replaceChildren(notice('error', errorText(e)));
            return;
        }
        if (done) return;
        if (list === null) {
            cameras = [];
            fillZones();
            cameraMsg.replaceChildren(notice('info', 'Enter a publish token, or ',
                h('a', { href: '#/login' }, 'sign in'), ' as an administrator.'));
            return;
        }
        cameras = list.filter((c) => c.type === 'webrtc');
        cameraMsg.replaceChildren();
        if (!cameras.length) {
            cameraMsg.append(notice('info', 'There is no WebRTC camera to publish to. ',
                ctx.isAdmin ? h('a', { href: '#/cameras' }, 'Add a camera of type WebRTC.')
                    : 'An administrator adds one (camera type WebRTC).'));
        }
        fillZones();
    }

    function fillZones() {
        const want = camera.value || stored(CAMERA_KEY);
        const wantZone = cameras.find((c) => c.id === want)?.zone ?? zone.value;
        const zones = [...new Set(cameras.map((c) => c.zone || ''))].sort();
        zone.replaceChildren(...zones.map((z) => option(z, z || 'No zone', z === wantZone)));
        fillCameras(want);
    }

    function fillCameras(want = camera.value) {
        const inZone = cameras.filter((c) => (c.zone || '') === zone.value);
        camera.replaceChildren(...inZone.map((c) => {
            const live = c.status && c.status.state === 'online';
            return option(c.id, `${cameraLabel(c)}${live ? ' · live' : ''}`, c.id === want);
        }));
        publishBtn.disabled = !!publishing || !camera.value;
    }

    zone.addEventListener('change', () => fillCameras(''));
    token.addEventListener('input', () => {
        if (rememberBox.checked) store(TOKEN_KEY, token.value.trim());
        clearTimeout(tokenTimer);
        tokenTimer = setTimeout(loadCameras, 600);
    });
    rememberBox.addEventListener('change', () => store(TOKEN_KEY, rememberBox.checked ? token.value.trim() : ''));

    /* ------------------------------------------------------------ devices and preview */

    function constraints() {
        const [width, height] = resolution.value.split('x').map(Number);
        const v = { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: 25, max: 30 } };
        if (videoDev.value) v.deviceId = { exact: videoDev.value };
        let a = false;
        if (audioDev.value !== 'none') a = audioDev.value ? { deviceId: { exact: audioDev.value } } : true;
        return { video: v, audio: a };
    }

    async function openMedia() {
        const c = constraints();
        try {
            return await navigator.mediaDevices.getUserMedia(c);
        } catch (e) {
            if (!c.audio) throw e;
            // No microphone (or refused): the camera alone.
            const m = await navigator.mediaDevices.getUserMedia({ video: c.video, audio: false });
            audioDev.value = 'none';
            formMsg.show('info', `No microphone: publishing video only (${e.message}).`);
            return m;
        }
    }

    async function startPreview() {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
            throw new Error('This browser gives no camera access to this page: open Vigil over HTTPS');
        }
        const next = await openMedia();
        if (done) {
            next.getTracks().forEach((t) => t.stop());
            return;
        }
        const old = media;
        media = next;
        video.srcObject = next;
        video.play().catch(() => {});
        preview.classList.add('is-playing');
        if (client) {
            // Same session, another device: swap the tracks in place.
            let all = true;
            for (const t of next.getTracks()) all = (await client.replaceTrack(t)) && all;
            if (!all || (old && old.getAudioTracks().length && !next.getAudioTracks().length)) {
                formMsg.show('info', 'The microphone change applies from the next Publish.');
            }
        }
        if (old) old.getTracks().forEach((t) => t.stop());
        await listDevices();
    }

    async function listDevices() {
        // Labels and ids are only given once the page holds a media permission.
        const devices = await navigator.mediaDevices.enumerateDevices();
        const cur = (kind) => media?.getTracks().find((t) => `${t.kind}input` === kind)?.getSettings().deviceId;
        const fill = (sel, kind, fixed, fallback) => {
            const want = sel.value === 'none' ? 'none' : cur(kind) || sel.value;
            const found = devices.filter((d) => d.kind === kind && d.deviceId)
                .map((d, i) => option(d.deviceId, d.label || `${fallback} ${i + 1}`));
            sel.replaceChildren(...(found.length ? [] : [option('', `Default ${fallback.toLowerCase()}`)]), ...found, ...fixed);
            sel.value = want;
            if (sel.selectedIndex < 0 || sel.value !== want) sel.selectedIndex = 0;
        };
        fill(videoDev, 'videoinput', [], 'Camera');
        fill(audioDev, 'audioinput', [option('none', 'No microphone')], 'Microphone');
    }

    async function changeDevice() {
        formMsg.clear();
        try {
            await startPreview();
        } catch (e) {
            formMsg.show('error', `Cannot open the camera: ${errorText(e)}`);
        }
    }
    for (const sel of [videoDev, audioDev, resolution]) sel.addEventListener('change', changeDevice);
    const onDeviceChange = () => listDevices().catch(() => {});
    navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);

    /* ------------------------------------------------------------ publishing */

    function showStats(s) {
        rows.path.textContent = s?.path || '—';
        rows.bitrate.textContent = s && s.kbps !== null
            ? `${s.kbps} kbit/s video${s.audioKbps ? `, ${s.audioKbps} kbit/s audio` : ''}` : '—';
        rows.video.textContent = s && s.width
            ? `${s.codec ? `${s.codec} ` : ''}${s.width}×${s.height}${s.fps !== null ? ` at ${s.fps} fps` : ''}` +
                (s.limitation ? ` (limited by ${s.limitation})` : '')
            : '—';
        rows.encoder.textContent = s?.encoder || '—';
        rows.rtt.textContent = s && s.rttMs !== null ? `${s.rttMs} ms` : '—';
        rows.pli.textContent = s ? String(s.pli) : '—';
    }

    async function poll() {
        const c = client;
        if (!c) return;
        try {
            const s = await c.stats();
            if (c === client) showStats(s);
        } catch {
            // the connection closed meanwhile
        }
    }

    function endClient(opts) {
        clearTimeout(connectTimer);
        if (client) client.stop(opts);
        client = null;
    }

    function lost(why) {
        endClient();
        if (!publishing || done) return;
        attempt++;
        const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempt - 1));
        const delay = Math.round(base * (0.8 + Math.random() * 0.4));
        setState('reconnecting', `${why}. Trying again in ${Math.max(1, Math.round(delay / 1000))} s (attempt ${attempt}).`);
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, delay);
    }

    function fail(e) {
        endClient();
        publishing = null;
        setState('error', describe(e));
        showStats(null);
        if (e instanceof WhipError && e.status === 401 && !auth().token && ctx.user) api.reportUnauthorized();
    }

    async function connect() {
        clearTimeout(retryTimer);
        if (!publishing || done) return;
        const p = publishing;
        p.auth = auth(); // a fresh CSRF token on every attempt
        setState(attempt ? 'reconnecting' : 'connecting', attempt ? `Connecting again (attempt ${attempt + 1})…` : null);
        const iceServers = await fetchIceServers(p.auth);
        if (publishing !== p || done) return;
        const c = new WhipClient(p.camera.id, media, {
            auth: p.auth,
            iceServers,
            onEvent: (name, d) => {
                if (c !== client || name !== 'state') return;
                if (d.state === 'publishing') {
                    clearTimeout(connectTimer);
                    attempt = 0;
                    setState('publishing', `Publishing to ${cameraLabel(p.camera)}.`);
                } else if (d.state === 'lost') {
                    lost('The connection to Vigil was lost');
                }
            },
        });
        client = c;
        try {
            await c.start();
        } catch (e) {
            if (c !== client) return;
            // A refusal stops; a busy camera after our own connection dropped is our
            // old session not yet expired, so it is retried like the network.
            if (e instanceof WhipError && e.transient && (attempt > 0 || e.code !== 'busy')) lost(describe(e).replace(/\.$/, ''));
            else fail(e);
            return;
        }
        if (c !== client) return;
        connectTimer = setTimeout(() => {
            if (c === client && c.state !== 'publishing') lost('No connection within 15 s');
        }, CONNECT_MS);
    }

    async function publish() {
        formMsg.clear();
        const cam = cameras.find((c) => c.id === camera.value);
        if (!cam) {
            formMsg.show('error', 'Choose a camera to publish to.');
            return;
        }
        if (!auth().token && !ctx.user) {
            formMsg.show('error', 'Enter a publish token, or sign in as an administrator.');
            return;
        }
        if (!media) {
            try {
                await startPreview();
            } catch (e) {
                formMsg.show('error', `Cannot open the camera: ${errorText(e)}`);
                return;
            }
        }
        store(CAMERA_KEY, cam.id);
        publishing = { camera: cam, auth: null };
        attempt = 0;
        rows.camera.textContent = cameraLabel(cam);
        await connect();
    }

    function stop() {
        clearTimeout(retryTimer);
        publishing = null;
        attempt = 0;
        endClient();
        showStats(null);
        setState('idle', 'Stopped.');
    }

    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        publish();
    });
    stopBtn.addEventListener('click', stop);
    statsTimer = setInterval(poll, 1000);

    // A closing page still ends its session at once (the DELETE is a keepalive request).
    const onPageHide = () => endClient({ wait: false });
    window.addEventListener('pagehide', onPageHide);

    setState('idle');
    await Promise.all([
        loadCameras(),
        startPreview().catch((e) => formMsg.show('error', `Cannot open the camera: ${errorText(e)}`)),
    ]);

    return () => {
        done = true;
        publishing = null;
        clearTimeout(retryTimer);
        clearTimeout(tokenTimer);
        clearInterval(statsTimer);
        endClient();
        window.removeEventListener('pagehide', onPageHide);
        navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
        if (media) media.getTracks().forEach((t) => t.stop());
        media = null;
        video.srcObject = null;
    };
}
