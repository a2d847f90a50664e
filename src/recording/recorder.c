#include "recording/recorder.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/util.h"
#include "core/workers.h"
#include "hub/hub.h"
#include "media/fmp4.h"
#include "recording/writer.h"
#include "store/cameras.h"
#include "store/segments.h"

#define FRAGMENT_S 1             /* a fragment holds about this much of the primary track */
#define FRAGMENT_WAIT_US 1500000 /* a fragment older than this is written even if incomplete */
#define QUIET_US 3000000         /* no frame for this long: the run has ended (a gap) */
#define RUN_BREAK_S 10           /* timestamps jumping this far start a new run */
#define RETRY_US 5000000 /* after a failed write, the next segment is tried this much later */
#define PENDING_MAX (64u << 20) /* bytes a camera may have waiting for the disk */
#define QUEUE_MAX 100000        /* writer jobs */

struct segment {
    unsigned refs; /* the camera's while current, and one per queued job */
    int64_t id;
    char rel[VG_SEGMENT_PATH_MAX];
    char path[PATH_MAX];
    int64_t start_ms, first_dts;
    uint32_t timescale;
    int64_t origin[2]; /* per track, the decode time written as 0: the file starts at 0 */
    uint32_t seq;
    int64_t queued_end_dts;  /* loop: end of what was queued */
    int64_t written_end_dts; /* loop: end of what reached the file */
    unsigned written;        /* loop: fragments that reached the file */
    uint64_t written_bytes;  /* loop: bytes that reached the file */
    /* Writer thread only (the loop reads them once every job is done). */
    int fd;
    bool broken;
    uint64_t size;
    unsigned fragments;
};

struct cam {
    struct vg_recorder *rec;
    struct cam *next;
    char id[VG_SLUG_MAX];
    char stream_id[VG_SLUG_MAX + 4];
    bool sub;
    bool stopping; /* no longer recorded: freed once its jobs are done */
    unsigned pending;
    uint64_t pending_bytes;
    struct vg_reader *reader;
    struct segment *seg;
    uint32_t seg_gen; /* params generation of seg */
    /* the fragment being gathered */
    struct vg_frame **frames;
    size_t nframes, cap;
    bool frag_primary; /* it holds a primary-track frame */
    int64_t frag_start_dts, frag_first_us;
    /* the run */
    bool in_run;
    int64_t run_ms, run_dts;
    uint32_t run_timescale;
    bool have_last[2];
    int64_t last_dts[2];
    int64_t last_frame_us;
    int64_t last_end_ms; /* end of the newest closed segment: the next never starts before */
    int64_t retry_at_us;
    enum vg_rec_state state;
    char reason[160];
};

enum job_kind { JOB_OPEN, JOB_APPEND, JOB_CLOSE, JOB_REMOVE };

struct job {
    enum job_kind kind;
    struct vg_recorder *rec;
    struct cam *cam; /* NULL for JOB_REMOVE */
    struct segment *seg;
    uint8_t *head; /* open: the init segment; append: moof + mdat header */
    size_t head_len;
    struct vg_frame **frames; /* append: in mdat order */
    size_t nframes;
    uint64_t total;
    int64_t end_dts;
    char *path; /* remove */
    int err;
};

struct vg_recorder {
    struct event_base *base;
    char *dir;
    unsigned segment_seconds;
    struct vg_db *db;
    struct vg_hub *hub;
    void (*on_disk_full)(void *arg);
    void (*on_closed)(void *arg, uint64_t bytes);
    void *arg;
    struct vg_workers *writer; /* one thread: jobs run in order */
    struct event *tick;
    struct cam *cams;
};

const char *vg_rec_state_name(enum vg_rec_state s)
{
    switch (s) {
    case VG_REC_OFF:
        return "off";
    case VG_REC_WAITING:
        return "waiting";
    case VG_REC_RECORDING:
        return "recording";
    case VG_REC_ERROR:
        return "recording error";
    }
    return "off";
}

/* ---- segments and jobs ------------------------------------------------------------------ */

