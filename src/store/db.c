#include "store/db.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/schema.h"
#include "store/store_internal.h"

#define MIGRATIONS_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

int vg_db_schema_version(void)
{
    return MIGRATIONS_COUNT;
}

int64_t vg_db_now(void)
{
    return (int64_t)time(NULL);
}

int vg_db_errno(int sqlite_rc)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
        return 0;
    case SQLITE_CONSTRAINT:
        if (sqlite_rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return -ENOENT;
        if (sqlite_rc == SQLITE_CONSTRAINT_CHECK || sqlite_rc == SQLITE_CONSTRAINT_NOTNULL)
            return -EINVAL;
        return -EEXIST;
    case SQLITE_NOTFOUND:
    case SQLITE_DONE:
        return -ENOENT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

const char *vg_db_errmsg(const struct vg_db *db)
{
    if (!db || !db->h)
        return "no database";
    return sqlite3_errmsg(db->h);
}

int vg_db_begin(struct vg_db *db)
{
    int ret = vg_store_exec(db, db->tx_depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT vg_nested");
    if (ret == 0)
        db->tx_depth++;
    return ret;
}

int vg_db_commit(struct vg_db *db)
{
    if (db->tx_depth == 0)
        return -EINVAL;
    int ret = vg_store_exec(db, db->tx_depth == 1 ? "COMMIT" : "RELEASE vg_nested");
    if (ret == 0)
        db->tx_depth--;
    return ret;
}

void vg_db_rollback(struct vg_db *db)
{
    if (!db || db->tx_depth == 0)
        return;
    /* Errors are ignored: SQLite may already have rolled back on its own (after
     * SQLITE_FULL or an I/O error), and there is nothing better to do either way. */
    if (db->tx_depth == 1) {
        vg_store_exec(db, "ROLLBACK");
    } else {
        vg_store_exec(db, "ROLLBACK TO vg_nested");
        vg_store_exec(db, "RELEASE vg_nested");
    }
    db->tx_depth--;
}

static int read_user_version(struct vg_db *db, int *ret_version)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db, "PRAGMA user_version", &st);
    if (ret < 0)
        goto out;
    ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    *ret_version = sqlite3_column_int(st, 0);
out:
    sqlite3_finalize(st);
    return ret;
}

/* Applies the next pending migration, if any, in one transaction together with the
 * user_version bump: a crash at any point leaves either the old or the new schema.
 * The version is read after BEGIN IMMEDIATE so two processes opening the same file
 * at once cannot both apply the same step. *ret_applied is false when nothing was
 * pending. */
static int migrate_one(struct vg_db *db, const char *path, bool *ret_applied)
{
    bool in_tx = false;
    int version = 0;
    char bump[64];

    int ret = vg_db_begin(db);
    if (ret < 0)
        goto out;
    in_tx = true;
    ret = read_user_version(db, &version);
    if (ret < 0)
        goto out;
    if (version > MIGRATIONS_COUNT) {
        vg_error("store", "%s has schema version %d; this Vigil knows up to %d", path, version,
                 MIGRATIONS_COUNT);
        ret = -EPROTO;
        goto out;
    }
    if (version == MIGRATIONS_COUNT) {
        *ret_applied = false;
        goto out; /* nothing written: the rollback below just ends the transaction */
    }
    ret = vg_store_exec(db, migrations[version]);
    if (ret < 0)
        goto out;
    /* PRAGMA takes no bound parameters; the value is our own integer. */
    snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
    ret = vg_store_exec(db, bump);
    if (ret < 0)
        goto out;
    ret = vg_db_commit(db);
    if (ret < 0)
        goto out;
    in_tx = false;
    *ret_applied = true;
out:
    /* Logged before the rollback, which would replace SQLite's message. */
    if (ret < 0 && ret != -EPROTO)
        vg_error("store", "%s: migration to schema version %d failed: %s", path, version + 1,
                 sqlite3_errmsg(db->h));
    if (in_tx)
        vg_db_rollback(db);
    return ret;
}

/* Switches to WAL and checks that it took: on a file system without shared memory
 * SQLite keeps the old journal mode and says so only in the returned row. */
static int set_wal(struct vg_db *db)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db, "PRAGMA journal_mode = WAL", &st);
    if (ret < 0)
        goto out;
    ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    /* An in-memory database (tests, tools) has no journal file to switch. */
    if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0))
        ret = -ENOTSUP;
out:
    sqlite3_finalize(st);
    return ret;
}

/* Settings made on every open: all but the journal mode last only for the connection. */
static int configure(struct vg_db *db)
{
    sqlite3_extended_result_codes(db->h, 1);
    /* Another process (an admin tool) may hold the write lock for a moment. */
    sqlite3_busy_timeout(db->h, 5000);
    int ret = set_wal(db);
    if (ret < 0)
        return ret;
    /* NORMAL in WAL mode: a power cut may lose the last commits but never corrupts. */
    ret = vg_store_exec(db, "PRAGMA synchronous = NORMAL");
    if (ret < 0)
        return ret;
    /* Off by default in SQLite and per connection: the cascades rely on it. */
    return vg_store_exec(db, "PRAGMA foreign_keys = ON");
}

