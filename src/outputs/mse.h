/* MSE live view: one HTTP response per viewer carrying fragmented MP4 (init
 * segment, then the stream's shared per-frame fragments from the latest
 * keyframe). The Content-Type names the codecs, so the page can create its
 * SourceBuffer from the response headers. */
#pragma once

#include <event2/http.h>

struct vg_hub;

/* Starts streaming stream_id to req (already authorized). Replies itself on
 * every path: 404 unknown stream, 503 when the viewer limit is reached. */
void vg_mse_serve(struct vg_hub *hub, struct evhttp_request *req, const char *stream_id);
