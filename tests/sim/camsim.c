/* camsim: the RTSP camera simulator the tests use, on gst-rtsp-server.
 *
 * Clips are encoded once with ffmpeg (and cached in a directory), held in memory split into
 * access units, and pushed through appsrc at real-time pace: a camera then costs almost no
 * CPU, where live x264 encoding would cost a sixth of a core and skew every measurement.
 * Each mount is a shared media, one pipeline however many clients, like a real camera, and
 * every pipeline start is printed so that tests can count upstream sessions. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

/* A multiple of the 2 s GOP and of every access unit duration (40 ms, 66.7 ms, 64 ms for
 * AAC at 16 kHz, 20 ms for PCMA), so that every track loops exactly on the same instant. */
#define CLIP_SECONDS 16
#define CLIP_SECONDS_STR "16"
/* Part of every cached file name: change it when an encoding parameter changes. */
#define CLIP_CACHE_TAG "v2"
#define PCMA_PACKET_BYTES 160 /* 20 ms at 8 kHz */
#define DEFAULT_PORT 8554
/* SIGTERM must end the process within a second, as a camera losing power would. */
#define STOP_WAIT_MS 500

enum codec { CODEC_H264, CODEC_H265, CODEC_AAC, CODEC_PCMA };

enum clip_id { CLIP_MAIN, CLIP_SUB, CLIP_HEVC, CLIP_AAC, CLIP_PCMA, CLIP_COUNT, CLIP_NONE = -1 };

struct clip_desc {
    const char *file; /* name in the clip directory */
    enum codec codec;
    int units_per_sec; /* one access unit lasts unit_den / units_per_sec seconds */
    int unit_den;
    const char *input;  /* ffmpeg lavfi source */
    const char *encode; /* ffmpeg output arguments, separated by single spaces */
};

/* No B-frames (like most cameras), so decode order is presentation order; an access unit
 * delimiter before every picture and parameter sets before every key frame. */
static const struct clip_desc CLIPS[CLIP_COUNT] = {
    [CLIP_MAIN] = {.file = "h264-1280x720-25-high-" CLIP_CACHE_TAG ".h264",
                   .codec = CODEC_H264,
                   .units_per_sec = 25,
                   .unit_den = 1,
                   .input = "testsrc2=size=1280x720:rate=25",
                   .encode = "-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p "
                             "-b:v 2M -maxrate 2M -bufsize 2M -g 50 -keyint_min 50 "
                             "-sc_threshold 0 -bf 0 -x264-params aud=1:repeat-headers=1 -f h264"},
    [CLIP_SUB] = {.file = "h264-640x360-15-baseline-" CLIP_CACHE_TAG ".h264",
                  .codec = CODEC_H264,
                  .units_per_sec = 15,
                  .unit_den = 1,
                  .input = "testsrc2=size=640x360:rate=15",
                  .encode = "-c:v libx264 -preset veryfast -profile:v baseline -pix_fmt yuv420p "
                            "-b:v 500k -maxrate 500k -bufsize 500k -g 30 -keyint_min 30 "
                            "-sc_threshold 0 -x264-params aud=1:repeat-headers=1 -f h264"},
    [CLIP_HEVC] = {.file = "h265-1280x720-25-main-" CLIP_CACHE_TAG ".h265",
                   .codec = CODEC_H265,
                   .units_per_sec = 25,
                   .unit_den = 1,
                   .input = "testsrc2=size=1280x720:rate=25",
                   .encode = "-c:v libx265 -preset ultrafast -pix_fmt yuv420p -b:v 2M "
                             "-x265-params log-level=error:keyint=50:min-keyint=50:scenecut=0:"
                             "bframes=0:open-gop=0:aud=1:repeat-headers=1 -f hevc"},
    /* 16 kHz mono, as many cameras send: a third of the packets of 48 kHz. A 440 Hz tone with
     * a short beep every second, for audible A/V sync checks. One second more
     * than the loop, since the encoder's priming frame takes the place of the last one. */
    [CLIP_AAC] = {.file = "aac-16000-mono-" CLIP_CACHE_TAG ".adts",
                  .codec = CODEC_AAC,
                  .units_per_sec = 16000,
                  .unit_den = 1024,
                  .input = "sine=frequency=440:beep_factor=2:sample_rate=16000",
                  .encode = "-c:a aac -b:a 32k -ac 1 -f adts"},
    [CLIP_PCMA] = {.file = "pcma-8000-mono-" CLIP_CACHE_TAG ".alaw",
                   .codec = CODEC_PCMA,
                   .units_per_sec = 8000,
                   .unit_den = PCMA_PACKET_BYTES,
                   .input = "sine=frequency=440:beep_factor=2:sample_rate=8000",
                   .encode = "-c:a pcm_alaw -ar 8000 -ac 1 -f alaw"},
};

