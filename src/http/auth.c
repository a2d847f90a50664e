#include "http/auth.h"

#include <errno.h>
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/netaddr.h"
#include "core/secret.h"
#include "core/util.h"
#include "store/cameras.h"
#include "store/sessions.h"
#include "store/tokens.h"

static bool trusted_proxy(const struct vg_config *cfg, const char *ip)
{
    for (unsigned i = 0; i < cfg->trusted_proxies_count; i++) {
        if (vg_cidr_match(cfg->trusted_proxies[i], ip))
            return true;
    }
    return false;
}

void vg_auth_client_ip(struct vg_req *req)
{
    const char *peer = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *conn = evhttp_request_get_connection(req->ev);
    if (conn)
        evhttp_connection_get_peer(conn, (char **)&peer, &port);
    vg_strlcpy(req->ip, sizeof(req->ip), peer ? peer : "unknown");

    const struct vg_config *cfg = req->app->cfg;
    if (!cfg->trusted_proxies_count || !trusted_proxy(cfg, req->ip))
        return;
    const char *xff =
        evhttp_find_header(evhttp_request_get_input_headers(req->ev), "X-Forwarded-For");
    if (!xff || strlen(xff) > 2048)
        return;
    /* Walk right to left: each trusted hop vouches for the address before it. */
    char buf[2049];
    vg_strlcpy(buf, sizeof(buf), xff);
    for (;;) {
        char *comma = strrchr(buf, ',');
        char *item = comma ? comma + 1 : buf;
        while (*item == ' ')
            item++;
        char *end = item + strlen(item);
        while (end > item && end[-1] == ' ')
            *--end = '\0';
        if (!vg_cidr_valid(item))
            return;
        vg_strlcpy(req->ip, sizeof(req->ip), item);
        if (!trusted_proxy(cfg, item) || !comma)
            return;
        *comma = '\0';
    }
}

bool vg_auth_cookie_value(const char *header, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = len - nlen - 1;
            if (vlen + 1 > outlen)
                return false;
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return vlen > 0;
        }
        p = end;
    }
    return false;
}

static int identify_token(struct vg_req *req, const char *secret)
{
    struct vg_token tok;
    int r = vg_tokens_lookup(req->app->db, secret, vg_db_now(), &tok);
    if (r < 0)
        return -ENOENT;
    r = vg_users_get(req->app->db, tok.user_id, &req->user);
    if (r < 0)
        return -ENOENT;
    req->token_id = tok.id;
    memcpy(req->token_publish, tok.publish, sizeof(req->token_publish));
    return 0;
}

static int identify_session(struct vg_req *req, const char *secret)
{
    struct vg_session s;
    int r = vg_sessions_lookup(req->app->db, secret, vg_db_now(), &s);
    if (r < 0)
        return -EKEYEXPIRED;
    r = vg_users_get(req->app->db, s.user_id, &req->user);
    if (r < 0)
        return -EKEYEXPIRED;
    req->session_id = s.id;
    vg_strlcpy(req->csrf_token, sizeof(req->csrf_token), s.csrf_token);
    return 0;
}

int vg_auth_identify(struct vg_req *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req->ev);
    const char *authz = evhttp_find_header(h, "Authorization");
    if (authz) {
        /* A client that sends credentials means them: no fallback to the cookie. */
        if (strncasecmp(authz, "Bearer ", 7) != 0 || strlen(authz + 7) >= VG_TOKEN_MAX)
            return -ENOENT;
        return identify_token(req, authz + 7);
    }
    const char *cookie = evhttp_find_header(h, "Cookie");
    char secret[VG_TOKEN_MAX];
    if (!cookie || strlen(cookie) > 8192 ||
        !vg_auth_cookie_value(cookie, VG_SESSION_COOKIE, secret, sizeof(secret)))
        return -ENOENT;
    return identify_session(req, secret);
}

bool vg_auth_csrf_ok(struct vg_req *req)
{
    const char *got = evhttp_find_header(evhttp_request_get_input_headers(req->ev), "X-CSRF-Token");
    return got && req->csrf_token[0] && vg_secret_equal(got, req->csrf_token);
}

void vg_auth_set_cookie(struct vg_req *req, const char *secret, int64_t max_age)
{
    char cookie[256];
    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             VG_SESSION_COOKIE, secret ? secret : "", secret ? (long long)max_age : 0LL,
             req->https ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Set-Cookie", cookie);
}

bool vg_authz_is_admin(const struct vg_user *u)
{
    return u && u->id && u->role == VG_ROLE_ADMIN;
}

bool vg_authz_camera_visible(const struct vg_user *u, const char *camera_id, const char *zone)
{
    if (!u || !u->id)
        return false;
    if (u->role == VG_ROLE_ADMIN)
        return true;
    if (u->cameras.count == 0 && u->zones.count == 0)
        return true;
    if (vg_strlist_contains(&u->cameras, camera_id))
        return true;
    return zone && zone[0] && vg_strlist_contains(&u->zones, zone);
}

bool vg_authz_may_publish(const struct vg_req *req, const struct vg_camera *cam)
{
    if (!req || !cam)
        return false;
    if (vg_authz_is_admin(&req->user))
        return true;
    return req->token_id && vg_token_publish_has(req->token_publish, cam->id) &&
           vg_authz_camera_visible(&req->user, cam->id, cam->zone);
}

bool vg_authz_user_access(const struct vg_user *who, int64_t target_user_id)
{
    return vg_authz_is_admin(who) || (who && who->id && who->id == target_user_id);
}
