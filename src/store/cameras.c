#include "store/cameras.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define CAMERA_COLUMNS                                                                             \
    "id, name, zone, main_url_sealed, sub_url_sealed, username, password_sealed, enabled, "        \
    "record, source, nvr_id, nvr_channel, created_at, updated_at"

/* Every write binds ?1..?12 in this order and the time as ?13 (camera_bind()). */
#define CAMERA_VALUES "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13"
#define CAMERA_SET                                                                                 \
    "name = ?2, zone = ?3, main_url_sealed = ?4, sub_url_sealed = ?5, username = ?6, "             \
    "password_sealed = ?7, enabled = ?8, record = ?9, source = ?10, nvr_id = ?11, "                \
    "nvr_channel = ?12, updated_at = ?13"

const char *vg_camera_source_name(enum vg_camera_source s)
{
    switch (s) {
    case VG_CAMERA_API:
        return "api";
    case VG_CAMERA_CONFIG:
        return "config";
    case VG_CAMERA_DEMO:
        return "demo";
    case VG_CAMERA_NVR:
        return "nvr";
    }
    return "unknown";
}

bool vg_camera_readonly(const struct vg_camera *c)
{
    return c->source == VG_CAMERA_CONFIG || c->source == VG_CAMERA_DEMO;
}

void vg_camera_done(struct vg_camera *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->zone);
    free(c->username);
    vg_store_free_secret(c->main_url);
    vg_store_free_secret(c->sub_url);
    vg_store_free_secret(c->password);
    c->name = c->zone = c->username = c->main_url = c->sub_url = c->password = NULL;
}

/* Copies a possibly NULL string; false only when an allocation failed. */
static bool dup_field(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return !src || *dst;
}

int vg_camera_copy(struct vg_camera *dst, const struct vg_camera *src)
{
    struct vg_camera c = *src;
    bool ok = dup_field(&c.name, src->name);
    ok = dup_field(&c.zone, src->zone) && ok;
    ok = dup_field(&c.main_url, src->main_url) && ok;
    ok = dup_field(&c.sub_url, src->sub_url) && ok;
    ok = dup_field(&c.username, src->username) && ok;
    ok = dup_field(&c.password, src->password) && ok;
    if (!ok) {
        vg_camera_done(&c);
        return -ENOMEM;
    }
    *dst = c;
    return 0;
}

static bool fixed_string_valid(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static int check_camera(const struct vg_camera *c)
{
    if (!c || !fixed_string_valid(c->id, sizeof(c->id)) || !vg_slug_valid(c->id) || !c->name ||
        !c->main_url || !fixed_string_valid(c->nvr_id, sizeof(c->nvr_id)) ||
        (c->nvr_id[0] && !vg_slug_valid(c->nvr_id)) || (unsigned)c->source > VG_CAMERA_NVR)
        return -EINVAL;
    return 0;
}

static int camera_bind(sqlite3_stmt *st, const struct vg_secretbox *box, const struct vg_camera *c,
                       int64_t now)
{
    int ret = vg_store_bind_text(st, 1, c->id);
    ret = ret ? ret : vg_store_bind_text(st, 2, c->name);
    ret = ret ? ret : vg_store_bind_text(st, 3, c->zone);
    /* URLs are sealed too: rtsp://user:pass@host carries the password in them. */
    ret = ret ? ret : vg_store_bind_sealed(st, 4, box, c->main_url);
    ret = ret ? ret : vg_store_bind_sealed(st, 5, box, c->sub_url);
    ret = ret ? ret : vg_store_bind_text(st, 6, c->username);
    ret = ret ? ret : vg_store_bind_sealed(st, 7, box, c->password);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 8, c->enabled));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 9, c->record));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 10, (int)c->source));
    /* NULL, not "", when there is no NVR: the foreign key would reject "". */
    if (ret == 0 && c->nvr_id[0])
        ret = vg_store_bind_text(st, 11, c->nvr_id);
    else if (ret == 0)
        ret = vg_db_errno(sqlite3_bind_null(st, 11));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 12, c->nvr_channel));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 13, now));
    return ret;
}

/* Runs an insert, update or upsert that ends in RETURNING created_at, and on success
 * writes the times into c. -ENOENT when an update found no row. */
static int write_camera(struct vg_db *db, const struct vg_secretbox *box, const char *sql,
                        struct vg_camera *c)
{
    sqlite3_stmt *st = NULL;
    int64_t now = vg_db_now();
    int64_t created_at = 0;
    int ret = check_camera(c);
    if (ret < 0)
        return ret;
    ret = vg_store_prepare(db, sql, &st);
    if (ret == 0)
        ret = camera_bind(st, box, c, now);
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    created_at = sqlite3_column_int64(st, 0);
    ret = vg_store_step_done(st);
    if (ret < 0)
        goto out;
    c->created_at = created_at;
    c->updated_at = now;
out:
    sqlite3_finalize(st);
    return ret;
}

int vg_cameras_insert(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c)
{
    return write_camera(db, box,
                        "INSERT INTO cameras (" CAMERA_COLUMNS ") VALUES (" CAMERA_VALUES ") "
                        "RETURNING created_at",
                        c);
}

int vg_cameras_update(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c)
{
    return write_camera(db, box,
                        "UPDATE cameras SET " CAMERA_SET " WHERE id = ?1 RETURNING created_at", c);
}

int vg_cameras_upsert(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c)
{
    /* ON CONFLICT DO UPDATE rather than INSERT OR REPLACE: REPLACE deletes the row
     * first, which would lose created_at and fire cascades on rows that refer to it. */
    return write_camera(db, box,
                        "INSERT INTO cameras (" CAMERA_COLUMNS ") VALUES (" CAMERA_VALUES ") "
                        "ON CONFLICT (id) DO UPDATE SET " CAMERA_SET " RETURNING created_at",
                        c);
}

