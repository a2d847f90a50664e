/* MSE live view: one HTTP response per viewer carrying fragmented MP4 (init
 * segment, then the stream's shared per-frame fragments from the latest
 * keyframe). The Content-Type names the codecs, so the page can create its
 * SourceBuffer from the response headers. */
#pragma once

#include <event2/http.h>

struct vg_config;
struct vg_hub;

/* Starts streaming stream_id to req (already authorized), as chunked HTTP or,
 * when req asks for it, over a WebSocket: first a text message with the MIME
 * type, then binary messages of fMP4 (cfg's CORS origins are allowed to open
 * one). Replies itself on every path: 404 unknown stream, 409 disabled camera,
 * 503 no picture in time (WebSocket: close codes 4404, 4409, 4503). */
void vg_mse_serve(struct vg_hub *hub, const struct vg_config *cfg, struct evhttp_request *req,
                  const char *stream_id);
