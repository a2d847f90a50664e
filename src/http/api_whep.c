/* WHEP (draft-ietf-wish-whep): POST /api/streams/{id}/whep with an SDP offer
 * answers 201 Created, the SDP answer and a Location naming the session;
 * DELETE on that Location ends it. The offer is answered once the stream runs
 * with known codec parameters: a stream nobody watched starts now and the
 * request waits for it (up to the I/O timeout and a little more). */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/clock.h"
#include "core/config.h"
#include "http/api.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "media/stream.h"
#include "webrtc/sdp_answer.h"
#include "webrtc/webrtc.h"

#define WAIT_STEP_MS 50
#define WAIT_EXTRA_MS 5000

struct whep_wait {
    struct vg_app *app;
    struct evhttp_request *ev;
    struct evhttp_connection *conn;
    struct event *timer;
    struct vg_stream *stream; /* held so the stream runs while we wait */
    char stream_id[VG_PATH_SEGMENT_MAX];
    char *offer;
    size_t offer_len;
    int64_t deadline_us;
};

static void wait_free(struct whep_wait *w)
{
    if (w->conn)
        evhttp_connection_set_closecb(w->conn, NULL, NULL);
    if (w->timer)
        event_free(w->timer);
    if (w->stream)
        vg_hub_release(w->app->hub, w->stream_id);
    free(w->offer);
    free(w);
}

void vg_api_reply_sdp_answer(struct evhttp_request *ev, const char *stream_id, const char *kind,
                             const char *session, const char *sdp)
{
    char location[VG_PATH_SEGMENT_MAX * 3 + 64];
    char *sid = evhttp_encode_uri(stream_id);
    snprintf(location, sizeof(location), "/api/streams/%s/%s/%s", sid ? sid : "", kind, session);
    free(sid);
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    vg_reply_security_headers(ev);
    evhttp_add_header(h, "Content-Type", "application/sdp");
    evhttp_add_header(h, "Location", location);
    evhttp_add_header(h, "Cache-Control", "no-store");
    struct evbuffer *body = evbuffer_new();
    if (body)
        evbuffer_add(body, sdp, strlen(sdp));
    evhttp_send_reply(ev, 201, "Created", body);
    if (body)
        evbuffer_free(body);
}

int vg_api_read_sdp_offer(struct vg_req *req, char **ret_offer, size_t *ret_len)
{
    const char *type =
        evhttp_find_header(evhttp_request_get_input_headers(req->ev), "Content-Type");
    if (!type || strncasecmp(type, "application/sdp", 15) != 0) {
        vg_reply_error(req, 415, "unsupported_media_type",
                       "the offer must be sent as Content-Type: application/sdp");
        return -EINVAL;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req->ev);
    size_t len = evbuffer_get_length(in);
    if (len == 0 || len > VG_SDP_ANSWER_MAX_OFFER) {
        vg_reply_error(req, len ? 413 : 400, len ? "payload_too_large" : "bad_request",
                       len ? "the offer is larger than 64 KiB" : "the offer is empty");
        return -EINVAL;
    }
    char *offer = malloc(len + 1);
    if (!offer) {
        vg_reply_error(req, 500, "internal", "out of memory");
        return -ENOMEM;
    }
    evbuffer_remove(in, offer, len);
    offer[len] = '\0';
    *ret_offer = offer;
    *ret_len = len;
    return 0;
}

void vg_api_reply_webrtc_error(struct vg_req *req, int r, const char *error)
{
    if (r == -EINVAL)
        vg_reply_error(req, 400, "bad_request", "bad SDP offer: %s", error ? error : "unusable");
    else if (r == -ENOTSUP)
        vg_reply_error(req, 400, "unsupported_codec", "%s", error ? error : "no common codec");
    else if (r == -EEXIST)
        vg_reply_error(req, 409, "busy", "%s", error ? error : "in use");
    else if (r == -EBUSY)
        vg_reply_error(req, 503, "service_unavailable", "too many WebRTC sessions");
    else
        vg_reply_error(req, 503, "service_unavailable", "cannot start the session: %s",
                       error ? error : strerror(-r));
}

static void answer(struct whep_wait *w)
{
    struct vg_req req = {.ev = w->ev, .app = w->app};
    char *sdp = NULL, id[33];
    const char *error = NULL;
    int r = vg_webrtc_whep(w->app->webrtc, w->stream_id, w->offer, w->offer_len, &sdp, id, &error);
    if (r < 0)
        vg_api_reply_webrtc_error(&req, r, error);
    if (r < 0)
        return;
    vg_api_reply_sdp_answer(w->ev, w->stream_id, "whep", id, sdp);
    free(sdp);
}

static void on_wait(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct whep_wait *w = arg;
    struct vg_stream_params *p = vg_stream_params(w->stream);
    if (p) {
        vg_stream_params_unref(&p);
        answer(w);
        wait_free(w);
        return;
    }
    /* A stream waiting for its publisher may wait long: say so now. */
    struct vg_stream_status st;
    vg_hub_status(w->app->hub, w->stream_id, &st);
    if (vg_mono_us() < w->deadline_us && !st.waiting) {
        event_add(w->timer, &(struct timeval){.tv_usec = WAIT_STEP_MS * 1000});
        return;
    }
    vg_reply_error_ev(w->ev, 503, "the stream did not start: %s%s%s",
                      vg_stream_state_name(st.state), st.reason[0] ? ": " : "", st.reason);
    wait_free(w);
}

static void on_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct whep_wait *w = arg;
    vg_reply_abandoned(w->ev);
    w->conn = NULL;
    wait_free(w);
}

void vg_api_streams_whep(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    if (!vg_api_stream_visible(req, id))
        return;
    if (!req->app->webrtc) {
        vg_reply_error(req, 503, "service_unavailable",
                       "WebRTC is off: its UDP/TCP port was not available at start");
        return;
    }
    struct whep_wait *w = calloc(1, sizeof(*w));
    if (!w) {
        vg_reply_error(req, 500, "internal", "out of memory");
        return;
    }
    if (vg_api_read_sdp_offer(req, &w->offer, &w->offer_len) < 0) {
        free(w);
        return;
    }
    w->app = req->app;
    w->ev = req->ev;
    snprintf(w->stream_id, sizeof(w->stream_id), "%s", id);
    if (vg_hub_acquire(req->app->hub, id, &w->stream) < 0) {
        w->stream = NULL;
        wait_free(w);
        vg_reply_error(req, 404, "not_found", "stream not found");
        return;
    }
    w->timer = evtimer_new(req->app->base, on_wait, w);
    if (!w->timer) {
        wait_free(w);
        vg_reply_error(req, 500, "internal", "out of memory");
        return;
    }
    w->deadline_us =
        vg_mono_us() + ((int64_t)req->app->cfg->stream_io_timeout_s * 1000 + WAIT_EXTRA_MS) * 1000;
    w->conn = evhttp_request_get_connection(req->ev);
    evhttp_connection_set_closecb(w->conn, on_conn_closed, w);
    on_wait(-1, 0, w);
}

void vg_api_end_webrtc_session(struct vg_req *req, const char *stream_id)
{
    if (!req->app->webrtc ||
        vg_webrtc_end(req->app->webrtc, stream_id, vg_req_param(req, "session")) < 0) {
        vg_reply_error(req, 404, "not_found", "no such WebRTC session");
        return;
    }
    vg_reply_json(req, 200, json_pack("{s:s}", "session", "ended"));
}

void vg_api_streams_whep_delete(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    if (vg_api_stream_visible(req, id))
        vg_api_end_webrtc_session(req, id);
}
