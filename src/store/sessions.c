#include "store/sessions.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "core/util.h"
#include "store/store_internal.h"

#define SESSION_COLUMNS "id, user_id, csrf_token, created_at, expires_at, last_seen_at, ip"

static void session_from_row(sqlite3_stmt *st, struct vg_session *s)
{
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    s->user_id = sqlite3_column_int64(st, 1);
    vg_store_col_copy(st, 2, s->csrf_token, sizeof(s->csrf_token));
    s->created_at = sqlite3_column_int64(st, 3);
    s->expires_at = sqlite3_column_int64(st, 4);
    s->last_seen_at = sqlite3_column_int64(st, 5);
    vg_store_col_copy(st, 6, s->ip, sizeof(s->ip));
}

static int insert_session(struct vg_db *db, const struct vg_session *s, const char *digest,
                          int64_t *ret_id)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db,
                               "INSERT INTO sessions (user_id, secret_digest, csrf_token, "
                               "created_at, expires_at, last_seen_at, ip) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                               &st);
    if (ret < 0)
        goto out;
    int rc = sqlite3_bind_int64(st, 1, s->user_id);
    rc = rc ? rc : sqlite3_bind_text(st, 2, digest, -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_text(st, 3, s->csrf_token, -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_int64(st, 4, s->created_at);
    rc = rc ? rc : sqlite3_bind_int64(st, 5, s->expires_at);
    rc = rc ? rc : sqlite3_bind_int64(st, 6, s->last_seen_at);
    rc = rc ? rc : sqlite3_bind_text(st, 7, s->ip, -1, SQLITE_STATIC);
    ret = vg_db_errno(rc);
    if (ret == 0)
        ret = vg_store_step_done(st);
    if (ret < 0)
        goto out;
    *ret_id = sqlite3_last_insert_rowid(db->h);
out:
    sqlite3_finalize(st);
    return ret;
}

int vg_sessions_create(struct vg_db *db, int64_t user_id, int64_t ttl_seconds,
                       unsigned max_per_user, const char *ip, char *ret_secret,
                       struct vg_session *ret_session)
{
    char secret[VG_TOKEN_MAX];
    char digest[VG_DIGEST_HEX];
    struct vg_session s = {0};
    bool in_tx = false;
    int64_t now = vg_db_now();
    int ret;

    if (ttl_seconds <= 0 || ttl_seconds > INT64_MAX - now || max_per_user == 0 || !ret_secret ||
        !ret_session)
        return -EINVAL;
    ret = vg_secret_token("vgs_", secret, sizeof(secret));
    if (ret == 0)
        ret = vg_secret_token("", s.csrf_token, sizeof(s.csrf_token));
    if (ret < 0)
        goto out;
    /* Only the digest is stored: a copy of the database must not let anyone in. */
    vg_secret_digest(secret, digest);
    s.user_id = user_id;
    s.created_at = now;
    s.expires_at = now + ttl_seconds;
    s.last_seen_at = now;
    vg_strlcpy(s.ip, sizeof(s.ip), ip ? ip : ""); /* an address never fills it */

    ret = vg_db_begin(db);
    if (ret < 0)
        goto out;
    in_tx = true;
    ret = insert_session(db, &s, digest, &s.id);
    if (ret < 0)
        goto out;
    /* Ties on created_at (several logins in one second) fall back to id, which grows
     * with every insert, so "newest" is always well defined. */
    ret = vg_store_run_int64(db,
                             "DELETE FROM sessions WHERE user_id = ?1 AND id NOT IN ("
                             "  SELECT id FROM sessions WHERE user_id = ?1"
                             "  ORDER BY created_at DESC, id DESC LIMIT ?2)",
                             (const int64_t[]){user_id, max_per_user}, 2, NULL);
    if (ret < 0)
        goto out;
    ret = vg_db_commit(db);
    if (ret < 0)
        goto out;
    in_tx = false;
    memcpy(ret_secret, secret, sizeof(secret));
    *ret_session = s;
out:
    if (in_tx)
        vg_db_rollback(db);
    sodium_memzero(secret, sizeof(secret));
    return ret;
}

int vg_sessions_lookup(struct vg_db *db, const char *secret, int64_t now,
                       struct vg_session *ret_session)
{
    sqlite3_stmt *st = NULL;
    char digest[VG_DIGEST_HEX];
    struct vg_session s;

    if (!secret || strnlen(secret, VG_TOKEN_MAX) >= VG_TOKEN_MAX)
        return -ENOENT;
    /* An exact match on the digest of a 256-bit secret: the index lookup's timing
     * tells an attacker nothing about any stored secret. */
    vg_secret_digest(secret, digest);
    int ret = vg_store_prepare(
        db, "SELECT " SESSION_COLUMNS " FROM sessions WHERE secret_digest = ?1", &st);
    if (ret < 0)
        goto out;
    ret = vg_store_bind_text(st, 1, digest);
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    session_from_row(st, &s);
    sqlite3_finalize(st);
    st = NULL;

    if (s.expires_at <= now) {
        /* Rejected whether or not the delete works; purge retries it later. */
        vg_sessions_delete(db, s.id);
        ret = -ENOENT;
        goto out;
    }
    if (now - s.last_seen_at >= VG_STORE_TOUCH_SECONDS) {
        /* Bookkeeping only: a failed write must not turn a valid login away. */
        if (vg_store_run_int64(db, "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2",
                               (const int64_t[]){now, s.id}, 2, NULL) == 0)
            s.last_seen_at = now;
    }
    *ret_session = s;
out:
    sqlite3_finalize(st);
    return ret;
}

int vg_sessions_delete(struct vg_db *db, int64_t id)
{
    int64_t changes = 0;
    int ret = vg_store_run_int64(db, "DELETE FROM sessions WHERE id = ?1", &id, 1, &changes);
    if (ret == 0 && changes == 0)
        ret = -ENOENT;
    return ret;
}

int vg_sessions_delete_user(struct vg_db *db, int64_t user_id, int64_t keep_id)
{
    return vg_store_run_int64(db, "DELETE FROM sessions WHERE user_id = ?1 AND id != ?2",
                              (const int64_t[]){user_id, keep_id}, 2, NULL);
}

int vg_sessions_purge_expired(struct vg_db *db, int64_t now)
{
    int64_t changes = 0;
    int ret =
        vg_store_run_int64(db, "DELETE FROM sessions WHERE expires_at <= ?1", &now, 1, &changes);
    if (ret < 0)
        return ret;
    return changes > INT32_MAX ? INT32_MAX : (int)changes;
}

int vg_sessions_count(struct vg_db *db, int64_t user_id, int64_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db, "SELECT COUNT(*) FROM sessions WHERE user_id = ?1", &st);
    if (ret < 0)
        goto out;
    ret = vg_db_errno(sqlite3_bind_int64(st, 1, user_id));
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret < 0)
        goto out;
    *ret_count = sqlite3_column_int64(st, 0);
out:
    sqlite3_finalize(st);
    return ret;
}
