/* Authorization rules, the session cookie parser (http/auth.c) and the login
 * lockout table (http/lockout.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "http/auth.h"
#include "http/lockout.h"
#include "store/cameras.h"

/* Users built by hand: the lists point at string literals and are never freed. */
#define LIST(...)                                                                                  \
    ((struct vg_strlist){.items = (char *[]){__VA_ARGS__},                                         \
                         .count = sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)})

static struct vg_user user_of(int64_t id, enum vg_role role)
{
    struct vg_user u = {.id = id, .role = role};
    snprintf(u.username, sizeof(u.username), "user%lld", (long long)id);
    return u;
}

/* ---- camera visibility ---- */

Test(authz, admin_sees_every_camera)
{
    struct vg_user admin = user_of(1, VG_ROLE_ADMIN);
    admin.cameras = LIST("gate");
    cr_expect(vg_authz_camera_visible(&admin, "front-door", ""));
    cr_expect(vg_authz_camera_visible(&admin, "gate", "north"));
}

Test(authz, anonymous_sees_no_camera)
{
    struct vg_user anon = {0};
    cr_expect_not(vg_authz_camera_visible(&anon, "front-door", ""));
    cr_expect_not(vg_authz_camera_visible(NULL, "front-door", ""));
}

Test(authz, role_without_a_user_id_is_anonymous)
{
    struct vg_user ghost = user_of(0, VG_ROLE_ADMIN);
    cr_expect_not(vg_authz_camera_visible(&ghost, "front-door", ""));
    cr_expect_not(vg_authz_is_admin(&ghost));
    cr_expect_not(vg_authz_user_access(&ghost, 0));
    cr_expect_not(vg_authz_user_access(&ghost, 1));
}

Test(authz, viewer_without_lists_sees_every_camera)
{
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    cr_expect(vg_authz_camera_visible(&v, "front-door", ""));
    cr_expect(vg_authz_camera_visible(&v, "gate", "north"));
    cr_expect(vg_authz_camera_visible(&v, "gate", NULL));
}

Test(authz, viewer_with_a_camera_list_sees_only_those_cameras)
{
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    v.cameras = LIST("front-door", "gate");
    cr_expect(vg_authz_camera_visible(&v, "front-door", ""));
    cr_expect(vg_authz_camera_visible(&v, "gate", "north"));
    cr_expect_not(vg_authz_camera_visible(&v, "garage", ""));
    cr_expect_not(vg_authz_camera_visible(&v, "garage", "north"));
    cr_expect_not(vg_authz_camera_visible(&v, "front", ""));
    cr_expect_not(vg_authz_camera_visible(&v, "front-door-2", ""));
    cr_expect_not(vg_authz_camera_visible(&v, "", ""));
}

Test(authz, viewer_with_a_zone_list_sees_cameras_in_those_zones)
{
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    v.zones = LIST("north", "Lobby");
    cr_expect(vg_authz_camera_visible(&v, "gate", "north"));
    cr_expect(vg_authz_camera_visible(&v, "desk", "Lobby"));
    cr_expect_not(vg_authz_camera_visible(&v, "desk", "lobby"));
    cr_expect_not(vg_authz_camera_visible(&v, "yard", "south"));
    cr_expect_not(vg_authz_camera_visible(&v, "yard", "nort"));
}

Test(authz, camera_without_a_zone_is_hidden_from_a_zone_limited_viewer)
{
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    v.zones = LIST("north");
    cr_expect_not(vg_authz_camera_visible(&v, "yard", ""));
    cr_expect_not(vg_authz_camera_visible(&v, "yard", NULL));
}

Test(authz, empty_zone_name_in_a_list_does_not_match_cameras_without_a_zone)
{
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    v.zones = LIST("");
    cr_expect_not(vg_authz_camera_visible(&v, "yard", ""));
}

