/* Routing: a const table of (method, path pattern, access level, handler).
 * Patterns are literal segments and {name} placeholders matching one segment.
 * The router authenticates the request and enforces the access level and CSRF
 * before a handler runs, so handlers only check per-object permissions. */
#pragma once

#include <event2/http.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/tokens.h"
#include "store/users.h"

struct vg_app;

enum vg_access { VG_ACCESS_PUBLIC, VG_ACCESS_USER, VG_ACCESS_ADMIN };

#define VG_ROUTE_PARAMS_MAX 4
#define VG_PATH_SEGMENT_MAX 256

struct vg_req {
    struct evhttp_request *ev;
    struct vg_app *app;
    enum evhttp_cmd_type method;
    char ip[64]; /* the client, after trusted proxies */
    bool https;

    /* Filled by the router from the pattern's {placeholders}, decoded. */
    const char *param_names[VG_ROUTE_PARAMS_MAX];
    char params[VG_ROUTE_PARAMS_MAX][VG_PATH_SEGMENT_MAX];
    size_t param_count;

    /* Who is asking; user.id == 0 when anonymous. */
    struct vg_user user;
    int64_t session_id; /* 0 unless authenticated by cookie */
    int64_t token_id;   /* 0 unless authenticated by bearer token */
    /* That token's publish list (struct vg_token.publish); "" otherwise. Read it
     * through vg_authz_may_publish (http/auth.h). */
    char token_publish[VG_TOKEN_PUBLISH_SIZE];
    char csrf_token[64];
};

struct vg_route {
    enum evhttp_cmd_type method;
    const char *pattern;
    enum vg_access access;
    void (*handler)(struct vg_req *req);
};

/* The table, terminated by an entry with a NULL pattern (http/routes.c). */
extern const struct vg_route vg_routes[];

const char *vg_access_name(enum vg_access access);
const char *vg_method_name(enum evhttp_cmd_type method);

/* Matches path (raw, still percent-encoded, no query) against pattern; on a match
 * fills the params of req (when req is not NULL). Pure; used by the fuzzer. */
bool vg_route_match(const char *pattern, const char *path, struct vg_req *req);

/* The value of a {placeholder}; "" when absent. */
const char *vg_req_param(const struct vg_req *req, const char *name);

/* Entry point from the server for every /api request. */
void vg_router_dispatch(struct vg_app *app, struct evhttp_request *ev, bool https);

/* A numeric {name} parameter (1..2^53): true and *ret_id set, or false. */
bool vg_req_param_id(const struct vg_req *req, const char *name, int64_t *ret_id);
