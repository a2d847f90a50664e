/* API tokens: "vgt_" + 256 random bits, stored as SHA-256; they act as their user. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "store/db.h"

#define VG_TOKEN_NAME_MAX 129

/* A token may publish to at most this many cameras. The list is camera ids (slugs,
 * at most VG_SLUG_MAX - 1 characters, never a ',') joined by ',', so it always
 * fits VG_TOKEN_PUBLISH_SIZE bytes with its NUL. */
#define VG_TOKEN_PUBLISH_MAX 64
#define VG_TOKEN_PUBLISH_SIZE (VG_TOKEN_PUBLISH_MAX * VG_SLUG_MAX)

struct vg_token {
    int64_t id;
    int64_t user_id;
    char username[65]; /* filled by get/list (join) */
    char name[VG_TOKEN_NAME_MAX];
    /* The cameras this token may publish video to (WHIP): ids joined by ',', ""
     * for none. Publishing also needs the user to see the camera
     * (http/auth.h vg_authz_may_publish). */
    char publish[VG_TOKEN_PUBLISH_SIZE];
    int64_t created_at;
    int64_t expires_at;   /* 0: never */
    int64_t last_used_at; /* 0: never */
};

/* True for "" or 1..VG_TOKEN_PUBLISH_MAX valid slugs joined by single ',', none
 * listed twice. Pure. */
bool vg_token_publish_valid(const char *publish);

/* True when the publish list (as in struct vg_token) names camera_id exactly.
 * NULL list or id: false. Pure. */
bool vg_token_publish_has(const char *publish, const char *camera_id);

/* True when t's publish list names camera_id. This is the token's own grant
 * only; whether a request may publish is vg_authz_may_publish (http/auth.h). */
bool vg_token_may_publish(const struct vg_token *t, const char *camera_id);

/* Creates a token; ret_secret (VG_TOKEN_MAX bytes) receives the only copy of the
 * secret. publish is the list of cameras it may publish to (see
 * vg_token_publish_valid; NULL is ""); the cameras are not looked up here.
 * expires_at 0 means never; a time already past or an invalid publish list is
 * -EINVAL. -ENOENT when user_id names no user. */
int vg_tokens_create(struct vg_db *db, int64_t user_id, const char *name, const char *publish,
                     int64_t expires_at, char *ret_secret, struct vg_token *ret_token);
/* -ENOENT when unknown or expired. Updates last_used_at at most once a minute. */
int vg_tokens_lookup(struct vg_db *db, const char *secret, int64_t now, struct vg_token *ret_token);
int vg_tokens_get(struct vg_db *db, int64_t id, struct vg_token *ret_token);
/* user_id 0: all tokens. Caller frees *ret_tokens with free(). */
int vg_tokens_list(struct vg_db *db, int64_t user_id, struct vg_token **ret_tokens,
                   size_t *ret_count);
int vg_tokens_delete(struct vg_db *db, int64_t id);
