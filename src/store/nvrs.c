#include "store/nvrs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define NVR_COLUMNS                                                                                \
    "id, name, vendor, host, port, username, password_sealed, channels, template_main, "           \
    "template_sub, zone, created_at, updated_at"

/* Every write binds ?1..?11 in this order and the time as ?12 (nvr_bind()). */
#define NVR_VALUES "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12"
#define NVR_SET                                                                                    \
    "name = ?2, vendor = ?3, host = ?4, port = ?5, username = ?6, password_sealed = ?7, "          \
    "channels = ?8, template_main = ?9, template_sub = ?10, zone = ?11, updated_at = ?12"

void vg_nvr_done(struct vg_nvr *n)
{
    if (!n)
        return;
    free(n->name);
    free(n->host);
    free(n->username);
    vg_store_free_secret(n->password);
    free(n->template_main);
    free(n->template_sub);
    free(n->zone);
    n->name = n->host = n->username = n->password = NULL;
    n->template_main = n->template_sub = n->zone = NULL;
}

/* Copies a possibly NULL string; false only when an allocation failed. */
static bool dup_field(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return !src || *dst;
}

int vg_nvr_copy(struct vg_nvr *dst, const struct vg_nvr *src)
{
    struct vg_nvr n = *src;
    bool ok = dup_field(&n.name, src->name);
    ok = dup_field(&n.host, src->host) && ok;
    ok = dup_field(&n.username, src->username) && ok;
    ok = dup_field(&n.password, src->password) && ok;
    ok = dup_field(&n.template_main, src->template_main) && ok;
    ok = dup_field(&n.template_sub, src->template_sub) && ok;
    ok = dup_field(&n.zone, src->zone) && ok;
    if (!ok) {
        vg_nvr_done(&n);
        return -ENOMEM;
    }
    *dst = n;
    return 0;
}

static int check_nvr(const struct vg_nvr *n)
{
    if (!n || !memchr(n->id, '\0', sizeof(n->id)) || !vg_slug_valid(n->id) || !n->name ||
        !n->host || !n->host[0] || n->port == 0 || n->port > 65535 || n->channels == 0 ||
        n->channels > VG_NVR_CHANNELS_MAX || (unsigned)n->vendor > VG_NVR_GENERIC)
        return -EINVAL;
    return 0;
}

static int nvr_bind(sqlite3_stmt *st, const struct vg_secretbox *box, const struct vg_nvr *n,
                    int64_t now)
{
    int ret = vg_store_bind_text(st, 1, n->id);
    ret = ret ? ret : vg_store_bind_text(st, 2, n->name);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 3, (int)n->vendor));
    ret = ret ? ret : vg_store_bind_text(st, 4, n->host);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 5, (int)n->port));
    ret = ret ? ret : vg_store_bind_text(st, 6, n->username);
    ret = ret ? ret : vg_store_bind_sealed(st, 7, box, n->password);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 8, (int)n->channels));
    ret = ret ? ret : vg_store_bind_text(st, 9, n->template_main);
    ret = ret ? ret : vg_store_bind_text(st, 10, n->template_sub);
    ret = ret ? ret : vg_store_bind_text(st, 11, n->zone);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 12, now));
    return ret;
}

/* Runs an insert or update ending in RETURNING created_at and on success writes the
 * times into n. -ENOENT when an update found no row, -EEXIST when the id is taken. */
static int write_nvr(struct vg_db *db, const struct vg_secretbox *box, const char *sql,
                     struct vg_nvr *n)
{
    sqlite3_stmt *st = NULL;
    int64_t now = vg_db_now();
    int64_t created_at = 0;
    int ret = check_nvr(n);
    if (ret < 0)
        return ret;
    ret = vg_store_prepare(db, sql, &st);
    if (ret == 0)
        ret = nvr_bind(st, box, n, now);
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    created_at = sqlite3_column_int64(st, 0);
    ret = vg_store_step_done(st);
    if (ret < 0)
        goto out;
    n->created_at = created_at;
    n->updated_at = now;
out:
    sqlite3_finalize(st);
    return ret;
}

int vg_nvrs_insert(struct vg_db *db, const struct vg_secretbox *box, struct vg_nvr *n)
{
    return write_nvr(db, box,
                     "INSERT INTO nvrs (" NVR_COLUMNS ") VALUES (" NVR_VALUES ") "
                     "RETURNING created_at",
                     n);
}

