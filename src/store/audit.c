#include "store/audit.h"

#include <errno.h>
#include <stdlib.h>

#include "store/store_internal.h"

/* The log is bounded so that a flood of failed logins cannot fill the disk. Pruning
 * runs on one insert in AUDIT_PRUNE_EVERY: a range delete on the primary key, so the
 * table holds at most AUDIT_KEEP + AUDIT_PRUNE_EVERY rows. */
#define AUDIT_KEEP 100000
#define AUDIT_PRUNE_EVERY 1000
#define AUDIT_LIST_MAX 1000

int vg_audit_add(struct vg_db *db, const char *username, const char *ip, const char *action,
                 const char *target, const char *detail)
{
    struct vg_audit_entry e; /* only for the field sizes */
    sqlite3_stmt *st = NULL;

    if (!action || !action[0])
        return -EINVAL;
    int ret = vg_store_prepare(db,
                               "INSERT INTO audit (time, username, ip, action, target, detail) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                               &st);
    if (ret < 0)
        goto out;
    /* Cut here rather than on read, so what the database holds is what a reader sees. */
    ret = vg_db_errno(sqlite3_bind_int64(st, 1, vg_db_now()));
    ret = ret ? ret : vg_store_bind_text_max(st, 2, username, sizeof(e.username));
    ret = ret ? ret : vg_store_bind_text_max(st, 3, ip, sizeof(e.ip));
    ret = ret ? ret : vg_store_bind_text_max(st, 4, action, sizeof(e.action));
    ret = ret ? ret : vg_store_bind_text_max(st, 5, target, sizeof(e.target));
    ret = ret ? ret : vg_store_bind_text_max(st, 6, detail, sizeof(e.detail));
    ret = ret ? ret : vg_store_step_done(st);
    if (ret < 0)
        goto out;
    /* AUTOINCREMENT ids have no gaps from reuse, so this keeps the newest AUDIT_KEEP. */
    int64_t id = sqlite3_last_insert_rowid(db->h);
    if (id % AUDIT_PRUNE_EVERY == 0 && id > AUDIT_KEEP)
        ret = vg_store_run_int64(db, "DELETE FROM audit WHERE id <= ?1",
                                 (const int64_t[]){id - AUDIT_KEEP}, 1, NULL);
out:
    sqlite3_finalize(st);
    return ret;
}

int vg_audit_list(struct vg_db *db, int64_t before_id, unsigned limit,
                  struct vg_audit_entry **ret_entries, size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    struct vg_audit_entry *entries = NULL;
    size_t count = 0, cap = 0;

    if (limit < 1 || limit > AUDIT_LIST_MAX || before_id < 0)
        return -EINVAL;
    int ret = vg_store_prepare(db,
                               "SELECT id, time, username, ip, action, target, detail "
                               "FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
                               &st);
    if (ret < 0)
        goto out;
    ret = vg_db_errno(sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX));
    ret = ret ? ret : vg_db_errno(sqlite3_bind_int64(st, 2, limit));
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret == 0)
            ret = vg_store_grow(&entries, &cap, count + 1, sizeof(*entries));
        if (ret < 0)
            break;
        struct vg_audit_entry *e = &entries[count++];
        e->id = sqlite3_column_int64(st, 0);
        e->time = sqlite3_column_int64(st, 1);
        vg_store_col_copy(st, 2, e->username, sizeof(e->username));
        vg_store_col_copy(st, 3, e->ip, sizeof(e->ip));
        vg_store_col_copy(st, 4, e->action, sizeof(e->action));
        vg_store_col_copy(st, 5, e->target, sizeof(e->target));
        vg_store_col_copy(st, 6, e->detail, sizeof(e->detail));
    }
    if (ret != -ENOENT)
        goto out;
    *ret_entries = entries;
    *ret_count = count;
    entries = NULL;
    ret = 0;
out:
    free(entries);
    sqlite3_finalize(st);
    return ret;
}
