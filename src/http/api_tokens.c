#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/secret.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/bodies.h"
#include "http/reply.h"
#include "store/tokens.h"

void vg_api_tokens_list(struct vg_req *req)
{
    struct vg_token *tokens = NULL;
    size_t n = 0;
    int64_t owner = vg_authz_is_admin(&req->user) ? 0 : req->user.id;
    int r = vg_tokens_list(req->app->db, owner, &tokens, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "tokens");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, vg_token_to_json(&tokens[i]));
    free(tokens);
    vg_reply_json(req, 200, list);
}

void vg_api_tokens_create(struct vg_req *req)
{
    json_t *obj = NULL;
    if (vg_req_json_body(req, &obj) < 0)
        return;
    struct vg_body b;
    vg_body_init(&b, obj);
    static const char *const fields[] = {"name", "expires_in_days", NULL};
    static const char *const ignored[] = {"id",         "user_id",      "username", "created_at",
                                          "expires_at", "last_used_at", NULL};
    vg_body_only_keys(&b, fields, ignored);
    const char *name = NULL;
    unsigned days = 0;
    vg_body_string(&b, "name", VG_TOKEN_NAME_MAX - 1, true, &name);
    vg_body_uint(&b, "expires_in_days", 1, 3650, &days);
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        json_decref(obj);
        return;
    }
    int64_t expires = days ? vg_db_now() + (int64_t)days * 86400 : 0;
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    int r = vg_tokens_create(req->app->db, req->user.id, name, expires, secret, &t);
    if (r < 0) {
        vg_reply_errno(req, r, "token");
        json_decref(obj);
        return;
    }
    vg_strlcpy(t.username, sizeof(t.username), req->user.username);
    json_t *out = vg_token_to_json(&t);
    json_object_set_new(out, "token", json_string(secret));
    memset(secret, 0, sizeof(secret));
    vg_api_audit(req, "token.create", t.name, NULL);
    vg_reply_json(req, 201, out);
    json_decref(obj);
}

void vg_api_tokens_delete(struct vg_req *req)
{
    int64_t id;
    struct vg_token t;
    /* Someone else's token answers like a missing one: no probing of ids. */
    if (!vg_req_param_id(req, "id", &id) || vg_tokens_get(req->app->db, id, &t) < 0 ||
        (!vg_authz_is_admin(&req->user) && t.user_id != req->user.id)) {
        vg_reply_error(req, 404, "not_found", "token not found");
        return;
    }
    int r = vg_tokens_delete(req->app->db, id);
    if (r < 0) {
        vg_reply_errno(req, r, "token");
        return;
    }
    vg_api_audit(req, "token.delete", t.name, NULL);
    vg_reply_empty(req, 204);
}
