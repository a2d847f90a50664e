/* The SQLite store: sessions, tokens, users, cameras and their streams, NVRs, audit
 * and migrations, each test on a fresh database in its own temporary directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/secret.h"
#include "store/audit.h"
#include "store/cameras.h"
#include "store/db.h"
#include "store/nvrs.h"
#include "store/secretbox.h"
#include "store/sessions.h"
#include "store/tokens.h"
#include "store/users.h"

static char dir[64];
static char db_path[128];
static char key_path[128];
static struct vg_db *db;
static struct vg_secretbox box;

static void setup(void)
{
    cr_assert_eq(vg_secret_init(), 0);
    snprintf(dir, sizeof(dir), "/tmp/vigil-store-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db_path, sizeof(db_path), "%s/vigil.db", dir);
    snprintf(key_path, sizeof(key_path), "%s/secret.key", dir);
    cr_assert_eq(vg_db_open(db_path, &db), 0);
    cr_assert_eq(vg_secretbox_load(key_path, &box), 0);
}

static void remove_in_dir(const char *name)
{
    char path[192];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

static void teardown(void)
{
    db = vg_db_close(db);
    remove_in_dir("vigil.db");
    remove_in_dir("vigil.db-wal");
    remove_in_dir("vigil.db-shm");
    remove_in_dir("secret.key");
    remove_in_dir("other.key");
    remove_in_dir("broken.db");
    rmdir(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

static int64_t add_user(const char *name, enum vg_role role)
{
    struct vg_user u = {.role = role};
    snprintf(u.username, sizeof(u.username), "%s", name);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$not-a-real-hash");
    cr_assert_eq(vg_users_insert(db, &u), 0);
    cr_assert_gt(u.id, 0);
    return u.id;
}

/* Every text cell of every row sql returns, joined, to look for leaked plaintext. */
static char *dump(const char *sql)
{
    sqlite3_stmt *st = NULL;
    size_t len = 0;
    char *out = calloc(1, 1);
    cr_assert_eq(sqlite3_prepare_v2(db->h, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            size_t n = t ? strlen(t) : 0;
            out = realloc(out, len + n + 2);
            cr_assert_not_null(out);
            memcpy(out + len, t ? t : "", n);
            len += n;
            out[len++] = '|';
            out[len] = '\0';
        }
    }
    sqlite3_finalize(st);
    return out;
}

static int64_t count_rows(const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db->h, sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Sessions */

Test(store, session_lookup_finds_live_session)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX];
    struct vg_session s, found;
    cr_assert_eq(vg_sessions_create(db, uid, 3600, 5, "192.0.2.7", secret, &s), 0);
    cr_assert_eq(strncmp(secret, "vgs_", 4), 0);
    cr_assert_gt(strlen(s.csrf_token), 40);
    cr_assert_eq(s.expires_at, s.created_at + 3600);

    cr_assert_eq(vg_sessions_lookup(db, secret, s.created_at + 10, &found), 0);
    cr_assert_eq(found.id, s.id);
    cr_assert_eq(found.user_id, uid);
    cr_assert_str_eq(found.csrf_token, s.csrf_token);
    cr_assert_str_eq(found.ip, "192.0.2.7");

    secret[5] = secret[5] == 'A' ? 'B' : 'A';
    cr_assert_eq(vg_sessions_lookup(db, secret, s.created_at + 10, &found), -ENOENT);
    cr_assert_eq(vg_sessions_lookup(db, NULL, s.created_at, &found), -ENOENT);
}

Test(store, session_last_seen_is_written_at_most_once_a_minute)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX];
    struct vg_session s, found;
    cr_assert_eq(vg_sessions_create(db, uid, 3600, 5, "", secret, &s), 0);
    cr_assert_eq(vg_sessions_lookup(db, secret, s.created_at + 30, &found), 0);
    cr_assert_eq(found.last_seen_at, s.created_at);
    cr_assert_eq(vg_sessions_lookup(db, secret, s.created_at + 61, &found), 0);
    cr_assert_eq(found.last_seen_at, s.created_at + 61);
}

Test(store, expired_session_is_rejected_and_deleted)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX];
    struct vg_session s, found;
    int64_t count = -1;
    cr_assert_eq(vg_sessions_create(db, uid, 1, 5, "", secret, &s), 0);
    cr_assert_eq(vg_sessions_lookup(db, secret, s.created_at + 2, &found), -ENOENT);
    cr_assert_eq(vg_sessions_count(db, uid, &count), 0);
    cr_assert_eq(count, 0);
    /* Gone for good: an earlier clock does not bring it back. */
    cr_assert_eq(vg_sessions_lookup(db, secret, s.created_at, &found), -ENOENT);
}

Test(store, session_cap_drops_oldest)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secrets[5][VG_TOKEN_MAX];
    struct vg_session s[5], found;
    int64_t count = 0;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(vg_sessions_create(db, uid, 3600, 3, "", secrets[i], &s[i]), 0);
    cr_assert_eq(vg_sessions_count(db, uid, &count), 0);
    cr_assert_eq(count, 3);
    for (int i = 0; i < 5; i++) {
        int ret = vg_sessions_lookup(db, secrets[i], s[i].created_at, &found);
        cr_assert_eq(ret, i < 2 ? -ENOENT : 0, "session %d: %d", i, ret);
    }
}