struct mount_desc {
    const char *path;
    enum clip_id video;
    enum clip_id audio; /* CLIP_NONE: video only */
};

static const struct mount_desc MOUNTS[] = {
    {.path = "/h264", .video = CLIP_MAIN, .audio = CLIP_AAC},
    {.path = "/h264-pcma", .video = CLIP_MAIN, .audio = CLIP_PCMA},
    {.path = "/h264-sub", .video = CLIP_SUB, .audio = CLIP_NONE},
    {.path = "/h265", .video = CLIP_HEVC, .audio = CLIP_AAC},
    {.path = "/video-only", .video = CLIP_SUB, .audio = CLIP_NONE},
};
#define MOUNT_COUNT (sizeof(MOUNTS) / sizeof(MOUNTS[0]))

struct access_unit {
    const guint8 *data; /* points into clip.bytes */
    gsize size;
    bool key;
};

/* Loaded at startup, read-only afterwards, freed at exit. */
struct clip {
    const struct clip_desc *desc;
    gchar *bytes;
    struct access_unit *aus;
    size_t n_aus;
    GstCaps *caps;
};

struct app;

struct mount {
    const struct mount_desc *desc;
    struct app *app;
    /* Under app.lock. */
    unsigned pipelines;  /* media pipelines alive now: 0 or 1 for a shared media */
    unsigned clients;    /* RTSP clients playing this mount now */
    unsigned configured; /* pipelines created since start: upstream sessions */
};

struct app {
    struct clip clips[CLIP_COUNT];
    struct mount mounts[MOUNT_COUNT];
    const char *stats_file;
    GMutex lock; /* counters, stdout, the stats file */
    GMainLoop *loop;
};

/* The pipeline of one media; shared by its tracks so that they start on the same instant. */
struct media_run {
    GMutex lock;
    bool started;
    GstClockTime origin; /* running time of the first access unit of every track */
};

/* One appsrc. Owns a reference to its media_run. */
struct track_run {
    struct media_run *media;
    const struct clip *clip; /* borrowed: clips live until exit */
    size_t next;             /* index of the next access unit */
    guint64 loops;           /* completed loops of the clip */
};

#if defined(__SANITIZE_ADDRESS__)
/* GLib drops the quark table its constructor allocates once the table grows (by design, for
 * its lock-free readers), and GStreamer's quarks always make it grow. Full stacks let the
 * suppression name the constructor rather than every g_malloc. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:_dl_init\n";
}
#endif

/* ---- events ------------------------------------------------------------------------- */

/* Caller holds app->lock. Replaced atomically so that a reader never sees half a file. */
static void write_stats_locked(struct app *app)
{
    if (!app->stats_file)
        return;
    GString *s = g_string_new("{\"mounts\":{");
    for (size_t i = 0; i < MOUNT_COUNT; i++) {
        const struct mount *m = &app->mounts[i];
        g_string_append_printf(s, "%s\"%s\":{\"pipelines\":%u,\"clients\":%u,\"configured\":%u}",
                               i ? "," : "", m->desc->path, m->pipelines, m->clients,
                               m->configured);
    }
    g_string_append(s, "}}\n");
    gchar *tmp = g_strdup_printf("%s.tmp", app->stats_file);
    GError *err = NULL;
    if (!g_file_set_contents(tmp, s->str, (gssize)s->len, &err) ||
        g_rename(tmp, app->stats_file) != 0) {
        fprintf(stderr, "camsim: cannot write %s: %s\n", app->stats_file,
                err ? err->message : g_strerror(errno));
        g_clear_error(&err);
    }
    g_free(tmp);
    g_string_free(s, TRUE);
}

