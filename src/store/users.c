#include "store/users.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define USER_COLUMNS "id, username, role, password_hash, created_at"

void vg_strlist_done(struct vg_strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

void vg_user_done(struct vg_user *u)
{
    if (!u)
        return;
    vg_strlist_done(&u->cameras);
    vg_strlist_done(&u->zones);
}

int vg_strlist_copy(struct vg_strlist *dst, const struct vg_strlist *src)
{
    struct vg_strlist l = {0};
    if (src->count > 0) {
        l.items = calloc(src->count, sizeof(*l.items));
        if (!l.items)
            return -ENOMEM;
        for (; l.count < src->count; l.count++) {
            l.items[l.count] = strdup(src->items[l.count]);
            if (!l.items[l.count]) {
                vg_strlist_done(&l);
                return -ENOMEM;
            }
        }
    }
    *dst = l;
    return 0;
}

bool vg_strlist_contains(const struct vg_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++) {
        if (strcmp(l->items[i], s) == 0)
            return true;
    }
    return false;
}

const char *vg_role_name(enum vg_role role)
{
    switch (role) {
    case VG_ROLE_ADMIN:
        return "admin";
    case VG_ROLE_VIEWER:
        return "viewer";
    }
    return "unknown";
}

int vg_role_parse(const char *name, enum vg_role *ret_role)
{
    if (!name)
        return -EINVAL;
    if (strcmp(name, "admin") == 0) {
        *ret_role = VG_ROLE_ADMIN;
        return 0;
    }
    if (strcmp(name, "viewer") == 0) {
        *ret_role = VG_ROLE_VIEWER;
        return 0;
    }
    return -EINVAL;
}

bool vg_username_valid(const char *name)
{
    if (!name || !name[0])
        return false;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok || n >= VG_USERNAME_MAX - 1)
            return false;
    }
    return true;
}

static int strlist_push(struct vg_strlist *l, size_t *cap, const char *s)
{
    char *copy = vg_store_dup(s);
    if (!copy)
        return -ENOMEM;
    int ret = vg_store_grow(&l->items, cap, l->count + 1, sizeof(*l->items));
    if (ret < 0) {
        free(copy);
        return ret;
    }
    l->items[l->count++] = copy;
    return 0;
}

/* Fills u->cameras and u->zones from user_scopes, in the order they were written. */
static int load_scopes(struct vg_db *db, struct vg_user *u)
{
    sqlite3_stmt *st = NULL;
    struct vg_strlist cameras = {0}, zones = {0};
    size_t cameras_cap = 0, zones_cap = 0;
    int ret = vg_store_prepare(
        db, "SELECT kind, value FROM user_scopes WHERE user_id = ?1 ORDER BY rowid", &st);
    if (ret < 0)
        goto out;
    ret = vg_db_errno(sqlite3_bind_int64(st, 1, u->id));
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret < 0)
            break;
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        if (!kind || !value)
            ret = -ENOMEM;
        else if (strcmp(kind, "camera") == 0)
            ret = strlist_push(&cameras, &cameras_cap, value);
        else
            ret = strlist_push(&zones, &zones_cap, value);
    }
    if (ret != -ENOENT)
        goto out;
    u->cameras = cameras;
    u->zones = zones;
    cameras = (struct vg_strlist){0};
    zones = (struct vg_strlist){0};
    ret = 0;
out:
    vg_strlist_done(&cameras);
    vg_strlist_done(&zones);
    sqlite3_finalize(st);
    return ret;
}

