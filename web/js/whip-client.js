// Publishes a camera and microphone to Vigil over WHIP: POST /api/streams/{id}/whip
// with an SDP offer, the answer back (201 + Location), DELETE on the Location
// when done. Vigil is an ICE-lite server that learns our address from our
// checks, so the offer goes at once, without waiting for candidates.
//
// Events (onEvent(name, detail)): 'state' {state} with state 'connecting',
// 'publishing' or 'lost' (the connection failed or stayed disconnected: the
// caller decides whether to publish again).

const DISCONNECTED_MS = 5000; // 'disconnected' that long counts as lost
const CLOSE_WAIT_MS = 2000; // on stop, the longest the connection waits for the DELETE

/** An answer other than 201: status, the server's code and message. */
export class WhipError extends Error {
    constructor(status, code, message) {
        super(message);
        this.name = 'WhipError';
        this.status = status;
        this.code = code;
    }

    /** Worth trying again later (the server, the network), rather than a refusal. */
    get transient() {
        return this.status === 0 || this.status === 503 || this.status >= 500 ||
            (this.status === 409 && this.code === 'busy');
    }
}

/**
 * The request options for an identity: a publish token goes as Authorization
 * and the session cookie stays home; without one the cookie and the CSRF
 * header (csrf: {'X-CSRF-Token': ...}) are used.
 */
export function authInit({ token = '', csrf = {} } = {}) {
    if (token) return { credentials: 'omit', headers: { Authorization: `Bearer ${token}` } };
    return { credentials: 'same-origin', headers: { ...csrf } };
}

async function errorOf(res) {
    let code = `http_${res.status}`;
    let message = res.statusText || `HTTP ${res.status}`;
    try {
        const j = await res.json();
        if (j && j.error) {
            if (j.error.code) code = String(j.error.code);
            if (j.error.message) message = String(j.error.message);
        }
    } catch {
        // not JSON: keep the status text
    }
    return new WhipError(res.status, code, message);
}

/** GET /api/webrtc/config: the ICE servers for the peer connection ([] when not available). */
export async function fetchIceServers(auth) {
    try {
        const init = authInit(auth);
        const res = await fetch('/api/webrtc/config', { ...init, cache: 'no-store' });
        if (!res.ok) return [];
        const j = await res.json();
        return (j.ice_servers || []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential }));
    } catch {
        return [];
    }
}

