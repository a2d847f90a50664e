/* The index of recorded segments (store/segments.c): rows written and closed by
 * the recorder, the queries of playback, retention and storage figures, and the
 * local-day helpers. Each test runs on a fresh database with TZ=UTC unless it
 * says otherwise. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/secret.h"
#include "core/url.h"
#include "store/cameras.h"
#include "store/db.h"
#include "store/secretbox.h"
#include "store/segments.h"

#define DAY_MS (INT64_C(86400) * 1000)
#define HOUR_MS (INT64_C(3600) * 1000)
/* 2026-11-21T00:00:00Z */
#define T0 INT64_C(1795219200000)

static char dir[64];
static char db_path[128];
static char key_path[128];
static struct vg_db *db;
static struct vg_secretbox box;

static void setup(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    cr_assert_eq(vg_secret_init(), 0);
    snprintf(dir, sizeof(dir), "/tmp/vigil-segments-XXXXXX");
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
    unsetenv("TZ");
    tzset();
}

TestSuite(segments, .init = setup, .fini = teardown);

/* Runs the rest of the test in zone tz; restore_tz() goes back to UTC. */
static void use_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static void restore_tz(void)
{
    use_tz("UTC");
}

static void add_camera(const char *id, uint32_t retention_days)
{
    struct vg_camera c = {
        .name = "Cam",
        .zone = "",
        .main_url = VG_URL_WEBRTC,
        .sub_url = "",
        .username = "",
        .password = "",
        .enabled = true,
        .record = true,
        .retention_days = retention_days,
        .source = VG_CAMERA_API,
    };
    snprintf(c.id, sizeof(c.id), "%s", id);
    cr_assert_eq(vg_cameras_insert(db, &box, &c), 0, "camera %s", id);
}

/* A row for camera, [start, end), closed unless open; the path is made from the
 * camera and the start. */
static int64_t add_full(const char *camera, bool sub, int64_t start, int64_t end, uint64_t bytes,
                        bool open)
{
    struct vg_segment s = {
        .sub = sub,
        .start_ms = start,
        .end_ms = end,
        .bytes = bytes,
        .codec = "avc1.64001f",
        .width = 1280,
        .height = 720,
        .open = open,
        .id = -5,
    };
    snprintf(s.camera_id, sizeof(s.camera_id), "%s", camera);
    snprintf(s.path, sizeof(s.path), "%s/%s/%lld.mp4", camera, sub ? "sub" : "main",
             (long long)start);
    cr_assert_eq(vg_segments_insert(db, &s), 0, "segment %s", s.path);
    cr_assert_gt(s.id, 0);
    return s.id;
}

static int64_t add(const char *camera, int64_t start, int64_t end)
{
    return add_full(camera, false, start, end, (uint64_t)(end - start) * 10, false);
}

static struct vg_segment get(int64_t id)
{
    struct vg_segment s;
    cr_assert_eq(vg_segments_get(db, id, &s), 0, "segment %lld", (long long)id);
    return s;
}

/* The ids of a range query, at most 16, the rest of the slots -1. */
struct ids {
    size_t n;
    int64_t id[16];
};

static struct ids range_ids(const char *camera, int64_t from, int64_t to, size_t limit)
{
    struct vg_segment *list = NULL;
    size_t n = 99;
    struct ids out;
    memset(&out, 0xff, sizeof(out));
    cr_assert_eq(vg_segments_range(db, camera, from, to, limit, &list, &n), 0);
    cr_assert_leq(n, 16);
    out.n = n;
    for (size_t i = 0; i < n; i++)
        out.id[i] = list[i].id;
    free(list);
    return out;
}

static struct ids oldest_ids(const char *camera, int64_t before, size_t limit)
{
    struct vg_segment *list = NULL;
    size_t n = 99;
    struct ids out;
    memset(&out, 0xff, sizeof(out));
    cr_assert_eq(vg_segments_oldest(db, camera, before, limit, &list, &n), 0);
    cr_assert_leq(n, 16);
    out.n = n;
    for (size_t i = 0; i < n; i++) {
        cr_expect_not(list[i].open);
        out.id[i] = list[i].id;
    }
    free(list);
    return out;
}

