// Plays one live stream over WebRTC (WHEP: POST /api/streams/{id}/whep with
// an SDP offer, the answer back, DELETE on the Location when done).
//
// Same shape as MsePlayer (name, start, stop, frames, latency, timing) and
// the same events: 'open' {mime}: the server answered; 'frame' {ms}: first
// decoded frame; 'end' {error: StreamError}. An error of kind 'webrtc' means
// WebRTC itself did not work here (no common codec, ICE or DTLS failed, no
// picture in time): the tile then falls back to MSE and says why.

import { csrfHeader } from '../api.js';
import { StreamError } from './transport.js';

const FIRST_FRAME_MS = 6000; // no picture by then: WebRTC does not work from here
const DISCONNECTED_MS = 5000; // 'disconnected' that long: give up, the tile retries

let iceServersPromise = null;

/**
 * The ICE servers (STUN/TURN) from GET /api/webrtc/config, asked once per
 * page; a failed answer is not kept, so the next call asks again. The wall
 * calls it early (prefetchIceServers) so the first tile does not wait for it.
 */
function iceServers() {
    if (!iceServersPromise) {
        iceServersPromise = fetch('/api/webrtc/config', { credentials: 'same-origin', cache: 'no-store' })
            .then((r) => {
                if (!r.ok) throw new Error(`HTTP ${r.status}`);
                return r.json();
            })
            .then((j) => (j.ice_servers || []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })))
            .catch(() => {
                iceServersPromise = null;
                return [];
            });
    }
    return iceServersPromise;
}

let certificatePromise = null;

/** One DTLS certificate for every connection of the page (each would make its own). */
function certificate() {
    if (!certificatePromise) {
        certificatePromise = RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' }).catch(() => null);
    }
    return certificatePromise;
}

/** Starts what every WebRTC tile needs before its first offer. */
export function prefetchWebRtc() {
    if (!webrtcAvailable()) return;
    iceServers();
    certificate();
}

export function webrtcAvailable() {
    return typeof RTCPeerConnection === 'function';
}

export class WebRtcPlayer {
    constructor(video, streamId, { onEvent = () => {} } = {}) {
        this.video = video;
        this.streamId = streamId;
        this.onEvent = onEvent;
        this.name = 'WebRTC';
        this.pc = null;
        this.location = null;
        this.stopped = false;
        this.firstFrameMs = null;
        this.timing = {};
        this.timers = [];
        this.lastStats = null;
        this.bytes = 0; // received so far, from getStats (the tile's bitrate)
        this.poller = null;
    }

    start() {
        this.timing.start = Math.round(performance.now());
        this.run().catch((e) => this.fail(e instanceof StreamError ? e : new StreamError('webrtc', `WebRTC: ${e.message}`)));
    }

