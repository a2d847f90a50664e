/* What libcyaml fills in from vigil.yaml, for the config*.c files only.
 *
 * The schema checks shape alone: known keys, mappings vs lists vs scalars,
 * list sizes. Scalars are read as strings (NULL when absent, so the default
 * stays) and parsed by config_values.c, because libcyaml 1.3 takes "1.5" as 1
 * and "maybe" as true. */
#pragma once

#include <cyaml/cyaml.h>

#include "core/config.h"

struct y_server {
    char *listen;
    char *tls_cert;
    char *tls_key;
    char **cors_origins;
    unsigned cors_origins_count;
    char **trusted_proxies;
    unsigned trusted_proxies_count;
    char *max_body_kb;
};

struct y_storage {
    char *state_dir;
    char *recordings_dir;
};

struct y_auth {
    char *max_sessions_per_user;
    char *session_ttl_hours;
    char *lockout_attempts;
    char *lockout_window_s;
    char *lockout_duration_s;
};

struct y_webrtc {
    char *udp_port;
    char *tcp_port;
    char *consent_timeout_s;
    char **addresses;
    unsigned addresses_count;
    char *stun_server;
    struct vg_ice_server *ice_servers; /* same shape as the public struct: moved as is */
    unsigned ice_servers_count;
};

struct y_mqtt {
    char *enabled;
    char *host;
    char *port;
    char *username;
    char *password;
    char *topic_prefix;
};

struct y_retention {
    char *max_storage_gb;
    char *max_age_days;
    char *min_free_percent;
    char *segment_seconds;
    char *interval_s;
};

struct y_streams {
    char *idle_timeout_s;
    char *stall_timeout_s;
    char *io_timeout_s;
    char *media_dir;
};

struct y_log {
    int level; /* 0: absent, else a value vg_config_log_level_name() knows */
};

struct y_camera {
    char *id;
    char *name;
    char *zone;
    char *main_url;
    char *sub_url;
    char *username;
    char *password;
    char *enabled;
    char *record;
    char *record_stream;
    char *retention_days;
};

struct y_root {
    struct y_server *server;
    struct y_storage *storage;
    struct y_auth *auth;
    struct y_webrtc *webrtc;
    struct y_mqtt *mqtt;
    struct y_retention *retention;
    struct y_streams *streams;
    struct y_log *log;
    struct y_camera *cameras;
    unsigned cameras_count;
};

/* The whole file: a struct y_root, allocated by libcyaml. */
extern const cyaml_schema_value_t vg_config_root_schema;

/* "debug", "info", "warn" or "error" for a non-zero y_log.level; NULL otherwise.
 * The string is static. */
const char *vg_config_log_level_name(int level);
