/* API tokens: "vgt_" + 256 random bits, stored as SHA-256; they act as their user. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

#define VG_TOKEN_NAME_MAX 129

struct vg_token {
    int64_t id;
    int64_t user_id;
    char username[65]; /* filled by get/list (join) */
    char name[VG_TOKEN_NAME_MAX];
    int64_t created_at;
    int64_t expires_at;   /* 0: never */
    int64_t last_used_at; /* 0: never */
};

/* Creates a token; ret_secret (VG_TOKEN_MAX bytes) receives the only copy of the
 * secret. expires_at 0 means never; a time already past is -EINVAL. -ENOENT when
 * user_id names no user. */
int vg_tokens_create(struct vg_db *db, int64_t user_id, const char *name, int64_t expires_at,
                     char *ret_secret, struct vg_token *ret_token);
/* -ENOENT when unknown or expired. Updates last_used_at at most once a minute. */
int vg_tokens_lookup(struct vg_db *db, const char *secret, int64_t now, struct vg_token *ret_token);
int vg_tokens_get(struct vg_db *db, int64_t id, struct vg_token *ret_token);
/* user_id 0: all tokens. Caller frees *ret_tokens with free(). */
int vg_tokens_list(struct vg_db *db, int64_t user_id, struct vg_token **ret_tokens,
                   size_t *ret_count);
int vg_tokens_delete(struct vg_db *db, int64_t id);
