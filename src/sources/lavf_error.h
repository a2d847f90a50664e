/* What an FFmpeg (libavformat) error means for a camera, for the stream
 * status and the connection test alike. */
#pragma once

#include <stddef.h>

#include "sources/source.h"

/* Unauthorized (401/403), unreachable (refused, reset, timed out, ended), or
 * failed (anything else: not a stream we can use). */
enum vg_source_event vg_lavf_error_event(int err);

/* Words for the status: fixed text for the common cases, FFmpeg's otherwise
 * (written into buf). */
const char *vg_lavf_error_text(int err, char *buf, size_t len);
