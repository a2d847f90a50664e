// One camera on the wall: its <video>, name, state badge, fps and bitrate, and
// the player that feeds it. The tile decides which stream to play (sub stream
// when small, main stream when large), reconnects with capped exponential
// backoff, and says in words what it is waiting for.
//
// A player is any object {name, start(), stop(), frames(), latency(),
// firstFrameMs, bytes} made by the wall's player factory; it reports through
// onEvent('open'|'frame'|'end', detail). MSE today, WebRTC later.
//
// data-state: idle (not on screen or tab hidden), connecting, playing,
// retrying, unsupported, disabled. data-status: the server's stream state.

import { h } from '../dom.js';
import { TileDetails } from './details.js';
import { playbackHref } from '../recording.js';

const RETRY_MIN_S = 1;
const RETRY_MAX_S = 30;
const STABLE_MS = 10000; // playing this long resets the backoff
const STATS_MS = 1000;
const SERVER_STATS_FRESH_MS = 15000;

const STATE_KIND = {
    online: 'ok',
    starting: 'info',
    idle: 'muted',
    stalled: 'warn',
    offline: 'danger',
    unauthorized: 'danger',
    error: 'danger',
};

export function formatBitrate(bps) {
    if (!(bps > 0)) return '—';
    if (bps >= 1e6) return `${(bps / 1e6).toFixed(bps >= 1e7 ? 0 : 1)} Mbit/s`;
    return `${Math.max(1, Math.round(bps / 1e3))} kbit/s`;
}

function formatFps(fps) {
    if (!(fps > 0)) return '— fps';
    return `${fps >= 10 ? Math.round(fps) : fps.toFixed(1)} fps`;
}

/** The server's words for a stream state, as a short phrase. */
function stateWords(status) {
    if (!status) return '';
    switch (status.state) {
    case 'offline': return 'offline';
    case 'unauthorized': return 'camera refused the login';
    case 'error': return 'error';
    case 'stalled': return 'stalled';
    case 'starting': return 'connecting to the camera';
    default: return '';
    }
}

export class Tile {
    /**
     * camera: an entry of GET /api/cameras. wall: {makePlayer(video, streamId, onEvent),
     * openFull(tile), closeFull(), slotFree(tile), slotReleased(),
     * onUnauthorized(), protocol, fullTile}.
     */
    constructor(camera, wall) {
        this.wall = wall;
        this.camera = camera;
        this.statuses = new Map(); // stream id -> {status, at}
        this.visible = false;
        this.active = false;
        this.large = false;
        this.player = null;
        this.state = 'idle';
        this.attempts = 0;
        this.mainUnsupported = null; // codec label when the main stream cannot play here
        this.subBroken = false;
        this.note = ''; // a lasting remark, e.g. the H.265 fallback
        this.stream = this.pickStream();
        this.firstFrameMs = null;
        this.sample = null; // last stats sample {at, frames, bytes}
        this.clientFps = 0;
        this.clientBps = 0;
        this.build();
        this.takeStatus(camera);
        this.render();
    }

    build() {
        const c = this.camera;
        const name = c.name || c.id;
        this.video = h('video', { class: 'tile-video', muted: true, playsinline: true, autoplay: true, disablepictureinpicture: true });
        this.video.muted = true;
        this.nameEl = h('span', { class: 'tile-name' }, name);
        this.zoneEl = h('span', { class: 'tile-zone' }, c.zone || '');
        this.badgeEl = h('span', { class: 'badge tile-badge' });
        this.summaryEl = h('span', { class: 'visually-hidden' });
        this.noteEl = h('div', { class: 'tile-note', hidden: true });
        this.msgText = h('span', { class: 'tile-msg-text' });
        this.msgDetail = h('span', { class: 'tile-msg-detail' });
        this.retryBtn = h('button', { type: 'button', class: 'btn btn-small tile-retry', hidden: true }, 'Retry now');
        this.retryBtn.addEventListener('click', (e) => {
            e.stopPropagation();
            this.attempts = 0;
            this.mainUnsupported = null;
            this.subBroken = false;
            this.note = '';
            this.fatalStream = null;
            if (this.active) this.connect();
        });
        this.msgEl = h('div', { class: 'tile-msg' }, this.msgText, this.msgDetail, this.retryBtn);
        this.protoEl = h('span', { class: 'tile-proto' });
        this.statsEl = h('span', { class: 'tile-stats' });
        this.openBtn = h('button', { type: 'button', class: 'tile-open', 'aria-label': `Open ${name} full screen` });
        this.openBtn.addEventListener('click', () => this.wall.openFull(this));
        this.closeBtn = h('button', { type: 'button', class: 'btn btn-small tile-close', hidden: true, 'aria-label': `Close ${name}` }, 'Close');
        this.closeBtn.addEventListener('click', (e) => {
            e.stopPropagation();
            this.wall.closeFull();
        });
        this.details = new TileDetails(this);
        this.infoBtn = h('button', {
            type: 'button', class: 'btn btn-small tile-info', 'aria-label': `Details of ${name}`, 'aria-expanded': 'false',
        }, 'i');
        this.infoBtn.addEventListener('click', (e) => {
            e.stopPropagation();
            this.details.toggle();
            this.infoBtn.setAttribute('aria-expanded', String(this.details.open));
        });
        this.playbackLink = h('a', {
            class: 'btn btn-small tile-playback', href: playbackHref(c.id), hidden: !c.record,
            'aria-label': `Recordings of ${name}`, title: 'The last 30 seconds, recorded',
        }, 'Playback');
        // Opens the recording of the last moments, as of the click.
        this.playbackLink.addEventListener('click', () => {
            this.playbackLink.href = playbackHref(this.camera.id, Date.now() - 30000);
        });
        this.el = h('article', {
            class: 'tile',
            'aria-label': name,
            'data-camera': c.id,
            'data-camera-id': c.id,
        },
        this.video,
        this.openBtn,
        h('div', { class: 'tile-top' }, h('span', { class: 'tile-title' }, this.nameEl, this.zoneEl), this.badgeEl, this.playbackLink, this.infoBtn, this.closeBtn),
        this.details.el,
        this.msgEl,
        h('div', { class: 'tile-bottom' }, this.noteEl, h('div', { class: 'tile-line' }, this.protoEl, this.statsEl)),
        this.summaryEl);
    }