Test(authz, camera_and_zone_lists_add_up)
{
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    v.cameras = LIST("gate");
    v.zones = LIST("lobby");
    cr_expect(vg_authz_camera_visible(&v, "gate", "north"));
    cr_expect(vg_authz_camera_visible(&v, "desk", "lobby"));
    cr_expect_not(vg_authz_camera_visible(&v, "yard", "north"));
}

/* ---- publishing (WHIP) ---- */

static struct vg_camera camera_of(const char *id, const char *zone)
{
    struct vg_camera c = {.zone = (char *)zone};
    snprintf(c.id, sizeof(c.id), "%s", id);
    return c;
}

/* A request identified by a bearer token with this publish list. */
static struct vg_req token_req(struct vg_user u, const char *publish)
{
    struct vg_req r = {.user = u, .token_id = 9};
    snprintf(r.token_publish, sizeof(r.token_publish), "%s", publish);
    return r;
}

Test(authz, admin_may_publish_to_any_camera_with_or_without_a_token)
{
    struct vg_camera gate = camera_of("gate", "north");
    struct vg_req cookie = {.user = user_of(1, VG_ROLE_ADMIN), .session_id = 3};
    cr_expect(vg_authz_may_publish(&cookie, &gate));
    struct vg_req bearer = token_req(user_of(1, VG_ROLE_ADMIN), "");
    cr_expect(vg_authz_may_publish(&bearer, &gate));
}

Test(authz, viewer_publishes_only_with_a_token_naming_the_camera)
{
    struct vg_camera gate = camera_of("gate", ""), yard = camera_of("yard", "");
    struct vg_req r = token_req(user_of(2, VG_ROLE_VIEWER), "front,gate");
    cr_expect(vg_authz_may_publish(&r, &gate));
    cr_expect_not(vg_authz_may_publish(&r, &yard));
    struct vg_req none = token_req(user_of(2, VG_ROLE_VIEWER), "");
    cr_expect_not(vg_authz_may_publish(&none, &gate));
}

Test(authz, viewer_cookie_session_never_publishes)
{
    struct vg_camera gate = camera_of("gate", "");
    struct vg_req r = {.user = user_of(2, VG_ROLE_VIEWER), .session_id = 4};
    /* A stale list without a token (never set by the router) grants nothing. */
    snprintf(r.token_publish, sizeof(r.token_publish), "gate");
    cr_expect_not(vg_authz_may_publish(&r, &gate));
}

Test(authz, publish_token_needs_a_user_who_may_see_the_camera)
{
    struct vg_camera gate = camera_of("gate", "north"), desk = camera_of("desk", "lobby");
    struct vg_user v = user_of(2, VG_ROLE_VIEWER);
    v.zones = LIST("lobby");
    struct vg_req r = token_req(v, "gate,desk");
    cr_expect_not(vg_authz_may_publish(&r, &gate));
    cr_expect(vg_authz_may_publish(&r, &desk));
}

Test(authz, publish_matches_whole_camera_ids_only)
{
    struct vg_camera front = camera_of("front", ""), door = camera_of("front-door", "");
    struct vg_req r = token_req(user_of(2, VG_ROLE_VIEWER), "front-door-2,front-door");
    cr_expect_not(vg_authz_may_publish(&r, &front));
    cr_expect(vg_authz_may_publish(&r, &door));
}

Test(authz, anonymous_or_missing_arguments_never_publish)
{
    struct vg_camera gate = camera_of("gate", "");
    struct vg_req anon = token_req((struct vg_user){0}, "gate");
    cr_expect_not(vg_authz_may_publish(&anon, &gate));
    cr_expect_not(vg_authz_may_publish(NULL, &gate));
    struct vg_req r = token_req(user_of(2, VG_ROLE_VIEWER), "gate");
    cr_expect_not(vg_authz_may_publish(&r, NULL));
}

/* ---- roles and accounts ---- */

