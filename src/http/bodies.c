#include "http/bodies.h"

#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "core/util.h"

static const char *const readonly_fields[] = {
    "created_at",    "updated_at", "source",     "readonly",  "nvr_id", "nvr_channel",
    "cameras_added", "status",     "sub_status", "recording", NULL};

static json_t *time_or_null(int64_t t)
{
    if (!t)
        return json_null();
    char buf[32];
    vg_time_format(t, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *strlist_to_json(const struct vg_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->count; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

/* Masked form of a stored secret: the mask when set, "" when not. */
static const char *masked(const char *secret)
{
    return secret && secret[0] ? VG_MASK : "";
}

json_t *vg_camera_to_json(const struct vg_camera *c)
{
    char *main_url = vg_url_mask(c->main_url);
    char *sub_url = vg_url_mask(c->sub_url ? c->sub_url : "");
    json_t *o = NULL;
    if (main_url && sub_url)
        o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:o,s:b,s:o,s:o}", "id", c->id,
                      "name", c->name ? c->name : "", "zone", c->zone ? c->zone : "", "main_url",
                      main_url, "sub_url", sub_url, "username", c->username ? c->username : "",
                      "password", masked(c->password), "enabled", c->enabled, "record", c->record,
                      "source", vg_camera_source_name(c->source), "nvr_id",
                      c->nvr_id[0] ? json_string(c->nvr_id) : json_null(), "readonly",
                      vg_camera_readonly(c), "created_at", time_or_null(c->created_at),
                      "updated_at", time_or_null(c->updated_at));
    if (o) {
        json_object_set_new(o, "transport",
                            json_string(c->transport == VG_TRANSPORT_UDP ? "udp" : "tcp"));
        json_object_set_new(o, "type",
                            json_string(vg_url_is_webrtc(c->main_url) ? "webrtc" : "url"));
        json_object_set_new(o, "record_stream", json_string(c->record_sub ? "sub" : "main"));
        json_object_set_new(o, "retention_days", json_integer(c->retention_days));
    }
    free(main_url);
    free(sub_url);
    return o;
}

/* A template normally holds the {pass} placeholder; one with a literal password
 * gets it masked like any URL. */
static char *template_masked(const char *t)
{
    const char *pw;
    size_t len;
    if (!t)
        return strdup("");
    if (!vg_url_password(t, &pw, &len) || (len == 6 && memcmp(pw, "{pass}", 6) == 0))
        return strdup(t);
    return vg_url_mask(t);
}

json_t *vg_nvr_to_json(const struct vg_nvr *n)
{
    char *tmain = template_masked(n->template_main);
    char *tsub = template_masked(n->template_sub);
    json_t *o = NULL;
    if (tmain && tsub)
        o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:s,s:s,s:s,s:o,s:o}", "id", n->id, "name",
                      n->name ? n->name : "", "vendor", vg_nvr_vendor_name(n->vendor), "host",
                      n->host ? n->host : "", "port", (int)n->port, "username",
                      n->username ? n->username : "", "password", masked(n->password), "channels",
                      (int)n->channels, "template", tmain, "sub_template", tsub, "zone",
                      n->zone ? n->zone : "", "created_at", time_or_null(n->created_at),
                      "updated_at", time_or_null(n->updated_at));
    free(tmain);
    free(tsub);
    return o;
}

json_t *vg_user_to_json(const struct vg_user *u)
{
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o}", "id", (json_int_t)u->id, "username", u->username,
                     "role", vg_role_name(u->role), "cameras", strlist_to_json(&u->cameras),
                     "zones", strlist_to_json(&u->zones), "created_at",
                     time_or_null(u->created_at));
}

/* "a,b" -> ["a", "b"]; "" -> []. */
static json_t *publish_to_json(const char *publish)
{
    json_t *a = json_array();
    for (const char *p = publish; a && *p;) {
        size_t n = strcspn(p, ",");
        if (n)
            json_array_append_new(a, json_stringn(p, n));
        p += n;
        if (*p)
            p++;
    }
    return a;
}