/* ---- rows ---- */

Test(segments, insert_then_get_returns_every_field)
{
    struct vg_segment s = {
        .camera_id = "gate",
        .sub = true,
        .start_ms = T0 + 1234,
        .end_ms = T0 + 61234,
        .bytes = UINT64_C(5000000000),
        .path = "gate/2026-11-21/000001.mp4",
        .codec = "hvc1.1.6.L93.B0",
        .width = 640,
        .height = 360,
        .open = true,
    };
    cr_assert_eq(vg_segments_insert(db, &s), 0);
    struct vg_segment g = get(s.id);
    cr_expect_eq(g.id, s.id);
    cr_expect_str_eq(g.camera_id, "gate");
    cr_expect(g.sub);
    cr_expect_eq(g.start_ms, T0 + 1234);
    cr_expect_eq(g.end_ms, T0 + 61234);
    cr_expect_eq(g.bytes, UINT64_C(5000000000));
    cr_expect_str_eq(g.path, "gate/2026-11-21/000001.mp4");
    cr_expect_str_eq(g.codec, "hvc1.1.6.L93.B0");
    cr_expect_eq(g.width, 640);
    cr_expect_eq(g.height, 360);
    cr_expect(g.open);
}

Test(segments, insert_sets_a_new_id_each_time)
{
    int64_t a = add("gate", T0, T0 + 1000);
    int64_t b = add("gate", T0 + 1000, T0 + 2000);
    cr_expect_neq(a, b);
    cr_expect_eq(get(a).start_ms, T0);
    cr_expect_eq(get(b).start_ms, T0 + 1000);
    cr_expect_not(get(a).sub);
}

Test(segments, insert_refuses_a_path_taken)
{
    struct vg_segment s = {.camera_id = "gate", .start_ms = T0, .end_ms = T0, .path = "gate/x.mp4"};
    cr_assert_eq(vg_segments_insert(db, &s), 0);
    int64_t first = s.id;
    struct vg_segment t = {
        .camera_id = "door", .start_ms = T0 + 5, .end_ms = T0 + 9, .path = "gate/x.mp4"};
    t.id = 77;
    cr_expect_eq(vg_segments_insert(db, &t), -EEXIST);
    cr_expect_eq(t.id, 77, "id written on failure");
    struct vg_segment g = get(first);
    cr_expect_str_eq(g.camera_id, "gate");
}

Test(segments, insert_refuses_an_end_before_the_start)
{
    struct vg_segment s = {
        .camera_id = "gate", .start_ms = T0, .end_ms = T0 - 1, .path = "gate/back.mp4"};
    cr_expect_lt(vg_segments_insert(db, &s), 0);
}

Test(segments, finish_sets_end_size_and_open_flag)
{
    int64_t id = add_full("gate", false, T0, T0, 0, true);
    cr_expect(get(id).open);
    cr_expect_eq(vg_segments_finish(db, id, T0 + 60000, 123456, true), 0);
    struct vg_segment g = get(id);
    cr_expect_eq(g.end_ms, T0 + 60000);
    cr_expect_eq(g.bytes, 123456);
    cr_expect(g.open);
    cr_expect_eq(vg_segments_finish(db, id, T0 + 61000, 200000, false), 0);
    g = get(id);
    cr_expect_eq(g.end_ms, T0 + 61000);
    cr_expect_eq(g.bytes, 200000);
    cr_expect_not(g.open);
    cr_expect_eq(g.start_ms, T0);
    cr_expect_str_eq(g.path, "gate/main/1795219200000.mp4");
}

Test(segments, finish_never_moves_the_end_before_the_start)
{
    int64_t id = add_full("gate", false, T0, T0, 0, true);
    cr_expect_eq(vg_segments_finish(db, id, T0 - 5000, 10, false), 0);
    cr_expect_eq(get(id).end_ms, T0);
}