static void segment_unref(struct segment *s)
{
    if (s && --s->refs == 0)
        free(s);
}

static int64_t segment_ms(const struct segment *s, int64_t dts)
{
    int64_t d = dts > s->first_dts ? dts - s->first_dts : 0;
    return s->start_ms + d * 1000 / s->timescale;
}

static void job_free(struct job *j)
{
    for (size_t i = 0; i < j->nframes; i++)
        vg_frame_unref(&j->frames[i]);
    free(j->frames);
    free(j->head);
    free(j->path);
    free(j);
}

static void work_append(struct job *j)
{
    struct segment *s = j->seg;
    if (s->broken || s->fd < 0) {
        j->err = -ECANCELED;
        return;
    }
    struct iovec *iov = calloc(j->nframes + 1, sizeof(*iov));
    if (!iov) {
        j->err = -ENOMEM;
        return;
    }
    iov[0] = (struct iovec){.iov_base = j->head, .iov_len = j->head_len};
    for (size_t i = 0; i < j->nframes; i++)
        iov[i + 1] = (struct iovec){.iov_base = j->frames[i]->data, .iov_len = j->frames[i]->len};
    j->err = vg_segment_file_append(s->fd, s->size, iov, j->nframes + 1, j->total);
    free(iov);
    if (j->err == 0) {
        s->size += j->total;
        s->fragments++;
    } else {
        s->broken = true;
    }
}

/* Writer thread. */
static void job_work(void *arg)
{
    struct job *j = arg;
    struct segment *s = j->seg;
    switch (j->kind) {
    case JOB_OPEN:
        j->err = vg_segment_file_create(s->path, j->head, j->head_len, &s->fd);
        if (j->err == 0)
            s->size = j->head_len;
        else
            s->broken = true;
        break;
    case JOB_APPEND:
        work_append(j);
        break;
    case JOB_CLOSE:
        if (s->fd >= 0) {
            j->err = vg_segment_file_close(s->fd);
            s->fd = -1;
            if (s->fragments == 0)
                vg_segment_file_remove(j->rec->dir, s->path);
        }
        break;
    case JOB_REMOVE:
        j->err = vg_segment_file_remove(j->rec->dir, j->path);
        break;
    }
}

static void job_done(void *arg, bool cancelled);
static const struct vg_job_ops job_ops = {.work = job_work, .done = job_done};

static int submit(struct vg_recorder *rec, struct job *j)
{
    int r = vg_workers_submit(rec->writer, &job_ops, j);
    if (r < 0)
        return r;
    if (j->cam) {
        j->cam->pending++;
        j->cam->pending_bytes += j->total;
    }
    if (j->seg)
        j->seg->refs++;
    return 0;
}

/* ---- a camera's state ------------------------------------------------------------------- */

static void set_state(struct cam *c, enum vg_rec_state st, const char *reason)
{
    if (st == VG_REC_ERROR && c->state != VG_REC_ERROR)
        vg_log_write(VG_LOG_ERROR, "recording", c->id, "recording error: %s", reason);
    else if (st == VG_REC_RECORDING && c->state == VG_REC_ERROR)
        vg_log_write(VG_LOG_INFO, "recording", c->id, "recording again");
    c->state = st;
    vg_strlcpy(c->reason, sizeof(c->reason), reason ? reason : "");
}

static void drop_frames(struct cam *c)
{
    for (size_t i = 0; i < c->nframes; i++)
        vg_frame_unref(&c->frames[i]);
    c->nframes = 0;
    c->frag_primary = false;
}

static bool has_video(const struct vg_stream_params *p)
{
    return p->video.codec != VG_CODEC_NONE;
}

static bool is_primary(const struct vg_frame *f)
{
    return (f->track == VG_TRACK_VIDEO) == has_video(f->params);
}

static uint32_t track_timescale(const struct vg_stream_params *p, enum vg_track t)
{
    const struct vg_track_params *tp = t == VG_TRACK_VIDEO ? &p->video : &p->audio;
    return tp->timescale ? tp->timescale : 1;
}