json_t *vg_token_to_json(const struct vg_token *t)
{
    return json_pack("{s:I,s:s,s:I,s:s,s:o,s:o,s:o,s:o}", "id", (json_int_t)t->id, "name", t->name,
                     "user_id", (json_int_t)t->user_id, "username", t->username, "publish",
                     publish_to_json(t->publish), "created_at", time_or_null(t->created_at),
                     "expires_at", time_or_null(t->expires_at), "last_used_at",
                     time_or_null(t->last_used_at));
}

json_t *vg_audit_to_json(const struct vg_audit_entry *e)
{
    return json_pack("{s:I,s:o,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)e->id, "time",
                     time_or_null(e->time), "username", e->username, "ip", e->ip, "action",
                     e->action, "target", e->target, "detail", e->detail);
}

/* in with a masked password gets the stored one back; a mask that cannot be
 * resolved (another host or user) is refused rather than stored as a password. */
static char *unmask_or_fail(struct vg_body *b, const char *key, const char *in, const char *stored)
{
    char *out = vg_url_unmask(in, stored);
    if (!out) {
        vg_body_fail(b, "out of memory");
        return NULL;
    }
    const char *pw;
    size_t len;
    if (vg_url_password(out, &pw, &len) && len == strlen(VG_MASK) &&
        memcmp(pw, VG_MASK, len) == 0) {
        free(out);
        vg_body_fail(b,
                     "field '%s' has a masked password for another host or user; "
                     "type the password again",
                     key);
        return NULL;
    }
    return out;
}

static void url_field(struct vg_body *b, const char *key, bool required, char **field)
{
    const char *v;
    if (!vg_body_string(b, key, 2048, required, &v))
        return;
    if (!v[0] && !required) {
        vg_body_set_string(b, field, "");
        return;
    }
    const char *reason;
    if (vg_url_validate(v, &reason) < 0) {
        vg_body_fail(b, "field '%s': %s", key, reason);
        return;
    }
    char *url = unmask_or_fail(b, key, v, *field);
    if (url) {
        free(*field);
        *field = url;
    }
}

/* A password field: the mask sent back means "unchanged". */
static void secret_field(struct vg_body *b, const char *key, char **field)
{
    const char *v;
    if (vg_body_string(b, key, 256, false, &v) && strcmp(v, VG_MASK) != 0)
        vg_body_set_string(b, field, v);
}

static void text_field(struct vg_body *b, const char *key, size_t maxlen, char **field)
{
    const char *v;
    if (vg_body_string(b, key, maxlen, false, &v))
        vg_body_set_string(b, field, v);
}

/* The id of a new object: given, or made from its name; at most max_len chars. */
static void id_field(struct vg_body *b, bool create, char id[VG_SLUG_MAX], size_t max_len,
                     const char *name)
{
    const char *v;
    bool given = vg_body_string(b, "id", VG_SLUG_MAX, false, &v);
    if (b->failed)
        return;
    if (!create)
        return; /* ids never change; a client sending the object back is fine */
    if (given) {
        if (!vg_slug_valid(v) || strlen(v) > max_len) {
            vg_body_fail(b,
                         "field 'id' must be 1-%zu characters of a-z, 0-9 and '-', starting "
                         "with a letter or digit",
                         max_len);
            return;
        }
        vg_strlcpy(id, VG_SLUG_MAX, v);
    } else if (!name || vg_slug_from_name(name, id, max_len + 1) < 0) {
        vg_body_fail(b, "field 'id' is required (or a 'name' to make it from)");
    }
}

enum camera_type { TYPE_ABSENT, TYPE_URL, TYPE_WEBRTC };

