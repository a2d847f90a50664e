/* What arrives on an RTSP 1.0 connection (RFC 2326): responses, the odd request
 * from the server, and interleaved binary frames ('$', channel, 16-bit length,
 * data: §10.12) mixed in between. One pure parser over the bytes received so
 * far: it takes one item off the front, or says it needs more. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/span.h"

#define VG_RTSP_MAX_HEADERS 48
#define VG_RTSP_MAX_HEAD 16384  /* start line and headers */
#define VG_RTSP_MAX_BODY 262144 /* an SDP is a few KiB */

enum vg_rtsp_kind { VG_RTSP_RESPONSE, VG_RTSP_REQUEST, VG_RTSP_INTERLEAVED };

struct vg_rtsp_header {
    struct vg_span name, value; /* value without surrounding blanks */
};

struct vg_rtsp_item {
    enum vg_rtsp_kind kind;
    /* VG_RTSP_INTERLEAVED */
    uint8_t channel;
    const uint8_t *data;
    size_t len;
    /* VG_RTSP_RESPONSE */
    unsigned status;
    struct vg_span reason;
    /* VG_RTSP_REQUEST */
    struct vg_span method, uri;
    /* both messages */
    size_t n_headers;
    struct vg_rtsp_header headers[VG_RTSP_MAX_HEADERS];
    struct vg_span body;
};

/* Parses the item at the front of buf. Returns 0 with *ret_item (spans into
 * buf) and *ret_used bytes taken; -EAGAIN when buf holds only part of it;
 * -EINVAL with *ret_error naming the problem (not RTSP, a bad status line or
 * header, a bad Content-Length); -E2BIG past the limits above. */
int vg_rtsp_parse(const uint8_t *buf, size_t len, struct vg_rtsp_item *ret_item, size_t *ret_used,
                  const char **ret_error);

/* The value of the first header called name (case-insensitive). Returns 0 or
 * -ENOENT. */
int vg_rtsp_header(const struct vg_rtsp_item *m, const char *name, struct vg_span *ret_value);

/* CSeq as a number. Returns 0, -ENOENT or -EINVAL. */
int vg_rtsp_cseq(const struct vg_rtsp_item *m, unsigned *ret_cseq);

/* From a Session header "id[;timeout=N]": the id and the timeout in seconds
 * (0 when not given). Returns 0 or -EINVAL. */
int vg_rtsp_session(struct vg_span value, struct vg_span *ret_id, unsigned *ret_timeout_s);
