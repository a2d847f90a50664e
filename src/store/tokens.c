#include "store/tokens.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"
#include "store/store_internal.h"

#define TOKEN_SELECT                                                                               \
    "SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.last_used_at, "     \
    "t.publish FROM tokens t JOIN users u ON u.id = t.user_id "

/* True when the first len bytes of the list name id (a whole item, not a prefix). */
static bool list_has(const char *list, size_t len, const char *id)
{
    size_t idlen = strlen(id);
    const char *end = list + len;
    for (const char *p = list; p < end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *item_end = comma ? comma : end;
        if ((size_t)(item_end - p) == idlen && memcmp(p, id, idlen) == 0)
            return true;
        if (!comma)
            break;
        p = comma + 1;
    }
    return false;
}

bool vg_token_publish_valid(const char *publish)
{
    if (!publish)
        return false;
    if (!publish[0])
        return true;
    if (strnlen(publish, VG_TOKEN_PUBLISH_SIZE) >= VG_TOKEN_PUBLISH_SIZE)
        return false;
    size_t count = 0;
    for (const char *p = publish;;) {
        size_t n = strcspn(p, ",");
        char id[VG_SLUG_MAX];
        if (n == 0 || n >= sizeof(id) || ++count > VG_TOKEN_PUBLISH_MAX)
            return false;
        memcpy(id, p, n);
        id[n] = '\0';
        /* A duplicate is refused rather than kept: the list is read by a person. */
        if (!vg_slug_valid(id) || list_has(publish, (size_t)(p - publish), id))
            return false;
        if (!p[n])
            return true;
        p += n + 1;
    }
}

bool vg_token_publish_has(const char *publish, const char *camera_id)
{
    if (!publish || !camera_id || !camera_id[0])
        return false;
    return list_has(publish, strnlen(publish, VG_TOKEN_PUBLISH_SIZE), camera_id);
}

bool vg_token_may_publish(const struct vg_token *t, const char *camera_id)
{
    return t && vg_token_publish_has(t->publish, camera_id);
}

static void token_from_row(sqlite3_stmt *st, struct vg_token *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    t->user_id = sqlite3_column_int64(st, 1);
    vg_store_col_copy(st, 2, t->username, sizeof(t->username));
    vg_store_col_copy(st, 3, t->name, sizeof(t->name));
    t->created_at = sqlite3_column_int64(st, 4);
    t->expires_at = sqlite3_column_int64(st, 5);
    t->last_used_at = sqlite3_column_int64(st, 6);
    /* A list cut short could name a prefix of an id as another camera: one that
     * is not valid as written grants nothing. */
    vg_store_col_copy(st, 7, t->publish, sizeof(t->publish));
    if ((size_t)sqlite3_column_bytes(st, 7) >= sizeof(t->publish) ||
        !vg_token_publish_valid(t->publish))
        t->publish[0] = '\0';
}

/* One token by id (digest NULL) or by secret digest. */
static int get_token(struct vg_db *db, int64_t id, const char *digest, struct vg_token *ret_token)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(
        db, digest ? TOKEN_SELECT "WHERE t.secret_digest = ?1" : TOKEN_SELECT "WHERE t.id = ?1",
        &st);
    if (ret < 0)
        goto out;
    ret = digest ? vg_store_bind_text(st, 1, digest) : vg_db_errno(sqlite3_bind_int64(st, 1, id));
    if (ret == 0)
        ret = vg_store_step_row(st);
    if (ret == 0)
        token_from_row(st, ret_token);
out:
    sqlite3_finalize(st);
    return ret;
}

