/* Request bodies onto cameras, NVRs and users, and those objects back to JSON
 * with every secret masked (http/bodies.c, http/body.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "http/bodies.h"

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *obj = json_loads(text, JSON_ALLOW_NUL, &err);
    cr_assert_not_null(obj, "bad test JSON '%s': %s", text, err.text);
    return obj;
}

struct result {
    bool failed;
    char err[256];
};

static struct result camera_body(const char *text, bool create, struct vg_camera *cam)
{
    json_t *obj = parse(text);
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_camera_from_body(&b, create, cam);
    json_decref(obj);
    struct result r = {.failed = b.failed};
    memcpy(r.err, b.err, sizeof(r.err));
    return r;
}

static struct result nvr_body(const char *text, bool create, struct vg_nvr *n)
{
    json_t *obj = parse(text);
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_nvr_from_body(&b, create, n);
    json_decref(obj);
    struct result r = {.failed = b.failed};
    memcpy(r.err, b.err, sizeof(r.err));
    return r;
}

static struct result user_body(const char *text, bool create, struct vg_user *u)
{
    json_t *obj = parse(text);
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_user_from_body(&b, create, u);
    json_decref(obj);
    struct result r = {.failed = b.failed};
    memcpy(r.err, b.err, sizeof(r.err));
    return r;
}

#define expect_ok(r) cr_expect_not((r).failed, "unexpected error: %s", (r).err)
#define expect_error(r, part)                                                                      \
    do {                                                                                           \
        struct result r_ = (r);                                                                    \
        cr_expect(r_.failed, "accepted, expected an error with '%s'", part);                       \
        cr_expect(strstr(r_.err, part), "error '%s' lacks '%s'", r_.err, part);                    \
    } while (0)

static struct vg_camera new_camera(void)
{
    return (struct vg_camera){.enabled = true, .source = VG_CAMERA_API};
}

/* A camera as the store returns it: every string allocated. */
static struct vg_camera stored_camera(void)
{
    struct vg_camera c = new_camera();
    snprintf(c.id, sizeof(c.id), "%s", "gate");
    c.name = strdup("Gate");
    c.zone = strdup("north");
    c.main_url = strdup("rtsp://admin:secret@10.0.0.5:554/Streaming/Channels/101");
    c.sub_url = strdup("rtsp://admin:secret@10.0.0.5:554/Streaming/Channels/102");
    c.username = strdup("onvif");
    c.password = strdup("onvif-secret");
    c.record = true;
    c.created_at = 1700000000;
    c.updated_at = 1700000100;
    return c;
}

static const char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_string(v), "'%s' is not a string", key);
    return json_string_value(v);
}

/* ---- camera from a body ---- */

Test(bodies, camera_create_makes_the_id_from_the_name)
{
    struct vg_camera c = new_camera();
    expect_ok(camera_body("{\"name\": \"Front Door #2\", \"main_url\": \"rtsp://10.0.0.9/live\"}",
                          true, &c));
    cr_expect_str_eq(c.id, "front-door-2");
    cr_expect_str_eq(c.name, "Front Door #2");
    cr_expect_str_eq(c.main_url, "rtsp://10.0.0.9/live");
    cr_expect(c.enabled);
    vg_camera_done(&c);
}

Test(bodies, camera_create_takes_a_valid_explicit_id_and_names_it_after_the_id)
{
    struct vg_camera c = new_camera();
    expect_ok(camera_body("{\"id\": \"cam-7\", \"main_url\": \"demo:1\"}", true, &c));
    cr_expect_str_eq(c.id, "cam-7");
    cr_expect_str_eq(c.name, "cam-7");
    vg_camera_done(&c);
}

Test(bodies, camera_create_refuses_an_invalid_explicit_id)
{
    const char *bad[] = {"Front",
                         "front door",
                         "-front",
                         "front-",
                         "../x",
                         "",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "{\"id\": \"%s\", \"name\": \"x\", \"main_url\": \"demo:1\"}",
                 bad[i]);
        struct vg_camera c = new_camera();
        expect_error(camera_body(text, true, &c), "'id'");
        vg_camera_done(&c);
    }
}

Test(bodies, camera_create_needs_an_id_or_a_usable_name)
{
    struct vg_camera c = new_camera();
    expect_error(camera_body("{\"main_url\": \"demo:1\"}", true, &c), "'id'");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(camera_body("{\"name\": \"#!?\", \"main_url\": \"demo:1\"}", true, &c), "'id'");
    vg_camera_done(&c);
}

Test(bodies, camera_create_requires_main_url)
{
    struct vg_camera c = new_camera();
    expect_error(camera_body("{\"name\": \"Gate\"}", true, &c), "'main_url' is required");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(camera_body("{\"name\": \"Gate\", \"main_url\": \"\"}", true, &c), "main_url");
    vg_camera_done(&c);
}

Test(bodies, camera_url_with_a_bad_scheme_is_refused_with_the_reason)
{
    struct vg_camera c = new_camera();
    struct result r =
        camera_body("{\"name\": \"Gate\", \"main_url\": \"ftp://10.0.0.1/x\"}", true, &c);
    expect_error(r, "field 'main_url'");
    expect_error(r, "scheme must be rtsp");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(camera_body("{\"name\": \"Gate\", \"main_url\": \"demo:1\", "
                             "\"sub_url\": \"javascript:alert(1)\"}",
                             true, &c),
                 "field 'sub_url'");
    vg_camera_done(&c);
}

