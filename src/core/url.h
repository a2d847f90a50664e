/* Camera URLs: scheme allow-list, credential masking and restoring. Pure functions. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What a masked secret looks like in API output. */
#define VG_MASK "********"

/* The main URL of a camera whose video a browser publishes to Vigil (WHIP)
 * instead of Vigil pulling it: exactly this string, nothing after the colon. Such
 * a camera has no sub stream. */
#define VG_URL_WEBRTC "webrtc:"

/* URL schemes a camera may use: rtsp, rtsps, rtmp, http, https, file, demo, and
 * the exact URL VG_URL_WEBRTC. (Where file:// URLs may point is the sources'
 * business: streams.media_dir.) */
bool vg_url_scheme_allowed(const char *url);

/* True when url is exactly VG_URL_WEBRTC (NULL: false). */
bool vg_url_is_webrtc(const char *url);

/* Checks a camera URL: allowed scheme, no control characters or spaces, length
 * at most 2048, for network schemes a non-empty host, and for webrtc nothing
 * after the colon. Returns 0, or -EINVAL with a static reason in *ret_reason. */
int vg_url_validate(const char *url, const char **ret_reason);

/* Copies url into a new string with the password of any userinfo replaced by
 * VG_MASK ("rtsp://u:p@h/x" -> "rtsp://u:********@h/x"). NULL in, NULL out.
 * Caller frees. Returns NULL only on allocation failure (or NULL input). */
char *vg_url_mask(const char *url);

/* When a client sends back a URL it got masked, put the stored password back:
 * if in_url's userinfo password is VG_MASK and stored_url has the same scheme,
 * user, host and port, returns in_url with the stored password (path and query
 * may differ); otherwise a copy of in_url. Caller frees. */
char *vg_url_unmask(const char *in_url, const char *stored_url);

/* The password inside the URL's userinfo as [*ret_start, *ret_start + *ret_len);
 * false when the URL has none. */
bool vg_url_password(const char *url, const char **ret_start, size_t *ret_len);

/* The file a file:///path URL names, checked to be inside media_dir (both
 * resolved, symbolic links followed) and readable, as an absolute path in out.
 * Returns 0, or a negative errno with a static reason (file URLs off because
 * media_dir is NULL, no such file, outside media_dir, unreadable). */
int vg_url_file_path(const char *url, const char *media_dir, char *out, size_t cap,
                     const char **ret_reason);

/* Percent-encodes s for use inside URL userinfo (RFC 3986 unreserved kept).
 * Caller frees; NULL on allocation failure. */
char *vg_url_encode_userinfo(const char *s);

/* url with "user:pass@" (percent-encoded) put in front of the host when the URL
 * carries no credentials of its own and user is not empty; otherwise a copy.
 * Caller frees; NULL on allocation failure. */
char *vg_url_with_credentials(const char *url, const char *user, const char *pass);
