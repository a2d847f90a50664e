/* Recordings: days, timeline, segments, play.mp4, thumbnails, deleting a
 * segment, and storage figures. Every file is found through the index
 * (store/segments.h) by camera and time: no request names a path. A camera
 * the user may not see answers 404 like one that does not exist; the
 * recordings of a deleted camera are visible to admins only. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/clock.h"
#include "core/util.h"
#include "core/workers.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/rec_params.h"
#include "http/reply.h"
#include "recording/playback.h"
#include "recording/recorder.h"
#include "recording/thumbnail.h"
#include "store/cameras.h"
#include "store/segments.h"

#define SPAN_JOIN_MS 1000   /* segments this close belong to one span */
#define THUMB_NEAR_MS 60000 /* a thumbnail comes from a segment at most this far */
#define THUMB_WIDTH 320
#define SEND_CHUNK (256 * 1024) /* bytes of play.mp4 read per step */
#define SEND_HIGH_WATER (1u << 20)

/* ---- parameters ------------------------------------------------------------------------- */

/* "2026-11-21T10:00:00.250Z" */
static json_t *iso_ms(int64_t ms)
{
    char out[48];
    vg_time_format_ms(ms, out, sizeof(out));
    return json_string(out);
}

/* The camera named by ?camera=, when the user may see it (or, for a deleted
 * camera's recordings, is an admin). Replies 400/404 and returns false else. */
static bool camera_param(struct vg_req *req, char out[VG_SLUG_MAX])
{
    char buf[VG_SLUG_MAX];
    if (!vg_req_query(req, "camera", buf, sizeof(buf)) || !vg_slug_valid(buf)) {
        vg_reply_error(req, 400, "bad_request", "camera must be a camera id");
        return false;
    }
    struct vg_camera c;
    struct vg_segment any;
    bool visible;
    int r = vg_cameras_get(req->app->db, &req->app->box, buf, &c);
    if (r == 0) {
        visible = vg_authz_camera_visible(&req->user, c.id, c.zone);
        vg_camera_done(&c);
    } else {
        visible = r == -ENOENT && vg_authz_is_admin(&req->user) &&
                  vg_segments_at_or_before(req->app->db, buf, INT64_MAX, &any) == 0;
    }
    if (!visible) {
        vg_reply_error(req, 404, "not_found", "camera not found");
        return false;
    }
    memcpy(out, buf, VG_SLUG_MAX);
    return true;
}

static bool time_param(struct vg_req *req, const char *name, int64_t *ret_ms)
{
    char buf[64];
    if (!vg_req_query(req, name, buf, sizeof(buf)) || vg_parse_time_ms(buf, ret_ms) < 0) {
        vg_reply_error(req, 400, "bad_request",
                       "%s must be Unix milliseconds or an RFC 3339 date-time", name);
        return false;
    }
    return true;
}

static bool range_params(struct vg_req *req, int64_t *from, int64_t *to)
{
    if (!time_param(req, "from", from) || !time_param(req, "to", to))
        return false;
    if (*to <= *from) {
        vg_reply_error(req, 400, "bad_request", "to must be after from");
        return false;
    }
    return true;
}

/* The live segment's index row says where it started; the recorder knows how
 * far it got. */
static void live_view(struct vg_app *app, struct vg_segment *s, bool *ret_live)
{
    *ret_live = false;
    if (!s->open)
        return;
    struct vg_recording_status rs;
    vg_recorder_status(app->recorder, s->camera_id, &rs);
    if (rs.segment_id != s->id)
        return;
    *ret_live = true;
    if (rs.live_end_ms > s->end_ms)
        s->end_ms = rs.live_end_ms;
    s->bytes = rs.live_bytes;
}