    /** Which stream this tile should play now. */
    pickStream() {
        const c = this.camera;
        const hasSub = !!c.sub_url && !this.subBroken;
        if (hasSub && this.mainUnsupported) return `${c.id}.sub`;
        if (this.large || !hasSub) return c.id;
        return `${c.id}.sub`;
    }

    takeStatus(camera) {
        const now = performance.now();
        if (camera.status) this.statuses.set(camera.id, { status: camera.status, at: now });
        if (camera.sub_status) this.statuses.set(`${camera.id}.sub`, { status: camera.sub_status, at: now });
    }

    /** The server's latest status of the stream this tile plays (or would). */
    status() {
        const s = this.statuses.get(this.stream);
        return s ? s.status : null;
    }

    /** A fresh camera entry (periodic refresh). */
    setCamera(camera) {
        const wasEnabled = this.camera.enabled;
        const subChanged = (this.camera.sub_url || '') !== (camera.sub_url || '');
        this.camera = camera;
        this.takeStatus(camera);
        const name = camera.name || camera.id;
        this.nameEl.textContent = name;
        this.zoneEl.textContent = camera.zone || '';
        this.el.setAttribute('aria-label', name);
        this.openBtn.setAttribute('aria-label', `Open ${name} full screen`);
        this.closeBtn.setAttribute('aria-label', `Close ${name}`);
        this.playbackLink.setAttribute('aria-label', `Recordings of ${name}`);
        this.playbackLink.hidden = !camera.record;
        if (subChanged) {
            this.subBroken = false;
            this.fatalStream = null;
        }
        if (!this.active) {
            this.stream = this.pickStream();
        } else if (!camera.enabled && wasEnabled) {
            this.halt('disabled');
        } else if ((camera.enabled && !wasEnabled) || this.pickStream() !== this.stream) {
            this.connect();
        }
        this.render();
    }

    /** A status event for one of this camera's streams. */
    setStatus(streamId, status) {
        this.statuses.set(streamId, { status, at: performance.now() });
        if (streamId !== this.stream) return;
        // The server says it is back: no need to wait out the backoff.
        if (status.state === 'online' && this.state === 'retrying' && this.active) this.connect();
        this.render();
    }

    setLarge(large) {
        if (this.large === large) return;
        this.large = large;
        this.el.classList.toggle('is-full', large && this.wall.fullTile === this);
        if (this.pickStream() !== this.stream) {
            if (this.active) this.connect();
            else this.stream = this.pickStream();
        }
        this.render();
    }

    /** On screen, tab visible and not hidden behind a full-screen tile. */
    setActive(active) {
        if (active === this.active) return;
        this.active = active;
        if (active) this.connect();
        else this.halt('idle');
    }

    /** Stops the player and any pending retry. */
    halt(state) {
        this.stopPlayer();
        clearTimeout(this.retryTimer);
        clearInterval(this.countdown);
        this.retryTimer = null;
        this.setState(state);
    }

    stopPlayer() {
        const had = !!this.player;
        if (this.player) this.player.stop();
        this.player = null;
        this.waitingSlot = false;
        if (had) this.wall.slotReleased();
        clearInterval(this.statsTimer);
        clearTimeout(this.stableTimer);
        this.sample = null;
        this.clientFps = 0;
        this.clientBps = 0;
    }