/** H.264 first (packetization mode 1, constrained baseline before the others), the rest after. */
function h264First(codecs) {
    const rank = (c) => {
        if (!/^video\/h264$/i.test(c.mimeType)) return 9;
        const fmtp = c.sdpFmtpLine || '';
        const pm1 = /packetization-mode=1/.test(fmtp);
        const cb = /profile-level-id=42e0/i.test(fmtp);
        return (pm1 ? 0 : 2) + (cb ? 0 : 1);
    };
    return codecs.map((c, i) => [rank(c), i, c]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
}

export class WhipClient {
    /**
     * streamId: the camera id; media: the MediaStream to send (one video
     * track, at most one audio track); auth: {token, csrf} (see authInit);
     * iceServers: for the RTCPeerConnection.
     */
    constructor(streamId, media, { auth = {}, iceServers = [], onEvent = () => {} } = {}) {
        this.streamId = streamId;
        this.media = media;
        this.auth = auth;
        this.iceServers = iceServers;
        this.onEvent = onEvent;
        this.pc = null;
        this.location = null;
        this.senders = {}; // kind -> RTCRtpSender
        this.closed = false;
        this.state = 'new';
        this.lostTimer = null;
        this.last = null; // previous stats sample, for rates
    }

    setState(state) {
        if (this.state === state || this.closed) return;
        this.state = state;
        this.onEvent('state', { state });
    }

    /** Offer, POST, answer. Throws WhipError when the server refuses. */
    async start() {
        const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
        this.pc = pc;
        this.setState('connecting');
        for (const track of this.media.getTracks()) {
            if (this.senders[track.kind]) continue; // one track per kind
            const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [this.media] });
            this.senders[track.kind] = tr.sender;
            if (track.kind === 'video' && typeof tr.setCodecPreferences === 'function' &&
                typeof RTCRtpSender.getCapabilities === 'function') {
                const caps = RTCRtpSender.getCapabilities('video');
                if (caps && caps.codecs.some((c) => /^video\/h264$/i.test(c.mimeType))) {
                    try {
                        tr.setCodecPreferences(h264First(caps.codecs));
                    } catch {
                        // the browser's own order: the server still picks H.264 if offered
                    }
                }
            }
        }
        pc.onconnectionstatechange = () => this.connectionChanged();
        await pc.setLocalDescription(await pc.createOffer());
        if (this.closed) return;
        const init = authInit(this.auth);
        let res;
        try {
            res = await fetch(`/api/streams/${encodeURIComponent(this.streamId)}/whip`, {
                method: 'POST',
                credentials: init.credentials,
                cache: 'no-store',
                headers: { ...init.headers, 'Content-Type': 'application/sdp' },
                body: pc.localDescription.sdp,
            });
        } catch (e) {
            throw new WhipError(0, 'network', `Cannot reach the server (${e.message})`);
        }
        if (res.status !== 201) throw await errorOf(res);
        const loc = res.headers.get('Location');
        this.location = loc ? new URL(loc, location.href).pathname : null;
        const answer = await res.text();
        if (this.closed) {
            this.deleteSession(); // stopped while the offer was on its way
            return;
        }
        await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    }

    connectionChanged() {
        const s = this.pc ? this.pc.connectionState : 'closed';
        clearTimeout(this.lostTimer);
        if (s === 'connected') {
            this.setState('publishing');
        } else if (s === 'failed') {
            this.setState('lost');
        } else if (s === 'disconnected') {
            this.lostTimer = setTimeout(() => {
                if (this.pc && this.pc.connectionState === 'disconnected') this.setState('lost');
            }, DISCONNECTED_MS);
        }
    }

    /**
     * Sends another track of the same kind without a new session (another
     * camera or microphone). False when this session has no such sender.
     */
    async replaceTrack(track) {
        const sender = this.senders[track.kind];
        if (!sender) return false;
        await sender.replaceTrack(track);
        return true;
    }

    /** DELETE on the Location; resolves when answered (or failed). */
    deleteSession() {
        if (!this.location) return Promise.resolve();
        const init = authInit(this.auth);
        const url = this.location;
        this.location = null;
        // keepalive: the request still goes when the page is closing.
        return fetch(url, { method: 'DELETE', credentials: init.credentials, headers: init.headers, keepalive: true })
            .then(() => {}, () => {});
    }

    /**
     * Ends the session (DELETE) and the peer connection; the tracks stay the
     * caller's. The connection closes once the DELETE is answered (at most
     * CLOSE_WAIT_MS): closed first, its DTLS goodbye would end the session before
     * the DELETE arrives. wait: false (a closing page) closes at once.
     */
    stop({ wait = true } = {}) {
        if (this.closed) return;
        this.closed = true;
        clearTimeout(this.lostTimer);
        const pc = this.pc;
        this.pc = null;
        if (pc) pc.onconnectionstatechange = null;
        const deleted = this.deleteSession();
        if (!pc) return;
        if (!wait) {
            pc.close();
            return;
        }
        const timer = setTimeout(() => pc.close(), CLOSE_WAIT_MS);
        deleted.then(() => {
            clearTimeout(timer);
            pc.close();
        });
    }

    /**
     * What getStats() says now: ICE path, round trip, video bitrate (kbit/s
     * since the previous call), frame size and rate, encoder, keyframe requests
     * (PLI) from the server, and why quality is limited. Null before a connection.
     */
    async stats() {
        if (!this.pc) return null;
        const report = await this.pc.getStats();
        const byId = new Map();
        report.forEach((r) => byId.set(r.id, r));
        const out = {
            path: null, rttMs: null, kbps: null, audioKbps: null, width: null, height: null, fps: null,
            encoder: null, codec: null, pli: 0, nack: 0, limitation: null, bytes: 0, audioBytes: 0,
        };
        let ts = null;
        report.forEach((r) => {
            if (r.type === 'transport' && r.selectedCandidatePairId) {
                const pair = byId.get(r.selectedCandidatePairId);
                if (pair) {
                    if (pair.currentRoundTripTime !== undefined) out.rttMs = Math.round(pair.currentRoundTripTime * 1000);
                    const local = byId.get(pair.localCandidateId);
                    const remote = byId.get(pair.remoteCandidateId);
                    if (local && remote) {
                        out.path = `${local.candidateType}/${local.protocol} → ${remote.candidateType}/${remote.protocol}` +
                            (remote.address && remote.port ? ` (${remote.address}:${remote.port})` : '');
                    }
                }
            }
            if (r.type === 'outbound-rtp' && r.kind === 'video') {
                out.bytes += r.bytesSent || 0;
                ts = r.timestamp;
                if (r.frameWidth) out.width = r.frameWidth;
                if (r.frameHeight) out.height = r.frameHeight;
                if (r.framesPerSecond !== undefined) out.fps = Math.round(r.framesPerSecond);
                if (r.encoderImplementation) out.encoder = r.encoderImplementation;
                out.pli += r.pliCount || 0;
                out.nack += r.nackCount || 0;
                if (r.qualityLimitationReason && r.qualityLimitationReason !== 'none') out.limitation = r.qualityLimitationReason;
                const codec = byId.get(r.codecId);
                if (codec) out.codec = codec.mimeType.replace(/^video\//, '');
            }
            if (r.type === 'outbound-rtp' && r.kind === 'audio') out.audioBytes += r.bytesSent || 0;
        });
        const prev = this.last;
        if (prev && ts !== null && ts > prev.ts) {
            const s = (ts - prev.ts) / 1000;
            out.kbps = Math.max(0, Math.round(((out.bytes - prev.bytes) * 8) / s / 1000));
            out.audioKbps = Math.max(0, Math.round(((out.audioBytes - prev.audioBytes) * 8) / s / 1000));
        }
        if (ts !== null) this.last = { ts, bytes: out.bytes, audioBytes: out.audioBytes };
        return out;
    }
}