int vg_nvrs_update(struct vg_db *db, const struct vg_secretbox *box, struct vg_nvr *n)
{
    return write_nvr(db, box, "UPDATE nvrs SET " NVR_SET " WHERE id = ?1 RETURNING created_at", n);
}

int vg_nvrs_delete(struct vg_db *db, const char *id)
{
    int64_t changes = 0;
    if (!id)
        return -EINVAL;
    int ret = vg_db_begin(db);
    if (ret < 0)
        return ret;
    /* The foreign keys cascade too; deleting explicitly keeps the promise even for a
     * connection that forgot PRAGMA foreign_keys. */
    ret = vg_store_run_text(
        db, "DELETE FROM streams WHERE camera_id IN (SELECT id FROM cameras WHERE nvr_id = ?1)", id,
        NULL);
    if (ret == 0)
        ret = vg_store_run_text(db, "DELETE FROM cameras WHERE nvr_id = ?1", id, NULL);
    if (ret == 0)
        ret = vg_store_run_text(db, "DELETE FROM nvrs WHERE id = ?1", id, &changes);
    if (ret == 0 && changes == 0)
        ret = -ENOENT;
    if (ret == 0)
        ret = vg_db_commit(db);
    if (ret < 0)
        vg_db_rollback(db);
    return ret;
}

static int nvr_from_row(sqlite3_stmt *st, const struct vg_secretbox *box, struct vg_nvr *ret_nvr)
{
    struct vg_nvr n = {0};
    vg_store_col_copy(st, 0, n.id, sizeof(n.id));
    int ret = vg_store_col_dup(st, 1, &n.name);
    ret = ret ? ret : vg_store_col_dup(st, 3, &n.host);
    ret = ret ? ret : vg_store_col_dup(st, 5, &n.username);
    ret = ret ? ret : vg_store_col_open(st, 6, box, &n.password);
    ret = ret ? ret : vg_store_col_dup(st, 8, &n.template_main);
    ret = ret ? ret : vg_store_col_dup(st, 9, &n.template_sub);
    ret = ret ? ret : vg_store_col_dup(st, 10, &n.zone);
    if (ret < 0) {
        vg_nvr_done(&n);
        return ret;
    }
    n.vendor = (enum vg_nvr_vendor)sqlite3_column_int(st, 2);
    n.port = (unsigned)sqlite3_column_int(st, 4);
    n.channels = (unsigned)sqlite3_column_int(st, 7);
    n.created_at = sqlite3_column_int64(st, 11);
    n.updated_at = sqlite3_column_int64(st, 12);
    *ret_nvr = n;
    return 0;
}

int vg_nvrs_get(struct vg_db *db, const struct vg_secretbox *box, const char *id,
                struct vg_nvr *ret_nvr)
{
    sqlite3_stmt *st = NULL;
    if (!id)
        return -EINVAL;
    int ret = vg_store_prepare(db, "SELECT " NVR_COLUMNS " FROM nvrs WHERE id = ?1", &st);
    if (ret == 0)
        ret = vg_store_bind_text(st, 1, id);
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret == 0)
        ret = nvr_from_row(st, box, ret_nvr);
    sqlite3_finalize(st);
    return ret;
}

int vg_nvrs_list(struct vg_db *db, const struct vg_secretbox *box, struct vg_nvr **ret_nvrs,
                 size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    struct vg_nvr *nvrs = NULL;
    size_t count = 0, cap = 0;
    int ret = vg_store_prepare(db, "SELECT " NVR_COLUMNS " FROM nvrs ORDER BY id", &st);
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret == 0)
            ret = vg_store_grow(&nvrs, &cap, count + 1, sizeof(*nvrs));
        if (ret == 0)
            ret = nvr_from_row(st, box, &nvrs[count]);
        if (ret == 0)
            count++;
    }
    if (ret != -ENOENT)
        goto out;
    *ret_nvrs = nvrs;
    *ret_count = count;
    nvrs = NULL;
    count = 0;
    ret = 0;
out:
    vg_nvrs_free_list(nvrs, count);
    sqlite3_finalize(st);
    return ret;
}

void vg_nvrs_free_list(struct vg_nvr *nvrs, size_t count)
{
    for (size_t i = 0; nvrs && i < count; i++)
        vg_nvr_done(&nvrs[i]);
    free(nvrs);
}
