#include "http/reply.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

void vg_reply_security_headers(struct evhttp_request *ev)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                      "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                      "form-action 'self'");
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "OK";
    }
}

static const char *status_code_name(int status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "payload_too_large";
    case 429:
        return "too_many_requests";
    case 503:
        return "service_unavailable";
    default:
        return "internal";
    }
}

void vg_reply_abandoned(struct evhttp_request *req)
{
    if (req && !evhttp_request_get_connection(req))
        evhttp_request_free(req);
}

static void reply_json(struct evhttp_request *ev, int status, json_t *body)
{
    struct evbuffer *buf = evbuffer_new();
    char *text = json_dumps(body ? body : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Cache-Control", "no-store");
    vg_reply_security_headers(ev);
    if (!buf || !text) {
        free(text);
        if (buf)
            evbuffer_free(buf);
        evhttp_send_error(ev, 500, NULL);
        return;
    }
    evbuffer_add(buf, text, strlen(text));
    evbuffer_add(buf, "\n", 1);
    free(text);
    evhttp_send_reply(ev, status, reason(status), buf);
    evbuffer_free(buf);
}

void vg_reply_json(struct vg_req *req, int status, json_t *body)
{
    reply_json(req->ev, status, body);
}

static void reply_errorv(struct evhttp_request *ev, int status, const char *code, const char *fmt,
                         va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    reply_json(ev, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void vg_reply_error(struct vg_req *req, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_errorv(req->ev, status, code, fmt, ap);
    va_end(ap);
}

void vg_reply_error_ev(struct evhttp_request *ev, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_errorv(ev, status, status_code_name(status), fmt, ap);
    va_end(ap);
}

void vg_reply_empty(struct vg_req *req, int status)
{
    vg_reply_security_headers(req->ev);
    evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Cache-Control", "no-store");
    evhttp_send_reply(req->ev, status, reason(status), NULL);
}

void vg_reply_errno(struct vg_req *req, int err, const char *what)
{
    switch (err) {
    case -ENOENT:
        vg_reply_error(req, 404, "not_found", "%s not found", what);
        break;
    case -EEXIST:
        vg_reply_error(req, 409, "conflict", "%s already exists", what);
        break;
    case -EINVAL:
        vg_reply_error(req, 400, "bad_request", "%s is not valid", what);
        break;
    default:
        vg_reply_error(req, 500, "internal", "could not store %s: %s", what, strerror(-err));
        break;
    }
}

int vg_req_json_body(struct vg_req *req, json_t **ret_obj)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req->ev);
    size_t len = evbuffer_get_length(in);
    size_t max = (size_t)req->app->cfg->max_body_kb * 1024;
    if (len > max) {
        vg_reply_error(req, 413, "payload_too_large", "request body is larger than %zu bytes", max);
        return -EFBIG;
    }
    if (len == 0) {
        vg_reply_error(req, 400, "bad_request", "request body must be a JSON object");
        return -EINVAL;
    }
    const char *data = (const char *)evbuffer_pullup(in, -1);
    json_error_t jerr;
    json_t *obj = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        vg_reply_error(req, 400, "bad_request", "body is not valid JSON: %s (line %d, column %d)",
                       jerr.text, jerr.line, jerr.column);
        return -EINVAL;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        vg_reply_error(req, 400, "bad_request", "request body must be a JSON object");
        return -EINVAL;
    }
    *ret_obj = obj;
    return 0;
}

bool vg_req_query_uint(struct vg_req *req, const char *name, unsigned min, unsigned max,
                       unsigned *ret_value)
{
    char buf[4097]; /* a whole query fits: too long never reads as absent */
    if (!vg_req_query(req, name, buf, sizeof(buf)))
        return true;
    unsigned long v = 0;
    bool ok = buf[0] != '\0' && strlen(buf) <= 10;
    for (const char *p = buf; ok && *p; p++) {
        ok = *p >= '0' && *p <= '9';
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (!ok || v < min || v > max) {
        vg_reply_error(req, 400, "bad_request", "%s must be a number from %u to %u", name, min,
                       max);
        return false;
    }
    *ret_value = (unsigned)v;
    return true;
}

size_t vg_reply_unsent(struct evhttp_connection *conn)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
    return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

const char *vg_req_query(struct vg_req *req, const char *name, char *out, size_t outlen)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req->ev);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    /* A NUL decoded from %00 would cut the value short unseen: no value of
     * such a query is taken. */
    if (!q || strlen(q) > 4096 || strstr(q, "%00"))
        return NULL;
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    if (evhttp_parse_query_str(q, &params) != 0) {
        evhttp_clear_headers(&params);
        return NULL;
    }
    const char *v = evhttp_find_header(&params, name);
    const char *result = NULL;
    if (v && strlen(v) < outlen) {
        memcpy(out, v, strlen(v) + 1);
        result = out;
    }
    evhttp_clear_headers(&params);
    return result;
}
