/* Users: username, Argon2id hash, role, and the cameras/zones a viewer may see. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/secret.h"
#include "store/db.h"

#define VG_USERNAME_MAX 65 /* 64 chars + NUL */

enum vg_role { VG_ROLE_VIEWER = 0, VG_ROLE_ADMIN = 1 };

struct vg_strlist {
    char **items;
    size_t count;
};

struct vg_user {
    int64_t id;
    char username[VG_USERNAME_MAX];
    enum vg_role role;
    char password_hash[VG_PWHASH_MAX];
    struct vg_strlist cameras; /* empty: no camera restriction */
    struct vg_strlist zones;   /* empty: no zone restriction */
    int64_t created_at;
};

/* Frees the lists inside; the struct itself is the caller's. Accepts NULL. */
void vg_user_done(struct vg_user *u);
void vg_strlist_done(struct vg_strlist *l);
/* Deep copy of src into dst (dst uninitialised). Returns 0 or -ENOMEM. */
int vg_strlist_copy(struct vg_strlist *dst, const struct vg_strlist *src);
bool vg_strlist_contains(const struct vg_strlist *l, const char *s);

const char *vg_role_name(enum vg_role role);
int vg_role_parse(const char *name, enum vg_role *ret_role);

/* True for 1..64 chars of [A-Za-z0-9._@-]. */
bool vg_username_valid(const char *name);

/* Inserts u (id and created_at are set on success). -EEXIST when the username is
 * taken in any case, -EINVAL for an invalid username or role. */
int vg_users_insert(struct vg_db *db, struct vg_user *u);
/* Replaces username, role, hash and lists of the row u->id. -ENOENT, -EEXIST. */
int vg_users_update(struct vg_db *db, const struct vg_user *u);
/* Deletes the user, their sessions and tokens. -ENOENT when absent. */
int vg_users_delete(struct vg_db *db, int64_t id);
/* *ret_user filled (caller calls vg_user_done). -ENOENT when absent. */
int vg_users_get(struct vg_db *db, int64_t id, struct vg_user *ret_user);
/* Usernames match without regard to ASCII case, as they are unique that way. */
int vg_users_get_by_name(struct vg_db *db, const char *username, struct vg_user *ret_user);
/* All users ordered by id. *ret_users is an array the caller frees with
 * vg_users_free_list(). */
int vg_users_list(struct vg_db *db, struct vg_user **ret_users, size_t *ret_count);
void vg_users_free_list(struct vg_user *users, size_t count);
/* Number of users in total, and of admins. */
int vg_users_count(struct vg_db *db, int64_t *ret_total, int64_t *ret_admins);