/* Prints one event line and, when counters moved, rewrites the stats file. */
static void emit(struct app *app, bool counters_changed, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void emit(struct app *app, bool counters_changed, const char *fmt, ...)
{
    va_list ap;
    g_mutex_lock(&app->lock);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (counters_changed)
        write_stats_locked(app);
    g_mutex_unlock(&app->lock);
}

/* ---- clips -------------------------------------------------------------------------- */

static int encode_clip(const struct clip_desc *d, const char *path)
{
    gchar *tmp = g_strdup_printf("%s.tmp.%ld", path, (long)getpid());
    gchar **encode = g_strsplit(d->encode, " ", -1);
    GPtrArray *argv = g_ptr_array_new();
    /* The AAC clip runs one second longer: see CLIPS. */
    const char *head[] = {"ffmpeg",    "-nostdin", "-hide_banner",
                          "-loglevel", "error",    "-y",
                          "-f",        "lavfi",    "-i",
                          d->input,    "-t",       d->codec == CODEC_AAC ? "17" : CLIP_SECONDS_STR};
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(argv, (gpointer)head[i]);
    for (size_t i = 0; encode[i]; i++)
        g_ptr_array_add(argv, encode[i]);
    g_ptr_array_add(argv, tmp);
    g_ptr_array_add(argv, NULL);

    int r = 0;
    gint status = 0;
    GError *err = NULL;
    fprintf(stderr, "camsim: encoding %s\n", path);
    if (!g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                      NULL, &status, &err) ||
        !g_spawn_check_wait_status(status, &err)) {
        fprintf(stderr, "camsim: ffmpeg failed for %s: %s\n", path, err->message);
        g_clear_error(&err);
        r = -EIO;
        goto out;
    }
    /* Rename last: several simulators may share one cache directory. */
    if (g_rename(tmp, path) != 0) {
        r = -errno;
        fprintf(stderr, "camsim: cannot rename %s: %s\n", tmp, g_strerror(errno));
    }
out:
    g_unlink(tmp);
    g_ptr_array_free(argv, TRUE);
    g_strfreev(encode);
    g_free(tmp);
    return r;
}

static bool nal_is_aud(enum codec codec, guint8 header)
{
    return codec == CODEC_H264 ? (header & 0x1f) == 9 : ((header >> 1) & 0x3f) == 35;
}

static bool nal_is_key(enum codec codec, guint8 header)
{
    if (codec == CODEC_H264)
        return (header & 0x1f) == 5;
    unsigned type = (header >> 1) & 0x3f;
    return type >= 16 && type <= 23; /* IRAP */
}

/* Splits an Annex B stream into access units at each access unit delimiter (the encoders
 * are told to write one before every picture). */
static int split_annexb(struct clip *c, const guint8 *p, gsize len)
{
    size_t cap = 0;
    gsize au_start = 0;
    bool have_au = false;
    for (gsize i = 0; i + 3 < len; i++) {
        if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1)
            continue;
        guint8 header = p[i + 3];
        if (nal_is_aud(c->desc->codec, header)) {
            gsize start = i > 0 && p[i - 1] == 0 ? i - 1 : i; /* 4-byte start code */
            if (have_au)
                c->aus[c->n_aus - 1].size = start - au_start;
            if (c->n_aus == cap) {
                cap = cap ? cap * 2 : 512;
                c->aus = g_renew(struct access_unit, c->aus, cap);
            }
            c->aus[c->n_aus++] = (struct access_unit){.data = p + start};
            au_start = start;
            have_au = true;
        } else if (have_au && nal_is_key(c->desc->codec, header)) {
            c->aus[c->n_aus - 1].key = true;
        }
        i += 2;
    }
    if (!have_au)
        return -EINVAL;
    c->aus[c->n_aus - 1].size = len - au_start;
    return 0;
}

