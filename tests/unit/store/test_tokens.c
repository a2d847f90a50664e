/* API tokens' publish lists (store/tokens.c): the pure list rules, storing and
 * reading them back, cameras leaving the lists when deleted, and the migration
 * that added them. Each store test runs on a fresh database. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secret.h"
#include "core/url.h"
#include "store/cameras.h"
#include "store/db.h"
#include "store/nvrs.h"
#include "store/secretbox.h"
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
    snprintf(dir, sizeof(dir), "/tmp/vigil-tokens-XXXXXX");
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
    rmdir(dir);
}

TestSuite(tokens, .init = setup, .fini = teardown);

static int64_t add_user(const char *name)
{
    struct vg_user u = {.role = VG_ROLE_VIEWER};
    snprintf(u.username, sizeof(u.username), "%s", name);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$not-a-real-hash");
    cr_assert_eq(vg_users_insert(db, &u), 0);
    return u.id;
}

static void add_camera(const char *id, const char *nvr_id)
{
    struct vg_camera c = {
        .name = "Cam",
        .zone = "",
        .main_url = VG_URL_WEBRTC,
        .sub_url = "",
        .username = "",
        .password = "",
        .enabled = true,
        .source = nvr_id ? VG_CAMERA_NVR : VG_CAMERA_API,
        .nvr_channel = nvr_id ? 1 : 0,
    };
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.nvr_id, sizeof(c.nvr_id), "%s", nvr_id ? nvr_id : "");
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0, "camera %s", id);
}

static struct vg_token get(int64_t id)
{
    struct vg_token t;
    cr_assert_eq(vg_tokens_get(db, id, &t), 0);
    return t;
}

/* ---- the list rules (pure) ---- */

Test(tokens, publish_list_accepts_empty_and_comma_joined_slugs)
{
    cr_expect(vg_token_publish_valid(""));
    cr_expect(vg_token_publish_valid("gate"));
    cr_expect(vg_token_publish_valid("gate,front-door,0cam"));
}

Test(tokens, publish_list_refuses_bad_items_empty_items_and_duplicates)
{
    const char *bad[] = {",",      "gate,", ",gate",     "gate,,yard", "Gate",       "gate yard",
                         "gate;x", "-gate", "gate,gate", "a,b,a",      "gat\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_not(vg_token_publish_valid(bad[i]), "'%s' accepted", bad[i]);
    cr_expect_not(vg_token_publish_valid(NULL));
}

/* n distinct ids of len characters joined by ','. Caller frees. */
static char *many_ids(size_t n, size_t len)
{
    char *s = calloc(n, len + 1);
    cr_assert_not_null(s);
    char *p = s;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(p, len + 1, "%03zu", i);
        memset(p + w, 'x', len - (size_t)w);
        p += len;
        *p++ = i + 1 < n ? ',' : '\0';
    }
    return s;
}

Test(tokens, publish_list_holds_at_most_64_cameras_of_the_longest_ids)
{
    char *full = many_ids(VG_TOKEN_PUBLISH_MAX, VG_SLUG_MAX - 1);
    cr_expect_eq(strlen(full) + 1, (size_t)VG_TOKEN_PUBLISH_SIZE, "the longest list fits exactly");
    cr_expect(vg_token_publish_valid(full));
    free(full);
    char *over = many_ids(VG_TOKEN_PUBLISH_MAX + 1, 3);
    cr_expect_not(vg_token_publish_valid(over), "65 cameras accepted");
    free(over);
    char *long_id = many_ids(1, VG_SLUG_MAX);
    cr_expect_not(vg_token_publish_valid(long_id), "a 64-character id accepted");
    free(long_id);
}

Test(tokens, may_publish_matches_whole_ids_only)
{
    struct vg_token t = {0};
    snprintf(t.publish, sizeof(t.publish), "front-door,gate");
    cr_expect(vg_token_may_publish(&t, "gate"));
    cr_expect(vg_token_may_publish(&t, "front-door"));
    cr_expect_not(vg_token_may_publish(&t, "front"));
    cr_expect_not(vg_token_may_publish(&t, "door"));
    cr_expect_not(vg_token_may_publish(&t, "gat"));
    cr_expect_not(vg_token_may_publish(&t, "gate,"));
    cr_expect_not(vg_token_may_publish(&t, "front-door,gate"));
    cr_expect_not(vg_token_may_publish(&t, ""));
    cr_expect_not(vg_token_may_publish(&t, NULL));
    cr_expect_not(vg_token_may_publish(NULL, "gate"));
    t.publish[0] = '\0';
    cr_expect_not(vg_token_may_publish(&t, "gate"));
}

/* ---- stored ---- */

Test(tokens, publish_list_is_stored_and_read_by_get_list_and_lookup)
{
    int64_t uid = add_user("cam-node");
    char secret[VG_TOKEN_MAX];
    struct vg_token t, found;
    cr_assert_eq(vg_tokens_create(db, uid, "node", "gate,yard", 0, secret, &t), 0);
    cr_expect_str_eq(t.publish, "gate,yard");
    cr_expect(vg_token_may_publish(&t, "yard"));

    found = get(t.id);
    cr_expect_str_eq(found.publish, "gate,yard");
    cr_assert_eq(vg_tokens_lookup(db, secret, vg_db_now(), &found), 0);
    cr_expect_str_eq(found.publish, "gate,yard");

    char other_secret[VG_TOKEN_MAX];
    struct vg_token plain;
    cr_assert_eq(vg_tokens_create(db, uid, "plain", NULL, 0, other_secret, &plain), 0);
    cr_expect_str_eq(plain.publish, "");

    struct vg_token *list = NULL;
    size_t n = 0;
    cr_assert_eq(vg_tokens_list(db, uid, &list, &n), 0);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(list[0].publish, "gate,yard");
    cr_expect_str_eq(list[1].publish, "");
    free(list);
}

