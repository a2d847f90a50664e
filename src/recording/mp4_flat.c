/* The header of a flat MP4 over recorded samples. The sample tables are
 * written straight from the runs, a pass over a track's samples per table,
 * so nothing but the header itself is allocated. */
#include "recording/mp4_flat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "media/mp4_box.h"

/* mvhd and tkhd durations are in milliseconds, as most muxers write them. */
#define MOVIE_TIMESCALE 1000

/* What the boxes of one track need to know before they are written. */
struct track_plan {
    uint64_t samples;
    uint64_t duration;   /* media timescale */
    size_t chunks;       /* runs of the track */
    uint64_t last_chunk; /* where its last run starts in the mdat payload */
    bool all_key;
    bool any_cto, negative_cto;
    bool same_size; /* every sample has the first one's size */
    uint32_t size;  /* the first sample's size */
    bool co64;      /* chunk offsets need 64 bits */
};

struct plan {
    struct track_plan t[2];
    uint64_t payload; /* mdat payload bytes: every run's */
};

/* ---- checks ---- */

static bool stsd_ok(const struct vg_mp4_flat_track *t)
{
    /* header, version/flags, entry_count: copied as it is, it must at least
     * be one box */
    if (!t->stsd || t->stsd_len < 16 || t->stsd_len > UINT32_MAX)
        return false;
    return vg_be32(t->stsd) == t->stsd_len && memcmp(t->stsd + 4, "stsd", 4) == 0;
}

static int check_tracks(const struct vg_mp4_flat_track tracks[2])
{
    if (!tracks[0].present && !tracks[1].present)
        return -EINVAL;
    for (size_t i = 0; i < 2; i++) {
        const struct vg_mp4_flat_track *t = &tracks[i];
        if (!t->present)
            continue;
        if (t->timescale == 0 || !stsd_ok(t))
            return -EINVAL;
        /* tkhd holds them as 16.16 fixed point */
        if (t->video && (t->width > UINT16_MAX || t->height > UINT16_MAX))
            return -EINVAL;
    }
    return 0;
}

static int check_runs(const struct vg_mp4_flat_track tracks[2], const struct vg_mp4_run *runs,
                      size_t run_count)
{
    bool seen[2] = {false, false};
    for (size_t i = 0; i < run_count; i++) {
        const struct vg_mp4_run *r = &runs[i];
        if (r->track > 1 || !tracks[r->track].present || r->count == 0 || !r->samples)
            return -EINVAL;
        /* a player starts decoding at the first sample */
        if (!seen[r->track] && tracks[r->track].video && !r->samples[0].key)
            return -EINVAL;
        seen[r->track] = true;
    }
    return 0;
}

/* ---- planning ---- */

static uint64_t run_bytes(const struct vg_mp4_run *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->samples[i].size;
    return n;
}

static void plan_samples(struct track_plan *t, const struct vg_mp4_run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        const struct vg_mp4_sample *s = &r->samples[i];
        if (t->samples == 0) {
            t->same_size = true;
            t->size = s->size;
        }
        t->samples++;
        t->duration += s->duration;
        t->all_key &= s->key;
        t->any_cto |= s->cto != 0;
        t->negative_cto |= s->cto < 0;
        t->same_size &= s->size == t->size;
    }
}

/* Sums up each track and the payload. -EINVAL when a track has more samples
 * than the tables can count or the file would exceed 64-bit sizes. */
static int plan_runs(const struct vg_mp4_run *runs, size_t run_count, struct plan *p)
{
    memset(p, 0, sizeof(*p));
    p->t[0].all_key = p->t[1].all_key = true;
    for (size_t i = 0; i < run_count; i++) {
        const struct vg_mp4_run *r = &runs[i];
        struct track_plan *t = &p->t[r->track];
        /* stsz, stts and stsc count in 32 bits; within that bound the
         * durations cannot overflow 64 */
        if (r->count > UINT32_MAX - t->samples)
            return -EINVAL;
        uint64_t bytes = run_bytes(r);
        if (bytes > UINT64_MAX / 2 - p->payload)
            return -EINVAL;
        t->chunks++;
        t->last_chunk = p->payload;
        p->payload += bytes;
        plan_samples(t, r);
    }
    return 0;
}

