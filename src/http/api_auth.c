#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/secret.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/bodies.h"
#include "http/lockout.h"
#include "http/reply.h"
#include "store/sessions.h"

/* A hash to verify against when the user does not exist, so the answer takes as
 * long as for a wrong password and does not reveal which usernames exist. */
static const char *dummy_hash(void)
{
    static char hash[VG_PWHASH_MAX];
    if (!hash[0] && vg_password_hash("not-a-real-password", hash) < 0)
        hash[0] = '\0';
    return hash;
}

static void reply_locked(struct vg_req *req, unsigned seconds)
{
    char retry[16];
    snprintf(retry, sizeof(retry), "%u", seconds);
    evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Retry-After", retry);
    vg_reply_error(req, 429, "too_many_requests", "too many failed logins; try again in %u seconds",
                   seconds);
}

void vg_api_login(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_user user = {0};
    if (vg_req_json_body(req, &obj) < 0)
        return;

    struct vg_body b;
    vg_body_init(&b, obj);
    static const char *const fields[] = {"username", "password", NULL};
    vg_body_only_keys(&b, fields, NULL);
    const char *username = NULL, *password = NULL;
    vg_body_string(&b, "username", VG_USERNAME_MAX - 1, true, &username);
    vg_body_string(&b, "password", VG_PASSWORD_MAX, true, &password);
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        goto out;
    }

    char user_key[96], ip_key[96];
    snprintf(user_key, sizeof(user_key), "u:%s", username);
    for (char *p = user_key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(ip_key, sizeof(ip_key), "ip:%s", req->ip);

    struct vg_app *app = req->app;
    int64_t now = vg_db_now();
    unsigned locked = vg_lockout_remaining(app->lockout, user_key, now);
    unsigned locked_ip = vg_lockout_remaining(app->lockout, ip_key, now);
    if (locked || locked_ip) {
        vg_audit_add(app->db, username, req->ip, "login_failed", username, "locked out");
        reply_locked(req, locked > locked_ip ? locked : locked_ip);
        goto out;
    }

    bool found = vg_users_get_by_name(app->db, username, &user) == 0;
    bool ok = vg_password_verify(found ? user.password_hash : dummy_hash(), password) && found;
    if (!ok) {
        vg_lockout_fail(app->lockout, user_key, now);
        vg_lockout_fail(app->lockout, ip_key, now);
        vg_warn("auth", "failed login for '%s' from %s", username, req->ip);
        vg_audit_add(app->db, username, req->ip, "login_failed", username,
                     found ? "wrong password" : "unknown user");
        vg_reply_error(req, 401, "unauthorized", "wrong username or password");
        goto out;
    }
    vg_lockout_clear(app->lockout, user_key);

    char secret[VG_TOKEN_MAX];
    struct vg_session s;
    int64_t ttl = (int64_t)app->cfg->session_ttl_hours * 3600;
    int r = vg_sessions_create(app->db, user.id, ttl, app->cfg->max_sessions_per_user, req->ip,
                               secret, &s);
    if (r < 0) {
        vg_reply_errno(req, r, "session");
        goto out;
    }
    vg_auth_set_cookie(req, secret, ttl);
    memset(secret, 0, sizeof(secret));
    vg_info("auth", "user '%s' logged in from %s", user.username, req->ip);
    /* The audit entry names the user who just logged in. */
    vg_audit_add(app->db, user.username, req->ip, "login", user.username, "");
    vg_reply_json(
        req, 200,
        json_pack("{s:o,s:s}", "user", vg_user_to_json(&user), "csrf_token", s.csrf_token));
out:
    vg_user_done(&user);
    json_decref(obj);
}

void vg_api_logout(struct vg_req *req)
{
    if (req->session_id) {
        vg_sessions_delete(req->app->db, req->session_id);
        vg_auth_set_cookie(req, NULL, 0);
    }
    vg_api_audit(req, "logout", req->user.username, NULL);
    vg_reply_empty(req, 204);
}

void vg_api_me(struct vg_req *req)
{
    json_t *csrf = req->session_id ? json_string(req->csrf_token) : json_null();
    vg_reply_json(req, 200,
                  json_pack("{s:o,s:o}", "user", vg_user_to_json(&req->user), "csrf_token", csrf));
}