/* Splits ADTS into raw AAC frames and builds the caps from the first header. */
static int split_adts(struct clip *c, const guint8 *p, gsize len)
{
    size_t cap = 0;
    gsize off = 0;
    while (off + 7 <= len) {
        const guint8 *h = p + off;
        if (h[0] != 0xff || (h[1] & 0xf6) != 0xf0)
            return -EINVAL;
        gsize header_len = (h[1] & 1) ? 7 : 9;
        gsize frame_len = ((gsize)(h[3] & 3) << 11) | ((gsize)h[4] << 3) | (h[5] >> 5);
        if (frame_len <= header_len || off + frame_len > len)
            return -EINVAL;
        if (c->n_aus == cap) {
            cap = cap ? cap * 2 : 1024;
            c->aus = g_renew(struct access_unit, c->aus, cap);
        }
        c->aus[c->n_aus++] = (struct access_unit){
            .data = h + header_len, .size = frame_len - header_len, .key = true};
        off += frame_len;
    }
    if (c->n_aus == 0)
        return -EINVAL;

    static const int rates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                22050, 16000, 12000, 11025, 8000,  7350};
    unsigned object_type = (p[2] >> 6) + 1;
    unsigned rate_index = (p[2] >> 2) & 0xf;
    unsigned channels = ((p[2] & 1) << 2) | (p[3] >> 6);
    if (rate_index >= G_N_ELEMENTS(rates))
        return -EINVAL;
    /* AudioSpecificConfig: object type (5 bits), rate index (4), channels (4). */
    guint8 asc[2] = {(guint8)((object_type << 3) | (rate_index >> 1)),
                     (guint8)(((rate_index & 1) << 7) | (channels << 3))};
    GstBuffer *codec_data = gst_buffer_new_memdup(asc, sizeof(asc));
    c->caps = gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format",
                                  G_TYPE_STRING, "raw", "rate", G_TYPE_INT, rates[rate_index],
                                  "channels", G_TYPE_INT, (int)channels, "codec_data",
                                  GST_TYPE_BUFFER, codec_data, NULL);
    gst_buffer_unref(codec_data);
    return 0;
}

static int split_fixed(struct clip *c, const guint8 *p, gsize len, gsize unit)
{
    c->n_aus = len / unit;
    if (c->n_aus == 0)
        return -EINVAL;
    c->aus = g_new(struct access_unit, c->n_aus);
    for (size_t i = 0; i < c->n_aus; i++)
        c->aus[i] = (struct access_unit){.data = p + i * unit, .size = unit, .key = true};
    return 0;
}

static int load_clip(const char *dir, const struct clip_desc *d, struct clip *c)
{
    gchar *path = g_build_filename(dir, d->file, NULL);
    gsize len = 0;
    GError *err = NULL;
    int r = 0;

    c->desc = d;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        r = encode_clip(d, path);
        if (r < 0)
            goto out;
    }
    if (!g_file_get_contents(path, &c->bytes, &len, &err)) {
        fprintf(stderr, "camsim: %s\n", err->message);
        g_clear_error(&err);
        r = -EIO;
        goto out;
    }
    const guint8 *p = (const guint8 *)c->bytes;
    switch (d->codec) {
    case CODEC_H264:
        r = split_annexb(c, p, len);
        c->caps = gst_caps_from_string("video/x-h264,stream-format=byte-stream,alignment=au");
        break;
    case CODEC_H265:
        r = split_annexb(c, p, len);
        c->caps = gst_caps_from_string("video/x-h265,stream-format=byte-stream,alignment=au");
        break;
    case CODEC_AAC:
        r = split_adts(c, p, len);
        break;
    case CODEC_PCMA:
        r = split_fixed(c, p, len, PCMA_PACKET_BYTES);
        c->caps = gst_caps_from_string("audio/x-alaw,rate=8000,channels=1");
        break;
    }
    /* Exactly one loop period, so that the next loop follows on without a gap or overlap. */
    size_t want = (size_t)CLIP_SECONDS * (size_t)d->units_per_sec / (size_t)d->unit_den;
    if (r == 0 && (c->n_aus < want || !c->aus[0].key)) {
        fprintf(stderr, "camsim: %s: %zu access units, want %zu starting with a key frame\n", path,
                c->n_aus, want);
        r = -EINVAL;
    }
    if (r < 0) {
        fprintf(stderr, "camsim: %s is damaged; delete it to encode it again\n", path);
        goto out;
    }
    c->n_aus = want;
