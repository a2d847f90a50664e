/* The SQLite store: one file <state-dir>/vigil.db in WAL mode, schema migrations
 * applied at open. Every store function runs on the network loop's thread; the
 * connection is not shared with other threads. */
#pragma once

#include <sqlite3.h>
#include <stdint.h>

struct vg_db {
    sqlite3 *h;
    unsigned tx_depth; /* vg_db_begin() nesting; only the outermost level is BEGIN/COMMIT */
};

/* Opens (creating if needed) the database at path, sets WAL, foreign keys and a
 * busy timeout, and applies pending migrations in one transaction each.
 * Returns 0 or a negative errno (-EIO for SQLite errors, -EPROTO when the file was
 * written by a newer Vigil, -ENOTSUP when the file system cannot hold a WAL). No
 * handle is left to ask after a failed open, so the SQLite detail of an open or
 * migration failure is logged here. *ret_db is owned by the caller. */
int vg_db_open(const char *path, struct vg_db **ret_db);

/* SQLite's message for the last failed call on db, for the caller's log line.
 * Accepts NULL. The string lives until the next call on db. */
const char *vg_db_errmsg(const struct vg_db *db);

/* Checkpoints and closes. Accepts NULL; returns NULL. */
struct vg_db *vg_db_close(struct vg_db *db);

/* The schema version the code expects (== PRAGMA user_version after open). */
int vg_db_schema_version(void);

/* Transactions nest: the outermost vg_db_begin() is BEGIN IMMEDIATE (the write lock
 * is taken up front, so the busy timeout applies instead of a deadlock on upgrade),
 * inner ones are savepoints. Store functions that write several rows use these, so
 * a caller may wrap several store calls in one transaction of its own. After a
 * failed vg_db_commit() the caller still calls vg_db_rollback(). */
int vg_db_begin(struct vg_db *db);
int vg_db_commit(struct vg_db *db);
void vg_db_rollback(struct vg_db *db);

/* Current time as Unix seconds; the store's only clock, so tests can reason about it. */
int64_t vg_db_now(void);

/* Maps an SQLite result code to a negative errno: SQLITE_CONSTRAINT -> -EEXIST
 * (but a foreign key naming a missing row -> -ENOENT, a CHECK or NOT NULL failure
 * -> -EINVAL), SQLITE_NOTFOUND/DONE without row -> -ENOENT, SQLITE_BUSY/LOCKED ->
 * -EBUSY, SQLITE_NOMEM -> -ENOMEM, others -> -EIO. SQLITE_OK and SQLITE_ROW -> 0. */
int vg_db_errno(int sqlite_rc);
