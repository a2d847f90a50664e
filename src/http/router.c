#include "http/router.h"

#include <errno.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/bytes.h"
#include "core/log.h"
#include "http/auth.h"
#include "http/reply.h"

const char *vg_access_name(enum vg_access access)
{
    switch (access) {
    case VG_ACCESS_PUBLIC:
        return "public";
    case VG_ACCESS_USER:
        return "user";
    case VG_ACCESS_ADMIN:
        return "admin";
    }
    return "?";
}

const char *vg_method_name(enum evhttp_cmd_type method)
{
    switch (method) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    default:
        return "OTHER";
    }
}

/* Percent-decodes one path segment into out. Rejects bad escapes, NUL, '/' and
 * control characters so a parameter can never smuggle a path or a line break. */
static bool decode_segment(const char *s, size_t len, char *out, size_t outlen)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return false;
            int hi = vg_hex_digit(s[i + 1]), lo = vg_hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '/')
            return false;
        if (n + 1 >= outlen)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n > 0;
}

bool vg_route_match(const char *pattern, const char *path, struct vg_req *req)
{
    size_t nparams = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (p[0] == '{') {
            if (slen == 0 || nparams >= VG_ROUTE_PARAMS_MAX)
                return false;
            char tmp[VG_PATH_SEGMENT_MAX];
            if (!decode_segment(s, slen, tmp, sizeof(tmp)))
                return false;
            if (req) {
                memcpy(req->params[nparams], tmp, sizeof(tmp));
                req->param_names[nparams] = p; /* points at "{name}..." */
            }
            nparams++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    if (*p || *s)
        return false;
    if (req)
        req->param_count = nparams;
    return true;
}

const char *vg_req_param(const struct vg_req *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->param_count; i++) {
        const char *pn = req->param_names[i];
        if (pn[0] == '{' && strncmp(pn + 1, name, n) == 0 && pn[n + 1] == '}')
            return req->params[i];
    }
    return "";
}

static bool state_changing(enum evhttp_cmd_type m)
{
    return m == EVHTTP_REQ_POST || m == EVHTTP_REQ_PUT || m == EVHTTP_REQ_DELETE ||
           m == EVHTTP_REQ_PATCH;
}

static void reply_not_allowed(struct vg_req *req, const char *path)
{
    char allow[128] = "";
    size_t used = 0;
    for (const struct vg_route *r = vg_routes; r->pattern; r++) {
        if (!vg_route_match(r->pattern, path, NULL))
            continue;
        const char *m = vg_method_name(r->method);
        size_t ml = strlen(m);
        if (used + ml + 3 >= sizeof(allow))
            break;
        if (used) {
            memcpy(allow + used, ", ", 2);
            used += 2;
        }
        memcpy(allow + used, m, ml + 1);
        used += ml;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Allow", allow);
    vg_reply_error(req, 405, "method_not_allowed", "method not allowed; use %s", allow);
}

void vg_router_dispatch(struct vg_app *app, struct evhttp_request *ev, bool https)
{
    struct vg_req req = {.ev = ev, .app = app, .https = https};
    req.method = evhttp_request_get_command(ev);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    vg_auth_client_ip(&req);

    if (!path || strlen(path) > 1024) {
        vg_reply_error(&req, 400, "bad_request", "bad request path");
        goto out;
    }

    /* HEAD is answered as GET without a body (evhttp drops the body itself). */
    enum evhttp_cmd_type want = req.method == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : req.method;
    const struct vg_route *route = NULL;
    bool path_known = false;
    for (const struct vg_route *r = vg_routes; r->pattern; r++) {
        if (!vg_route_match(r->pattern, path, NULL))
            continue;
        path_known = true;
        if (r->method == want) {
            route = r;
            break;
        }
    }
    if (!route) {
        if (path_known)
            reply_not_allowed(&req, path);
        else
            vg_reply_error(&req, 404, "not_found", "no such API endpoint");
        goto out;
    }
    vg_route_match(route->pattern, path, &req);

    int r = vg_auth_identify(&req);
    if (r < 0 && route->access != VG_ACCESS_PUBLIC) {
        vg_reply_error(&req, 401, "unauthorized",
                       r == -EKEYEXPIRED ? "session expired; log in again" : "log in first");
        goto out;
    }
    if (route->access == VG_ACCESS_ADMIN && req.user.id && req.user.role != VG_ROLE_ADMIN) {
        vg_reply_error(&req, 403, "forbidden", "this needs an administrator");
        goto out;
    }
    if (route->access != VG_ACCESS_PUBLIC && req.session_id && state_changing(req.method) &&
        !vg_auth_csrf_ok(&req)) {
        vg_reply_error(&req, 403, "csrf", "missing or wrong X-CSRF-Token header");
        goto out;
    }
    route->handler(&req);
out:
    vg_user_done(&req.user);
}

bool vg_req_param_id(const struct vg_req *req, const char *name, int64_t *ret_id)
{
    const char *s = vg_req_param(req, name);
    if (!s[0] || strlen(s) > 16)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    /* Ids travel as JSON numbers: keep them exact in every client. */
    if (v < 1 || v > (INT64_C(1) << 53))
        return false;
    *ret_id = v;
    return true;
}
