/* Loading vigil.yaml: the public functions, and the step that moves what
 * libcyaml read (struct y_root, config_schema.h) into struct vg_config.
 *
 * libcyaml checks the shape; the values are then checked and moved here with
 * the helpers of config_values.c, and the whole config is checked by
 * config_checks.c. See config_internal.h for how the files divide the work. */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config_internal.h"
#include "core/config_schema.h"

#define FILE_MAX (1024 * 1024)

/* ---- where each scalar key goes --------------------------------------------------------- */

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define C struct vg_config

static const struct rule server_rules[] = {
    RULE("listen", K_STR, struct y_server, listen, C, listen, 0, 0),
    RULE("tls_cert", K_OPT_STR, struct y_server, tls_cert, C, tls_cert, 0, 0),
    RULE("tls_key", K_OPT_STR, struct y_server, tls_key, C, tls_key, 0, 0),
    RULE("max_body_kb", K_UINT, struct y_server, max_body_kb, C, max_body_kb, 1, 16384),
};

static const struct rule storage_rules[] = {
    RULE("state_dir", K_STR, struct y_storage, state_dir, C, state_dir, 0, 0),
    RULE("recordings_dir", K_OPT_STR, struct y_storage, recordings_dir, C, recordings_dir, 0, 0),
};

static const struct rule auth_rules[] = {
    RULE("max_sessions_per_user", K_UINT, struct y_auth, max_sessions_per_user, C,
         max_sessions_per_user, 1, 1000),
    RULE("session_ttl_hours", K_UINT, struct y_auth, session_ttl_hours, C, session_ttl_hours, 1,
         87600),
    RULE("lockout_attempts", K_UINT, struct y_auth, lockout_attempts, C, lockout_attempts, 1, 1000),
    RULE("lockout_window_s", K_UINT, struct y_auth, lockout_window_s, C, lockout_window_s, 1,
         86400),
    RULE("lockout_duration_s", K_UINT, struct y_auth, lockout_duration_s, C, lockout_duration_s, 1,
         86400),
};

static const struct rule webrtc_rules[] = {
    RULE("udp_port", K_UINT, struct y_webrtc, udp_port, C, webrtc_udp_port, 1, 65535),
    RULE("tcp_port", K_UINT, struct y_webrtc, tcp_port, C, webrtc_tcp_port, 1, 65535),
    RULE("consent_timeout_s", K_UINT, struct y_webrtc, consent_timeout_s, C,
         webrtc_consent_timeout_s, 1, 3600),
    RULE("stun_server", K_OPT_STR, struct y_webrtc, stun_server, C, webrtc_stun_server, 0, 0),
};

static const struct rule mqtt_rules[] = {
    RULE("enabled", K_BOOL, struct y_mqtt, enabled, C, mqtt_enabled, 0, 0),
    RULE("host", K_STR, struct y_mqtt, host, C, mqtt_host, 0, 0),
    RULE("port", K_UINT, struct y_mqtt, port, C, mqtt_port, 1, 65535),
    RULE("username", K_OPT_STR, struct y_mqtt, username, C, mqtt_username, 0, 0),
    RULE("password", K_OPT_STR, struct y_mqtt, password, C, mqtt_password, 0, 0),
    RULE("topic_prefix", K_STR, struct y_mqtt, topic_prefix, C, mqtt_topic_prefix, 0, 0),
};

static const struct rule streams_rules[] = {
    RULE("idle_timeout_s", K_UINT, struct y_streams, idle_timeout_s, C, stream_idle_timeout_s, 1,
         86400),
    RULE("stall_timeout_s", K_UINT, struct y_streams, stall_timeout_s, C, stream_stall_timeout_s,
         1, 600),
    RULE("io_timeout_s", K_UINT, struct y_streams, io_timeout_s, C, stream_io_timeout_s, 1, 600),
    RULE("media_dir", K_OPT_STR, struct y_streams, media_dir, C, stream_media_dir, 0, 0),
};

static const struct rule retention_rules[] = {
    RULE("max_storage_gb", K_GB, struct y_retention, max_storage_gb, C, max_storage_bytes, 0,
         1000000),
    RULE("max_age_days", K_UINT, struct y_retention, max_age_days, C, max_age_days, 0, 36500),
    RULE("min_free_percent", K_UINT, struct y_retention, min_free_percent, C, min_free_percent, 0,
         99),
    RULE("segment_seconds", K_UINT, struct y_retention, segment_seconds, C, segment_seconds, 1,
         3600),
    RULE("interval_s", K_UINT, struct y_retention, interval_s, C, retention_interval_s, 1, 86400),
};

