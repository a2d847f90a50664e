#include "recording/playback.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "recording/mp4_flat.h"
#include "recording/segment_read.h"
#include "store/segments.h"

/* Segments one play may span: 6 h of the shortest segments (1 s). */
#define SEGMENTS_MAX 25000

/* Bytes [offset, offset + len) of source `source` are at `at` in the output. */
struct piece {
    uint64_t at;
    uint32_t source;
    uint64_t offset, len;
};

struct vg_play {
    unsigned refs;
    uint8_t *header;
    size_t header_len;
    struct piece *pieces;
    size_t npieces, cap;
    char **paths; /* per source */
    size_t nsources;
    uint64_t total;
    int64_t start_ms, end_ms;
    /* the file read last, kept open: reads are mostly sequential */
    int fd;
    uint32_t fd_source;
};

/* What the layout is built from: each segment read back, the tracks of the
 * output and the runs over the segments' samples. */
struct build {
    const struct vg_segment *segs;
    struct vg_mp4_file *files;
    size_t nfiles;
    struct vg_mp4_flat_track tracks[2];
    const struct vg_mp4_file *first; /* its sample descriptions are the output's */
    struct vg_mp4_run *runs;
    size_t nruns, cap;
    uint64_t run_end; /* file offset just past the last run's bytes */
    int64_t from_ms, to_ms;
    int64_t start_ms;       /* wall time of the first video sample taken; INT64_MIN before */
    uint64_t primary_units; /* primary track duration taken, in its timescale */
};

static bool same_stsd(const struct vg_mp4_track *a, const struct vg_mp4_track *b)
{
    return a->stsd_len == b->stsd_len &&
           (a->stsd_len == 0 || memcmp(a->stsd, b->stsd, a->stsd_len) == 0);
}

static bool same_shape(const struct vg_mp4_file *a, const struct vg_mp4_file *b)
{
    return (a->video.track_id != 0) == (b->video.track_id != 0) &&
           (a->audio.track_id != 0) == (b->audio.track_id != 0) &&
           same_stsd(&a->video, &b->video) && same_stsd(&a->audio, &b->audio);
}

static void set_track(struct vg_mp4_flat_track *out, const struct vg_mp4_track *t, bool video)
{
    *out = (struct vg_mp4_flat_track){.present = t->track_id != 0 && t->count > 0,
                                      .video = video,
                                      .timescale = t->timescale,
                                      .width = t->width,
                                      .height = t->height,
                                      .stsd = t->stsd,
                                      .stsd_len = t->stsd_len};
}

static int64_t sample_ms(const struct build *b, size_t i, const struct vg_mp4_track *t,
                         const struct vg_mp4_sample *s)
{
    return vg_segment_sample_ms(&b->files[i], b->segs[i].start_ms, t, s);
}

static int add_sample(struct build *b, unsigned track, uint32_t source,
                      const struct vg_mp4_sample *s)
{
    struct vg_mp4_run *last = b->nruns ? &b->runs[b->nruns - 1] : NULL;
    bool follows = last && last->track == track && last->source == source &&
                   last->samples + last->count == s && b->run_end == s->offset;
    b->run_end = s->offset + s->size;
    if (follows) {
        last->count++;
        return 0;
    }
    if (b->nruns == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct vg_mp4_run *nr = realloc(b->runs, cap * sizeof(*nr));
        if (!nr)
            return -ENOMEM;
        b->runs = nr;
        b->cap = cap;
    }
    b->runs[b->nruns++] = (struct vg_mp4_run){
        .track = track, .source = source, .offset = s->offset, .samples = s, .count = 1};
    return 0;
}

/* The samples of track t in [*lo, *hi) to take from segment i. */
static void select_range(struct build *b, size_t i, const struct vg_mp4_track *t, bool primary,
                         size_t *lo, size_t *hi)
{
    size_t a = 0, n = t->count;
    if (primary && b->start_ms == INT64_MIN) /* the first: from the keyframe at or before from */
        a = vg_segment_keyframe_at(&b->files[i], b->segs[i].start_ms, t, b->from_ms);
    else if (!primary)
        while (a < n && sample_ms(b, i, t, &t->samples[a]) < b->start_ms)
            a++;
    size_t e = a;
    while (e < n && sample_ms(b, i, t, &t->samples[e]) < b->to_ms)
        e++;
    *lo = a;
    *hi = e;
}

