/* Fragmented MP4 reader over arbitrary files. Whatever it accepts must hold
 * together: every sample inside [moov_end, valid_len), audio samples key,
 * decode times that do not overflow; reading the file cut at valid_len must
 * give the same result (what was kept did not depend on what followed); a
 * read failing anywhere gives that error or, when the byte is never read,
 * the same result as without the failure. The callback aborts on a read
 * outside the file. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recording/mp4_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct file {
    const uint8_t *data;
    size_t len;
    uint64_t fail_at; /* a read covering this byte fails with -EIO */
};

static int read_file(void *arg, uint64_t offset, uint8_t *buf, size_t len)
{
    const struct file *f = arg;
    if (offset > f->len || len > f->len - offset || len == 0)
        abort();
    if (f->fail_at >= offset && f->fail_at - offset < len)
        return -EIO;
    memcpy(buf, f->data + offset, len);
    return 0;
}

static void check_track(const struct vg_mp4_file *f, const struct vg_mp4_track *t, bool audio)
{
    if (t->track_id == 0) {
        if (t->count || t->stsd || t->config || t->samples)
            abort();
        return;
    }
    if (t->timescale == 0 || !t->stsd || t->stsd_len < 16 || t->stsd_len > VG_MP4_STSD_MAX ||
        memcmp(t->stsd + 4, "stsd", 4) != 0 || t->count > VG_MP4_SAMPLES_MAX)
        abort();
    if (t->format[4] != '\0' || (audio && t->config))
        abort();
    for (size_t i = 0; i < t->count; i++) {
        const struct vg_mp4_sample *s = &t->samples[i];
        if (s->offset < f->moov_end || s->offset > f->valid_len ||
            s->size > f->valid_len - s->offset)
            abort();
        if (s->dts < 0 || s->dts > INT64_MAX - s->duration || (audio && !s->key))
            abort();
    }
    (void)vg_mp4_track_end(t);
}

static bool same_track(const struct vg_mp4_track *a, const struct vg_mp4_track *b)
{
    if (a->track_id != b->track_id || a->count != b->count || a->stsd_len != b->stsd_len ||
        a->config_len != b->config_len || a->width != b->width || a->height != b->height)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const struct vg_mp4_sample *x = &a->samples[i], *y = &b->samples[i];
        if (x->offset != y->offset || x->dts != y->dts || x->size != y->size ||
            x->duration != y->duration || x->cto != y->cto || x->key != y->key)
            return false;
    }
    return true;
}

static bool same_file(const struct vg_mp4_file *a, const struct vg_mp4_file *b)
{
    return a->moov_end == b->moov_end && a->valid_len == b->valid_len &&
           a->fragments == b->fragments && same_track(&a->video, &b->video) &&
           same_track(&a->audio, &b->audio);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    /* a copy of the exact size, so that reading past it is caught */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);

    struct file whole = {.data = copy, .len = size, .fail_at = UINT64_MAX};
    struct vg_mp4_file f;
    int r = vg_mp4_read(read_file, &whole, size, &f);
    if (r != 0 && r != -EINVAL && r != -ENOMEM)
        abort();
    if (r == 0) {
        if (f.moov_end > f.valid_len || f.valid_len > size)
            abort();
        if (f.fragments == 0 && f.valid_len != f.moov_end)
            abort();
        if (!f.video.track_id && !f.audio.track_id)
            abort();
        if (f.video.track_id && f.video.track_id == f.audio.track_id)
            abort();
        check_track(&f, &f.video, false);
        check_track(&f, &f.audio, true);

        struct vg_mp4_file cut;
        struct file prefix = {.data = copy, .len = (size_t)f.valid_len, .fail_at = UINT64_MAX};
        if (vg_mp4_read(read_file, &prefix, f.valid_len, &cut) != 0)
            abort();
        if (!same_file(&f, &cut))
            abort();
        vg_mp4_file_done(&cut);
    }

    struct file failing = {.data = copy, .len = size, .fail_at = size ? size / 3 : 0};
    struct vg_mp4_file g;
    int rf = vg_mp4_read(read_file, &failing, size, &g);
    if (rf == 0) {
        if (r != 0 || !same_file(&f, &g))
            abort();
        vg_mp4_file_done(&g);
    } else if (rf != -EIO && rf != r) {
        abort();
    }

    if (r == 0)
        vg_mp4_file_done(&f);
    free(copy);
    return 0;
}
