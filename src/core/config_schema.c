/* The libcyaml schema for vigil.yaml: which keys exist, what shape each has
 * and how long lists may be. The structs it fills are in config_schema.h. */
#include "core/config_schema.h"

#define CAMERAS_MAX 1024
#define LIST_MAX 64 /* cors_origins, addresses, ice_servers */
#define PROXIES_MAX 256
#define ICE_URLS_MAX 16

#define OPT CYAML_FLAG_OPTIONAL
/* A section or list may be written empty or as null ("mqtt:" with every key
 * commented out) and then counts as absent. */
#define OPT_NULL (CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL_STR)
#define STR(key, flags, type, member)                                                              \
    CYAML_FIELD_STRING_PTR(key, flags, type, member, 0, CYAML_UNLIMITED)

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t server_fields[] = {
    STR("listen", OPT, struct y_server, listen),
    STR("tls_cert", OPT, struct y_server, tls_cert),
    STR("tls_key", OPT, struct y_server, tls_key),
    CYAML_FIELD_SEQUENCE("cors_origins", OPT_NULL, struct y_server, cors_origins, &string_entry, 0,
                         LIST_MAX),
    CYAML_FIELD_SEQUENCE("trusted_proxies", OPT_NULL, struct y_server, trusted_proxies,
                         &string_entry, 0, PROXIES_MAX),
    STR("max_body_kb", OPT, struct y_server, max_body_kb),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t storage_fields[] = {
    STR("state_dir", OPT, struct y_storage, state_dir),
    STR("recordings_dir", OPT, struct y_storage, recordings_dir),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t auth_fields[] = {
    STR("max_sessions_per_user", OPT, struct y_auth, max_sessions_per_user),
    STR("session_ttl_hours", OPT, struct y_auth, session_ttl_hours),
    STR("lockout_attempts", OPT, struct y_auth, lockout_attempts),
    STR("lockout_window_s", OPT, struct y_auth, lockout_window_s),
    STR("lockout_duration_s", OPT, struct y_auth, lockout_duration_s),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t ice_fields[] = {
    CYAML_FIELD_SEQUENCE("urls", CYAML_FLAG_POINTER, struct vg_ice_server, urls, &string_entry, 1,
                         ICE_URLS_MAX),
    STR("username", OPT, struct vg_ice_server, username),
    STR("credential", OPT, struct vg_ice_server, credential),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t ice_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct vg_ice_server, ice_fields),
};

static const cyaml_schema_field_t webrtc_fields[] = {
    STR("udp_port", OPT, struct y_webrtc, udp_port),
    STR("tcp_port", OPT, struct y_webrtc, tcp_port),
    STR("consent_timeout_s", OPT, struct y_webrtc, consent_timeout_s),
    CYAML_FIELD_SEQUENCE("addresses", OPT_NULL, struct y_webrtc, addresses, &string_entry, 0,
                         LIST_MAX),
    STR("stun_server", OPT, struct y_webrtc, stun_server),
    CYAML_FIELD_SEQUENCE("ice_servers", OPT_NULL, struct y_webrtc, ice_servers, &ice_entry, 0,
                         LIST_MAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t mqtt_fields[] = {
    STR("enabled", OPT, struct y_mqtt, enabled),
    STR("host", OPT, struct y_mqtt, host),
    STR("port", OPT, struct y_mqtt, port),
    STR("username", OPT, struct y_mqtt, username),
    STR("password", OPT, struct y_mqtt, password),
    STR("topic_prefix", OPT, struct y_mqtt, topic_prefix),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t streams_fields[] = {
    STR("idle_timeout_s", OPT, struct y_streams, idle_timeout_s),
    STR("stall_timeout_s", OPT, struct y_streams, stall_timeout_s),
    STR("io_timeout_s", OPT, struct y_streams, io_timeout_s),
    STR("media_dir", OPT, struct y_streams, media_dir),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t retention_fields[] = {
    STR("max_storage_gb", OPT, struct y_retention, max_storage_gb),
    STR("max_age_days", OPT, struct y_retention, max_age_days),
    STR("min_free_percent", OPT, struct y_retention, min_free_percent),
    STR("segment_seconds", OPT, struct y_retention, segment_seconds),
    STR("interval_s", OPT, struct y_retention, interval_s),
    CYAML_FIELD_END,
};

static const cyaml_strval_t log_levels[] = {
    {"debug", 1},
    {"info", 2},
    {"warn", 3},
    {"error", 4},
};

static const cyaml_schema_field_t log_fields[] = {
    CYAML_FIELD_ENUM("level", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, struct y_log, level,
                     log_levels, CYAML_ARRAY_LEN(log_levels)),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t camera_fields[] = {
    STR("id", CYAML_FLAG_DEFAULT, struct y_camera, id),
    STR("name", OPT, struct y_camera, name),
    STR("zone", OPT, struct y_camera, zone),
    STR("main_url", CYAML_FLAG_DEFAULT, struct y_camera, main_url),
    STR("sub_url", OPT, struct y_camera, sub_url),
    STR("username", OPT, struct y_camera, username),
    STR("password", OPT, struct y_camera, password),
    STR("enabled", OPT, struct y_camera, enabled),
    STR("record", OPT, struct y_camera, record),
    STR("record_stream", OPT, struct y_camera, record_stream),
    STR("retention_days", OPT, struct y_camera, retention_days),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t camera_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct y_camera, camera_fields),
};

static const cyaml_schema_field_t root_fields[] = {
    CYAML_FIELD_MAPPING_PTR("server", OPT_NULL, struct y_root, server, server_fields),
    CYAML_FIELD_MAPPING_PTR("storage", OPT_NULL, struct y_root, storage, storage_fields),
    CYAML_FIELD_MAPPING_PTR("auth", OPT_NULL, struct y_root, auth, auth_fields),
    CYAML_FIELD_MAPPING_PTR("webrtc", OPT_NULL, struct y_root, webrtc, webrtc_fields),
    CYAML_FIELD_MAPPING_PTR("mqtt", OPT_NULL, struct y_root, mqtt, mqtt_fields),
    CYAML_FIELD_MAPPING_PTR("retention", OPT_NULL, struct y_root, retention, retention_fields),
    CYAML_FIELD_MAPPING_PTR("streams", OPT_NULL, struct y_root, streams, streams_fields),
    CYAML_FIELD_MAPPING_PTR("log", OPT_NULL, struct y_root, log, log_fields),
    CYAML_FIELD_SEQUENCE("cameras", OPT_NULL, struct y_root, cameras, &camera_entry, 0,
                         CAMERAS_MAX),
    CYAML_FIELD_END,
};

const cyaml_schema_value_t vg_config_root_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct y_root, root_fields),
};

const char *vg_config_log_level_name(int level)
{
    for (size_t i = 0; i < CYAML_ARRAY_LEN(log_levels); i++) {
        if (log_levels[i].val == level)
            return log_levels[i].str;
    }
    return NULL;
}