Test(authz, is_admin_only_for_a_known_admin)
{
    struct vg_user admin = user_of(1, VG_ROLE_ADMIN), viewer = user_of(2, VG_ROLE_VIEWER);
    cr_expect(vg_authz_is_admin(&admin));
    cr_expect_not(vg_authz_is_admin(&viewer));
    cr_expect_not(vg_authz_is_admin(NULL));
}

Test(authz, user_may_access_their_own_account_only)
{
    struct vg_user v = user_of(7, VG_ROLE_VIEWER);
    cr_expect(vg_authz_user_access(&v, 7));
    cr_expect_not(vg_authz_user_access(&v, 8));
    cr_expect_not(vg_authz_user_access(&v, 1));
    cr_expect_not(vg_authz_user_access(&v, 0));
    cr_expect_not(vg_authz_user_access(&v, -7));
}

Test(authz, admin_may_access_every_account)
{
    struct vg_user admin = user_of(1, VG_ROLE_ADMIN);
    cr_expect(vg_authz_user_access(&admin, 1));
    cr_expect(vg_authz_user_access(&admin, 2));
    cr_expect(vg_authz_user_access(&admin, 123456789));
}

Test(authz, anonymous_may_access_no_account)
{
    struct vg_user anon = {0};
    cr_expect_not(vg_authz_user_access(&anon, 0));
    cr_expect_not(vg_authz_user_access(&anon, 1));
    cr_expect_not(vg_authz_user_access(NULL, 1));
}

/* ---- session cookie ---- */

static void expect_cookie(const char *header, const char *want)
{
    char out[VG_TOKEN_MAX];
    memset(out, '#', sizeof(out));
    bool found = vg_auth_cookie_value(header, VG_SESSION_COOKIE, out, sizeof(out));
    if (want) {
        cr_expect(found, "no session cookie in '%s'", header ? header : "(null)");
        if (found)
            cr_expect_str_eq(out, want, "cookie of '%s'", header);
    } else {
        cr_expect_not(found, "session cookie found in '%s'", header ? header : "(null)");
    }
}

Test(authz, cookie_value_is_read_alone_or_among_others)
{
    expect_cookie("vigil_session=abc", "abc");
    expect_cookie("theme=dark; vigil_session=abc; lang=en", "abc");
    expect_cookie("theme=dark;vigil_session=abc", "abc");
    expect_cookie("  vigil_session=abc;", "abc");
    expect_cookie("vigil_session=a=b", "a=b");
}

Test(authz, cookie_value_ignores_cookies_with_similar_names)
{
    expect_cookie("xvigil_session=evil", NULL);
    expect_cookie("vigil_session_old=old", NULL);
    expect_cookie("vigil_sessio=short", NULL);
    expect_cookie("vigil_session_old=old; vigil_session=abc", "abc");
    expect_cookie("other=vigil_session=evil", NULL);
}

Test(authz, cookie_value_refuses_missing_or_empty_values)
{
    expect_cookie(NULL, NULL);
    expect_cookie("", NULL);
    expect_cookie(";;; ;", NULL);
    expect_cookie("vigil_session", NULL);
    expect_cookie("vigil_session=", NULL);
    expect_cookie("vigil_session=; other=1", NULL);
}

Test(authz, cookie_value_refuses_values_longer_than_the_buffer)
{
    char header[200], value[VG_TOKEN_MAX];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0'; /* 63 bytes: fits exactly */
    snprintf(header, sizeof(header), "vigil_session=%s", value);
    expect_cookie(header, value);
    snprintf(header, sizeof(header), "vigil_session=%sv", value); /* 64: does not */
    expect_cookie(header, NULL);
}

Test(authz, cookie_value_never_writes_past_the_buffer)
{
    char out[8];
    char guard[8];
    memset(guard, 'G', sizeof(guard));
    cr_expect_not(
        vg_auth_cookie_value("vigil_session=0123456789", VG_SESSION_COOKIE, out, sizeof(out)));
    cr_expect(vg_auth_cookie_value("vigil_session=0123456", VG_SESSION_COOKIE, out, sizeof(out)));
    cr_expect_str_eq(out, "0123456");
    for (size_t i = 0; i < sizeof(guard); i++)
        cr_expect_eq(guard[i], 'G');
}

