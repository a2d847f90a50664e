/* From the strings libcyaml read to typed values: ${VAR} expansion, one-line
 * text, whole numbers and booleans, driven by per-section rule tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config_internal.h"

#define STRING_MAX 4096 /* any string value, after ${VAR} expansion */

static bool env_name_char(char c, bool first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

/* Expands ${NAME} from the environment; "$${" stands for a literal "${" and any
 * other '$' is kept. *ret_out is a new string, or NULL when nothing changed. */
static int expand_env(struct loader *ld, const struct path *p, const char *in, char **ret_out)
{
    char *out = NULL;
    size_t n = 0;
    int r;

    if (!strchr(in, '$')) {
        *ret_out = NULL;
        return 0;
    }
    out = malloc(STRING_MAX + 1);
    if (!out)
        return -ENOMEM;
    for (const char *s = in; *s;) {
        const char *piece = s;
        size_t plen = 1;
        char name[256];
        if (strncmp(s, "$${", 3) == 0) {
            piece = "${";
            plen = 2;
            s += 3;
        } else if (strncmp(s, "${", 2) == 0) {
            const char *start = s + 2, *end = strchr(start, '}');
            if (!end) {
                r = vg_config_fail_value(ld, p, "has '${' without a closing '}'");
                goto out;
            }
            size_t len = (size_t)(end - start);
            bool ok = len > 0 && len < sizeof(name);
            for (size_t i = 0; ok && i < len; i++)
                ok = env_name_char(start[i], i == 0);
            if (!ok) {
                r = vg_config_fail_value(ld, p,
                                         "has an invalid environment variable name in '${...}'");
                goto out;
            }
            memcpy(name, start, len);
            name[len] = '\0';
            piece = getenv(name);
            if (!piece) {
                r = vg_config_fail_at(ld, p, VG_CONFIG_FIND_VALUE,
                                      "environment variable %s is not set", name);
                goto out;
            }
            plen = strlen(piece);
            s = end + 1;
        } else {
            s++;
        }
        if (plen > STRING_MAX - n) {
            r = vg_config_fail_value(
                ld, p, "is longer than %d bytes once environment variables are expanded",
                STRING_MAX);
            goto out;
        }
        memcpy(out + n, piece, plen);
        n += plen;
    }
    out[n] = '\0';
    *ret_out = out;
    out = NULL;
    r = 0;
out:
    free(out);
    return r;
}

/* Expands *s in place, then checks it is a sane one-line string. */
int vg_config_take_text(struct loader *ld, const struct path *p, char **s)
{
    char *expanded;
    int r = expand_env(ld, p, *s, &expanded);
    if (r < 0)
        return r;
    if (expanded) {
        free(*s);
        *s = expanded;
    }
    if (strlen(*s) > STRING_MAX)
        return vg_config_fail_value(ld, p, "is longer than %d bytes", STRING_MAX);
    for (const unsigned char *c = (const unsigned char *)*s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f)
            return vg_config_fail_value(ld, p, "contains a control character");
    }
    return 0;
}

/* Moves *src into *dst. Optional strings that end up empty become NULL. */
static int take_string(struct loader *ld, const struct path *p, char **src, char **dst,
                       bool optional)
{
    int r = vg_config_take_text(ld, p, src);
    if (r < 0)
        return r;
    free(*dst);
    if (optional && !(*src)[0]) {
        *dst = NULL;
    } else {
        *dst = *src;
        *src = NULL;
    }
    return 0;
}

/* For strings that stay where libcyaml put them: empty becomes NULL. */
int vg_config_take_optional_in_place(struct loader *ld, const struct path *p, char **s)
{
    if (!*s)
        return 0;
    int r = vg_config_take_text(ld, p, s);
    if (r < 0)
        return r;
    if (!(*s)[0]) {
        free(*s);
        *s = NULL;
    }
    return 0;
}

int vg_config_take_list(struct loader *ld, const struct path *p, char ***src, unsigned *src_count,
                        char ***dst, unsigned *dst_count)
{
    for (unsigned i = 0; i < *src_count; i++) {
        struct path e = path_index(p, i);
        int r = vg_config_take_text(ld, &e, &(*src)[i]);
        if (r < 0)
            return r;
    }
    *dst = *src;
    *dst_count = *src_count;
    *src = NULL;
    *src_count = 0;
    return 0;
}

static bool parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return false;
    }
    if (v < min || v > max)
        return false;
    *ret = (uint32_t)v;
    return true;
}

/* "12", "0.25": at most max whole gigabytes and 9 decimals, into bytes. */
static bool parse_gb(const char *s, uint32_t max, uint64_t *ret)
{
    uint64_t whole = 0, frac = 0, scale = 1000000000;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > max)
            return false;
    }
    if (p == s)
        return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (scale == 1)
                return false;
            scale /= 10;
            frac += (uint64_t)(*p - '0') * scale;
        }
    }
    if (*p)
        return false;
    *ret = whole * 1000000000ull + frac;
    return true;
}

static bool parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *ret = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *ret = false;
            return true;
        }
    }
    return false;
}

int vg_config_apply_rules(struct loader *ld, const struct path *base, void *ysec, void *dst,
                          const struct rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct rule *rule = &rules[i];
        char **src = (char **)((char *)ysec + rule->from);
        void *to = (char *)dst + rule->to;
        struct path p = path_key(base, rule->key);
        char sbuf[48];
        uint32_t v;
        bool b;
        int r = 0;

        if (!*src)
            continue;
        switch (rule->kind) {
        case K_STR:
        case K_OPT_STR:
            r = take_string(ld, &p, src, to, rule->kind == K_OPT_STR);
            break;
        case K_UINT:
            if (!parse_uint(*src, rule->min, rule->max, &v)) {
                r = vg_config_fail_value(ld, &p, "must be a whole number from %u to %u, not '%s'",
                                         rule->min, rule->max,
                                         vg_config_shorten(*src, sbuf, sizeof(sbuf)));
            } else if (rule->to_size == sizeof(uint16_t)) {
                *(uint16_t *)to = (uint16_t)v;
            } else {
                *(uint32_t *)to = v;
            }
            break;
        case K_GB:
            if (!parse_gb(*src, rule->max, (uint64_t *)to))
                r = vg_config_fail_value(ld, &p,
                                         "must be a number of gigabytes from 0 to %u, not '%s'",
                                         rule->max, vg_config_shorten(*src, sbuf, sizeof(sbuf)));
            break;
        case K_BOOL:
            if (!parse_bool(*src, &b))
                r = vg_config_fail_value(ld, &p, "must be true or false, not '%s'",
                                         vg_config_shorten(*src, sbuf, sizeof(sbuf)));
            else
                *(bool *)to = b;
            break;
        }
        if (r < 0)
            return r;
    }
    return 0;
}
