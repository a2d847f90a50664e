// Plays one live stream (GET /api/streams/{id}/mse, fragmented MP4) into a
// <video> through Media Source Extensions.
//
// A player is one attempt: start() connects and plays; it reports through
// onEvent(type, detail) and ends with exactly one 'end' event ({error} or
// {error: null} never happens: a live stream has no normal end). The tile owns
// retries. Every player has the same shape (name, start, stop, info) so a
// WebRTC player can take its place later.
//
// Events: 'open' {mime}: the server answered; 'frame' {ms}: first decoded
// frame; 'end' {error: StreamError}.

import { Fmp4Splitter, concat } from './fmp4.js';
import { StreamError, openFetch, openWebSocket } from './transport.js';

const TICK_MS = 250;
const MAX_BEHIND_S = 1.5;    // further behind the live edge than this: jump
const JUMP_BEHIND_S = 0.2;   // ...to this far behind it
const CATCH_UP_S = 0.8;      // behind by more: play a little faster...
const CAUGHT_UP_S = 0.4;     // ...until back within this
const KEEP_S = 10;           // buffer kept behind the play position
const TRIM_EVERY_S = 5;      // trim once this much more has piled up
const NO_DATA_S = 20;        // no bytes for this long: give up and reconnect
const MAX_PENDING = 8 << 20; // bytes waiting for the SourceBuffer: it cannot keep up

const MediaSourceImpl = window.ManagedMediaSource || window.MediaSource;

export function mseAvailable() {
    return !!MediaSourceImpl;
}

/** 'H.265', 'H.264', ... from a MIME type's codecs, for messages. */
export function codecLabel(mime) {
    const m = /codecs="?([^",;]+)/i.exec(mime || '');
    const c = m ? m[1].toLowerCase() : '';
    if (c.startsWith('hvc1') || c.startsWith('hev1')) return 'H.265';
    if (c.startsWith('avc1') || c.startsWith('avc3')) return 'H.264';
    if (c.startsWith('av01')) return 'AV1';
    if (c.startsWith('vp09')) return 'VP9';
    return c || 'this format';
}

export class MsePlayer {
    /**
     * video: the <video> to play into (the player sets and clears its source).
     * transport: 'fetch' or 'ws'. onEvent(type, detail): see above.
     */
    constructor(video, streamId, { transport = 'fetch', onEvent = () => {} } = {}) {
        this.video = video;
        this.streamId = streamId;
        this.transport = transport;
        this.onEvent = onEvent;
        this.name = 'MSE';
        this.bytes = 0;
        this.firstFrameMs = null;
        this.stopped = false;
        this.started = false;
        this.queue = [];
        this.pendingBytes = 0;
        this.lastT = new Map();
        this.lastTrim = 0;
        this.lastProgress = { t: -1, at: 0 };
        this.timing = {}; // ms since navigation start: start, open, sourceopen, appended, frame
        this.onVideoError = () => {
            const e = this.video.error;
            this.fail(new StreamError('decode', `the browser cannot play it${e && e.message ? ` (${e.message})` : ''}`));
        };
    }

    start() {
        if (this.started) return;
        this.started = true;
        this.timing.start = Math.round(performance.now());
        this.ac = new AbortController();
        this.run().catch((e) => {
            if (this.stopped) return;
            this.fail(e instanceof StreamError ? e : new StreamError('network', e && e.message ? e.message : String(e)));
        });
    }

    /** Stops and releases everything; no more events. Safe to call twice. */
    stop() {
        if (this.stopped) return;
        this.stopped = true;
        if (this.ac) this.ac.abort();
        if (this.src) this.src.cancel();
        clearInterval(this.timer);
        this.video.removeEventListener('error', this.onVideoError);
        if (this.ms && this.ms.readyState === 'open' && this.sb) {
            try {
                this.sb.abort();
            } catch {
                // already detached
            }
        }
        this.queue = [];
        this.video.pause();
        this.video.removeAttribute('src');
        this.video.load(); // drops the MediaSource and frees the decoder
        if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
        this.ms = null;
        this.sb = null;
    }