int vg_db_open(const char *path, struct vg_db **ret_db)
{
    struct vg_db *db = NULL;
    bool applied = true;
    int ret;

    if (!path || !ret_db)
        return -EINVAL;
    db = calloc(1, sizeof(*db));
    if (!db) {
        ret = -ENOMEM;
        goto out;
    }
    /* NOMUTEX: one connection used by one thread, so SQLite's own locking is waste. */
    int rc = sqlite3_open_v2(
        path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        vg_error("store", "cannot open %s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        ret = vg_db_errno(rc);
        goto out;
    }
    ret = configure(db);
    if (ret < 0) {
        vg_error("store", "cannot set up %s: %s", path,
                 ret == -ENOTSUP ? "WAL journal mode unavailable" : sqlite3_errmsg(db->h));
        goto out;
    }
    while (applied) {
        ret = migrate_one(db, path, &applied);
        if (ret < 0)
            goto out; /* logged by migrate_one() */
    }
    *ret_db = db;
    db = NULL;
out:
    vg_db_close(db);
    return ret;
}

struct vg_db *vg_db_close(struct vg_db *db)
{
    if (!db)
        return NULL;
    if (db->h) {
        /* Lets SQLite refresh the statistics the planner uses; cheap when nothing
         * changed. Closing the last connection then checkpoints and removes the WAL. */
        vg_store_exec(db, "PRAGMA optimize");
        if (sqlite3_close(db->h) != SQLITE_OK) {
            /* Every statement is finalized by the function that prepared it, so this
             * is a bug; name the culprits and let SQLite close once they are gone. */
            for (sqlite3_stmt *st = sqlite3_next_stmt(db->h, NULL); st;
                 st = sqlite3_next_stmt(db->h, st))
                vg_error("store", "statement left unfinalized: %s", sqlite3_sql(st));
            sqlite3_close_v2(db->h);
        }
    }
    free(db);
    return NULL;
}

/* Shared helpers (store_internal.h). */

int vg_store_prepare(struct vg_db *db, const char *sql, sqlite3_stmt **ret_st)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return vg_db_errno(rc);
    }
    *ret_st = st;
    return 0;
}

int vg_store_exec(struct vg_db *db, const char *sql)
{
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : vg_db_errno(rc);
}

int vg_store_run_int64(struct vg_db *db, const char *sql, const int64_t *params, int count,
                       int64_t *ret_changes)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db, sql, &st);
    for (int i = 0; ret == 0 && i < count; i++)
        ret = vg_db_errno(sqlite3_bind_int64(st, i + 1, params[i]));
    if (ret == 0)
        ret = vg_store_step_done(st);
    if (ret == 0 && ret_changes)
        *ret_changes = sqlite3_changes64(db->h);
    sqlite3_finalize(st);
    return ret;
}

int vg_store_run_text(struct vg_db *db, const char *sql, const char *param, int64_t *ret_changes)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db, sql, &st);
    if (ret == 0)
        ret = vg_store_bind_text(st, 1, param);
    if (ret == 0)
        ret = vg_store_step_done(st);
    if (ret == 0 && ret_changes)
        *ret_changes = sqlite3_changes64(db->h);
    sqlite3_finalize(st);
    return ret;
}

int vg_store_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc == SQLITE_ROW ? -EIO : vg_db_errno(rc);
}

int vg_store_step_row(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 0;
    return vg_db_errno(rc);
}

int vg_store_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    int rc = sqlite3_bind_text(st, idx, s ? s : "", -1, SQLITE_TRANSIENT);
    return rc == SQLITE_OK ? 0 : vg_db_errno(rc);
}

size_t vg_store_utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    n = max;
    /* Back off continuation bytes so the cut lands before a lead byte. */
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

int vg_store_bind_text_max(sqlite3_stmt *st, int idx, const char *s, size_t size)
{
    if (!s)
        s = "";
    size_t n = size > 0 ? vg_store_utf8_prefix(s, size - 1) : 0;
    int rc = sqlite3_bind_text(st, idx, s, (int)n, SQLITE_TRANSIENT);
    return rc == SQLITE_OK ? 0 : vg_db_errno(rc);
}

void vg_store_col_copy(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    const char *s = (const char *)sqlite3_column_text(st, col);
    size_t n = s ? vg_store_utf8_prefix(s, outlen - 1) : 0;
    if (n > 0)
        memcpy(out, s, n);
    out[n] = '\0';
}

char *vg_store_dup(const char *s)
{
    return strdup(s ? s : "");
}

int vg_store_col_dup(sqlite3_stmt *st, int col, char **ret_s)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    if (!s && sqlite3_column_type(st, col) != SQLITE_NULL)
        return -ENOMEM; /* sqlite3_column_text() returns NULL only then */
    char *copy = vg_store_dup(s);
    if (!copy)
        return -ENOMEM;
    *ret_s = copy;
    return 0;
}

int vg_store_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
    void *arr;
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap < need)
        ncap = need;
    if (ncap > SIZE_MAX / elem)
        return -ENOMEM;
    /* Through memcpy: arrp points at a T *, which a void ** must not alias. */
    memcpy(&arr, arrp, sizeof(arr));
    void *p = realloc(arr, ncap * elem);
    if (!p)
        return -ENOMEM;
    memcpy(arrp, &p, sizeof(p));
    *cap = ncap;
    return 0;
}

int vg_store_collect(sqlite3_stmt *st, size_t elem, void (*read)(sqlite3_stmt *st, void *element),
                     void *ret, size_t *ret_count)
{
    unsigned char *list = NULL;
    size_t n = 0, cap = 0;
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r = vg_store_grow(&list, &cap, n + 1, elem);
        if (r < 0)
            break;
        memset(list + n * elem, 0, elem);
        read(st, list + n * elem);
        n++;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = vg_db_errno(rc);
    if (r < 0) {
        free(list);
        return r;
    }
    memcpy(ret, &list, sizeof(list));
    *ret_count = n;
    return 0;
}