out:
    g_free(path);
    return r;
}

static void clip_done(struct clip *c)
{
    g_free(c->aus);
    g_free(c->bytes);
    if (c->caps)
        gst_caps_unref(c->caps);
}

static GstClockTime clip_period(void)
{
    return (GstClockTime)CLIP_SECONDS * GST_SECOND;
}

static GstClockTime clip_unit_time(const struct clip *c, guint64 index)
{
    return gst_util_uint64_scale(index, GST_SECOND * (guint64)c->desc->unit_den,
                                 (guint64)c->desc->units_per_sec);
}

/* ---- streaming ---------------------------------------------------------------------- */

static void media_run_clear(gpointer data)
{
    struct media_run *m = data;
    g_mutex_clear(&m->lock);
}

static void track_run_free(gpointer data)
{
    struct track_run *t = data;
    g_rc_box_release_full(t->media, media_run_clear);
    g_free(t);
}

static void push_unit(GstAppSrc *src, struct track_run *t, GstClockTime pts)
{
    const struct clip *c = t->clip;
    const struct access_unit *au = &c->aus[t->next];
    GstBuffer *buf = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, (gpointer)au->data,
                                                 au->size, 0, au->size, NULL, NULL);
    GST_BUFFER_PTS(buf) = pts;
    GST_BUFFER_DTS(buf) = pts; /* no B-frames */
    GST_BUFFER_DURATION(buf) = clip_unit_time(c, t->next + 1) - clip_unit_time(c, t->next);
    if (!au->key)
        GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
    if (t->next == 0 && t->loops > 0)
        GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
    if (++t->next == c->n_aus) {
        t->next = 0;
        t->loops++;
    }
    gst_app_src_push_buffer(src, buf); /* takes buf; fails only while flushing */
}

static GstClockTime next_pts(const struct track_run *t, GstClockTime origin)
{
    /* Timestamps keep increasing across loops: the clip repeats, time does not. */
    return origin + t->loops * clip_period() + clip_unit_time(t->clip, t->next);
}

/* Called on the appsrc streaming thread whenever its queue is empty: waits until the next
 * access unit is due, then pushes it, so each track sends at real-time pace on its own. */
static void on_need_data(GstAppSrc *src, guint length, gpointer user_data)
{
    struct track_run *t = user_data;
    GstElement *el = GST_ELEMENT(src);
    (void)length;

    GstClock *clock = gst_element_get_clock(el);
    if (!clock)
        clock = gst_system_clock_obtain();
    GstClockTime base = gst_element_get_base_time(el);
    GstClockTime clock_now = gst_clock_get_time(clock);
    GstClockTime now = clock_now > base ? clock_now - base : 0;

    g_mutex_lock(&t->media->lock);
    if (!t->media->started) {
        t->media->origin = now;
        t->media->started = true;
    }
    GstClockTime origin = t->media->origin;
    g_mutex_unlock(&t->media->lock);

    GstClockTime pts = next_pts(t, origin);
    if (pts > now) {
        GstClockID id = gst_clock_new_single_shot_id(clock, base + pts);
        gst_clock_id_wait(id, NULL);
        gst_clock_id_unref(id);
    }
    gst_object_unref(clock);

    push_unit(src, t, pts);
}

static void start_track(struct app *app, GstElement *bin, const char *name, enum clip_id id,
                        struct media_run *run)
{
    GstElement *src = gst_bin_get_by_name_recurse_up(GST_BIN(bin), name);
    g_assert(src); /* the launch line names it */
    struct track_run *t = g_new0(struct track_run, 1);
    t->media = g_rc_box_acquire(run);
    t->clip = &app->clips[id];
    gst_app_src_set_caps(GST_APP_SRC(src), t->clip->caps);
    GstAppSrcCallbacks callbacks = {.need_data = on_need_data}; /* appsrc copies it */
    gst_app_src_set_callbacks(GST_APP_SRC(src), &callbacks, t, track_run_free);
    gst_object_unref(src);
}

