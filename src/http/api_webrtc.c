/* WebRTC housekeeping routes. GET /api/webrtc/config: the ICE servers a browser gives its
 * RTCPeerConnection (STUN for a public address, TURN with credentials to relay when direct paths
 * fail), in the shape of RTCConfiguration.iceServers. */
#include <jansson.h>

#include "app.h"
#include "core/config.h"
#include "http/api.h"
#include "http/reply.h"
#include "webrtc/webrtc.h"

static void add_session(void *arg, const struct vg_webrtc_session_info *s)
{
    json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I}", "id", s->id,
                                         "stream", s->stream_id, "direction", s->direction,
                                         "transport", s->transport, "connected", s->connected,
                                         "packets_sent", (json_int_t)s->packets_sent, "nacks",
                                         (json_int_t)s->nacks, "plis", (json_int_t)s->plis,
                                         "packets_received", (json_int_t)s->packets_received,
                                         "keyframe_requests", (json_int_t)s->keyframe_requests));
}

/* GET /api/webrtc/sessions: every open session (admins), to see who watches
 * over WebRTC and that ended sessions are gone. */
void vg_api_webrtc_sessions(struct vg_req *req)
{
    json_t *list = json_array();
    vg_webrtc_each(req->app->webrtc, add_session, list);
    vg_reply_json(req, 200,
                  json_pack("{s:b,s:o}", "enabled", req->app->webrtc != NULL, "sessions", list));
}

void vg_api_webrtc_config(struct vg_req *req)
{
    const struct vg_config *cfg = req->app->cfg;
    json_t *servers = json_array();
    for (unsigned i = 0; servers && i < cfg->ice_servers_count; i++) {
        const struct vg_ice_server *s = &cfg->ice_servers[i];
        json_t *urls = json_array();
        for (unsigned j = 0; urls && j < s->urls_count; j++)
            json_array_append_new(urls, json_string(s->urls[j]));
        json_t *o = json_pack("{s:o}", "urls", urls);
        if (o && s->username)
            json_object_set_new(o, "username", json_string(s->username));
        if (o && s->credential)
            json_object_set_new(o, "credential", json_string(s->credential));
        json_array_append_new(servers, o);
    }
    vg_reply_json(req, 200, json_pack("{s:o}", "ice_servers", servers));
}