Test(segments, finish_of_a_missing_row_is_enoent)
{
    cr_expect_eq(vg_segments_finish(db, 4242, T0, 0, false), -ENOENT);
    int64_t id = add("gate", T0, T0 + 1000);
    cr_expect_eq(vg_segments_finish(db, id + 1, T0, 0, false), -ENOENT);
}

Test(segments, get_of_a_missing_row_is_enoent)
{
    struct vg_segment s = {.id = 99};
    cr_expect_eq(vg_segments_get(db, 1, &s), -ENOENT);
    cr_expect_eq(vg_segments_get(db, -1, &s), -ENOENT);
    cr_expect_eq(s.id, 99);
}

Test(segments, delete_removes_the_row_once)
{
    int64_t a = add("gate", T0, T0 + 1000);
    int64_t b = add("gate", T0 + 1000, T0 + 2000);
    cr_expect_eq(vg_segments_delete(db, a), 0);
    struct vg_segment s;
    cr_expect_eq(vg_segments_get(db, a, &s), -ENOENT);
    cr_expect_eq(vg_segments_delete(db, a), -ENOENT);
    cr_expect_eq(get(b).id, b);
}

Test(segments, a_deleted_rows_path_can_be_used_again)
{
    struct vg_segment s = {.camera_id = "gate", .start_ms = T0, .end_ms = T0, .path = "p.mp4"};
    cr_assert_eq(vg_segments_insert(db, &s), 0);
    cr_assert_eq(vg_segments_delete(db, s.id), 0);
    cr_expect_eq(vg_segments_insert(db, &s), 0);
}

Test(segments, a_long_path_and_codec_survive)
{
    struct vg_segment s = {.camera_id = "gate", .start_ms = T0, .end_ms = T0};
    memset(s.path, 'p', sizeof(s.path) - 1);
    memset(s.codec, 'c', sizeof(s.codec) - 1);
    cr_assert_eq(vg_segments_insert(db, &s), 0);
    struct vg_segment g = get(s.id);
    cr_expect_eq(strlen(g.path), sizeof(g.path) - 1);
    cr_expect_eq(strlen(g.codec), sizeof(g.codec) - 1);
    cr_expect_str_eq(g.path, s.path);
}

/* ---- range ---- */

Test(segments, range_returns_segments_overlapping_the_window_oldest_first)
{
    /* Inserted out of order. */
    int64_t c = add("gate", T0 + 3000, T0 + 4000);
    int64_t a = add("gate", T0 + 1000, T0 + 2000);
    int64_t d = add("gate", T0 + 5000, T0 + 6000);
    int64_t b = add("gate", T0 + 2000, T0 + 3000);
    add("door", T0 + 1500, T0 + 2500);

    struct ids r = range_ids("gate", T0, T0 + 10000, 100);
    cr_assert_eq(r.n, 4);
    cr_expect_eq(r.id[0], a);
    cr_expect_eq(r.id[1], b);
    cr_expect_eq(r.id[2], c);
    cr_expect_eq(r.id[3], d);
}

Test(segments, range_includes_segments_across_its_edges)
{
    int64_t a = add("gate", T0 + 1000, T0 + 2000);
    int64_t b = add("gate", T0 + 2000, T0 + 3000);
    int64_t c = add("gate", T0 + 3000, T0 + 4000);
    /* a starts before from, c ends after to. */
    struct ids r = range_ids("gate", T0 + 1999, T0 + 3001, 100);
    cr_assert_eq(r.n, 3);
    cr_expect_eq(r.id[0], a);
    cr_expect_eq(r.id[1], b);
    cr_expect_eq(r.id[2], c);
    /* A window inside one segment. */
    r = range_ids("gate", T0 + 2100, T0 + 2200, 100);
    cr_assert_eq(r.n, 1);
    cr_expect_eq(r.id[0], b);
}