static void on_media_unprepared(GstRTSPMedia *media, gpointer user_data)
{
    struct mount *m = user_data;
    (void)media;
    g_mutex_lock(&m->app->lock);
    if (m->pipelines > 0)
        m->pipelines--;
    g_mutex_unlock(&m->app->lock);
    emit(m->app, true, "media-unprepared mount=%s", m->desc->path);
}

/* A shared media is configured once per pipeline: this is an upstream session. */
static void on_media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media,
                               gpointer user_data)
{
    struct mount *m = user_data;
    (void)factory;

    GstElement *bin = gst_rtsp_media_get_element(media);
    struct media_run *run = g_rc_box_new0(struct media_run);
    g_mutex_init(&run->lock);
    start_track(m->app, bin, "video", m->desc->video, run);
    if (m->desc->audio != CLIP_NONE)
        start_track(m->app, bin, "audio", m->desc->audio, run);
    g_rc_box_release_full(run, media_run_clear);
    gst_object_unref(bin);

    g_signal_connect(media, "unprepared", G_CALLBACK(on_media_unprepared), m);
    g_mutex_lock(&m->app->lock);
    m->pipelines++;
    m->configured++;
    g_mutex_unlock(&m->app->lock);
    emit(m->app, true, "media-configure mount=%s", m->desc->path);
}

/* ---- clients ------------------------------------------------------------------------ */

/* The mount a request URL falls under: "/h264", "/h264/" and "/h264/stream=0" all map to
 * "/h264". Returns NULL when none does. */