    fail(error) {
        if (this.stopped) return;
        this.stop();
        this.onEvent('end', { error });
    }

    get path() {
        return `/api/streams/${encodeURIComponent(this.streamId)}/mse`;
    }

    async run() {
        const { video } = this;
        const signal = this.ac.signal;
        // The MediaSource opens while the server looks for the first keyframe.
        const ms = new MediaSourceImpl();
        this.ms = ms;
        const opened = new Promise((resolve) => ms.addEventListener('sourceopen', resolve, { once: true }));
        this.objectUrl = URL.createObjectURL(ms);
        video.disableRemotePlayback = true;
        video.src = this.objectUrl;

        const open = this.transport === 'ws' ? openWebSocket : openFetch;
        const src = await open(this.path, signal);
        if (this.stopped) {
            src.cancel();
            return;
        }
        this.src = src;
        const mime = src.mime;
        if (!mime || !MediaSourceImpl.isTypeSupported(mime)) {
            throw new StreamError('unsupported',
                `${codecLabel(mime)} not supported by this browser`, { mime });
        }
        this.timing.open = Math.round(performance.now());
        this.onEvent('open', { mime });

        await Promise.race([opened, new Promise((resolve) => signal.addEventListener('abort', resolve))]);
        if (this.stopped) return;
        this.timing.sourceopen = Math.round(performance.now());
        URL.revokeObjectURL(this.objectUrl);
        this.objectUrl = null;
        const sb = ms.addSourceBuffer(mime);
        sb.mode = 'segments';
        this.sb = sb;
        sb.addEventListener('updateend', () => {
            if (this.firstFrameMs === null) {
                // Until the first picture, place the play position at once rather
                // than on the next tick: it is most of the time to first frame.
                if (!this.timing.appended && sb.buffered.length) this.timing.appended = Math.round(performance.now());
                this.tick();
            }
            this.pump();
        });
        sb.addEventListener('error', () => this.fail(new StreamError('decode', 'the browser rejected the stream data')));
        video.addEventListener('error', this.onVideoError);
        video.muted = true;
        video.play().catch(() => {}); // starts once data arrives; muted autoplay is allowed

        if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => this.firstFrame());
        this.lastDataAt = performance.now();
        this.timer = setInterval(() => this.tick(), TICK_MS);

