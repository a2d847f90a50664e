#include "app.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef VG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "core/log.h"
#include "core/secret.h"
#include "core/url.h"
#include "core/workers.h"
#include "http/events.h"
#include "hub/hub.h"
#include "webrtc/webrtc.h"
#include "outputs/hls.h"
#include "outputs/mjpeg.h"
#include "outputs/snapshot.h"
#include "recording/recorder.h"
#include "recording/repair.h"
#include "recording/retention.h"
#include "recording/thumbnail.h"
#include "sources/push.h"
#include "http/lockout.h"
#include "http/server.h"
#include "store/cameras.h"
#include "store/sessions.h"
#include "store/users.h"

#define LOCKOUT_KEYS_MAX 10000
#define HOUSEKEEPING_S 600
#define THUMBS_CACHED 256 /* recording thumbnails kept: about 5 MB at 320 px */
#define WORKER_THREADS 2
#define WORKER_QUEUE_MAX 64
#define PROBE_THREADS 4
#define PROBE_QUEUE_MAX 8

static void notify(const char *state)
{
#ifdef VG_HAVE_SYSTEMD
    sd_notify(0, state);
#else
    (void)state;
#endif
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    int r = -errno;
    vg_error("app", "cannot create directory %s: %s", path, strerror(errno));
    return r;
}

/* Writes the first admin password where only the service user can read it. */
static int write_password_file(const char *dir, const char *password)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/initial-admin-password", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int r = 0;
    size_t len = strlen(password);
    if (fchmod(fd, 0600) < 0 || write(fd, password, len) != (ssize_t)len ||
        write(fd, "\n", 1) != 1 || fsync(fd) < 0)
        r = -errno;
    close(fd);
    return r;
}

static int create_first_admin(struct vg_app *app)
{
    int64_t total, admins;
    int r = vg_users_count(app->db, &total, &admins);
    if (r < 0 || total > 0)
        return r;

    char password[VG_PASSWORD_MAX + 1];
    const char *env = getenv("VIGIL_ADMIN_PASSWORD");
    if (env && env[0]) {
        if (vg_strlcpy(password, sizeof(password), env) < 0 || strlen(env) < VG_PASSWORD_MIN) {
            vg_error("app", "VIGIL_ADMIN_PASSWORD must have %d to %d characters", VG_PASSWORD_MIN,
                     VG_PASSWORD_MAX);
            return -EINVAL;
        }
    } else {
        vg_password_random(password, 21);
    }
    struct vg_user admin = {.role = VG_ROLE_ADMIN};
    vg_strlcpy(admin.username, sizeof(admin.username), "admin");
    r = vg_password_hash(password, admin.password_hash);
    if (r == 0)
        r = vg_users_insert(app->db, &admin);
    if (r < 0) {
        vg_error("app", "cannot create the first admin user: %s", strerror(-r));
        goto out;
    }
    r = write_password_file(app->cfg->state_dir, password);
    if (r < 0)
        vg_warn("app", "cannot write %s/initial-admin-password: %s", app->cfg->state_dir,
                strerror(-r));
    if (env && env[0])
        vg_info("app", "created user 'admin' with the password from VIGIL_ADMIN_PASSWORD");
    else
        vg_info("app", "created user 'admin' with password: %s (also in %s/initial-admin-password)",
                password, app->cfg->state_dir);
    r = 0;
out:
    memset(password, 0, sizeof(password));
    vg_user_done(&admin);
    return r;
}

static int camera_from_config(const struct vg_config_camera *cc, struct vg_camera *c)
{
    *c = (struct vg_camera){.enabled = cc->enabled,
                            .record = cc->record,
                            .record_sub = cc->record_sub,
                            .retention_days = cc->retention_days,
                            .source = VG_CAMERA_CONFIG};
    vg_strlcpy(c->id, sizeof(c->id), cc->id);
    c->name = strdup(cc->name ? cc->name : cc->id);
    c->zone = strdup(cc->zone ? cc->zone : "");
    c->main_url = strdup(cc->main_url);
    c->sub_url = strdup(cc->sub_url ? cc->sub_url : "");
    c->username = strdup(cc->username ? cc->username : "");
    c->password = strdup(cc->password ? cc->password : "");
    if (!c->name || !c->zone || !c->main_url || !c->sub_url || !c->username || !c->password)
        return -ENOMEM;
    return 0;
}

