/* JPEG outputs of a stream: a snapshot and an MJPEG live view, behind the
 * same per-camera checks as the other stream outputs (api_streams.c). */
#include <stdlib.h>

#include "app.h"
#include "http/api.h"
#include "http/reply.h"
#include "outputs/jpeg.h"
#include "outputs/mjpeg.h"
#include "outputs/snapshot.h"

void vg_api_streams_snapshot(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    unsigned width = 0;
    if (!vg_req_query_uint(req, "width", VG_JPEG_WIDTH_MIN, VG_JPEG_WIDTH_MAX, &width))
        return;
    if (!vg_api_stream_visible(req, id))
        return;
    vg_snapshot_serve(req->app->snapshots, req->ev, id, width);
}

void vg_api_streams_mjpeg(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    unsigned fps = VG_MJPEG_FPS_DEFAULT;
    if (!vg_req_query_uint(req, "fps", VG_MJPEG_FPS_MIN, VG_MJPEG_FPS_MAX, &fps))
        return;
    if (!vg_api_stream_visible(req, id))
        return;
    vg_mjpeg_serve(req->app->mjpeg, req->ev, id, fps);
}