Test(tokens, create_refuses_an_invalid_publish_list)
{
    int64_t uid = add_user("cam-node");
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    cr_expect_eq(vg_tokens_create(db, uid, "x", "gate,gate", 0, secret, &t), -EINVAL);
    cr_expect_eq(vg_tokens_create(db, uid, "x", "Gate", 0, secret, &t), -EINVAL);
    struct vg_token *list = NULL;
    size_t n = 0;
    cr_assert_eq(vg_tokens_list(db, 0, &list, &n), 0);
    cr_expect_eq(n, 0);
    free(list);
}

Test(tokens, a_list_changed_behind_the_store_into_an_invalid_one_grants_nothing)
{
    int64_t uid = add_user("cam-node");
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    cr_assert_eq(vg_tokens_create(db, uid, "x", "gate", 0, secret, &t), 0);
    cr_assert_eq(sqlite3_exec(db->h, "UPDATE tokens SET publish = 'gate,,GATE'", NULL, NULL, NULL),
                 SQLITE_OK);
    cr_expect_str_eq(get(t.id).publish, "");
}

Test(tokens, deleted_camera_leaves_every_publish_list)
{
    int64_t uid = add_user("cam-node");
    add_camera("gate", NULL);
    add_camera("gate-2", NULL);
    add_camera("yard", NULL);
    char secret[VG_TOKEN_MAX];
    struct vg_token a, b, c;
    cr_assert_eq(vg_tokens_create(db, uid, "a", "gate,gate-2,yard", 0, secret, &a), 0);
    cr_assert_eq(vg_tokens_create(db, uid, "b", "gate", 0, secret, &b), 0);
    cr_assert_eq(vg_tokens_create(db, uid, "c", "yard,gate", 0, secret, &c), 0);

    cr_assert_eq(vg_cameras_delete(db, "gate"), 0);
    cr_expect_str_eq(get(a.id).publish, "gate-2,yard");
    cr_expect_str_eq(get(b.id).publish, "");
    cr_expect_str_eq(get(c.id).publish, "yard");

    /* A camera made again under the id is not published to by the old tokens. */
    add_camera("gate", NULL);
    struct vg_token again = get(b.id);
    cr_expect_not(vg_token_may_publish(&again, "gate"));
}

Test(tokens, cameras_of_a_deleted_nvr_leave_the_publish_lists)
{
    int64_t uid = add_user("cam-node");
    struct vg_nvr n = {.name = "NVR",
                       .vendor = VG_NVR_HIKVISION,
                       .host = "10.0.0.9",
                       .port = 554,
                       .username = "",
                       .password = "",
                       .channels = 2,
                       .template_main = "",
                       .template_sub = "",
                       .zone = ""};
    snprintf(n.id, sizeof(n.id), "nvr1");
    cr_assert_eq(vg_nvrs_insert(db, &box, &n), 0);
    add_camera("nvr1-ch1", "nvr1");
    add_camera("porch", NULL);
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    cr_assert_eq(vg_tokens_create(db, uid, "t", "nvr1-ch1,porch", 0, secret, &t), 0);
    cr_assert_eq(vg_nvrs_delete(db, "nvr1"), 0);
    cr_expect_str_eq(get(t.id).publish, "porch");
}

/* ---- migration ---- */

Test(tokens, database_from_before_publish_lists_migrates_with_empty_lists)
{
    int64_t uid = add_user("old-user");
    char secret[VG_TOKEN_MAX];
    struct vg_token t;
    cr_assert_eq(vg_tokens_create(db, uid, "old", NULL, 0, secret, &t), 0);
    /* Take the schema back to version 1 as an older Vigil left it. */
    cr_assert_eq(sqlite3_exec(db->h,
                              "DROP TRIGGER cameras_leave_token_publish;"
                              "ALTER TABLE tokens DROP COLUMN publish;"
                              "DROP TABLE segments; DROP TABLE segment_totals;"
                              "ALTER TABLE cameras DROP COLUMN record_sub;"
                              "ALTER TABLE cameras DROP COLUMN retention_days;"
                              "PRAGMA user_version = 1;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    db = vg_db_close(db);
    cr_assert_eq(vg_db_open(db_path, &db), 0);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(st, 0), vg_db_schema_version());
    sqlite3_finalize(st);

    struct vg_token found;
    cr_assert_eq(vg_tokens_lookup(db, secret, vg_db_now(), &found), 0);
    cr_expect_eq(found.id, t.id);
    cr_expect_str_eq(found.publish, "");
    cr_assert_eq(vg_tokens_create(db, uid, "new", "gate", 0, secret, &t), 0);
    cr_expect_str_eq(get(t.id).publish, "gate");
}
