// Playback of recordings: pick a camera and a day, see what was recorded on the
// day's timeline, play from any moment at 0.5x to 16x, and export a range as MP4.
// #/playback?camera=ID&at=MS opens a moment (Unix ms).
import * as api from '../api.js';
import { h, field, select, messageArea, errorText } from '../dom.js';
import { formatDuration } from '../recording.js';
import { RecordingPlayer, clipUrl } from '../playback/player.js';
import { Timeline, clockText } from '../playback/timeline.js';

const CHUNK_MS = 30 * 60 * 1000; // one file plays at most this much; the next follows
const EXPORT_MAX_MS = 6 * 60 * 60 * 1000; // the server's limit for one file
const REFRESH_MS = 10000; // today's timeline grows while the camera records
const STEP_MS = 10000; // arrow keys
const LIVE_WAIT_MS = 2000; // at the end of what is recorded so far, look again after this
const SPEEDS = [0.5, 1, 2, 4, 8, 16];

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** YYYY-MM-DD of ms in the browser's time zone (a first guess at the server's day). */
function localDay(ms) {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function addDays(day, n) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
}

function dayText(day) {
    const d = new Date(`${day}T12:00:00`);
    if (Number.isNaN(d.getTime())) return day;
    return d.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

function dateTimeText(ms) {
    const d = new Date(ms);
    return `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })} ${clockText(ms)}`;
}

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

export async function render(root) {
    const params = new URLSearchParams(location.hash.split('?')[1] || '');
    const atParam = params.has('at') ? Number(params.get('at')) : null;
    const cameras = (await api.get('/api/cameras'))
        .sort((a, b) => collator.compare(a.name || a.id, b.name || b.id) || collator.compare(a.id, b.id));
    if (!root.isConnected) return undefined;

    let camera = params.get('camera');
    // A deleted camera's recordings stay until retention removes them (the
    // storage page links to them): the server says whether there are any.
    if (camera && !cameras.some((c) => c.id === camera)) cameras.push({ id: camera, name: `${camera} (deleted)`, record: false });
    if (!camera && cameras.length) camera = (cameras.find((c) => c.record) || cameras[0]).id;
    const page = new PlaybackPage(root, cameras);
    if (camera) await page.openCamera(camera, Number.isFinite(atParam) ? atParam : null);
    else page.msg.show('info', 'There are no cameras to play back.');
    return () => page.destroy();
}

class PlaybackPage {
    constructor(root, cameras) {
        this.root = root;
        this.cameras = cameras;
        this.camera = null;
        this.days = [];
        this.tl = null; // the day's timeline answer
        this.loadSeq = 0;
        this.range = null;
        this.raf = 0;
        this.liveTimer = null;
        this.note = '';
        this.destroyed = false;
        this.build();
        this.player = new RecordingPlayer(this.video, (type, detail) => this.onPlayer(type, detail));
        this.renderTime();
        this.refreshTimer = setInterval(() => this.refreshToday(), REFRESH_MS);
        this.onKey = (e) => this.key(e);
        document.addEventListener('keydown', this.onKey);
        // For tests and the bench: what the player shows.
        window.vigilPlayback = { state: () => this.info() };
    }

    build() {
        this.msg = messageArea();
        this.msg.id = 'pb-message';
        this.cameraSelect = select({ id: 'pb-camera', name: 'camera' },
            this.cameras.map((c) => [c.id, c.name && c.name !== c.id ? `${c.name} (${c.id})` : c.id]));
        this.cameraSelect.addEventListener('change', () => this.openCamera(this.cameraSelect.value, null));
        this.daySelect = h('select', { id: 'pb-day', name: 'day' });
        this.daySelect.addEventListener('change', () => this.openDay(this.daySelect.value));
        this.liveLink = h('a', { class: 'btn', id: 'pb-live', href: '#/' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Live');

        this.video = h('video', { class: 'pb-video', id: 'playback-video', muted: true, playsinline: true, disablepictureinpicture: true });
        this.video.muted = true;
        this.video.addEventListener('click', () => this.togglePlay());
        this.overlay = h('div', { class: 'pb-overlay' }, 'Choose a moment on the timeline to play it.');
        this.screen = h('div', { class: 'pb-screen' }, this.video, this.overlay);

        const btn = (text, label, fn, props = {}) => {
            const b = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': label, title: label, ...props }, text);
            b.addEventListener('click', fn);
            return b;
        };
        this.playBtn = btn('Play', 'Play', () => this.togglePlay(), { id: 'pb-play', class: 'btn btn-small pb-play' });
        this.speedSelect = select({ id: 'pb-speed', name: 'speed', class: 'pb-speed' },
            SPEEDS.map((s) => [String(s), `${s}×`]));
        this.speedSelect.value = '1';
        this.speedSelect.addEventListener('change', () => this.player.setRate(Number(this.speedSelect.value)));
        this.soundBtn = btn('Sound', 'Sound', () => {
            this.video.muted = !this.video.muted;
            this.soundBtn.setAttribute('aria-pressed', String(!this.video.muted));
        }, { 'aria-pressed': 'false' });
        const fullBtn = btn('Full screen', 'Full screen', () => {
            if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
            else if (this.screen.requestFullscreen) this.screen.requestFullscreen().catch(() => {});
        });
        this.clock = h('time', { class: 'pb-clock', id: 'pb-clock' }, '—');
        this.status = h('span', { class: 'pb-status muted', id: 'pb-status', 'aria-live': 'polite' });

        this.timeline = new Timeline({
            onSeek: (ms) => this.seek(ms),
            onSelect: (range) => this.setRange(range),
            thumbUrl: (ms) => this.thumbUrl(ms, 240),
        });

        this.rangeText = h('span', { class: 'pb-range-text', id: 'pb-range' }, 'No range selected.');
        this.exportLink = h('a', { class: 'btn btn-primary', id: 'pb-export', 'aria-disabled': 'true', role: 'link' }, 'Export');
        this.exportMsg = messageArea();
        this.exportMsg.id = 'pb-export-message';
        const markStart = btn('Mark start', 'Mark start', () => this.mark('from'), { title: 'Start the range at the playhead' });
        const markEnd = btn('Mark end', 'Mark end', () => this.mark('to'), { title: 'End the range at the playhead' });
        this.clearBtn = btn('Clear', 'Clear range', () => this.timeline.setSelection(null), { title: 'Clear the range' });

        this.root.append(
            h('div', { class: 'page-head' },
                h('h1', null, 'Recordings'),
                h('div', { class: 'pb-pickers' },
                    field('Camera', this.cameraSelect),
                    field('Day', this.daySelect),
                    this.liveLink)),
            this.msg,
            h('section', { class: 'pb-player card', 'aria-label': 'Player' },
                this.screen,
                h('div', { class: 'pb-controls', role: 'group', 'aria-label': 'Playback controls' },
                    h('div', { class: 'pb-buttons' },
                        btn(h('span', { class: 'ico ico-prev', 'aria-hidden': 'true' }), 'Previous gap', () => this.jumpSpan(-1), { id: 'pb-prev' }),
                        btn('−10 s', 'Back 10 seconds', () => this.step(-STEP_MS)),
                        this.playBtn,
                        btn('+10 s', 'Forward 10 seconds', () => this.step(STEP_MS)),
                        btn(h('span', { class: 'ico ico-next', 'aria-hidden': 'true' }), 'Next gap', () => this.jumpSpan(1), { id: 'pb-next' })),
                    h('div', { class: 'pb-speed-field' }, h('label', { for: 'pb-speed' }, 'Speed'), this.speedSelect),
                    this.soundBtn, fullBtn,
                    h('div', { class: 'pb-time' }, this.clock, this.status)),
                this.timeline.el),
            h('section', { class: 'pb-export card', 'aria-labelledby': 'pb-export-title' },
                h('h2', { id: 'pb-export-title' }, 'Export a clip'),
                h('p', { class: 'hint' }, 'Shift-drag on the timeline or mark the start and end at the playhead, then download the range as MP4 (at most 6 hours).'),
                h('div', { class: 'pb-export-row' },
                    this.rangeText,
                    h('div', { class: 'row-actions' }, markStart, markEnd, this.clearBtn, this.exportLink)),
                this.exportMsg));
        this.setRange(null);
    }

    thumbUrl(ms, width) {
        const q = new URLSearchParams({ camera: this.camera, at: String(Math.round(ms)), width: String(width) });
        return `/api/recordings/thumbnail.jpg?${q}`;
    }

    /** Where the playhead is: the picture shown, else the moment last chosen. */
    current() {
        const ms = this.player.wallMs();
        return ms ?? this.timeline.playhead;
    }

    info() {
        const v = this.video;
        return {
            camera: this.camera,
            day: this.tl ? this.tl.day : null,
            wallMs: this.player.wallMs(),
            playhead: this.timeline.playhead,
            state: this.player.state(),
            currentTime: v.currentTime,
            rate: v.playbackRate,
            file: this.player.file ? { ...this.player.file } : null,
            view: [this.timeline.viewFrom, this.timeline.viewTo],
            range: this.range ? { ...this.range } : null,
        };
    }

    /* ------------------------------------------------------------ camera, day */

    async openCamera(id, at) {
        const seq = ++this.loadSeq;
        this.camera = id;
        this.cameraSelect.value = id;
        this.liveLink.href = `#/?camera=${encodeURIComponent(id)}`;
        this.liveLink.setAttribute('aria-label', `Live view of ${this.cameraName(id)}`);
        this.stopPlayback();
        this.msg.clear();
        this.updateHash(at);
        try {
            const r = await api.get(`/api/recordings/days?camera=${api.seg(id)}`);
            if (seq !== this.loadSeq) return;
            this.days = r.days || [];
        } catch (e) {
            if (seq !== this.loadSeq) return;
            this.days = [];
            this.fillDays(null);
            this.msg.show('error', `Cannot read the recordings of ${this.cameraName(id)}: ${errorText(e)}`);
            return;
        }
        let day = at !== null ? localDay(at) : (this.days.length ? this.days[this.days.length - 1].day : localDay(Date.now()));
        const tl = await this.fetchDay(day, seq);
        if (!tl) return;
        let chosen = tl;
        // The server's day may not be the browser's: the moment may be on the one before or after.
        if (at !== null && (at < tl.from_ms || at >= tl.to_ms)) {
            day = addDays(day, at < tl.from_ms ? -1 : 1);
            chosen = (await this.fetchDay(day, seq)) || null;
            if (!chosen) return;
        }
        if (!this.days.length) {
            this.msg.show('info', `${this.cameraName(id)} has no recordings yet.`,
                this.cameraOf(id) && !this.cameraOf(id).record ? ' It does not record: an administrator can turn recording on in its settings.' : '');
        }
        this.showDay(chosen, at);
        if (at !== null && at >= chosen.from_ms && at < chosen.to_ms) this.seek(at);
    }

    async openDay(day) {
        const seq = ++this.loadSeq;
        this.stopPlayback();
        this.msg.clear();
        const tl = await this.fetchDay(day, seq);
        if (tl) this.showDay(tl, null);
        this.updateHash(null);
    }

    /** GET the timeline of a day; null (with the error shown) when it fails or was overtaken. */
    async fetchDay(day, seq) {
        try {
            const tl = await api.get(`/api/recordings/timeline?camera=${api.seg(this.camera)}&day=${encodeURIComponent(day)}`);
            return seq === this.loadSeq && !this.destroyed ? tl : null;
        } catch (e) {
            if (seq === this.loadSeq) this.msg.show('error', `Cannot read the timeline of ${day}: ${errorText(e)}`);
            return null;
        }
    }

    showDay(tl, focus) {
        this.tl = tl;
        this.fillDays(tl.day);
        this.timeline.setDay(tl, { focus });
        this.timeline.setPlayhead(focus);
        this.renderTime();
        // The last picture of the day until something plays.
        const last = tl.spans[tl.spans.length - 1];
        const posterAt = focus ?? (last ? Math.max(last.start_ms, last.end_ms - 1000) : null);
        if (posterAt !== null && tl.spans.length) this.video.poster = this.thumbUrl(posterAt, 640);
        else this.video.removeAttribute('poster');
        this.overlay.textContent = tl.spans.length ? 'Choose a moment on the timeline to play it.' : 'Nothing was recorded on this day.';
    }

    fillDays(current) {
        const days = this.days.map((d) => d.day);
        if (current && !days.includes(current)) days.push(current);
        days.sort().reverse();
        const info = new Map(this.days.map((d) => [d.day, d]));
        this.daySelect.replaceChildren(...days.map((d) => {
            const i = info.get(d);
            return h('option', { value: d }, i ? `${dayText(d)} · ${formatDuration(i.duration_ms)}` : dayText(d));
        }));
        if (current) this.daySelect.value = current;
        this.daySelect.disabled = !days.length;
    }

    /** Today's timeline again (new recordings), every 10 s. */
    async refreshToday() {
        const tl = this.tl;
        if (!tl || this.destroyed || document.visibilityState !== 'visible') return;
        const now = Date.now();
        if (now < tl.from_ms || now >= tl.to_ms + 60000) return;
        await this.reloadTimeline();
    }

    async reloadTimeline() {
        const seq = this.loadSeq;
        const tl = this.tl;
        try {
            const fresh = await api.get(`/api/recordings/timeline?camera=${api.seg(this.camera)}&day=${encodeURIComponent(tl.day)}`);
            if (seq !== this.loadSeq || this.destroyed) return;
            this.tl = fresh;
            this.timeline.setDay(fresh);
            if (!this.days.some((d) => d.day === fresh.day) && fresh.spans.length) {
                this.days.push({ day: fresh.day, segments: 0, bytes: 0, duration_ms: 0 });
            }
        } catch {
            // the next refresh tries again
        }
    }

    updateHash(at) {
        const q = new URLSearchParams({ camera: this.camera });
        if (at !== null && Number.isFinite(at)) q.set('at', String(Math.round(at)));
        const hash = `#/playback?${q}`;
        // Not location.hash: that would render the page again.
        if (location.hash !== hash) history.replaceState(null, '', hash);
    }

    cameraOf(id) {
        return this.cameras.find((c) => c.id === id) || null;
    }

    cameraName(id) {
        const c = this.cameraOf(id);
        return c ? c.name || c.id : id;
    }

    /* ------------------------------------------------------------ playing */

    spans() {
        return this.tl ? this.tl.spans : [];
    }

    /**
     * Plays from ms: inside the loaded file it only moves there; in a gap it
     * goes on at the next recorded moment.
     */
    async seek(ms, { play = true } = {}) {
        if (!this.tl || this.destroyed) return;
        this.cancelLive();
        this.msg.clear();
        this.note = '';
        if (this.player.holds(this.camera, ms)) {
            this.player.seek(ms);
            if (play) this.player.play();
            this.renderTime();
            return;
        }
        const spans = this.spans();
        let span = spans.find((s) => ms >= s.start_ms && ms < s.end_ms);
        let at = ms;
        if (!span) {
            span = spans.find((s) => s.start_ms > ms);
            if (!span) {
                this.player.stop();
                this.overlay.hidden = false;
                this.timeline.setPlayhead(ms);
                this.setNote(`Nothing recorded after ${clockText(ms)} on this day.`);
                return;
            }
            at = span.start_ms;
        }
        await this.openAt(span, at, play);
    }

    /** Loads the file from `at` (in span) to the span's end, at most 30 minutes. */
    async openAt(span, at, play = true) {
        const to = Math.min(span.end_ms, at + CHUNK_MS);
        // The very end of a span: start a little earlier so there is something to show.
        const from = to - at < 1000 ? Math.max(span.start_ms, to - 2000) : at;
        this.timeline.setPlayhead(at);
        this.updateHash(at);
        this.overlay.hidden = true;
        try {
            await this.player.open(this.camera, from, to, Math.min(at, to - 1), { play });
        } catch (e) {
            this.msg.show('error', `Cannot play the recording at ${clockText(at)}: ${errorText(e)}`);
            this.overlay.hidden = false;
            this.renderTime();
        }
    }

    togglePlay() {
        const st = this.player.state();
        if (st === 'ended' && this.liveTimer) {
            this.cancelLive(); // stop waiting for more
            this.setNote('Stopped at the end of what is recorded.');
        } else if (st === 'ended') {
            this.seek(this.current()); // what was recorded since, if anything
        } else if (st === 'idle') {
            const first = this.spans().find((s) => s.end_ms > this.timeline.viewFrom) || this.spans()[0];
            const from = this.timeline.playhead ?? (first ? Math.max(first.start_ms, this.timeline.viewFrom) : null);
            if (from !== null) this.seek(from);
        } else if (st === 'paused') {
            this.player.play();
        } else {
            this.player.pause();
        }
    }

    step(delta) {
        const cur = this.current();
        if (cur === null || !this.tl) return;
        const target = clamp(cur + delta, this.tl.from_ms, this.tl.to_ms - 1);
        const playing = this.player.state() !== 'paused';
        this.seek(target, { play: playing });
    }

    /** The start of the next recorded span (dir 1) or of this/the previous one (dir -1). */
    async jumpSpan(dir) {
        const spans = this.spans();
        const cur = this.current() ?? (dir > 0 ? this.timeline.viewFrom : this.timeline.viewTo);
        let target = null;
        if (dir > 0) {
            const next = spans.find((s) => s.start_ms > cur + 1);
            if (next) target = next.start_ms;
        } else {
            const here = spans.find((s) => cur >= s.start_ms && cur < s.end_ms + 1000);
            if (here && cur - here.start_ms > 3000) target = here.start_ms;
            else {
                const before = here ? here.start_ms : cur;
                const prev = [...spans].reverse().find((s) => s.start_ms < before - 1);
                if (prev) target = prev.start_ms;
            }
        }
        if (target !== null) {
            this.seek(target);
            return;
        }
        // Nothing more on this day: the next or previous day with recordings.
        const days = this.days.map((d) => d.day).sort();
        const other = dir > 0 ? days.find((d) => d > this.tl.day) : [...days].reverse().find((d) => d < this.tl.day);
        if (!other) {
            this.setNote(dir > 0 ? 'No later recording.' : 'No earlier recording.');
            return;
        }
        const seq = ++this.loadSeq;
        this.stopPlayback();
        const tl = await this.fetchDay(other, seq);
        if (!tl) return;
        this.showDay(tl, null);
        const span = dir > 0 ? tl.spans[0] : tl.spans[tl.spans.length - 1];
        if (span) this.seek(span.start_ms);
    }

    /** The file ran out at endMs: go on with what was recorded after it. */
    async continueAfter(endMs) {
        if (this.destroyed || !this.tl) return;
        const now = Date.now();
        if (now >= this.tl.from_ms && now < this.tl.to_ms + 60000) await this.reloadTimeline();
        const spans = this.spans();
        const next = spans.find((s) => s.end_ms > endMs + 500);
        if (next) {
            const at = Math.max(endMs, next.start_ms);
            if (next.live && next.end_ms - at < LIVE_WAIT_MS) {
                this.waitLive(endMs);
                return;
            }
            this.note = '';
            await this.openAt(next, at, true);
            return;
        }
        const last = spans[spans.length - 1];
        if (last && last.live) {
            this.waitLive(endMs);
            return;
        }
        const later = this.days.map((d) => d.day).sort().find((d) => d > this.tl.day);
        if (later) {
            const seq = ++this.loadSeq;
            const tl = await this.fetchDay(later, seq);
            if (!tl) return;
            this.player.stop();
            this.showDay(tl, null);
            if (tl.spans.length) await this.openAt(tl.spans[0], tl.spans[0].start_ms, true);
            return;
        }
        this.setNote('End of the recordings.');
    }

    /** Caught up with a camera that is recording now: look again in a moment. */
    waitLive(endMs) {
        this.cancelLive();
        this.liveTimer = setTimeout(() => {
            this.liveTimer = null;
            this.continueAfter(endMs);
        }, LIVE_WAIT_MS);
        this.setNote('Waiting for the recording to go on…');
    }

    cancelLive() {
        clearTimeout(this.liveTimer);
        this.liveTimer = null;
    }

    stopPlayback() {
        this.cancelLive();
        this.player.stop();
        this.timeline.setPlayhead(null);
        this.overlay.hidden = false;
        this.setNote('');
    }

    onPlayer(type, detail) {
        if (this.destroyed) return;
        if (type === 'ended') {
            this.continueAfter(detail.endMs);
        } else if (type === 'error') {
            this.msg.show('error', errorText(detail));
        }
        this.renderTime();
    }

    /** A remark under the clock ("End of the recordings."), shown while nothing else is to say. */
    setNote(text) {
        this.note = text;
        this.renderTime();
    }

    /** The playhead, the clock and the play button follow the video. */
    renderTime() {
        const st = this.player.state();
        const playing = st === 'playing';
        const label = playing || st === 'loading' || (st === 'ended' && this.liveTimer) ? 'Pause' : 'Play';
        if (this.playBtn.textContent !== label) {
            this.playBtn.textContent = label;
            this.playBtn.setAttribute('aria-label', label);
            this.playBtn.title = label;
        }
        this.screen.dataset.state = st;
        const ms = this.player.wallMs();
        if (ms !== null) this.timeline.setPlayhead(ms, { follow: playing });
        const shown = ms ?? this.timeline.playhead;
        if (shown !== null) {
            this.clock.textContent = dateTimeText(shown);
            this.clock.dateTime = new Date(shown).toISOString();
            this.clock.dataset.ms = String(Math.round(shown));
        } else {
            this.clock.textContent = '—';
            this.clock.removeAttribute('datetime');
            delete this.clock.dataset.ms;
        }
        const words = { loading: 'Loading…', paused: 'Paused' }[st] || this.note || '';
        if (this.status.textContent !== words) this.status.textContent = words;
        if (playing && !this.raf) {
            this.raf = requestAnimationFrame(() => {
                this.raf = 0;
                if (!this.destroyed) this.renderTime();
            });
        }
    }

    /* ------------------------------------------------------------ export */

    mark(edge) {
        const cur = this.current();
        if (cur === null) {
            this.exportMsg.show('error', 'Play or choose a moment first: the range starts or ends at the playhead.');
            return;
        }
        const r = this.range ? { ...this.range } : { from: cur, to: cur };
        r[edge] = cur;
        if (edge === 'from' && r.to <= r.from) r.to = r.from + 60000;
        if (edge === 'to' && r.from >= r.to) r.from = r.to - 60000;
        this.timeline.setSelection(r);
    }

    setRange(range) {
        this.range = range;
        this.exportMsg.clear();
        const link = this.exportLink;
        const off = () => {
            link.removeAttribute('href');
            link.removeAttribute('download');
            link.setAttribute('aria-disabled', 'true');
            link.tabIndex = -1;
        };
        this.clearBtn.disabled = !range;
        if (!range) {
            this.rangeText.textContent = 'No range selected.';
            off();
            return;
        }
        const len = range.to - range.from;
        this.rangeText.textContent = `${clockText(range.from)} – ${clockText(range.to)} · ${formatDuration(len)}`;
        if (len > EXPORT_MAX_MS) {
            this.exportMsg.show('error', `A clip can be at most 6 hours long; this range is ${formatDuration(len)}.`);
            off();
            return;
        }
        if (!this.spans().some((s) => s.start_ms < range.to && s.end_ms > range.from)) {
            this.exportMsg.show('error', 'Nothing is recorded in this range.');
            off();
            return;
        }
        link.href = clipUrl(this.camera, range.from, range.to, { download: true });
        link.setAttribute('download', '');
        link.removeAttribute('aria-disabled');
        link.removeAttribute('tabindex');
    }

    /* ------------------------------------------------------------ keyboard */

    key(e) {
        if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
        const t = e.target;
        if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
        if (document.querySelector('dialog[open]')) return;
        if (e.key === ' ' || e.code === 'Space') {
            // A focused button or link answers space itself.
            if (t instanceof HTMLElement && /^(BUTTON|A)$/.test(t.tagName)) return;
            e.preventDefault();
            this.togglePlay();
        } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
            e.preventDefault();
            this.step(e.key === 'ArrowLeft' ? -STEP_MS : STEP_MS);
        }
    }

    destroy() {
        this.destroyed = true;
        this.loadSeq++;
        clearInterval(this.refreshTimer);
        this.cancelLive();
        cancelAnimationFrame(this.raf);
        document.removeEventListener('keydown', this.onKey);
        this.timeline.destroy();
        this.player.stop();
        if (window.vigilPlayback && window.vigilPlayback.state) window.vigilPlayback = null;
    }
}

