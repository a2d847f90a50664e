// Plays a stretch of a camera's recording in a <video>: GET /api/recordings/play.mp4
// over [from, to) is one ordinary seekable MP4, so the browser does the rest
// (range requests, buffering). The file starts at the keyframe at or before
// `from`; its X-Recording-Start header is the wall-clock time of currentTime 0,
// which maps the video's position to the time the picture was recorded.

import * as api from '../api.js';

/** The URL of the MP4 of one camera over [fromMs, toMs). */
export function clipUrl(camera, fromMs, toMs, { download = false } = {}) {
    const q = new URLSearchParams({
        camera,
        from: String(Math.floor(fromMs)),
        to: String(Math.ceil(toMs)),
    });
    if (download) q.set('download', '1');
    return `/api/recordings/play.mp4?${q}`;
}

async function errorOf(res) {
    let code = `http_${res.status}`;
    let message = res.status === 416 ? 'Nothing is recorded there' : (res.statusText || `HTTP ${res.status}`);
    try {
        const data = await res.json();
        if (data && data.error) {
            code = String(data.error.code || code);
            message = String(data.error.message || message);
        }
    } catch {
        // not JSON: keep the status
    }
    return new api.ApiError(res.status, code, message);
}

/** The answer's X-Recording-Start/End (Unix ms) for a play.mp4 URL, read with a 1-byte range. */
async function recordingTimes(url) {
    let res;
    try {
        res = await fetch(url, { headers: { Range: 'bytes=0-0' }, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
        throw new api.ApiError(0, 'network', `Cannot reach the server (${e.message})`);
    }
    if (!res.ok) {
        const err = await errorOf(res);
        if (res.status === 401) api.reportUnauthorized();
        throw err;
    }
    const start = Number(res.headers.get('X-Recording-Start'));
    const end = Number(res.headers.get('X-Recording-End'));
    res.body?.cancel().catch(() => {});
    if (!res.headers.has('X-Recording-Start') || !Number.isFinite(start)) {
        throw new api.ApiError(res.status, 'bad_response', 'The recording has no X-Recording-Start header');
    }
    return { start, end: res.headers.has('X-Recording-End') && Number.isFinite(end) ? end : null };
}

export class RecordingPlayer {
    /**
     * video: the element to play in. onEvent(type, detail): 'state' (playing,
     * paused, loading, ended, idle), 'ended' ({endMs}: the file ran out), 'error' (an
     * ApiError or a media error).
     */
    constructor(video, onEvent) {
        this.video = video;
        this.onEvent = onEvent;
        this.file = null; // {camera, from, to, start, end, url}
        this.rate = 1;
        this.seq = 0;
        this.wantPlay = false;
        const v = video;
        const state = () => this.onEvent('state', this.state());
        for (const type of ['playing', 'pause', 'waiting', 'seeking', 'seeked', 'canplay']) v.addEventListener(type, state);
        v.addEventListener('ended', () => {
            if (!this.file) return;
            this.wantPlay = true;
            this.onEvent('ended', { endMs: this.endMs() });
        });
        v.addEventListener('error', () => {
            if (!this.file || !v.error) return;
            const why = { 2: 'a network error', 3: 'the picture cannot be decoded', 4: 'this browser cannot play this video' }[v.error.code] || 'an error';
            this.onEvent('error', new Error(`The recording stopped: ${why}${v.error.message ? ` (${v.error.message})` : ''}`));
        });
    }

    state() {
        const v = this.video;
        if (!this.file) return 'idle';
        if (v.ended && !this.loading) return 'ended';
        if (this.loading || v.seeking || (this.wantPlay && !v.paused && v.readyState < 3)) return 'loading';
        return v.paused ? 'paused' : 'playing';
    }

    /** Wall-clock ms of the picture shown now, or null when nothing is loaded. */
    wallMs() {
        if (!this.file || this.loading) return this.pendingMs ?? null;
        return this.file.start + this.video.currentTime * 1000;
    }

    /** Where the loaded file ends, in wall-clock ms. */
    endMs() {
        if (!this.file) return null;
        if (this.file.end !== null) return this.file.end;
        const d = this.video.duration;
        return Number.isFinite(d) ? this.file.start + d * 1000 : this.file.to;
    }

    /** Whether ms lies inside the loaded file (seeking there needs no new request). */
    holds(camera, ms) {
        const f = this.file;
        return !!f && !this.loading && f.camera === camera && ms >= f.start && ms < this.endMs() - 250;
    }

    /**
     * Loads [fromMs, toMs) of camera and shows the picture of atMs (>= fromMs);
     * plays when `play`. Resolves false when a newer open() took over.
     */
    async open(camera, fromMs, toMs, atMs, { play = true } = {}) {
        const seq = ++this.seq;
        const url = clipUrl(camera, fromMs, toMs);
        this.loading = true;
        this.pendingMs = atMs;
        this.wantPlay = play;
        this.onEvent('state', 'loading');
        let times;
        try {
            times = await recordingTimes(url);
        } catch (e) {
            if (seq !== this.seq) return false;
            this.loading = false;
            this.pendingMs = null;
            this.onEvent('state', this.state());
            throw e;
        }
        if (seq !== this.seq) return false;
        const v = this.video;
        this.file = { camera, from: fromMs, to: toMs, start: times.start, end: times.end, url };
        await new Promise((resolve) => {
            const done = () => {
                v.removeEventListener('loadedmetadata', done);
                v.removeEventListener('error', done);
                resolve();
            };
            v.addEventListener('loadedmetadata', done);
            v.addEventListener('error', done);
            v.src = url;
        });
        if (seq !== this.seq) return false;
        this.loading = false;
        this.pendingMs = null;
        if (v.error) return true; // the error event told
        v.defaultPlaybackRate = this.rate;
        v.playbackRate = this.rate;
        v.currentTime = Math.max(0, (atMs - times.start) / 1000);
        if (play) this.play();
        else this.onEvent('state', this.state());
        return true;
    }

    /** Shows the picture of ms, which holds() said is in the loaded file. */
    seek(ms) {
        this.video.currentTime = Math.max(0, (ms - this.file.start) / 1000);
    }

    play() {
        if (!this.file) return;
        this.wantPlay = true;
        const p = this.video.play();
        if (p) {
            p.catch((e) => {
                // A newer load or a pause interrupts play(): not an error.
                if (e.name === 'AbortError') return;
                this.wantPlay = false;
                this.onEvent('error', new Error(`Cannot start playing: ${e.message}`));
            });
        }
    }

    pause() {
        this.wantPlay = false;
        this.video.pause();
    }

    setRate(rate) {
        this.rate = rate;
        this.video.defaultPlaybackRate = rate;
        this.video.playbackRate = rate;
    }

    /** Unloads the file (stops its download). */
    stop() {
        this.seq++;
        this.file = null;
        this.loading = false;
        this.pendingMs = null;
        this.wantPlay = false;
        const v = this.video;
        v.pause();
        v.removeAttribute('src');
        v.load();
        this.onEvent('state', 'idle');
    }
}