/* Takes segment i's samples in range, both tracks merged in file order. */
static int take_segment(struct build *b, size_t i)
{
    const struct vg_mp4_file *f = &b->files[i];
    const struct vg_mp4_track *p = vg_segment_primary(f);
    const struct vg_mp4_track *v = b->tracks[0].present ? &f->video : NULL;
    const struct vg_mp4_track *a = b->tracks[1].present ? &f->audio : NULL;
    size_t vi = 0, ve = 0, ai = 0, ae = 0;
    if (v)
        select_range(b, i, v, true, &vi, &ve);
    if (!v && a)
        select_range(b, i, a, true, &ai, &ae);
    if (vi == ve && (v || ai == ae))
        return 0;
    if (b->start_ms == INT64_MIN)
        b->start_ms = sample_ms(b, i, p, &p->samples[v ? vi : ai]);
    if (v && a)
        select_range(b, i, a, false, &ai, &ae);
    for (size_t k = (v ? vi : ai); k < (v ? ve : ae); k++)
        b->primary_units += p->samples[k].duration;
    while (vi < ve || ai < ae) {
        bool video = vi < ve && (ai >= ae || v->samples[vi].offset < a->samples[ai].offset);
        int r = video ? add_sample(b, 0, (uint32_t)i, &v->samples[vi++])
                      : add_sample(b, 1, (uint32_t)i, &a->samples[ai++]);
        if (r < 0)
            return r;
    }
    return 0;
}

static int add_piece(struct vg_play *p, uint32_t source, uint64_t offset, uint64_t len)
{
    struct piece *last = p->npieces ? &p->pieces[p->npieces - 1] : NULL;
    if (last && last->source == source && last->offset + last->len == offset) {
        last->len += len;
        return 0;
    }
    uint64_t at = last ? last->at + last->len : p->header_len;
    if (p->npieces == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct piece *np = realloc(p->pieces, cap * sizeof(*np));
        if (!np)
            return -ENOMEM;
        p->pieces = np;
        p->cap = cap;
    }
    p->pieces[p->npieces++] =
        (struct piece){.at = at, .source = source, .offset = offset, .len = len};
    return 0;
}

static int lay_out(struct build *b, const char *dir, struct vg_play *p)
{
    int r = vg_mp4_flat_header(b->tracks, b->runs, b->nruns, &p->header, &p->header_len, &p->total);
    for (size_t i = 0; r == 0 && i < b->nruns; i++) {
        uint64_t len = 0;
        for (size_t k = 0; k < b->runs[i].count; k++)
            len += b->runs[i].samples[k].size;
        r = add_piece(p, b->runs[i].source, b->runs[i].offset, len);
    }
    p->nsources = b->nfiles;
    p->paths = r == 0 ? calloc(b->nfiles ? b->nfiles : 1, sizeof(*p->paths)) : NULL;
    if (r == 0 && !p->paths)
        r = -ENOMEM;
    for (size_t i = 0; r == 0 && i < b->nfiles; i++) {
        size_t n = strlen(dir) + strlen(b->segs[i].path) + 2;
        p->paths[i] = malloc(n);
        if (!p->paths[i])
            r = -ENOMEM;
        else
            snprintf(p->paths[i], n, "%s/%s", dir, b->segs[i].path);
    }
    const struct vg_mp4_flat_track *pt = b->tracks[0].present ? &b->tracks[0] : &b->tracks[1];
    p->start_ms = b->start_ms;
    p->end_ms = b->start_ms + (int64_t)(b->primary_units * 1000 / pt->timescale);
    return r;
}

static int read_segments(struct build *b, const char *dir)
{
    for (size_t i = 0; i < b->nfiles; i++) {
        char path[PATH_MAX];
        uint64_t size;
        snprintf(path, sizeof(path), "%s/%s", dir, b->segs[i].path);
        int r = vg_segment_read(path, &b->files[i], &size);
        if (r == -ENOMEM)
            return r;
        const struct vg_mp4_track *t = r == 0 ? vg_segment_primary(&b->files[i]) : NULL;
        if (!t || !t->count) {
            if (r < 0)
                vg_log_write(VG_LOG_WARN, "recording", b->segs[i].camera_id, "cannot read %s: %s",
                             b->segs[i].path, strerror(-r));
            vg_mp4_file_done(&b->files[i]);
            continue;
        }
        if (!b->first) {
            b->first = &b->files[i];
            set_track(&b->tracks[0], &b->files[i].video, true);
            set_track(&b->tracks[1], &b->files[i].audio, false);
        } else if (!same_shape(b->first, &b->files[i])) {
            b->nfiles = i; /* the codec changed: the file ends before it */
            vg_mp4_file_done(&b->files[i]);
            break;
        }
        r = take_segment(b, i);
        if (r < 0)
            return r;
    }
    return 0;
}