#undef C
#define CAM struct vg_config_camera

static const struct rule camera_rules[] = {
    RULE("id", K_STR, struct y_camera, id, CAM, id, 0, 0),
    RULE("name", K_OPT_STR, struct y_camera, name, CAM, name, 0, 0),
    RULE("zone", K_OPT_STR, struct y_camera, zone, CAM, zone, 0, 0),
    RULE("main_url", K_STR, struct y_camera, main_url, CAM, main_url, 0, 0),
    RULE("sub_url", K_OPT_STR, struct y_camera, sub_url, CAM, sub_url, 0, 0),
    RULE("username", K_OPT_STR, struct y_camera, username, CAM, username, 0, 0),
    RULE("password", K_OPT_STR, struct y_camera, password, CAM, password, 0, 0),
    RULE("enabled", K_BOOL, struct y_camera, enabled, CAM, enabled, 0, 0),
    RULE("record", K_BOOL, struct y_camera, record, CAM, record, 0, 0),
    RULE("retention_days", K_UINT, struct y_camera, retention_days, CAM, retention_days, 0, 36500),
};

#undef CAM

/* ---- from y_root to vg_config ----------------------------------------------------------- */

static int apply_ice(struct loader *ld, const struct path *webrtc, struct y_webrtc *y,
                     struct vg_config *cfg)
{
    struct path list = path_key(webrtc, "ice_servers");
    for (unsigned i = 0; i < y->ice_servers_count; i++) {
        struct vg_ice_server *ice = &y->ice_servers[i];
        struct path s = path_index(&list, i), p = path_key(&s, "urls");
        for (unsigned j = 0; j < ice->urls_count; j++) {
            struct path u = path_index(&p, j);
            int r = vg_config_take_text(ld, &u, &ice->urls[j]);
            if (r < 0)
                return r;
        }
        p = path_key(&s, "username");
        int r = vg_config_take_optional_in_place(ld, &p, &ice->username);
        if (r < 0)
            return r;
        p = path_key(&s, "credential");
        r = vg_config_take_optional_in_place(ld, &p, &ice->credential);
        if (r < 0)
            return r;
    }
    cfg->ice_servers = y->ice_servers;
    cfg->ice_servers_count = y->ice_servers_count;
    y->ice_servers = NULL;
    y->ice_servers_count = 0;
    return 0;
}

/* record_stream: main (the default) or sub. */
static int take_record_stream(struct loader *ld, const struct path *cam_path, struct y_camera *y,
                              struct vg_config_camera *cam)
{
    if (!y->record_stream)
        return 0;
    struct path p = path_key(cam_path, "record_stream");
    if (strcmp(y->record_stream, "main") != 0 && strcmp(y->record_stream, "sub") != 0)
        return vg_config_fail_value(ld, &p, "must be main or sub");
    cam->record_sub = strcmp(y->record_stream, "sub") == 0;
    return 0;
}

static int apply_cameras(struct loader *ld, struct y_root *y, struct vg_config *cfg)
{
    struct path root = {0}, cams = path_key(&root, "cameras");
    if (y->cameras_count == 0)
        return 0;
    cfg->cameras = calloc(y->cameras_count, sizeof(*cfg->cameras));
    if (!cfg->cameras)
        return -ENOMEM;
    for (unsigned i = 0; i < y->cameras_count; i++) {
        struct vg_config_camera *cam = &cfg->cameras[i];
        struct path c = path_index(&cams, i);
        cam->enabled = true;
        cfg->cameras_count++;
        int r = vg_config_apply_rules(ld, &c, &y->cameras[i], cam, camera_rules, N(camera_rules));
        if (r < 0)
            return r;
        r = take_record_stream(ld, &c, &y->cameras[i], cam);
        if (r < 0)
            return r;
        if (!cam->name) {
            cam->name = strdup(cam->id);
            if (!cam->name)
                return -ENOMEM;
        }
    }
    return 0;
}

