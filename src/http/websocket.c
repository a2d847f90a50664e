#include "http/websocket.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "http/reply.h"

static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* True when the comma-separated header value lists token (case-insensitive). */
static bool has_token(const char *value, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = value; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == n && strncasecmp(p, token, n) == 0)
            return true;
        p += len;
    }
    return false;
}

bool vg_ws_is_upgrade(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *upgrade = evhttp_find_header(h, "Upgrade");
    const char *connection = evhttp_find_header(h, "Connection");
    const char *version = evhttp_find_header(h, "Sec-WebSocket-Version");
    return evhttp_request_get_command(req) == EVHTTP_REQ_GET && upgrade &&
           has_token(upgrade, "websocket") && connection && has_token(connection, "upgrade") &&
           version && strcmp(version, "13") == 0;
}

int vg_ws_accept_key(const char *key, char *out)
{
    /* The key is base64 of 16 random bytes: 24 characters ending in "==". */
    size_t n = key ? strlen(key) : 0;
    if (n != 24 || key[22] != '=' || key[23] != '=')
        return -EINVAL;
    for (size_t i = 0; i < 22; i++) {
        char c = key[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (!ok)
            return -EINVAL;
    }
    char joined[24 + sizeof(GUID)];
    memcpy(joined, key, 24);
    memcpy(joined + 24, GUID, sizeof(GUID));
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)joined, 24 + sizeof(GUID) - 1, digest);
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
    return 0;
}

size_t vg_ws_frame_header(enum vg_ws_opcode op, uint64_t len, uint8_t out[VG_WS_FRAME_HEADER_MAX])
{
    out[0] = (uint8_t)(0x80 | op);
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

static bool origin_ok(struct evhttp_request *req, const struct vg_config *cfg)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *origin = evhttp_find_header(h, "Origin");
    const char *host = evhttp_find_header(h, "Host");
    if (!origin)
        return true; /* not a browser: no ambient cookie to abuse */
    for (unsigned i = 0; i < cfg->cors_origins_count; i++) {
        if (strcmp(cfg->cors_origins[i], origin) == 0)
            return true;
    }
    const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                             : NULL;
    return rest && host && strcasecmp(rest, host) == 0;
}

struct vg_ws {
    struct evhttp_connection *conn;
    struct bufferevent *bev;
    void (*on_gone)(void *arg);
    void *arg;
    bool closing; /* our close frame is queued: free once written */
};

#define WRITE_TIMEOUT_S 30

/* Tells the owner once; after this nobody refers to ws. */
static void gone(struct vg_ws *ws)
{
    void (*fn)(void *) = ws->on_gone;
    ws->on_gone = NULL;
    if (fn)
        fn(ws->arg);
}

/* Closes the socket and frees the connection (and its request) and ws. */
static void destroy(struct vg_ws *ws)
{
    evhttp_connection_set_closecb(ws->conn, NULL, NULL);
    evhttp_connection_free(ws->conn);
    free(ws);
}

/* evhttp frees the connection itself (server shutdown). */
static void on_evhttp_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct vg_ws *ws = arg;
    gone(ws);
    free(ws);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct vg_ws *ws = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    /* Clients only send a close (or pings we need not answer): the first
     * byte of a frame carries the opcode. Anything is read and dropped. */
    bool close_frame = false;
    unsigned char first;
    if (evbuffer_copyout(in, &first, 1) == 1)
        close_frame = (first & 0x0f) == VG_WS_CLOSE;
    evbuffer_drain(in, evbuffer_get_length(in));
    if (close_frame && !ws->closing) {
        gone(ws);
        vg_ws_close(ws, 1000, "");
    }
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct vg_ws *ws = arg;
    if (ws->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        destroy(ws);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what; /* EOF, error or write timeout: the client is gone */
    struct vg_ws *ws = arg;
    gone(ws);
    destroy(ws);
}

int vg_ws_accept(struct evhttp_request *req, const struct vg_config *cfg,
                 void (*on_gone)(void *arg), void *arg, struct vg_ws **ret_ws)
{
    char accept[VG_WS_ACCEPT_LEN + 1];
    const char *key =
        evhttp_find_header(evhttp_request_get_input_headers(req), "Sec-WebSocket-Key");
    if (vg_ws_accept_key(key, accept) < 0) {
        vg_reply_error_ev(req, 400, "bad Sec-WebSocket-Key");
        return -EINVAL;
    }
    if (!origin_ok(req, cfg)) {
        vg_reply_error_ev(req, 403, "WebSocket from another origin");
        return -EPERM;
    }
    struct vg_ws *ws = calloc(1, sizeof(*ws));
    if (!ws) {
        vg_reply_error_ev(req, 500, "out of memory");
        return -ENOMEM;
    }
    ws->conn = evhttp_request_get_connection(req);
    ws->bev = evhttp_connection_get_bufferevent(ws->conn);
    ws->on_gone = on_gone;
    ws->arg = arg;
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Upgrade", "websocket");
    evhttp_add_header(out, "Connection", "Upgrade");
    evhttp_add_header(out, "Sec-WebSocket-Accept", accept);
    evhttp_send_reply_start(req, 101, "Switching Protocols");
    /* From here evhttp only frees the connection at shutdown; the socket's
     * events are ours, so a client that leaves is noticed at once. */
    bufferevent_setcb(ws->bev, on_read, on_write, on_event, ws);
    struct timeval wt = {.tv_sec = WRITE_TIMEOUT_S};
    bufferevent_set_timeouts(ws->bev, NULL, &wt);
    bufferevent_enable(ws->bev, EV_READ | EV_WRITE);
    evhttp_connection_set_closecb(ws->conn, on_evhttp_close, ws);
    *ret_ws = ws;
    return 0;
}

void vg_ws_send(struct vg_ws *ws, enum vg_ws_opcode op, struct evbuffer *data)
{
    if (ws->closing)
        return;
    struct evbuffer *out = bufferevent_get_output(ws->bev);
    uint8_t hdr[VG_WS_FRAME_HEADER_MAX];
    size_t len = data ? evbuffer_get_length(data) : 0;
    evbuffer_add(out, hdr, vg_ws_frame_header(op, len, hdr));
    if (data)
        evbuffer_add_buffer(out, data);
}

void vg_ws_send_text(struct vg_ws *ws, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return;
    evbuffer_add(b, text, strlen(text));
    vg_ws_send(ws, VG_WS_TEXT, b);
    evbuffer_free(b);
}

size_t vg_ws_unsent(const struct vg_ws *ws)
{
    return evbuffer_get_length(bufferevent_get_output(ws->bev));
}

void vg_ws_close(struct vg_ws *ws, unsigned code, const char *reason)
{
    ws->on_gone = NULL;
    if (ws->closing)
        return;
    struct evbuffer *b = evbuffer_new();
    if (b) {
        uint8_t c[2] = {(uint8_t)(code >> 8), (uint8_t)code};
        evbuffer_add(b, c, 2);
        /* A close reason is at most 123 bytes. */
        size_t n = reason ? strlen(reason) : 0;
        evbuffer_add(b, reason, n > 123 ? 123 : n);
        vg_ws_send(ws, VG_WS_CLOSE, b);
        evbuffer_free(b);
    }
    ws->closing = true;
    if (vg_ws_unsent(ws) == 0)
        destroy(ws);
}