static int camera_demo(unsigned n, unsigned recorded, struct vg_camera *c)
{
    char buf[64];
    /* --demo-record: the first few record their sub stream, so the playback
     * page has something to show without filling the disk. */
    *c = (struct vg_camera){
        .enabled = true, .record = n <= recorded, .record_sub = true, .source = VG_CAMERA_DEMO};
    snprintf(c->id, sizeof(c->id), "demo-%u", n);
    snprintf(buf, sizeof(buf), "Demo %u", n);
    c->name = strdup(buf);
    snprintf(buf, sizeof(buf), "demo:%u", n);
    c->main_url = strdup(buf);
    c->zone = strdup("demo");
    snprintf(buf, sizeof(buf), "demo:%u?sub", n); /* the 640x360 clip, for small tiles */
    c->sub_url = strdup(buf);
    c->username = strdup("");
    c->password = strdup("");
    if (!c->name || !c->zone || !c->main_url || !c->sub_url || !c->username || !c->password)
        return -ENOMEM;
    return 0;
}

/* Makes the store's config and demo cameras match the file and --demo: those
 * declared are written, those no longer declared are removed. */
static int sync_declared_cameras(struct vg_app *app)
{
    const struct vg_config *cfg = app->cfg;
    unsigned total =
        cfg->cameras_count > app->demo_cameras ? cfg->cameras_count : app->demo_cameras;
    const char **keep = calloc(total + 1, sizeof(*keep));
    struct vg_camera *cams = calloc(total + 1, sizeof(*cams));
    int r = keep && cams ? 0 : -ENOMEM;
    for (int pass = 0; pass < 2 && r == 0; pass++) {
        enum vg_camera_source source = pass == 0 ? VG_CAMERA_CONFIG : VG_CAMERA_DEMO;
        unsigned n = pass == 0 ? cfg->cameras_count : app->demo_cameras;
        for (unsigned i = 0; i < n && r == 0; i++) {
            r = pass == 0 ? camera_from_config(&cfg->cameras[i], &cams[i])
                          : camera_demo(i + 1, app->demo_recorded, &cams[i]);
            if (r == 0)
                r = vg_cameras_upsert(app->db, &app->box, &cams[i]);
            keep[i] = cams[i].id;
        }
        if (r == 0)
            r = vg_cameras_delete_source_except(app->db, source, keep, n);
        for (unsigned i = 0; i < n; i++)
            vg_camera_done(&cams[i]);
        memset(cams, 0, (total + 1) * sizeof(*cams));
    }
    free(keep);
    free(cams);
    if (r < 0)
        vg_error("app", "cannot store the declared cameras: %s", strerror(-r));
    return r;
}

/* Where the hub finds a stream: the streams table, with the camera's
 * credentials put into the URL. A disabled camera's streams do not run. */
static int resolve_stream(void *arg, const char *stream_id, struct vg_stream_origin *ret_origin)
{
    struct vg_app *app = arg;
    struct vg_stream_row row;
    struct vg_camera cam;
    int r = vg_streams_get(app->db, &app->box, stream_id, &row);
    if (r < 0)
        return r;
    r = vg_cameras_get(app->db, &app->box, row.camera_id, &cam);
    if (r == 0) {
        if (!cam.enabled)
            r = -EPERM;
        else if (!(ret_origin->url = vg_url_with_credentials(row.url, cam.username, cam.password)))
            r = -ENOMEM;
        ret_origin->udp = row.transport == VG_TRANSPORT_UDP;
        vg_camera_done(&cam);
    }
    vg_stream_row_done(&row);
    return r;
}

static int start_hub(struct vg_app *app)
{
    const struct vg_config *cfg = app->cfg;
    struct vg_hub_config hc = {
        .idle_timeout_ms = cfg->stream_idle_timeout_s * 1000,
        .stall_timeout_ms = cfg->stream_stall_timeout_s * 1000,
        .io_timeout_ms = cfg->stream_io_timeout_s * 1000,
        .backoff_min_ms = 1000,
        .backoff_max_ms = 30000,
        .state_dir = cfg->state_dir,
        .media_dir = cfg->stream_media_dir,
        .push = app->push,
        .resolve = resolve_stream,
        .resolve_arg = app,
    };
    int r = vg_push_new(&app->push);
    if (r == 0) {
        hc.push = app->push;
        r = vg_hub_new(app->base, &hc, &app->hub);
    }
    if (r == 0)
        r = vg_events_new(app, &app->events);
    return r;
}

/* WebRTC is an extra: when its ports are taken the daemon still serves MSE,
 * HLS and everything else, and WHEP answers 503 saying why. */