Test(store, session_cap_counts_each_user_separately)
{
    int64_t alice = add_user("alice", VG_ROLE_VIEWER);
    int64_t bob = add_user("bob", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX];
    struct vg_session s;
    int64_t count = 0;
    cr_assert_eq(vg_sessions_create(db, bob, 3600, 1, "", secret, &s), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(vg_sessions_create(db, alice, 3600, 1, "", secret, &s), 0);
    cr_assert_eq(vg_sessions_count(db, bob, &count), 0);
    cr_assert_eq(count, 1);
}

Test(store, delete_user_sessions_keeps_keep_id)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secrets[3][VG_TOKEN_MAX];
    struct vg_session s[3], found;
    int64_t count = 0;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(vg_sessions_create(db, uid, 3600, 10, "", secrets[i], &s[i]), 0);
    cr_assert_eq(vg_sessions_delete_user(db, uid, s[1].id), 0);
    cr_assert_eq(vg_sessions_count(db, uid, &count), 0);
    cr_assert_eq(count, 1);
    cr_assert_eq(vg_sessions_lookup(db, secrets[1], s[1].created_at, &found), 0);
    cr_assert_eq(vg_sessions_delete_user(db, uid, 0), 0);
    cr_assert_eq(vg_sessions_count(db, uid, &count), 0);
    cr_assert_eq(count, 0);
}

Test(store, session_secret_is_never_stored_in_plaintext)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX], digest[VG_DIGEST_HEX];
    struct vg_session s;
    cr_assert_eq(vg_sessions_create(db, uid, 3600, 5, "", secret, &s), 0);
    char *rows = dump("SELECT * FROM sessions");
    cr_assert_null(strstr(rows, secret));
    cr_assert_null(strstr(rows, secret + 4), "the random part leaked");
    vg_secret_digest(secret, digest);
    cr_assert_not_null(strstr(rows, digest));
    free(rows);
}

Test(store, purge_deletes_only_expired_sessions)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX];
    struct vg_session s_short, s_long, found;
    cr_assert_eq(vg_sessions_create(db, uid, 1, 5, "", secret, &s_short), 0);
    cr_assert_eq(vg_sessions_create(db, uid, 3600, 5, "", secret, &s_long), 0);
    cr_assert_eq(vg_sessions_purge_expired(db, s_short.created_at + 2), 1);
    cr_assert_eq(vg_sessions_lookup(db, secret, s_long.created_at + 2, &found), 0);
    cr_assert_eq(found.id, s_long.id);
}

Test(store, session_for_unknown_user_is_refused)
{
    char secret[VG_TOKEN_MAX] = "untouched";
    struct vg_session s;
    cr_assert_eq(vg_sessions_create(db, 999, 3600, 5, "", secret, &s), -ENOENT);
    cr_assert_str_eq(secret, "untouched");
    cr_assert_eq(vg_sessions_create(db, 999, 0, 5, "", secret, &s), -EINVAL);
}

/* Tokens */