static json_t *segment_json(const struct vg_segment *s, bool live)
{
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:s,s:i,s:i,s:b}", "id",
                     (json_int_t)s->id, "camera", s->camera_id, "stream", s->sub ? "sub" : "main",
                     "start", iso_ms(s->start_ms), "end", iso_ms(s->end_ms), "start_ms",
                     (json_int_t)s->start_ms, "end_ms", (json_int_t)s->end_ms, "duration_ms",
                     (json_int_t)(s->end_ms - s->start_ms), "bytes", (json_int_t)s->bytes, "codec",
                     s->codec, "width", (int)s->width, "height", (int)s->height, "live", live);
}

static json_t *span_json(int64_t start, int64_t end, int live)
{
    json_t *o = json_pack("{s:o,s:o,s:I,s:I}", "start", iso_ms(start), "end", iso_ms(end),
                          "start_ms", (json_int_t)start, "end_ms", (json_int_t)end);
    if (o && live >= 0)
        json_object_set_new(o, "live", json_boolean(live));
    return o;
}

/* ---- days, timeline, segments ------------------------------------------------------------ */

void vg_api_recordings_days(struct vg_req *req)
{
    char cam[VG_SLUG_MAX];
    if (!camera_param(req, cam))
        return;
    struct vg_segment_day *days = NULL;
    size_t n = 0;
    int r = vg_segments_days(req->app->db, cam, &days, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "recordings");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s,s:I,s:I,s:I}", "day", days[i].day, "segments",
                                              (json_int_t)days[i].segments, "bytes",
                                              (json_int_t)days[i].bytes, "duration_ms",
                                              (json_int_t)days[i].duration_ms));
    free(days);
    vg_reply_json(req, 200, json_pack("{s:s,s:o}", "camera", cam, "days", list));
}

void vg_api_recordings_timeline(struct vg_req *req)
{
    char cam[VG_SLUG_MAX], day[16];
    int64_t from, to;
    if (!camera_param(req, cam))
        return;
    if (!vg_req_query(req, "day", day, sizeof(day)) || vg_segment_day_bounds(day, &from, &to) < 0) {
        vg_reply_error(req, 400, "bad_request", "day must be a date YYYY-MM-DD");
        return;
    }
    struct vg_segment *segs = NULL;
    size_t n = 0;
    int r = vg_segments_range(req->app->db, cam, from, to, 1000000, &segs, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "recordings");
        return;
    }
    json_t *spans = json_array(), *gaps = json_array();
    int64_t now = vg_wall_us() / 1000, limit = now < to ? now : to;
    int64_t s0 = 0, e0 = 0, prev_end = from;
    bool open = false, live = false;
    for (size_t i = 0; i <= n; i++) {
        bool seg_live = false;
        if (i < n)
            live_view(req->app, &segs[i], &seg_live);
        int64_t s = i < n ? (segs[i].start_ms > from ? segs[i].start_ms : from) : 0;
        int64_t e = i < n ? (segs[i].end_ms < to ? segs[i].end_ms : to) : 0;
        if (open && (i == n || s - e0 > SPAN_JOIN_MS)) {
            if (s0 - prev_end > SPAN_JOIN_MS)
                json_array_append_new(gaps, span_json(prev_end, s0, -1));
            json_array_append_new(spans, span_json(s0, e0, live));
            prev_end = e0;
            open = false;
        }
        if (i == n)
            break;
        if (!open) {
            s0 = s;
            e0 = e;
            live = false;
            open = true;
        }
        if (e > e0)
            e0 = e;
        live = live || seg_live;
    }
    if (n && limit - prev_end > SPAN_JOIN_MS)
        json_array_append_new(gaps, span_json(prev_end, limit, -1));
    free(segs);
    vg_reply_json(req, 200,
                  json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:o,s:o,s:[]}", "camera", cam, "day", day,
                            "from", iso_ms(from), "to", iso_ms(to), "from_ms", (json_int_t)from,
                            "to_ms", (json_int_t)to, "spans", spans, "gaps", gaps, "events"));
}