/* Once the header's length with 32-bit chunk offsets is known (base), the
 * tracks whose last chunk lies beyond 4 GiB get 64-bit ones. That lengthens
 * the header and moves every chunk, which may push another track over: repeat
 * until nothing changes (at most once per track). Returns the header's final
 * length. */
static uint64_t settle_offsets(struct plan *p, uint64_t base)
{
    uint64_t len = base;
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < 2; i++) {
            struct track_plan *t = &p->t[i];
            if (t->co64 || t->chunks == 0 || len + t->last_chunk <= UINT32_MAX)
                continue;
            t->co64 = true;
            len += 4 * (uint64_t)t->chunks;
            changed = true;
        }
    }
    return len;
}

static uint64_t movie_duration(uint64_t duration, uint32_t timescale)
{
    uint64_t whole = duration / timescale, rest = duration % timescale;
    if (whole > UINT64_MAX / MOVIE_TIMESCALE - 1)
        return UINT64_MAX;
    /* rounded up, so the movie is never shorter than its media */
    return whole * MOVIE_TIMESCALE + (rest * MOVIE_TIMESCALE + timescale - 1) / timescale;
}

/* ---- sample tables ---- */

/* The runs of one track, for the table writers. */
struct track_runs {
    unsigned track;
    const struct vg_mp4_run *runs;
    size_t count;
};

/* Walks the samples of one track in order, across its runs. */
struct sample_iter {
    const struct track_runs *tr;
    size_t run, index;
};

static const struct vg_mp4_sample *next_sample(struct sample_iter *it)
{
    const struct track_runs *tr = it->tr;
    for (; it->run < tr->count; it->run++, it->index = 0) {
        const struct vg_mp4_run *r = &tr->runs[it->run];
        if (r->track == tr->track && it->index < r->count)
            return &r->samples[it->index++];
    }
    return NULL;
}

static const struct vg_mp4_sample *first_sample(struct sample_iter *it, const struct track_runs *tr)
{
    *it = (struct sample_iter){.tr = tr};
    return next_sample(it);
}

/* A run-length coded table (stts, ctts): (sample_count, value) entries. */
struct rle {
    size_t count_at; /* where entry_count goes */
    uint32_t entries;
    uint32_t same; /* samples in the open entry */
    uint32_t value;
};

static void rle_begin(struct vg_mp4box *w, struct rle *t)
{
    *t = (struct rle){.count_at = w->len};
    vg_mp4box_put_u32(w, 0); /* entry_count, patched by rle_end() */
}

static void rle_close_entry(struct vg_mp4box *w, struct rle *t)
{
    if (!t->same)
        return;
    vg_mp4box_put_u32(w, t->same);
    vg_mp4box_put_u32(w, t->value);
    t->entries++;
}

static void rle_add(struct vg_mp4box *w, struct rle *t, uint32_t value)
{
    if (t->same && value == t->value) {
        t->same++;
        return;
    }
    rle_close_entry(w, t);
    t->same = 1;
    t->value = value;
}

static void rle_end(struct vg_mp4box *w, struct rle *t)
{
    rle_close_entry(w, t);
    vg_mp4box_patch_u32(w, t->count_at, t->entries);
}

/* stts: sample durations. */
static void put_stts(struct vg_mp4box *w, const struct track_runs *tr)
{
    size_t at = vg_mp4box_full_begin(w, "stts", 0, 0);
    struct rle t;
    struct sample_iter it;
    rle_begin(w, &t);
    for (const struct vg_mp4_sample *s = first_sample(&it, tr); s; s = next_sample(&it))
        rle_add(w, &t, s->duration);
    rle_end(w, &t);
    vg_mp4box_end(w, at);
}

/* ctts: composition offsets; version 1 makes them signed. */
static void put_ctts(struct vg_mp4box *w, const struct track_runs *tr, bool negative)
{
    size_t at = vg_mp4box_full_begin(w, "ctts", negative ? 1 : 0, 0);
    struct rle t;
    struct sample_iter it;
    rle_begin(w, &t);
    for (const struct vg_mp4_sample *s = first_sample(&it, tr); s; s = next_sample(&it))
        rle_add(w, &t, (uint32_t)s->cto);
    rle_end(w, &t);
    vg_mp4box_end(w, at);
}