Test(segments, range_leaves_out_segments_that_only_touch_it)
{
    add("gate", T0 + 1000, T0 + 2000);
    int64_t b = add("gate", T0 + 2000, T0 + 3000);
    add("gate", T0 + 3000, T0 + 4000);
    /* a ends at from, c starts at to: [from, to) overlaps neither. */
    struct ids r = range_ids("gate", T0 + 2000, T0 + 3000, 100);
    cr_assert_eq(r.n, 1);
    cr_expect_eq(r.id[0], b);
    r = range_ids("gate", T0 + 4000, T0 + 5000, 100);
    cr_expect_eq(r.n, 0);
    r = range_ids("gate", T0, T0 + 1000, 100);
    cr_expect_eq(r.n, 0);
}

Test(segments, range_stops_at_the_limit)
{
    int64_t ids[5];
    for (int i = 4; i >= 0; i--)
        ids[i] = add("gate", T0 + i * 1000, T0 + (i + 1) * 1000);
    struct ids r = range_ids("gate", T0, T0 + 10000, 2);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.id[0], ids[0]);
    cr_expect_eq(r.id[1], ids[1]);
    r = range_ids("gate", T0 + 2500, T0 + 10000, 1);
    cr_assert_eq(r.n, 1);
    cr_expect_eq(r.id[0], ids[2]);
    r = range_ids("gate", T0, T0 + 10000, 0);
    cr_expect_eq(r.n, 0);
}

Test(segments, range_of_another_camera_is_empty)
{
    add("gate", T0, T0 + 1000);
    cr_expect_eq(range_ids("door", T0, T0 + 1000, 100).n, 0);
    cr_expect_eq(range_ids("", T0, T0 + 1000, 100).n, 0);
    cr_expect_eq(range_ids("gat", T0, T0 + 1000, 100).n, 0);
}

Test(segments, range_finds_the_longest_segment_started_long_before)
{
    /* The longest a segment may be, starting just inside the look-back. */
    int64_t from = T0 + 10 * HOUR_MS;
    int64_t a = add("gate", from - VG_SEGMENT_MAX_MS + 1, from + 1);
    struct ids r = range_ids("gate", from, from + 1000, 100);
    cr_assert_eq(r.n, 1);
    cr_expect_eq(r.id[0], a);
}

Test(segments, range_sees_main_and_sub_streams)
{
    int64_t m = add_full("gate", false, T0, T0 + 1000, 1, false);
    int64_t s = add_full("gate", true, T0 + 1, T0 + 1001, 1, false);
    struct ids r = range_ids("gate", T0, T0 + 2000, 100);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.id[0], m);
    cr_expect_eq(r.id[1], s);
    cr_expect(get(s).sub);
}

/* ---- at or before, after ---- */

Test(segments, at_or_before_finds_the_newest_start_not_after)
{
    int64_t a = add("gate", T0 + 1000, T0 + 2000);
    int64_t b = add("gate", T0 + 3000, T0 + 4000);
    add("door", T0 + 2500, T0 + 2600);
    struct vg_segment s;
    cr_assert_eq(vg_segments_at_or_before(db, "gate", T0 + 1000, &s), 0);
    cr_expect_eq(s.id, a);
    cr_assert_eq(vg_segments_at_or_before(db, "gate", T0 + 2999, &s), 0);
    cr_expect_eq(s.id, a, "in the gap: the segment before");
    cr_assert_eq(vg_segments_at_or_before(db, "gate", T0 + 3000, &s), 0);
    cr_expect_eq(s.id, b);
    cr_assert_eq(vg_segments_at_or_before(db, "gate", INT64_MAX, &s), 0);
    cr_expect_eq(s.id, b);
    s.id = 1234;
    cr_expect_eq(vg_segments_at_or_before(db, "gate", T0 + 999, &s), -ENOENT);
    cr_expect_eq(s.id, 1234);
    cr_expect_eq(vg_segments_at_or_before(db, "nobody", T0 + 5000, &s), -ENOENT);
}

