/* Request paths over every route pattern, numeric ids, and the Cookie header
 * parser, all over arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const param_names[] = {"id", "name", "i", "", "idx", "a", "d"};

/* Beyond the real table: the most placeholders a pattern may hold, and one more. */
static const char *const extra_patterns[] = {"/api/{a}/{b}/{c}/{d}", "/{a}",
                                             "/api/{a}/{b}/{c}/{d}/{e}"};

static void check_params(const struct vg_req *req)
{
    if (req->param_count > VG_ROUTE_PARAMS_MAX)
        abort();
    for (size_t i = 0; i < req->param_count; i++) {
        const char *v = req->params[i];
        size_t n = strnlen(v, VG_PATH_SEGMENT_MAX);
        /* Decoded parameters are never empty, never hold '/' or a control byte. */
        if (n == 0 || n >= VG_PATH_SEGMENT_MAX)
            abort();
        for (size_t j = 0; j < n; j++) {
            unsigned char c = (unsigned char)v[j];
            if (c < 0x20 || c == 0x7f || c == '/')
                abort();
        }
    }
    for (size_t i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++) {
        const char *v = vg_req_param(req, param_names[i]);
        if (!v)
            abort();
        int64_t id = 0;
        if (vg_req_param_id(req, param_names[i], &id) && id < 1)
            abort();
    }
}

static void match_one(const char *pattern, const char *path)
{
    struct vg_req *req = calloc(1, sizeof(*req));
    if (!req)
        abort();
    bool with_req = vg_route_match(pattern, path, req);
    if (with_req != vg_route_match(pattern, path, NULL))
        abort();
    if (with_req)
        check_params(req);
    free(req);
}

static void cookie(const char *header, const char *name, size_t outlen)
{
    char out[VG_TOKEN_MAX + 1];
    memset(out, 0x5a, sizeof(out));
    if (vg_auth_cookie_value(header, name, out, outlen)) {
        size_t n = strnlen(out, outlen);
        if (n == 0 || n >= outlen || !strstr(header, out))
            abort();
    }
    if (out[outlen] != 0x5a) /* nothing written past outlen */
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *path = malloc(size + 1);
    if (!path)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0';

    for (const struct vg_route *r = vg_routes; r->pattern; r++)
        match_one(r->pattern, path);
    for (size_t i = 0; i < sizeof(extra_patterns) / sizeof(extra_patterns[0]); i++)
        match_one(extra_patterns[i], path);

    cookie(path, VG_SESSION_COOKIE, VG_TOKEN_MAX);
    cookie(path, VG_SESSION_COOKIE, 1);
    cookie(path, VG_SESSION_COOKIE, 8);
    cookie(path, "", VG_TOKEN_MAX);
    cookie(path, "a", 2);
    free(path);
    return 0;
}