    connect() {
        this.stopPlayer();
        clearTimeout(this.retryTimer);
        clearInterval(this.countdown);
        this.retryTimer = null;
        if (!this.active) return;
        if (!this.camera.enabled) {
            this.setState('disabled');
            return;
        }
        this.stream = this.pickStream();
        if (this.fatalStream === this.stream) {
            this.setState('unsupported'); // known not to play here; the Retry button asks again
            return;
        }
        if (!this.wall.slotFree(this)) {
            this.waitingSlot = true; // the wall calls connect() again when a stream ends
            this.setState('connecting');
            return;
        }
        const player = this.wall.makePlayer(this.video, this.stream, (type, detail) => {
            if (this.player === player) this.onPlayerEvent(type, detail);
        }, { webrtc: !this.webrtcFailed });
        if (!player) {
            this.fatal('This browser cannot play live video (no Media Source Extensions).');
            return;
        }
        this.player = player;
        this.firstFrameMs = null;
        this.setState('connecting');
        this.statsTimer = setInterval(() => this.measure(), STATS_MS);
        player.start();
    }

    onPlayerEvent(type, detail) {
        switch (type) {
        case 'open':
            this.render();
            break;
        case 'frame':
            this.firstFrameMs = detail.ms;
            this.setState('playing');
            this.stableTimer = setTimeout(() => { this.attempts = 0; }, STABLE_MS);
            break;
        case 'end':
            this.ended(detail.error);
            break;
        default:
            break;
        }
    }

    ended(err) {
        const played = this.state === 'playing';
        const wasStream = this.stream;
        this.stopPlayer();
        const c = this.camera;
        if (err.kind === 'webrtc') {
            // WebRTC does not work for this tile (no common codec, blocked
            // ports...): MSE from now on, and the tile says why.
            this.webrtcFailed = true;
            this.note = `${err.message}; using MSE`;
            this.connect();
            return;
        }
        if (err.kind === 'unsupported') {
            if (wasStream === c.id && c.sub_url && !this.subBroken) {
                this.mainUnsupported = err.message.replace(/ not supported.*/, '');
                this.note = `${err.message}; using sub stream`;
                this.connect();
                return;
            }
            const why = wasStream === c.id ? (c.sub_url ? '' : '; this camera has no sub stream to use instead')
                : '; its sub stream cannot play here either';
            this.fatal(`${err.message}${why}.`);
            return;
        }
        if (err.status === 404 && wasStream !== c.id) {
            this.subBroken = true; // the server has no sub stream for it: use the main one
            this.connect();
            return;
        }
        if (err.status === 409) {
            this.camera = { ...c, enabled: false };
            this.setState('disabled');
            return;
        }
        if (err.kind === 'unauthorized') {
            this.setState('idle');
            this.wall.onUnauthorized();
            return;
        }
        if (err.kind === 'ended' && played) {
            this.connect(); // codec change: a new SourceBuffer at once
            return;
        }
        this.retryLater(err.message);
    }

    fatal(message) {
        this.error = message;
        this.fatalStream = this.stream;
        this.setState('unsupported');
    }

    retryLater(why) {
        this.attempts++;
        const base = Math.min(RETRY_MAX_S, RETRY_MIN_S * 2 ** Math.min(this.attempts - 1, 10));
        const delay = Math.min(RETRY_MAX_S, base * (0.8 + Math.random() * 0.4));
        this.retryAt = performance.now() + delay * 1000;
        this.lastError = why;
        this.retryTimer = setTimeout(() => this.connect(), delay * 1000);
        this.countdown = setInterval(() => this.render(), 1000);
        this.setState('retrying');
    }

    setState(state) {
        this.state = state;
        if (state !== 'retrying') clearInterval(this.countdown);
        this.render();
    }

    /** Client-side fps and bitrate, from decoded frames and received bytes. */
    measure() {
        const p = this.player;
        if (!p) return;
        const now = performance.now();
        const cur = { at: now, frames: p.frames(), bytes: p.bytes };
        if (this.sample && cur.frames >= this.sample.frames) {
            const dt = (now - this.sample.at) / 1000;
            const fps = (cur.frames - this.sample.frames) / dt;
            const bps = ((cur.bytes - this.sample.bytes) * 8) / dt;
            // smooth a little: one-second samples jitter with frame timing
            this.clientFps = this.clientFps ? this.clientFps * 0.5 + fps * 0.5 : fps;
            this.clientBps = this.clientBps ? this.clientBps * 0.5 + bps * 0.5 : bps;
        }
        this.sample = cur;
        this.renderStats();
    }