Test(segments, after_finds_the_oldest_start_strictly_after)
{
    int64_t a = add("gate", T0 + 1000, T0 + 2000);
    int64_t b = add("gate", T0 + 3000, T0 + 4000);
    add("door", T0 + 2500, T0 + 2600);
    struct vg_segment s;
    cr_assert_eq(vg_segments_after(db, "gate", INT64_MIN, &s), 0);
    cr_expect_eq(s.id, a);
    cr_assert_eq(vg_segments_after(db, "gate", T0 + 999, &s), 0);
    cr_expect_eq(s.id, a);
    cr_assert_eq(vg_segments_after(db, "gate", T0 + 1000, &s), 0);
    cr_expect_eq(s.id, b, "a start equal to at_ms is not after it");
    s.id = 1234;
    cr_expect_eq(vg_segments_after(db, "gate", T0 + 3000, &s), -ENOENT);
    cr_expect_eq(s.id, 1234);
    cr_expect_eq(vg_segments_after(db, "nobody", 0, &s), -ENOENT);
}

/* ---- open rows ---- */

Test(segments, open_rows_lists_only_rows_still_open)
{
    struct vg_segment *list = (struct vg_segment *)1;
    size_t n = 99;
    cr_assert_eq(vg_segments_open_rows(db, &list, &n), 0);
    cr_expect_eq(n, 0);
    free(list);

    int64_t a = add_full("gate", false, T0, T0, 0, true);
    add("gate", T0 - 1000, T0);
    int64_t c = add_full("door", true, T0, T0 + 10, 5, true);
    cr_assert_eq(vg_segments_open_rows(db, &list, &n), 0);
    cr_assert_eq(n, 2);
    bool seen_a = false, seen_c = false;
    for (size_t i = 0; i < n; i++) {
        cr_expect(list[i].open);
        seen_a = seen_a || list[i].id == a;
        seen_c = seen_c || list[i].id == c;
    }
    cr_expect(seen_a && seen_c);
    free(list);

    cr_assert_eq(vg_segments_finish(db, a, T0 + 100, 10, false), 0);
    cr_assert_eq(vg_segments_open_rows(db, &list, &n), 0);
    cr_assert_eq(n, 1);
    cr_expect_eq(list[0].id, c);
    free(list);
}

/* ---- days ---- */

Test(segments, days_groups_by_local_day_with_sums)
{
    add_full("gate", false, T0 + 1000, T0 + 61000, 100, false);
    add_full("gate", false, T0 + HOUR_MS, T0 + HOUR_MS + 30000, 250, false);
    add_full("gate", false, T0 + DAY_MS + 5, T0 + DAY_MS + 10005, 7, false);
    add_full("gate", false, T0 - 1000, T0, 1, false); /* the day before */
    /* A segment crossing midnight counts for the day it starts. */
    add_full("gate", false, T0 + DAY_MS - 500, T0 + DAY_MS + 500, 3, false);
    add_full("door", false, T0, T0 + 1000, 999, false);

    struct vg_segment_day *days = NULL;
    size_t n = 0;
    cr_assert_eq(vg_segments_days(db, "gate", &days, &n), 0);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(days[0].day, "2026-11-20");
    cr_expect_eq(days[0].segments, 1);
    cr_expect_eq(days[0].bytes, 1);
    cr_expect_eq(days[0].duration_ms, 1000);
    cr_expect_str_eq(days[1].day, "2026-11-21");
    cr_expect_eq(days[1].segments, 3);
    cr_expect_eq(days[1].bytes, 353);
    cr_expect_eq(days[1].duration_ms, 60000 + 30000 + 1000);
    cr_expect_str_eq(days[2].day, "2026-11-22");
    cr_expect_eq(days[2].segments, 1);
    cr_expect_eq(days[2].bytes, 7);
    cr_expect_eq(days[2].duration_ms, 10000);
    free(days);
}

