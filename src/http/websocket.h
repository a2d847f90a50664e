/* Server side of RFC 6455 WebSockets, only as far as live views need: the
 * handshake on an evhttp request and unmasked frames from server to client.
 * Browsers open at most six HTTP/1.1 connections per server, but do not count
 * WebSockets against that, so a wall of 16 live tiles streams over them. */
#pragma once

#include <event2/http.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_config;

#define VG_WS_ACCEPT_LEN 28 /* base64 of a SHA-1 */
#define VG_WS_FRAME_HEADER_MAX 10

enum vg_ws_opcode { VG_WS_TEXT = 0x1, VG_WS_BINARY = 0x2, VG_WS_CLOSE = 0x8 };

/* True when req is a GET asking to upgrade to a version-13 WebSocket. */
bool vg_ws_is_upgrade(struct evhttp_request *req);

/* Sec-WebSocket-Accept for a client key: base64(SHA-1(key + RFC 6455 GUID)).
 * out holds VG_WS_ACCEPT_LEN + 1 bytes. Returns 0 or -EINVAL (not a 16-byte
 * base64 nonce). Pure. */
int vg_ws_accept_key(const char *key, char *out);

/* Header of a final, unmasked frame of len payload bytes; returns its length. Pure. */
size_t vg_ws_frame_header(enum vg_ws_opcode op, uint64_t len, uint8_t out[VG_WS_FRAME_HEADER_MAX]);

/* Answers the upgrade with 101 Switching Protocols after checking the key and
 * that the Origin is this server or one of cfg's CORS origins (a page of
 * another site must not ride on the user's cookie). Returns 0; or -EINVAL /
 * -EPERM after replying 400 / 403 itself. After 0 the request must end with
 * vg_ws_end(). */
int vg_ws_accept(struct evhttp_request *req, const struct vg_config *cfg);

/* Queues one frame with data's bytes (data is drained; may be NULL for len 0). */
void vg_ws_send(struct evhttp_request *req, enum vg_ws_opcode op, struct evbuffer *data);
/* Queues a text frame. */
void vg_ws_send_text(struct evhttp_request *req, const char *text);
/* Sends a close frame with code and reason and ends the request. */
void vg_ws_end(struct evhttp_request *req, unsigned code, const char *reason);