    async run() {
        const [servers, cert] = await Promise.all([iceServers(), certificate()]);
        const pc = new RTCPeerConnection({ iceServers: servers, bundlePolicy: 'max-bundle', certificates: cert ? [cert] : undefined });
        if (this.stopped) {
            pc.close();
            return;
        }
        this.pc = pc;
        pc.addTransceiver('video', { direction: 'recvonly' });
        pc.addTransceiver('audio', { direction: 'recvonly' });
        pc.ontrack = (e) => {
            if (!this.video.srcObject) this.video.srcObject = new MediaStream();
            this.video.srcObject.addTrack(e.track);
        };
        pc.onconnectionstatechange = () => this.connectionChanged();
        // ICE-lite server: it learns our address from our checks, so the offer
        // goes at once, without waiting for candidates.
        await pc.setLocalDescription(await pc.createOffer());
        this.timing.offer = Math.round(performance.now());
        const res = await fetch(`/api/streams/${encodeURIComponent(this.streamId)}/whep`, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/sdp', ...csrfHeader() },
            body: pc.localDescription.sdp,
        });
        if (this.stopped) return;
        if (res.status !== 201) throw await this.httpError(res);
        this.timing.answer = Math.round(performance.now());
        this.location = res.headers.get('Location');
        const answer = await res.text();
        if (this.stopped) return;
        await pc.setRemoteDescription({ type: 'answer', sdp: answer });
        this.timing.open = Math.round(performance.now());
        this.onEvent('open', { mime: 'video/webrtc' });
        this.video.muted = true;
        this.video.playsInline = true;
        this.video.play().catch(() => {});
        const onFrame = () => {
            if (this.stopped || this.firstFrameMs !== null) return;
            this.firstFrameMs = Math.round(performance.now());
            this.timing.frame = this.firstFrameMs;
            this.onEvent('frame', { ms: this.firstFrameMs });
        };
        if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(onFrame);
        else this.video.addEventListener('playing', onFrame, { once: true });
        this.timers.push(setTimeout(() => {
            if (this.firstFrameMs === null) this.fail(new StreamError('webrtc', 'WebRTC: no picture arrived in time'));
        }, FIRST_FRAME_MS));
        this.poller = setInterval(() => this.details().catch(() => {}), 1000);
    }

    async httpError(res) {
        let message = `HTTP ${res.status}`;
        let code = '';
        try {
            const j = await res.json();
            message = j.error?.message || message;
            code = j.error?.code || '';
        } catch {
            // not JSON
        }
        if (res.status === 401) return new StreamError('unauthorized', 'signed out', { status: 401 });
        if (res.status === 404) return new StreamError('http', 'no such stream', { status: 404 });
        // Anything else means WebRTC cannot serve this tile: MSE takes over.
        return new StreamError('webrtc', code === 'unsupported_codec' ? message : `WebRTC: ${message}`, { status: res.status });
    }

    connectionChanged() {
        const s = this.pc?.connectionState;
        if (s === 'failed') {
            this.fail(new StreamError(this.firstFrameMs === null ? 'webrtc' : 'network', 'WebRTC connection failed'));
        } else if (s === 'disconnected') {
            this.timers.push(setTimeout(() => {
                if (this.pc?.connectionState === 'disconnected') this.fail(new StreamError('network', 'WebRTC connection lost'));
            }, DISCONNECTED_MS));
        }
    }

    fail(error) {
        if (this.stopped) return;
        this.stop();
        this.onEvent('end', { error });
    }

    stop() {
        if (this.stopped) return;
        this.stopped = true;
        for (const t of this.timers) clearTimeout(t);
        clearInterval(this.poller);
        if (this.location) {
            fetch(this.location, { method: 'DELETE', credentials: 'same-origin', headers: csrfHeader() }).catch(() => {});
        }
        if (this.pc) this.pc.close();
        this.pc = null;
        if (this.video.srcObject) {
            for (const t of this.video.srcObject.getTracks()) t.stop();
            this.video.srcObject = null;
        }
    }

    frames() {
        const q = this.video.getVideoPlaybackQuality ? this.video.getVideoPlaybackQuality() : null;
        return q ? q.totalVideoFrames : 0;
    }

    /** The receive jitter buffer's delay in seconds (null before stats). */
    latency() {
        const s = this.lastStats;
        return s && s.jitterMs !== null ? s.jitterMs / 1000 : null;
    }

    /** Details for the tile: ICE path, round trip, encryption, jitter buffer. */
    async details() {
        if (!this.pc) return null;
        const report = await this.pc.getStats();
        const byId = new Map();
        report.forEach((r) => byId.set(r.id, r));
        const out = { protocol: 'WebRTC', encryption: null, path: null, rttMs: null, jitterMs: null };
        let bytes = 0;
        report.forEach((r) => {
            if (r.type === 'transport' && r.dtlsState === 'connected') {
                out.encryption = `DTLS-SRTP (${r.srtpCipher || 'SRTP'})`;
                const pair = byId.get(r.selectedCandidatePairId);
                if (pair) {
                    if (pair.currentRoundTripTime !== undefined) out.rttMs = Math.round(pair.currentRoundTripTime * 1000);
                    const local = byId.get(pair.localCandidateId);
                    const remote = byId.get(pair.remoteCandidateId);
                    if (local && remote) out.path = `${local.candidateType}/${local.protocol} → ${remote.candidateType}/${remote.protocol}`;
                }
            }
            if (r.type === 'inbound-rtp') bytes += r.bytesReceived || 0;
            if (r.type === 'inbound-rtp' && r.kind === 'video' && r.jitterBufferEmittedCount) {
                out.jitterMs = Math.round((r.jitterBufferDelay / r.jitterBufferEmittedCount) * 1000);
            }
        });
        this.lastStats = out;
        this.bytes = bytes;
        return out;
    }
}
