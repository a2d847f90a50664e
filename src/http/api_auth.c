#include <ctype.h>
#include <event2/http.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/workers.h"
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

/* A login waiting for its Argon2id check on a worker: the hash costs tens of
 * milliseconds and 64 MiB, which must not stall every stream on the loop. */
struct login_job {
    struct evhttp_request *ev; /* NULL once the client has gone */
    struct evhttp_connection *conn;
    struct vg_app *app;
    char ip[64];
    bool https;
    bool found;
    bool ok; /* written by the worker */
    char username[VG_USERNAME_MAX];
    char user_key[96], ip_key[96];
    char password[VG_PASSWORD_MAX + 1];
    char hash[VG_PWHASH_MAX];
};

static void login_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct login_job *j = arg;
    vg_reply_abandoned(j->ev);
    j->ev = NULL;
}

static void login_work(void *arg)
{
    struct login_job *j = arg;
    j->ok = vg_password_verify(j->hash, j->password) && j->found;
    sodium_memzero(j->password, sizeof(j->password));
}

static void login_finish(struct vg_req *req, struct login_job *j)
{
    struct vg_app *app = j->app;
    int64_t now = vg_db_now();
    struct vg_user user = {0};
    if (!j->ok || vg_users_get_by_name(app->db, j->username, &user) < 0) {
        vg_lockout_fail(app->lockout, j->user_key, now);
        vg_lockout_fail(app->lockout, j->ip_key, now);
        vg_warn("auth", "failed login for '%s' from %s", j->username, j->ip);
        vg_audit_add(app->db, j->username, j->ip, "login_failed", j->username,
                     j->found ? "wrong password" : "unknown user");
        vg_reply_error(req, 401, "unauthorized", "wrong username or password");
        goto out;
    }
    vg_lockout_clear(app->lockout, j->user_key);

    char secret[VG_TOKEN_MAX];
    struct vg_session s;
    int64_t ttl = (int64_t)app->cfg->session_ttl_hours * 3600;
    int r = vg_sessions_create(app->db, user.id, ttl, app->cfg->max_sessions_per_user, j->ip,
                               secret, &s);
    if (r < 0) {
        vg_reply_errno(req, r, "session");
        goto out;
    }
    vg_auth_set_cookie(req, secret, ttl);
    sodium_memzero(secret, sizeof(secret));
    vg_info("auth", "user '%s' logged in from %s", user.username, j->ip);
    vg_audit_add(app->db, user.username, j->ip, "login", user.username, "");
    vg_reply_json(
        req, 200,
        json_pack("{s:o,s:s}", "user", vg_user_to_json(&user), "csrf_token", s.csrf_token));
out:
    vg_user_done(&user);
}

static void login_done(void *arg, bool cancelled)
{
    struct login_job *j = arg;
    if (j->ev) {
        evhttp_connection_set_closecb(j->conn, NULL, NULL);
        struct vg_req req = {.ev = j->ev, .app = j->app, .https = j->https};
        vg_strlcpy(req.ip, sizeof(req.ip), j->ip);
        if (cancelled)
            vg_reply_error(&req, 503, "service_unavailable", "shutting down");
        else
            login_finish(&req, j);
    }
    sodium_memzero(j, sizeof(*j));
    free(j);
}

static const struct vg_job_ops login_ops = {.work = login_work, .done = login_done};

void vg_api_login(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_user user = {0};
    struct login_job *j = NULL;
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
    j = calloc(1, sizeof(*j));
    if (!j) {
        vg_reply_error(req, 500, "internal", "out of memory");
        goto out;
    }
    snprintf(j->user_key, sizeof(j->user_key), "u:%s", username);
    for (char *p = j->user_key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(j->ip_key, sizeof(j->ip_key), "ip:%s", req->ip);

    struct vg_app *app = req->app;
    int64_t now = vg_db_now();
    unsigned locked = vg_lockout_remaining(app->lockout, j->user_key, now);
    unsigned locked_ip = vg_lockout_remaining(app->lockout, j->ip_key, now);
    if (locked || locked_ip) {
        vg_audit_add(app->db, username, req->ip, "login_failed", username, "locked out");
        reply_locked(req, locked > locked_ip ? locked : locked_ip);
        goto out;
    }

    j->found = vg_users_get_by_name(app->db, username, &user) == 0;
    /* dummy_hash() is made here, on the loop, never by two workers at once. */
    vg_strlcpy(j->hash, sizeof(j->hash), j->found ? user.password_hash : dummy_hash());
    vg_strlcpy(j->username, sizeof(j->username), username);
    vg_strlcpy(j->password, sizeof(j->password), password);
    vg_strlcpy(j->ip, sizeof(j->ip), req->ip);
    j->https = req->https;
    j->app = app;
    j->ev = req->ev;
    j->conn = evhttp_request_get_connection(req->ev);
    int r = vg_workers_submit(app->workers, &login_ops, j);
    if (r < 0) {
        vg_reply_error(req, 503, "service_unavailable", "too many logins at once; try again");
        goto out;
    }
    evhttp_connection_set_closecb(j->conn, login_conn_closed, j);
    j = NULL; /* owned by the job now */
out:
    if (j) {
        sodium_memzero(j, sizeof(*j));
        free(j);
    }
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
