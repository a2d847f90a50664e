/* RTSP authentication as cameras do it: HTTP Basic and Digest (RFC 2617, MD5,
 * with or without qop=auth; RFC 7616's SHA-256 when offered). The challenge
 * comes from WWW-Authenticate headers; the answer is an Authorization value
 * computed per request. Pure apart from the client nonce it draws. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "proto/span.h"

enum vg_rtsp_auth_scheme { VG_RTSP_AUTH_NONE, VG_RTSP_AUTH_BASIC, VG_RTSP_AUTH_DIGEST };

struct vg_rtsp_auth {
    enum vg_rtsp_auth_scheme scheme;
    bool sha256;   /* digest algorithm SHA-256 instead of MD5 */
    bool qop_auth; /* the server offered qop=auth */
    bool stale;    /* the server said the nonce was stale, not the password wrong */
    char realm[128], nonce[128], opaque[128];
    unsigned nc; /* nonce count, for qop=auth */
};

/* Takes one WWW-Authenticate value. Call it for each such header of a 401: the
 * strongest usable scheme wins (Digest SHA-256, Digest MD5, then Basic).
 * Returns 0 when a is now usable, -ENOTSUP for a scheme or algorithm we do not
 * speak (a keeps what it had), -EINVAL for a malformed value. */
int vg_rtsp_auth_challenge(struct vg_rtsp_auth *a, struct vg_span value);

/* Writes the Authorization header value for one request into out (NUL-terminated).
 * Returns 0, -EINVAL (no scheme chosen yet), -E2BIG (out too small) or -EIO
 * (hash failure). */
int vg_rtsp_auth_answer(struct vg_rtsp_auth *a, const char *user, const char *pass,
                        const char *method, const char *uri, char *out, size_t cap);