Test(store, token_create_lookup_list_delete)
{
    int64_t uid = add_user("alice", VG_ROLE_ADMIN);
    int64_t other = add_user("bob", VG_ROLE_VIEWER);
    char secret[VG_TOKEN_MAX], other_secret[VG_TOKEN_MAX];
    struct vg_token t, other_t, found;
    cr_assert_eq(vg_tokens_create(db, uid, "ci", NULL, 0, secret, &t), 0);
    cr_assert_eq(vg_tokens_create(db, other, "backup", NULL, 0, other_secret, &other_t), 0);
    cr_assert_eq(strncmp(secret, "vgt_", 4), 0);
    cr_assert_str_eq(t.username, "alice");
    cr_assert_str_eq(t.name, "ci");

    cr_assert_eq(vg_tokens_lookup(db, secret, t.created_at + 100, &found), 0);
    cr_assert_eq(found.id, t.id);
    cr_assert_eq(found.user_id, uid);
    cr_assert_eq(found.last_used_at, t.created_at + 100);

    struct vg_token *list = NULL;
    size_t n = 0;
    cr_assert_eq(vg_tokens_list(db, 0, &list, &n), 0);
    cr_assert_eq(n, 2);
    free(list);
    cr_assert_eq(vg_tokens_list(db, other, &list, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(list[0].username, "bob");
    free(list);

    char *rows = dump("SELECT * FROM tokens");
    cr_assert_null(strstr(rows, secret + 4));
    free(rows);

    cr_assert_eq(vg_tokens_delete(db, t.id), 0);
    cr_assert_eq(vg_tokens_lookup(db, secret, t.created_at, &found), -ENOENT);
    cr_assert_eq(vg_tokens_get(db, t.id, &found), -ENOENT);
    cr_assert_eq(vg_tokens_delete(db, t.id), -ENOENT);
}

Test(store, expired_token_is_refused)
{
    int64_t uid = add_user("alice", VG_ROLE_ADMIN);
    char secret[VG_TOKEN_MAX];
    struct vg_token t, found;
    int64_t now = vg_db_now();
    cr_assert_eq(vg_tokens_create(db, uid, "short", NULL, now + 10, secret, &t), 0);
    cr_assert_eq(vg_tokens_lookup(db, secret, now + 5, &found), 0);
    cr_assert_eq(vg_tokens_lookup(db, secret, now + 10, &found), -ENOENT);
    /* Still listed, so its owner can see why it stopped working. */
    cr_assert_eq(vg_tokens_get(db, t.id, &found), 0);
}

/* Users */

Test(store, user_insert_rejects_taken_name_in_any_case)
{
    add_user("alice", VG_ROLE_VIEWER);
    struct vg_user u = {.role = VG_ROLE_VIEWER};
    snprintf(u.username, sizeof(u.username), "ALICE");
    cr_assert_eq(vg_users_insert(db, &u), -EEXIST);
    cr_assert_eq(u.id, 0);
    snprintf(u.username, sizeof(u.username), "bad name");
    cr_assert_eq(vg_users_insert(db, &u), -EINVAL);

    struct vg_user found;
    cr_assert_eq(vg_users_get_by_name(db, "Alice", &found), 0);
    cr_assert_str_eq(found.username, "alice");
    vg_user_done(&found);
}

Test(store, user_update_replaces_fields_and_scopes)
{
    char *cams1[] = {"front", "back", "front"}, *zones1[] = {"yard"}, *cams2[] = {"garage"};
    struct vg_user u = {.role = VG_ROLE_VIEWER, .cameras = {cams1, 3}, .zones = {zones1, 1}};
    snprintf(u.username, sizeof(u.username), "carol");
    snprintf(u.password_hash, sizeof(u.password_hash), "h1");
    cr_assert_eq(vg_users_insert(db, &u), 0);
    add_user("dave", VG_ROLE_VIEWER);

    struct vg_user got;
    cr_assert_eq(vg_users_get(db, u.id, &got), 0);
    cr_assert_eq(got.cameras.count, 2, "a repeated camera is one scope");
    cr_assert_str_eq(got.cameras.items[0], "front");
    cr_assert_str_eq(got.cameras.items[1], "back");
    cr_assert_eq(got.zones.count, 1);
    cr_assert(vg_strlist_contains(&got.zones, "yard"));
    vg_user_done(&got);

    u.role = VG_ROLE_ADMIN;
    u.cameras = (struct vg_strlist){cams2, 1};
    u.zones = (struct vg_strlist){0};
    snprintf(u.username, sizeof(u.username), "carol2");
    snprintf(u.password_hash, sizeof(u.password_hash), "h2");
    cr_assert_eq(vg_users_update(db, &u), 0);
    cr_assert_eq(vg_users_get(db, u.id, &got), 0);
    cr_assert_str_eq(got.username, "carol2");
    cr_assert_eq(got.role, VG_ROLE_ADMIN);
    cr_assert_str_eq(got.password_hash, "h2");
    cr_assert_eq(got.cameras.count, 1);
    cr_assert_str_eq(got.cameras.items[0], "garage");
    cr_assert_eq(got.zones.count, 0);
    vg_user_done(&got);

    snprintf(u.username, sizeof(u.username), "dave");
    cr_assert_eq(vg_users_update(db, &u), -EEXIST);
    u.id = 999;
    snprintf(u.username, sizeof(u.username), "nobody");
    cr_assert_eq(vg_users_update(db, &u), -ENOENT);
}

Test(store, user_delete_cascades_sessions_and_tokens)
{
    char *zones[] = {"yard"};
    int64_t uid = add_user("erin", VG_ROLE_VIEWER);
    struct vg_user u;
    cr_assert_eq(vg_users_get(db, uid, &u), 0);
    u.zones = (struct vg_strlist){zones, 1};
    cr_assert_eq(vg_users_update(db, &u), 0);
    char ssecret[VG_TOKEN_MAX], tsecret[VG_TOKEN_MAX];
    struct vg_session s;
    struct vg_token t;
    cr_assert_eq(vg_sessions_create(db, uid, 3600, 5, "", ssecret, &s), 0);
    cr_assert_eq(vg_tokens_create(db, uid, "t", NULL, 0, tsecret, &t), 0);

    cr_assert_eq(vg_users_delete(db, uid), 0);
    cr_assert_eq(vg_sessions_lookup(db, ssecret, s.created_at, &s), -ENOENT);
    cr_assert_eq(vg_tokens_lookup(db, tsecret, t.created_at, &t), -ENOENT);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM user_scopes"), 0);
    cr_assert_eq(vg_users_get(db, uid, &u), -ENOENT);
    cr_assert_eq(vg_users_delete(db, uid), -ENOENT);
}

Test(store, users_list_and_count)
{
    add_user("zed", VG_ROLE_ADMIN);
    add_user("amy", VG_ROLE_VIEWER);
    add_user("bo", VG_ROLE_ADMIN);
    struct vg_user *users = NULL;
    size_t n = 0;
    int64_t total = 0, admins = 0;
    cr_assert_eq(vg_users_list(db, &users, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(users[0].username, "zed", "ordered by id");
    cr_assert_str_eq(users[2].username, "bo");
    vg_users_free_list(users, n);
    cr_assert_eq(vg_users_count(db, &total, &admins), 0);
    cr_assert_eq(total, 3);
    cr_assert_eq(admins, 2);
}

Test(store, outer_transaction_rolls_back_store_writes)
{
    cr_assert_eq(vg_db_begin(db), 0);
    add_user("temp", VG_ROLE_VIEWER);
    vg_db_rollback(db);
    struct vg_user u;
    cr_assert_eq(vg_users_get_by_name(db, "temp", &u), -ENOENT);

    cr_assert_eq(vg_db_begin(db), 0);
    add_user("kept", VG_ROLE_VIEWER);
    cr_assert_eq(vg_db_commit(db), 0);
    cr_assert_eq(vg_users_get_by_name(db, "kept", &u), 0);
    vg_user_done(&u);
}

/* Cameras and NVRs */

#define CAM_PASSWORD "hunter2-Zq8w"
#define CAM_URL "rtsp://admin:" CAM_PASSWORD "@10.0.0.5:554/stream1"
#define CAM_SUB_URL "rtsp://admin:" CAM_PASSWORD "@10.0.0.5:554/stream2"

static struct vg_camera make_camera(const char *id, const char *nvr_id)
{
    struct vg_camera c = {
        .name = "Front door",
        .zone = "yard",
        .main_url = CAM_URL,
        .sub_url = "",
        .username = "admin",
        .password = CAM_PASSWORD,
        .enabled = true,
        .record = true,
        .source = nvr_id ? VG_CAMERA_NVR : VG_CAMERA_API,
        .nvr_channel = nvr_id ? 1 : 0,
    };
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.nvr_id, sizeof(c.nvr_id), "%s", nvr_id ? nvr_id : "");
    return c;
}

static struct vg_nvr make_nvr(const char *id)
{
    struct vg_nvr n = {
        .name = "Basement NVR",
        .vendor = VG_NVR_HIKVISION,
        .host = "10.0.0.9",
        .port = 554,
        .username = "admin",
        .password = CAM_PASSWORD,
        .channels = 8,
        .template_main = "",
        .template_sub = "",
        .zone = "",
    };
    snprintf(n.id, sizeof(n.id), "%s", id);
    return n;
}

Test(store, camera_secrets_are_sealed_at_rest)
{
    struct vg_camera c = make_camera("front", NULL);
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    cr_assert_gt(c.created_at, 0);

    char *rows = dump("SELECT * FROM cameras");
    cr_assert_null(strstr(rows, CAM_PASSWORD), "%s", rows);
    cr_assert_null(strstr(rows, "10.0.0.5"), "%s", rows);
    free(rows);

    struct vg_camera got;
    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), 0);
    cr_assert_str_eq(got.main_url, CAM_URL);
    cr_assert_str_eq(got.password, CAM_PASSWORD);
    cr_assert_str_eq(got.sub_url, "");
    cr_assert_str_eq(got.username, "admin");
    cr_assert_str_eq(got.zone, "yard");
    cr_assert_str_eq(got.nvr_id, "");
    cr_assert(got.enabled && got.record);
    vg_camera_done(&got);

    struct vg_secretbox other;
    char other_path[192];
    snprintf(other_path, sizeof(other_path), "%s/other.key", dir);
    cr_assert_eq(vg_secretbox_load(other_path, &other), 0);
    cr_assert_eq(vg_cameras_get(db, &other, "front", &got), -EBADMSG);
}

Test(store, camera_insert_update_upsert_delete)
{
    struct vg_camera c = make_camera("front", NULL), copy, got;
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &c), -EEXIST);

    cr_assert_eq(vg_camera_copy(&copy, &c), 0);
    free(copy.name);
    copy.name = strdup("Front gate");
    cr_assert_eq(vg_cameras_update(db, &box, &copy), 0);
    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), 0);
    cr_assert_str_eq(got.name, "Front gate");
    cr_assert_eq(got.created_at, c.created_at);
    vg_camera_done(&got);
    vg_camera_done(&copy);

    struct vg_camera cfg = make_camera("front", NULL);
    cfg.source = VG_CAMERA_CONFIG;
    cfg.name = "From config";
    cr_assert_eq(vg_cameras_upsert(db, &box, &cfg), 0);
    cr_assert_eq(cfg.created_at, c.created_at, "an upsert keeps the creation time");
    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), 0);
    cr_assert_str_eq(got.name, "From config");
    cr_assert(vg_camera_readonly(&got));
    vg_camera_done(&got);

    struct vg_camera ghost = make_camera("ghost", NULL);
    cr_assert_eq(vg_cameras_update(db, &box, &ghost), -ENOENT);
    cr_assert_eq(vg_cameras_delete(db, "front"), 0);
    cr_assert_eq(vg_cameras_delete(db, "front"), -ENOENT);
    struct vg_camera bad = make_camera("Not A Slug", NULL);
    cr_assert_eq(vg_cameras_insert(db, &box, &bad), -EINVAL);
}

