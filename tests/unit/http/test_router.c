/* Path patterns, parameter decoding and the route table (http/router.c, routes.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "http/router.h"

static bool match(const char *pattern, const char *path, struct vg_req *req)
{
    memset(req, 0, sizeof(*req));
    return vg_route_match(pattern, path, req);
}

static void expect_param(const char *pattern, const char *path, const char *name, const char *want)
{
    struct vg_req req;
    cr_assert(match(pattern, path, &req), "'%s' does not match '%s'", path, pattern);
    cr_expect_str_eq(vg_req_param(&req, name), want, "{%s} of '%s'", name, path);
}

static void expect_no_match(const char *pattern, const char *path)
{
    struct vg_req req;
    cr_expect_not(match(pattern, path, &req), "'%s' matches '%s'", path, pattern);
    cr_expect_not(vg_route_match(pattern, path, NULL), "'%s' matches '%s' (no req)", path, pattern);
}

/* ---- literal patterns ---- */

Test(router, literal_pattern_matches_the_same_path)
{
    struct vg_req req;
    cr_expect(match("/api/health", "/api/health", &req));
    cr_expect_eq(req.param_count, 0);
    cr_expect(vg_route_match("/api/health", "/api/health", NULL));
}

Test(router, literal_pattern_refuses_other_paths)
{
    expect_no_match("/api/health", "/api/healt");
    expect_no_match("/api/health", "/api/healthz");
    expect_no_match("/api/health", "/api/Health");
    expect_no_match("/api/health", "/api");
    expect_no_match("/api/health", "/");
    expect_no_match("/api/health", "");
    expect_no_match("/api/health", "api/health");
}

Test(router, literal_segments_are_not_percent_decoded)
{
    expect_no_match("/api/health", "/api/%68ealth");
    expect_no_match("/api/health", "/api%2Fhealth");
}

Test(router, trailing_slash_does_not_match)
{
    expect_no_match("/api/health", "/api/health/");
    expect_no_match("/api/users/{id}", "/api/users/7/");
}

Test(router, extra_or_missing_segments_do_not_match)
{
    expect_no_match("/api/users/{id}", "/api/users");
    expect_no_match("/api/users/{id}", "/api/users/7/x");
    expect_no_match("/api/nvrs/{id}/sync", "/api/nvrs/a");
    expect_no_match("/api/nvrs/{id}/sync", "/api/nvrs/a/sync/b");
    expect_no_match("/api/users", "/api/users/7");
}

Test(router, empty_segments_do_not_match)
{
    expect_no_match("/api/users/{id}", "/api/users/");
    expect_no_match("/api/users/{id}", "/api/users//");
    expect_no_match("/api/health", "/api//health");
    expect_no_match("/api/health", "//api/health");
    expect_no_match("/api/nvrs/{id}/sync", "/api/nvrs//sync");
}

Test(router, dot_segments_are_plain_text)
{
    expect_no_match("/api/health", "/api/x/../health");
    expect_no_match("/api/health", "/api/./health");
    expect_param("/api/cameras/{id}", "/api/cameras/..", "id", "..");
}

/* ---- placeholders ---- */

Test(router, placeholder_captures_one_segment)
{
    struct vg_req req;
    cr_assert(match("/api/cameras/{id}", "/api/cameras/front-door", &req));
    cr_expect_eq(req.param_count, 1);
    cr_expect_str_eq(vg_req_param(&req, "id"), "front-door");
}

Test(router, placeholder_in_the_middle_captures_its_segment)
{
    expect_param("/api/nvrs/{id}/sync", "/api/nvrs/nvr-1/sync", "id", "nvr-1");
}

Test(router, several_placeholders_are_captured_by_name)
{
    struct vg_req req;
    cr_assert(match("/api/{kind}/{id}/x/{part}", "/api/cameras/gate/x/main", &req));
    cr_expect_eq(req.param_count, 3);
    cr_expect_str_eq(vg_req_param(&req, "kind"), "cameras");
    cr_expect_str_eq(vg_req_param(&req, "id"), "gate");
    cr_expect_str_eq(vg_req_param(&req, "part"), "main");
}

Test(router, unknown_parameter_is_empty)
{
    struct vg_req req;
    cr_assert(match("/api/cameras/{id}", "/api/cameras/gate", &req));
    cr_expect_str_eq(vg_req_param(&req, "name"), "");
    cr_expect_str_eq(vg_req_param(&req, "i"), "");
    cr_expect_str_eq(vg_req_param(&req, "idx"), "");
    cr_expect_str_eq(vg_req_param(&req, ""), "");
}

