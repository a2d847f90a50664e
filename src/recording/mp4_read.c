/* Fragmented MP4 reader. The file is read through a window: a read brings in
 * READAHEAD bytes (or a whole moov or moof when larger) and box headers, the
 * moov and each moof are parsed from it in memory, so a fragment costs about
 * one read and its mdat payload is never read at all. What a fragment adds
 * is staged after each track's committed samples and kept only once the moof
 * has parsed and its mdat is known to be complete.
 *
 * Parse helpers over memory return -EINVAL for anything malformed and
 * -ENOMEM; read errors come only from source_get(), so a callback's own
 * -EINVAL is never mistaken for a malformed box. */
#include "recording/mp4_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

/* Large enough for a typical moof (a second of video and audio is about
 * 1.5 KB) and the mdat header after it, small enough that reading it per
 * fragment costs little next to the fragment's own data. */
#define READAHEAD 16384
#define BOX_HEADER_MAX 16 /* size, type, 64-bit largesize */
/* trex boxes remembered for tracks we do not keep: their defaults are only
 * needed to find where their data ends (8.8.7.1, implicit base offsets). */
#define OTHER_TREX_MAX 16

#define FOURCC(a, b, c, d)                                                                         \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define TYPE_FTYP FOURCC('f', 't', 'y', 'p')
#define TYPE_STYP FOURCC('s', 't', 'y', 'p')
#define TYPE_FREE FOURCC('f', 'r', 'e', 'e')
#define TYPE_SKIP FOURCC('s', 'k', 'i', 'p')
#define TYPE_SIDX FOURCC('s', 'i', 'd', 'x')
#define TYPE_MOOV FOURCC('m', 'o', 'o', 'v')
#define TYPE_TRAK FOURCC('t', 'r', 'a', 'k')
#define TYPE_TKHD FOURCC('t', 'k', 'h', 'd')
#define TYPE_MDIA FOURCC('m', 'd', 'i', 'a')
#define TYPE_MDHD FOURCC('m', 'd', 'h', 'd')
#define TYPE_HDLR FOURCC('h', 'd', 'l', 'r')
#define TYPE_MINF FOURCC('m', 'i', 'n', 'f')
#define TYPE_STBL FOURCC('s', 't', 'b', 'l')
#define TYPE_STSD FOURCC('s', 't', 's', 'd')
#define TYPE_MVEX FOURCC('m', 'v', 'e', 'x')
#define TYPE_TREX FOURCC('t', 'r', 'e', 'x')
#define TYPE_MOOF FOURCC('m', 'o', 'o', 'f')
#define TYPE_TRAF FOURCC('t', 'r', 'a', 'f')
#define TYPE_TFHD FOURCC('t', 'f', 'h', 'd')
#define TYPE_TFDT FOURCC('t', 'f', 'd', 't')
#define TYPE_TRUN FOURCC('t', 'r', 'u', 'n')
#define TYPE_MDAT FOURCC('m', 'd', 'a', 't')
#define TYPE_AVC1 FOURCC('a', 'v', 'c', '1')
#define TYPE_AVC3 FOURCC('a', 'v', 'c', '3')
#define TYPE_AVCC FOURCC('a', 'v', 'c', 'C')
#define TYPE_HVC1 FOURCC('h', 'v', 'c', '1')
#define TYPE_HEV1 FOURCC('h', 'e', 'v', '1')
#define TYPE_HVCC FOURCC('h', 'v', 'c', 'C')
#define HANDLER_VIDE FOURCC('v', 'i', 'd', 'e')
#define HANDLER_SOUN FOURCC('s', 'o', 'u', 'n')

/* tfhd flags (8.8.7.1) */
#define TFHD_BASE_DATA_OFFSET 0x000001
#define TFHD_DESCRIPTION_INDEX 0x000002
#define TFHD_DEFAULT_DURATION 0x000008
#define TFHD_DEFAULT_SIZE 0x000010
#define TFHD_DEFAULT_FLAGS 0x000020
#define TFHD_DEFAULT_BASE_IS_MOOF 0x020000