Test(bodies, camera_url_with_a_line_break_is_refused)
{
    struct vg_camera c = new_camera();
    expect_error(
        camera_body("{\"name\": \"Gate\", \"main_url\": \"rtsp://h/x\\r\\nX: y\"}", true, &c),
        "main_url");
    vg_camera_done(&c);
}

Test(bodies, camera_body_refuses_an_unknown_field_and_names_it)
{
    struct vg_camera c = new_camera();
    expect_error(
        camera_body("{\"name\": \"Gate\", \"main_url\": \"demo:1\", \"pasword\": \"x\"}", true, &c),
        "unknown field 'pasword'");
    vg_camera_done(&c);
}

Test(bodies, unknown_field_name_is_shown_short_and_printable)
{
    struct vg_camera c = new_camera();
    struct result r =
        camera_body("{\"bad\\nname\\u001bx\": 1, \"main_url\": \"demo:1\"}", true, &c);
    cr_expect(r.failed);
    cr_expect_null(strchr(r.err, '\n'), "error '%s' has a line break", r.err);
    vg_camera_done(&c);

    char text[700];
    char longname[600];
    memset(longname, 'k', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    snprintf(text, sizeof(text), "{\"%s\": 1}", longname);
    c = new_camera();
    r = camera_body(text, true, &c);
    cr_expect(r.failed);
    cr_expect_lt(strlen(r.err), 100, "error '%s' is too long", r.err);
    vg_camera_done(&c);
}

Test(bodies, camera_body_ignores_read_only_fields)
{
    struct vg_camera c = new_camera();
    expect_ok(camera_body("{\"name\": \"Gate\", \"main_url\": \"demo:1\", \"created_at\": "
                          "\"2001-01-01T00:00:00Z\", \"updated_at\": null, \"source\": \"config\", "
                          "\"readonly\": true, \"nvr_id\": \"x\", \"status\": \"online\"}",
                          true, &c));
    cr_expect_eq(c.source, VG_CAMERA_API, "a client made its camera read-only");
    cr_expect_eq(c.created_at, 0);
    cr_expect_str_eq(c.nvr_id, "");
    vg_camera_done(&c);
}

Test(bodies, camera_body_refuses_wrong_types)
{
    static const char *const cases[][2] = {
        {"{\"name\": 5, \"main_url\": \"demo:1\"}", "'name' must be a string"},
        {"{\"name\": \"Gate\", \"main_url\": null}", "'main_url' must be a string"},
        {"{\"name\": \"Gate\", \"main_url\": [\"demo:1\"]}", "'main_url' must be a string"},
        {"{\"name\": \"Gate\", \"main_url\": \"demo:1\", \"enabled\": \"yes\"}",
         "'enabled' must be true or false"},
        {"{\"name\": \"Gate\", \"main_url\": \"demo:1\", \"record\": 1}",
         "'record' must be true or false"},
        {"{\"name\": \"Gate\", \"main_url\": \"demo:1\", \"password\": 1234}",
         "'password' must be a string"},
        {"{\"name\": \"Gate\", \"main_url\": \"demo:1\", \"id\": 7}", "'id' must be a string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vg_camera c = new_camera();
        expect_error(camera_body(cases[i][0], true, &c), cases[i][1]);
        vg_camera_done(&c);
    }
}

Test(bodies, camera_body_refuses_control_characters_and_long_names)
{
    struct vg_camera c = new_camera();
    expect_error(camera_body("{\"name\": \"Ga\\u001bte\", \"main_url\": \"demo:1\"}", true, &c),
                 "'name'");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(camera_body("{\"name\": \"Ga\\u0000te\", \"main_url\": \"demo:1\"}", true, &c),
                 "'name'");
    vg_camera_done(&c);

    char text[400], name[200];
    memset(name, 'n', 129);
    name[129] = '\0';
    snprintf(text, sizeof(text), "{\"name\": \"%s\", \"main_url\": \"demo:1\"}", name);
    c = new_camera();
    expect_error(camera_body(text, true, &c), "'name' must be at most 128");
    vg_camera_done(&c);
    name[128] = '\0';
    snprintf(text, sizeof(text), "{\"name\": \"%s\", \"main_url\": \"demo:1\"}", name);
    c = new_camera();
    expect_ok(camera_body(text, true, &c));
    vg_camera_done(&c);
}

Test(bodies, camera_body_that_is_not_an_object_fails_cleanly)
{
    struct vg_camera c = new_camera();
    struct result r = camera_body("[1, 2]", true, &c);
    cr_expect(r.failed);
    vg_camera_done(&c);
}

Test(bodies, camera_update_never_changes_the_id)
{
    struct vg_camera c = stored_camera();
    camera_body("{\"id\": \"other\"}", false, &c);
    cr_expect_str_eq(c.id, "gate");
    camera_body("{\"id\": \"Not A Slug/..\"}", false, &c);
    cr_expect_str_eq(c.id, "gate");
    expect_ok(camera_body("{\"id\": \"gate\"}", false, &c));
    cr_expect_str_eq(c.id, "gate");
    vg_camera_done(&c);
}

Test(bodies, camera_update_is_partial)
{
    struct vg_camera c = stored_camera();
    expect_ok(camera_body("{\"zone\": \"south\", \"enabled\": false}", false, &c));
    cr_expect_str_eq(c.zone, "south");
    cr_expect_not(c.enabled);
    cr_expect_str_eq(c.name, "Gate");
    cr_expect_str_eq(c.main_url, "rtsp://admin:secret@10.0.0.5:554/Streaming/Channels/101");
    cr_expect_str_eq(c.password, "onvif-secret");
    cr_expect(c.record);
    vg_camera_done(&c);
}

Test(bodies, camera_update_keeps_the_stored_password_when_the_mask_comes_back)
{
    struct vg_camera c = stored_camera();
    expect_ok(camera_body("{\"password\": \"********\"}", false, &c));
    cr_expect_str_eq(c.password, "onvif-secret");
    vg_camera_done(&c);
}

Test(bodies, camera_update_sets_a_new_or_empty_password)
{
    struct vg_camera c = stored_camera();
    expect_ok(camera_body("{\"password\": \"n3w\"}", false, &c));
    cr_expect_str_eq(c.password, "n3w");
    expect_ok(camera_body("{\"password\": \"\"}", false, &c));
    cr_expect_str_eq(c.password, "");
    vg_camera_done(&c);
}

Test(bodies, camera_update_restores_url_credentials_sent_back_masked)
{
    struct vg_camera c = stored_camera();
    expect_ok(
        camera_body("{\"main_url\": \"rtsp://admin:********@10.0.0.5:554/Streaming/Channels/101\", "
                    "\"sub_url\": \"rtsp://admin:********@10.0.0.5:554/Streaming/Channels/103\"}",
                    false, &c));
    cr_expect_str_eq(c.main_url, "rtsp://admin:secret@10.0.0.5:554/Streaming/Channels/101");
    cr_expect_str_eq(c.sub_url, "rtsp://admin:secret@10.0.0.5:554/Streaming/Channels/103");
    vg_camera_done(&c);
}

Test(bodies, camera_update_takes_new_url_credentials)
{
    struct vg_camera c = stored_camera();
    expect_ok(camera_body("{\"main_url\": \"rtsp://root:hunter2@10.0.0.5/x\"}", false, &c));
    cr_expect_str_eq(c.main_url, "rtsp://root:hunter2@10.0.0.5/x");
    expect_ok(camera_body("{\"sub_url\": \"\"}", false, &c));
    cr_expect_str_eq(c.sub_url, "");
    vg_camera_done(&c);
}

Test(bodies, camera_sent_back_as_received_is_unchanged)
{
    struct vg_camera c = stored_camera();
    json_t *o = vg_camera_to_json(&c);
    cr_assert_not_null(o);
    char *text = json_dumps(o, 0);
    json_decref(o);
    expect_ok(camera_body(text, false, &c));
    free(text);
    struct vg_camera want = stored_camera();
    cr_expect_str_eq(c.id, want.id);
    cr_expect_str_eq(c.name, want.name);
    cr_expect_str_eq(c.zone, want.zone);
    cr_expect_str_eq(c.main_url, want.main_url);
    cr_expect_str_eq(c.sub_url, want.sub_url);
    cr_expect_str_eq(c.username, want.username);
    cr_expect_str_eq(c.password, want.password);
    cr_expect_eq(c.enabled, want.enabled);
    cr_expect_eq(c.record, want.record);
    vg_camera_done(&c);
    vg_camera_done(&want);
}

/* ---- camera to JSON ---- */

Test(bodies, camera_json_masks_the_password_and_url_credentials)
{
    struct vg_camera c = stored_camera();
    json_t *o = vg_camera_to_json(&c);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "password"), VG_MASK);
    cr_expect_str_eq(str_of(o, "main_url"),
                     "rtsp://admin:" VG_MASK "@10.0.0.5:554/Streaming/Channels/101");
    cr_expect_str_eq(str_of(o, "sub_url"),
                     "rtsp://admin:" VG_MASK "@10.0.0.5:554/Streaming/Channels/102");
    char *text = json_dumps(o, 0);
    cr_expect_null(strstr(text, "secret"), "a secret leaked: %s", text);
    free(text);
    json_decref(o);
    vg_camera_done(&c);
}

