/* WHIP (RFC 9725): POST /api/streams/{id}/whip with a browser's SDP offer
 * publishes into a camera of type webrtc; 201 Created, the SDP answer and a
 * Location naming the session; DELETE on that Location stops publishing.
 * Only admins may publish, or a token with publish permission for the camera
 * (http/auth.h); every start is audited. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/url.h"
#include "core/util.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/reply.h"
#include "store/cameras.h"
#include "webrtc/webrtc.h"

/* The camera behind {id} when req may publish it; else replies and returns false. */
static bool publishable(struct vg_req *req, const char *id)
{
    if (!vg_api_stream_visible(req, id))
        return false;
    struct vg_camera c;
    if (!vg_slug_valid(id) || vg_cameras_get(req->app->db, &req->app->box, id, &c) < 0) {
        /* A sub stream ("<id>.sub"): webrtc cameras have none. */
        vg_reply_error(req, 409, "not_webrtc", "only a camera's main stream can be published");
        return false;
    }
    bool ok = false;
    if (!vg_url_is_webrtc(c.main_url))
        vg_reply_error(req, 409, "not_webrtc",
                       "camera '%s' is not a webrtc camera: its video comes from its URL", c.id);
    else if (!vg_authz_may_publish(req, &c))
        vg_reply_error(req, 403, "forbidden", "not allowed to publish camera '%s'", c.id);
    else
        ok = true;
    vg_camera_done(&c);
    return ok;
}

void vg_api_streams_whip(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    if (!publishable(req, id))
        return;
    if (!req->app->webrtc) {
        vg_reply_error(req, 503, "service_unavailable",
                       "WebRTC is off: its UDP/TCP port was not available at start");
        return;
    }
    char *offer = NULL, *sdp = NULL, session[33];
    size_t len = 0;
    if (vg_api_read_sdp_offer(req, &offer, &len) < 0)
        return;
    const char *error = NULL;
    int r = vg_webrtc_whip(req->app->webrtc, id, offer, len, &sdp, session, &error);
    free(offer);
    if (r < 0) {
        vg_api_reply_webrtc_error(req, r, error);
        return;
    }
    vg_api_audit(req, "camera.publish", id, NULL);
    vg_api_reply_sdp_answer(req->ev, id, "whip", session, sdp);
    free(sdp);
}

void vg_api_streams_whip_delete(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    if (publishable(req, id))
        vg_api_end_webrtc_session(req, id);
}