Test(segments, days_of_a_camera_without_segments_is_empty)
{
    add("gate", T0, T0 + 1000);
    struct vg_segment_day *days = NULL;
    size_t n = 99;
    cr_assert_eq(vg_segments_days(db, "door", &days, &n), 0);
    cr_expect_eq(n, 0);
    free(days);
}

Test(segments, days_follow_the_local_zone_at_insert)
{
    /* 23:30 UTC on 2026-11-21 is already the 22nd in Berlin (UTC+1). */
    use_tz("Europe/Berlin");
    add("gate", T0 + DAY_MS - 30 * 60000, T0 + DAY_MS - 29 * 60000);
    restore_tz();
    struct vg_segment_day *days = NULL;
    size_t n = 0;
    cr_assert_eq(vg_segments_days(db, "gate", &days, &n), 0);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(days[0].day, "2026-11-22");
    free(days);
}

/* ---- oldest ---- */

Test(segments, oldest_lists_closed_segments_oldest_first)
{
    int64_t b = add("gate", T0 + 2000, T0 + 3000);
    int64_t a = add("door", T0 + 1000, T0 + 2000);
    add_full("gate", false, T0, T0, 0, true); /* open: never a candidate */
    int64_t c = add("gate", T0 + 4000, T0 + 5000);

    struct ids r = oldest_ids(NULL, INT64_MAX, 100);
    cr_assert_eq(r.n, 3);
    cr_expect_eq(r.id[0], a);
    cr_expect_eq(r.id[1], b);
    cr_expect_eq(r.id[2], c);
}

Test(segments, oldest_of_one_camera)
{
    int64_t b = add("gate", T0 + 2000, T0 + 3000);
    add("door", T0 + 1000, T0 + 2000);
    int64_t c = add("gate", T0 + 4000, T0 + 5000);
    struct ids r = oldest_ids("gate", INT64_MAX, 100);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.id[0], b);
    cr_expect_eq(r.id[1], c);
    cr_expect_eq(oldest_ids("nobody", INT64_MAX, 100).n, 0);
}

Test(segments, oldest_takes_only_segments_ended_before)
{
    int64_t a = add("gate", T0 + 1000, T0 + 2000);
    int64_t b = add("gate", T0 + 2000, T0 + 3000);
    add("gate", T0 + 3000, T0 + 4000);
    struct ids r = oldest_ids(NULL, T0 + 3000, 100);
    cr_assert_eq(r.n, 1, "a segment ending at before_ms is not before it");
    cr_expect_eq(r.id[0], a);
    r = oldest_ids(NULL, T0 + 3001, 100);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.id[1], b);
    cr_expect_eq(oldest_ids(NULL, T0 + 2000, 100).n, 0);
}

Test(segments, oldest_stops_at_the_limit)
{
    int64_t ids[4];
    for (int i = 3; i >= 0; i--)
        ids[i] = add("gate", T0 + i * 1000, T0 + (i + 1) * 1000);
    struct ids r = oldest_ids(NULL, INT64_MAX, 2);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.id[0], ids[0]);
    cr_expect_eq(r.id[1], ids[1]);
    cr_expect_eq(oldest_ids("gate", INT64_MAX, 0).n, 0);
}

/* ---- usage ---- */

