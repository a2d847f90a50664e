#include "http/server.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/log.h"
#include "http/reply.h"
#include "http/router.h"
#include "http/static.h"

#define HEADERS_MAX (16 * 1024)
#define IDLE_TIMEOUT_S 60
#define BODY_HARD_MIN (4 * 1024 * 1024)

struct vg_http {
    struct vg_app *app;
    struct evhttp *http;
    SSL_CTX *ssl;
};

static bool origin_allowed(const struct vg_config *cfg, const char *origin)
{
    for (unsigned i = 0; origin && i < cfg->cors_origins_count; i++) {
        if (strcmp(cfg->cors_origins[i], origin) == 0)
            return true;
    }
    return false;
}

/* Adds CORS headers for an allowed Origin; returns whether it was allowed. */
static bool cors(struct vg_http *h, struct evhttp_request *ev)
{
    const char *origin = evhttp_find_header(evhttp_request_get_input_headers(ev), "Origin");
    if (!origin_allowed(h->app->cfg, origin))
        return false;
    struct evkeyvalq *out = evhttp_request_get_output_headers(ev);
    evhttp_add_header(out, "Access-Control-Allow-Origin", origin);
    evhttp_add_header(out, "Access-Control-Allow-Credentials", "true");
    evhttp_add_header(out, "Access-Control-Expose-Headers", "Location, Retry-After");
    evhttp_add_header(out, "Vary", "Origin");
    return true;
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    struct vg_http *h = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!path || path[0] != '/') {
        evhttp_send_error(ev, 400, NULL);
        return;
    }
    bool api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
    bool allowed_origin = cors(h, ev);

    if (evhttp_request_get_command(ev) == EVHTTP_REQ_OPTIONS && api) {
        struct evkeyvalq *out = evhttp_request_get_output_headers(ev);
        if (allowed_origin) {
            evhttp_add_header(out, "Access-Control-Allow-Methods",
                              "GET, POST, PUT, PATCH, DELETE, OPTIONS");
            evhttp_add_header(out, "Access-Control-Allow-Headers",
                              "Content-Type, Authorization, X-CSRF-Token");
            evhttp_add_header(out, "Access-Control-Max-Age", "600");
        }
        evhttp_send_reply(ev, 204, "No Content", NULL);
        return;
    }
    if (api)
        vg_router_dispatch(h->app, ev, h->ssl != NULL);
    else
        vg_static_serve(ev, path);
}

static struct bufferevent *make_tls_bev(struct event_base *base, void *arg)
{
    struct vg_http *h = arg;
    SSL *ssl = SSL_new(h->ssl);
    if (!ssl)
        return NULL;
    return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

static int tls_setup(struct vg_http *h)
{
    const struct vg_config *cfg = h->app->cfg;
    h->ssl = SSL_CTX_new(TLS_server_method());
    if (!h->ssl)
        return -ENOMEM;
    SSL_CTX_set_min_proto_version(h->ssl, TLS1_2_VERSION);
    SSL_CTX_set_options(h->ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(h->ssl, cfg->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(h->ssl, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(h->ssl) != 1) {
        char msg[256];
        ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
        vg_error("http", "cannot load TLS certificate %s and key %s: %s", cfg->tls_cert,
                 cfg->tls_key, msg);
        return -EINVAL;
    }
    evhttp_set_bevcb(h->http, make_tls_bev, h);
    return 0;
}

int vg_http_start(struct vg_app *app, struct vg_http **ret_http)
{
    const struct vg_config *cfg = app->cfg;
    char host[64];
    uint16_t port;
    int r = vg_config_parse_listen(cfg->listen, host, sizeof(host), &port);
    if (r < 0) {
        vg_error("http", "bad listen address '%s'", cfg->listen);
        return r;
    }

    struct vg_http *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->app = app;
    h->http = evhttp_new(app->base);
    if (!h->http) {
        r = -ENOMEM;
        goto out;
    }
    /* The configured body limit is checked per request, with a JSON 413. This
     * hard cap stops libevent from buffering far beyond it; past it libevent
     * answers 413 itself (not JSON) before reading the body. */
    ev_ssize_t hard_cap = (ev_ssize_t)cfg->max_body_kb * 1024 * 8;
    evhttp_set_max_body_size(h->http, hard_cap > BODY_HARD_MIN ? hard_cap : BODY_HARD_MIN);
    evhttp_set_max_headers_size(h->http, HEADERS_MAX);
    evhttp_set_timeout(h->http, IDLE_TIMEOUT_S);
    evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(h->http, on_request, h);
    if (cfg->tls_cert && cfg->tls_cert[0]) {
        r = tls_setup(h);
        if (r < 0)
            goto out;
    }
    if (!evhttp_bind_socket_with_handle(h->http, host, port)) {
        int e = errno;
        r = e ? -e : -EADDRINUSE;
        vg_error("http", "cannot listen on %s: %s", cfg->listen, strerror(-r));
        goto out;
    }
    vg_info("http", "listening on %s://%s%s%s:%u/", h->ssl ? "https" : "http",
            strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
    *ret_http = h;
    return 0;
out:
    vg_http_free(h);
    return r;
}

struct vg_http *vg_http_free(struct vg_http *h)
{
    if (!h)
        return NULL;
    if (h->http)
        evhttp_free(h->http);
    if (h->ssl)
        SSL_CTX_free(h->ssl);
    free(h);
    return NULL;
}
