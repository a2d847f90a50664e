/* Helpers shared by the store's table files; not part of the store's interface.
 * Every function follows the store's rules: negative errno returns, ret_ outputs
 * written only on success. */
#pragma once

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/secretbox.h"

/* How often a last_seen_at/last_used_at column is rewritten: once a minute is
 * precise enough for the UI and spares a write on every request. */
#define VG_STORE_TOUCH_SECONDS 60

/* Prepares one statement; the caller finalizes *ret_st. */
int vg_store_prepare(struct vg_db *db, const char *sql, sqlite3_stmt **ret_st);

/* Runs one constant statement that takes no parameters; rows it returns are ignored. */
int vg_store_exec(struct vg_db *db, const char *sql);

/* Runs sql with integer parameters ?1..?count bound from params; *ret_changes (may be
 * NULL) receives the number of rows changed. */
int vg_store_run_int64(struct vg_db *db, const char *sql, const int64_t *params, int count,
                       int64_t *ret_changes);

/* Runs sql with text parameter ?1; *ret_changes (may be NULL) as above. */
int vg_store_run_text(struct vg_db *db, const char *sql, const char *param, int64_t *ret_changes);

/* Steps a statement expected to finish without a row: 0 or a negative errno. */
int vg_store_step_done(sqlite3_stmt *st);

/* Steps a statement expected to return a row: 0 with the row ready, -ENOENT when
 * there is none, or another negative errno. */
int vg_store_step_row(sqlite3_stmt *st);

/* Binds s as text, NULL as "" (the schema keeps "none" as an empty string). */
int vg_store_bind_text(sqlite3_stmt *st, int idx, const char *s);

/* Binds s cut to at most size - 1 bytes on a UTF-8 character boundary, so the value
 * read back always fits a char[size] field. */
int vg_store_bind_text_max(sqlite3_stmt *st, int idx, const char *s, size_t size);

/* Copies a text column into out (outlen bytes), cut on a UTF-8 boundary; NULL gives "". */
void vg_store_col_copy(sqlite3_stmt *st, int col, char *out, size_t outlen);

/* Copies a text column into a new string (NULL gives ""). Caller frees *ret_s. */
int vg_store_col_dup(sqlite3_stmt *st, int col, char **ret_s);

/* Opens a sealed text column (store/secretbox.h). Caller frees *ret_plain with
 * vg_store_free_secret(). */
int vg_store_col_open(sqlite3_stmt *st, int col, const struct vg_secretbox *box, char **ret_plain);

/* Seals s (NULL as "") and binds the result. */
int vg_store_bind_sealed(sqlite3_stmt *st, int idx, const struct vg_secretbox *box, const char *s);

/* Length of the longest prefix of s that is at most max bytes and does not split a
 * UTF-8 sequence. */
size_t vg_store_utf8_prefix(const char *s, size_t max);

/* Makes room for at least need elements of elem bytes in the array *arrp points to
 * (arrp is a T **, capacity *cap), growing geometrically. Returns 0 or -ENOMEM; the
 * array is untouched on failure. */
int vg_store_grow(void *arrp, size_t *cap, size_t need, size_t elem);

/* Steps st to its end, reading each row with read(st, element) into a new
 * array of elem-byte elements (zeroed first). On success the caller owns
 * *ret (arrp is a T **) and *ret_count; on failure nothing is returned. */
int vg_store_collect(sqlite3_stmt *st, size_t elem, void (*read)(sqlite3_stmt *st, void *element),
                     void *ret, size_t *ret_count);

/* Wipes and frees a string that may hold a credential. Accepts NULL. */
void vg_store_free_secret(char *s);

/* Duplicates s (NULL as ""); wiping on free is the caller's choice. NULL on failure. */
char *vg_store_dup(const char *s);
