/* LL-HLS of a stream (outputs/hls.h) behind the same per-camera check as the
 * other live outputs. Names and query numbers are parsed strictly: nothing
 * outside the hls/ resource set is ever looked up. */
#include <errno.h>
#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "app.h"
#include "http/api.h"
#include "http/reply.h"
#include "outputs/hls.h"

#define QUERY_MAX 1024

/* A number of at most max from the query: 0 and *ret (nothing when absent),
 * or replies 400 and returns -EINVAL. */
static int query_number(struct vg_req *req, const struct evkeyvalq *query, const char *name,
                        uint64_t max, bool *ret_has, uint64_t *ret)
{
    const char *v = evhttp_find_header(query, name);
    if (!v)
        return 0;
    if (vg_hls_parse_uint(v, max, ret) < 0) {
        vg_reply_error(req, 400, "bad_request", "%s must be a number up to %llu", name,
                       (unsigned long long)max);
        return -EINVAL;
    }
    *ret_has = true;
    return 0;
}

/* _HLS_msn and _HLS_part of a blocking playlist reload. Replies 400 on bad
 * input and returns -EINVAL. */
static int blocking_query(struct vg_req *req, struct vg_hls_request *r)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req->ev);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    if (!q || !*q)
        return 0;
    struct evkeyvalq query;
    TAILQ_INIT(&query);
    uint64_t part = 0;
    int ret = -EINVAL;
    if (strlen(q) > QUERY_MAX || evhttp_parse_query_str(q, &query) != 0) {
        vg_reply_error(req, 400, "bad_request", "malformed query");
        goto out;
    }
    if (query_number(req, &query, "_HLS_msn", VG_HLS_MSN_MAX, &r->has_msn, &r->msn) < 0 ||
        query_number(req, &query, "_HLS_part", VG_HLS_PARTS_MAX - 1, &r->has_part, &part) < 0)
        goto out;
    if (r->has_part && !r->has_msn) {
        vg_reply_error(req, 400, "bad_request", "_HLS_part needs _HLS_msn");
        goto out;
    }
    r->part = (unsigned)part;
    ret = 0;
out:
    evhttp_clear_headers(&query);
    return ret;
}

void vg_api_streams_hls(struct vg_req *req)
{
    const char *id = vg_req_param(req, "id");
    if (!vg_api_stream_visible(req, id))
        return;
    struct vg_hls_request r = {0};
    if (vg_hls_parse_name(vg_req_param(req, "file"), &r.name) < 0) {
        vg_reply_error(req, 404, "not_found", "no such HLS resource");
        return;
    }
    if (r.name.kind == VG_HLS_PLAYLIST && blocking_query(req, &r) < 0)
        return;
    struct vg_app *app = req->app;
    if (!app->hls && vg_hls_new(app->base, app->hub, &app->hls) < 0) {
        vg_reply_error(req, 500, "internal", "out of memory");
        return;
    }
    vg_hls_serve(app->hls, req->ev, id, &r);
}
