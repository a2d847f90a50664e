#include "http/body.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

void vg_body_init(struct vg_body *b, json_t *obj)
{
    b->obj = obj;
    b->failed = false;
    b->err[0] = '\0';
}

void vg_body_fail(struct vg_body *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    b->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof(b->err), fmt, ap);
    va_end(ap);
}

static bool listed(const char *const *list, const char *key)
{
    for (; list && *list; list++) {
        if (strcmp(*list, key) == 0)
            return true;
    }
    return false;
}

void vg_body_only_keys(struct vg_body *b, const char *const *allowed, const char *const *ignored)
{
    const char *key;
    json_t *v;
    json_object_foreach (b->obj, key, v) {
        (void)v;
        if (!listed(allowed, key) && !listed(ignored, key)) {
            /* The name comes from the client: keep it short and printable. */
            char shown[48];
            vg_strlcpy(shown, sizeof(shown), key);
            for (char *p = shown; *p; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
            }
            vg_body_fail(b, "unknown field '%s'", shown);
            return;
        }
    }
}

bool vg_body_string(struct vg_body *b, const char *key, size_t maxlen, bool required,
                    const char **ret)
{
    json_t *v = json_object_get(b->obj, key);
    if (!v) {
        if (required)
            vg_body_fail(b, "field '%s' is required", key);
        return false;
    }
    if (!json_is_string(v)) {
        vg_body_fail(b, "field '%s' must be a string", key);
        return false;
    }
    const char *s = json_string_value(v);
    if (json_string_length(v) != strlen(s) || !vg_text_clean(s, maxlen + 1) || strlen(s) > maxlen) {
        vg_body_fail(b, "field '%s' must be at most %zu characters without control characters", key,
                     maxlen);
        return false;
    }
    if (required && !s[0]) {
        vg_body_fail(b, "field '%s' must not be empty", key);
        return false;
    }
    *ret = s;
    return true;
}

bool vg_body_bool(struct vg_body *b, const char *key, bool *ret)
{
    json_t *v = json_object_get(b->obj, key);
    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        vg_body_fail(b, "field '%s' must be true or false", key);
        return false;
    }
    *ret = json_is_true(v);
    return true;
}

bool vg_body_id(struct vg_body *b, const char *key, int64_t *ret)
{
    json_t *v = json_object_get(b->obj, key);
    if (!v)
        return false;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        vg_body_fail(b, "field '%s' must be an id (a whole number from 1)", key);
        return false;
    }
    *ret = (int64_t)json_integer_value(v);
    return true;
}

bool vg_body_uint(struct vg_body *b, const char *key, unsigned min, unsigned max, unsigned *ret)
{
    json_t *v = json_object_get(b->obj, key);
    if (!v)
        return false;
    if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
        json_integer_value(v) > (json_int_t)max) {
        vg_body_fail(b, "field '%s' must be a whole number from %u to %u", key, min, max);
        return false;
    }
    *ret = (unsigned)json_integer_value(v);
    return true;
}

bool vg_body_strlist(struct vg_body *b, const char *key, size_t max_items, size_t maxlen,
                     struct vg_strlist *ret)
{
    json_t *v = json_object_get(b->obj, key);
    if (!v)
        return false;
    if (!json_is_array(v) || json_array_size(v) > max_items) {
        vg_body_fail(b, "field '%s' must be a list of at most %zu strings", key, max_items);
        return false;
    }
    struct vg_strlist l = {0};
    size_t n = json_array_size(v);
    if (n) {
        l.items = calloc(n, sizeof(*l.items));
        if (!l.items) {
            vg_body_fail(b, "out of memory");
            return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(v, i);
        const char *s = json_is_string(item) ? json_string_value(item) : NULL;
        if (!s || !s[0] || strlen(s) > maxlen || json_string_length(item) != strlen(s) ||
            !vg_text_clean(s, maxlen + 1)) {
            vg_strlist_done(&l);
            vg_body_fail(b, "field '%s' must hold non-empty strings of at most %zu characters", key,
                         maxlen);
            return false;
        }
        if (vg_strlist_contains(&l, s))
            continue;
        l.items[l.count] = strdup(s);
        if (!l.items[l.count]) {
            vg_strlist_done(&l);
            vg_body_fail(b, "out of memory");
            return false;
        }
        l.count++;
    }
    vg_strlist_done(ret);
    *ret = l;
    return true;
}

void vg_body_set_string(struct vg_body *b, char **field, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy) {
        vg_body_fail(b, "out of memory");
        return;
    }
    free(*field);
    *field = copy;
}