Test(segments, usage_sums_per_camera_with_its_retention)
{
    add_camera("gate", 14);
    add_camera("door", 0);
    add_full("gate", false, T0 + 1000, T0 + 2000, 100, false);
    add_full("gate", true, T0 + 500, T0 + 1500, 20, false);
    add_full("gate", false, T0 + 5000, T0 + 9000, 300, true);
    add_full("door", false, T0, T0 + 10, 1, false);
    /* A camera deleted since: its recordings still count, with no retention. */
    add_full("attic", false, T0 + 7, T0 + 8, 2, false);

    struct vg_segment_usage *u = NULL;
    size_t n = 0;
    cr_assert_eq(vg_segments_usage(db, &u, &n), 0);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(u[0].camera_id, "attic");
    cr_expect_eq(u[0].segments, 1);
    cr_expect_eq(u[0].bytes, 2);
    cr_expect_eq(u[0].retention_days, 0);
    cr_expect_str_eq(u[1].camera_id, "door");
    cr_expect_eq(u[1].segments, 1);
    cr_expect_eq(u[1].oldest_ms, T0);
    cr_expect_eq(u[1].newest_ms, T0 + 10);
    cr_expect_eq(u[1].retention_days, 0);
    cr_expect_str_eq(u[2].camera_id, "gate");
    cr_expect_eq(u[2].segments, 3);
    cr_expect_eq(u[2].bytes, 420);
    cr_expect_eq(u[2].oldest_ms, T0 + 500);
    cr_expect_eq(u[2].newest_ms, T0 + 9000);
    cr_expect_eq(u[2].retention_days, 14);
    free(u);
}

Test(segments, usage_leaves_out_cameras_without_segments)
{
    add_camera("gate", 3);
    struct vg_segment_usage *u = NULL;
    size_t n = 99;
    cr_assert_eq(vg_segments_usage(db, &u, &n), 0);
    cr_expect_eq(n, 0);
    free(u);
}

Test(segments, usage_loses_the_retention_when_the_camera_is_deleted)
{
    add_camera("gate", 30);
    add("gate", T0, T0 + 1000);
    cr_assert_eq(vg_cameras_delete(db, "gate"), 0);
    struct vg_segment_usage *u = NULL;
    size_t n = 0;
    cr_assert_eq(vg_segments_usage(db, &u, &n), 0);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(u[0].camera_id, "gate");
    cr_expect_eq(u[0].segments, 1);
    cr_expect_eq(u[0].retention_days, 0);
    free(u);
}

/* ---- local days ---- */

static void expect_day(const char *day, int64_t from, int64_t to)
{
    int64_t f = -1, t = -1;
    cr_assert_eq(vg_segment_day_bounds(day, &f, &t), 0, "%s", day);
    cr_expect_eq(f, from, "%s: from %lld", day, (long long)f);
    cr_expect_eq(t, to, "%s: to %lld", day, (long long)t);
}

static void expect_bad_day(const char *day)
{
    int64_t f = -1, t = -1;
    cr_expect_eq(vg_segment_day_bounds(day, &f, &t), -EINVAL, "\"%s\" should be refused", day);
    cr_expect_eq(f, -1);
    cr_expect_eq(t, -1);
}

static int64_t utc_ms(int y, int mo, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d};
    return (int64_t)timegm(&tm) * 1000;
}

Test(segments, day_bounds_of_valid_dates_in_utc)
{
    expect_day("2026-11-21", T0, T0 + DAY_MS);
    expect_day("1970-01-01", 0, DAY_MS);
    expect_day("2026-12-31", utc_ms(2026, 12, 31), utc_ms(2027, 1, 1));
    expect_day("2026-02-28", utc_ms(2026, 2, 28), utc_ms(2026, 3, 1));
    expect_day("2028-02-29", utc_ms(2028, 2, 29), utc_ms(2028, 3, 1));
    expect_day("2000-02-29", utc_ms(2000, 2, 29), utc_ms(2000, 3, 1));
    expect_day("9999-12-31", utc_ms(9999, 12, 31), utc_ms(9999, 12, 31) + DAY_MS);
}

Test(segments, day_bounds_refuses_dates_that_do_not_exist)
{
    expect_bad_day("2026-02-29");
    expect_bad_day("2026-02-31");
    expect_bad_day("2026-04-31");
    expect_bad_day("2100-02-29");
    expect_bad_day("2026-00-10");
    expect_bad_day("2026-13-10");
    expect_bad_day("2026-01-00");
    expect_bad_day("2026-01-32");
    expect_bad_day("1969-12-31");
    expect_bad_day("0000-01-01");
}

