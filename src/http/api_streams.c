/* Live outputs of a stream and its status, behind the same per-camera checks
 * as the camera API. Stream ids: "<camera>" (main) and "<camera>.sub". */
#include <string.h>

#include "app.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "outputs/mse.h"
#include "recording/recorder.h"
#include "store/cameras.h"

json_t *vg_api_stream_status_json(struct vg_hub *hub, const char *stream_id)
{
    struct vg_stream_status st;
    vg_hub_status(hub, stream_id, &st);
    json_t *o = json_pack("{s:s,s:s,s:f,s:f,s:i,s:i,s:s,s:i,s:i,s:I}", "state",
                          vg_stream_state_name(st.state), "reason", st.reason, "fps", st.fps,
                          "bitrate", st.bitrate, "width", (int)st.width, "height", (int)st.height,
                          "codec", st.codec, "consumers", (int)st.consumers, "reconnects",
                          (int)st.reconnects, "skips", (json_int_t)st.skips);
    if (o) {
        char when[40];
        if (st.last_frame_at) {
            vg_time_format(st.last_frame_at / 1000, when, sizeof(when));
            json_object_set_new(o, "last_frame_at", json_string(when));
        } else {
            json_object_set_new(o, "last_frame_at", json_null());
        }
    }
    return o;
}

json_t *vg_api_recording_status_json(struct vg_app *app, const char *camera_id)
{
    struct vg_recording_status rs;
    vg_recorder_status(app->recorder, camera_id, &rs);
    json_t *o = json_pack("{s:s,s:s}", "state", vg_rec_state_name(rs.state), "reason", rs.reason);
    if (o) {
        char when[40];
        vg_time_format(rs.segment_start_ms / 1000, when, sizeof(when));
        json_object_set_new(o, "segment_start", rs.segment_id ? json_string(when) : json_null());
    }
    return o;
}

void vg_api_camera_add_status(struct vg_req *req, json_t *cam_json, const struct vg_camera *c)
{
    char sub[VG_SLUG_MAX + 8];
    json_object_set_new(cam_json, "recording", vg_api_recording_status_json(req->app, c->id));
    json_object_set_new(cam_json, "status", vg_api_stream_status_json(req->app->hub, c->id));
    if (c->sub_url && c->sub_url[0]) {
        snprintf(sub, sizeof(sub), "%s.sub", c->id);
        json_object_set_new(cam_json, "sub_status", vg_api_stream_status_json(req->app->hub, sub));
    } else {
        json_object_set_new(cam_json, "sub_status", json_null());
    }
}

/* The camera behind a stream id, when the user may see it; replies 404 when not. */
bool vg_api_stream_visible(struct vg_req *req, const char *stream_id)
{
    char camera_id[VG_SLUG_MAX];
    size_t n = strlen(stream_id);
    if (n > 4 && strcmp(stream_id + n - 4, ".sub") == 0)
        n -= 4;
    struct vg_camera c;
    bool ok = n < sizeof(camera_id);
    if (ok) {
        memcpy(camera_id, stream_id, n);
        camera_id[n] = '\0';
        ok = vg_slug_valid(camera_id) &&
             vg_cameras_get(req->app->db, &req->app->box, camera_id, &c) == 0;
    }
    if (ok) {
        ok = vg_authz_camera_visible(&req->user, c.id, c.zone);
        vg_camera_done(&c);
    }
    if (!ok)
        vg_reply_error(req, 404, "not_found", "stream not found");
    return ok;
}

void vg_api_streams_mse(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    if (!vg_api_stream_visible(req, id))
        return;
    vg_mse_serve(req->app->hub, req->app->cfg, req->ev, id);
}
