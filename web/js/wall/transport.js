// Byte transports for a live fMP4 stream: GET /api/streams/{id}/mse over fetch
// (the API as documented) or over a WebSocket on the same path.
//
// Why two: browsers allow only 6 HTTP/1.1 connections per server, and every
// fetch-streamed tile holds one for as long as it plays, so a fetch-based wall
// shows at most 5 live tiles (the event stream takes the sixth). WebSockets do
// not count against that limit. WebSocket protocol (same auth as the fetch):
// the first message is text, the MIME type (what Content-Type would carry);
// then binary messages carry the fMP4 bytes. The server closes with 4000 + HTTP
// status (4404 no such stream, 4409 camera disabled, 4503 not available yet)
// and the reason as text, or with 1000 when the stream ends (codec change).
//
// Both resolve to a source: {mime, read() -> {done, value: Uint8Array}, cancel()}.

/** An error that says what went wrong in words a user can read. */
export class StreamError extends Error {
    /** kind: http, network, unsupported, decode, stall, ended, unauthorized */
    constructor(kind, message, { status = 0, mime = '' } = {}) {
        super(message);
        this.name = 'StreamError';
        this.kind = kind;
        this.status = status;
        this.mime = mime;
    }
}

const STATUS_TEXT = {
    401: 'signed out',
    403: 'not allowed',
    404: 'no such stream',
    409: 'camera disabled',
    503: 'not available yet',
};

async function httpError(res) {
    let message = STATUS_TEXT[res.status] || `HTTP ${res.status}`;
    try {
        const data = await res.json();
        if (data && data.error && data.error.message) message = String(data.error.message);
    } catch {
        // not JSON (e.g. evhttp's own 503 page): keep the generic text
    }
    const kind = res.status === 401 ? 'unauthorized' : 'http';
    return new StreamError(kind, message, { status: res.status });
}

export async function openFetch(path, signal) {
    let res;
    try {
        res = await fetch(path, { signal, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
        if (signal.aborted) throw e;
        throw new StreamError('network', 'cannot reach the server');
    }
    if (!res.ok) throw await httpError(res);
    const mime = res.headers.get('Content-Type') || '';
    const reader = res.body.getReader();
    return {
        mime,
        async read() {
            try {
                return await reader.read();
            } catch (e) {
                if (signal.aborted) throw e;
                throw new StreamError('network', 'the connection dropped');
            }
        },
        cancel() {
            reader.cancel().catch(() => {});
        },
    };
}

function wsUrl(path) {
    return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}

function closeError(ev) {
    if (ev.code >= 4000 && ev.code < 5000) {
        const status = ev.code - 4000;
        const kind = status === 401 ? 'unauthorized' : 'http';
        return new StreamError(kind, ev.reason || STATUS_TEXT[status] || `HTTP ${status}`, { status });
    }
    if (ev.code === 1000) return null; // a clean end
    return new StreamError('network', 'the connection dropped');
}

// Chromium delays each new WebSocket by a time that doubles with every other
// one still in its handshake (network::WebSocketThrottler: about 1 ms at 4, up
// to 2.5 s at 15), and connects them to one server one after another anyway
// (RFC 6455 4.1). A wall that opens 16 at once waits seconds for its last
// tiles; a few at a time open as fast as the server answers.
const WS_HANDSHAKES_MAX = 4;
let handshakes = 0;
const handshakeQueue = []; // resolve functions of opens waiting for a turn

/** Resolves when this open may start its handshake; rejects when aborted first. */
function handshakeTurn(signal) {
    if (signal.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
    if (handshakes < WS_HANDSHAKES_MAX) {
        handshakes++;
        return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
        const turn = () => {
            signal.removeEventListener('abort', onAbort);
            handshakes++;
            resolve();
        };
        const onAbort = () => {
            handshakeQueue.splice(handshakeQueue.indexOf(turn), 1);
            reject(new DOMException('aborted', 'AbortError'));
        };
        handshakeQueue.push(turn);
        signal.addEventListener('abort', onAbort, { once: true });
    });
}

function handshakeDone() {
    handshakes--;
    const next = handshakeQueue.shift();
    if (next) next();
}

export async function openWebSocket(path, signal) {
    await handshakeTurn(signal);
    let inHandshake = true;
    const settled = () => {
        if (!inHandshake) return;
        inHandshake = false;
        handshakeDone();
    };
    try {
        return await connectWebSocket(path, signal, settled);
    } finally {
        settled();
    }
}

/** onHandshake: called once the server accepted (or the attempt ended). */
function connectWebSocket(path, signal, onHandshake) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(wsUrl(path));
        ws.onopen = onHandshake;
        ws.binaryType = 'arraybuffer';
        const queue = [];
        let waiter = null;
        let end = undefined; // null: clean end; StreamError: failure
        let source = null;

        const wake = () => {
            if (!waiter) return;
            const w = waiter;
            waiter = null;
            w();
        };
        const onAbort = () => {
            ws.close(1000);
            reject(new DOMException('aborted', 'AbortError'));
            end = new DOMException('aborted', 'AbortError');
            wake();
        };
        signal.addEventListener('abort', onAbort, { once: true });

        ws.onmessage = (ev) => {
            if (typeof ev.data === 'string') {
                if (source) return;
                source = {
                    mime: ev.data,
                    async read() {
                        for (;;) {
                            if (queue.length) return { done: false, value: queue.shift() };
                            if (end === null) return { done: true, value: undefined };
                            if (end) throw end;
                            await new Promise((r) => { waiter = r; });
                        }
                    },
                    cancel() {
                        signal.removeEventListener('abort', onAbort);
                        ws.close(1000);
                    },
                };
                resolve(source);
                return;
            }
            queue.push(new Uint8Array(ev.data));
            wake();
        };
        ws.onclose = (ev) => {
            signal.removeEventListener('abort', onAbort);
            const err = closeError(ev);
            if (!source) {
                reject(err || new StreamError('ended', 'the stream ended before it started'));
                return;
            }
            end = err;
            wake();
        };
    });
}