Test(router, placeholder_is_percent_decoded)
{
    expect_param("/api/cameras/{id}", "/api/cameras/front%20door", "id", "front door");
    expect_param("/api/cameras/{id}", "/api/cameras/%41%62c", "id", "Abc");
    expect_param("/api/cameras/{id}", "/api/cameras/%e6%9d%b1", "id", "\xe6\x9d\xb1");
    expect_param("/api/cameras/{id}", "/api/cameras/a%25b", "id", "a%b");
    expect_param("/api/cameras/{id}", "/api/cameras/%3F%23", "id", "?#");
}

Test(router, encoded_slash_is_refused)
{
    expect_no_match("/api/cameras/{id}", "/api/cameras/a%2Fb");
    expect_no_match("/api/cameras/{id}", "/api/cameras/a%2fb");
    expect_no_match("/api/cameras/{id}", "/api/cameras/..%2F..%2Fetc");
}

Test(router, encoded_nul_and_control_characters_are_refused)
{
    expect_no_match("/api/cameras/{id}", "/api/cameras/a%00b");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%00");
    expect_no_match("/api/cameras/{id}", "/api/cameras/a%0d%0aSet-Cookie:x");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%1b");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%7f");
    expect_no_match("/api/cameras/{id}", "/api/cameras/a\tb");
}

Test(router, bad_escapes_are_refused)
{
    expect_no_match("/api/cameras/{id}", "/api/cameras/%zz");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%4");
    expect_no_match("/api/cameras/{id}", "/api/cameras/a%");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%g1");
    expect_no_match("/api/cameras/{id}", "/api/cameras/%1g");
    expect_no_match("/api/nvrs/{id}/sync", "/api/nvrs/%4/sync");
    expect_no_match("/api/nvrs/{id}/sync", "/api/nvrs/a%/sync");
}

Test(router, escape_at_the_very_end_of_a_segment_is_decoded)
{
    expect_param("/api/cameras/{id}", "/api/cameras/a%41", "id", "aA");
    expect_param("/api/nvrs/{id}/sync", "/api/nvrs/a%41/sync", "id", "aA");
}

Test(router, segment_of_255_bytes_matches_and_256_does_not)
{
    char path[600];
    const char *head = "/api/cameras/";
    size_t h = strlen(head);
    memcpy(path, head, h);
    memset(path + h, 'a', 255);
    path[h + 255] = '\0';
    struct vg_req req;
    cr_expect(match("/api/cameras/{id}", path, &req));
    cr_expect_eq(strlen(vg_req_param(&req, "id")), 255);
    path[h + 255] = 'a';
    path[h + 256] = '\0';
    expect_no_match("/api/cameras/{id}", path);
}

Test(router, over_long_segment_is_measured_after_decoding)
{
    char path[1200];
    const char *head = "/api/cameras/";
    size_t h = strlen(head);
    memcpy(path, head, h);
    for (size_t i = 0; i < 256; i++)
        memcpy(path + h + i * 3, "%41", 3);
    path[h + 255 * 3] = '\0'; /* 765 bytes that decode to 255 */
    struct vg_req req;
    cr_expect(match("/api/cameras/{id}", path, &req));
    cr_expect_eq(strlen(vg_req_param(&req, "id")), 255);
    path[h + 255 * 3] = '%'; /* 256 once decoded */
    path[h + 256 * 3] = '\0';
    expect_no_match("/api/cameras/{id}", path);
}

Test(router, very_long_segments_are_refused)
{
    static char path[100000];
    const char *head = "/api/cameras/";
    size_t h = strlen(head);
    memcpy(path, head, h);
    memset(path + h, 'a', sizeof(path) - h - 1);
    path[sizeof(path) - 1] = '\0';
    expect_no_match("/api/cameras/{id}", path);
}

Test(router, a_failed_match_leaves_no_parameters)
{
    struct vg_req req;
    cr_expect_not(match("/api/nvrs/{id}/sync", "/api/nvrs/abc/nosync", &req));
    cr_expect_eq(req.param_count, 0);
    cr_expect_str_eq(vg_req_param(&req, "id"), "");
}

/* ---- numeric ids ---- */

static bool param_id(const char *segment, int64_t *ret)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/users/%s", segment);
    struct vg_req req;
    if (!match("/api/users/{id}", path, &req))
        return false;
    return vg_req_param_id(&req, "id", ret);
}

Test(router, param_id_reads_positive_numbers)
{
    int64_t id = 0;
    cr_expect(param_id("1", &id));
    cr_expect_eq(id, 1);
    cr_expect(param_id("42", &id));
    cr_expect_eq(id, 42);
    cr_expect(param_id("9007199254740992", &id)); /* 2^53 */
    cr_expect_eq(id, 9007199254740992LL);
}

