/* JPEG outputs of a stream: a snapshot and an MJPEG live view, behind the
 * same per-camera checks as the other stream outputs (api_streams.c). */
#include <stdlib.h>

#include "app.h"
#include "http/api.h"
#include "http/reply.h"
#include "outputs/jpeg.h"
#include "outputs/mjpeg.h"
#include "outputs/snapshot.h"

/* A number query parameter in [min, max]: true and *ret_value set (left as
 * it is when the parameter is absent), or replies 400 and returns false. */
static bool query_number(struct vg_req *req, const char *name, long min, long max,
                         unsigned *ret_value)
{
    char buf[32];
    if (!vg_req_query(req, name, buf, sizeof(buf)))
        return true;
    char *end;
    long v = strtol(buf, &end, 10);
    if (!buf[0] || *end || v < min || v > max) {
        vg_reply_error(req, 400, "bad_request", "%s must be a number from %ld to %ld", name, min,
                       max);
        return false;
    }
    *ret_value = (unsigned)v;
    return true;
}

void vg_api_streams_snapshot(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    unsigned width = 0;
    if (!query_number(req, "width", VG_JPEG_WIDTH_MIN, VG_JPEG_WIDTH_MAX, &width))
        return;
    if (!vg_api_stream_visible(req, id))
        return;
    vg_snapshot_serve(req->app->snapshots, req->ev, id, width);
}

void vg_api_streams_mjpeg(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    unsigned fps = VG_MJPEG_FPS_DEFAULT;
    if (!query_number(req, "fps", VG_MJPEG_FPS_MIN, VG_MJPEG_FPS_MAX, &fps))
        return;
    if (!vg_api_stream_visible(req, id))
        return;
    vg_mjpeg_serve(req->app->mjpeg, req->ev, id, fps);
}
