/* A byte range inside someone else's buffer: parsers return these instead of
 * copies, so they never allocate. Not NUL-terminated. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct vg_span {
    const char *base;
    size_t len;
};

static inline bool vg_span_eq(struct vg_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.base, lit, n) == 0;
}

static inline bool vg_span_ieq(struct vg_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp(s.base, lit, n) == 0;
}