/* ---- lockout ---- */

static struct vg_lockout *lockout(unsigned attempts, unsigned window, unsigned duration,
                                  unsigned keys)
{
    struct vg_lockout *l = vg_lockout_new(attempts, window, duration, keys);
    cr_assert_not_null(l);
    return l;
}

Test(lockout, locks_after_n_failures_within_the_window)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1000), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1000), 0);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1030), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1030), 0);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1059), 300);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1059), 300);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1100), 259);
    vg_lockout_free(l);
}

Test(lockout, unknown_key_is_not_locked)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    cr_expect_eq(vg_lockout_remaining(l, "u:nobody", 1000), 0);
    vg_lockout_free(l);
}

Test(lockout, failures_spread_beyond_the_window_never_lock)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    for (int64_t t = 0; t < 3600; t += 40) {
        cr_expect_eq(vg_lockout_fail(l, "u:alice", t), 0, "locked at t=%lld", (long long)t);
        cr_expect_eq(vg_lockout_remaining(l, "u:alice", t), 0);
    }
    vg_lockout_free(l);
}

Test(lockout, failure_at_the_window_edge_starts_a_new_window)
{
    struct vg_lockout *l = lockout(2, 60, 300, 16);
    cr_expect_eq(vg_lockout_fail(l, "k", 0), 0);
    cr_expect_eq(vg_lockout_fail(l, "k", 60), 0);
    cr_expect_eq(vg_lockout_fail(l, "k", 61), 300);
    vg_lockout_free(l);
}

Test(lockout, unlocks_after_the_duration)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    for (int i = 0; i < 3; i++)
        vg_lockout_fail(l, "ip:10.0.0.9", 1000);
    cr_expect_eq(vg_lockout_remaining(l, "ip:10.0.0.9", 1299), 1);
    cr_expect_eq(vg_lockout_remaining(l, "ip:10.0.0.9", 1300), 0);
    /* A fresh start: one failure after the lock does not lock again. */
    cr_expect_eq(vg_lockout_fail(l, "ip:10.0.0.9", 1300), 0);
    cr_expect_eq(vg_lockout_remaining(l, "ip:10.0.0.9", 1300), 0);
    vg_lockout_free(l);
}

Test(lockout, failures_while_locked_do_not_extend_the_lock)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    for (int i = 0; i < 3; i++)
        vg_lockout_fail(l, "u:alice", 1000);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1100), 200);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1200), 100);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1200), 100);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1300), 0);
    vg_lockout_free(l);
}

Test(lockout, clear_forgets_failures)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    vg_lockout_fail(l, "u:alice", 1000);
    vg_lockout_fail(l, "u:alice", 1001);
    vg_lockout_clear(l, "u:alice");
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1002), 0);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1003), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1003), 0);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1004), 300);
    vg_lockout_free(l);
}

Test(lockout, clear_lifts_a_lock)
{
    struct vg_lockout *l = lockout(1, 60, 300, 16);
    cr_expect_eq(vg_lockout_fail(l, "u:alice", 1000), 300);
    vg_lockout_clear(l, "u:alice");
    cr_expect_eq(vg_lockout_remaining(l, "u:alice", 1001), 0);
    vg_lockout_clear(l, "u:unknown"); /* harmless */
    vg_lockout_free(l);
}