/* The fragment gathered so far goes to the writer. */
static void flush_fragment(struct cam *c)
{
    struct segment *s = c->seg;
    if (!c->nframes)
        return;
    if (!s) {
        drop_frames(c);
        return;
    }
    struct job *j = calloc(1, sizeof(*j));
    size_t cap = VG_FMP4_RUN_HEADER_MAX(c->nframes);
    uint8_t *head = malloc(cap);
    struct vg_frame **frames = malloc(c->nframes * sizeof(*frames));
    size_t len =
        head ? vg_fmp4_fragment_run(s->seq + 1, c->frames, c->nframes, s->origin, head, cap) : 0;
    if (!j || !frames || len == 0) {
        vg_log_write(VG_LOG_WARN, "recording", c->id, "a fragment of %zu frames was dropped: %s",
                     c->nframes, len == 0 && head ? "MP4 cannot describe it" : "out of memory");
        free(j);
        free(head);
        free(frames);
        drop_frames(c);
        return;
    }
    s->seq++;
    /* mdat order: every video frame, then every audio frame */
    size_t n = 0;
    uint64_t total = len;
    int64_t end = s->queued_end_dts;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < c->nframes; i++) {
            struct vg_frame *f = c->frames[i];
            if ((int)f->track != t)
                continue;
            frames[n++] = f;
            total += f->len;
            if (is_primary(f) && f->dts + f->duration > end)
                end = f->dts + f->duration;
        }
    }
    *j = (struct job){.kind = JOB_APPEND,
                      .rec = c->rec,
                      .cam = c,
                      .seg = s,
                      .head = head,
                      .head_len = len,
                      .frames = frames,
                      .nframes = n,
                      .total = total,
                      .end_dts = end};
    c->nframes = 0;
    c->frag_primary = false;
    if (c->pending_bytes + total > PENDING_MAX || submit(c->rec, j) < 0) {
        job_free(j);
        char why[160];
        snprintf(why, sizeof(why), "the disk is too slow: %llu MB wait to be written",
                 (unsigned long long)(c->pending_bytes >> 20));
        set_state(c, VG_REC_ERROR, why);
        c->retry_at_us = vg_mono_us() + RETRY_US;
        return;
    }
    s->queued_end_dts = end;
}

static void end_segment(struct cam *c)
{
    struct segment *s = c->seg;
    if (!s)
        return;
    flush_fragment(c);
    c->seg = NULL;
    int64_t end = segment_ms(s, s->queued_end_dts);
    if (end > c->last_end_ms)
        c->last_end_ms = end;
    struct job *j = calloc(1, sizeof(*j));
    if (j) {
        *j = (struct job){.kind = JOB_CLOSE, .rec = c->rec, .cam = c, .seg = s};
        if (submit(c->rec, j) < 0) {
            free(j);
            j = NULL;
        }
    }
    /* Without its close job the row stays open; repair closes it at the next start. */
    if (!j)
        vg_log_write(VG_LOG_ERROR, "recording", c->id, "cannot close %s", s->rel);
    segment_unref(s);
}

/* "<camera>/<day>/<HHMMSS>[-N].mp4" from the local time of start_ms. */
static void segment_name(const struct cam *c, int64_t start_ms, unsigned n, char *out, size_t len)
{
    time_t t = (time_t)(start_ms / 1000);
    struct tm tm;
    char day[11], hms[7];
    if (!localtime_r(&t, &tm) || strftime(hms, sizeof(hms), "%H%M%S", &tm) != 6)
        snprintf(hms, sizeof(hms), "000000");
    vg_segment_day_of(start_ms, day);
    if (n)
        snprintf(out, len, "%s/%s/%s-%u.mp4", c->id, day, hms, n);
    else
        snprintf(out, len, "%s/%s/%s.mp4", c->id, day, hms);
}

/* The index row, under a name not taken yet (two segments may start in the
 * same second after a restart, or in the hour a DST change repeats). */