static int insert_token(struct vg_db *db, int64_t user_id, const char *name, const char *publish,
                        const char *digest, int64_t now, int64_t expires_at, int64_t *ret_id)
{
    sqlite3_stmt *st = NULL;
    int ret = vg_store_prepare(db,
                               "INSERT INTO tokens (user_id, name, secret_digest, created_at, "
                               "expires_at, last_used_at, publish) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
                               &st);
    if (ret < 0)
        goto out;
    int rc = sqlite3_bind_int64(st, 1, user_id);
    rc = rc ? rc : sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
    rc = rc ? rc : sqlite3_bind_int64(st, 4, now);
    rc = rc ? rc : sqlite3_bind_int64(st, 5, expires_at);
    rc = rc ? rc : sqlite3_bind_text(st, 6, publish, -1, SQLITE_STATIC);
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

int vg_tokens_create(struct vg_db *db, int64_t user_id, const char *name, const char *publish,
                     int64_t expires_at, char *ret_secret, struct vg_token *ret_token)
{
    char secret[VG_TOKEN_MAX];
    char digest[VG_DIGEST_HEX];
    struct vg_token t;
    int64_t id = 0;
    bool in_tx = false;

    int64_t now = vg_db_now();

    /* Too long is refused rather than cut: the name is how its owner finds it again. */
    if (!name || strnlen(name, VG_TOKEN_NAME_MAX) >= VG_TOKEN_NAME_MAX ||
        (expires_at != 0 && expires_at <= now) || expires_at < 0 || !ret_secret || !ret_token)
        return -EINVAL;
    if (!publish)
        publish = "";
    if (!vg_token_publish_valid(publish))
        return -EINVAL;
    int ret = vg_secret_token("vgt_", secret, sizeof(secret));
    if (ret < 0)
        goto out;
    vg_secret_digest(secret, digest);
    ret = vg_db_begin(db);
    if (ret < 0)
        goto out;
    in_tx = true;
    ret = insert_token(db, user_id, name, publish, digest, now, expires_at, &id);
    if (ret < 0)
        goto out;
    ret = get_token(db, id, NULL, &t); /* for the owner's name */
    if (ret < 0)
        goto out;
    ret = vg_db_commit(db);
    if (ret < 0)
        goto out;
    in_tx = false;
    memcpy(ret_secret, secret, sizeof(secret));
    *ret_token = t;
out:
    if (in_tx)
        vg_db_rollback(db);
    sodium_memzero(secret, sizeof(secret));
    return ret;
}

int vg_tokens_lookup(struct vg_db *db, const char *secret, int64_t now, struct vg_token *ret_token)
{
    char digest[VG_DIGEST_HEX];
    struct vg_token t;

    if (!secret || strnlen(secret, VG_TOKEN_MAX) >= VG_TOKEN_MAX)
        return -ENOENT;
    /* Exact match on the digest of a 256-bit secret, as for sessions. */
    vg_secret_digest(secret, digest);
    int ret = get_token(db, 0, digest, &t);
    if (ret < 0)
        return ret;
    /* An expired token stays listed, so its owner sees why it stopped working. */
    if (t.expires_at != 0 && t.expires_at <= now)
        return -ENOENT;
    if (now - t.last_used_at >= VG_STORE_TOUCH_SECONDS) {
        /* Bookkeeping only: a failed write must not refuse a valid token. */
        if (vg_store_run_int64(db, "UPDATE tokens SET last_used_at = ?1 WHERE id = ?2",
                               (const int64_t[]){now, t.id}, 2, NULL) == 0)
            t.last_used_at = now;
    }
    *ret_token = t;
    return 0;
}

int vg_tokens_get(struct vg_db *db, int64_t id, struct vg_token *ret_token)
{
    return get_token(db, id, NULL, ret_token);
}

int vg_tokens_list(struct vg_db *db, int64_t user_id, struct vg_token **ret_tokens,
                   size_t *ret_count)
{
    sqlite3_stmt *st = NULL;
    struct vg_token *tokens = NULL;
    size_t count = 0, cap = 0;
    int ret =
        vg_store_prepare(db, TOKEN_SELECT "WHERE ?1 = 0 OR t.user_id = ?1 ORDER BY t.id", &st);
    if (ret < 0)
        goto out;
    ret = vg_db_errno(sqlite3_bind_int64(st, 1, user_id));
    while (ret == 0) {
        ret = vg_store_step_row(st);
        if (ret == 0)
            ret = vg_store_grow(&tokens, &cap, count + 1, sizeof(*tokens));
        if (ret == 0)
            token_from_row(st, &tokens[count++]);
    }
    if (ret != -ENOENT)
        goto out;
    *ret_tokens = tokens;
    *ret_count = count;
    tokens = NULL;
    ret = 0;
out:
    free(tokens);
    sqlite3_finalize(st);
    return ret;
}

int vg_tokens_delete(struct vg_db *db, int64_t id)
{
    int64_t changes = 0;
    int ret = vg_store_run_int64(db, "DELETE FROM tokens WHERE id = ?1", &id, 1, &changes);
    if (ret == 0 && changes == 0)
        ret = -ENOENT;
    return ret;
}