static enum camera_type type_field(struct vg_body *b)
{
    const char *v;
    if (!vg_body_string(b, "type", 16, false, &v))
        return TYPE_ABSENT;
    if (strcmp(v, "url") == 0)
        return TYPE_URL;
    if (strcmp(v, "webrtc") == 0)
        return TYPE_WEBRTC;
    vg_body_fail(b, "field 'type' must be url (Vigil pulls the stream from main_url) or webrtc "
                    "(a browser publishes it)");
    return TYPE_ABSENT;
}

/* The camera type against its URLs, once the URL fields are applied. A webrtc
 * camera is main_url VG_URL_WEBRTC and no sub stream; "type" may say so instead of
 * main_url. A camera that becomes webrtc drops the sub stream it had, so a form
 * switching type need not clear it; a body that sends one is refused. */
static void apply_type(struct vg_body *b, enum camera_type type, struct vg_camera *cam)
{
    bool main_given = json_object_get(b->obj, "main_url") != NULL;
    bool sub_given = json_object_get(b->obj, "sub_url") != NULL;
    if (type == TYPE_WEBRTC) {
        if (main_given && !vg_url_is_webrtc(cam->main_url)) {
            vg_body_fail(b, "field 'main_url' must be '" VG_URL_WEBRTC
                            "' or left out when type is webrtc");
            return;
        }
        vg_body_set_string(b, &cam->main_url, VG_URL_WEBRTC);
    } else if (type == TYPE_URL && vg_url_is_webrtc(cam->main_url)) {
        vg_body_fail(b, main_given ? "field 'main_url' must be a stream URL when type is url"
                                   : "field 'main_url' is required when type is url");
        return;
    }
    if (vg_url_is_webrtc(cam->sub_url)) {
        vg_body_fail(b, "field 'sub_url': '" VG_URL_WEBRTC "' is a main_url only (a camera "
                        "published by a browser has no sub stream)");
        return;
    }
    if (!vg_url_is_webrtc(cam->main_url))
        return;
    if (sub_given && cam->sub_url && cam->sub_url[0])
        vg_body_fail(b, "field 'sub_url' must be empty: a webrtc camera has no sub stream");
    else
        vg_body_set_string(b, &cam->sub_url, "");
}

void vg_camera_from_body(struct vg_body *b, bool create, struct vg_camera *cam)
{
    static const char *const fields[] = {
        "id",       "name",    "zone",   "type",      "main_url",      "sub_url",        "username",
        "password", "enabled", "record", "transport", "record_stream", "retention_days", NULL};
    vg_body_only_keys(b, fields, readonly_fields);
    text_field(b, "name", VG_NAME_MAX, &cam->name);
    id_field(b, create, cam->id, VG_SLUG_MAX - 1, cam->name);
    text_field(b, "zone", VG_NAME_MAX, &cam->zone);
    enum camera_type type = type_field(b);
    url_field(b, "main_url", create && type != TYPE_WEBRTC, &cam->main_url);
    url_field(b, "sub_url", false, &cam->sub_url);
    if (!b->failed)
        apply_type(b, type, cam);
    text_field(b, "username", 128, &cam->username);
    secret_field(b, "password", &cam->password);
    vg_body_bool(b, "enabled", &cam->enabled);
    vg_body_bool(b, "record", &cam->record);
    const char *stream;
    if (vg_body_string(b, "record_stream", 8, false, &stream)) {
        if (strcmp(stream, "main") == 0 || strcmp(stream, "sub") == 0)
            cam->record_sub = strcmp(stream, "sub") == 0;
        else
            vg_body_fail(b, "field 'record_stream' must be main or sub");
    }
    unsigned days;
    if (vg_body_uint(b, "retention_days", 0, 36500, &days))
        cam->retention_days = days;
    const char *transport;
    if (vg_body_string(b, "transport", 8, false, &transport)) {
        if (strcmp(transport, "tcp") == 0)
            cam->transport = VG_TRANSPORT_TCP;
        else if (strcmp(transport, "udp") == 0)
            cam->transport = VG_TRANSPORT_UDP;
        else
            vg_body_fail(b, "field 'transport' must be tcp or udp (how RTSP carries the media)");
    }
    if (!b->failed && (!cam->name || !cam->name[0]))
        vg_body_set_string(b, &cam->name, cam->id);
}