        const splitter = new Fmp4Splitter();
        for (;;) {
            const { done, value } = await src.read();
            if (this.stopped) return;
            if (done) throw new StreamError('ended', 'the stream ended');
            this.bytes += value.length;
            this.lastDataAt = performance.now();
            let units;
            try {
                units = splitter.push(value);
            } catch (e) {
                throw new StreamError('decode', `bad stream data: ${e.message}`);
            }
            for (const u of units) this.enqueue(u);
            if (this.pendingBytes > MAX_PENDING) throw new StreamError('stall', 'the browser cannot keep up');
        }
    }

    enqueue(unit) {
        if (unit.kind === 'media') {
            // A jump in decode time means the server's source restarted with new
            // timestamps: drop what is buffered so playback follows the new ones.
            let jump = false;
            for (const { trackId, t } of unit.times) {
                const last = this.lastT.get(trackId);
                if (last !== undefined && (t < last - 0.5 || t > last + 10)) jump = true;
            }
            if (jump) {
                this.lastT.clear();
                this.queue.push({ op: 'flush' });
            }
            for (const { trackId, t } of unit.times) this.lastT.set(trackId, t);
        }
        this.queue.push({ op: 'append', bytes: unit.bytes, media: unit.kind === 'media' });
        this.pendingBytes += unit.bytes.length;
        this.pump();
    }

    /** Feeds the SourceBuffer, one operation at a time ('updateend' calls back). */
    pump() {
        const { sb, ms } = this;
        if (this.stopped || !sb || sb.updating || !ms || ms.readyState !== 'open') return;
        const head = this.queue[0];
        if (!head) {
            this.trim();
            return;
        }
        if (head.op === 'flush') {
            this.queue.shift();
            if (sb.buffered.length) {
                sb.remove(0, Infinity);
                return;
            }
            this.pump();
            return;
        }
        // Before the first picture, one fragment at a time (the init segment with
        // the first): the keyframe decodes while the rest of the cached GOP is
        // still being appended.
        const parts = [];
        const one = this.firstFrameMs === null;
        while (this.queue.length && this.queue[0].op === 'append') {
            const { bytes, media } = this.queue.shift();
            parts.push(bytes);
            if (one && media) break;
        }
        const bytes = concat(parts);
        try {
            sb.appendBuffer(bytes);
            this.pendingBytes -= bytes.length;
        } catch (e) {
            if (e.name !== 'QuotaExceededError') {
                this.fail(new StreamError('decode', `cannot append: ${e.message}`));
                return;
            }
            // Full: put it back, drop everything older than a second and retry.
            this.queue.unshift({ op: 'append', bytes, media: true });
            const t = this.video.currentTime;
            if (sb.buffered.length && t - 1 > sb.buffered.start(0)) sb.remove(0, t - 1);
            else this.fail(new StreamError('stall', 'the browser buffer is full'));
        }
    }

    /** Drops buffered media more than KEEP_S behind the play position. */
    trim() {
        const { sb, video } = this;
        const b = sb.buffered;
        if (!b.length) return;
        const t = video.currentTime;
        // After a flush the play position is still on the old timeline until the
        // next tick moves it: trimming then would drop the new data.
        if (t < b.start(0) || t > b.end(b.length - 1) + 1) return;
        const start = b.start(0);
        if (t - start > KEEP_S + TRIM_EVERY_S) sb.remove(start, t - KEEP_S);
    }

    firstFrame() {
        if (this.firstFrameMs !== null || this.stopped) return;
        this.firstFrameMs = Math.round(performance.now());
        this.timing.frame = this.firstFrameMs;
        this.onEvent('frame', { ms: this.firstFrameMs });
    }

    /** Keeps playback at the live edge, in the buffered ranges, and moving. */
    tick() {
        const { video } = this;
        if (this.stopped) return;
        const now = performance.now();
        if (now - this.lastDataAt > NO_DATA_S * 1000) {
            this.fail(new StreamError('stall', `no data for ${NO_DATA_S} s`));
            return;
        }
        if (this.firstFrameMs === null && this.frames() > 0) this.firstFrame();
        const b = video.buffered;
        if (!b.length) return;
        const t = video.currentTime;
        const end = b.end(b.length - 1);
        const lastStart = b.start(b.length - 1);
        let inside = false;
        for (let i = 0; i < b.length; i++) {
            if (t >= b.start(i) - 0.05 && t <= b.end(i) + 0.05) inside = true;
        }
        if (!inside) {
            // Start, or a discontinuity: go where the newest data is.
            video.currentTime = lastStart;
        } else if (this.firstFrameMs === null) {
            // Let the keyframe show before catching up with the live edge.
        } else if (end - t > MAX_BEHIND_S) {
            video.currentTime = Math.max(lastStart, end - JUMP_BEHIND_S);
        } else if (end - t > CATCH_UP_S) {
            video.playbackRate = 1.1;
        } else if (end - t < CAUGHT_UP_S) {
            video.playbackRate = 1;
        }
        if (video.paused) video.play().catch(() => {});
        // Data keeps coming but the picture does not move: nudge it forward.
        if (t !== this.lastProgress.t) {
            this.lastProgress = { t, at: now };
        } else if (now - this.lastProgress.at > 2000 && end - t > 0.5) {
            video.currentTime = Math.max(lastStart, end - JUMP_BEHIND_S);
            this.lastProgress = { t: -1, at: now };
        }
    }

    frames() {
        const q = this.video.getVideoPlaybackQuality ? this.video.getVideoPlaybackQuality() : null;
        return q ? q.totalVideoFrames : 0;
    }

    /** Latency behind the newest buffered data, in seconds (null before data). */
    latency() {
        const b = this.video.buffered;
        if (!b.length) return null;
        return Math.max(0, b.end(b.length - 1) - this.video.currentTime);
    }
}