static int insert_row(struct cam *c, struct segment *s, const struct vg_stream_params *p)
{
    struct vg_segment row = {.sub = c->sub,
                             .start_ms = s->start_ms,
                             .end_ms = s->start_ms,
                             .width = p->video.width,
                             .height = p->video.height,
                             .open = true};
    vg_strlcpy(row.camera_id, sizeof(row.camera_id), c->id);
    vg_strlcpy(row.codec, sizeof(row.codec),
               has_video(p) ? p->video.codec_string : vg_codec_name(p->audio.codec));
    int r = -EEXIST;
    for (unsigned n = 0; n < 100 && r == -EEXIST; n++) {
        segment_name(c, s->start_ms, n, s->rel, sizeof(s->rel));
        vg_strlcpy(row.path, sizeof(row.path), s->rel);
        r = vg_segments_insert(c->rec->db, &row);
        if (r == -EEXIST || r == -EINVAL)
            r = -EEXIST; /* a UNIQUE violation reads as either */
    }
    s->id = row.id;
    return r;
}

static void start_segment(struct cam *c, struct vg_frame *f)
{
    const struct vg_stream_params *p = f->params;
    uint32_t ts = track_timescale(p, f->track);
    int64_t start;
    if (c->in_run && c->run_timescale == ts) {
        start = c->run_ms + (f->dts - c->run_dts) * 1000 / ts;
    } else {
        start = (f->received_us > 0 ? f->received_us : vg_wall_us()) / 1000;
        c->in_run = false;
    }
    if (start < c->last_end_ms)
        start = c->last_end_ms;
    if (!c->in_run) {
        c->in_run = true;
        c->run_ms = start;
        c->run_dts = f->dts;
        c->run_timescale = ts;
    }

    struct segment *s = calloc(1, sizeof(*s));
    uint8_t *init = NULL;
    size_t init_len = 0;
    struct job *j = calloc(1, sizeof(*j));
    char why[160] = "";
    int r = s && j ? 0 : -ENOMEM;
    r = r ? r : vg_fmp4_init_segment(p, &init, &init_len);
    if (r == 0) {
        *s = (struct segment){.refs = 1,
                              .start_ms = start,
                              .first_dts = f->dts,
                              .timescale = ts,
                              .queued_end_dts = f->dts,
                              .written_end_dts = f->dts,
                              .fd = -1};
        /* the other track's origin is the same instant in its own timescale */
        int other = f->track == VG_TRACK_VIDEO ? 1 : 0;
        s->origin[f->track == VG_TRACK_VIDEO ? 0 : 1] = f->dts;
        s->origin[other] = f->dts * track_timescale(p, (enum vg_track)other) / (int64_t)ts;
        r = insert_row(c, s, p);
        if (r < 0)
            snprintf(why, sizeof(why), "cannot index the segment: %s", strerror(-r));
    } else {
        snprintf(why, sizeof(why), "cannot package the stream: %s", strerror(-r));
    }
    if (r == 0) {
        snprintf(s->path, sizeof(s->path), "%s/%s", c->rec->dir, s->rel);
        *j = (struct job){.kind = JOB_OPEN,
                          .rec = c->rec,
                          .cam = c,
                          .seg = s,
                          .head = init,
                          .head_len = init_len,
                          .total = init_len};
        r = submit(c->rec, j);
        if (r < 0) {
            vg_segments_delete(c->rec->db, s->id);
            snprintf(why, sizeof(why), "the writer refused the segment: %s", strerror(-r));
        }
    }
    if (r < 0) {
        set_state(c, VG_REC_ERROR, why);
        c->retry_at_us = vg_mono_us() + RETRY_US;
        free(init);
        free(j);
        free(s);
        return;
    }
    c->seg = s;
    c->seg_gen = f->params_gen;
    if (c->state != VG_REC_ERROR && c->state != VG_REC_RECORDING)
        set_state(c, VG_REC_WAITING, "starting a segment");
}

/* ---- frames ----------------------------------------------------------------------------- */

/* A frame whose timestamps do not follow its track's previous one ends the run. */
static bool breaks_run(struct cam *c, const struct vg_frame *f)
{
    int t = (int)f->track;
    bool brk = c->have_last[t] && (f->dts < c->last_dts[t] ||
                                   f->dts - c->last_dts[t] >
                                       (int64_t)RUN_BREAK_S * track_timescale(f->params, f->track));
    c->have_last[t] = true;
    c->last_dts[t] = f->dts;
    return brk;
}