Test(bodies, camera_json_shows_an_empty_password_as_empty)
{
    struct vg_camera c = stored_camera();
    free(c.password);
    c.password = strdup("");
    json_t *o = vg_camera_to_json(&c);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "password"), "");
    json_decref(o);
    vg_camera_done(&c);
}

Test(bodies, camera_json_has_the_public_fields)
{
    struct vg_camera c = stored_camera();
    json_t *o = vg_camera_to_json(&c);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "id"), "gate");
    cr_expect_str_eq(str_of(o, "name"), "Gate");
    cr_expect_str_eq(str_of(o, "zone"), "north");
    cr_expect_str_eq(str_of(o, "username"), "onvif");
    cr_expect_str_eq(str_of(o, "source"), "api");
    cr_expect(json_is_true(json_object_get(o, "enabled")));
    cr_expect(json_is_true(json_object_get(o, "record")));
    cr_expect(json_is_false(json_object_get(o, "readonly")));
    cr_expect(json_is_null(json_object_get(o, "nvr_id")));
    cr_expect_str_eq(str_of(o, "created_at"), "2023-11-14T22:13:20Z");
    json_decref(o);
    vg_camera_done(&c);
}

Test(bodies, camera_json_of_a_minimal_camera)
{
    struct vg_camera c = new_camera();
    snprintf(c.id, sizeof(c.id), "%s", "x");
    c.main_url = strdup("demo:1");
    c.source = VG_CAMERA_DEMO;
    snprintf(c.nvr_id, sizeof(c.nvr_id), "%s", "nvr1");
    json_t *o = vg_camera_to_json(&c);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "sub_url"), "");
    cr_expect_str_eq(str_of(o, "password"), "");
    cr_expect_str_eq(str_of(o, "nvr_id"), "nvr1");
    cr_expect(json_is_true(json_object_get(o, "readonly")));
    cr_expect(json_is_null(json_object_get(o, "created_at")));
    json_decref(o);
    vg_camera_done(&c);
}