static bool host_valid(const char *h)
{
    if (!h[0] || strlen(h) > 253)
        return false;
    for (const char *p = h; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == ':' || c == '[' || c == ']' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

static void template_field(struct vg_body *b, const char *key, char **field)
{
    const char *v;
    if (!vg_body_string(b, key, VG_TEMPLATE_MAX, false, &v))
        return;
    const char *reason;
    if (v[0] && vg_nvr_template_check(v, &reason) < 0) {
        vg_body_fail(b, "field '%s': %s", key, reason);
        return;
    }
    char *t = unmask_or_fail(b, key, v, *field);
    if (t) {
        free(*field);
        *field = t;
    }
}

void vg_nvr_from_body(struct vg_body *b, bool create, struct vg_nvr *n)
{
    static const char *const fields[] = {"id",       "name",         "vendor",   "host",
                                         "port",     "username",     "password", "channels",
                                         "template", "sub_template", "zone",     NULL};
    vg_body_only_keys(b, fields, readonly_fields);
    text_field(b, "name", VG_NAME_MAX, &n->name);
    id_field(b, create, n->id, VG_NVR_ID_MAX, n->name);
    const char *v;
    if (vg_body_string(b, "vendor", 16, create, &v) && vg_nvr_vendor_parse(v, &n->vendor) < 0)
        vg_body_fail(b, "field 'vendor' must be hikvision, dahua or generic");
    if (vg_body_string(b, "host", 253, create, &v)) {
        if (!host_valid(v))
            vg_body_fail(b, "field 'host' must be a host name or IP address");
        else
            vg_body_set_string(b, &n->host, v);
    }
    vg_body_uint(b, "port", 1, 65535, &n->port);
    text_field(b, "username", 128, &n->username);
    secret_field(b, "password", &n->password);
    if (!vg_body_uint(b, "channels", 1, VG_NVR_CHANNELS_MAX, &n->channels) && create && !b->failed)
        vg_body_fail(b, "field 'channels' is required");
    template_field(b, "template", &n->template_main);
    template_field(b, "sub_template", &n->template_sub);
    text_field(b, "zone", VG_NAME_MAX, &n->zone);
    if (b->failed)
        return;
    if (n->vendor == VG_NVR_GENERIC && (!n->template_main || !n->template_main[0]))
        vg_body_fail(b, "a generic NVR needs a 'template' such as "
                        "rtsp://{user}:{pass}@{ip}:{port}/ch{channel}");
    if (!n->name || !n->name[0])
        vg_body_set_string(b, &n->name, n->id);
    if (!n->port)
        n->port = 554;
}

void vg_user_from_body(struct vg_body *b, bool create, struct vg_user *u)
{
    static const char *const fields[] = {
        "username", "password", "current_password", "role", "cameras", "zones", NULL};
    static const char *const ignored[] = {"id", "created_at", NULL};
    vg_body_only_keys(b, fields, ignored);
    const char *v;
    if (vg_body_string(b, "username", VG_USERNAME_MAX - 1, create, &v)) {
        if (!vg_username_valid(v))
            vg_body_fail(b, "field 'username' must be 1-64 characters of A-Z, a-z, 0-9, '.', "
                            "'_', '@' and '-'");
        else
            vg_strlcpy(u->username, sizeof(u->username), v);
    }
    if (vg_body_string(b, "role", 16, false, &v) && vg_role_parse(v, &u->role) < 0)
        vg_body_fail(b, "field 'role' must be admin or viewer");
    vg_body_strlist(b, "cameras", VG_CAMERAS_PER_USER_MAX, VG_SLUG_MAX - 1, &u->cameras);
    vg_body_strlist(b, "zones", VG_CAMERAS_PER_USER_MAX, VG_NAME_MAX, &u->zones);
}
