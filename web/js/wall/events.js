// Live stream status from GET /api/events (server-sent events, cookie auth).
// EventSource reconnects by itself after a dropped connection; when the server
// refuses it outright (closed state, e.g. 401 or 503) we retry with backoff.

const MAX_RETRY_MS = 30000;

/**
 * subscribe({onStatus(msg), onOpen()}) -> {close()}
 * msg: {stream, camera, status}. onOpen runs on every (re)connection, so the
 * caller can re-read what it may have missed meanwhile.
 */
export function subscribe({ onStatus, onOpen = () => {}, onDown = () => {} }) {
    let es = null;
    let timer = null;
    let attempts = 0;
    let closed = false;

    function connect() {
        if (closed) return;
        es = new EventSource('/api/events');
        es.addEventListener('open', () => {
            attempts = 0;
            onOpen();
        });
        es.addEventListener('status', (ev) => {
            let msg;
            try {
                msg = JSON.parse(ev.data);
            } catch {
                return;
            }
            if (msg && typeof msg.stream === 'string' && msg.status) onStatus(msg);
        });
        es.addEventListener('error', () => {
            onDown();
            if (es.readyState !== EventSource.CLOSED) return; // the browser retries
            es.close();
            attempts++;
            const ms = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(attempts - 1, 5));
            timer = setTimeout(connect, ms * (0.8 + Math.random() * 0.4));
        });
    }

    connect();
    return {
        close() {
            closed = true;
            clearTimeout(timer);
            if (es) es.close();
        },
    };
}
