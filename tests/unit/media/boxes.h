/* A test-only reader for ISO BMFF boxes, enough to walk what media/fmp4.c
 * writes: every helper is bounds-checked and returns false (or -1) on a size
 * that does not fit, so tests and the fuzz target can trust what they read.
 * 64-bit largesize boxes are not supported (we never write them). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct box {
    const uint8_t *start; /* the size field */
    size_t size;          /* the whole box, header included */
    char type[5];
    const uint8_t *body; /* just after the 8-byte header */
    size_t body_len;
};

static inline uint16_t box_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t box_u24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t box_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t box_u64(const uint8_t *p)
{
    return (uint64_t)box_u32(p) << 32 | box_u32(p + 4);
}

/* The box at p, which has len bytes left. False when the header or the
 * declared size does not fit. */
static inline bool box_read(const uint8_t *p, size_t len, struct box *b)
{
    if (len < 8)
        return false;
    uint32_t size = box_u32(p);
    if (size < 8 || size > len)
        return false;
    b->start = p;
    b->size = size;
    memcpy(b->type, p + 4, 4);
    b->type[4] = '\0';
    b->body = p + 8;
    b->body_len = size - 8;
    return true;
}

/* Where the children of a box of this type start inside its body, or
 * SIZE_MAX when the type holds no boxes we look into. Full-box containers
 * (stsd, dref) skip version/flags and the entry count; sample entries skip
 * their fixed fields. */
static inline size_t box_children_offset(const char *type)
{
    static const char *plain[] = {"moov", "trak", "mdia", "minf", "dinf",
                                  "stbl", "mvex", "moof", "traf"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (strcmp(type, plain[i]) == 0)
            return 0;
    if (strcmp(type, "stsd") == 0 || strcmp(type, "dref") == 0)
        return 8;
    if (strcmp(type, "avc1") == 0 || strcmp(type, "hvc1") == 0)
        return 78;
    if (strcmp(type, "mp4a") == 0 || strcmp(type, "Opus") == 0)
        return 28;
    return SIZE_MAX;
}

/* The n-th (from 0) child of the given type among the boxes in p[0..len). */
static inline bool box_child_nth(const uint8_t *p, size_t len, const char *type, unsigned n,
                                 struct box *out)
{
    size_t at = 0;
    while (at < len) {
        struct box b;
        if (!box_read(p + at, len - at, &b))
            return false;
        if (strcmp(b.type, type) == 0 && n-- == 0) {
            *out = b;
            return true;
        }
        at += b.size;
    }
    return false;
}

static inline bool box_child(const uint8_t *p, size_t len, const char *type, struct box *out)
{
    return box_child_nth(p, len, type, 0, out);
}

/* Follows a path like "moov/trak/mdia/mdhd" (first match at each level). */
static inline bool box_find(const uint8_t *p, size_t len, const char *path, struct box *out)
{
    struct box b;
    char type[5];
    for (;;) {
        const char *slash = strchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : strlen(path);
        if (n != 4)
            return false;
        memcpy(type, path, 4);
        type[4] = '\0';
        if (!box_child(p, len, type, &b))
            return false;
        if (!slash) {
            *out = b;
            return true;
        }
        size_t off = box_children_offset(b.type);
        if (off == SIZE_MAX || off > b.body_len)
            return false;
        p = b.body + off;
        len = b.body_len - off;
        path = slash + 1;
    }
}

/* Walks every box in p[0..len) and inside every container: each box must fit
 * its parent and the children must fill the container exactly. Returns the
 * number of boxes seen, or -1. */
static inline int box_walk(const uint8_t *p, size_t len, int depth)
{
    if (depth > 16)
        return -1;
    int count = 0;
    size_t at = 0;
    while (at < len) {
        struct box b;
        if (!box_read(p + at, len - at, &b))
            return -1;
        count++;
        size_t off = box_children_offset(b.type);
        if (off != SIZE_MAX) {
            if (off > b.body_len)
                return -1;
            int inner = box_walk(b.body + off, b.body_len - off, depth + 1);
            if (inner < 0)
                return -1;
            count += inner;
        }
        at += b.size;
    }
    return at == len ? count : -1;
}

/* An MPEG-4 descriptor (ISO/IEC 14496-1 8.3.3) at p: tag, expandable length. */
static inline bool box_descriptor(const uint8_t *p, size_t len, uint8_t *tag, size_t *hdr,
                                  size_t *body_len)
{
    if (len < 2)
        return false;
    *tag = p[0];
    size_t v = 0, i = 1;
    for (;;) {
        if (i >= len || i > 4)
            return false;
        v = v << 7 | (p[i] & 0x7f);
        if (!(p[i++] & 0x80))
            break;
    }
    if (v > len - i)
        return false;
    *hdr = i;
    *body_len = v;
    return true;
}