static int insert_scope_list(sqlite3_stmt *st, const char *kind, const struct vg_strlist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        if (!l->items[i])
            return -EINVAL;
        sqlite3_reset(st);
        int ret = vg_store_bind_text(st, 2, kind);
        if (ret == 0)
            ret = vg_store_bind_text(st, 3, l->items[i]);
        if (ret == 0)
            ret = vg_store_step_done(st);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* Replaces the scopes of u->id; runs inside the caller's transaction. */
static int write_scopes(struct vg_db *db, const struct vg_user *u)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_run_int64(db, "DELETE FROM user_scopes WHERE user_id = ?1", &u->id, 1, NULL);
    if (ret < 0)
        goto out;
    /* OR IGNORE: a name listed twice is one scope, not an error. */
    ret = vg_store_prepare(db,
                           "INSERT OR IGNORE INTO user_scopes (user_id, kind, value) "
                           "VALUES (?1, ?2, ?3)",
                           &st);
    if (ret < 0)
        goto out;
    ret = vg_db_errno(sqlite3_bind_int64(st, 1, u->id));
    if (ret == 0)
        ret = insert_scope_list(st, "camera", &u->cameras);
    if (ret == 0)
        ret = insert_scope_list(st, "zone", &u->zones);
out:
    sqlite3_finalize(st);
    return ret;
}

static int check_user(const struct vg_user *u)
{
    if (!u || !vg_username_valid(u->username) ||
        (u->role != VG_ROLE_VIEWER && u->role != VG_ROLE_ADMIN) ||
        !memchr(u->password_hash, '\0', sizeof(u->password_hash)))
        return -EINVAL;
    return 0;
}

/* Binds username, role and hash as parameters 1..3. */
static int bind_user(sqlite3_stmt *st, const struct vg_user *u)
{
    int ret = vg_store_bind_text(st, 1, u->username);
    if (ret == 0)
        ret = vg_db_errno(sqlite3_bind_int(st, 2, (int)u->role));
    if (ret == 0)
        ret = vg_store_bind_text(st, 3, u->password_hash);
    return ret;
}

int vg_users_insert(struct vg_db *db, struct vg_user *u)
{
    sqlite3_stmt *st = NULL;
    bool in_tx = false;
    int64_t now = vg_db_now();
    struct vg_user row;

    int ret = check_user(u);
    if (ret < 0)
        return ret;
    ret = vg_db_begin(db);
    if (ret < 0)
        goto out;
    in_tx = true;
    ret = vg_store_prepare(db,
                           "INSERT INTO users (username, role, password_hash, created_at) "
                           "VALUES (?1, ?2, ?3, ?4)",
                           &st);
    if (ret < 0)
        goto out;
    ret = bind_user(st, u);
    if (ret == 0)
        ret = vg_db_errno(sqlite3_bind_int64(st, 4, now));
    if (ret == 0)
        ret = vg_store_step_done(st);
    if (ret < 0)
        goto out;
    /* The scopes are written with the new id, but u stays untouched until commit. */
    row = *u;
    row.id = sqlite3_last_insert_rowid(db->h);
    ret = write_scopes(db, &row);
    if (ret < 0)
        goto out;
    ret = vg_db_commit(db);
    if (ret < 0)
        goto out;
    in_tx = false;
    u->id = row.id;
    u->created_at = now;
out:
    sqlite3_finalize(st);
    if (in_tx)
        vg_db_rollback(db);
    return ret;
}

int vg_users_update(struct vg_db *db, const struct vg_user *u)
{
    sqlite3_stmt *st = NULL;
    bool in_tx = false;

    int ret = check_user(u);
    if (ret < 0)
        return ret;
    ret = vg_db_begin(db);
    if (ret < 0)
        goto out;
    in_tx = true;
    ret = vg_store_prepare(
        db, "UPDATE users SET username = ?1, role = ?2, password_hash = ?3 WHERE id = ?4", &st);
    if (ret < 0)
        goto out;
    ret = bind_user(st, u);
    if (ret == 0)
        ret = vg_db_errno(sqlite3_bind_int64(st, 4, u->id));
    if (ret == 0)
        ret = vg_store_step_done(st);
    if (ret == 0 && sqlite3_changes(db->h) == 0)
        ret = -ENOENT;
    if (ret < 0)
        goto out;
    ret = write_scopes(db, u);
    if (ret < 0)
        goto out;
    ret = vg_db_commit(db);
    if (ret < 0)
        goto out;
    in_tx = false;
out:
    sqlite3_finalize(st);
    if (in_tx)
        vg_db_rollback(db);
    return ret;
}