Test(lockout, keys_are_independent)
{
    struct vg_lockout *l = lockout(3, 60, 300, 16);
    for (int i = 0; i < 3; i++)
        vg_lockout_fail(l, "u:alice", 1000);
    cr_expect_gt(vg_lockout_remaining(l, "u:alice", 1000), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:bob", 1000), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:alic", 1000), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:alice2", 1000), 0);
    cr_expect_eq(vg_lockout_remaining(l, "ip:10.0.0.1", 1000), 0);

    vg_lockout_fail(l, "u:bob", 1000);
    vg_lockout_fail(l, "u:carol", 1000);
    vg_lockout_fail(l, "u:bob", 1001);
    vg_lockout_fail(l, "u:carol", 1001);
    cr_expect_eq(vg_lockout_remaining(l, "u:bob", 1001), 0);
    cr_expect_eq(vg_lockout_remaining(l, "u:carol", 1001), 0);
    vg_lockout_clear(l, "u:bob");
    cr_expect_gt(vg_lockout_remaining(l, "u:alice", 1001), 0);
    vg_lockout_free(l);
}

Test(lockout, full_table_evicts_unlocked_entries_before_locked_ones)
{
    struct vg_lockout *l = lockout(2, 60, 300, 4);
    vg_lockout_fail(l, "u:alice", 100);
    vg_lockout_fail(l, "u:alice", 100);
    vg_lockout_fail(l, "u:bob", 101);
    vg_lockout_fail(l, "u:bob", 101);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "ip:10.0.%d.%d", i / 256, i % 256);
        cr_expect_eq(vg_lockout_fail(l, key, 200 + i / 10), 0);
    }
    cr_expect_gt(vg_lockout_remaining(l, "u:alice", 300), 0);
    cr_expect_gt(vg_lockout_remaining(l, "u:bob", 300), 0);
    vg_lockout_free(l);
}

Test(lockout, full_table_evicts_the_longest_idle_unlocked_entry)
{
    struct vg_lockout *l = lockout(3, 600, 300, 3);
    vg_lockout_fail(l, "a", 100);
    vg_lockout_fail(l, "a", 101); /* a: 2 failures, idle since 101 */
    vg_lockout_fail(l, "b", 102);
    vg_lockout_fail(l, "b", 103); /* b: 2 failures */
    vg_lockout_fail(l, "c", 104);
    vg_lockout_fail(l, "c", 105); /* c: 2 failures */
    vg_lockout_fail(l, "d", 106); /* table full: "a" goes */
    cr_expect_eq(vg_lockout_fail(l, "b", 107), 300, "b lost its failures");
    cr_expect_eq(vg_lockout_fail(l, "c", 108), 300, "c lost its failures");
    cr_expect_eq(vg_lockout_fail(l, "a", 109), 0, "a kept its failures after eviction");
    vg_lockout_free(l);
}

Test(lockout, full_table_of_locks_drops_the_oldest_lock)
{
    struct vg_lockout *l = lockout(1, 60, 300, 2);
    cr_expect_eq(vg_lockout_fail(l, "a", 100), 300);
    cr_expect_eq(vg_lockout_fail(l, "b", 101), 300);
    cr_expect_eq(vg_lockout_fail(l, "c", 102), 300);
    cr_expect_eq(vg_lockout_remaining(l, "a", 102), 0);
    cr_expect_gt(vg_lockout_remaining(l, "b", 102), 0);
    cr_expect_gt(vg_lockout_remaining(l, "c", 102), 0);
    vg_lockout_free(l);
}

Test(lockout, zero_sizes_are_clamped_to_one)
{
    struct vg_lockout *l = lockout(0, 60, 300, 0);
    cr_expect_eq(vg_lockout_fail(l, "a", 100), 300);
    cr_expect_eq(vg_lockout_fail(l, "b", 101), 300);
    cr_expect_eq(vg_lockout_remaining(l, "a", 101), 0);
    vg_lockout_free(l);
}

Test(lockout, long_keys_are_cut_not_overflowed)
{
    struct vg_lockout *l = lockout(1, 60, 300, 4);
    char key[300];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    cr_expect_eq(vg_lockout_fail(l, key, 100), 300);
    cr_expect_gt(vg_lockout_remaining(l, key, 100), 0);
    vg_lockout_free(l);
}

Test(lockout, free_accepts_null)
{
    cr_expect_null(vg_lockout_free(NULL));
}
