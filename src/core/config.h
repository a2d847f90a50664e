/* Vigil configuration: the YAML file, defaults and command-line overrides.
 *
 * The file is read with libcyaml against a strict schema. Every problem is
 * reported as "file:line:col: message" and makes loading fail, so a typo never
 * silently becomes a default. String values may name environment variables as
 * ${VAR}; they are expanded after parsing so secrets need not sit in the file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_ice_server {
    char **urls; /* "stun:host:port", "turn:host:port?transport=udp", ... */
    unsigned urls_count;
    char *username;   /* TURN only; NULL when absent */
    char *credential; /* TURN only; NULL when absent */
};

struct vg_config_camera {
    char *id; /* slug */
    char *name;
    char *zone;
    char *main_url;
    char *sub_url;
    char *username;
    char *password;
    bool enabled;
    bool record;
    bool record_sub;         /* record_stream: sub */
    uint32_t retention_days; /* 0: retention.max_age_days */
};

struct vg_config {
    /* server */
    char *listen; /* "HOST:PORT" */
    char *tls_cert;
    char *tls_key;
    char **cors_origins;
    unsigned cors_origins_count;
    char **trusted_proxies; /* IP addresses or CIDR blocks */
    unsigned trusted_proxies_count;
    uint32_t max_body_kb;

    /* storage */
    char *state_dir;
    char *recordings_dir;

    /* auth */
    uint32_t max_sessions_per_user;
    uint32_t session_ttl_hours;
    uint32_t lockout_attempts;
    uint32_t lockout_window_s;
    uint32_t lockout_duration_s;

    /* webrtc */
    uint16_t webrtc_udp_port;
    uint16_t webrtc_tcp_port;
    uint32_t webrtc_consent_timeout_s; /* a silent browser's session ends after this */
    char **webrtc_addresses;
    unsigned webrtc_addresses_count;
    char *webrtc_stun_server; /* for discovering a public address */
    struct vg_ice_server *ice_servers;
    unsigned ice_servers_count;

    /* mqtt */
    bool mqtt_enabled;
    char *mqtt_host;
    uint16_t mqtt_port;
    char *mqtt_username;
    char *mqtt_password;
    char *mqtt_topic_prefix;

    /* retention */
    uint64_t max_storage_bytes; /* max_storage_gb, decimals allowed; 0: no limit */
    uint32_t max_age_days;      /* 0: no limit */
    uint32_t min_free_percent;
    uint32_t segment_seconds;
    uint32_t retention_interval_s;

    /* streams */
    uint32_t stream_idle_timeout_s;  /* stop a stream nobody watches or records */
    uint32_t stream_stall_timeout_s; /* no new frame for this long: restart */
    uint32_t stream_io_timeout_s;    /* connect/read timeout of a source */
    char *stream_media_dir;          /* file:// cameras must be inside it; NULL: none allowed */

    /* log */
    char *log_level; /* "debug", "info", "warn", "error" */

    struct vg_config_camera *cameras;
    unsigned cameras_count;
};

/* Errors are written into err (always NUL-terminated) as "file:line:col: message". */
#define VG_CONFIG_ERR_MAX 512

/* Returns a config holding every default. Caller owns it; free with vg_config_free(). */
struct vg_config *vg_config_new_defaults(void);

/* Loads and validates a YAML file. On success *ret_cfg is a new config the caller
 * owns. Returns 0, or -EINVAL (bad content), -ENOENT/-EACCES/... (cannot read),
 * with a message in err. */
int vg_config_load_file(const char *path, char *err, size_t errlen, struct vg_config **ret_cfg);

/* Same as vg_config_load_file() over a buffer; name is used in messages. */
int vg_config_load_buffer(const char *name, const uint8_t *data, size_t len, char *err,
                          size_t errlen, struct vg_config **ret_cfg);

/* Replaces a string field with a copy of value (NULL clears it). Returns 0 or -ENOMEM. */
int vg_config_set_string(char **field, const char *value);

/* Splits "HOST:PORT" or "[v6]:PORT". host must hold 64 bytes. Returns 0 or -EINVAL. */
int vg_config_parse_listen(const char *listen, char *host, size_t hostlen, uint16_t *ret_port);

/* Accepts NULL; returns NULL. */
struct vg_config *vg_config_free(struct vg_config *cfg);