void vg_api_recordings_segments(struct vg_req *req)
{
    char cam[VG_SLUG_MAX];
    int64_t from, to;
    unsigned limit = 1000;
    if (!camera_param(req, cam) || !range_params(req, &from, &to) ||
        !vg_req_query_uint(req, "limit", 1, 10000, &limit))
        return;
    struct vg_segment *segs = NULL;
    size_t n = 0;
    int r = vg_segments_range(req->app->db, cam, from, to, limit, &segs, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "recordings");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        bool live;
        live_view(req->app, &segs[i], &live);
        json_array_append_new(list, segment_json(&segs[i], live));
    }
    free(segs);
    vg_reply_json(req, 200, json_pack("{s:s,s:o}", "camera", cam, "segments", list));
}

void vg_api_recordings_segment_delete(struct vg_req *req)
{
    int64_t id;
    struct vg_segment s;
    if (!vg_req_param_id(req, "id", &id) || id <= 0) {
        vg_reply_error(req, 400, "bad_request", "id must be a segment number");
        return;
    }
    int r = vg_segments_get(req->app->db, id, &s);
    if (r < 0) {
        vg_reply_errno(req, r, "segment");
        return;
    }
    r = vg_recorder_delete_segment(req->app->recorder, &s);
    if (r == -EBUSY) {
        vg_reply_error(req, 409, "live", "the segment is being recorded");
        return;
    }
    if (r < 0) {
        vg_reply_errno(req, r, "segment");
        return;
    }
    char detail[96];
    snprintf(detail, sizeof(detail), "segment %" PRId64 " from %" PRId64 " to %" PRId64, id,
             s.start_ms, s.end_ms);
    vg_api_audit(req, "recording.delete", s.camera_id, detail);
    vg_reply_empty(req, 204);
}

/* ---- play.mp4 ---------------------------------------------------------------------------- */

struct sender {
    struct evhttp_request *ev;
    struct evhttp_connection *conn;
    struct vg_play *play;
    uint64_t pos, end; /* bytes [pos, end) still to send */
    bool blocked;
};

static void sender_free(struct sender *s)
{
    vg_play_unref(s->play);
    free(s);
}

static void on_send_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct sender *s = arg;
    vg_reply_abandoned(s->ev);
    sender_free(s);
}

static void pump(struct sender *s);

static void on_drained(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct sender *s = arg;
    s->blocked = false;
    pump(s);
}

static void finish_send(struct sender *s, bool complete)
{
    evhttp_connection_set_closecb(s->conn, NULL, NULL);
    /* A file went away under the response: it cannot be finished, so the
     * connection closes short of its Content-Length and the client sees it. */
    if (!complete)
        evhttp_connection_free_on_completion(s->conn);
    evhttp_send_reply_end(s->ev);
    sender_free(s);
}

/* Reads the next bytes from the files and queues them, up to the high-water
 * mark; the drain callback brings it back. */
static void pump(struct sender *s)
{
    if (s->blocked)
        return;
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        finish_send(s, false);
        return;
    }
    while (s->pos < s->end &&
           vg_reply_unsent(s->conn) + evbuffer_get_length(out) < SEND_HIGH_WATER) {
        size_t want = s->end - s->pos < SEND_CHUNK ? (size_t)(s->end - s->pos) : SEND_CHUNK;
        struct evbuffer_iovec v;
        if (evbuffer_reserve_space(out, want, &v, 1) < 1)
            break;
        int64_t n = vg_play_read(s->play, s->pos, v.iov_base, want);
        if (n <= 0) {
            evbuffer_free(out);
            finish_send(s, false);
            return;
        }
        v.iov_len = (size_t)n;
        evbuffer_commit_space(out, &v, 1);
        s->pos += (uint64_t)n;
    }
    bool done = s->pos >= s->end;
    if (evbuffer_get_length(out)) {
        s->blocked = !done;
        evhttp_send_reply_chunk_with_cb(s->ev, out, done ? NULL : on_drained, s);
    }
    evbuffer_free(out);
    if (done)
        finish_send(s, true);
}

