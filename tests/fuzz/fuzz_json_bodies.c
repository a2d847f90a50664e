/* Request bodies over arbitrary JSON: every body reader applied to fresh and to
 * stored objects, then every object back to JSON, everything freed. Secrets
 * must come out masked whatever came in. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "http/bodies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stored secrets hold a control character no body can carry, so finding its
 * escaped form in the output means a stored secret leaked. */
#define SECRET "St0red\x01Secret"
#define SECRET_IN_JSON "St0red\\u0001Secret"

static char *dup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void check_password_masked(json_t *o)
{
    if (!o)
        return;
    const char *pw = json_string_value(json_object_get(o, "password"));
    if (!pw || (strcmp(pw, VG_MASK) != 0 && pw[0]))
        abort();
    char *text = json_dumps(o, 0);
    if (text && strstr(text, SECRET_IN_JSON))
        abort();
    free(text);
}

static void camera(json_t *obj, bool create, bool stored)
{
    struct vg_camera c = {.enabled = true, .source = VG_CAMERA_API};
    if (stored) {
        memcpy(c.id, "gate", 5);
        c.name = dup("Gate");
        c.zone = dup("north");
        c.main_url = dup("rtsp://admin:" SECRET "@10.0.0.5:554/Streaming/Channels/101");
        c.sub_url = dup("");
        c.username = dup("onvif");
        c.password = dup(SECRET);
        c.created_at = 1700000000;
    }
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_camera_from_body(&b, create, &c);
    if (b.failed && !b.err[0])
        abort();
    /* The handler answers only a valid body with the object; check it anyway. */
    json_t *o = vg_camera_to_json(&c);
    if (!b.failed && c.main_url && !o)
        abort();
    if (!b.failed)
        check_password_masked(o);
    json_decref(o);
    vg_camera_done(&c);
}

static void nvr(json_t *obj, bool create, bool stored)
{
    struct vg_nvr n = {.port = 554};
    if (stored) {
        memcpy(n.id, "nvr1", 5);
        n.name = dup("Main NVR");
        n.vendor = VG_NVR_HIKVISION;
        n.host = dup("10.0.0.5");
        n.username = dup("admin");
        n.password = dup(SECRET);
        n.channels = 8;
        n.template_main = dup("");
        n.template_sub = dup("");
        n.zone = dup("");
    }
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_nvr_from_body(&b, create, &n);
    if (b.failed && !b.err[0])
        abort();
    json_t *o = vg_nvr_to_json(&n);
    if (!b.failed && !o)
        abort();
    if (!b.failed)
        check_password_masked(o);
    json_decref(o);
    vg_nvr_done(&n);
}

static void user(json_t *obj, bool create, bool stored)
{
    struct vg_user u = {.role = VG_ROLE_VIEWER};
    if (stored) {
        u.id = 3;
        memcpy(u.username, "carol", 6);
        memcpy(u.password_hash, "$argon2id$" SECRET, sizeof("$argon2id$" SECRET));
        u.cameras.items = calloc(2, sizeof(char *));
        if (!u.cameras.items)
            abort();
        u.cameras.items[0] = dup("gate");
        u.cameras.items[1] = dup("yard");
        u.cameras.count = 2;
    }
    struct vg_body b;
    vg_body_init(&b, obj);
    vg_user_from_body(&b, create, &u);
    if (b.failed && !b.err[0])
        abort();
    if (!memchr(u.username, '\0', sizeof(u.username)))
        abort();
    json_t *o = vg_user_to_json(&u);
    if (o) {
        char *text = json_dumps(o, 0);
        if (text && strstr(text, SECRET_IN_JSON))
            abort();
        free(text);
    }
    json_decref(o);
    vg_user_done(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    /* The API reads bodies with JSON_REJECT_DUPLICATES (http/reply.c); also try
     * NUL bytes inside strings, which the readers must refuse themselves. */
    for (int pass = 0; pass < 2; pass++) {
        size_t flags = JSON_REJECT_DUPLICATES | (pass ? JSON_ALLOW_NUL : 0);
        json_t *obj = json_loadb((const char *)data, size, flags, NULL);
        if (!obj)
            continue;
        for (int i = 0; i < 4; i++) {
            bool create = i & 1, stored = i & 2;
            camera(obj, create, stored);
            nvr(obj, create, stored);
            user(obj, create, stored);
        }
        json_decref(obj);
    }
    return 0;
}
