#include "store/cameras.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define CAMERA_COLUMNS                                                                             \
    "id, name, zone, username, password_sealed, enabled, record, source, nvr_id, nvr_channel, "    \
    "record_sub, retention_days, created_at, updated_at"

/* Every write binds ?1..?12 in this order and the time as ?13 (camera_bind()). */
#define CAMERA_VALUES "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13"
#define CAMERA_SET                                                                                 \
    "name = ?2, zone = ?3, username = ?4, password_sealed = ?5, enabled = ?6, record = ?7, "       \
    "source = ?8, nvr_id = ?9, nvr_channel = ?10, record_sub = ?11, retention_days = ?12, "        \
    "updated_at = ?13"

/* A camera with its URLs, in one statement for a single camera and for a list alike
 * (camera_from_row() reads it). LEFT JOIN on the main stream too: a camera missing its
 * row, which the writes never leave, still shows, with an empty URL, and can be
 * deleted. The transport is the main stream's: both are written alike. */
#define CAMERA_SELECT                                                                              \
    "SELECT c.id, c.name, c.zone, m.url_sealed, s.url_sealed, c.username, c.password_sealed, "     \
    "c.enabled, c.record, c.source, c.nvr_id, c.nvr_channel, c.created_at, c.updated_at, "         \
    "m.transport, c.record_sub, c.retention_days FROM cameras c "                                                                  \
    "LEFT JOIN streams m ON m.camera_id = c.id AND m.role = 'main' "                               \
    "LEFT JOIN streams s ON s.camera_id = c.id AND s.role = 'sub' "

#define STREAM_COLUMNS "id, camera_id, role, url_sealed, transport"
/* Keyed on id rather than (camera_id, role): the id is made from those two, so the
 * two keys always agree. */
#define STREAM_UPSERT                                                                              \
    "INSERT INTO streams (" STREAM_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5) "                        \
    "ON CONFLICT (id) DO UPDATE SET url_sealed = excluded.url_sealed, "                            \
    "transport = excluded.transport"

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
        (c->nvr_id[0] && !vg_slug_valid(c->nvr_id)) || (unsigned)c->source > VG_CAMERA_NVR ||
        (unsigned)c->transport > VG_TRANSPORT_UDP)
        return -EINVAL;
    return 0;
}

static const char *transport_name(enum vg_stream_transport t)
{
    return t == VG_TRANSPORT_UDP ? "udp" : "tcp";
}

/* The schema's CHECK allows only 'tcp' and 'udp'; NULL, from a camera missing its
 * main stream row, reads as the default. */
static enum vg_stream_transport transport_from_col(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t && strcmp(t, "udp") == 0 ? VG_TRANSPORT_UDP : VG_TRANSPORT_TCP;
}

/* The stable id of a camera's main or sub stream. camera_id is a slug, at most
 * VG_SLUG_MAX - 1 bytes, so the ".sub" suffix always fits. */
static void stream_id(const char *camera_id, bool sub, char out[VG_SLUG_MAX + 4])
{
    snprintf(out, VG_SLUG_MAX + 4, "%s%s", camera_id, sub ? ".sub" : "");
}

static int camera_bind(sqlite3_stmt *st, const struct vg_secretbox *box, const struct vg_camera *c,
                       int64_t now)
{
    int ret = vg_store_bind_text(st, 1, c->id);
    ret = ret ? ret : vg_store_bind_text(st, 2, c->name);
    ret = ret ? ret : vg_store_bind_text(st, 3, c->zone);
    ret = ret ? ret : vg_store_bind_text(st, 4, c->username);
    ret = ret ? ret : vg_store_bind_sealed(st, 5, box, c->password);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 6, c->enabled));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 7, c->record));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 8, (int)c->source));
    /* NULL, not "", when there is no NVR: the foreign key would reject "". */
    if (ret == 0 && c->nvr_id[0])
        ret = vg_store_bind_text(st, 9, c->nvr_id);
    else if (ret == 0)
        ret = vg_db_errno(sqlite3_bind_null(st, 9));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 10, c->nvr_channel));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 11, c->record_sub));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 12, c->retention_days));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 13, now));
    return ret;
}

/* Runs the camera row's insert, update or upsert, which ends in RETURNING created_at.
 * -ENOENT when an update found no row. */
static int write_camera_row(struct vg_db *db, const struct vg_secretbox *box, const char *sql,
                            const struct vg_camera *c, int64_t now, int64_t *ret_created_at)
{
    sqlite3_stmt *st = NULL;
    int64_t created_at = 0;
    int ret = vg_store_prepare(db, sql, &st);
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
    *ret_created_at = created_at;
out:
    sqlite3_finalize(st);
    return ret;
}

/* Inserts or rewrites one stream row of camera c. */
static int write_stream(struct vg_db *db, const struct vg_secretbox *box, const struct vg_camera *c,
                        bool sub)
{
    sqlite3_stmt *st = NULL;
    char id[VG_SLUG_MAX + 4];
    stream_id(c->id, sub, id);
    int ret = vg_store_prepare(db, STREAM_UPSERT, &st);
    if (ret < 0)
        return ret;
    ret = vg_store_bind_text(st, 1, id);
    ret = ret ? ret : vg_store_bind_text(st, 2, c->id);
    ret = ret ? ret : vg_store_bind_text(st, 3, sub ? "sub" : "main");
    /* Sealed: rtsp://user:pass@host carries the password in the URL. */
    ret = ret ? ret : vg_store_bind_sealed(st, 4, box, sub ? c->sub_url : c->main_url);
    ret = ret ? ret : vg_store_bind_text(st, 5, transport_name(c->transport));
    ret = ret ? ret : vg_store_step_done(st);
    sqlite3_finalize(st);
    return ret;
}