/* stss: the 1-based numbers of the sync samples. */
static void put_stss(struct vg_mp4box *w, const struct track_runs *tr)
{
    size_t at = vg_mp4box_full_begin(w, "stss", 0, 0);
    size_t count_at = w->len;
    vg_mp4box_put_u32(w, 0);
    uint32_t entries = 0, number = 1;
    struct sample_iter it;
    for (const struct vg_mp4_sample *s = first_sample(&it, tr); s; s = next_sample(&it), number++) {
        if (!s->key)
            continue;
        vg_mp4box_put_u32(w, number);
        entries++;
    }
    vg_mp4box_patch_u32(w, count_at, entries);
    vg_mp4box_end(w, at);
}

/* stsc: a run is a chunk; an entry starts wherever the samples per chunk
 * change. */
static void put_stsc(struct vg_mp4box *w, const struct track_runs *tr)
{
    size_t at = vg_mp4box_full_begin(w, "stsc", 0, 0);
    size_t count_at = w->len;
    vg_mp4box_put_u32(w, 0);
    uint32_t entries = 0, chunk = 0;
    size_t last = 0;
    for (size_t i = 0; i < tr->count; i++) {
        const struct vg_mp4_run *r = &tr->runs[i];
        if (r->track != tr->track)
            continue;
        chunk++;
        if (r->count == last)
            continue;
        vg_mp4box_put_u32(w, chunk);
        vg_mp4box_put_u32(w, (uint32_t)r->count);
        vg_mp4box_put_u32(w, 1); /* sample_description_index */
        entries++;
        last = r->count;
    }
    vg_mp4box_patch_u32(w, count_at, entries);
    vg_mp4box_end(w, at);
}

/* stsz: one size for all when they are equal, else a table. */
static void put_stsz(struct vg_mp4box *w, const struct track_runs *tr, const struct track_plan *t)
{
    size_t at = vg_mp4box_full_begin(w, "stsz", 0, 0);
    bool constant = t->samples > 0 && t->same_size;
    vg_mp4box_put_u32(w, constant ? t->size : 0);
    vg_mp4box_put_u32(w, (uint32_t)t->samples);
    struct sample_iter it;
    if (!constant)
        for (const struct vg_mp4_sample *s = first_sample(&it, tr); s; s = next_sample(&it))
            vg_mp4box_put_u32(w, s->size);
    vg_mp4box_end(w, at);
}

/* stco or co64: where each run starts in the file. */
static void put_chunk_offsets(struct vg_mp4box *w, const struct track_runs *tr,
                              const struct track_plan *t, uint64_t header_len)
{
    size_t at = vg_mp4box_full_begin(w, t->co64 ? "co64" : "stco", 0, 0);
    vg_mp4box_put_u32(w, (uint32_t)t->chunks);
    uint64_t offset = header_len;
    for (size_t i = 0; i < tr->count; i++) {
        const struct vg_mp4_run *r = &tr->runs[i];
        if (r->track == tr->track) {
            if (t->co64)
                vg_mp4box_put_u64(w, offset);
            else
                vg_mp4box_put_u32(w, (uint32_t)offset); /* exact once settled */
        }
        offset += run_bytes(r);
    }
    vg_mp4box_end(w, at);
}

/* ---- boxes ---- */

static void put_stbl(struct vg_mp4box *w, const struct vg_mp4_flat_track *track,
                     const struct track_runs *tr, const struct track_plan *t, uint64_t header_len)
{
    size_t stbl = vg_mp4box_begin(w, "stbl");
    vg_mp4box_put_bytes(w, track->stsd, track->stsd_len);
    put_stts(w, tr);
    if (t->any_cto)
        put_ctts(w, tr, t->negative_cto);
    /* without stss every sample is a sync sample */
    if (track->video && !t->all_key)
        put_stss(w, tr);
    put_stsc(w, tr);
    put_stsz(w, tr, t);
    put_chunk_offsets(w, tr, t, header_len);
    vg_mp4box_end(w, stbl);
}

