#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/secret.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/bodies.h"
#include "http/reply.h"
#include "store/cameras.h"
#include "store/tokens.h"
#include "store/users.h"

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

/* The body's "publish" cameras joined into out (VG_TOKEN_PUBLISH_SIZE bytes), each
 * one an existing camera. Replies 400 and returns false on a problem. */
static bool publish_cameras(struct vg_req *req, const struct vg_strlist *ids, char *out)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ids->count; i++) {
        const char *id = ids->items[i];
        struct vg_camera cam;
        if (!vg_slug_valid(id) || vg_cameras_get(req->app->db, &req->app->box, id, &cam) < 0) {
            vg_reply_error(req, 400, "bad_request", "field 'publish': no camera '%s'", id);
            return false;
        }
        vg_camera_done(&cam);
        /* Fits: at most VG_TOKEN_PUBLISH_MAX slugs of VG_SLUG_MAX - 1 and a ','. */
        len += (size_t)snprintf(out + len, VG_TOKEN_PUBLISH_SIZE - len, "%s%s", i ? "," : "", id);
    }
    return true;
}

void vg_api_tokens_create(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_strlist publish_ids = {0};
    struct vg_user owner = {0};
    char publish[VG_TOKEN_PUBLISH_SIZE];
    if (vg_req_json_body(req, &obj) < 0)
        return;
    struct vg_body b;
    vg_body_init(&b, obj);
    static const char *const fields[] = {"name", "expires_in_days", "publish", "user_id", NULL};
    static const char *const ignored[] = {"id",         "username",     "created_at",
                                          "expires_at", "last_used_at", NULL};
    vg_body_only_keys(&b, fields, ignored);
    const char *name = NULL;
    unsigned days = 0;
    int64_t user_id = req->user.id;
    vg_body_string(&b, "name", VG_TOKEN_NAME_MAX - 1, true, &name);
    vg_body_uint(&b, "expires_in_days", 1, 3650, &days);
    vg_body_strlist(&b, "publish", VG_TOKEN_PUBLISH_MAX, VG_SLUG_MAX - 1, &publish_ids);
    vg_body_id(&b, "user_id", &user_id);
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        goto out;
    }
    /* Before looking anything up, so a viewer learns nothing about other cameras
     * or users from the answer. */
    bool admin = vg_authz_is_admin(&req->user);
    if (!admin && publish_ids.count) {
        vg_reply_error(req, 403, "forbidden", "only an administrator may make a publish token");
        goto out;
    }
    if (!admin && user_id != req->user.id) {
        vg_reply_error(req, 403, "forbidden", "you may only make tokens for yourself");
        goto out;
    }
    int r = user_id != req->user.id ? vg_users_get(req->app->db, user_id, &owner) : 0;
    if (r == -ENOENT) {
        vg_reply_error(req, 400, "bad_request", "field 'user_id': no user %lld",
                       (long long)user_id);
        goto out;
    }
    if (r < 0) {
        vg_reply_errno(req, r, "token");
        goto out;
    }
    if (!publish_cameras(req, &publish_ids, publish))
        goto out;
    int64_t expires = days ? vg_db_now() + (int64_t)days * 86400 : 0;
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    r = vg_tokens_create(req->app->db, user_id, name, publish, expires, secret, &t);
    if (r < 0) {
        vg_reply_errno(req, r, "token");
        goto out;
    }
    json_t *reply = vg_token_to_json(&t);
    json_object_set_new(reply, "token", json_string(secret));
    sodium_memzero(secret, sizeof(secret));
    /* Who it acts as and what it may publish are what an auditor looks for. */
    bool other = user_id != req->user.id;
    char detail[VG_USERNAME_MAX + VG_TOKEN_PUBLISH_SIZE + 16];
    snprintf(detail, sizeof(detail), "%s%s%s%s%s", other ? "for " : "", other ? t.username : "",
             other && publish[0] ? "; " : "", publish[0] ? "publish " : "", publish);
    vg_api_audit(req, "token.create", t.name, detail[0] ? detail : NULL);
    vg_reply_json(req, 201, reply);
out:
    vg_user_done(&owner);
    vg_strlist_done(&publish_ids);
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