static void play_headers(struct vg_req *req, const char *cam, struct vg_play *p, bool download)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);
    char buf[256];
    evhttp_add_header(h, "Content-Type", "video/mp4");
    evhttp_add_header(h, "Accept-Ranges", "bytes");
    evhttp_add_header(h, "Cache-Control", "private, no-cache");
    snprintf(buf, sizeof(buf), "%" PRId64, vg_play_start_ms(p));
    evhttp_add_header(h, "X-Recording-Start", buf);
    snprintf(buf, sizeof(buf), "%" PRId64, vg_play_end_ms(p));
    evhttp_add_header(h, "X-Recording-End", buf);
    evhttp_add_header(h, "Access-Control-Expose-Headers", "X-Recording-Start, X-Recording-End");
    if (download) {
        char a[40], b[40];
        vg_time_format(vg_play_start_ms(p) / 1000, a, sizeof(a));
        vg_time_format(vg_play_end_ms(p) / 1000, b, sizeof(b));
        for (char *c = a; *c; c++)
            *c = *c == ':' ? '-' : *c;
        for (char *c = b; *c; c++)
            *c = *c == ':' ? '-' : *c;
        snprintf(buf, sizeof(buf), "attachment; filename=\"%s_%s_%s.mp4\"", cam, a, b);
        evhttp_add_header(h, "Content-Disposition", buf);
    }
    vg_reply_security_headers(req->ev);
}

static void send_play(struct vg_req *req, struct vg_play *p)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req->ev);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);
    const char *range = evhttp_find_header(in, "Range");
    uint64_t size = vg_play_size(p), first = 0, last = size - 1;
    char buf[96];
    int status = 200;
    int r = range ? vg_parse_range(range, size, &first, &last) : -EINVAL;
    if (r == -ERANGE) {
        snprintf(buf, sizeof(buf), "bytes */%" PRIu64, size);
        evhttp_add_header(h, "Content-Range", buf);
        vg_reply_error(req, 416, "range_not_satisfiable",
                       "the range lies outside the %" PRIu64 " bytes of the file", size);
        vg_play_unref(p);
        return;
    }
    if (r == 0) {
        status = 206;
        snprintf(buf, sizeof(buf), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first, last, size);
        evhttp_add_header(h, "Content-Range", buf);
    } else {
        first = 0;
        last = size - 1;
    }
    snprintf(buf, sizeof(buf), "%" PRIu64, last - first + 1);
    evhttp_add_header(h, "Content-Length", buf);
    struct sender *s = calloc(1, sizeof(*s));
    if (!s) {
        vg_play_unref(p);
        vg_reply_error(req, 500, "internal", "out of memory");
        return;
    }
    *s = (struct sender){.ev = req->ev,
                         .conn = evhttp_request_get_connection(req->ev),
                         .play = p,
                         .pos = first,
                         .end = last + 1};
    evhttp_send_reply_start(req->ev, status, status == 206 ? "Partial Content" : "OK");
    evhttp_connection_set_closecb(s->conn, on_send_close, s);
    pump(s);
}

void vg_api_recordings_play(struct vg_req *req)
{
    char cam[VG_SLUG_MAX];
    int64_t from, to;
    unsigned download = 0;
    if (!camera_param(req, cam) || !range_params(req, &from, &to) ||
        !vg_req_query_uint(req, "download", 0, 1, &download))
        return;
    if (to - from > VG_PLAY_MAX_MS) {
        vg_reply_error(req, 400, "range_too_long", "a play range is at most 6 hours");
        return;
    }
    struct vg_play *p = NULL;
    int r = vg_play_build(req->app->db, req->app->recordings_dir, cam, from, to, &p);
    if (r == -ENOENT) {
        vg_reply_error(req, 404, "not_found", "nothing is recorded in that range");
        return;
    }
    if (r < 0) {
        vg_reply_error(req, 500, "internal", "cannot lay out the recording: %s", strerror(-r));
        return;
    }
    play_headers(req, cam, p, download == 1);
    send_play(req, p);
}

/* ---- thumbnails -------------------------------------------------------------------------- */

struct thumb_job {
    struct vg_app *app;
    struct evhttp_request *ev; /* NULL once the client left */
    struct evhttp_connection *conn;
    int64_t segment_id, start_ms, at_ms;
    unsigned width;
    char path[PATH_MAX];
    struct vg_jpeg *jpeg;
    int err;
};

