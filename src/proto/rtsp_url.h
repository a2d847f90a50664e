/* rtsp:// URLs for the client: where to connect, who to be, and the URL to put
 * in request lines (credentials never go on the wire in the URL). Pure. */
#pragma once

#include <stddef.h>

#include "proto/span.h"

#define VG_RTSP_URL_MAX 2048

struct vg_rtsp_url {
    char host[256];            /* without IPv6 brackets */
    unsigned port;             /* 554 when not given */
    char user[256], pass[256]; /* percent-decoded; empty when absent */
    char url[VG_RTSP_URL_MAX]; /* the URL without userinfo */
};

/* Returns 0, or -EINVAL with *ret_error (not rtsp://, no host, bad port, bad
 * percent-escape, control characters, too long). */
int vg_rtsp_url_parse(const char *url, struct vg_rtsp_url *ret, const char **ret_error);

/* The URL a media section's a=control names, relative to base (the
 * Content-Base of the DESCRIBE answer, or the request URL): an absolute
 * rtsp:// control is used as is, "*" or empty means base itself, anything
 * else is appended after one '/'. Returns 0, -EINVAL (control with control
 * characters or spaces) or -E2BIG. */
int vg_rtsp_url_control(const char *base, struct vg_span control, char *out, size_t cap);
