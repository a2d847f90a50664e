/* SDP (RFC 8866) as cameras (RTSP DESCRIBE) and browsers (WebRTC offers) write
 * it: one pure parser into a fixed-size description whose spans point into the
 * caller's text, which must outlive it. Limits are hard: more media, formats or
 * attributes than below is an error, never an allocation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/span.h"

#define VG_SDP_MAX_MEDIA 16
#define VG_SDP_MAX_FORMATS 48 /* payload types on one m= line */
#define VG_SDP_MAX_ATTRS 768  /* a= lines, whole description */

/* One payload type of an m= line, with what its rtpmap and fmtp say. */
struct vg_sdp_format {
    unsigned pt;             /* 0..127 */
    struct vg_span encoding; /* rtpmap name ("H264", "MPEG4-GENERIC"); static PTs 0/8 filled in
                                as "PCMU"/"PCMA" when there is no rtpmap; empty otherwise */
    uint32_t clock_rate;     /* from rtpmap (8000 for static 0/8); 0 if unknown */
    unsigned channels;       /* from rtpmap; 1 when not given */
    struct vg_span fmtp;     /* parameters after "a=fmtp:<pt> ", empty if none */
};

struct vg_sdp_attr {
    struct vg_span name;  /* "rtpmap", "control", "ice-ufrag", ... */
    struct vg_span value; /* after the first ':', empty for flags ("sendonly") */
};

struct vg_sdp_media {
    struct vg_span type; /* "video", "audio", "application" */
    unsigned port;
    struct vg_span proto; /* "RTP/AVP", "UDP/TLS/RTP/SAVPF" */
    size_t n_formats;
    struct vg_sdp_format formats[VG_SDP_MAX_FORMATS]; /* in m= line order */
    size_t first_attr, n_attrs;                       /* this section's a= lines in vg_sdp.attrs */
    struct vg_span connection;                        /* c= of this section, empty if none */
};

struct vg_sdp {
    struct vg_span session_name; /* s= */
    struct vg_span connection;   /* session-level c= */
    size_t n_session_attrs;      /* session-level a= lines are attrs[0 .. n) */
    size_t n_attrs;
    struct vg_sdp_attr attrs[VG_SDP_MAX_ATTRS];
    size_t n_media;
    struct vg_sdp_media media[VG_SDP_MAX_MEDIA];
    unsigned error_line; /* after a failed parse: the 1-based line at fault, 0 for none */
};

/* Parses text (not necessarily NUL-terminated; CRLF or LF line ends). Fills
 * *ret (which may be large: allocate it, do not put it on a small stack) and
 * returns 0, or returns -EINVAL with *ret_error a static text naming what is
 * wrong ("m= line without a port") and ret->error_line the line it is on (the
 * rest of *ret is then unspecified), or -E2BIG past a limit (error set the
 * same way).
 *
 * Lenient where cameras and browsers are sloppy and the meaning is still
 * clear: blank lines, trailing blanks, unknown line types and an rtpmap or
 * fmtp for a payload type not on the m= line (ignored, as libwebrtc does).
 * Strict on what would make the result wrong: no v=0 first, a line that is
 * not <letter>=<value>, NUL or other control bytes, a bad m= line, a
 * malformed rtpmap. Formats of non-RTP m= lines (a data channel's
 * "webrtc-datachannel") are not listed in formats[]. */
int vg_sdp_parse(const char *text, size_t len, struct vg_sdp *ret, const char **ret_error);

/* One line of SDP text (len bytes) at *pos, LF or CRLF ended, and *pos moved
 * past it: returns 1 with *ret_type its letter and *ret_value what follows
 * "=" (type 0 and an empty value for a blank line), 0 at the end, or -EINVAL
 * with *ret_error set (NUL or control bytes, not <letter>=<value>). Spans
 * point into text. */
int vg_sdp_next_line(const char *text, size_t len, size_t *pos, char *ret_type,
                     struct vg_span *ret_value, const char **ret_error);

/* The value of the first attribute called name in media m's section, or at
 * session level when m is NULL. Returns 0, or -ENOENT. */
int vg_sdp_attr(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name,
                struct vg_span *ret_value);

/* A media section's format by payload type, or NULL. */
const struct vg_sdp_format *vg_sdp_format(const struct vg_sdp_media *m, unsigned pt);

/* One "key=value" of an fmtp parameter list ("a=1; b=2"), key matched without
 * case. Returns 0, or -ENOENT. */
int vg_sdp_fmtp_param(struct vg_span fmtp, const char *key, struct vg_span *ret_value);