Test(segments, day_bounds_refuses_garbage)
{
    expect_bad_day("");
    expect_bad_day("today");
    expect_bad_day("2026-11-2");
    expect_bad_day("2026-1-21");
    expect_bad_day("26-11-21");
    expect_bad_day("2026-11-211");
    expect_bad_day("2026-11-21 ");
    expect_bad_day(" 2026-11-21");
    expect_bad_day("2026/11/21");
    expect_bad_day("2026-11-2x");
    expect_bad_day("2026-+1-21");
    expect_bad_day("2026- 1-21");
    expect_bad_day("+026-11-21");
    expect_bad_day("-026-11-21");
    expect_bad_day("2026-11--1");
    expect_bad_day("20261121xx");
    expect_bad_day("2026-11-21T00:00:00Z");
    expect_bad_day("\xff\xff\xff\xff-11-21");
}

Test(segments, day_bounds_of_dst_days_in_berlin)
{
    use_tz("Europe/Berlin");
    /* Spring forward: 23 hours from local midnight (UTC+1) to local midnight
     * (UTC+2). */
    expect_day("2026-03-29", utc_ms(2026, 3, 28) + 23 * HOUR_MS,
               utc_ms(2026, 3, 29) + 22 * HOUR_MS);
    int64_t f, t;
    cr_assert_eq(vg_segment_day_bounds("2026-03-29", &f, &t), 0);
    cr_expect_eq(t - f, 23 * HOUR_MS);
    /* Fall back: 25 hours. */
    expect_day("2026-10-25", utc_ms(2026, 10, 24) + 22 * HOUR_MS,
               utc_ms(2026, 10, 25) + 23 * HOUR_MS);
    cr_assert_eq(vg_segment_day_bounds("2026-10-25", &f, &t), 0);
    cr_expect_eq(t - f, 25 * HOUR_MS);
    /* An ordinary winter day. */
    cr_assert_eq(vg_segment_day_bounds("2026-11-21", &f, &t), 0);
    cr_expect_eq(f, T0 - HOUR_MS);
    cr_expect_eq(t - f, DAY_MS);
    expect_bad_day("2026-02-29");
    restore_tz();
    expect_day("2026-03-29", utc_ms(2026, 3, 29), utc_ms(2026, 3, 30));
}

Test(segments, day_of_gives_the_local_date)
{
    char day[11];
    vg_segment_day_of(T0, day);
    cr_expect_str_eq(day, "2026-11-21");
    vg_segment_day_of(T0 + DAY_MS - 1, day);
    cr_expect_str_eq(day, "2026-11-21");
    vg_segment_day_of(T0 + DAY_MS, day);
    cr_expect_str_eq(day, "2026-11-22");
    vg_segment_day_of(0, day);
    cr_expect_str_eq(day, "1970-01-01");
    vg_segment_day_of(utc_ms(2028, 2, 29) + 5, day);
    cr_expect_str_eq(day, "2028-02-29");

    use_tz("Europe/Berlin");
    vg_segment_day_of(T0 - 1, day); /* 00:59:59.999 local */
    cr_expect_str_eq(day, "2026-11-21");
    vg_segment_day_of(T0 - HOUR_MS - 1, day);
    cr_expect_str_eq(day, "2026-11-20");
    restore_tz();
}

Test(segments, day_of_and_day_bounds_agree)
{
    use_tz("Europe/Berlin");
    const char *days[] = {"2026-03-29", "2026-10-25", "2026-11-21", "2028-02-29"};
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
        int64_t f, t;
        char d[11];
        cr_assert_eq(vg_segment_day_bounds(days[i], &f, &t), 0);
        vg_segment_day_of(f, d);
        cr_expect_str_eq(d, days[i]);
        vg_segment_day_of(t - 1, d);
        cr_expect_str_eq(d, days[i]);
        vg_segment_day_of(f - 1, d);
        cr_expect_str_neq(d, days[i]);
        vg_segment_day_of(t, d);
        cr_expect_str_neq(d, days[i]);
    }
    restore_tz();
}