int vg_cameras_delete(struct vg_db *db, const char *id)
{
    int64_t changes = 0;
    if (!id)
        return -EINVAL;
    int ret = vg_store_run_text(db, "DELETE FROM cameras WHERE id = ?1", id, &changes);
    if (ret == 0 && changes == 0)
        ret = -ENOENT;
    return ret;
}

static int camera_from_row(sqlite3_stmt *st, const struct vg_secretbox *box,
                           struct vg_camera *ret_camera)
{
    struct vg_camera c = {0};
    vg_store_col_copy(st, 0, c.id, sizeof(c.id));
    int ret = vg_store_col_dup(st, 1, &c.name);
    ret = ret ? ret : vg_store_col_dup(st, 2, &c.zone);
    ret = ret ? ret : vg_store_col_open(st, 3, box, &c.main_url);
    ret = ret ? ret : vg_store_col_open(st, 4, box, &c.sub_url);
    ret = ret ? ret : vg_store_col_dup(st, 5, &c.username);
    ret = ret ? ret : vg_store_col_open(st, 6, box, &c.password);
    if (ret < 0) {
        vg_camera_done(&c);
        return ret;
    }
    c.enabled = sqlite3_column_int(st, 7) != 0;
    c.record = sqlite3_column_int(st, 8) != 0;
    c.source = (enum vg_camera_source)sqlite3_column_int(st, 9);
    vg_store_col_copy(st, 10, c.nvr_id, sizeof(c.nvr_id));
    c.nvr_channel = sqlite3_column_int(st, 11);
    c.created_at = sqlite3_column_int64(st, 12);
    c.updated_at = sqlite3_column_int64(st, 13);
    *ret_camera = c;
    return 0;
}

int vg_cameras_get(struct vg_db *db, const struct vg_secretbox *box, const char *id,
                   struct vg_camera *ret_camera)
{
    sqlite3_stmt *st = NULL;
    if (!id)
        return -EINVAL;
    int ret = vg_store_prepare(db, "SELECT " CAMERA_COLUMNS " FROM cameras WHERE id = ?1", &st);
    if (ret == 0)
        ret = vg_store_bind_text(st, 1, id);
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret == 0)
        ret = camera_from_row(st, box, ret_camera);
    sqlite3_finalize(st);
    return ret;
}

int vg_cameras_list(struct vg_db *db, const struct vg_secretbox *box, const char *nvr_id,
                    struct vg_camera **ret_cameras, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    struct vg_camera *cams = NULL;
    size_t count = 0, cap = 0;
    int ret = vg_store_prepare(db,
                               nvr_id ? "SELECT " CAMERA_COLUMNS
                                        " FROM cameras WHERE nvr_id = ?1 ORDER BY id"
                                      : "SELECT " CAMERA_COLUMNS " FROM cameras ORDER BY id",
                               &st);
    if (ret < 0)
        goto out;
    if (nvr_id)
        ret = vg_store_bind_text(st, 1, nvr_id);
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret == 0)
            ret = vg_store_grow(&cams, &cap, count + 1, sizeof(*cams));
        if (ret == 0)
            ret = camera_from_row(st, box, &cams[count]);
        if (ret == 0)
            count++;
    }
    if (ret != -ENOENT)
        goto out;
    *ret_cameras = cams;
    *ret_count = count;
    cams = NULL;
    count = 0;
    ret = 0;
out:
    vg_cameras_free_list(cams, count);
    sqlite3_finalize(st);
    return ret;
}

void vg_cameras_free_list(struct vg_camera *cams, size_t count)
{
    for (size_t i = 0; cams && i < count; i++)
        vg_camera_done(&cams[i]);
    free(cams);
}

static bool in_list(const char *const *list, size_t count, const char *s)
{
    for (size_t i = 0; i < count; i++) {
        if (list[i] && strcmp(list[i], s) == 0)
            return true;
    }
    return false;
}

/* Deletes, inside the caller's transaction, each camera of source whose id is not
 * kept. The ids are collected first: deleting from a table while a SELECT on it is
 * still stepping is undefined in SQLite. */
static int delete_unkept(struct vg_db *db, enum vg_camera_source source, const char *const *keep,
                         size_t keep_count)
{
    sqlite3_stmt *st = NULL;
    char(*ids)[VG_SLUG_MAX] = NULL;
    size_t count = 0, cap = 0;
    int ret = vg_store_prepare(db, "SELECT id FROM cameras WHERE source = ?1", &st);
    if (ret == 0)
        ret = vg_db_errno(sqlite3_bind_int(st, 1, (int)source));
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret < 0)
            break;
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (!id || in_list(keep, keep_count, id))
            continue;
        ret = vg_store_grow(&ids, &cap, count + 1, sizeof(*ids));
        if (ret == 0)
            vg_store_col_copy(st, 0, ids[count++], sizeof(*ids));
    }
    if (ret != -ENOENT)
        goto out;
    ret = 0;
    for (size_t i = 0; ret == 0 && i < count; i++)
        ret = vg_store_run_text(db, "DELETE FROM cameras WHERE id = ?1", ids[i], NULL);
out:
    free(ids);
    sqlite3_finalize(st);
    return ret;
}

int vg_cameras_delete_source_except(struct vg_db *db, enum vg_camera_source source,
                                    const char *const *keep, size_t keep_count)
{
    if (keep_count > 0 && !keep)
        return -EINVAL;
    int ret = vg_db_begin(db);
    if (ret < 0)
        return ret;
    ret = delete_unkept(db, source, keep, keep_count);
    if (ret == 0)
        ret = vg_db_commit(db);
    if (ret < 0)
        vg_db_rollback(db);
    return ret;
}
