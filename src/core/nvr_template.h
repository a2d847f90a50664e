/* NVR channel URLs: vendor templates with {user} {pass} {ip} {port} {channel}. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VG_TEMPLATE_MAX 1024

enum vg_nvr_vendor { VG_NVR_HIKVISION, VG_NVR_DAHUA, VG_NVR_GENERIC };

/* "hikvision", "dahua", "generic" -> vendor. Returns 0 or -EINVAL. */
int vg_nvr_vendor_parse(const char *name, enum vg_nvr_vendor *ret_vendor);
const char *vg_nvr_vendor_name(enum vg_nvr_vendor vendor);

/* The built-in main and sub templates of a vendor; NULL for generic. */
const char *vg_nvr_vendor_template(enum vg_nvr_vendor vendor, bool sub);

/* Checks a template: at most VG_TEMPLATE_MAX bytes, only known {placeholders},
 * braces balanced. Returns 0 or -EINVAL with a static reason. */
int vg_nvr_template_check(const char *tmpl, const char **ret_reason);

struct vg_nvr_vars {
    const char *user; /* inserted percent-encoded */
    const char *pass; /* inserted percent-encoded */
    const char *host;
    unsigned port;
    unsigned channel;
};

/* Expands tmpl. An empty user leaves "{user}:{pass}@" out entirely, so cameras
 * without credentials get clean URLs. Caller frees *ret_url. Returns 0, -EINVAL
 * (bad template) or -ENOMEM. */
int vg_nvr_template_expand(const char *tmpl, const struct vg_nvr_vars *vars, char **ret_url);
