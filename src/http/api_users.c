#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/secret.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/bodies.h"
#include "http/reply.h"
#include "store/sessions.h"

void vg_api_users_list(struct vg_req *req)
{
    struct vg_user *users = NULL;
    size_t n = 0;
    int r = vg_users_list(req->app->db, &users, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "users");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, vg_user_to_json(&users[i]));
    vg_users_free_list(users, n);
    vg_reply_json(req, 200, list);
}

/* Hashes the body's "password" into u when present. Returns 1 when set, 0 when
 * absent, -1 after replying with an error. */
static int take_password(struct vg_req *req, struct vg_body *b, struct vg_user *u, bool required)
{
    const char *pw;
    if (!vg_body_string(b, "password", VG_PASSWORD_MAX, required, &pw))
        return 0;
    if (strlen(pw) < VG_PASSWORD_MIN) {
        vg_reply_error(req, 400, "bad_request", "password must have at least %d characters",
                       VG_PASSWORD_MIN);
        return -1;
    }
    if (vg_password_hash(pw, u->password_hash) < 0) {
        vg_reply_error(req, 500, "internal", "could not hash the password");
        return -1;
    }
    return 1;
}

void vg_api_users_create(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_user u = {.role = VG_ROLE_VIEWER};
    if (vg_req_json_body(req, &obj) < 0)
        return;
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_user_from_body(&b, true, &u);
    const char *pw;
    vg_body_string(&b, "password", VG_PASSWORD_MAX, true, &pw);
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        goto out;
    }
    if (take_password(req, &b, &u, true) < 0)
        goto out;
    int r = vg_users_insert(req->app->db, &u);
    if (r < 0) {
        vg_reply_errno(req, r, "user");
        goto out;
    }
    vg_api_audit(req, "user.create", u.username, vg_role_name(u.role));
    vg_reply_json(req, 201, vg_user_to_json(&u));
out:
    vg_user_done(&u);
    json_decref(obj);
}

/* Loads the {id} user for req when the caller may see it; replies otherwise. */
static bool load_target(struct vg_req *req, struct vg_user *ret_user)
{
    int64_t id;
    if (!vg_req_param_id(req, "id", &id)) {
        vg_reply_error(req, 404, "not_found", "user not found");
        return false;
    }
    if (!vg_authz_user_access(&req->user, id)) {
        vg_reply_error(req, 403, "forbidden", "you may only see your own account");
        return false;
    }
    int r = vg_users_get(req->app->db, id, ret_user);
    if (r < 0) {
        vg_reply_errno(req, r, "user");
        return false;
    }
    return true;
}

void vg_api_users_get(struct vg_req *req)
{
    struct vg_user u = {0};
    if (load_target(req, &u))
        vg_reply_json(req, 200, vg_user_to_json(&u));
    vg_user_done(&u);
}

static bool is_last_admin(struct vg_req *req, const struct vg_user *u)
{
    int64_t total, admins;
    if (u->role != VG_ROLE_ADMIN || vg_users_count(req->app->db, &total, &admins) < 0)
        return false;
    return admins <= 1;
}

void vg_api_users_update(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_user u = {0};
    if (!load_target(req, &u))
        return;
    if (vg_req_json_body(req, &obj) < 0)
        goto out;

    bool self = u.id == req->user.id;
    bool admin = vg_authz_is_admin(&req->user);
    if (!admin) {
        const char *key;
        json_t *v;
        json_object_foreach (obj, key, v) {
            (void)v;
            if (strcmp(key, "password") != 0 && strcmp(key, "current_password") != 0 &&
                strcmp(key, "id") != 0 && strcmp(key, "created_at") != 0) {
                vg_reply_error(req, 403, "forbidden", "you may only change your own password");
                goto out;
            }
        }
    }

    enum vg_role old_role = u.role;
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_user_from_body(&b, false, &u);
    const char *current = NULL;
    vg_body_string(&b, "current_password", VG_PASSWORD_MAX, false, &current);
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        goto out;
    }
    bool changing_password = json_object_get(obj, "password") != NULL;
    if (changing_password && self && (!current || !vg_password_verify(u.password_hash, current))) {
        vg_reply_error(req, 403, "forbidden",
                       "give your current password in 'current_password' to change it");
        goto out;
    }
    if (old_role == VG_ROLE_ADMIN && u.role != VG_ROLE_ADMIN) {
        struct vg_user before = {.role = old_role};
        if (is_last_admin(req, &before)) {
            vg_reply_error(req, 409, "conflict", "the last administrator cannot be demoted");
            goto out;
        }
    }
    if (take_password(req, &b, &u, false) < 0)
        goto out;
    int r = vg_users_update(req->app->db, &u);
    if (r < 0) {
        vg_reply_errno(req, r, "user");
        goto out;
    }
    if (changing_password)
        vg_sessions_delete_user(req->app->db, u.id, self ? req->session_id : 0);
    vg_api_audit(req, "user.update", u.username, changing_password ? "password changed" : NULL);
    vg_reply_json(req, 200, vg_user_to_json(&u));
out:
    vg_user_done(&u);
    json_decref(obj);
}

void vg_api_users_delete(struct vg_req *req)
{
    struct vg_user u = {0};
    if (!load_target(req, &u))
        return;
    if (u.id == req->user.id) {
        vg_reply_error(req, 409, "conflict", "you cannot delete your own account");
        goto out;
    }
    if (is_last_admin(req, &u)) {
        vg_reply_error(req, 409, "conflict", "the last administrator cannot be deleted");
        goto out;
    }
    int r = vg_users_delete(req->app->db, u.id);
    if (r < 0) {
        vg_reply_errno(req, r, "user");
        goto out;
    }
    vg_api_audit(req, "user.delete", u.username, NULL);
    vg_reply_empty(req, 204);
out:
    vg_user_done(&u);
}