static void put_trak(struct vg_mp4box *w, const struct vg_mp4_flat_track *track,
                     const struct track_runs *tr, const struct track_plan *t, uint64_t header_len)
{
    size_t trak = vg_mp4box_begin(w, "trak");
    vg_mp4box_put_tkhd(
        w, VG_MP4BOX_TRACK_ENABLED | VG_MP4BOX_TRACK_IN_MOVIE | VG_MP4BOX_TRACK_IN_PREVIEW,
        tr->track + 1, movie_duration(t->duration, track->timescale), track->video, track->width,
        track->height);
    size_t mdia = vg_mp4box_begin(w, "mdia");
    vg_mp4box_put_mdhd(w, track->timescale, t->duration);
    vg_mp4box_put_hdlr(w, track->video);
    size_t minf = vg_mp4box_begin(w, "minf");
    vg_mp4box_put_media_header(w, track->video);
    vg_mp4box_put_dinf(w);
    put_stbl(w, track, tr, t, header_len);
    vg_mp4box_end(w, minf);
    vg_mp4box_end(w, mdia);
    vg_mp4box_end(w, trak);
}

static void put_ftyp(struct vg_mp4box *w)
{
    size_t at = vg_mp4box_begin(w, "ftyp");
    vg_mp4box_put_type(w, "isom");
    vg_mp4box_put_u32(w, 0x200); /* minor_version, as ffmpeg writes it */
    vg_mp4box_put_type(w, "isom");
    vg_mp4box_put_type(w, "iso2");
    vg_mp4box_put_type(w, "avc1");
    vg_mp4box_put_type(w, "mp41");
    vg_mp4box_end(w, at);
}

static void put_mdat_header(struct vg_mp4box *w, uint64_t payload)
{
    if (payload <= UINT32_MAX - 8) {
        vg_mp4box_put_u32(w, (uint32_t)(8 + payload));
        vg_mp4box_put_type(w, "mdat");
        return;
    }
    vg_mp4box_put_u32(w, 1); /* the size follows in 64 bits */
    vg_mp4box_put_type(w, "mdat");
    vg_mp4box_put_u64(w, 16 + payload);
}

/* ftyp, moov, mdat header, with the chunk offsets counted from header_len. */
static void put_header(struct vg_mp4box *w, const struct vg_mp4_flat_track tracks[2],
                       const struct vg_mp4_run *runs, size_t run_count, const struct plan *p,
                       uint64_t header_len)
{
    put_ftyp(w);
    size_t moov = vg_mp4box_begin(w, "moov");
    uint64_t longest = 0;
    for (size_t i = 0; i < 2; i++) {
        uint64_t d = tracks[i].present ? movie_duration(p->t[i].duration, tracks[i].timescale) : 0;
        longest = d > longest ? d : longest;
    }
    /* track ids are the index + 1: video 1, audio 2, as in the segments */
    vg_mp4box_put_mvhd(w, MOVIE_TIMESCALE, longest, tracks[1].present ? 3 : 2);
    for (unsigned i = 0; i < 2; i++) {
        struct track_runs tr = {.track = i, .runs = runs, .count = run_count};
        if (tracks[i].present)
            put_trak(w, &tracks[i], &tr, &p->t[i], header_len);
    }
    vg_mp4box_end(w, moov);
    put_mdat_header(w, p->payload);
}

int vg_mp4_flat_header(const struct vg_mp4_flat_track tracks[2], const struct vg_mp4_run *runs,
                       size_t run_count, uint8_t **ret_header, size_t *ret_header_len,
                       uint64_t *ret_total_len)
{
    struct vg_mp4box w = {.grow = true};
    struct plan p;
    int r = check_tracks(tracks);
    if (r < 0)
        goto out;
    r = check_runs(tracks, runs, run_count);
    if (r < 0)
        goto out;
    r = plan_runs(runs, run_count, &p);
    if (r < 0)
        goto out;

    /* the offsets' values do not change the length, their width does: write
     * once with 32-bit ones to measure, settle, then write for real */
    put_header(&w, tracks, runs, run_count, &p, 0);
    uint64_t header_len = settle_offsets(&p, w.len);
    w.len = 0;
    put_header(&w, tracks, runs, run_count, &p, header_len);
    if (w.failed) {
        r = -ENOMEM;
        goto out;
    }
    *ret_header = w.p;
    *ret_header_len = w.len;
    *ret_total_len = w.len + p.payload;
    w.p = NULL;
out:
    free(w.p);
    return r;
}