/* trun flags (8.8.8.1) */
#define TRUN_DATA_OFFSET 0x000001
#define TRUN_FIRST_FLAGS 0x000004
#define TRUN_DURATION 0x000100
#define TRUN_SIZE 0x000200
#define TRUN_FLAGS 0x000400
#define TRUN_CTO 0x000800

#define SAMPLE_IS_NON_SYNC 0x00010000

/* Fixed fields of a VisualSampleEntry before its child boxes (8.5.2.2). */
#define VISUAL_ENTRY_LEN 78

/* ---- bytes in memory ---- */

struct span {
    const uint8_t *p;
    size_t len;
};

/* Reads fields one after another; running past the end sets short_read and
 * yields zeros, so a whole structure is checked once at the end. */
struct cursor {
    const uint8_t *p;
    size_t len, at;
    bool short_read;
};

static struct cursor cursor_of(struct span s)
{
    return (struct cursor){.p = s.p, .len = s.len};
}

/* Up to 8 bytes, big-endian. */
static uint64_t take(struct cursor *c, size_t n)
{
    if (c->short_read || c->len - c->at < n) {
        c->short_read = true;
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | c->p[c->at + i];
    c->at += n;
    return v;
}

static uint32_t take32(struct cursor *c)
{
    return (uint32_t)take(c, 4);
}

static void skip(struct cursor *c, size_t n)
{
    if (c->short_read || c->len - c->at < n) {
        c->short_read = true;
        return;
    }
    c->at += n;
}

/* Two's complement without relying on how a cast treats out-of-range values. */
static int32_t as_int32(uint32_t v)
{
    return v <= INT32_MAX ? (int32_t)v : (int32_t)((int64_t)v - 4294967296);
}

/* ---- boxes ---- */

struct box {
    uint32_t type;
    uint64_t size; /* header included */
    size_t header; /* 8, or 16 with a largesize */
    const uint8_t *start;
    struct span body;
};

/* Decodes the header at p (avail bytes readable there) of a box that may
 * extend over at most left bytes; size 0 means "up to the end" (4.2). Only
 * the header is used: body is not set. */
static int box_header(const uint8_t *p, size_t avail, uint64_t left, struct box *ret)
{
    if (avail < 8)
        return -EINVAL;
    uint64_t size = vg_be32(p);
    size_t header = 8;
    if (size == 1) {
        if (avail < 16)
            return -EINVAL;
        size = (uint64_t)vg_be32(p + 8) << 32 | vg_be32(p + 12);
        header = 16;
    } else if (size == 0) {
        size = left;
    }
    if (size < header || size > left)
        return -EINVAL;
    *ret = (struct box){.type = vg_be32(p + 4), .size = size, .header = header, .start = p};
    return 0;
}

/* The next box among a parent's children in memory; advances s. Returns 1,
 * 0 at the end of s, or -EINVAL when a box does not fit. */
static int next_box(struct span *s, struct box *ret)
{
    if (s->len == 0)
        return 0;
    struct box b;
    int r = box_header(s->p, s->len, s->len, &b);
    if (r < 0)
        return r;
    /* size <= s->len: it fits in size_t */
    b.body = (struct span){s->p + b.header, (size_t)b.size - b.header};
    s->p += b.size;
    s->len -= (size_t)b.size;
    *ret = b;
    return 1;
}

/* The first child of this type. Returns 1, 0 when there is none, -EINVAL. */
static int find_child(struct span s, uint32_t type, struct box *ret)
{
    struct box b;
    int r;
    for (;;) {
        r = next_box(&s, &b);
        if (r <= 0)
            return r;
        if (b.type == type) {
            *ret = b;
            return 1;
        }
    }
}

/* Follows a path of first children, e.g. mdia/minf/stbl/stsd. */
static int find_path(struct span s, const uint32_t *path, size_t n, struct box *ret)
{
    struct box b = {0};
    for (size_t i = 0; i < n; i++) {
        int r = find_child(s, path[i], &b);
        if (r <= 0)
            return r;
        s = b.body;
    }
    *ret = b;
    return 1;
}

/* ---- reading the file ---- */

struct source {
    vg_mp4_read_fn *read;
    void *arg;
    uint64_t len; /* of the file */
    uint8_t *buf; /* the window */
    size_t cap;
    uint64_t at; /* file offset of buf[0] */
    size_t have; /* bytes of the window that hold file data */
};

/* Makes file bytes [off, off + n) readable at *ret. The caller keeps them
 * within the file and n within VG_MP4_MOOF_MAX + BOX_HEADER_MAX; *ret stays
 * valid until the next call. */
static int source_get(struct source *s, uint64_t off, size_t n, const uint8_t **ret)
{
    if (off >= s->at && off - s->at <= s->have && n <= s->have - (off - s->at)) {
        *ret = s->buf + (off - s->at);
        return 0;
    }
    size_t want = n > READAHEAD ? n : READAHEAD;
    if (want > s->len - off)
        want = (size_t)(s->len - off);
    if (want == 0)
        return -EINVAL; /* callers never ask for nothing at the end of the file */
    if (want > s->cap) {
        uint8_t *p = realloc(s->buf, want);
        if (!p)
            return -ENOMEM;
        s->buf = p;
        s->cap = want;
    }
    s->have = 0; /* a failed read may have left anything in it */
    int r = s->read(s->arg, off, s->buf, want);
    if (r < 0)
        return r;
    s->at = off;
    s->have = want;
    *ret = s->buf;
    return 0;
}

/* The header of the top-level box at off; ret->size is 0 when there is no
 * whole box there (end of file, a header or size that does not fit). */
static int read_header(struct source *s, uint64_t off, struct box *ret)
{
    uint64_t left = s->len - off;
    size_t n = left < BOX_HEADER_MAX ? (size_t)left : BOX_HEADER_MAX;
    struct box b = {0};
    if (n >= 8) {
        const uint8_t *p;
        int r = source_get(s, off, n, &p);
        if (r < 0)
            return r;
        if (box_header(p, n, left, &b) < 0)
            b = (struct box){0};
    }
    b.start = NULL; /* points into the window, which the next read replaces */
    *ret = b;
    return 0;
}

/* ---- parser state ---- */

struct trex {
    uint32_t track_id;
    uint32_t duration, size, flags; /* defaults for the track's samples */
};

struct track_state {
    struct vg_mp4_track *t;
    bool video;
    struct trex trex;
    size_t cap;       /* samples allocated */
    size_t staged;    /* samples of the fragment being read, after t->count */
    int64_t next_dts; /* where a traf without tfdt starts: after the staged samples */
};

struct reader {
    struct source src;
    struct vg_mp4_file file;
    struct track_state video, audio;
    struct trex other_trex[OTHER_TREX_MAX];
    size_t n_other_trex;
};

static struct track_state *track_by_id(struct reader *rd, uint32_t id)
{
    if (id == 0)
        return NULL;
    if (rd->video.t->track_id == id)
        return &rd->video;
    if (rd->audio.t->track_id == id)
        return &rd->audio;
    return NULL;
}

static struct trex trex_for(const struct reader *rd, uint32_t id)
{
    for (size_t i = 0; i < rd->n_other_trex; i++)
        if (rd->other_trex[i].track_id == id)
            return rd->other_trex[i];
    return (struct trex){.track_id = id};
}

/* ---- moov ---- */

static void track_free(struct vg_mp4_track *t)
{
    free(t->stsd);
    free(t->config);
    free(t->samples);
    *t = (struct vg_mp4_track){0};
}

static int copy_bytes(const uint8_t *p, size_t len, uint8_t **ret)
{
    uint8_t *c = malloc(len ? len : 1);
    if (!c)
        return -ENOMEM;
    memcpy(c, p, len);
    *ret = c;
    return 0;
}

/* track_id from tkhd, timescale from mdhd: both move by 8 bytes in version 1,
 * where the times before them are 64-bit. */
static int versioned_u32(struct span body, size_t v0_offset, uint32_t *ret)
{
    struct cursor c = cursor_of(body);
    unsigned version = (unsigned)take(&c, 1);
    if (version > 1)
        return -EINVAL;
    skip(&c, v0_offset - 1 + (version == 1 ? 8 : 0));
    uint32_t v = take32(&c);
    if (c.short_read)
        return -EINVAL;
    *ret = v;
    return 0;
}

/* width, height and the avcC/hvcC payload of an H.264/H.265 sample entry. */
static int parse_visual_entry(struct vg_mp4_track *t, const struct box *entry, uint32_t config_type)
{
    if (entry->body.len < VISUAL_ENTRY_LEN)
        return -EINVAL;
    t->width = vg_be16(entry->body.p + 24);
    t->height = vg_be16(entry->body.p + 26);
    struct span children = {entry->body.p + VISUAL_ENTRY_LEN, entry->body.len - VISUAL_ENTRY_LEN};
    struct box config;
    int r = find_child(children, config_type, &config);
    if (r <= 0)
        return -EINVAL; /* these formats are defined to carry it */
    r = copy_bytes(config.body.p, config.body.len, &t->config);
    if (r < 0)
        return r;
    t->config_len = config.body.len;
    return 0;
}

/* Keeps a copy of the whole stsd and reads its first sample entry. */
static int parse_stsd(struct vg_mp4_track *t, const struct box *stsd, bool video)
{
    if (stsd->size > VG_MP4_STSD_MAX)
        return -EINVAL;
    struct cursor c = cursor_of(stsd->body);
    skip(&c, 4); /* version, flags */
    uint32_t entries = take32(&c);
    if (c.short_read || entries == 0)
        return -EINVAL;
    struct span rest = {stsd->body.p + c.at, stsd->body.len - c.at};
    struct box entry;
    if (next_box(&rest, &entry) <= 0)
        return -EINVAL;

    int r = copy_bytes(stsd->start, (size_t)stsd->size, &t->stsd);
    if (r < 0)
        return r;
    t->stsd_len = (size_t)stsd->size;
    for (int i = 0; i < 4; i++)
        t->format[i] = (char)(entry.type >> (24 - 8 * i));
    t->format[4] = '\0';
    if (!video)
        return 0;
    if (entry.type == TYPE_AVC1 || entry.type == TYPE_AVC3)
        return parse_visual_entry(t, &entry, TYPE_AVCC);
    if (entry.type == TYPE_HVC1 || entry.type == TYPE_HEV1)
        return parse_visual_entry(t, &entry, TYPE_HVCC);
    return 0;
}

/* The parts of a trak we keep; -EINVAL when one is missing or malformed. */
static int parse_trak_into(struct span trak, struct vg_mp4_track *t, uint32_t *ret_handler)
{
    static const uint32_t hdlr_path[] = {TYPE_MDIA, TYPE_HDLR};
    static const uint32_t mdhd_path[] = {TYPE_MDIA, TYPE_MDHD};
    static const uint32_t stsd_path[] = {TYPE_MDIA, TYPE_MINF, TYPE_STBL, TYPE_STSD};
    struct box tkhd, hdlr, mdhd, stsd;
    if (find_child(trak, TYPE_TKHD, &tkhd) <= 0 || find_path(trak, hdlr_path, 2, &hdlr) <= 0 ||
        find_path(trak, mdhd_path, 2, &mdhd) <= 0 || find_path(trak, stsd_path, 4, &stsd) <= 0)
        return -EINVAL;
    if (versioned_u32(tkhd.body, 12, &t->track_id) < 0 || t->track_id == 0)
        return -EINVAL;
    if (versioned_u32(mdhd.body, 12, &t->timescale) < 0 || t->timescale == 0)
        return -EINVAL;
    if (hdlr.body.len < 12)
        return -EINVAL;
    uint32_t handler = vg_be32(hdlr.body.p + 8); /* after version, flags, pre_defined */
    if (handler != HANDLER_VIDE && handler != HANDLER_SOUN)
        return -EINVAL;
    *ret_handler = handler;
    return parse_stsd(t, &stsd, handler == HANDLER_VIDE);
}

/* Keeps the trak when it is the first usable one of its kind. A trak we
 * cannot use is passed over, as a player would. */
static int parse_trak(struct reader *rd, struct span trak)
{
    struct vg_mp4_track t = {0};
    struct track_state *ts;
    uint32_t handler = 0;
    int r = parse_trak_into(trak, &t, &handler);
    if (r < 0)
        goto out;
    ts = handler == HANDLER_VIDE ? &rd->video : &rd->audio;
    /* only the first of a kind is kept; a track whose id is taken could not
     * be told apart in the moofs */
    if (ts->t->track_id || track_by_id(rd, t.track_id))
        goto out;
    *ts->t = t;
    return 0;
out:
    track_free(&t);
    return r == -ENOMEM ? r : 0;
}

static int parse_mvex(struct reader *rd, struct span mvex)
{
    struct box b;
    int r;
    for (;;) {
        r = next_box(&mvex, &b);
        if (r <= 0)
            return r;
        if (b.type != TYPE_TREX)
            continue;
        struct cursor c = cursor_of(b.body);
        skip(&c, 4); /* version, flags */
        struct trex x = {.track_id = take32(&c)};
        skip(&c, 4); /* default_sample_description_index */
        x.duration = take32(&c);
        x.size = take32(&c);
        x.flags = take32(&c);
        if (c.short_read)
            return -EINVAL;
        struct track_state *ts = track_by_id(rd, x.track_id);
        if (ts)
            ts->trex = x;
        else if (rd->n_other_trex < OTHER_TREX_MAX)
            rd->other_trex[rd->n_other_trex++] = x;
    }
}

/* Traks first, then mvex: the trex defaults are filed by the kept tracks'
 * ids, and mvex may come before the traks. */
static int parse_moov(struct reader *rd, struct span moov)
{
    struct span s = moov;
    struct box b;
    int r;
    for (;;) {
        r = next_box(&s, &b);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        if (b.type != TYPE_TRAK)
            continue;
        r = parse_trak(rd, b.body);
        if (r < 0)
            return r;
    }
    r = find_child(moov, TYPE_MVEX, &b);
    if (r <= 0)
        return r;
    return parse_mvex(rd, b.body);
}

static bool skippable_before_moov(uint32_t type)
{
    return type == TYPE_FTYP || type == TYPE_STYP || type == TYPE_FREE || type == TYPE_SKIP;
}

static int read_moov(struct reader *rd)
{
    struct source *s = &rd->src;
    uint64_t off = 0;
    struct box h;
    int r;
    for (;;) {
        r = read_header(s, off, &h);
        if (r < 0)
            return r;
        if (h.size == 0)
            return -EINVAL;
        if (h.type == TYPE_MOOV)
            break;
        if (!skippable_before_moov(h.type))
            return -EINVAL;
        off += h.size;
    }
    if (h.size > VG_MP4_MOOV_MAX)
        return -EINVAL;
    const uint8_t *p;
    r = source_get(s, off, (size_t)h.size, &p);
    if (r < 0)
        return r;
    r = parse_moov(rd, (struct span){p + h.header, (size_t)h.size - h.header});
    if (r < 0)
        return r;
    if (!rd->video.t->track_id && !rd->audio.t->track_id)
        return -EINVAL;
    rd->file.moov_end = off + h.size;
    rd->file.valid_len = rd->file.moov_end;
    return 0;
}

/* ---- fragments ---- */

struct fragment {
    uint64_t moof;      /* offset of the moof */
    uint64_t data, end; /* the mdat's payload */
    uint64_t traf_end;  /* where the previous traf's data ended */
    bool first_traf;
};

/* One traf as its tfhd and tfdt set it up. */
struct traf {
    struct track_state *ts;         /* NULL: a track we do not keep */
    uint32_t duration, size, flags; /* sample defaults */
    uint64_t base;                  /* base data offset */
    uint64_t pos;                   /* where the next run without a data offset starts */
    int64_t dts;
};

static int parse_tfhd(struct reader *rd, const struct fragment *fr, struct span body,
                      struct traf *ret)
{
    struct cursor c = cursor_of(body);
    skip(&c, 1); /* version */
    uint32_t flags = (uint32_t)take(&c, 3);
    uint32_t id = take32(&c);
    struct traf tf = {.ts = track_by_id(rd, id)};
    struct trex x = tf.ts ? tf.ts->trex : trex_for(rd, id);
    tf.duration = x.duration;
    tf.size = x.size;
    tf.flags = x.flags;
    uint64_t base = take(&c, (flags & TFHD_BASE_DATA_OFFSET) ? 8 : 0);
    skip(&c, (flags & TFHD_DESCRIPTION_INDEX) ? 4 : 0);
    if (flags & TFHD_DEFAULT_DURATION)
        tf.duration = take32(&c);
    if (flags & TFHD_DEFAULT_SIZE)
        tf.size = take32(&c);
    if (flags & TFHD_DEFAULT_FLAGS)
        tf.flags = take32(&c);
    if (c.short_read)
        return -EINVAL;
    /* 8.8.7.1: without an explicit base, the moof for the first traf (or
     * any traf when default-base-is-moof), else where the previous traf's
     * data ended */
    if (flags & TFHD_BASE_DATA_OFFSET)
        tf.base = base;
    else if ((flags & TFHD_DEFAULT_BASE_IS_MOOF) || fr->first_traf)
        tf.base = fr->moof;
    else
        tf.base = fr->traf_end;
    tf.pos = tf.base;
    *ret = tf;
    return 0;
}

static int parse_tfdt(struct span body, int64_t *ret)
{
    struct cursor c = cursor_of(body);
    unsigned version = (unsigned)take(&c, 1);
    skip(&c, 3);
    if (version > 1)
        return -EINVAL;
    uint64_t t = take(&c, version == 1 ? 8 : 4);
    if (c.short_read || t > INT64_MAX)
        return -EINVAL;
    *ret = (int64_t)t;
    return 0;
}

static int reserve_samples(struct track_state *ts, size_t n)
{
    if (n <= ts->cap)
        return 0;
    size_t cap = ts->cap ? ts->cap : 256;
    while (cap < n)
        cap *= 2;
    if (cap > VG_MP4_SAMPLES_MAX)
        cap = VG_MP4_SAMPLES_MAX; /* n is within it */
    struct vg_mp4_sample *p = realloc(ts->t->samples, cap * sizeof(*p));
    if (!p)
        return -ENOMEM;
    ts->t->samples = p;
    ts->cap = cap;
    return 0;
}

/* A trun's header: what comes before its per-sample fields. */
struct run {
    uint32_t flags, count;
    uint32_t first_flags;
    uint64_t start; /* of its first sample's data */
    struct cursor samples;
};

static int parse_run_header(const struct traf *tf, struct span body, struct run *ret)
{
    struct cursor c = cursor_of(body);
    unsigned version = (unsigned)take(&c, 1);
    struct run run = {.flags = (uint32_t)take(&c, 3), .start = tf->pos};
    run.count = take32(&c);
    if (version > 1)
        return -EINVAL;
    if (run.flags & TRUN_DATA_OFFSET) {
        /* relative to the traf's base even for a later run (8.8.8.1) */
        int64_t off = as_int32(take32(&c));
        if (off < 0 ? tf->base < (uint64_t)(-off) : tf->base > UINT64_MAX - (uint64_t)off)
            return -EINVAL;
        run.start = tf->base + (uint64_t)off; /* modulo 2^64: in range as checked */
    }
    if (run.flags & TRUN_FIRST_FLAGS)
        run.first_flags = take32(&c);
    if (c.short_read)
        return -EINVAL;
    size_t per_sample = 0;
    for (uint32_t bit = TRUN_DURATION; bit <= TRUN_CTO; bit <<= 1)
        per_sample += (run.flags & bit) ? 4 : 0;
    if (per_sample && run.count > (c.len - c.at) / per_sample)
        return -EINVAL;
    run.samples = c;
    *ret = run;
    return 0;
}

/* A run of a track we do not keep: only where its data ends matters. */
static int skip_run(struct traf *tf, struct run *run)
{
    uint64_t pos = run->start;
    if (!(run->flags & TRUN_SIZE)) {
        if (tf->size && run->count > (UINT64_MAX - pos) / tf->size)
            return -EINVAL;
        tf->pos = pos + (uint64_t)run->count * tf->size;
        return 0;
    }
    for (uint32_t i = 0; i < run->count; i++) {
        take(&run->samples, (run->flags & TRUN_DURATION) ? 4 : 0);
        uint32_t size = take32(&run->samples);
        take(&run->samples, (run->flags & TRUN_FLAGS) ? 4 : 0);
        take(&run->samples, (run->flags & TRUN_CTO) ? 4 : 0);
        if (size > UINT64_MAX - pos)
            return -EINVAL;
        pos += size;
    }
    tf->pos = pos;
    return 0;
}

static int read_run(const struct fragment *fr, struct traf *tf, struct run *run)
{
    struct track_state *ts = tf->ts;
    size_t have = ts->t->count + ts->staged;
    if (run->count > VG_MP4_SAMPLES_MAX - have)
        return -EINVAL;
    uint64_t pos = run->start;
    if (run->count == 0) {
        tf->pos = pos; /* an empty run: where a next run without offset starts */
        return 0;
    }
    if (pos < fr->data || pos > fr->end)
        return -EINVAL;
    /* refuse a count the mdat cannot hold before allocating for it */
    if (!(run->flags & TRUN_SIZE) && tf->size && run->count > (fr->end - pos) / tf->size)
        return -EINVAL;
    int r = reserve_samples(ts, have + run->count);
    if (r < 0)
        return r;

    struct cursor *c = &run->samples;
    int64_t dts = tf->dts;
    for (uint32_t i = 0; i < run->count; i++) {
        uint32_t duration = (run->flags & TRUN_DURATION) ? take32(c) : tf->duration;
        uint32_t size = (run->flags & TRUN_SIZE) ? take32(c) : tf->size;
        uint32_t flags = (run->flags & TRUN_FLAGS) ? take32(c) : tf->flags;
        /* version 0 makes it unsigned, but writers put negative offsets in
         * both versions; no real offset needs the top bit as a magnitude */
        int32_t cto = (run->flags & TRUN_CTO) ? as_int32(take32(c)) : 0;
        if (i == 0 && (run->flags & TRUN_FIRST_FLAGS))
            flags = run->first_flags;
        if (size > fr->end - pos || dts > INT64_MAX - duration)
            return -EINVAL;
        ts->t->samples[have + i] = (struct vg_mp4_sample){
            .offset = pos,
            .dts = dts,
            .size = size,
            .duration = duration,
            .cto = cto,
            .key = !ts->video || !(flags & SAMPLE_IS_NON_SYNC),
        };
        pos += size;
        dts += duration;
    }
    ts->staged += run->count;
    tf->pos = pos;
    tf->dts = dts;
    return 0;
}

static int parse_traf(struct reader *rd, struct fragment *fr, struct span traf)
{
    struct box b;
    struct traf tf;
    int r = find_child(traf, TYPE_TFHD, &b);
    if (r <= 0)
        return -EINVAL;
    r = parse_tfhd(rd, fr, b.body, &tf);
    if (r < 0)
        return r;
    if (tf.ts) {
        /* without tfdt the track goes on from where it stopped */
        tf.dts = tf.ts->next_dts;
        r = find_child(traf, TYPE_TFDT, &b);
        if (r < 0)
            return r;
        if (r == 1 && parse_tfdt(b.body, &tf.dts) < 0)
            return -EINVAL;
    }
    for (;;) {
        r = next_box(&traf, &b);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        if (b.type != TYPE_TRUN)
            continue;
        struct run run;
        r = parse_run_header(&tf, b.body, &run);
        if (r < 0)
            return r;
        r = tf.ts ? read_run(fr, &tf, &run) : skip_run(&tf, &run);
        if (r < 0)
            return r;
    }
    if (tf.ts)
        tf.ts->next_dts = tf.dts;
    fr->traf_end = tf.pos;
    fr->first_traf = false;
    return 0;
}

static int parse_moof(struct reader *rd, struct fragment *fr, struct span moof)
{
    struct box b;
    int r;
    for (;;) {
        r = next_box(&moof, &b);
        if (r <= 0)
            return r;
        if (b.type != TYPE_TRAF)
            continue;
        r = parse_traf(rd, fr, b.body);
        if (r < 0)
            return r;
    }
}

static void track_commit(struct track_state *ts)
{
    ts->t->count += ts->staged;
    ts->staged = 0;
}

/* The fragment whose moof (header h) is at off. *ret_end is where its mdat
 * ends, or 0 when the fragment is incomplete or malformed: then nothing of
 * it is kept. */
static int read_fragment(struct reader *rd, uint64_t off, const struct box *h, uint64_t *ret_end)
{
    struct source *s = &rd->src;
    *ret_end = 0;
    if (h->size > VG_MP4_MOOF_MAX || s->len - off == h->size)
        return 0;
    uint64_t moof_end = off + h->size;
    uint64_t after = s->len - moof_end;
    size_t moof_len = (size_t)h->size;
    size_t n = moof_len + (after < BOX_HEADER_MAX ? (size_t)after : BOX_HEADER_MAX);
    const uint8_t *p;
    int r = source_get(s, off, n, &p);
    if (r < 0)
        return r;
    struct box mdat;
    if (box_header(p + moof_len, n - moof_len, after, &mdat) < 0 || mdat.type != TYPE_MDAT)
        return 0;

    struct fragment fr = {
        .moof = off,
        .data = moof_end + mdat.header,
        .end = moof_end + mdat.size,
        .first_traf = true,
    };
    r = parse_moof(rd, &fr, (struct span){p + h->header, moof_len - h->header});
    /* when it failed, what it staged stays past the tracks' counts, never
     * committed: the scan ends here */
    if (r < 0)
        return r == -ENOMEM ? r : 0;
    track_commit(&rd->video);
    track_commit(&rd->audio);
    *ret_end = fr.end;
    return 0;
}

static bool skippable_after_moov(uint32_t type)
{
    return type == TYPE_FREE || type == TYPE_SKIP || type == TYPE_STYP || type == TYPE_SIDX ||
           type == TYPE_MDAT;
}

static int read_fragments(struct reader *rd)
{
    uint64_t off = rd->file.moov_end;
    while (off < rd->src.len) {
        struct box h;
        int r = read_header(&rd->src, off, &h);
        if (r < 0)
            return r;
        if (h.size == 0)
            return 0;
        if (skippable_after_moov(h.type)) {
            off += h.size;
            continue;
        }
        if (h.type != TYPE_MOOF)
            return 0;
        uint64_t end;
        r = read_fragment(rd, off, &h, &end);
        if (r < 0)
            return r;
        if (end == 0)
            return 0;
        rd->file.fragments++;
        rd->file.valid_len = end;
        off = end;
    }
    return 0;
}

/* ---- API ---- */

int vg_mp4_read(vg_mp4_read_fn *read, void *arg, uint64_t file_len, struct vg_mp4_file *ret)
{
    struct reader rd = {.src = {.read = read, .arg = arg, .len = file_len}};
    rd.video = (struct track_state){.t = &rd.file.video, .video = true};
    rd.audio = (struct track_state){.t = &rd.file.audio};
    int r = read_moov(&rd);
    if (r < 0)
        goto out;
    r = read_fragments(&rd);
    if (r < 0)
        goto out;
    *ret = rd.file;
out:
    free(rd.src.buf);
    if (r < 0)
        vg_mp4_file_done(&rd.file);
    return r;
}

struct memory {
    const uint8_t *data;
    size_t len;
};

static int read_memory(void *arg, uint64_t offset, uint8_t *buf, size_t len)
{
    const struct memory *m = arg;
    if (offset > m->len || len > m->len - offset)
        return -ENODATA;
    memcpy(buf, m->data + offset, len);
    return 0;
}

int vg_mp4_read_buffer(const uint8_t *data, size_t len, struct vg_mp4_file *ret)
{
    struct memory m = {.data = data, .len = len};
    return vg_mp4_read(read_memory, &m, len, ret);
}

void vg_mp4_file_done(struct vg_mp4_file *f)
{
    track_free(&f->video);
    track_free(&f->audio);
    *f = (struct vg_mp4_file){0};
}

int64_t vg_mp4_track_end(const struct vg_mp4_track *t)
{
    if (t->count == 0)
        return 0;
    const struct vg_mp4_sample *s = &t->samples[t->count - 1];
    return s->dts > INT64_MAX - s->duration ? INT64_MAX : s->dts + s->duration;
}