    renderStats() {
        const entry = this.statuses.get(this.stream);
        const st = entry && entry.status;
        const fresh = entry && performance.now() - entry.at < SERVER_STATS_FRESH_MS;
        const server = fresh && st && st.state === 'online' && st.fps > 0;
        let fps;
        let bps;
        let source;
        if (server) {
            fps = st.fps;
            bps = st.bitrate;
            source = 'server';
        } else if (this.state === 'playing') {
            fps = this.clientFps;
            bps = this.clientBps;
            source = 'browser';
        }
        if (fps === undefined) {
            this.statsEl.textContent = '';
            this.statsEl.removeAttribute('title');
            return;
        }
        this.statsEl.textContent = `${formatFps(fps)} · ${formatBitrate(bps)}`;
        const lat = this.player && this.player.latency ? this.player.latency() : null;
        const parts = [`measured by the ${source}`];
        if (st && st.width) parts.push(`${st.width}×${st.height} ${st.codec || ''}`.trim());
        if (lat !== null && this.state === 'playing') parts.push(`buffer ${lat.toFixed(1)} s`);
        this.statsEl.title = parts.join(' · ');
    }

    message() {
        const st = this.status();
        switch (this.state) {
        case 'idle':
            return ['', ''];
        case 'disabled':
            return ['Camera disabled', ''];
        case 'unsupported':
            return [this.error, ''];
        case 'connecting': {
            if (this.waitingSlot) {
                return ['Waiting for a free connection', 'browsers open only 6 connections to a server'];
            }
            const words = stateWords(st);
            if (words && st.state !== 'starting') return [`${words} — waiting for the camera`, st.reason || ''];
            return [words ? `${words[0].toUpperCase()}${words.slice(1)}…` : 'Connecting…', this.note];
        }
        case 'retrying': {
            const secs = Math.max(1, Math.ceil((this.retryAt - performance.now()) / 1000));
            const words = stateWords(st);
            const what = words && st.state !== 'starting' ? words : this.lastError || 'connection lost';
            const detail = [st && st.reason, words && st.state !== 'starting' && this.lastError !== st.reason ? this.lastError : '']
                .filter(Boolean).join(' · ');
            return [`${what} — retrying in ${secs} s`, detail];
        }
        case 'playing': {
            // Frames stopped coming because the camera went away: say so over the last picture.
            const words = stateWords(st);
            if (words && st.state !== 'starting') return [`${words} — waiting for the camera`, st.reason || ''];
            return ['', ''];
        }
        default:
            return ['', ''];
        }
    }

    render() {
        const el = this.el;
        const st = this.status();
        el.dataset.stream = this.stream;
        el.dataset.state = this.state;
        el.dataset.protocol = this.player ? this.player.name : this.wall.protocol;
        el.dataset.status = st ? st.state : 'unknown';
        el.classList.toggle('is-playing', this.state === 'playing');
        el.classList.toggle('is-disabled', this.state === 'disabled');
        const state = st ? st.state : 'unknown';
        this.badgeEl.textContent = this.camera.enabled ? state : 'disabled';
        this.badgeEl.className = `badge tile-badge ${this.camera.enabled ? STATE_KIND[state] || '' : 'muted'}`;
        this.badgeEl.title = st && st.reason ? st.reason : '';
        const sub = this.stream.endsWith('.sub');
        this.protoEl.textContent = `${el.dataset.protocol} · ${sub ? 'sub' : 'main'}`;
        this.protoEl.title = this.note || (sub ? 'sub stream (smaller)' : 'main stream');
        const [text, detail] = this.message();
        this.msgText.textContent = text;
        this.msgDetail.textContent = detail;
        this.msgEl.hidden = !text;
        this.noteEl.textContent = this.note;
        this.noteEl.hidden = !this.note || this.state !== 'playing';
        this.retryBtn.hidden = !(this.state === 'retrying' || this.state === 'unsupported');
        this.summaryEl.textContent = [
            this.camera.zone ? `Zone ${this.camera.zone}.` : '',
            this.camera.enabled ? 'Enabled.' : 'Disabled.',
            this.camera.record ? 'Recording.' : '',
        ].filter(Boolean).join(' ');
        this.closeBtn.hidden = !(this.wall.fullTile === this);
        this.renderStats();
    }

    /** For tests and the bench: what this tile does right now. */
    info() {
        const q = this.video.getVideoPlaybackQuality ? this.video.getVideoPlaybackQuality() : null;
        return {
            camera: this.camera.id,
            stream: this.stream,
            protocol: this.player ? this.player.name : this.wall.protocol,
            state: this.state,
            status: this.status() ? this.status().state : null,
            frames: this.player && q ? q.totalVideoFrames : 0,
            firstFrameMs: this.firstFrameMs,
            waitingForConnection: !!this.waitingSlot,
            timing: this.player && this.player.timing ? { ...this.player.timing } : null,
            note: this.note,
        };
    }

    destroy() {
        this.details.close();
        this.active = false;
        this.halt('idle');
        this.el.remove();
    }
}