static struct vg_camera make_camera_with_sub(const char *id)
{
    struct vg_camera c = make_camera(id, NULL);
    c.sub_url = CAM_SUB_URL;
    return c;
}

/* The rows of the streams table as "id role camera_id transport;" in id order. */
static char *stream_rows(void)
{
    return dump("SELECT id || ' ' || role || ' ' || camera_id || ' ' || transport || ';' "
                "FROM streams ORDER BY id");
}

Test(store, camera_with_sub_url_has_two_stream_rows)
{
    struct vg_camera c = make_camera_with_sub("front"), got;
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    char *rows = stream_rows();
    cr_assert_str_eq(rows, "front main front tcp;|front.sub sub front tcp;|");
    free(rows);

    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), 0);
    cr_assert_str_eq(got.main_url, CAM_URL);
    cr_assert_str_eq(got.sub_url, CAM_SUB_URL);
    cr_assert_eq(got.transport, VG_TRANSPORT_TCP);
    vg_camera_done(&got);

    struct vg_stream_row st;
    cr_assert_eq(vg_streams_get(db, &box, "front.sub", &st), 0);
    cr_assert_str_eq(st.id, "front.sub");
    cr_assert_str_eq(st.camera_id, "front");
    cr_assert(st.sub);
    cr_assert_str_eq(st.url, CAM_SUB_URL);
    vg_stream_row_done(&st);
    cr_assert_eq(vg_streams_get(db, &box, "front", &st), 0);
    cr_assert_not(st.sub);
    cr_assert_str_eq(st.url, CAM_URL);
    vg_stream_row_done(&st);
    cr_assert_eq(vg_streams_get(db, &box, "back", &st), -ENOENT);
}