static void thumb_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct thumb_job *j = arg;
    vg_reply_abandoned(j->ev);
    j->ev = NULL;
}

static void thumb_work(void *arg)
{
    struct thumb_job *j = arg;
    j->err = vg_thumbs_make(j->app->thumbs, j->segment_id, j->path, j->start_ms, j->at_ms, j->width,
                            &j->jpeg);
}

static void thumb_done(void *arg, bool cancelled)
{
    struct thumb_job *j = arg;
    if (j->ev) {
        evhttp_connection_set_closecb(j->conn, NULL, NULL);
        if (cancelled || j->err < 0 || !j->jpeg) {
            int status = cancelled ? 503 : j->err == -ENOENT ? 404 : 500;
            vg_reply_error_ev(j->ev, status, "%s",
                              cancelled           ? "shutting down"
                              : j->err == -ENOENT ? "no picture recorded near that moment"
                                                  : "cannot decode the recording");
        } else {
            struct evkeyvalq *h = evhttp_request_get_output_headers(j->ev);
            evhttp_add_header(h, "Content-Type", "image/jpeg");
            evhttp_add_header(h, "Cache-Control", "private, max-age=3600");
            vg_reply_security_headers(j->ev);
            struct evbuffer *b = evbuffer_new();
            if (b) {
                evbuffer_add(b, j->jpeg->data, j->jpeg->len);
                evhttp_send_reply(j->ev, 200, "OK", b);
                evbuffer_free(b);
            } else {
                evhttp_send_error(j->ev, 500, NULL);
            }
        }
    }
    vg_jpeg_unref(&j->jpeg);
    free(j);
}

static const struct vg_job_ops thumb_ops = {.work = thumb_work, .done = thumb_done};

/* The segment that covers at_ms, else the nearest within THUMB_NEAR_MS. */
static int thumb_segment(struct vg_app *app, const char *cam, int64_t at, struct vg_segment *ret)
{
    struct vg_segment before, after;
    bool live;
    int rb = vg_segments_at_or_before(app->db, cam, at, &before);
    if (rb == 0) {
        live_view(app, &before, &live);
        if (at <= before.end_ms + THUMB_NEAR_MS) {
            *ret = before;
            return 0;
        }
    }
    int ra = vg_segments_after(app->db, cam, at, &after);
    if (ra == 0 && after.start_ms - at <= THUMB_NEAR_MS) {
        *ret = after;
        return 0;
    }
    return rb < 0 && rb != -ENOENT ? rb : ra < 0 && ra != -ENOENT ? ra : -ENOENT;
}

void vg_api_recordings_thumbnail(struct vg_req *req)
{
    char cam[VG_SLUG_MAX];
    int64_t at;
    unsigned width = THUMB_WIDTH;
    if (!camera_param(req, cam) || !time_param(req, "at", &at) ||
        !vg_req_query_uint(req, "width", VG_JPEG_WIDTH_MIN, VG_JPEG_WIDTH_MAX, &width))
        return;
    struct vg_segment s;
    int r = thumb_segment(req->app, cam, at, &s);
    if (r == -ENOENT) {
        vg_reply_error(req, 404, "not_found", "nothing is recorded near that moment");
        return;
    }
    struct thumb_job *j = r == 0 ? calloc(1, sizeof(*j)) : NULL;
    if (!j) {
        vg_reply_errno(req, r < 0 ? r : -ENOMEM, "recordings");
        return;
    }
    *j = (struct thumb_job){.app = req->app,
                            .ev = req->ev,
                            .conn = evhttp_request_get_connection(req->ev),
                            .segment_id = s.id,
                            .start_ms = s.start_ms,
                            .at_ms = at,
                            .width = width};
    snprintf(j->path, sizeof(j->path), "%s/%s", req->app->recordings_dir, s.path);
    r = vg_workers_submit(req->app->media_workers, &thumb_ops, j);
    if (r < 0) {
        free(j);
        vg_reply_error(req, 503, "service_unavailable", "too many pictures at once; try again");
        return;
    }
    evhttp_connection_set_closecb(j->conn, thumb_closed, j);
}

