#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/util.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/events.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "store/cameras.h"

#define CLIENTS_MAX 256
#define KEEPALIVE_S 15

struct client {
    struct vg_events *owner;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    struct vg_user user;
    struct client *prev, *next;
};

struct vg_events {
    struct vg_app *app;
    int listen_handle;
    struct event *keepalive;
    struct client *clients;
    unsigned count;
};

static void client_free(struct client *c)
{
    struct vg_events *ev = c->owner;
    if (c->prev)
        c->prev->next = c->next;
    else
        ev->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    ev->count--;
    vg_user_done(&c->user);
    free(c);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct client *c = arg;
    vg_reply_abandoned(c->req);
    client_free(c);
}

static void send_text(struct client *c, const char *text, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return;
    evbuffer_add(b, text, len);
    evhttp_send_reply_chunk(c->req, b);
    evbuffer_free(b);
}

static void send_status(struct client *c, const char *stream_id, const char *camera_id,
                        json_t *status)
{
    json_t *msg =
        json_pack("{s:s,s:s,s:O}", "stream", stream_id, "camera", camera_id, "status", status);
    char *data = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!data)
        return;
    size_t n = strlen(data) + 32;
    char *text = malloc(n);
    if (text) {
        int len = snprintf(text, n, "event: status\ndata: %s\n\n", data);
        send_text(c, text, (size_t)len);
    }
    free(text);
    free(data);
}

/* The camera id of a stream id ("x.sub" -> "x"). */
static void camera_of(const char *stream_id, char *out, size_t outlen)
{
    vg_strlcpy(out, outlen, stream_id);
    size_t n = strlen(out);
    if (n > 4 && strcmp(out + n - 4, ".sub") == 0)
        out[n - 4] = '\0';
}

static void on_status(void *arg, const char *stream_id, const struct vg_stream_status *st)
{
    (void)st;
    struct vg_events *ev = arg;
    if (!ev->clients)
        return;
    char camera_id[VG_SLUG_MAX + 8];
    camera_of(stream_id, camera_id, sizeof(camera_id));
    struct vg_camera cam;
    if (vg_cameras_get(ev->app->db, &ev->app->box, camera_id, &cam) < 0)
        return;
    json_t *status = vg_api_stream_status_json(ev->app->hub, stream_id);
    for (struct client *c = ev->clients; c && status; c = c->next) {
        if (vg_authz_camera_visible(&c->user, cam.id, cam.zone))
            send_status(c, stream_id, camera_id, status);
    }
    json_decref(status);
    vg_camera_done(&cam);
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_events *ev = arg;
    for (struct client *c = ev->clients; c; c = c->next)
        send_text(c, ": keep-alive\n\n", 14);
}

int vg_events_new(struct vg_app *app, struct vg_events **ret_events)
{
    struct vg_events *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    ev->app = app;
    ev->listen_handle = vg_hub_listen(app->hub, on_status, ev);
    ev->keepalive = event_new(app->base, -1, EV_PERSIST, on_keepalive, ev);
    struct timeval tv = {.tv_sec = KEEPALIVE_S};
    if (ev->listen_handle < 0 || !ev->keepalive || event_add(ev->keepalive, &tv) < 0) {
        vg_events_free(ev);
        return -ENOMEM;
    }
    *ret_events = ev;
    return 0;
}

struct vg_events *vg_events_free(struct vg_events *ev)
{
    if (!ev)
        return NULL;
    while (ev->clients) {
        struct client *c = ev->clients;
        evhttp_connection_set_closecb(c->conn, NULL, NULL);
        evhttp_send_reply_end(c->req);
        client_free(c);
    }
    if (ev->listen_handle >= 0)
        vg_hub_unlisten(ev->app->hub, ev->listen_handle);
    if (ev->keepalive)
        event_free(ev->keepalive);
    free(ev);
    return NULL;
}

void vg_api_events(struct vg_req *req)
{
    struct vg_events *ev = req->app->events;
    if (ev->count >= CLIENTS_MAX) {
        vg_reply_error(req, 503, "service_unavailable", "too many event listeners");
        return;
    }
    struct client *c = calloc(1, sizeof(*c));
    if (!c) {
        vg_reply_error(req, 500, "internal", "out of memory");
        return;
    }
    c->owner = ev;
    c->req = req->ev;
    c->conn = evhttp_request_get_connection(req->ev);
    /* The router frees req->user after the handler: keep our own copy. */
    c->user = req->user;
    req->user = (struct vg_user){0};
    c->next = ev->clients;
    if (ev->clients)
        ev->clients->prev = c;
    ev->clients = c;
    ev->count++;

    struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-store");
    vg_reply_security_headers(req->ev);
    evhttp_send_reply_start(req->ev, 200, "OK");
    evhttp_connection_set_timeout(c->conn, 3 * KEEPALIVE_S);
    evhttp_connection_set_closecb(c->conn, on_close, c);
    send_text(c, "retry: 2000\n\n", 13);
}
