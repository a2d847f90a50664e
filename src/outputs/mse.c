#include "outputs/mse.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "http/reply.h"
#include "http/websocket.h"
#include "hub/hub.h"
#include "media/fmp4.h"
#include "media/stream.h"

/* A viewer that has this much unsent stops taking frames; when the stream
 * moves on past it, it skips to the next keyframe (counted by the stream). */
#define OUTPUT_HIGH_WATER (2u << 20)
#define WAIT_FIRST_FRAME_S 15

struct viewer {
    struct vg_hub *hub;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    struct vg_reader *reader;
    char id[VG_SLUG_MAX + 8];
    char mime[128];
    uint32_t gen; /* params generation whose init segment went out */
    bool started, blocked;
    struct vg_ws *ws; /* frames go out as WebSocket messages; NULL: HTTP chunks */
    bool acquired;
    struct event *first_frame_timeout;
};

static void viewer_free(struct viewer *v)
{
    v->reader = vg_reader_free(v->reader);
    if (v->first_frame_timeout)
        event_free(v->first_frame_timeout);
    if (v->acquired)
        vg_hub_release(v->hub, v->id);
    free(v);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct viewer *v = arg;
    vg_reply_abandoned(v->req);
    viewer_free(v);
}

/* Ends the response (the page reconnects) and frees the viewer. Over a
 * WebSocket the close code is 1000 for an ended stream, 4000 + status else. */
static void finish(struct viewer *v, int status, const char *reason)
{
    if (v->ws) {
        vg_ws_close(v->ws, v->started && status == 200 ? 1000 : 4000 + (unsigned)status, reason);
        v->ws = NULL;
        viewer_free(v);
        return;
    }
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    if (v->started) {
        evhttp_send_reply_end(v->req);
    } else {
        vg_reply_error_ev(v->req, status, "%s", reason);
    }
    viewer_free(v);
}

static void unref_frame(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    struct vg_frame *f = arg;
    vg_frame_unref(&f);
}

static size_t unsent(struct viewer *v)
{
    return v->ws ? vg_ws_unsent(v->ws) : vg_reply_unsent(v->conn);
}

static void pump(void *arg);

static void on_drained(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct viewer *v = arg;
    v->blocked = false;
    pump(v);
}

/* Sends the response headers once the codecs are known. */
static bool start(struct viewer *v, const struct vg_stream_params *p)
{
    vg_fmp4_mime(p, v->mime, sizeof(v->mime));
    v->started = true;
    event_del(v->first_frame_timeout);
    if (v->ws) {
        vg_ws_send_text(v->ws, v->mime);
        return true;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(v->req);
    evhttp_add_header(h, "Content-Type", v->mime);
    evhttp_add_header(h, "Cache-Control", "no-store");
    vg_reply_security_headers(v->req);
    evhttp_send_reply_start(v->req, 200, "OK");
    return true;
}

static int send_init(struct viewer *v, const struct vg_stream_params *p, struct evbuffer *out)
{
    char mime[sizeof(v->mime)];
    vg_fmp4_mime(p, mime, sizeof(mime));
    if (v->started && strcmp(mime, v->mime) != 0)
        return -ECHRNG; /* another codec: the page must make a new SourceBuffer */
    if (!v->started)
        start(v, p);
    uint8_t *init;
    size_t len;
    int r = vg_fmp4_init_segment(p, &init, &len);
    if (r < 0)
        return r;
    evbuffer_add(out, init, len);
    free(init);
    v->gen = p->gen;
    return 0;
}

static void pump(void *arg)
{
    struct viewer *v = arg;
    if (v->blocked)
        return;
    struct evbuffer *out = evbuffer_new();
    if (!out)
        return;
    struct vg_frame *f;
    int r = 0;
    while (unsent(v) + evbuffer_get_length(out) < OUTPUT_HIGH_WATER &&
           vg_reader_next(v->reader, &f) == 1) {
        if (!f->frag_len || !f->params) {
            vg_frame_unref(&f);
            continue;
        }
        if (f->params_gen != v->gen || !v->started) {
            if (f->track != VG_TRACK_VIDEO || !f->key) {
                vg_frame_unref(&f); /* wait for a keyframe of the new setup */
                continue;
            }
            r = send_init(v, f->params, out);
            if (r < 0) {
                vg_frame_unref(&f);
                break;
            }
        }
        size_t len;
        const uint8_t *frag = vg_frame_fragment(f, &len);
        evbuffer_add_reference(out, frag, len, unref_frame, f);
    }
    if (v->started && evbuffer_get_length(out)) {
        /* Over a WebSocket there is no drain callback: the next frame's wake-up
         * finds the buffer drained. */
        if (v->ws)
            vg_ws_send(v->ws, VG_WS_BINARY, out);
        else
            evhttp_send_reply_chunk_with_cb(v->req, out, on_drained, v);
    }
    evbuffer_free(out);
    if (r < 0) {
        finish(v, 200, "the codec changed");
        return;
    }
    if (unsent(v) >= OUTPUT_HIGH_WATER)
        v->blocked = true; /* on_drained resumes */
}

static void on_first_frame_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    finish(arg, 503, "no picture from the camera yet");
}

static void on_ws_gone(void *arg)
{
    struct viewer *v = arg;
    v->ws = NULL;
    viewer_free(v);
}

void vg_mse_serve(struct vg_hub *hub, const struct vg_config *cfg, struct evhttp_request *req,
                  const char *stream_id)
{
    struct viewer *v = calloc(1, sizeof(*v));
    if (!v) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    if (vg_ws_is_upgrade(req) && vg_ws_accept(req, cfg, on_ws_gone, v, &v->ws) < 0) {
        free(v);
        return; /* answered */
    }
    struct vg_stream *s;
    int r = vg_hub_acquire(hub, stream_id, &s);
    if (r < 0) {
        int status = r == -ENOENT ? 404 : 409;
        const char *why = r == -ENOENT ? "no such stream" : "the camera is disabled";
        if (v->ws) {
            vg_ws_close(v->ws, 4000 + (unsigned)status, why);
        } else {
            vg_reply_error_ev(req, status, "%s", why);
        }
        free(v);
        return;
    }
    v->hub = hub;
    v->acquired = true;
    v->req = req;
    v->conn = evhttp_request_get_connection(req);
    vg_strlcpy(v->id, sizeof(v->id), stream_id);
    v->first_frame_timeout =
        evtimer_new(bufferevent_get_base(evhttp_connection_get_bufferevent(v->conn)),
                    on_first_frame_timeout, v);
    v->reader = vg_reader_new(s, pump, v);
    if (!v->reader || !v->first_frame_timeout) {
        finish(v, 500, "out of memory");
        return;
    }
    struct timeval tv = {.tv_sec = WAIT_FIRST_FRAME_S};
    evtimer_add(v->first_frame_timeout, &tv);
    if (!v->ws) {
        /* A live response has no end: no idle timeout while frames flow. */
        evhttp_connection_set_timeout(v->conn, 60);
        evhttp_connection_set_closecb(v->conn, on_close, v);
    }
}