/* ---- storage ----------------------------------------------------------------------------- */

static json_t *retention_json(const struct vg_config *cfg)
{
    return json_pack("{s:f,s:i,s:i,s:i}", "max_storage_gb", (double)cfg->max_storage_bytes / 1e9,
                     "max_age_days", (int)cfg->max_age_days, "min_free_percent",
                     (int)cfg->min_free_percent, "segment_seconds", (int)cfg->segment_seconds);
}

static json_t *ms_or_null(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

static json_t *storage_camera(struct vg_app *app, const char *id, const char *name,
                              uint32_t retention_days, const struct vg_segment_usage *u,
                              uint64_t *used, int64_t *oldest)
{
    struct vg_recording_status rs;
    vg_recorder_status(app->recorder, id, &rs);
    uint64_t bytes = (u ? u->bytes : 0) + rs.live_bytes;
    *used += bytes;
    if (u && u->oldest_ms && (!*oldest || u->oldest_ms < *oldest))
        *oldest = u->oldest_ms;
    int64_t newest = u ? u->newest_ms : 0;
    if (rs.live_end_ms > newest)
        newest = rs.live_end_ms;
    return json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:i,s:o}", "camera", id, "name", name, "bytes",
                     (json_int_t)bytes, "segments", (json_int_t)(u ? u->segments : 0), "oldest_ms",
                     ms_or_null(u ? u->oldest_ms : 0), "newest_ms", ms_or_null(newest),
                     "retention_days", (int)retention_days, "recording",
                     vg_api_recording_status_json(app, id));
}

static const struct vg_segment_usage *find_usage(const struct vg_segment_usage *u, size_t n,
                                                 const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(u[i].camera_id, id) == 0)
            return &u[i];
    return NULL;
}

void vg_api_storage(struct vg_req *req)
{
    struct vg_app *app = req->app;
    struct vg_segment_usage *u = NULL;
    struct vg_camera *cams = NULL;
    size_t nu = 0, nc = 0;
    int r = vg_segments_usage(app->db, &u, &nu);
    r = r ? r : vg_cameras_list(app->db, &app->box, NULL, &cams, &nc);
    if (r < 0) {
        free(u);
        vg_reply_errno(req, r, "storage");
        return;
    }
    json_t *list = json_array();
    uint64_t used = 0;
    int64_t oldest = 0;
    for (size_t i = 0; i < nc; i++) {
        const struct vg_segment_usage *cu = find_usage(u, nu, cams[i].id);
        if (!vg_authz_camera_visible(&req->user, cams[i].id, cams[i].zone) ||
            (!cu && !cams[i].record))
            continue;
        json_array_append_new(list, storage_camera(app, cams[i].id, cams[i].name,
                                                   cams[i].retention_days, cu, &used, &oldest));
    }
    /* recordings of deleted cameras, until retention takes them */
    for (size_t i = 0; vg_authz_is_admin(&req->user) && i < nu; i++) {
        bool known = false;
        for (size_t k = 0; k < nc && !known; k++)
            known = strcmp(cams[k].id, u[i].camera_id) == 0;
        if (!known)
            json_array_append_new(list, storage_camera(app, u[i].camera_id, u[i].camera_id, 0,
                                                       &u[i], &used, &oldest));
    }
    vg_cameras_free_list(cams, nc);
    free(u);
    uint64_t total = 0, avail = 0;
    vg_disk_space(app->recordings_dir, &total, &avail);
    vg_reply_json(req, 200,
                  json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o}", "total_bytes", (json_int_t)total,
                            "free_bytes", (json_int_t)avail, "used_bytes", (json_int_t)used,
                            "retention", retention_json(app->cfg), "oldest",
                            oldest ? iso_ms(oldest) : json_null(), "oldest_ms", ms_or_null(oldest),
                            "cameras", list));
}
