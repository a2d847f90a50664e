#include "store/segments.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_internal.h"

#define SEGMENT_COLUMNS                                                                            \
    "id, camera_id, stream, start_ms, end_ms, bytes, path, codec, width, height, open"

static void segment_from_row(sqlite3_stmt *st, struct vg_segment *s)
{
    *s = (struct vg_segment){.id = sqlite3_column_int64(st, 0)};
    vg_store_col_copy(st, 1, s->camera_id, sizeof(s->camera_id));
    const char *stream = (const char *)sqlite3_column_text(st, 2);
    s->sub = stream && strcmp(stream, "sub") == 0;
    s->start_ms = sqlite3_column_int64(st, 3);
    s->end_ms = sqlite3_column_int64(st, 4);
    s->bytes = (uint64_t)sqlite3_column_int64(st, 5);
    vg_store_col_copy(st, 6, s->path, sizeof(s->path));
    vg_store_col_copy(st, 7, s->codec, sizeof(s->codec));
    s->width = (unsigned)sqlite3_column_int(st, 8);
    s->height = (unsigned)sqlite3_column_int(st, 9);
    s->open = sqlite3_column_int(st, 10) != 0;
}

static void read_segment(sqlite3_stmt *st, void *out)
{
    segment_from_row(st, out);
}

/* Steps st to the end, collecting segments. */
static int collect(sqlite3_stmt *st, struct vg_segment **ret, size_t *ret_count)
{
    return vg_store_collect(st, sizeof(**ret), read_segment, ret, ret_count);
}

void vg_segment_day_of(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "0000-00-00");
}

int vg_segment_day_bounds(const char *day, int64_t *ret_from, int64_t *ret_to)
{
    unsigned y, m, d;
    char tail;
    if (strlen(day) != 10 || day[4] != '-' || day[7] != '-' ||
        sscanf(day, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 9999 || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return -EINVAL;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
            return -EINVAL;
    struct tm a = {
        .tm_year = (int)y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d, .tm_isdst = -1};
    struct tm b = a;
    b.tm_mday++;
    time_t from = mktime(&a);
    time_t to = mktime(&b);
    /* mktime normalises 2026-02-31 into March: refuse dates that moved. */
    if (from == (time_t)-1 || to == (time_t)-1 || a.tm_mday != (int)d || a.tm_mon != (int)m - 1)
        return -EINVAL;
    *ret_from = (int64_t)from * 1000;
    *ret_to = (int64_t)to * 1000;
    return 0;
}

int vg_segments_insert(struct vg_db *db, struct vg_segment *s)
{
    sqlite3_stmt *st = NULL;
    char day[11];
    vg_segment_day_of(s->start_ms, day);
    int ret = vg_store_prepare(db,
                               "INSERT INTO segments (camera_id, stream, start_ms, end_ms, bytes, "
                               "path, codec, width, height, open, day) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                               &st);
    ret = ret ? ret : vg_store_bind_text(st, 1, s->camera_id);
    ret = ret ? ret : vg_store_bind_text(st, 2, s->sub ? "sub" : "main");
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 3, s->start_ms));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 4, s->end_ms));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 5, (int64_t)s->bytes));
    ret = ret ? ret : vg_store_bind_text(st, 6, s->path);
    ret = ret ? ret : vg_store_bind_text(st, 7, s->codec);
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 8, (int)s->width));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 9, (int)s->height));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int(st, 10, s->open));
    ret = ret ? ret : vg_store_bind_text(st, 11, day);
    ret = ret ? ret : vg_store_step_done(st);
    if (ret == 0)
        s->id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
    sqlite3_finalize(st);
    return ret;
}

int vg_segments_finish(struct vg_db *db, int64_t id, int64_t end_ms, uint64_t bytes, bool open)
{
    int64_t params[] = {id, end_ms, (int64_t)bytes, open}, changes = 0;
    int ret = vg_store_run_int64(
        db, "UPDATE segments SET end_ms = max(start_ms, ?2), bytes = ?3, open = ?4 WHERE id = ?1",
        params, 4, &changes);
    return ret < 0 ? ret : changes ? 0 : -ENOENT;
}

static int one_row(struct vg_db *db, const char *sql, const char *camera_id, int64_t a,
                   struct vg_segment *ret)
{
    sqlite3_stmt *st = NULL;
    int r = vg_store_prepare(db, sql, &st);
    if (r == 0 && camera_id)
        r = vg_store_bind_text(st, 1, camera_id);
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 2, a));
    r = r ? r : vg_store_step_row(st);
    if (r == 0)
        segment_from_row(st, ret);
    sqlite3_finalize(st);
    return r;
}

int vg_segments_get(struct vg_db *db, int64_t id, struct vg_segment *ret)
{
    return one_row(db, "SELECT " SEGMENT_COLUMNS " FROM segments WHERE id = ?2", NULL, id, ret);
}

int vg_segments_delete(struct vg_db *db, int64_t id)
{
    int64_t changes = 0;
    int ret = vg_store_run_int64(db, "DELETE FROM segments WHERE id = ?1", &id, 1, &changes);
    return ret < 0 ? ret : changes ? 0 : -ENOENT;
}