Test(router, param_id_refuses_zero_negative_and_junk)
{
    int64_t id = 77;
    cr_expect_not(param_id("0", &id));
    cr_expect_not(param_id("00", &id));
    cr_expect_not(param_id("-1", &id));
    cr_expect_not(param_id("+1", &id));
    cr_expect_not(param_id("1a", &id));
    cr_expect_not(param_id("a1", &id));
    cr_expect_not(param_id("1.0", &id));
    cr_expect_not(param_id("0x10", &id));
    cr_expect_not(param_id("%201", &id));
    cr_expect_not(param_id("1%20", &id));
    cr_expect_not(param_id("1e3", &id));
    cr_expect_eq(id, 77, "ret_id written on failure");
}

Test(router, param_id_refuses_17_digits)
{
    int64_t id = 77;
    cr_expect_not(param_id("10000000000000000", &id));
    cr_expect_not(param_id("99999999999999999999999999", &id));
    cr_expect_eq(id, 77);
}

/* The header promises 1..2^53 (what a JavaScript client can hold exactly). */
Test(router, param_id_refuses_numbers_above_2_pow_53)
{
    int64_t id = 77;
    cr_expect_not(param_id("9007199254740993", &id));
    cr_expect_not(param_id("9999999999999999", &id));
    cr_expect_eq(id, 77);
}

Test(router, param_id_of_a_missing_parameter_is_refused)
{
    struct vg_req req;
    memset(&req, 0, sizeof(req));
    int64_t id = 77;
    cr_expect_not(vg_req_param_id(&req, "id", &id));
    cr_expect_eq(id, 77);
}

/* ---- the route table ---- */

Test(router, route_patterns_are_under_api)
{
    size_t n = 0;
    for (const struct vg_route *r = vg_routes; r->pattern; r++, n++) {
        cr_expect_eq(strncmp(r->pattern, "/api/", 5), 0, "route '%s'", r->pattern);
        cr_expect_not_null(r->handler, "route '%s' has no handler", r->pattern);
    }
    cr_expect_gt(n, 0);
}

Test(router, route_table_has_no_duplicate_method_and_pattern)
{
    for (const struct vg_route *a = vg_routes; a->pattern; a++) {
        for (const struct vg_route *b = a + 1; b->pattern; b++)
            cr_expect(a->method != b->method || strcmp(a->pattern, b->pattern) != 0,
                      "%s %s is listed twice", vg_method_name(a->method), a->pattern);
    }
}

Test(router, route_patterns_are_well_formed)
{
    for (const struct vg_route *r = vg_routes; r->pattern; r++) {
        const char *p = r->pattern;
        size_t params = 0;
        cr_expect(p[strlen(p) - 1] != '/', "route '%s' ends with '/'", p);
        cr_expect_null(strstr(p, "//"), "route '%s' has an empty segment", p);
        for (const char *s = p; *s; s++) {
            if (*s == '{') {
                params++;
                cr_expect(s[-1] == '/', "route '%s': '{' inside a segment", p);
                const char *close = strchr(s, '}');
                cr_assert_not_null(close, "route '%s': unmatched '{'", p);
                cr_expect(close[1] == '/' || close[1] == '\0', "route '%s': text after '}'", p);
            }
        }
        cr_expect_leq(params, (size_t)VG_ROUTE_PARAMS_MAX, "route '%s'", p);
    }
}

Test(router, every_route_matches_an_example_of_its_own_path)
{
    for (const struct vg_route *r = vg_routes; r->pattern; r++) {
        char path[512];
        size_t n = 0;
        for (const char *s = r->pattern; *s && n + 8 < sizeof(path);) {
            if (*s == '{') {
                memcpy(path + n, "7", 1);
                n += 1;
                s = strchr(s, '}') + 1;
            } else {
                path[n++] = *s++;
            }
        }
        path[n] = '\0';
        struct vg_req req;
        cr_expect(match(r->pattern, path, &req), "'%s' does not match its example '%s'", r->pattern,
                  path);
    }
}

Test(router, no_two_routes_of_one_method_match_the_same_path)
{
    /* A literal route shadowed by a placeholder route of the same method would
     * depend on table order. */
    for (const struct vg_route *a = vg_routes; a->pattern; a++) {
        for (const struct vg_route *b = vg_routes; b->pattern; b++) {
            if (a == b || a->method != b->method || strchr(a->pattern, '{'))
                continue;
            cr_expect_not(vg_route_match(b->pattern, a->pattern, NULL),
                          "%s %s is also matched by %s", vg_method_name(a->method), a->pattern,
                          b->pattern);
        }
    }
}

Test(router, method_and_access_names)
{
    cr_expect_str_eq(vg_method_name(EVHTTP_REQ_GET), "GET");
    cr_expect_str_eq(vg_method_name(EVHTTP_REQ_DELETE), "DELETE");
    cr_expect_str_eq(vg_access_name(VG_ACCESS_PUBLIC), "public");
    cr_expect_str_eq(vg_access_name(VG_ACCESS_ADMIN), "admin");
}