static bool wanted(const struct vg_frame *f)
{
    if (!f->params)
        return false;
    if (f->track == VG_TRACK_AUDIO)
        return vg_fmp4_carries(f->params, VG_TRACK_AUDIO);
    return has_video(f->params);
}

static void on_frame(struct cam *c, struct vg_frame *f)
{
    int64_t now = vg_mono_us();
    if (!wanted(f)) {
        vg_frame_unref(&f);
        return;
    }
    c->last_frame_us = now;
    bool primary = is_primary(f);
    if (breaks_run(c, f)) {
        end_segment(c);
        c->in_run = false;
    } else if (c->seg && f->params_gen != c->seg_gen) {
        end_segment(c); /* new parameters, new init segment: the run goes on */
    }
    if (c->seg && primary && f->key &&
        f->dts - c->seg->first_dts >= (int64_t)c->rec->segment_seconds * c->seg->timescale)
        end_segment(c);
    if (!c->seg && primary && f->key && now >= c->retry_at_us)
        start_segment(c, f);
    /* sound from just before the segment's first picture belongs to the one before */
    if (!c->seg || f->dts < c->seg->origin[f->track == VG_TRACK_VIDEO ? 0 : 1]) {
        vg_frame_unref(&f);
        return;
    }
    if (primary && c->frag_primary &&
        f->dts - c->frag_start_dts >= (int64_t)FRAGMENT_S * c->seg->timescale)
        flush_fragment(c);
    if (c->nframes == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct vg_frame **nf = realloc(c->frames, cap * sizeof(*nf));
        if (!nf) {
            vg_frame_unref(&f);
            return;
        }
        c->frames = nf;
        c->cap = cap;
    }
    if (!c->nframes)
        c->frag_first_us = now;
    if (primary && !c->frag_primary) {
        c->frag_primary = true;
        c->frag_start_dts = f->dts;
    }
    c->frames[c->nframes++] = f;
}

static void on_data(void *arg)
{
    struct cam *c = arg;
    struct vg_frame *f;
    while (vg_reader_next(c->reader, &f) == 1)
        on_frame(c, f);
}

/* ---- job results (loop) ----------------------------------------------------------------- */

static void cam_free(struct cam *c)
{
    drop_frames(c);
    free(c->frames);
    free(c);
}

static void job_failed(struct job *j)
{
    struct cam *c = j->cam;
    char why[400];
    bool full = j->err == -ENOSPC || j->err == -EDQUOT;
    if (full)
        snprintf(why, sizeof(why), "no space left on the disk (%s)", j->seg->rel);
    else
        snprintf(why, sizeof(why), "%s %s: %s",
                 j->kind == JOB_OPEN ? "cannot create" : "cannot write", j->seg->rel,
                 strerror(-j->err));
    if (full && j->rec->on_disk_full)
        j->rec->on_disk_full(j->rec->arg);
    set_state(c, VG_REC_ERROR, why);
    c->retry_at_us = vg_mono_us() + RETRY_US;
    if (c->seg == j->seg)
        end_segment(c);
}

static void close_row(struct job *j)
{
    struct segment *s = j->seg;
    struct vg_db *db = j->rec->db;
    int r;
    if (s->written == 0)
        r = vg_segments_delete(db, s->id);
    else
        r = vg_segments_finish(db, s->id, segment_ms(s, s->written_end_dts), s->size, false);
    if (r < 0 && r != -ENOENT)
        vg_log_write(VG_LOG_ERROR, "recording", j->cam ? j->cam->id : NULL, "cannot index %s: %s",
                     s->rel, strerror(-r));
    else if (r == 0 && s->written && j->rec->on_closed)
        j->rec->on_closed(j->rec->arg, s->size);
}

