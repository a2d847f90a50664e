/* A byte range inside someone else's buffer: parsers return these instead of
 * copies, so they never allocate. Not NUL-terminated. The small text helpers
 * the SDP and RTSP parsers share live here too. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* A space or a tab. */
static inline bool vg_span_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* s without leading and trailing blanks. */
struct vg_span vg_span_trim(struct vg_span s);

/* Splits s at the first c: *ret_head before it, *ret_tail after it. Returns
 * false (outputs untouched) when there is no c. */
bool vg_span_split(struct vg_span s, char c, struct vg_span *ret_head, struct vg_span *ret_tail);

/* The next blank-separated token of s from *cursor (moved past it). */
bool vg_span_next_token(struct vg_span s, size_t *cursor, struct vg_span *ret_tok);

/* Decimal digits only (no sign, no blanks), at most max. */
bool vg_span_uint(struct vg_span s, uint32_t max, uint32_t *ret);