Test(store, camera_without_sub_url_has_only_a_main_stream)
{
    struct vg_camera c = make_camera("front", NULL);
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    char *rows = stream_rows();
    cr_assert_str_eq(rows, "front main front tcp;|");
    free(rows);
}

Test(store, clearing_sub_url_removes_the_sub_stream)
{
    struct vg_camera c = make_camera_with_sub("front"), got;
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    c.sub_url = "";
    cr_assert_eq(vg_cameras_update(db, &box, &c), 0);
    char *rows = stream_rows();
    cr_assert_str_eq(rows, "front main front tcp;|");
    free(rows);
    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), 0);
    cr_assert_str_eq(got.sub_url, "");
    cr_assert_str_eq(got.main_url, CAM_URL);
    vg_camera_done(&got);

    /* And back: setting it again makes the row again. */
    c.sub_url = CAM_SUB_URL;
    cr_assert_eq(vg_cameras_update(db, &box, &c), 0);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM streams WHERE id = 'front.sub'"), 1);

    /* An upsert replaces every field too, the sub stream included. */
    struct vg_camera cfg = make_camera("front", NULL);
    cfg.source = VG_CAMERA_CONFIG;
    cr_assert_eq(vg_cameras_upsert(db, &box, &cfg), 0);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM streams"), 1);
}

Test(store, camera_update_rewrites_urls_and_transport)
{
    struct vg_camera c = make_camera_with_sub("front"), got;
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    c.main_url = "rtsp://10.0.0.6/main";
    c.sub_url = "rtsp://10.0.0.6/sub";
    c.transport = VG_TRANSPORT_UDP;
    cr_assert_eq(vg_cameras_update(db, &box, &c), 0);
    char *rows = stream_rows();
    cr_assert_str_eq(rows, "front main front udp;|front.sub sub front udp;|");
    free(rows);
    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), 0);
    cr_assert_str_eq(got.main_url, "rtsp://10.0.0.6/main");
    cr_assert_str_eq(got.sub_url, "rtsp://10.0.0.6/sub");
    cr_assert_eq(got.transport, VG_TRANSPORT_UDP);
    vg_camera_done(&got);

    c.transport = (enum vg_stream_transport)7;
    cr_assert_eq(vg_cameras_update(db, &box, &c), -EINVAL);
}