/* Writes the camera row, then its streams, in one transaction, and on success writes
 * the times into c. The camera row goes first: the streams' foreign key needs it. */
static int write_camera(struct vg_db *db, const struct vg_secretbox *box, const char *sql,
                        struct vg_camera *c)
{
    int64_t now = vg_db_now();
    int64_t created_at = 0;
    int ret = check_camera(c);
    if (ret < 0)
        return ret;
    ret = vg_db_begin(db);
    if (ret < 0)
        return ret;
    ret = write_camera_row(db, box, sql, c, now, &created_at);
    if (ret == 0)
        ret = write_stream(db, box, c, false);
    if (ret == 0 && c->sub_url && c->sub_url[0])
        ret = write_stream(db, box, c, true);
    else if (ret == 0)
        ret = vg_store_run_text(db, "DELETE FROM streams WHERE camera_id = ?1 AND role = 'sub'",
                                c->id, NULL);
    if (ret == 0)
        ret = vg_db_commit(db);
    if (ret < 0) {
        vg_db_rollback(db);
        return ret;
    }
    c->created_at = created_at;
    c->updated_at = now;
    return 0;
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

/* Deletes a camera and its streams inside the caller's transaction. The foreign key
 * cascades too; deleting explicitly keeps the promise even for a connection that
 * forgot PRAGMA foreign_keys. -ENOENT when there was no such camera. */
static int delete_camera_rows(struct vg_db *db, const char *id)
{
    int64_t changes = 0;
    int ret = vg_store_run_text(db, "DELETE FROM streams WHERE camera_id = ?1", id, NULL);
    if (ret == 0)
        ret = vg_store_run_text(db, "DELETE FROM cameras WHERE id = ?1", id, &changes);
    if (ret == 0 && changes == 0)
        ret = -ENOENT;
    return ret;
}

int vg_cameras_delete(struct vg_db *db, const char *id)
{
    if (!id)
        return -EINVAL;
    int ret = vg_db_begin(db);
    if (ret < 0)
        return ret;
    ret = delete_camera_rows(db, id);
    if (ret == 0)
        ret = vg_db_commit(db);
    if (ret < 0)
        vg_db_rollback(db);
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
    c.transport = transport_from_col(st, 14);
    c.record_sub = sqlite3_column_int(st, 15) != 0;
    c.retention_days = (uint32_t)sqlite3_column_int64(st, 16);
    *ret_camera = c;
    return 0;
}

int vg_cameras_get(struct vg_db *db, const struct vg_secretbox *box, const char *id,
                   struct vg_camera *ret_camera)
{
    sqlite3_stmt *st = NULL;
    if (!id)
        return -EINVAL;
    int ret = vg_store_prepare(db, CAMERA_SELECT "WHERE c.id = ?1", &st);
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
                               nvr_id ? CAMERA_SELECT "WHERE c.nvr_id = ?1 ORDER BY c.id"
                                      : CAMERA_SELECT "ORDER BY c.id",
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
        ret = delete_camera_rows(db, ids[i]);
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

/* Streams */

void vg_stream_row_done(struct vg_stream_row *s)
{
    if (!s)
        return;
    vg_store_free_secret(s->url);
    s->url = NULL;
}

static int stream_from_row(sqlite3_stmt *st, const struct vg_secretbox *box,
                           struct vg_stream_row *ret_stream)
{
    struct vg_stream_row s = {0};
    vg_store_col_copy(st, 0, s.id, sizeof(s.id));
    vg_store_col_copy(st, 1, s.camera_id, sizeof(s.camera_id));
    const char *role = (const char *)sqlite3_column_text(st, 2);
    s.sub = role && strcmp(role, "sub") == 0;
    int ret = vg_store_col_open(st, 3, box, &s.url);
    if (ret < 0)
        return ret;
    s.transport = transport_from_col(st, 4);
    *ret_stream = s;
    return 0;
}

int vg_streams_get(struct vg_db *db, const struct vg_secretbox *box, const char *stream_id,
                   struct vg_stream_row *ret)
{
    sqlite3_stmt *st = NULL;
    if (!stream_id)
        return -EINVAL;
    int r = vg_store_prepare(db, "SELECT " STREAM_COLUMNS " FROM streams WHERE id = ?1", &st);
    if (r == 0)
        r = vg_store_bind_text(st, 1, stream_id);
    if (r == 0)
        r = vg_store_step_row(st);
    if (r == 0)
        r = stream_from_row(st, box, ret);
    sqlite3_finalize(st);
    return r;
}

int vg_streams_list(struct vg_db *db, const struct vg_secretbox *box, struct vg_stream_row **ret,
                    size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    struct vg_stream_row *streams = NULL;
    size_t count = 0, cap = 0;
    int r = vg_store_prepare(db, "SELECT " STREAM_COLUMNS " FROM streams ORDER BY id", &st);
    while (r == 0) {
        r = vg_store_step_row(st);
        if (r == 0)
            r = vg_store_grow(&streams, &cap, count + 1, sizeof(*streams));
        if (r == 0)
            r = stream_from_row(st, box, &streams[count]);
        if (r == 0)
            count++;
    }
    if (r != -ENOENT)
        goto out;
    *ret = streams;
    *ret_count = count;
    streams = NULL;
    count = 0;
    r = 0;
out:
    vg_streams_free_list(streams, count);
    sqlite3_finalize(st);
    return r;
}

void vg_streams_free_list(struct vg_stream_row *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        vg_stream_row_done(&s[i]);
    free(s);
}