/* ---- camera type: url or webrtc ---- */

Test(bodies, camera_create_by_type_webrtc_sets_the_webrtc_url)
{
    struct vg_camera c = new_camera();
    expect_ok(
        camera_body("{\"id\": \"pub\", \"type\": \"webrtc\", \"username\": \"u\"}", true, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);
    cr_expect(!c.sub_url || !c.sub_url[0]);
    cr_expect_str_eq(c.username, "u");
    json_t *o = vg_camera_to_json(&c);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "type"), "webrtc");
    cr_expect_str_eq(str_of(o, "main_url"), "webrtc:");
    cr_expect_str_eq(str_of(o, "sub_url"), "");
    json_decref(o);
    vg_camera_done(&c);
}

Test(bodies, camera_create_by_main_url_webrtc_is_a_webrtc_camera)
{
    struct vg_camera c = new_camera();
    expect_ok(camera_body("{\"id\": \"pub\", \"main_url\": \"webrtc:\"}", true, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);
    vg_camera_done(&c);
    c = new_camera();
    expect_ok(camera_body("{\"id\": \"pub\", \"type\": \"webrtc\", \"main_url\": \"webrtc:\"}",
                          true, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);
    vg_camera_done(&c);
}

Test(bodies, camera_type_must_be_url_or_webrtc)
{
    const char *bad[] = {"\"rtsp\"", "\"WEBRTC\"", "\"\"", "1", "null"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "{\"id\": \"x\", \"type\": %s, \"main_url\": \"demo:1\"}",
                 bad[i]);
        struct vg_camera c = new_camera();
        expect_error(camera_body(text, true, &c), "'type'");
        vg_camera_done(&c);
    }
}

Test(bodies, camera_webrtc_refuses_a_sub_stream)
{
    struct vg_camera c = new_camera();
    expect_error(
        camera_body("{\"id\": \"x\", \"type\": \"webrtc\", \"sub_url\": \"demo:1\"}", true, &c),
        "no sub stream");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(camera_body("{\"id\": \"x\", \"main_url\": \"webrtc:\", \"sub_url\": \"demo:1\"}",
                             true, &c),
                 "no sub stream");
    vg_camera_done(&c);
    c = new_camera();
    expect_ok(camera_body("{\"id\": \"x\", \"type\": \"webrtc\", \"sub_url\": \"\"}", true, &c));
    vg_camera_done(&c);
    /* Not as a sub stream of a pulled camera either. */
    c = new_camera();
    expect_error(camera_body("{\"id\": \"x\", \"main_url\": \"demo:1\", \"sub_url\": \"webrtc:\"}",
                             true, &c),
                 "'sub_url'");
    vg_camera_done(&c);
}

Test(bodies, camera_webrtc_refuses_a_url_after_the_colon_or_another_main_url)
{
    struct vg_camera c = new_camera();
    expect_error(camera_body("{\"id\": \"x\", \"main_url\": \"webrtc:x\"}", true, &c),
                 "exactly 'webrtc:'");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(
        camera_body("{\"id\": \"x\", \"type\": \"webrtc\", \"main_url\": \"demo:1\"}", true, &c),
        "'main_url'");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(
        camera_body("{\"id\": \"x\", \"type\": \"url\", \"main_url\": \"webrtc:\"}", true, &c),
        "'main_url' must be a stream URL");
    vg_camera_done(&c);
    c = new_camera();
    expect_error(camera_body("{\"id\": \"x\", \"type\": \"url\"}", true, &c),
                 "'main_url' is required");
    vg_camera_done(&c);
}

Test(bodies, camera_update_to_webrtc_drops_the_sub_stream_and_back_needs_a_url)
{
    struct vg_camera c = stored_camera();
    expect_ok(camera_body("{\"type\": \"webrtc\"}", false, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);
    cr_expect_str_eq(c.sub_url, "");
    cr_expect_str_eq(c.username, "onvif", "credentials are kept");
    cr_expect_str_eq(c.password, "onvif-secret");

    expect_error(camera_body("{\"type\": \"url\"}", false, &c), "'main_url' is required");
    expect_error(camera_body("{\"type\": \"webrtc\", \"sub_url\": \"demo:2\"}", false, &c),
                 "no sub stream");
    expect_ok(camera_body("{\"name\": \"Still webrtc\"}", false, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);

    expect_ok(camera_body("{\"type\": \"url\", \"main_url\": \"rtsp://10.0.0.9/live\", "
                          "\"sub_url\": \"rtsp://10.0.0.9/sub\"}",
                          false, &c));
    cr_expect_str_eq(c.main_url, "rtsp://10.0.0.9/live");
    cr_expect_str_eq(c.sub_url, "rtsp://10.0.0.9/sub");
    json_t *o = vg_camera_to_json(&c);
    cr_expect_str_eq(str_of(o, "type"), "url");
    json_decref(o);

    /* And by main_url alone. */
    expect_ok(camera_body("{\"main_url\": \"webrtc:\"}", false, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);
    cr_expect_str_eq(c.sub_url, "");
    expect_ok(camera_body("{\"main_url\": \"demo:1\"}", false, &c));
    cr_expect_str_eq(c.main_url, "demo:1");
    vg_camera_done(&c);
}

Test(bodies, webrtc_camera_sent_back_as_received_is_unchanged)
{
    struct vg_camera c = new_camera();
    expect_ok(camera_body("{\"id\": \"pub\", \"type\": \"webrtc\"}", true, &c));
    json_t *o = vg_camera_to_json(&c);
    char *text = json_dumps(o, 0);
    expect_ok(camera_body(text, false, &c));
    cr_expect_str_eq(c.main_url, VG_URL_WEBRTC);
    free(text);
    json_decref(o);
    vg_camera_done(&c);
}

/* ---- NVR ---- */

static struct vg_nvr new_nvr(void)
{
    return (struct vg_nvr){.port = 554};
}

static struct vg_nvr stored_nvr(void)
{
    struct vg_nvr n = new_nvr();
    snprintf(n.id, sizeof(n.id), "%s", "nvr1");
    n.name = strdup("Main NVR");
    n.vendor = VG_NVR_GENERIC;
    n.host = strdup("10.0.0.5");
    n.username = strdup("admin");
    n.password = strdup("nvr-secret");
    n.channels = 8;
    n.template_main = strdup("rtsp://{user}:{pass}@{ip}:{port}/ch{channel}/main");
    n.template_sub = strdup("");
    n.zone = strdup("");
    return n;
}

Test(bodies, nvr_create_from_a_vendor_preset)
{
    struct vg_nvr n = new_nvr();
    expect_ok(nvr_body("{\"id\": \"nvr1\", \"vendor\": \"dahua\", \"host\": \"10.0.0.5\", "
                       "\"channels\": 16, \"username\": \"admin\", \"password\": \"pw\"}",
                       true, &n));
    cr_expect_str_eq(n.id, "nvr1");
    cr_expect_str_eq(n.name, "nvr1");
    cr_expect_eq(n.vendor, VG_NVR_DAHUA);
    cr_expect_str_eq(n.host, "10.0.0.5");
    cr_expect_eq(n.port, 554);
    cr_expect_eq(n.channels, 16);
    cr_expect_str_eq(n.password, "pw");
    vg_nvr_done(&n);
}

Test(bodies, nvr_create_makes_the_id_from_the_name)
{
    struct vg_nvr n = new_nvr();
    expect_ok(nvr_body("{\"name\": \"Back Office NVR\", \"vendor\": \"hikvision\", "
                       "\"host\": \"10.0.0.5\", \"channels\": 4}",
                       true, &n));
    cr_expect_str_eq(n.id, "back-office-nvr");
    cr_expect_str_eq(n.name, "Back Office NVR");
    vg_nvr_done(&n);
    n = new_nvr();
    expect_error(nvr_body("{\"id\": \"Bad Id\", \"name\": \"x\", \"vendor\": \"dahua\", "
                          "\"host\": \"h\", \"channels\": 4}",
                          true, &n),
                 "'id'");
    vg_nvr_done(&n);
}

Test(bodies, nvr_create_requires_id_vendor_host_and_channels)
{
    static const char *const cases[][2] = {
        {"{\"vendor\": \"dahua\", \"host\": \"h\", \"channels\": 4}", "'id'"},
        {"{\"vendor\": \"dahua\", \"host\": \"h\", \"channels\": 4, \"name\": \"#!\"}", "'id'"},
        {"{\"id\": \"n\", \"host\": \"h\", \"channels\": 4}", "'vendor' is required"},
        {"{\"id\": \"n\", \"vendor\": \"dahua\", \"channels\": 4}", "'host' is required"},
        {"{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"h\"}", "'channels' is required"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vg_nvr n = new_nvr();
        expect_error(nvr_body(cases[i][0], true, &n), cases[i][1]);
        vg_nvr_done(&n);
    }
}

Test(bodies, nvr_vendor_is_parsed)
{
    struct vg_nvr n = new_nvr();
    expect_ok(nvr_body("{\"id\": \"n\", \"vendor\": \"hikvision\", \"host\": \"h\", "
                       "\"channels\": 4}",
                       true, &n));
    cr_expect_eq(n.vendor, VG_NVR_HIKVISION);
    vg_nvr_done(&n);
    n = new_nvr();
    expect_error(nvr_body("{\"id\": \"n\", \"vendor\": \"axis\", \"host\": \"h\", "
                          "\"channels\": 4}",
                          true, &n),
                 "'vendor' must be hikvision, dahua or generic");
    vg_nvr_done(&n);
}

Test(bodies, generic_nvr_without_a_template_is_refused)
{
    struct vg_nvr n = new_nvr();
    expect_error(nvr_body("{\"id\": \"n\", \"vendor\": \"generic\", \"host\": \"h\", "
                          "\"channels\": 4}",
                          true, &n),
                 "template");
    vg_nvr_done(&n);
    n = new_nvr();
    expect_error(nvr_body("{\"id\": \"n\", \"vendor\": \"generic\", \"host\": \"h\", "
                          "\"channels\": 4, \"template\": \"\"}",
                          true, &n),
                 "template");
    vg_nvr_done(&n);
}

Test(bodies, generic_nvr_with_a_template_is_accepted)
{
    struct vg_nvr n = new_nvr();
    expect_ok(nvr_body("{\"id\": \"n\", \"vendor\": \"generic\", \"host\": \"h\", "
                       "\"channels\": 4, \"template\": \"rtsp://{ip}/ch{channel}\", "
                       "\"sub_template\": \"rtsp://{ip}/ch{channel}/sub\"}",
                       true, &n));
    cr_expect_str_eq(n.template_main, "rtsp://{ip}/ch{channel}");
    cr_expect_str_eq(n.template_sub, "rtsp://{ip}/ch{channel}/sub");
    vg_nvr_done(&n);
}

Test(bodies, nvr_template_with_an_unknown_placeholder_is_refused)
{
    struct vg_nvr n = new_nvr();
    expect_error(nvr_body("{\"id\": \"n\", \"vendor\": \"generic\", \"host\": \"h\", "
                          "\"channels\": 4, \"template\": \"rtsp://{ip}/{chan}\"}",
                          true, &n),
                 "field 'template': template has an unknown placeholder");
    vg_nvr_done(&n);
}

Test(bodies, nvr_channels_must_be_1_to_256)
{
    const char *fmt = "{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"h\", \"channels\": %s}";
    const char *bad[] = {"0", "-1", "257", "1.5", "\"4\"", "null", "4294967297"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[200];
        snprintf(text, sizeof(text), fmt, bad[i]);
        struct vg_nvr n = new_nvr();
        expect_error(nvr_body(text, true, &n), "'channels' must be a whole number from 1 to 256");
        vg_nvr_done(&n);
    }
    const char *good[] = {"1", "256"};
    for (size_t i = 0; i < 2; i++) {
        char text[200];
        snprintf(text, sizeof(text), fmt, good[i]);
        struct vg_nvr n = new_nvr();
        expect_ok(nvr_body(text, true, &n));
        vg_nvr_done(&n);
    }
}

Test(bodies, nvr_port_must_be_1_to_65535)
{
    const char *bad[] = {"0", "65536", "-554"};
    for (size_t i = 0; i < 3; i++) {
        char text[200];
        snprintf(text, sizeof(text),
                 "{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"h\", \"channels\": 4, "
                 "\"port\": %s}",
                 bad[i]);
        struct vg_nvr n = new_nvr();
        expect_error(nvr_body(text, true, &n), "'port'");
        vg_nvr_done(&n);
    }
    struct vg_nvr n = new_nvr();
    expect_ok(nvr_body("{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"h\", \"channels\": 4, "
                       "\"port\": 10554}",
                       true, &n));
    cr_expect_eq(n.port, 10554);
    vg_nvr_done(&n);
}

Test(bodies, nvr_host_must_be_a_host_name_or_address)
{
    const char *bad[] = {"10.0.0.5/x", "a b", "h@evil", "h?x", "", "h#", "rtsp://h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[200];
        snprintf(text, sizeof(text),
                 "{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"%s\", \"channels\": 4}",
                 bad[i]);
        struct vg_nvr n = new_nvr();
        struct result r = nvr_body(text, true, &n);
        cr_expect(r.failed, "host '%s' accepted", bad[i]);
        vg_nvr_done(&n);
    }
    const char *good[] = {"nvr.local", "10.0.0.5", "[fe80::1]", "my_nvr-2.lan"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char text[200];
        snprintf(text, sizeof(text),
                 "{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"%s\", \"channels\": 4}",
                 good[i]);
        struct vg_nvr n = new_nvr();
        expect_ok(nvr_body(text, true, &n));
        vg_nvr_done(&n);
    }
}

Test(bodies, nvr_body_refuses_unknown_fields_and_ignores_read_only_ones)
{
    struct vg_nvr n = new_nvr();
    expect_error(nvr_body("{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"h\", "
                          "\"channels\": 4, \"chanels\": 4}",
                          true, &n),
                 "unknown field 'chanels'");
    vg_nvr_done(&n);
    n = new_nvr();
    expect_ok(nvr_body("{\"id\": \"n\", \"vendor\": \"dahua\", \"host\": \"h\", "
                       "\"channels\": 4, \"created_at\": null, \"cameras_added\": [\"a\"]}",
                       true, &n));
    vg_nvr_done(&n);
}

Test(bodies, nvr_update_keeps_the_stored_password_when_the_mask_comes_back)
{
    struct vg_nvr n = stored_nvr();
    expect_ok(nvr_body("{\"password\": \"********\", \"channels\": 12}", false, &n));
    cr_expect_str_eq(n.password, "nvr-secret");
    cr_expect_eq(n.channels, 12);
    vg_nvr_done(&n);
}

Test(bodies, nvr_update_never_changes_the_id)
{
    struct vg_nvr n = stored_nvr();
    nvr_body("{\"id\": \"nvr2\"}", false, &n);
    cr_expect_str_eq(n.id, "nvr1");
    vg_nvr_done(&n);
}

Test(bodies, nvr_sent_back_as_received_is_unchanged)
{
    struct vg_nvr n = stored_nvr();
    json_t *o = vg_nvr_to_json(&n);
    cr_assert_not_null(o);
    char *text = json_dumps(o, 0);
    json_decref(o);
    expect_ok(nvr_body(text, false, &n));
    free(text);
    cr_expect_str_eq(n.password, "nvr-secret");
    cr_expect_str_eq(n.template_main, "rtsp://{user}:{pass}@{ip}:{port}/ch{channel}/main");
    cr_expect_eq(n.vendor, VG_NVR_GENERIC);
    cr_expect_eq(n.channels, 8);
    cr_expect_eq(n.port, 554);
    vg_nvr_done(&n);
}

Test(bodies, nvr_json_masks_the_password)
{
    struct vg_nvr n = stored_nvr();
    json_t *o = vg_nvr_to_json(&n);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "password"), VG_MASK);
    cr_expect_str_eq(str_of(o, "vendor"), "generic");
    cr_expect_str_eq(str_of(o, "template"), "rtsp://{user}:{pass}@{ip}:{port}/ch{channel}/main");
    char *text = json_dumps(o, 0);
    cr_expect_null(strstr(text, "secret"), "a secret leaked: %s", text);
    free(text);
    json_decref(o);
    vg_nvr_done(&n);
}

Test(bodies, nvr_json_masks_a_literal_password_in_the_template)
{
    struct vg_nvr n = stored_nvr();
    free(n.template_main);
    n.template_main = strdup("rtsp://admin:tmpl-secret@{ip}:{port}/ch{channel}");
    json_t *o = vg_nvr_to_json(&n);
    cr_assert_not_null(o);
    cr_expect_str_eq(str_of(o, "template"), "rtsp://admin:" VG_MASK "@{ip}:{port}/ch{channel}");
    json_decref(o);
    vg_nvr_done(&n);
}

/* "{pass}" somewhere else in the template must not let a literal password through. */
Test(bodies, nvr_json_masks_a_literal_template_password_next_to_a_pass_placeholder)
{
    struct vg_nvr n = stored_nvr();
    free(n.template_sub);
    n.template_sub = strdup("rtsp://admin:tmpl-secret@{ip}/ch{channel}?auth=x:{pass}@y");
    json_t *o = vg_nvr_to_json(&n);
    cr_assert_not_null(o);
    cr_expect_null(strstr(str_of(o, "sub_template"), "tmpl-secret"), "template shown as '%s'",
                   str_of(o, "sub_template"));
    json_decref(o);
    vg_nvr_done(&n);
}

/* What the API shows masked must survive being sent back, like camera URLs do. */
Test(bodies, nvr_update_keeps_a_literal_template_password_sent_back_masked)
{
    struct vg_nvr n = stored_nvr();
    free(n.template_main);
    n.template_main = strdup("rtsp://admin:tmpl-secret@{ip}:{port}/ch{channel}");
    expect_ok(
        nvr_body("{\"template\": \"rtsp://admin:********@{ip}:{port}/ch{channel}\"}", false, &n));
    cr_expect_str_eq(n.template_main, "rtsp://admin:tmpl-secret@{ip}:{port}/ch{channel}");
    vg_nvr_done(&n);
}

/* ---- user ---- */

Test(bodies, user_create_reads_username_role_and_lists)
{
    struct vg_user u = {.role = VG_ROLE_VIEWER};
    expect_ok(user_body("{\"username\": \"alice.b@site-1\", \"password\": \"unread\", "
                        "\"role\": \"admin\", \"cameras\": [\"gate\", \"yard\", \"gate\"], "
                        "\"zones\": [\"North wing\"]}",
                        true, &u));
    cr_expect_str_eq(u.username, "alice.b@site-1");
    cr_expect_eq(u.role, VG_ROLE_ADMIN);
    cr_assert_eq(u.cameras.count, 2, "duplicates kept");
    cr_expect_str_eq(u.cameras.items[0], "gate");
    cr_expect_str_eq(u.cameras.items[1], "yard");
    cr_assert_eq(u.zones.count, 1);
    cr_expect_str_eq(u.zones.items[0], "North wing");
    cr_expect_str_eq(u.password_hash, "", "the body wrote the password hash");
    vg_user_done(&u);
}

Test(bodies, user_create_requires_a_username)
{
    struct vg_user u = {0};
    expect_error(user_body("{\"role\": \"viewer\"}", true, &u), "'username' is required");
    vg_user_done(&u);
    u = (struct vg_user){0};
    expect_error(user_body("{\"username\": \"\"}", true, &u), "'username' must not be empty");
    vg_user_done(&u);
}

Test(bodies, user_body_refuses_bad_usernames)
{
    const char *bad[] = {
        "al ice",   "alice!",
        "al/ice",   "\\u00e9lise",
        "al\\tice", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[200];
        snprintf(text, sizeof(text), "{\"username\": \"%s\"}", bad[i]);
        struct vg_user u = {0};
        expect_error(user_body(text, true, &u), "'username'");
        cr_expect_str_eq(u.username, "", "bad username '%s' stored", bad[i]);
        vg_user_done(&u);
    }
}

Test(bodies, user_body_refuses_an_unknown_role)
{
    const char *bad[] = {"\"root\"", "\"Admin\"", "\"\"", "1", "true"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[200];
        snprintf(text, sizeof(text), "{\"username\": \"bob\", \"role\": %s}", bad[i]);
        struct vg_user u = {.role = VG_ROLE_VIEWER};
        expect_error(user_body(text, true, &u), "'role'");
        cr_expect_eq(u.role, VG_ROLE_VIEWER, "role %s applied", bad[i]);
        vg_user_done(&u);
    }
}

Test(bodies, user_lists_must_be_lists_of_non_empty_strings)
{
    static const char *const cases[] = {
        "{\"cameras\": \"gate\"}",
        "{\"cameras\": [1]}",
        "{\"cameras\": [\"\"]}",
        "{\"cameras\": [null]}",
        "{\"zones\": {}}",
        "{\"zones\": [[\"a\"]]}",
        "{\"cameras\": [\"a\\nb\"]}",
        "{\"cameras\": [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vg_user u = {.id = 3};
        struct result r = user_body(cases[i], false, &u);
        cr_expect(r.failed, "'%s' accepted", cases[i]);
        cr_expect_eq(u.cameras.count + u.zones.count, 0);
        vg_user_done(&u);
    }
}

Test(bodies, user_list_longer_than_1024_is_refused)
{
    size_t cap = 1025 * 4 + 32;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap, "{\"zones\": [");
    for (int i = 0; i < 1025; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s\"z\"", i ? "," : "");
    snprintf(text + n, cap - n, "]}");
    struct vg_user u = {0};
    expect_error(user_body(text, false, &u), "at most 1024");
    vg_user_done(&u);
    free(text);
}

Test(bodies, user_update_replaces_the_lists_and_keeps_the_rest)
{
    struct vg_user u = {.id = 3, .role = VG_ROLE_VIEWER};
    snprintf(u.username, sizeof(u.username), "%s", "carol");
    expect_ok(user_body("{\"cameras\": [\"a\", \"b\"], \"zones\": [\"z\"]}", false, &u));
    expect_ok(user_body("{\"cameras\": [\"c\"]}", false, &u));
    cr_assert_eq(u.cameras.count, 1);
    cr_expect_str_eq(u.cameras.items[0], "c");
    cr_assert_eq(u.zones.count, 1);
    cr_expect_str_eq(u.zones.items[0], "z");
    expect_ok(user_body("{\"zones\": []}", false, &u));
    cr_expect_eq(u.zones.count, 0);
    cr_expect_str_eq(u.username, "carol");
    cr_expect_eq(u.role, VG_ROLE_VIEWER);
    vg_user_done(&u);
}

Test(bodies, user_body_ignores_id_and_created_at_and_refuses_other_fields)
{
    struct vg_user u = {.id = 3};
    expect_ok(
        user_body("{\"id\": 99, \"created_at\": \"x\", \"current_password\": \"p\"}", false, &u));
    cr_expect_eq(u.id, 3);
    expect_error(user_body("{\"password_hash\": \"$argon2id$x\"}", false, &u),
                 "unknown field 'password_hash'");
    cr_expect_str_eq(u.password_hash, "");
    vg_user_done(&u);
}

Test(bodies, user_json_never_shows_the_password_hash)
{
    struct vg_user u = {.id = 3, .role = VG_ROLE_ADMIN, .created_at = 1700000000};
    snprintf(u.username, sizeof(u.username), "%s", "carol");
    snprintf(u.password_hash, sizeof(u.password_hash), "%s",
             "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    json_t *o = vg_user_to_json(&u);
    cr_assert_not_null(o);
    char *text = json_dumps(o, 0);
    cr_expect_null(strstr(text, "argon2"), "hash leaked: %s", text);
    cr_expect_null(json_object_get(o, "password_hash"));
    cr_expect_null(json_object_get(o, "password"));
    cr_expect_str_eq(str_of(o, "username"), "carol");
    cr_expect_str_eq(str_of(o, "role"), "admin");
    cr_expect(json_is_array(json_object_get(o, "cameras")));
    cr_expect_eq(json_integer_value(json_object_get(o, "id")), 3);
    free(text);
    json_decref(o);
}

/* ---- body readers ---- */

Test(bodies, first_error_wins)
{
    struct vg_camera c = new_camera();
    expect_error(camera_body("{\"name\": 1, \"main_url\": \"ftp://h\", \"enabled\": 2}", true, &c),
                 "'name' must be a string");
    vg_camera_done(&c);
}

Test(bodies, uint_reader_refuses_values_outside_the_range_without_wrapping)
{
    json_t *o = parse("{\"a\": 4294967297, \"b\": -1, \"c\": 9223372036854775807, \"d\": 7}");
    struct vg_body b;
    unsigned v = 77;
    vg_body_init(&b, o);
    cr_expect_not(vg_body_uint(&b, "a", 0, 4294967295u, &v));
    vg_body_init(&b, o);
    cr_expect_not(vg_body_uint(&b, "b", 0, 10, &v));
    vg_body_init(&b, o);
    cr_expect_not(vg_body_uint(&b, "c", 0, 4294967295u, &v));
    cr_expect_eq(v, 77);
    vg_body_init(&b, o);
    cr_expect(vg_body_uint(&b, "d", 0, 10, &v));
    cr_expect_eq(v, 7);
    cr_expect_not(vg_body_uint(&b, "missing", 0, 10, &v));
    cr_expect_not(b.failed, "an absent optional field failed");
    json_decref(o);
}

Test(bodies, camera_update_refuses_a_masked_password_moved_to_another_host)
{
    struct vg_camera c = stored_camera();
    struct result r =
        camera_body("{\"main_url\": \"rtsp://admin:********@attacker.example/x\"}", false, &c);
    cr_expect(r.failed);
    cr_expect(strstr(r.err, "type the password again") != NULL, "got: %s", r.err);
    cr_expect(strstr(c.main_url, "attacker") == NULL, "stored URL unchanged: %s", c.main_url);
    vg_camera_done(&c);
}

Test(bodies, camera_transport_is_tcp_or_udp)
{
    struct vg_camera c = stored_camera();
    expect_ok(camera_body("{\"transport\": \"udp\"}", false, &c));
    cr_expect_eq(c.transport, VG_TRANSPORT_UDP);
    json_t *o = vg_camera_to_json(&c);
    cr_expect_str_eq(json_string_value(json_object_get(o, "transport")), "udp");
    json_decref(o);
    struct result r = camera_body("{\"transport\": \"sctp\"}", false, &c);
    cr_expect(r.failed);
    cr_expect(strstr(r.err, "tcp or udp") != NULL, "got: %s", r.err);
    vg_camera_done(&c);
}