int vg_users_delete(struct vg_db *db, int64_t id)
{
    int64_t changes = 0;
    /* Sessions, tokens and scopes go with the row (ON DELETE CASCADE). */
    int ret = vg_store_run_int64(db, "DELETE FROM users WHERE id = ?1", &id, 1, &changes);
    if (ret == 0 && changes == 0)
        ret = -ENOENT;
    return ret;
}

/* Reads the current row of a USER_COLUMNS statement and the user's scopes. */
static int user_from_row(struct vg_db *db, sqlite3_stmt *st, struct vg_user *ret_user)
{
    struct vg_user u = {0};
    u.id = sqlite3_column_int64(st, 0);
    vg_store_col_copy(st, 1, u.username, sizeof(u.username));
    u.role = sqlite3_column_int(st, 2) == VG_ROLE_ADMIN ? VG_ROLE_ADMIN : VG_ROLE_VIEWER;
    vg_store_col_copy(st, 3, u.password_hash, sizeof(u.password_hash));
    u.created_at = sqlite3_column_int64(st, 4);
    int ret = load_scopes(db, &u);
    if (ret < 0)
        return ret;
    *ret_user = u;
    return 0;
}

/* One user by id (name NULL) or by name, which matches without regard to case. */
static int get_user(struct vg_db *db, int64_t id, const char *name, struct vg_user *ret_user)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db,
                               name ? "SELECT " USER_COLUMNS " FROM users WHERE username = ?1"
                                    : "SELECT " USER_COLUMNS " FROM users WHERE id = ?1",
                               &st);
    if (ret < 0)
        goto out;
    ret = name ? vg_store_bind_text(st, 1, name) : vg_db_errno(sqlite3_bind_int64(st, 1, id));
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret == 0)
        ret = user_from_row(db, st, ret_user);
out:
    sqlite3_finalize(st);
    return ret;
}

int vg_users_get(struct vg_db *db, int64_t id, struct vg_user *ret_user)
{
    return get_user(db, id, NULL, ret_user);
}

int vg_users_get_by_name(struct vg_db *db, const char *username, struct vg_user *ret_user)
{
    if (!username)
        return -EINVAL;
    return get_user(db, 0, username, ret_user);
}

int vg_users_list(struct vg_db *db, struct vg_user **ret_users, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    struct vg_user *users = NULL;
    size_t count = 0, cap = 0;
    int ret = vg_store_prepare(db, "SELECT " USER_COLUMNS " FROM users ORDER BY id", &st);
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret == 0)
            ret = vg_store_grow(&users, &cap, count + 1, sizeof(*users));
        if (ret == 0)
            ret = user_from_row(db, st, &users[count]);
        if (ret == 0)
            count++;
    }
    if (ret != -ENOENT)
        goto out;
    *ret_users = users;
    *ret_count = count;
    users = NULL;
    count = 0;
    ret = 0;
out:
    vg_users_free_list(users, count);
    sqlite3_finalize(st);
    return ret;
}

void vg_users_free_list(struct vg_user *users, size_t count)
{
    for (size_t i = 0; users && i < count; i++)
        vg_user_done(&users[i]);
    free(users);
}

int vg_users_count(struct vg_db *db, int64_t *ret_total, int64_t *ret_admins)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db, "SELECT COUNT(*), COALESCE(SUM(role = ?1), 0) FROM users", &st);
    if (ret < 0)
        goto out;
    ret = vg_db_errno(sqlite3_bind_int(st, 1, VG_ROLE_ADMIN));
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    *ret_total = sqlite3_column_int64(st, 0);
    *ret_admins = sqlite3_column_int64(st, 1);
out:
    sqlite3_finalize(st);
    return ret;
}