Test(store, camera_delete_deletes_its_streams)
{
    struct vg_camera front = make_camera_with_sub("front");
    struct vg_camera back = make_camera_with_sub("back");
    cr_assert_eq(vg_cameras_insert(db, &box, &front), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &back), 0);
    cr_assert_eq(vg_cameras_delete(db, "front"), 0);
    char *rows = stream_rows();
    cr_assert_str_eq(rows, "back main back tcp;|back.sub sub back tcp;|");
    free(rows);
    cr_assert_eq(vg_cameras_delete(db, "front"), -ENOENT);

    /* The foreign key cascades on its own as well, for a delete made elsewhere. */
    cr_assert_eq(sqlite3_exec(db->h, "DELETE FROM cameras WHERE id = 'back'", NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM streams"), 0);
}

Test(store, camera_write_is_undone_when_a_stream_write_fails)
{
    /* A trigger makes the sub stream's insert fail after the camera row was written. */
    cr_assert_eq(sqlite3_exec(db->h,
                              "CREATE TEMP TRIGGER no_sub BEFORE INSERT ON streams "
                              "WHEN NEW.role = 'sub' BEGIN SELECT RAISE(ABORT, 'no sub'); END",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    struct vg_camera c = make_camera_with_sub("front"), got;
    cr_assert_lt(vg_cameras_insert(db, &box, &c), 0);
    cr_assert_eq(c.created_at, 0);
    cr_assert_eq(vg_cameras_get(db, &box, "front", &got), -ENOENT);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM streams"), 0);
    cr_assert_eq(db->tx_depth, 0);
}

Test(store, stream_urls_are_sealed_at_rest)
{
    struct vg_camera c = make_camera_with_sub("front");
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    char *rows = dump("SELECT * FROM streams");
    cr_assert_null(strstr(rows, CAM_PASSWORD), "%s", rows);
    cr_assert_null(strstr(rows, "10.0.0.5"), "the URL is sealed whole");
    cr_assert_null(strstr(rows, "stream2"), "%s", rows);
    free(rows);
    rows = dump("SELECT url_sealed FROM streams WHERE url_sealed NOT LIKE 'v1:%'");
    cr_assert_str_eq(rows, "", "every URL is secretbox output");
    free(rows);

    struct vg_secretbox other;
    char other_path[192];
    struct vg_stream_row st;
    snprintf(other_path, sizeof(other_path), "%s/other.key", dir);
    cr_assert_eq(vg_secretbox_load(other_path, &other), 0);
    cr_assert_eq(vg_streams_get(db, &other, "front", &st), -EBADMSG);
}

Test(store, streams_list_returns_all_in_id_order)
{
    struct vg_stream_row *list = NULL;
    size_t n = 99;
    cr_assert_eq(vg_streams_list(db, &box, &list, &n), 0);
    cr_assert_eq(n, 0);
    vg_streams_free_list(list, n);

    struct vg_camera zed = make_camera_with_sub("zed");
    struct vg_camera front = make_camera("front", NULL);
    struct vg_camera front2 = make_camera_with_sub("front-2");
    front2.transport = VG_TRANSPORT_UDP;
    front2.enabled = false;
    cr_assert_eq(vg_cameras_insert(db, &box, &zed), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &front), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &front2), 0);

    cr_assert_eq(vg_streams_list(db, &box, &list, &n), 0);
    cr_assert_eq(n, 5);
    const char *ids[] = {"front", "front-2", "front-2.sub", "zed", "zed.sub"};
    const char *cams[] = {"front", "front-2", "front-2", "zed", "zed"};
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(list[i].id, ids[i]);
        cr_assert_str_eq(list[i].camera_id, cams[i]);
        cr_assert_eq(list[i].sub, strstr(ids[i], ".sub") != NULL, "%s", ids[i]);
        cr_assert_str_eq(list[i].url, list[i].sub ? CAM_SUB_URL : CAM_URL);
        cr_assert_eq(list[i].transport,
                     strcmp(cams[i], "front-2") == 0 ? VG_TRANSPORT_UDP : VG_TRANSPORT_TCP);
    }
    vg_streams_free_list(list, n);
    vg_streams_free_list(NULL, 0);
    vg_stream_row_done(NULL);
}

