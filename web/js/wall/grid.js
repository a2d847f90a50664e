// The live wall: cameras in a 1/4/9/16 grid with pages. Only tiles that are on
// screen, while the tab is visible, stream; a tile opened full screen streams
// alone, in main quality. Stream states arrive as server-sent events; the
// camera list is re-read now and then for fps, bitrate and added cameras.

import * as api from '../api.js';
import { h } from '../dom.js';
import { Tile } from './tile.js';
import { MsePlayer, mseAvailable } from './mse-player.js';
import { WebRtcPlayer, webrtcAvailable } from './webrtc-player.js';
import { subscribe } from './events.js';

export const LAYOUTS = [1, 4, 9, 16];
const LAYOUT_KEY = 'vigil.wall.layout';
const TRANSPORT_KEY = 'vigil.mse.transport';
// 'webrtc' (default: lowest latency; tiles fall back to MSE on their own) or 'mse'.
const PROTOCOL_KEY = 'vigil.protocol';
const REFRESH_MS = 10000;
// fetch: GET /api/streams/{id}/mse as documented; ws: the same over a WebSocket
// (see transport.js for why a full wall needs it over HTTP/1.1).
const DEFAULT_TRANSPORT = 'ws';
// Over fetch, each playing tile holds one of the browser's 6 connections to the
// server; the event stream takes one, and one stays free for API calls (or a
// click on "Log out" would wait behind the video). Other tiles wait their turn.
const FETCH_STREAMS_MAX = 4;

// Natural order by name ("Demo 2" before "Demo 10"), then id.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export function sortCameras(cameras) {
    return [...cameras].sort((a, b) => collator.compare(a.name || a.id, b.name || b.id) || collator.compare(a.id, b.id));
}

function storedLayout() {
    try {
        const n = Number(localStorage.getItem(LAYOUT_KEY));
        return LAYOUTS.includes(n) ? n : null;
    } catch {
        return null;
    }
}

/** The smallest layout that shows every camera on one page (16 at most). */
function fittingLayout(count) {
    return LAYOUTS.find((n) => n >= count) || 16;
}

export function preferredProtocol() {
    try {
        if (localStorage.getItem(PROTOCOL_KEY) === 'mse') return 'mse';
    } catch {
        // storage blocked: default
    }
    return 'webrtc';
}

export function mseTransport() {
    try {
        const t = localStorage.getItem(TRANSPORT_KEY);
        if (t === 'ws' || t === 'fetch') return t;
    } catch {
        // storage blocked: default
    }
    return DEFAULT_TRANSPORT;
}

/** Whether any part of el is inside the window (what the observer will report). */
function onScreen(el) {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
        r.top < window.innerHeight && r.left < window.innerWidth;
}

export class Wall {
    /** root: where the wall goes. cameras: GET /api/cameras. */
    constructor(root, cameras) {
        this.root = root;
        this.cameras = sortCameras(cameras);
        this.layout = storedLayout() || fittingLayout(cameras.length);
        this.page = 0;
        this.tiles = [];
        this.fullTile = null;
        this.pageVisible = document.visibilityState === 'visible';
        this.preferWebRtc = preferredProtocol() === 'webrtc';
        this.protocol = this.preferWebRtc && webrtcAvailable() ? 'WebRTC' : 'MSE';
        this.transport = mseTransport();
        this.destroyed = false;

        this.build();
        this.io = new IntersectionObserver((entries) => {
            for (const e of entries) {
                const tile = this.tiles.find((t) => t.el === e.target);
                if (tile) tile.visible = e.isIntersecting;
            }
            this.updateActive();
        });
        this.onVisibility = () => {
            this.pageVisible = document.visibilityState === 'visible';
            this.updateActive();
            if (this.pageVisible) this.refresh();
        };
        document.addEventListener('visibilitychange', this.onVisibility);
        this.onKey = (e) => {
            if (e.key === 'Escape' && this.fullTile) {
                e.preventDefault();
                this.closeFull();
            }
        };
        document.addEventListener('keydown', this.onKey);
        this.onFullscreenChange = () => {
            if (!document.fullscreenElement && this.fullTile && this.usedFullscreenApi) this.closeFull();
        };
        document.addEventListener('fullscreenchange', this.onFullscreenChange);

        this.events = subscribe({
            onStatus: (msg) => {
                for (const t of this.tiles) {
                    if (t.camera.id === msg.camera) t.setStatus(msg.stream, msg.status);
                }
            },
            onOpen: () => {
                if (this.opened) this.refresh(); // a reconnection: catch up on what we missed
                this.opened = true;
            },
        });
        this.refreshTimer = setInterval(() => {
            if (this.pageVisible) this.refresh();
        }, REFRESH_MS);
        this.renderPage();
    }