static void job_done(void *arg, bool cancelled)
{
    struct job *j = arg;
    struct cam *c = j->cam;
    /* The recorder is being freed: what was queued is still written, here. */
    if (cancelled)
        job_work(j);
    if (c) {
        c->pending--;
        c->pending_bytes -= j->total;
    }
    if (j->kind == JOB_OPEN && j->err == 0)
        j->seg->written_bytes = j->total;
    if (j->kind == JOB_APPEND && j->err == 0) {
        j->seg->written_bytes += j->total;
        j->seg->written++;
        j->seg->written_end_dts = j->end_dts;
        if (c && c->seg == j->seg && c->state != VG_REC_RECORDING)
            set_state(c, VG_REC_RECORDING, "");
    } else if (j->kind == JOB_CLOSE) {
        close_row(j);
    } else if (j->kind == JOB_REMOVE && j->err < 0) {
        vg_warn("recording", "cannot remove %s: %s", j->path, strerror(-j->err));
    }
    if (c && j->err < 0 && j->err != -ECANCELED && j->kind != JOB_CLOSE)
        job_failed(j);
    segment_unref(j->seg);
    job_free(j);
    if (c && c->stopping && c->pending == 0)
        cam_free(c);
}

/* ---- cameras ---------------------------------------------------------------------------- */

static void cam_stop(struct cam *c)
{
    end_segment(c);
    drop_frames(c);
    c->reader = vg_reader_free(c->reader);
    vg_hub_release(c->rec->hub, c->stream_id);
    c->stopping = true;
    if (c->pending == 0)
        cam_free(c);
}

static int cam_start(struct vg_recorder *rec, const struct vg_camera *cam)
{
    struct cam *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->rec = rec;
    vg_strlcpy(c->id, sizeof(c->id), cam->id);
    c->sub = cam->record_sub && cam->sub_url && cam->sub_url[0];
    snprintf(c->stream_id, sizeof(c->stream_id), "%s%s", cam->id, c->sub ? ".sub" : "");
    c->state = VG_REC_WAITING;
    vg_strlcpy(c->reason, sizeof(c->reason), "waiting for the first picture");
    struct vg_stream *stream;
    int r = vg_hub_acquire(rec->hub, c->stream_id, &stream);
    if (r == 0) {
        c->reader = vg_reader_new(stream, on_data, c);
        if (!c->reader) {
            vg_hub_release(rec->hub, c->stream_id);
            r = -ENOMEM;
        }
    }
    if (r < 0) {
        free(c);
        return r;
    }
    c->next = rec->cams;
    rec->cams = c;
    vg_log_write(VG_LOG_INFO, "recording", c->id, "recording the %s stream",
                 c->sub ? "sub" : "main");
    return 0;
}

static const struct vg_camera *find_camera(const struct vg_camera *cams, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cams[i].id, id) == 0)
            return &cams[i];
    return NULL;
}

