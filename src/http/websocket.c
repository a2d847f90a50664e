#include "http/websocket.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
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

int vg_ws_accept(struct evhttp_request *req, const struct vg_config *cfg)
{
    struct vg_req r = {.ev = req};
    char accept[VG_WS_ACCEPT_LEN + 1];
    const char *key =
        evhttp_find_header(evhttp_request_get_input_headers(req), "Sec-WebSocket-Key");
    if (vg_ws_accept_key(key, accept) < 0) {
        vg_reply_error(&r, 400, "bad_request", "bad Sec-WebSocket-Key");
        return -EINVAL;
    }
    if (!origin_ok(req, cfg)) {
        vg_reply_error(&r, 403, "forbidden", "WebSocket from another origin");
        return -EPERM;
    }
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Upgrade", "websocket");
    evhttp_add_header(out, "Connection", "Upgrade");
    evhttp_add_header(out, "Sec-WebSocket-Accept", accept);
    /* A 101 has no body, so evhttp neither frames nor sends chunks after it:
     * frames go straight to the connection's output buffer (vg_ws_send). */
    evhttp_send_reply_start(req, 101, "Switching Protocols");
    return 0;
}

static struct evbuffer *output(struct evhttp_request *req)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    return bev ? bufferevent_get_output(bev) : NULL;
}

void vg_ws_send(struct evhttp_request *req, enum vg_ws_opcode op, struct evbuffer *data)
{
    struct evbuffer *out = output(req);
    if (!out)
        return;
    uint8_t hdr[VG_WS_FRAME_HEADER_MAX];
    size_t len = data ? evbuffer_get_length(data) : 0;
    evbuffer_add(out, hdr, vg_ws_frame_header(op, len, hdr));
    if (data)
        evbuffer_add_buffer(out, data);
}

void vg_ws_send_text(struct evhttp_request *req, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return;
    evbuffer_add(b, text, strlen(text));
    vg_ws_send(req, VG_WS_TEXT, b);
    evbuffer_free(b);
}

void vg_ws_end(struct evhttp_request *req, unsigned code, const char *reason)
{
    struct evbuffer *b = evbuffer_new();
    if (b) {
        uint8_t c[2] = {(uint8_t)(code >> 8), (uint8_t)code};
        evbuffer_add(b, c, 2);
        /* A close reason is at most 123 bytes. */
        size_t n = reason ? strlen(reason) : 0;
        evbuffer_add(b, reason, n > 123 ? 123 : n);
        vg_ws_send(req, VG_WS_CLOSE, b);
        evbuffer_free(b);
    }
    evhttp_send_reply_end(req);
}