int vg_segments_at_or_before(struct vg_db *db, const char *camera_id, int64_t at_ms,
                             struct vg_segment *ret)
{
    return one_row(db,
                   "SELECT " SEGMENT_COLUMNS " FROM segments WHERE camera_id = ?1 AND "
                   "start_ms <= ?2 ORDER BY start_ms DESC LIMIT 1",
                   camera_id, at_ms, ret);
}

int vg_segments_after(struct vg_db *db, const char *camera_id, int64_t at_ms,
                      struct vg_segment *ret)
{
    return one_row(db,
                   "SELECT " SEGMENT_COLUMNS " FROM segments WHERE camera_id = ?1 AND "
                   "start_ms > ?2 ORDER BY start_ms LIMIT 1",
                   camera_id, at_ms, ret);
}

int vg_segments_range(struct vg_db *db, const char *camera_id, int64_t from_ms, int64_t to_ms,
                      size_t limit, struct vg_segment **ret, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    int r = vg_store_prepare(db,
                             "SELECT " SEGMENT_COLUMNS " FROM segments WHERE camera_id = ?1 AND "
                             "start_ms > ?2 - ?5 AND start_ms < ?3 AND (end_ms > ?2 OR open) "
                             "ORDER BY start_ms LIMIT ?4",
                             &st);
    r = r ? r : vg_store_bind_text(st, 1, camera_id);
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 2, from_ms));
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 3, to_ms));
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 4, (int64_t)limit));
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 5, VG_SEGMENT_MAX_MS));
    r = r ? r : collect(st, ret, ret_count);
    sqlite3_finalize(st);
    return r;
}

int vg_segments_open_rows(struct vg_db *db, struct vg_segment **ret, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    int r = vg_store_prepare(db, "SELECT " SEGMENT_COLUMNS " FROM segments WHERE open = 1", &st);
    r = r ? r : collect(st, ret, ret_count);
    sqlite3_finalize(st);
    return r;
}

int vg_segments_oldest(struct vg_db *db, const char *camera_id, int64_t before_ms, size_t limit,
                       struct vg_segment **ret, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    int r = vg_store_prepare(db,
                             "SELECT " SEGMENT_COLUMNS " FROM segments WHERE open = 0 AND "
                             "(?1 = '' OR camera_id = ?1) AND end_ms < ?2 "
                             "ORDER BY start_ms LIMIT ?3",
                             &st);
    r = r ? r : vg_store_bind_text(st, 1, camera_id ? camera_id : "");
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 2, before_ms));
    r = r ? r : vg_db_errno(sqlite3_bind_int64(st, 3, (int64_t)limit));
    r = r ? r : collect(st, ret, ret_count);
    sqlite3_finalize(st);
    return r;
}

static void read_day(sqlite3_stmt *st, void *out)
{
    struct vg_segment_day *d = out;
    vg_store_col_copy(st, 0, d->day, sizeof(d->day));
    d->segments = (uint64_t)sqlite3_column_int64(st, 1);
    d->bytes = (uint64_t)sqlite3_column_int64(st, 2);
    d->duration_ms = sqlite3_column_int64(st, 3);
}

int vg_segments_days(struct vg_db *db, const char *camera_id, struct vg_segment_day **ret,
                     size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    int r = vg_store_prepare(db,
                             "SELECT day, count(*), sum(bytes), sum(end_ms - start_ms) FROM "
                             "segments WHERE camera_id = ?1 GROUP BY day ORDER BY day",
                             &st);
    r = r ? r : vg_store_bind_text(st, 1, camera_id);
    r = r ? r : vg_store_collect(st, sizeof(**ret), read_day, ret, ret_count);
    sqlite3_finalize(st);
    return r;
}

static void read_usage(sqlite3_stmt *st, void *out)
{
    struct vg_segment_usage *u = out;
    vg_store_col_copy(st, 0, u->camera_id, sizeof(u->camera_id));
    u->segments = (uint64_t)sqlite3_column_int64(st, 1);
    u->bytes = (uint64_t)sqlite3_column_int64(st, 2);
    u->oldest_ms = sqlite3_column_int64(st, 3);
    u->newest_ms = sqlite3_column_int64(st, 4);
    u->retention_days = (uint32_t)sqlite3_column_int64(st, 5);
}

int vg_segments_usage(struct vg_db *db, struct vg_segment_usage **ret, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    int r = vg_store_prepare(db,
                             "SELECT t.camera_id, t.segments, t.bytes, (SELECT min(start_ms) "
                             "FROM segments WHERE camera_id = t.camera_id), (SELECT end_ms FROM "
                             "segments WHERE camera_id = t.camera_id ORDER BY start_ms DESC "
                             "LIMIT 1), coalesce(c.retention_days, 0) FROM segment_totals t "
                             "LEFT JOIN cameras c ON c.id = t.camera_id ORDER BY t.camera_id",
                             &st);
    r = r ? r : vg_store_collect(st, sizeof(**ret), read_usage, ret, ret_count);
    sqlite3_finalize(st);
    return r;
}