static struct cam *find_cam(struct vg_recorder *r, const char *id)
{
    for (struct cam *c = r->cams; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static bool records(const struct vg_camera *cam)
{
    return cam && cam->enabled && cam->record;
}

void vg_recorder_sync(struct vg_recorder *r, const struct vg_camera *cams, size_t count)
{
    for (struct cam **pp = &r->cams; *pp;) {
        struct cam *c = *pp;
        const struct vg_camera *cam = find_camera(cams, count, c->id);
        bool sub = cam && cam->record_sub && cam->sub_url && cam->sub_url[0];
        if (records(cam) && sub == c->sub) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        vg_log_write(VG_LOG_INFO, "recording", c->id, "recording stops");
        cam_stop(c);
    }
    for (size_t i = 0; i < count; i++) {
        if (!records(&cams[i]) || find_cam(r, cams[i].id))
            continue;
        int e = cam_start(r, &cams[i]);
        if (e < 0)
            vg_log_write(VG_LOG_ERROR, "recording", cams[i].id, "cannot record: %s", strerror(-e));
    }
}

/* Once a second: writes out fragments a slow source leaves waiting, and ends
 * the run of a camera whose pictures stopped (the index then shows the gap). */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_recorder *r = arg;
    int64_t now = vg_mono_us();
    for (struct cam *c = r->cams; c; c = c->next) {
        if (c->nframes && now - c->frag_first_us > FRAGMENT_WAIT_US)
            flush_fragment(c);
        if (c->seg && now - c->last_frame_us > QUIET_US) {
            end_segment(c);
            c->in_run = false;
            c->have_last[0] = c->have_last[1] = false;
            if (c->state == VG_REC_RECORDING)
                set_state(c, VG_REC_WAITING, "no pictures from the camera");
        }
    }
}

int vg_recorder_new(struct event_base *base, const struct vg_recorder_config *cfg,
                    struct vg_recorder **ret_recorder)
{
    struct vg_recorder *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    *r = (struct vg_recorder){.base = base,
                              .segment_seconds = cfg->segment_seconds,
                              .db = cfg->db,
                              .hub = cfg->hub,
                              .on_disk_full = cfg->on_disk_full,
                              .on_closed = cfg->on_closed,
                              .arg = cfg->arg};
    r->dir = strdup(cfg->dir);
    int e = r->dir ? vg_workers_new(base, 1, QUEUE_MAX, &r->writer) : -ENOMEM;
    if (e == 0) {
        r->tick = event_new(base, -1, EV_PERSIST, on_tick, r);
        struct timeval tv = {.tv_sec = 1};
        e = r->tick && event_add(r->tick, &tv) == 0 ? 0 : -ENOMEM;
    }
    if (e < 0) {
        vg_recorder_free(r);
        return e;
    }
    *ret_recorder = r;
    return 0;
}

struct vg_recorder *vg_recorder_free(struct vg_recorder *r)
{
    if (!r)
        return NULL;
    while (r->cams) {
        struct cam *c = r->cams;
        r->cams = c->next;
        cam_stop(c);
    }
    /* Runs what is queued (the last fragments, the closes) before returning. */
    r->writer = vg_workers_free(r->writer);
    if (r->tick)
        event_free(r->tick);
    free(r->dir);
    free(r);
    return NULL;
}

void vg_recorder_status(struct vg_recorder *r, const char *camera_id,
                        struct vg_recording_status *ret)
{
    *ret = (struct vg_recording_status){.state = VG_REC_OFF};
    struct cam *c = r ? find_cam(r, camera_id) : NULL;
    if (!c)
        return;
    ret->state = c->state;
    vg_strlcpy(ret->reason, sizeof(ret->reason), c->reason);
    if (c->seg) {
        ret->segment_id = c->seg->id;
        ret->segment_start_ms = c->seg->start_ms;
        ret->live_end_ms = segment_ms(c->seg, c->seg->written_end_dts);
        ret->live_bytes = c->seg->written_bytes;
    }
}

bool vg_recorder_segment_live(struct vg_recorder *r, int64_t segment_id)
{
    for (struct cam *c = r ? r->cams : NULL; c; c = c->next)
        if (c->seg && c->seg->id == segment_id)
            return true;
    return false;
}

static int remove_file(struct vg_recorder *r, const char *rel_path)
{
    struct job *j = calloc(1, sizeof(*j));
    size_t n = strlen(r->dir) + strlen(rel_path) + 2;
    char *path = malloc(n);
    if (!j || !path) {
        free(j);
        free(path);
        return -ENOMEM;
    }
    snprintf(path, n, "%s/%s", r->dir, rel_path);
    *j = (struct job){.kind = JOB_REMOVE, .rec = r, .path = path};
    int e = submit(r, j);
    if (e < 0)
        job_free(j);
    return e;
}

int vg_recorder_delete_segment(struct vg_recorder *r, const struct vg_segment *s)
{
    /* An open row that is not live is being closed: its close job runs before
     * the removal queued here, and finds its row gone. */
    if (vg_recorder_segment_live(r, s->id))
        return -EBUSY;
    int e = vg_segments_delete(r->db, s->id);
    if (e == 0 && remove_file(r, s->path) < 0)
        vg_warn("recording", "cannot queue the removal of %s", s->path);
    return e;
}

const char *vg_recorder_dir(const struct vg_recorder *r)
{
    return r->dir;
}