static void start_webrtc(struct vg_app *app)
{
    const struct vg_config *cfg = app->cfg;
    struct vg_webrtc_config wc = {
        .udp_port = cfg->webrtc_udp_port,
        .tcp_port = cfg->webrtc_tcp_port,
        .addresses = cfg->webrtc_addresses,
        .n_addresses = cfg->webrtc_addresses_count,
        .consent_timeout_ms = cfg->webrtc_consent_timeout_s * 1000,
        .stun_server = cfg->webrtc_stun_server,
        .push = app->push,
    };
    int r = vg_webrtc_new(app->base, app->hub, &wc, &app->webrtc);
    if (r < 0)
        vg_log_write(VG_LOG_ERROR, "webrtc", NULL,
                     "WebRTC is off: cannot use UDP/TCP port %u/%u: %s", cfg->webrtc_udp_port,
                     cfg->webrtc_tcp_port, strerror(-r));
    else
        vg_info("webrtc", "WebRTC on UDP and TCP port %u/%u", cfg->webrtc_udp_port,
                cfg->webrtc_tcp_port);
}

void vg_app_cameras_changed(struct vg_app *app)
{
    struct vg_camera *cams = NULL;
    size_t n = 0;
    if (!app->recorder)
        return;
    int r = vg_cameras_list(app->db, &app->box, NULL, &cams, &n);
    if (r < 0) {
        vg_error("recording", "cannot read the cameras: %s", strerror(-r));
        return;
    }
    vg_recorder_sync(app->recorder, cams, n);
    vg_cameras_free_list(cams, n);
}

static void on_disk_full(void *arg)
{
    struct vg_app *app = arg;
    vg_retention_poke(app->retention);
}

static void on_segment_closed(void *arg, uint64_t bytes)
{
    struct vg_app *app = arg;
    vg_retention_note(app->retention, bytes);
}

/* Repairs what a crash cut off, then records every camera that should be and
 * keeps the recordings within the retention limits. */
static int start_recording(struct vg_app *app)
{
    const struct vg_config *cfg = app->cfg;
    size_t n = strlen(cfg->state_dir) + sizeof("/recordings");
    app->recordings_dir = cfg->recordings_dir ? strdup(cfg->recordings_dir) : malloc(n);
    if (!app->recordings_dir)
        return -ENOMEM;
    if (!cfg->recordings_dir)
        snprintf(app->recordings_dir, n, "%s/recordings", cfg->state_dir);
    int r = make_dir(app->recordings_dir);
    if (r < 0)
        return r;
    r = vg_recording_repair(app->db, app->recordings_dir);
    if (r < 0)
        vg_error("recording", "cannot repair the recordings: %s", strerror(-r));
    struct vg_recorder_config rc = {
        .dir = app->recordings_dir,
        .segment_seconds = cfg->segment_seconds,
        .db = app->db,
        .hub = app->hub,
        .on_disk_full = on_disk_full,
        .on_closed = on_segment_closed,
        .arg = app,
    };
    struct vg_retention_config tc = {
        .max_bytes = cfg->max_storage_bytes,
        .max_age_days = cfg->max_age_days,
        .min_free_percent = cfg->min_free_percent,
        .interval_s = cfg->retention_interval_s,
        .dir = app->recordings_dir,
    };
    r = vg_thumbs_new(THUMBS_CACHED, &app->thumbs);
    if (r == 0)
        r = vg_recorder_new(app->base, &rc, &app->recorder);
    if (r == 0)
        r = vg_retention_new(app->base, app->db, app->recorder, &tc, &app->retention);
    if (r < 0)
        return r;
    vg_retention_pass(app->retention);
    vg_app_cameras_changed(app);
    return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct vg_app *app = arg;
    vg_info("app", "%s received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    notify("STOPPING=1");
    event_base_loopbreak(app->base);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    notify("WATCHDOG=1");
}

static void on_housekeeping(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_app *app = arg;
    int n = vg_sessions_purge_expired(app->db, vg_db_now());
    if (n > 0)
        vg_debug("app", "purged %d expired sessions", n);
}

static int start_timers(struct vg_app *app)
{
    app->sig_int = evsignal_new(app->base, SIGINT, on_signal, app);
    app->sig_term = evsignal_new(app->base, SIGTERM, on_signal, app);
    app->housekeeping = event_new(app->base, -1, EV_PERSIST, on_housekeeping, app);
    if (!app->sig_int || !app->sig_term || !app->housekeeping)
        return -ENOMEM;
    struct timeval hk = {.tv_sec = HOUSEKEEPING_S};
    if (evsignal_add(app->sig_int, NULL) < 0 || evsignal_add(app->sig_term, NULL) < 0 ||
        event_add(app->housekeeping, &hk) < 0)
        return -EIO;
#ifdef VG_HAVE_SYSTEMD
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        app->watchdog = event_new(app->base, -1, EV_PERSIST, on_watchdog, app);
        struct timeval tv = {.tv_sec = (time_t)(usec / 2 / 1000000),
                             .tv_usec = (suseconds_t)(usec / 2 % 1000000)};
        if (!app->watchdog || event_add(app->watchdog, &tv) < 0)
            return -ENOMEM;
    }
#else
    (void)on_watchdog;
#endif
    return 0;
}