static int apply(struct loader *ld, struct y_root *y, struct vg_config *cfg)
{
    struct path root = {0}, p, l;
    int r = 0;

    if (y->server) {
        p = path_key(&root, "server");
        r = vg_config_apply_rules(ld, &p, y->server, cfg, server_rules, N(server_rules));
        if (r < 0)
            return r;
        l = path_key(&p, "cors_origins");
        r = vg_config_take_list(ld, &l, &y->server->cors_origins, &y->server->cors_origins_count,
                                &cfg->cors_origins, &cfg->cors_origins_count);
        if (r < 0)
            return r;
        l = path_key(&p, "trusted_proxies");
        r = vg_config_take_list(ld, &l, &y->server->trusted_proxies,
                                &y->server->trusted_proxies_count, &cfg->trusted_proxies,
                                &cfg->trusted_proxies_count);
        if (r < 0)
            return r;
    }
    if (y->storage) {
        p = path_key(&root, "storage");
        r = vg_config_apply_rules(ld, &p, y->storage, cfg, storage_rules, N(storage_rules));
        if (r < 0)
            return r;
    }
    if (y->auth) {
        p = path_key(&root, "auth");
        r = vg_config_apply_rules(ld, &p, y->auth, cfg, auth_rules, N(auth_rules));
        if (r < 0)
            return r;
    }
    if (y->webrtc) {
        p = path_key(&root, "webrtc");
        r = vg_config_apply_rules(ld, &p, y->webrtc, cfg, webrtc_rules, N(webrtc_rules));
        if (r < 0)
            return r;
        l = path_key(&p, "addresses");
        r = vg_config_take_list(ld, &l, &y->webrtc->addresses, &y->webrtc->addresses_count,
                                &cfg->webrtc_addresses, &cfg->webrtc_addresses_count);
        if (r < 0)
            return r;
        r = apply_ice(ld, &p, y->webrtc, cfg);
        if (r < 0)
            return r;
    }
    if (y->mqtt) {
        p = path_key(&root, "mqtt");
        r = vg_config_apply_rules(ld, &p, y->mqtt, cfg, mqtt_rules, N(mqtt_rules));
        if (r < 0)
            return r;
    }
    if (y->retention) {
        p = path_key(&root, "retention");
        r = vg_config_apply_rules(ld, &p, y->retention, cfg, retention_rules, N(retention_rules));
        if (r < 0)
            return r;
    }
    if (y->streams) {
        p = path_key(&root, "streams");
        r = vg_config_apply_rules(ld, &p, y->streams, cfg, streams_rules, N(streams_rules));
        if (r < 0)
            return r;
    }
    if (y->log && y->log->level) {
        const char *level = vg_config_log_level_name(y->log->level);
        r = level ? vg_config_set_string(&cfg->log_level, level) : 0;
        if (r < 0)
            return r;
    }
    r = apply_cameras(ld, y, cfg);
    if (r < 0)
        return r;

    return vg_config_check(ld, cfg);
}

/* ---- public ---------------------------------------------------------------------------- */

struct vg_config *vg_config_new_defaults(void)
{
    struct vg_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return NULL;
    cfg->max_body_kb = 256;
    cfg->max_sessions_per_user = 5;
    cfg->session_ttl_hours = 168;
    cfg->lockout_attempts = 5;
    cfg->lockout_window_s = 300;
    cfg->lockout_duration_s = 300;
    cfg->webrtc_udp_port = 8555;
    cfg->webrtc_tcp_port = 8555;
    cfg->webrtc_consent_timeout_s = 30;
    cfg->mqtt_port = 1883;
    cfg->min_free_percent = 5;
    cfg->segment_seconds = 60;
    cfg->retention_interval_s = 60;
    cfg->stream_idle_timeout_s = 30;
    cfg->stream_stall_timeout_s = 5;
    cfg->stream_io_timeout_s = 5;
    if (vg_config_set_string(&cfg->listen, "127.0.0.1:8080") < 0 ||
        vg_config_set_string(&cfg->state_dir, "./vigil-data") < 0 ||
        vg_config_set_string(&cfg->mqtt_host, "127.0.0.1") < 0 ||
        vg_config_set_string(&cfg->mqtt_topic_prefix, "vigil") < 0 ||
        vg_config_set_string(&cfg->log_level, "info") < 0)
        return vg_config_free(cfg);
    return cfg;
}

/* Our own allocator, so strings libcyaml allocated can be moved into the config
 * and later released with free(). */
