#include "core/nvr_template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

static const struct {
    const char *name;
    const char *main_tmpl;
    const char *sub_tmpl;
} vendors[] = {
    [VG_NVR_HIKVISION] = {"hikvision",
                          "rtsp://{user}:{pass}@{ip}:{port}/Streaming/Channels/{channel}01",
                          "rtsp://{user}:{pass}@{ip}:{port}/Streaming/Channels/{channel}02"},
    [VG_NVR_DAHUA] =
        {"dahua", "rtsp://{user}:{pass}@{ip}:{port}/cam/realmonitor?channel={channel}&subtype=0",
         "rtsp://{user}:{pass}@{ip}:{port}/cam/realmonitor?channel={channel}&subtype=1"},
    [VG_NVR_GENERIC] = {"generic", NULL, NULL},
};

enum placeholder { PH_USER, PH_PASS, PH_IP, PH_PORT, PH_CHANNEL, PH_COUNT };
static const char *const placeholders[PH_COUNT] = {"user", "pass", "ip", "port", "channel"};

int vg_nvr_vendor_parse(const char *name, enum vg_nvr_vendor *ret_vendor)
{
    for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
        if (name && strcmp(name, vendors[i].name) == 0) {
            *ret_vendor = (enum vg_nvr_vendor)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *vg_nvr_vendor_name(enum vg_nvr_vendor vendor)
{
    return vendors[vendor].name;
}

const char *vg_nvr_vendor_template(enum vg_nvr_vendor vendor, bool sub)
{
    return sub ? vendors[vendor].sub_tmpl : vendors[vendor].main_tmpl;
}

/* Matches "{name}" at p; returns the placeholder or -1. */
static int placeholder_at(const char *p, size_t *ret_len)
{
    for (int i = 0; i < PH_COUNT; i++) {
        size_t n = strlen(placeholders[i]);
        if (p[0] == '{' && strncmp(p + 1, placeholders[i], n) == 0 && p[n + 1] == '}') {
            *ret_len = n + 2;
            return i;
        }
    }
    return -1;
}

int vg_nvr_template_check(const char *tmpl, const char **ret_reason)
{
    if (!tmpl || !tmpl[0]) {
        *ret_reason = "template is empty";
        return -EINVAL;
    }
    if (strlen(tmpl) > VG_TEMPLATE_MAX) {
        *ret_reason = "template is longer than 1024 characters";
        return -EINVAL;
    }
    for (const char *p = tmpl; *p;) {
        size_t len;
        if (*p == '{') {
            if (placeholder_at(p, &len) < 0) {
                *ret_reason = "template has an unknown placeholder; use {user} {pass} {ip} "
                              "{port} {channel}";
                return -EINVAL;
            }
            p += len;
        } else if (*p == '}') {
            *ret_reason = "template has an unmatched '}'";
            return -EINVAL;
        } else {
            p++;
        }
    }
    return 0;
}

struct out_buf {
    char *data;
    size_t len, cap;
};

static int put(struct out_buf *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *d = realloc(o->data, cap);
        if (!d)
            return -ENOMEM;
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
    return 0;
}

static int put_encoded(struct out_buf *o, const char *s)
{
    char *enc = vg_url_encode_userinfo(s ? s : "");
    if (!enc)
        return -ENOMEM;
    int r = put(o, enc, strlen(enc));
    free(enc);
    return r;
}

int vg_nvr_template_expand(const char *tmpl, const struct vg_nvr_vars *vars, char **ret_url)
{
    const char *reason;
    int r = vg_nvr_template_check(tmpl, &reason);
    if (r < 0)
        return r;

    struct out_buf o = {0};
    bool no_user = !vars->user || !vars->user[0];
    const char *creds = "{user}:{pass}@";
    char num[16];
    r = put(&o, "", 0);
    for (const char *p = tmpl; *p && r == 0;) {
        size_t len;
        if (no_user && strncmp(p, creds, strlen(creds)) == 0) {
            p += strlen(creds);
            continue;
        }
        int ph = *p == '{' ? placeholder_at(p, &len) : -1;
        if (ph < 0) {
            r = put(&o, p, 1);
            p++;
            continue;
        }
        p += len;
        switch ((enum placeholder)ph) {
        case PH_USER:
            r = put_encoded(&o, vars->user);
            break;
        case PH_PASS:
            r = put_encoded(&o, vars->pass);
            break;
        case PH_IP:
            r = put(&o, vars->host, strlen(vars->host));
            break;
        case PH_PORT:
        case PH_CHANNEL:
            snprintf(num, sizeof(num), "%u", ph == PH_PORT ? vars->port : vars->channel);
            r = put(&o, num, strlen(num));
            break;
        case PH_COUNT:
            break;
        }
    }
    if (r < 0) {
        free(o.data);
        return r;
    }
    *ret_url = o.data;
    return 0;
}