Test(store, camera_list_reads_every_cameras_streams)
{
    struct vg_camera a = make_camera_with_sub("a");
    struct vg_camera b = make_camera("b", NULL);
    struct vg_camera c = make_camera_with_sub("c");
    c.transport = VG_TRANSPORT_UDP;
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &b), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &a), 0);
    struct vg_camera *cams = NULL;
    size_t n = 0;
    cr_assert_eq(vg_cameras_list(db, &box, NULL, &cams, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(cams[0].id, "a");
    cr_assert_str_eq(cams[0].sub_url, CAM_SUB_URL);
    cr_assert_str_eq(cams[1].id, "b");
    cr_assert_str_eq(cams[1].main_url, CAM_URL);
    cr_assert_str_eq(cams[1].sub_url, "");
    cr_assert_str_eq(cams[2].id, "c");
    cr_assert_eq(cams[2].transport, VG_TRANSPORT_UDP);
    cr_assert_eq(cams[0].transport, VG_TRANSPORT_TCP);
    vg_cameras_free_list(cams, n);
}

Test(store, delete_source_except_keeps_listed_and_other_sources)
{
    const char *ids[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        struct vg_camera c = make_camera(ids[i], NULL);
        c.source = VG_CAMERA_CONFIG;
        cr_assert_eq(vg_cameras_insert(db, &box, &c), 0);
    }
    struct vg_camera api = make_camera("d", NULL);
    cr_assert_eq(vg_cameras_insert(db, &box, &api), 0);
    const char *keep[] = {"b"};
    cr_assert_eq(vg_cameras_delete_source_except(db, VG_CAMERA_CONFIG, keep, 1), 0);
    struct vg_camera *cams = NULL;
    size_t n = 0;
    cr_assert_eq(vg_cameras_list(db, &box, NULL, &cams, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(cams[0].id, "b");
    cr_assert_str_eq(cams[1].id, "d");
    vg_cameras_free_list(cams, n);
    char *rows = dump("SELECT id FROM streams ORDER BY id");
    cr_assert_str_eq(rows, "b|d|");
    free(rows);
}

Test(store, nvr_delete_removes_its_cameras_and_streams)
{
    struct vg_nvr n = make_nvr("basement");
    cr_assert_eq(vg_nvrs_insert(db, &box, &n), 0);
    cr_assert_eq(vg_nvrs_insert(db, &box, &n), -EEXIST);
    struct vg_camera c1 = make_camera("basement-1", "basement");
    struct vg_camera c2 = make_camera("basement-2", "basement");
    c2.sub_url = CAM_SUB_URL;
    struct vg_camera own = make_camera("porch", NULL);
    struct vg_camera orphan = make_camera("orphan", "no-such-nvr");
    cr_assert_eq(vg_cameras_insert(db, &box, &c1), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &c2), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &own), 0);
    cr_assert_eq(vg_cameras_insert(db, &box, &orphan), -ENOENT);

    struct vg_camera *cams = NULL;
    size_t count = 0;
    cr_assert_eq(vg_cameras_list(db, &box, "basement", &cams, &count), 0);
    cr_assert_eq(count, 2);
    vg_cameras_free_list(cams, count);

    cr_assert_eq(vg_nvrs_delete(db, "basement"), 0);
    cr_assert_eq(vg_cameras_list(db, &box, NULL, &cams, &count), 0);
    cr_assert_eq(count, 1);
    cr_assert_str_eq(cams[0].id, "porch");
    vg_cameras_free_list(cams, count);
    char *rows = dump("SELECT id FROM streams ORDER BY id");
    cr_assert_str_eq(rows, "porch|");
    free(rows);
    struct vg_nvr got;
    cr_assert_eq(vg_nvrs_get(db, &box, "basement", &got), -ENOENT);
    cr_assert_eq(vg_nvrs_delete(db, "basement"), -ENOENT);
}

Test(store, nvr_password_is_sealed_and_round_trips)
{
    struct vg_nvr n = make_nvr("hall"), got;
    cr_assert_eq(vg_nvrs_insert(db, &box, &n), 0);
    char *rows = dump("SELECT * FROM nvrs");
    cr_assert_null(strstr(rows, CAM_PASSWORD));
    free(rows);
    cr_assert_eq(vg_nvrs_get(db, &box, "hall", &got), 0);
    cr_assert_str_eq(got.password, CAM_PASSWORD);
    cr_assert_eq(got.vendor, VG_NVR_HIKVISION);
    cr_assert_eq(got.channels, 8);
    cr_assert_eq(got.port, 554);
    vg_nvr_done(&got);

    n.channels = 16;
    cr_assert_eq(vg_nvrs_update(db, &box, &n), 0);
    struct vg_nvr *list = NULL;
    size_t count = 0;
    cr_assert_eq(vg_nvrs_list(db, &box, &list, &count), 0);
    cr_assert_eq(count, 1);
    cr_assert_eq(list[0].channels, 16);
    vg_nvrs_free_list(list, count);
    n.channels = VG_NVR_CHANNELS_MAX + 1;
    cr_assert_eq(vg_nvrs_update(db, &box, &n), -EINVAL);
}

/* Schema */

Test(store, migration_is_idempotent)
{
    add_user("alice", VG_ROLE_ADMIN);
    cr_assert_eq(count_rows("PRAGMA user_version"), vg_db_schema_version());
    for (int i = 0; i < 2; i++) {
        db = vg_db_close(db);
        cr_assert_eq(vg_db_open(db_path, &db), 0);
        cr_assert_eq(count_rows("PRAGMA user_version"), vg_db_schema_version());
    }
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM users"), 1);
    cr_assert_eq(count_rows("PRAGMA foreign_keys"), 1);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
}

Test(store, database_from_newer_vigil_is_refused)
{
    cr_assert_eq(sqlite3_exec(db->h, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    db = vg_db_close(db);
    cr_assert_eq(vg_db_open(db_path, &db), -EPROTO);
    cr_assert_null(db);
}

/* Audit */

Test(store, audit_list_is_newest_first_and_limited)
{
    char action[16];
    for (int i = 1; i <= 5; i++) {
        snprintf(action, sizeof(action), "a%d", i);
        cr_assert_eq(vg_audit_add(db, "alice", "192.0.2.1", action, "camera:front", ""), 0);
    }
    struct vg_audit_entry *e = NULL;
    size_t n = 0;
    cr_assert_eq(vg_audit_list(db, 0, 3, &e, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(e[0].action, "a5");
    cr_assert_str_eq(e[2].action, "a3");
    cr_assert_str_eq(e[0].username, "alice");
    cr_assert_gt(e[0].id, e[1].id);
    int64_t before = e[2].id;
    free(e);

    cr_assert_eq(vg_audit_list(db, before, 10, &e, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(e[0].action, "a2");
    cr_assert_str_eq(e[1].action, "a1");
    free(e);

    cr_assert_eq(vg_audit_list(db, 0, 0, &e, &n), -EINVAL);
    cr_assert_eq(vg_audit_list(db, 0, 1001, &e, &n), -EINVAL);
}

Test(store, audit_cuts_long_fields_on_a_character_boundary)
{
    char detail[601] = "";
    for (int i = 0; i < 300; i++)
        memcpy(detail + 2 * i, "\xc3\xa9", 2); /* é */
    cr_assert_eq(vg_audit_add(db, NULL, NULL, "login", NULL, detail), 0);
    struct vg_audit_entry *e = NULL;
    size_t n = 0;
    cr_assert_eq(vg_audit_list(db, 0, 1, &e, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(strlen(e[0].detail), 254, "255 bytes would split a character");
    cr_assert_str_eq(e[0].username, "");
    free(e);
}

/* Secret box */

Test(store, key_file_is_private_and_reloads)
{
    struct stat sb;
    cr_assert_eq(stat(key_path, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    cr_assert_eq(sb.st_size, 32);
    struct vg_secretbox again;
    cr_assert_eq(vg_secretbox_load(key_path, &again), 0);
    cr_assert_eq(memcmp(again.key, box.key, sizeof(box.key)), 0);

    char bad_path[192];
    snprintf(bad_path, sizeof(bad_path), "%s/other.key", dir);
    int fd = open(bad_path, O_CREAT | O_WRONLY, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "short", 5), 5);
    close(fd);
    cr_assert_eq(vg_secretbox_load(bad_path, &again), -EINVAL);
}

Test(store, sealed_value_detects_tampering)
{
    char *sealed = NULL, *plain = NULL;
    cr_assert_eq(vg_secretbox_seal(&box, "", &sealed), 0);
    cr_assert_str_eq(sealed, "");
    free(sealed);

    cr_assert_eq(vg_secretbox_seal(&box, "pa55word", &sealed), 0);
    cr_assert_eq(vg_secretbox_open(&box, sealed, &plain), 0);
    cr_assert_str_eq(plain, "pa55word");
    free(plain);
    size_t mid = strlen(sealed) / 2;
    sealed[mid] = sealed[mid] == 'A' ? 'B' : 'A';
    plain = NULL;
    cr_assert_eq(vg_secretbox_open(&box, sealed, &plain), -EBADMSG);
    cr_assert_null(plain);
    cr_assert_eq(vg_secretbox_open(&box, "pa55word", &plain), -EBADMSG);
    cr_assert_eq(vg_secretbox_open(&box, "v1:", &plain), -EBADMSG);
    cr_assert_eq(vg_secretbox_open(&box, "v1:!!!!", &plain), -EBADMSG);
    free(sealed);
}

Test(store, audit_keeps_only_the_newest_rows)
{
    /* Rows placed by id rather than 200,000 inserts: the next add gets id 200000, a
     * pruning turn, which keeps ids above 100000. */
    cr_assert_eq(sqlite3_exec(db->h,
                              "INSERT INTO audit (id, time, action) VALUES "
                              "(1, 0, 'old'), (100000, 0, 'old'), (100001, 0, 'kept'), "
                              "(199999, 0, 'kept')",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_eq(vg_audit_add(db, "alice", "", "new", "", ""), 0);
    struct vg_audit_entry *e = NULL;
    size_t n = 0;
    cr_assert_eq(vg_audit_list(db, 0, 10, &e, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(e[0].id, 200000);
    cr_assert_eq(e[2].id, 100001);
    free(e);
}

Test(store, token_for_unknown_user_or_past_expiry_is_refused)
{
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    int64_t uid = add_user("alice", VG_ROLE_ADMIN);
    cr_assert_eq(vg_tokens_create(db, 999, "x", NULL, 0, secret, &t), -ENOENT);
    cr_assert_eq(vg_tokens_create(db, uid, "x", NULL, vg_db_now() - 1, secret, &t), -EINVAL);
    char long_name[VG_TOKEN_NAME_MAX + 1];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    cr_assert_eq(vg_tokens_create(db, uid, long_name, NULL, 0, secret, &t), -EINVAL);
}

Test(store, failed_migration_leaves_no_partial_schema)
{
    /* A fresh file whose "audit" table is in the way of the last statement of the
     * first migration: everything before it must be rolled back with it. */
    char path[192];
    sqlite3 *h = NULL;
    snprintf(path, sizeof(path), "%s/broken.db", dir);
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "CREATE TABLE audit (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);

    struct vg_db *other = NULL;
    cr_assert_lt(vg_db_open(path, &other), 0);
    cr_assert_null(other);

    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(h,
                                    "SELECT (SELECT COUNT(*) FROM sqlite_schema "
                                    "WHERE name = 'users'), user_version FROM pragma_user_version",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 0, "users was created by a failed migration");
    cr_assert_eq(sqlite3_column_int(st, 1), 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

Test(store, killed_writer_leaves_consistent_database)
{
    int64_t uid = add_user("alice", VG_ROLE_VIEWER);
    db = vg_db_close(db);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* The child writes through its own connection until it is killed mid-way. */
        struct vg_db *child = NULL;
        char secret[VG_TOKEN_MAX];
        struct vg_session s;
        if (vg_db_open(db_path, &child) < 0)
            _exit(1);
        for (;;) {
            vg_sessions_create(child, uid, 3600, 3, "", secret, &s);
            vg_audit_add(child, "alice", "", "login", "", "");
        }
    }
    usleep(300 * 1000);
    kill(pid, SIGKILL);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status), "the writer stopped on its own: %d", status);

    cr_assert_eq(vg_db_open(db_path, &db), 0);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    int64_t count = 0;
    cr_assert_eq(vg_sessions_count(db, uid, &count), 0);
    cr_assert_eq(count, 3, "the cap holds whatever moment the writer died");
    cr_assert_gt(count_rows("SELECT COUNT(*) FROM audit"), 0);
}
