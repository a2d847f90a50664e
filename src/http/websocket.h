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

struct vg_ws;

/* Answers the upgrade with 101 Switching Protocols after checking the key and
 * that the Origin is this server or one of cfg's CORS origins (a page of
 * another site must not ride on the user's cookie), then takes the connection
 * over from evhttp: reads the client's frames (only to notice its close) and
 * writes ours. on_gone(arg) is called once when the client leaves or the server
 * shuts down; after it the vg_ws is gone. Returns 0; or -EINVAL / -EPERM after
 * replying 400 / 403 itself. */
int vg_ws_accept(struct evhttp_request *req, const struct vg_config *cfg,
                 void (*on_gone)(void *arg), void *arg, struct vg_ws **ret_ws);

/* Queues one frame with data's bytes (data is drained; may be NULL for len 0). */
void vg_ws_send(struct vg_ws *ws, enum vg_ws_opcode op, struct evbuffer *data);
/* Queues a text frame. */
void vg_ws_send_text(struct vg_ws *ws, const char *text);
/* Bytes queued and not yet written to the socket. */
size_t vg_ws_unsent(const struct vg_ws *ws);
/* Sends a close frame with code and reason; the connection closes once it is
 * written. on_gone is not called: the caller is done with it. */
void vg_ws_close(struct vg_ws *ws, unsigned code, const char *reason);