int vg_play_build(struct vg_db *db, const char *dir, const char *camera_id, int64_t from_ms,
                  int64_t to_ms, struct vg_play **ret_play)
{
    if (to_ms <= from_ms || to_ms - from_ms > VG_PLAY_MAX_MS)
        return -ERANGE;
    struct vg_segment *segs = NULL;
    size_t n = 0;
    int r = vg_segments_range(db, camera_id, from_ms, to_ms, SEGMENTS_MAX, &segs, &n);
    if (r < 0)
        return r;
    struct build b = {
        .segs = segs, .nfiles = n, .from_ms = from_ms, .to_ms = to_ms, .start_ms = INT64_MIN};
    struct vg_play *p = calloc(1, sizeof(*p));
    b.files = calloc(n ? n : 1, sizeof(*b.files));
    if (!p || !b.files)
        r = -ENOMEM;
    r = r ? r : read_segments(&b, dir);
    if (r == 0 && b.nruns == 0)
        r = -ENOENT;
    if (r == 0) {
        p->refs = 1;
        p->fd = -1;
        r = lay_out(&b, dir, p);
    }
    for (size_t i = 0; b.files && i < n; i++)
        vg_mp4_file_done(&b.files[i]);
    free(b.files);
    free(b.runs);
    free(segs);
    if (r < 0 && p) {
        p->refs = 1;
        p->fd = -1;
        vg_play_unref(p);
        return r;
    }
    *ret_play = p;
    return 0;
}

struct vg_play *vg_play_ref(struct vg_play *p)
{
    p->refs++;
    return p;
}

void vg_play_unref(struct vg_play *p)
{
    if (!p || --p->refs)
        return;
    if (p->fd >= 0)
        close(p->fd);
    for (size_t i = 0; p->paths && i < p->nsources; i++)
        free(p->paths[i]);
    free(p->paths);
    free(p->pieces);
    free(p->header);
    free(p);
}

uint64_t vg_play_size(const struct vg_play *p)
{
    return p->total;
}

int64_t vg_play_start_ms(const struct vg_play *p)
{
    return p->start_ms;
}

int64_t vg_play_end_ms(const struct vg_play *p)
{
    return p->end_ms;
}

static const struct piece *find_piece(const struct vg_play *p, uint64_t offset)
{
    size_t lo = 0, hi = p->npieces;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->pieces[mid].at + p->pieces[mid].len <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->npieces ? &p->pieces[lo] : NULL;
}

static int source_fd(struct vg_play *p, uint32_t source)
{
    if (p->fd >= 0 && p->fd_source == source)
        return p->fd;
    if (p->fd >= 0)
        close(p->fd);
    p->fd = open(p->paths[source], O_RDONLY | O_CLOEXEC);
    p->fd_source = source;
    return p->fd >= 0 ? p->fd : -errno;
}

int64_t vg_play_read(struct vg_play *p, uint64_t offset, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len && offset < p->total) {
        size_t want = len - done;
        if (offset < p->header_len) {
            size_t n =
                p->header_len - (size_t)offset < want ? p->header_len - (size_t)offset : want;
            memcpy(buf + done, p->header + offset, n);
            done += n;
            offset += n;
            continue;
        }
        const struct piece *pc = find_piece(p, offset);
        if (!pc)
            return -EIO;
        uint64_t in = offset - pc->at;
        if (pc->len - in < want)
            want = (size_t)(pc->len - in);
        int fd = source_fd(p, pc->source);
        if (fd < 0)
            return fd;
        ssize_t n = pread(fd, buf + done, want, (off_t)(pc->offset + in));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ENODATA; /* the file is shorter than its index says */
        done += (size_t)n;
        offset += (uint64_t)n;
    }
    return (int64_t)done;
}