    build() {
        this.layoutButtons = LAYOUTS.map((n) => {
            const b = h('button', {
                type: 'button',
                class: 'seg-btn',
                'data-layout': n,
                'aria-label': `${n} ${n === 1 ? 'camera' : 'cameras'} per page`,
                title: `${n} per page`,
            }, h('span', { class: 'layout-icon', 'data-n': n, 'aria-hidden': 'true' }, Array.from({ length: n }, () => h('i'))),
            h('span', { class: 'seg-num' }, String(n)));
            b.addEventListener('click', () => this.setLayout(n));
            return b;
        });
        this.prevBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Previous page' }, '‹ Prev');
        this.nextBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Next page' }, 'Next ›');
        this.prevBtn.addEventListener('click', () => this.setPage(this.page - 1));
        this.nextBtn.addEventListener('click', () => this.setPage(this.page + 1));
        this.pageLabel = h('span', { class: 'pager-label', id: 'wall-page', 'aria-live': 'polite' });
        this.countLabel = h('span', { class: 'wall-count muted' });
        this.pager = h('div', { class: 'pager', role: 'group', 'aria-label': 'Pages' }, this.prevBtn, this.pageLabel, this.nextBtn);
        this.grid = h('div', { class: 'wall-grid', id: 'camera-cards', 'aria-label': 'Live cameras' });
        this.root.append(
            h('div', { class: 'wall-bar' },
                h('h1', { class: 'wall-title' }, 'Live'),
                this.countLabel,
                h('div', { class: 'wall-controls' },
                    h('div', { class: 'seg', role: 'group', 'aria-label': 'Layout' }, this.layoutButtons),
                    this.pager)),
            this.grid);
    }

    get pageCount() {
        return Math.max(1, Math.ceil(this.cameras.length / this.layout));
    }

    setLayout(n) {
        if (!LAYOUTS.includes(n)) return;
        try {
            localStorage.setItem(LAYOUT_KEY, String(n));
        } catch {
            // private mode: the choice lasts for this page only
        }
        if (n === this.layout) return;
        // Keep the first camera of the current page in view.
        const first = this.page * this.layout;
        this.layout = n;
        this.page = Math.floor(first / n);
        this.renderPage();
    }

    setPage(p) {
        const page = Math.min(Math.max(0, p), this.pageCount - 1);
        if (page === this.page) return;
        this.page = page;
        this.renderPage();
    }

    renderPage() {
        if (this.fullTile) this.closeFull();
        this.page = Math.min(this.page, this.pageCount - 1);
        for (const t of this.tiles) {
            this.io.unobserve(t.el);
            t.destroy();
        }
        const cams = this.cameras.slice(this.page * this.layout, (this.page + 1) * this.layout);
        this.tiles = cams.map((c) => new Tile(c, this));
        for (const t of this.tiles) t.setLarge(this.layout === 1);
        const empty = [];
        // Fill the last page so tiles keep their size (not on phones: one column).
        for (let i = cams.length; i < this.layout && this.pageCount > 1; i++) {
            empty.push(h('div', { class: 'tile-empty', 'aria-hidden': 'true' }));
        }
        this.grid.dataset.layout = String(this.layout);
        this.grid.replaceChildren(...this.tiles.map((t) => t.el), ...empty);
        for (const t of this.tiles) this.io.observe(t.el);
        this.renderBar();
        // The observer first reports after the next frame is drawn: the tiles on
        // screen start their streams now instead.
        for (const t of this.tiles) t.visible = onScreen(t.el);
        this.updateActive();
    }

    renderBar() {
        for (const b of this.layoutButtons) b.setAttribute('aria-pressed', String(Number(b.dataset.layout) === this.layout));
        this.pageLabel.textContent = `Page ${this.page + 1} of ${this.pageCount}`;
        this.prevBtn.disabled = this.page === 0;
        this.nextBtn.disabled = this.page >= this.pageCount - 1;
        this.pager.hidden = this.pageCount <= 1;
        const n = this.cameras.length;
        this.countLabel.textContent = `${n} camera${n === 1 ? '' : 's'}`;
    }

    updateActive() {
        if (this.destroyed) return;
        for (const t of this.tiles) {
            const on = this.pageVisible && (this.fullTile ? t === this.fullTile : t.visible);
            t.setActive(on);
        }
    }

