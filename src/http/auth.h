/* Who is asking and what they may do: client address, session cookie, bearer
 * token, CSRF, and the per-camera authorization rules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "http/router.h"
#include "store/users.h"

struct vg_camera;

#define VG_SESSION_COOKIE "vigil_session"

/* Sets req->ip: the peer address, or when the peer is a trusted proxy the
 * right-most X-Forwarded-For address that is not itself a trusted proxy. */
void vg_auth_client_ip(struct vg_req *req);

/* Authenticates by "Authorization: Bearer" or the session cookie and fills
 * req->user and session_id/token_id. Returns 0, -ENOENT (anonymous or unknown
 * credentials) or -EKEYEXPIRED (a cookie whose session is gone). */
int vg_auth_identify(struct vg_req *req);

/* True when the X-CSRF-Token header matches the session's token (constant time). */
bool vg_auth_csrf_ok(struct vg_req *req);

/* Set-Cookie for a new session (HttpOnly, SameSite=Strict, Path=/, Secure under
 * HTTPS), or one that clears it when secret is NULL. */
void vg_auth_set_cookie(struct vg_req *req, const char *secret, int64_t max_age);

/* Reads the value of a cookie from a Cookie header into out. Pure. */
bool vg_auth_cookie_value(const char *header, const char *name, char *out, size_t outlen);

/* Authorization rules (pure). A viewer with no camera and no zone list sees every
 * camera; otherwise a camera is visible when its id is listed or its zone is. */
bool vg_authz_camera_visible(const struct vg_user *u, const char *camera_id, const char *zone);
bool vg_authz_is_admin(const struct vg_user *u);
/* Whether req may publish video to cam (WHIP): an admin may publish to any
 * camera; anyone else only with a bearer token whose publish list names cam->id
 * (store/tokens.h), and only to a camera their user may see
 * (vg_authz_camera_visible). A cookie session of a viewer never may. Whether the
 * camera takes published video at all (a webrtc camera) is the caller's check.
 * Pure: reads req's identity only. */
bool vg_authz_may_publish(const struct vg_req *req, const struct vg_camera *cam);
/* A user may read and change their own account; an admin any. */
bool vg_authz_user_access(const struct vg_user *who, int64_t target_user_id);
