#include "proto/span.h"

struct vg_span vg_span_trim(struct vg_span s)
{
    while (s.len > 0 && vg_span_blank(s.base[0])) {
        s.base++;
        s.len--;
    }
    while (s.len > 0 && vg_span_blank(s.base[s.len - 1]))
        s.len--;
    return s;
}

bool vg_span_split(struct vg_span s, char c, struct vg_span *ret_head, struct vg_span *ret_tail)
{
    const char *at = s.len ? memchr(s.base, c, s.len) : NULL;
    if (!at)
        return false;
    size_t head = (size_t)(at - s.base);
    *ret_head = (struct vg_span){s.base, head};
    *ret_tail = (struct vg_span){at + 1, s.len - head - 1};
    return true;
}

bool vg_span_next_token(struct vg_span s, size_t *cursor, struct vg_span *ret_tok)
{
    size_t i = *cursor;
    while (i < s.len && vg_span_blank(s.base[i]))
        i++;
    size_t start = i;
    while (i < s.len && !vg_span_blank(s.base[i]))
        i++;
    *cursor = i;
    if (i == start)
        return false;
    *ret_tok = (struct vg_span){s.base + start, i - start};
    return true;
}

bool vg_span_uint(struct vg_span s, uint32_t max, uint32_t *ret)
{
    uint32_t v = 0;
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if (s.base[i] < '0' || s.base[i] > '9')
            return false;
        uint32_t d = (uint32_t)(s.base[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *ret = v;
    return true;
}
