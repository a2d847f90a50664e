/* Login sessions. The cookie carries a random secret; the store keeps only its
 * SHA-256, so a copy of the database does not let anyone in. */
#pragma once

#include <stdint.h>

#include "core/secret.h"
#include "store/db.h"

struct vg_session {
    int64_t id;
    int64_t user_id;
    char csrf_token[VG_TOKEN_MAX];
    int64_t created_at;
    int64_t expires_at;
    int64_t last_seen_at;
    char ip[64];
};

/* Creates a session for user_id lasting ttl_seconds from now, writes the cookie
 * secret into ret_secret (VG_TOKEN_MAX bytes, shown to the client once) and the
 * session into *ret_session. Then keeps only the newest max_per_user sessions of
 * that user (older ones are deleted), all in one transaction. -EINVAL for a ttl or
 * max_per_user of 0, -ENOENT when user_id names no user. */
int vg_sessions_create(struct vg_db *db, int64_t user_id, int64_t ttl_seconds,
                       unsigned max_per_user, const char *ip, char *ret_secret,
                       struct vg_session *ret_session);

/* Finds the live session whose secret this is: -ENOENT when unknown or expired
 * (an expired one is deleted). Updates last_seen_at at most once a minute. */
int vg_sessions_lookup(struct vg_db *db, const char *secret, int64_t now,
                       struct vg_session *ret_session);

/* -ENOENT when there was no such session. */
int vg_sessions_delete(struct vg_db *db, int64_t id);
/* Deletes every session of user_id except keep_id (0: all). */
int vg_sessions_delete_user(struct vg_db *db, int64_t user_id, int64_t keep_id);
/* Deletes expired sessions; returns how many, or a negative errno. */
int vg_sessions_purge_expired(struct vg_db *db, int64_t now);
/* Number of sessions of user_id. */
int vg_sessions_count(struct vg_db *db, int64_t user_id, int64_t *ret_count);