static struct mount *mount_for_context(struct app *app, const GstRTSPContext *ctx)
{
    if (!ctx->uri || !ctx->uri->abspath)
        return NULL;
    const char *path = ctx->uri->abspath;
    for (size_t i = 0; i < MOUNT_COUNT; i++) {
        size_t n = strlen(MOUNTS[i].path);
        if (strncmp(path, MOUNTS[i].path, n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return &app->mounts[i];
    }
    return NULL;
}

/* Marks on the client which mounts it is counted in, keyed by mount path. */
static void count_client(struct mount *m, GstRTSPClient *client, bool playing)
{
    bool counted = g_object_get_data(G_OBJECT(client), m->desc->path) != NULL;
    if (counted == playing)
        return;
    g_object_set_data(G_OBJECT(client), m->desc->path, playing ? GINT_TO_POINTER(1) : NULL);
    g_mutex_lock(&m->app->lock);
    if (playing)
        m->clients++;
    else if (m->clients > 0)
        m->clients--;
    write_stats_locked(m->app);
    g_mutex_unlock(&m->app->lock);
}

static void on_play_request(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
    struct mount *m = mount_for_context(user_data, ctx);
    if (m)
        count_client(m, client, true);
}

static void on_teardown_request(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
    struct mount *m = mount_for_context(user_data, ctx);
    if (m)
        count_client(m, client, false);
}

static void on_client_closed(GstRTSPClient *client, gpointer user_data)
{
    struct app *app = user_data;
    for (size_t i = 0; i < MOUNT_COUNT; i++)
        count_client(&app->mounts[i], client, false);
    emit(app, false, "client-disconnected");
}

static void on_client_connected(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
    struct app *app = user_data;
    (void)server;
    g_signal_connect(client, "play-request", G_CALLBACK(on_play_request), app);
    g_signal_connect(client, "teardown-request", G_CALLBACK(on_teardown_request), app);
    g_signal_connect(client, "closed", G_CALLBACK(on_client_closed), app);
    emit(app, false, "client-connected");
}

/* ---- server ------------------------------------------------------------------------- */

static const char *payloader(enum codec codec)
{
    switch (codec) {
    case CODEC_H264:
        /* h264parse hands the payloader avcC, from which it writes profile-level-id into
         * the SDP as cameras do; it costs about 0.1 % of a core. */
        return "h264parse ! rtph264pay config-interval=-1";
    case CODEC_H265:
        return "rtph265pay config-interval=-1";
    case CODEC_AAC:
        return "rtpmp4gpay";
    case CODEC_PCMA:
        return "rtppcmapay";
    }
    return NULL;
}

static GstRTSPMediaFactory *mount_factory(struct mount *m, bool with_auth)
{
    const struct mount_desc *d = m->desc;
    GString *launch = g_string_new("( ");
    g_string_append_printf(launch,
                           "appsrc name=video is-live=true format=time min-latency=0 ! "
                           "%s name=pay0 pt=96 ",
                           payloader(CLIPS[d->video].codec));
    if (d->audio != CLIP_NONE) {
        enum codec codec = CLIPS[d->audio].codec;
        g_string_append_printf(launch,
                               "appsrc name=audio is-live=true format=time min-latency=0 ! "
                               "%s name=pay1 pt=%d ",
                               payloader(codec), codec == CODEC_PCMA ? 8 : 97);
    }
    g_string_append(launch, ")");

    GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_launch(f, launch->str);
    gst_rtsp_media_factory_set_shared(f, TRUE);
    if (with_auth)
        gst_rtsp_media_factory_add_role(f, "camera-user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
                                        G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
                                        G_TYPE_BOOLEAN, TRUE, NULL);
    g_signal_connect(f, "media-configure", G_CALLBACK(on_media_configure), m);
    g_string_free(launch, TRUE);
    return f;
}

/* Every mount then answers 401 until the client authenticates (digest, or
 * basic when asked: many older cameras only do basic). */
static void require_auth(GstRTSPServer *server, const char *user, const char *pass, bool basic)
{
    GstRTSPAuth *auth = gst_rtsp_auth_new();
    gst_rtsp_auth_set_supported_methods(auth, basic ? GST_RTSP_AUTH_BASIC : GST_RTSP_AUTH_DIGEST);
    GstRTSPToken *token =
        gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "camera-user", NULL);
    if (basic) {
        gchar *cred = gst_rtsp_auth_make_basic(user, pass);
        gst_rtsp_auth_add_basic(auth, cred, token);
        g_free(cred);
    } else {
        gst_rtsp_auth_add_digest(auth, user, pass, token);
    }
    gst_rtsp_token_unref(token);
    gst_rtsp_server_set_auth(server, auth);
    g_object_unref(auth);
}

static GstRTSPFilterResult close_client(GstRTSPServer *server, GstRTSPClient *client,
                                        gpointer user_data)
{
    (void)server;
    (void)user_data;
    gst_rtsp_client_close(client);
    return GST_RTSP_FILTER_KEEP;
}

static bool pipelines_running(struct app *app)
{
    unsigned n = 0;
    g_mutex_lock(&app->lock);
    for (size_t i = 0; i < MOUNT_COUNT; i++)
        n += app->mounts[i].pipelines;
    g_mutex_unlock(&app->lock);
    return n > 0;
}

/* Closes every client, which ends its sessions, then waits for the pipelines to stop so that
 * the clips they read can be freed. Returns -ETIMEDOUT if some still run after the wait. */
static int stop_streaming(struct app *app, GstRTSPServer *server)
{
    gst_rtsp_server_client_filter(server, close_client, NULL);
    gint64 deadline = g_get_monotonic_time() + STOP_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    while (pipelines_running(app)) {
        if (g_get_monotonic_time() > deadline)
            return -ETIMEDOUT;
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(G_TIME_SPAN_MILLISECOND);
    }
    return 0;
}

static gboolean on_stop_signal(gpointer user_data)
{
    g_main_loop_quit(user_data);
    return G_SOURCE_CONTINUE;
}

/* ---- main --------------------------------------------------------------------------- */

struct options {
    long port;
    const char *user;
    const char *pass;
    const char *clips_dir;
    const char *stats_file;
    bool basic;
};

static void usage(FILE *out)
{
    fputs("usage: camsim [--port N] [--user U --pass P [--basic]] [--clips DIR] [--stats-file F]\n"
          "\n"
          "RTSP camera simulator on 127.0.0.1 for the tests: /h264, /h264-pcma, /h264-sub,\n"
          "/h265, /video-only. Prints one event per line on stdout.\n"
          "\n"
          "  --port N        RTSP port (default 8554; 0 picks a free one)\n"
          "  --user U        with --pass: require digest authentication\n"
          "  --pass P\n"
          "  --basic         basic authentication instead of digest\n"
          "  --clips DIR     clip cache (default $TMPDIR/vigil-camsim-clips)\n"
          "  --stats-file F  keep per-mount pipeline and client counts in F as JSON\n",
          out);
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"user", required_argument, NULL, 'u'},
        {"pass", required_argument, NULL, 'w'},
        {"clips", required_argument, NULL, 'c'},
        {"stats-file", required_argument, NULL, 's'},
        {"basic", no_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'p':
            errno = 0;
            o->port = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || o->port < 0 || o->port > 65535) {
                fprintf(stderr, "camsim: bad port '%s'\n", optarg);
                return -EINVAL;
            }
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'w':
            o->pass = optarg;
            break;
        case 'c':
            o->clips_dir = optarg;
            break;
        case 's':
            o->stats_file = optarg;
            break;
        case 'b':
            o->basic = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -EINVAL;
        }
    }
    if (optind != argc || !o->user != !o->pass) {
        usage(stderr);
        return -EINVAL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {.port = DEFAULT_PORT};
    struct app app = {0};
    GstRTSPServer *server = NULL;
    gchar *default_dir = NULL;
    guint watch = 0;
    int ret = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    gst_init(NULL, NULL);
    g_mutex_init(&app.lock);
    app.stats_file = o.stats_file;

    if (!o.clips_dir) {
        default_dir = g_build_filename(g_get_tmp_dir(), "vigil-camsim-clips", NULL);
        o.clips_dir = default_dir;
    }
    if (g_mkdir_with_parents(o.clips_dir, 0755) != 0) {
        fprintf(stderr, "camsim: cannot create %s: %s\n", o.clips_dir, g_strerror(errno));
        goto out;
    }
    for (int i = 0; i < CLIP_COUNT; i++) {
        if (load_clip(o.clips_dir, &CLIPS[i], &app.clips[i]) < 0)
            goto out;
    }

    server = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server, "127.0.0.1");
    gchar *service = g_strdup_printf("%ld", o.port);
    gst_rtsp_server_set_service(server, service);
    g_free(service);
    if (o.user)
        require_auth(server, o.user, o.pass, o.basic);

    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
    for (size_t i = 0; i < MOUNT_COUNT; i++) {
        app.mounts[i] = (struct mount){.desc = &MOUNTS[i], .app = &app};
        gst_rtsp_mount_points_add_factory(mounts, MOUNTS[i].path,
                                          mount_factory(&app.mounts[i], o.user != NULL));
    }
    g_object_unref(mounts);
    g_signal_connect(server, "client-connected", G_CALLBACK(on_client_connected), &app);

    watch = gst_rtsp_server_attach(server, NULL);
    if (watch == 0) {
        fprintf(stderr, "camsim: cannot listen on 127.0.0.1:%ld\n", o.port);
        goto out;
    }
    app.loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_stop_signal, app.loop);
    g_unix_signal_add(SIGINT, on_stop_signal, app.loop);
    g_mutex_lock(&app.lock);
    write_stats_locked(&app);
    g_mutex_unlock(&app.lock);
    emit(&app, false, "ready port=%d", gst_rtsp_server_get_bound_port(server));

    g_main_loop_run(app.loop);
    emit(&app, false, "stopping");
    ret = 0;
    if (stop_streaming(&app, server) < 0) {
        /* A pipeline may still read the clips: leave them to process exit. */
        fputs("camsim: pipelines still running at exit\n", stderr);
        goto out_fast;
    }
out:
    for (int i = 0; i < CLIP_COUNT; i++)
        clip_done(&app.clips[i]);
    if (watch)
        g_source_remove(watch);
    if (server)
        g_object_unref(server);
out_fast:
    if (app.loop)
        g_main_loop_unref(app.loop);
    g_mutex_clear(&app.lock);
    g_free(default_dir);
    return ret;
}
