// Fetch wrapper for the Vigil HTTP API.
// - same-origin cookie session (vigil_session)
// - X-CSRF-Token on state-changing requests, token taken from login or /api/auth/me
// - JSON errors {"error":{"code","message"}} become a thrown ApiError

let csrfToken = null;
let unauthorizedHandler = null;

export class ApiError extends Error {
    constructor(status, code, message, retryAfter = null) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter; // seconds, set on 429
    }
}

/** The CSRF header for requests made outside this module (WHEP). */
export function csrfHeader() {
    return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

export function setCsrfToken(token) {
    csrfToken = token || null;
}

/** Called with the error when a request (other than login/me) gets 401: the session ended. */
export function onUnauthorized(fn) {
    unauthorizedHandler = fn;
}

/** A request made outside request() (a media stream) got 401: the session ended. */
export function reportUnauthorized() {
    if (unauthorizedHandler) unauthorizedHandler(new ApiError(401, 'unauthorized', 'The session ended'));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function send(method, path, body) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    if (!SAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
    try {
        return await fetch(path, init);
    } catch (e) {
        throw new ApiError(0, 'network', `Cannot reach the server (${e.message})`);
    }
}

async function toError(res) {
    let code = `http_${res.status}`;
    let message = res.statusText || `HTTP ${res.status}`;
    try {
        const data = await res.json();
        if (data && data.error) {
            if (data.error.code) code = String(data.error.code);
            if (data.error.message) message = String(data.error.message);
        }
    } catch {
        // not JSON: keep the status text
    }
    let retryAfter = null;
    if (res.status === 429) {
        const n = parseInt(res.headers.get('Retry-After') || '', 10);
        if (Number.isFinite(n)) retryAfter = n;
    }
    return new ApiError(res.status, code, message, retryAfter);
}

/**
 * request('GET', '/api/cameras') -> parsed JSON, or null for an empty answer (204).
 * Throws ApiError. `opts.quiet401` stops a 401 from triggering the logout handler.
 */
export async function request(method, path, body, opts = {}) {
    let res = await send(method, path, body);
    // A stale CSRF token (e.g. after another tab logged in again): refresh once and retry.
    if (res.status === 403 && !SAFE_METHODS.has(method) && !opts.noRetry) {
        const err = await toError(res.clone());
        if (err.code === 'csrf') {
            try {
                await me();
                res = await send(method, path, body);
            } catch {
                // fall through with the original answer
            }
        }
    }
    if (!res.ok) {
        const err = await toError(res);
        if (err.status === 401 && !opts.quiet401 && unauthorizedHandler) unauthorizedHandler(err);
        throw err;
    }
    if (res.status === 204) return null;
    const text = await res.text();
    if (!text) return null;
    try {
        return JSON.parse(text);
    } catch {
        throw new ApiError(res.status, 'bad_response', 'The server sent an answer that is not JSON');
    }
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

/** Path segment encoding for ids in URLs. */
export const seg = (id) => encodeURIComponent(String(id));

export async function login(username, password) {
    const r = await request('POST', '/api/auth/login', { username, password }, { quiet401: true });
    setCsrfToken(r.csrf_token);
    return r.user;
}

/** The current user, or null when not logged in. */
export async function me() {
    try {
        const r = await request('GET', '/api/auth/me', undefined, { quiet401: true });
        setCsrfToken(r.csrf_token);
        return r.user;
    } catch (e) {
        if (e.status === 401) {
            setCsrfToken(null);
            return null;
        }
        throw e;
    }
}

export async function logout() {
    try {
        await request('POST', '/api/auth/logout', undefined, { quiet401: true, noRetry: true });
    } finally {
        setCsrfToken(null);
    }
}