static void *mem(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

int vg_config_load_buffer(const char *name, const uint8_t *data, size_t len, char *err,
                          size_t errlen, struct vg_config **ret_cfg)
{
    struct loader ld = {
        .name = name ? name : "config",
        .text = data,
        .len = len,
        .err = err,
        .errlen = errlen,
    };
    struct capture cap = {0};
    const cyaml_config_t ccfg = {
        .log_fn = vg_config_capture_log,
        .log_ctx = &cap,
        .mem_fn = mem,
        .log_level = CYAML_LOG_WARNING,
        /* Aliases are replayed in full by libcyaml: a few bytes of *a could
         * become gigabytes of copies. */
        .flags = CYAML_CFG_NO_ALIAS,
    };
    struct y_root *y = NULL;
    struct vg_config *cfg = NULL;
    struct vg_config_pos pos;
    enum vg_config_node_kind kind;
    int r;

    if (err && errlen)
        err[0] = '\0';
    if (!data && len) {
        r = vg_config_report(&ld, NULL, "no data");
        goto out;
    }
    if (len > FILE_MAX) {
        vg_config_report(&ld, NULL, "file is larger than 1 MiB");
        r = -EFBIG;
        goto out;
    }

    cyaml_err_t e = cyaml_load_data(data ? data : (const uint8_t *)"", len, &ccfg,
                                    &vg_config_root_schema, (cyaml_data_t **)&y, NULL);
    if (e != CYAML_OK) {
        y = NULL;
        /* libcyaml wants a mapping even for "---" alone; that is an empty file. */
        bool empty = cap.nframes == 0 && strncmp(cap.msg, "Expecting ", 10) == 0 &&
                     vg_config_root_kind(data, len, &kind) == 0 && kind == VG_CONFIG_NODE_NONE;
        if (!empty) {
            r = vg_config_cyaml_failure(&ld, &cap, e);
            goto out;
        }
    } else if (!y && vg_config_root_kind(data, len, &kind) == 0 && kind != VG_CONFIG_NODE_NONE) {
        struct path top = {0};
        r = vg_config_fail_at(&ld, &top, VG_CONFIG_FIND_VALUE, "the top level must be a mapping");
        goto out;
    }
    if (cap.extra_document && vg_config_locate_extra_document(data, len, &pos) == 0) {
        r = vg_config_report(&ld, &pos, "only one YAML document is allowed (remove this '---')");
        goto out;
    }

    cfg = vg_config_new_defaults();
    if (!cfg) {
        r = -ENOMEM;
        goto out;
    }
    if (y) {
        r = apply(&ld, y, cfg);
        if (r < 0)
            goto out;
    }
    *ret_cfg = cfg;
    cfg = NULL;
    r = 0;
out:
    if (r == -ENOMEM && err && errlen && !err[0])
        vg_config_report(&ld, NULL, "out of memory");
    vg_config_free(cfg);
    if (y)
        cyaml_free(&ccfg, &vg_config_root_schema, y, 0);
    return r;
}

int vg_config_load_file(const char *path, char *err, size_t errlen, struct vg_config **ret_cfg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int fd = -1, r;

    if (err && errlen)
        err[0] = '\0';
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        goto fail_errno;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto fail_errno;
    }
    if (S_ISDIR(st.st_mode)) {
        r = -EISDIR;
        goto fail_errno;
    }
    /* One byte more than allowed tells a full-size file from a larger one. */
    buf = malloc(FILE_MAX + 1);
    if (!buf) {
        r = -ENOMEM;
        goto fail_errno;
    }
    while (len < FILE_MAX + 1) {
        ssize_t n = read(fd, buf + len, FILE_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            goto fail_errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    r = vg_config_load_buffer(path, buf, len, err, errlen, ret_cfg);
    goto out;

fail_errno:
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return r;
}

int vg_config_set_string(char **field, const char *value)
{
    char *copy = NULL;
    if (value) {
        copy = strdup(value);
        if (!copy)
            return -ENOMEM;
    }
    free(*field);
    *field = copy;
    return 0;
}

static void free_strings(char **v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

struct vg_config *vg_config_free(struct vg_config *cfg)
{
    if (!cfg)
        return NULL;
    free(cfg->listen);
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free_strings(cfg->cors_origins, cfg->cors_origins_count);
    free_strings(cfg->trusted_proxies, cfg->trusted_proxies_count);
    free(cfg->state_dir);
    free(cfg->stream_media_dir);
    free(cfg->recordings_dir);
    free_strings(cfg->webrtc_addresses, cfg->webrtc_addresses_count);
    free(cfg->webrtc_stun_server);
    for (unsigned i = 0; i < cfg->ice_servers_count; i++) {
        free_strings(cfg->ice_servers[i].urls, cfg->ice_servers[i].urls_count);
        free(cfg->ice_servers[i].username);
        free(cfg->ice_servers[i].credential);
    }
    free(cfg->ice_servers);
    free(cfg->mqtt_host);
    free(cfg->mqtt_username);
    free(cfg->mqtt_password);
    free(cfg->mqtt_topic_prefix);
    free(cfg->log_level);
    for (unsigned i = 0; i < cfg->cameras_count; i++) {
        struct vg_config_camera *c = &cfg->cameras[i];
        free(c->id);
        free(c->name);
        free(c->zone);
        free(c->main_url);
        free(c->sub_url);
        free(c->username);
        free(c->password);
    }
    free(cfg->cameras);
    free(cfg);
    return NULL;
}