int vg_app_init(struct vg_app *app, struct vg_config *cfg, unsigned demo_cameras,
                unsigned demo_recorded)
{
    *app =
        (struct vg_app){.cfg = cfg, .demo_cameras = demo_cameras, .demo_recorded = demo_recorded};
    char path[4096];
    int r = vg_secret_init();
    if (r < 0) {
        vg_error("app", "libsodium cannot start");
        return r;
    }
    r = make_dir(cfg->state_dir);
    if (r < 0)
        return r;

    snprintf(path, sizeof(path), "%s/secret.key", cfg->state_dir);
    r = vg_secretbox_load(path, &app->box);
    if (r < 0) {
        vg_error("app", "cannot load or create %s: %s", path, strerror(-r));
        return r;
    }
    snprintf(path, sizeof(path), "%s/vigil.db", cfg->state_dir);
    r = vg_db_open(path, &app->db);
    if (r < 0)
        return r; /* the store logged SQLite's reason */
    r = create_first_admin(app);
    if (r < 0)
        return r;
    r = sync_declared_cameras(app);
    if (r < 0)
        return r;
    vg_sessions_purge_expired(app->db, vg_db_now());

    app->lockout = vg_lockout_new(cfg->lockout_attempts, cfg->lockout_window_s,
                                  cfg->lockout_duration_s, LOCKOUT_KEYS_MAX);
    if (!app->lockout)
        return -ENOMEM;

    /* Worker threads (sources, disk writers) will post into this loop. */
    evthread_use_pthreads();
    app->base = event_base_new();
    if (!app->base)
        return -ENOMEM;
    r = start_timers(app);
    if (r == 0)
        r = vg_workers_new(app->base, WORKER_THREADS, WORKER_QUEUE_MAX, &app->workers);
    if (r == 0)
        r = vg_workers_new(app->base, PROBE_THREADS, PROBE_QUEUE_MAX, &app->probes);
    if (r == 0)
        r = vg_workers_new(app->base, WORKER_THREADS, WORKER_QUEUE_MAX, &app->media_workers);
    if (r == 0)
        r = start_hub(app);
    if (r == 0)
        r = start_recording(app);
    if (r == 0)
        r = vg_snapshots_new(app->base, app->hub, app->media_workers, &app->snapshots);
    if (r == 0)
        r = vg_mjpeg_new(app->base, app->hub, app->media_workers, &app->mjpeg);
    if (r < 0)
        return r;
    start_webrtc(app);
    return vg_http_start(app, &app->http);
}

int vg_app_run(struct vg_app *app)
{
    notify("READY=1");
    return event_base_dispatch(app->base) < 0 ? -EIO : 0;
}

void vg_app_done(struct vg_app *app)
{
    /* JPEG outputs answer their requests and release their streams; a job of
     * theirs still on a worker frees itself when it comes back. */
    app->mjpeg = vg_mjpeg_free(app->mjpeg);
    app->snapshots = vg_snapshots_free(app->snapshots);
    /* Workers first: jobs still waiting answer their requests before HTTP goes. */
    app->workers = vg_workers_free(app->workers);
    app->probes = vg_workers_free(app->probes);
    app->media_workers = vg_workers_free(app->media_workers);
    /* Live responses end before HTTP closes; viewers release their streams as
     * their connections close; then the sources stop. */
    app->events = vg_events_free(app->events);
    app->hls = vg_hls_free(app->hls);
    app->http = vg_http_free(app->http);
    vg_webrtc_free(app->webrtc);
    app->webrtc = NULL;
    /* The last fragments and the segments' index rows are written before the
     * streams stop and the store closes. */
    app->retention = vg_retention_free(app->retention);
    app->recorder = vg_recorder_free(app->recorder);
    app->thumbs = vg_thumbs_free(app->thumbs);
    free(app->recordings_dir);
    app->recordings_dir = NULL;
    app->hub = vg_hub_free(app->hub);
    app->push = vg_push_free(app->push);
    if (app->sig_int)
        event_free(app->sig_int);
    if (app->sig_term)
        event_free(app->sig_term);
    if (app->watchdog)
        event_free(app->watchdog);
    if (app->housekeeping)
        event_free(app->housekeeping);
    if (app->base)
        event_base_free(app->base);
    app->lockout = vg_lockout_free(app->lockout);
    app->db = vg_db_close(app->db);
    app->cfg = vg_config_free(app->cfg);
    memset(&app->box, 0, sizeof(app->box));
    libevent_global_shutdown();
}