    /** WebRTC first (unless the tile saw it fail or the user chose MSE), else MSE. */
    makePlayer(video, streamId, onEvent, { webrtc = true } = {}) {
        if (webrtc && this.preferWebRtc && webrtcAvailable()) return new WebRtcPlayer(video, streamId, { onEvent });
        if (!mseAvailable()) return null;
        return new MsePlayer(video, streamId, { transport: this.transport, onEvent });
    }

    /** May this tile open a stream now? (Only fetch streams are counted.) */
    slotFree(tile) {
        if (this.transport !== 'fetch') return true;
        return this.tiles.filter((t) => t !== tile && t.player).length < FETCH_STREAMS_MAX;
    }

    /** A tile let go of its stream: the next waiting tile (in page order) may start. */
    slotReleased() {
        if (this.transport !== 'fetch' || this.wakePending) return;
        this.wakePending = true;
        queueMicrotask(() => {
            this.wakePending = false;
            if (this.destroyed) return;
            for (const t of this.tiles) {
                if (t.waitingSlot && t.active && this.slotFree(t)) t.connect();
            }
        });
    }

    onUnauthorized() {
        api.reportUnauthorized(); // the app shows the sign-in page
    }

    openFull(tile) {
        if (this.fullTile === tile) return;
        if (this.fullTile) this.closeFull();
        this.fullTile = tile;
        // The tile stays where it is (moving a <video> pauses it); a placeholder
        // keeps its grid cell while it covers the screen.
        this.placeholder = h('div', { class: 'tile-empty', 'aria-hidden': 'true' });
        tile.el.after(this.placeholder);
        document.body.classList.add('wall-full-open');
        tile.el.classList.add('is-full');
        tile.el.setAttribute('role', 'dialog');
        tile.el.setAttribute('aria-modal', 'true');
        tile.setLarge(true);
        tile.render();
        this.updateActive();
        tile.closeBtn.focus();
        this.usedFullscreenApi = false;
        if (tile.el.requestFullscreen && document.fullscreenEnabled) {
            tile.el.requestFullscreen().then(() => {
                this.usedFullscreenApi = true;
            }).catch(() => {
                // not allowed here: the in-page overlay does the job
            });
        }
    }

    closeFull() {
        const tile = this.fullTile;
        if (!tile) return;
        this.fullTile = null;
        if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
        tile.el.classList.remove('is-full');
        tile.el.removeAttribute('role');
        tile.el.removeAttribute('aria-modal');
        document.body.classList.remove('wall-full-open');
        if (this.placeholder) this.placeholder.remove();
        this.placeholder = null;
        tile.setLarge(this.layout === 1);
        tile.render();
        this.updateActive();
        tile.openBtn.focus({ preventScroll: true });
    }

    /** Shows one camera over the wall (the playback page's "Live" button). */
    focusCamera(id) {
        const i = this.cameras.findIndex((c) => c.id === id);
        if (i < 0) return false;
        this.setPage(Math.floor(i / this.layout));
        const tile = this.tiles.find((t) => t.camera.id === id);
        if (tile) this.openFull(tile);
        return !!tile;
    }

    /** Re-reads the camera list: statuses, names, added or removed cameras. */
    async refresh() {
        if (this.refreshing || this.destroyed) return;
        this.refreshing = true;
        try {
            const raw = await api.get('/api/cameras');
            if (this.destroyed || !Array.isArray(raw)) return;
            const cams = sortCameras(raw);
            const sameSet = cams.length === this.cameras.length && cams.every((c, i) => c.id === this.cameras[i].id);
            this.cameras = cams;
            if (!sameSet) {
                this.renderPage();
                return;
            }
            const byId = new Map(cams.map((c) => [c.id, c]));
            for (const t of this.tiles) {
                const c = byId.get(t.camera.id);
                if (c) t.setCamera(c);
            }
        } catch {
            // the next refresh tries again; a 401 already sent the app to sign-in
        } finally {
            this.refreshing = false;
        }
    }

    /** What every tile on the page does (for tests and the bench). */
    info() {
        return this.tiles.map((t) => t.info());
    }

    destroy() {
        if (this.destroyed) return;
        if (this.fullTile) this.closeFull();
        this.destroyed = true;
        this.events.close();
        clearInterval(this.refreshTimer);
        this.io.disconnect();
        document.removeEventListener('visibilitychange', this.onVisibility);
        document.removeEventListener('keydown', this.onKey);
        document.removeEventListener('fullscreenchange', this.onFullscreenChange);
        for (const t of this.tiles) t.destroy();
        this.tiles = [];
    }
}
