#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_locate.h"

#define DATA VG_TEST_DATA "/core/config/"
#define EXAMPLE VG_TEST_DATA "/../../vigil.example.yaml"

static struct vg_config *load_ok(const char *path)
{
    char err[VG_CONFIG_ERR_MAX] = "unset";
    struct vg_config *cfg = NULL;
    int r = vg_config_load_file(path, err, sizeof(err), &cfg);
    cr_assert_eq(r, 0, "loading %s failed: %d %s", path, r, err);
    cr_assert_not_null(cfg);
    return cfg;
}

static struct vg_config *load_text_ok(const char *text)
{
    char err[VG_CONFIG_ERR_MAX] = "unset";
    struct vg_config *cfg = NULL;
    int r = vg_config_load_buffer("t.yaml", (const uint8_t *)text, strlen(text), err, sizeof(err),
                                  &cfg);
    cr_assert_eq(r, 0, "loading <<%s>> failed: %d %s", text, r, err);
    cr_assert_not_null(cfg);
    return cfg;
}

/* Loads a file under tests/unit/core/config/ and checks the whole message,
 * which must start with the file's path and the expected "line:col:". */
static void expect_file_error(const char *file, const char *expected)
{
    char path[1024], want[2048], err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    snprintf(path, sizeof(path), DATA "%s", file);
    snprintf(want, sizeof(want), "%s%s", path, expected);
    int r = vg_config_load_file(path, err, sizeof(err), &cfg);
    cr_assert_eq(r, -EINVAL, "%s: got %d (%s)", file, r, err);
    cr_assert_null(cfg);
    cr_assert_str_eq(err, want);
}

/* For messages worded by libyaml: exact position, then the gist. */
static void expect_file_error_like(const char *file, const char *where, const char *gist)
{
    char path[1024], want[2048], err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    snprintf(path, sizeof(path), DATA "%s", file);
    snprintf(want, sizeof(want), "%s%s", path, where);
    int r = vg_config_load_file(path, err, sizeof(err), &cfg);
    cr_assert_eq(r, -EINVAL, "%s: got %d (%s)", file, r, err);
    cr_assert_null(cfg);
    cr_assert_eq(strncmp(err, want, strlen(want)), 0, "'%s' does not start with '%s'", err, want);
    cr_assert_not_null(strstr(err, gist), "'%s' does not mention '%s'", err, gist);
}

static void expect_text_error(const char *text, const char *expected)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    int r = vg_config_load_buffer("t.yaml", (const uint8_t *)text, strlen(text), err, sizeof(err),
                                  &cfg);
    cr_assert_eq(r, -EINVAL, "<<%s>>: got %d (%s)", text, r, err);
    cr_assert_null(cfg);
    cr_assert_str_eq(err, expected);
}

static void expect_defaults(const struct vg_config *cfg)
{
    cr_assert_str_eq(cfg->listen, "127.0.0.1:8080");
    cr_assert_null(cfg->tls_cert);
    cr_assert_null(cfg->tls_key);
    cr_assert_eq(cfg->cors_origins_count, 0);
    cr_assert_eq(cfg->trusted_proxies_count, 0);
    cr_assert_eq(cfg->max_body_kb, 256);
    cr_assert_str_eq(cfg->state_dir, "./vigil-data");
    cr_assert(!cfg->recordings_dir || !cfg->recordings_dir[0]);
    cr_assert_eq(cfg->max_sessions_per_user, 5);
    cr_assert_eq(cfg->session_ttl_hours, 168);
    cr_assert_eq(cfg->lockout_attempts, 5);
    cr_assert_eq(cfg->lockout_window_s, 300);
    cr_assert_eq(cfg->lockout_duration_s, 300);
    cr_assert_eq(cfg->webrtc_udp_port, 8555);
    cr_assert_eq(cfg->webrtc_tcp_port, 8555);
    cr_assert_eq(cfg->webrtc_addresses_count, 0);
    cr_assert(!cfg->webrtc_stun_server || !cfg->webrtc_stun_server[0]);
    cr_assert_eq(cfg->ice_servers_count, 0);
    cr_assert(!cfg->mqtt_enabled);
    cr_assert_str_eq(cfg->mqtt_host, "127.0.0.1");
    cr_assert_eq(cfg->mqtt_port, 1883);
    cr_assert_null(cfg->mqtt_username);
    cr_assert_null(cfg->mqtt_password);
    cr_assert_str_eq(cfg->mqtt_topic_prefix, "vigil");
    cr_assert_eq(cfg->max_storage_bytes, 0);
    cr_assert_eq(cfg->max_age_days, 0);
    cr_assert_eq(cfg->min_free_percent, 5);
    cr_assert_eq(cfg->segment_seconds, 60);
    cr_assert_str_eq(cfg->log_level, "info");
    cr_assert_eq(cfg->cameras_count, 0);
}

/* ---- defaults and good files ---- */

Test(config, test_config_defaults_are_the_documented_ones)
{
    struct vg_config *cfg = vg_config_new_defaults();
    cr_assert_not_null(cfg);
    expect_defaults(cfg);
    vg_config_free(cfg);
}

Test(config, test_config_empty_file_gives_defaults)
{
    struct vg_config *cfg = load_ok(DATA "empty.yaml");
    expect_defaults(cfg);
    vg_config_free(cfg);
}

Test(config, test_config_comments_only_file_gives_defaults)
{
    struct vg_config *cfg = load_ok(DATA "comments_only.yaml");
    expect_defaults(cfg);
    vg_config_free(cfg);
}

Test(config, test_config_empty_mapping_and_null_documents_give_defaults)
{
    const char *texts[] = {"{}", "{}\n", "---\n", "--- # nothing\n", "~\n", "---\n...\n", ""};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct vg_config *cfg = load_text_ok(texts[i]);
        expect_defaults(cfg);
        vg_config_free(cfg);
    }
}

Test(config, test_config_empty_sections_count_as_absent)
{
    struct vg_config *cfg = load_ok(DATA "empty_sections.yaml");
    expect_defaults(cfg);
    vg_config_free(cfg);
}

Test(config, test_config_loads_every_key_of_a_full_file)
{
    setenv("VIGIL_TEST_TURN", "turn-secret", 1);
    setenv("VIGIL_TEST_MQTT", "mqtt-secret", 1);
    setenv("VIGIL_TEST_CAM", "-cam-", 1);
    setenv("HOME", "/home/x", 1);
    struct vg_config *cfg = load_ok(DATA "good.yaml");

    cr_assert_str_eq(cfg->listen, "[::1]:9443");
    cr_assert_str_eq(cfg->tls_cert, "/etc/vigil/cert.pem");
    cr_assert_str_eq(cfg->tls_key, "/etc/vigil/key.pem");
    cr_assert_eq(cfg->cors_origins_count, 3);
    cr_assert_str_eq(cfg->cors_origins[0], "https://dash.example.com");
    cr_assert_str_eq(cfg->cors_origins[1], "http://192.168.1.10:3000");
    cr_assert_str_eq(cfg->cors_origins[2], "http://[fd00::1]:8080");
    cr_assert_eq(cfg->trusted_proxies_count, 4);
    cr_assert_str_eq(cfg->trusted_proxies[1], "10.0.0.0/8");
    cr_assert_str_eq(cfg->trusted_proxies[3], "fd00::/8");
    cr_assert_eq(cfg->max_body_kb, 1024);

    cr_assert_str_eq(cfg->state_dir, "/var/lib/vigil");
    cr_assert_str_eq(cfg->recordings_dir, "/srv/recordings");

    cr_assert_eq(cfg->max_sessions_per_user, 3);
    cr_assert_eq(cfg->session_ttl_hours, 24);
    cr_assert_eq(cfg->lockout_attempts, 10);
    cr_assert_eq(cfg->lockout_window_s, 600);
    cr_assert_eq(cfg->lockout_duration_s, 900);

    cr_assert_eq(cfg->webrtc_udp_port, 50000);
    cr_assert_eq(cfg->webrtc_tcp_port, 50001);
    cr_assert_eq(cfg->webrtc_addresses_count, 2);
    cr_assert_str_eq(cfg->webrtc_addresses[1], "2001:db8::7");
    cr_assert_str_eq(cfg->webrtc_stun_server, "stun.example.com:3478");
    cr_assert_eq(cfg->ice_servers_count, 2);
    cr_assert_eq(cfg->ice_servers[0].urls_count, 1);
    cr_assert_str_eq(cfg->ice_servers[0].urls[0], "stun:stun.example.com:3478");
    cr_assert_null(cfg->ice_servers[0].username);
    cr_assert_null(cfg->ice_servers[0].credential);
    cr_assert_eq(cfg->ice_servers[1].urls_count, 2);
    cr_assert_str_eq(cfg->ice_servers[1].urls[0], "turn:turn.example.com:3478?transport=udp");
    cr_assert_str_eq(cfg->ice_servers[1].urls[1], "turns:turn.example.com:5349");
    cr_assert_str_eq(cfg->ice_servers[1].username, "vigil");
    cr_assert_str_eq(cfg->ice_servers[1].credential, "turn-secret");

    cr_assert(cfg->mqtt_enabled);
    cr_assert_str_eq(cfg->mqtt_host, "broker.lan");
    cr_assert_eq(cfg->mqtt_port, 8883);
    cr_assert_str_eq(cfg->mqtt_username, "vigil");
    cr_assert_str_eq(cfg->mqtt_password, "mqtt-secret");
    cr_assert_str_eq(cfg->mqtt_topic_prefix, "home/nvr");

    cr_assert_eq(cfg->max_storage_bytes, 500000000000ull);
    cr_assert_eq(cfg->max_age_days, 30);
    cr_assert_eq(cfg->min_free_percent, 10);
    cr_assert_eq(cfg->segment_seconds, 300);
    cr_assert_str_eq(cfg->log_level, "debug");

    cr_assert_eq(cfg->cameras_count, 2);
    const struct vg_config_camera *c = &cfg->cameras[0];
    cr_assert_str_eq(c->id, "front-door");
    cr_assert_str_eq(c->name, "Front door");
    cr_assert_str_eq(c->zone, "Outside");
    cr_assert_str_eq(c->main_url, "rtsp://192.168.1.20:554/stream1");
    cr_assert_str_eq(c->sub_url, "rtsp://192.168.1.20:554/stream2");
    cr_assert_str_eq(c->username, "viewer");
    cr_assert_str_eq(c->password, "p-cam-q $HOME ${literal}");
    cr_assert(!c->enabled);
    cr_assert(c->record);
    vg_config_free(cfg);
}

Test(config, test_config_camera_defaults_name_to_id_and_enables_without_recording)
{
    setenv("VIGIL_TEST_TURN", "t", 1);
    setenv("VIGIL_TEST_MQTT", "m", 1);
    setenv("VIGIL_TEST_CAM", "c", 1);
    struct vg_config *cfg = load_ok(DATA "good.yaml");
    const struct vg_config_camera *c = &cfg->cameras[1];
    cr_assert_str_eq(c->id, "garage");
    cr_assert_str_eq(c->name, "garage");
    cr_assert_null(c->zone);
    cr_assert_str_eq(c->main_url, "demo:2");
    cr_assert_null(c->sub_url);
    cr_assert_null(c->username);
    cr_assert_null(c->password);
    cr_assert(c->enabled);
    cr_assert(!c->record);
    vg_config_free(cfg);
}

Test(config, test_config_example_file_loads)
{
    setenv("VIGIL_MQTT_PASSWORD", "mqtt", 1);
    setenv("VIGIL_TURN_CREDENTIAL", "turn", 1);
    setenv("VIGIL_CAM_PASSWORD", "cam", 1);
    struct vg_config *cfg = load_ok(EXAMPLE);
    /* The example documents the defaults: where it sets a value, it is the default. */
    cr_assert_str_eq(cfg->listen, "127.0.0.1:8080");
    cr_assert_null(cfg->tls_cert);
    cr_assert_eq(cfg->max_body_kb, 256);
    cr_assert_str_eq(cfg->state_dir, "./vigil-data");
    cr_assert_null(cfg->recordings_dir);
    cr_assert_eq(cfg->session_ttl_hours, 168);
    cr_assert_eq(cfg->webrtc_udp_port, 8555);
    cr_assert_eq(cfg->ice_servers_count, 2);
    cr_assert_str_eq(cfg->ice_servers[1].credential, "turn");
    cr_assert(!cfg->mqtt_enabled);
    cr_assert_str_eq(cfg->mqtt_password, "mqtt");
    cr_assert_eq(cfg->segment_seconds, 60);
    cr_assert_str_eq(cfg->log_level, "info");
    cr_assert_eq(cfg->cameras_count, 3);
    cr_assert_str_eq(cfg->cameras[0].password, "cam");
    cr_assert_str_eq(cfg->cameras[1].main_url, "demo:1");
    cr_assert_str_eq(cfg->cameras[2].main_url, "webrtc:");
    cr_assert_null(cfg->cameras[2].sub_url);
    vg_config_free(cfg);
}

Test(config, test_config_example_file_names_its_unset_variables)
{
    unsetenv("VIGIL_MQTT_PASSWORD");
    unsetenv("VIGIL_TURN_CREDENTIAL");
    unsetenv("VIGIL_CAM_PASSWORD");
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    cr_assert_eq(vg_config_load_file(EXAMPLE, err, sizeof(err), &cfg), -EINVAL);
    cr_assert_null(cfg);
    cr_assert_not_null(strstr(err, ": environment variable VIGIL_TURN_CREDENTIAL is not set"), "%s",
                       err);
}

Test(config, test_config_empty_optional_strings_become_null)
{
    struct vg_config *cfg = load_text_ok("server: {tls_cert: '', tls_key: ''}\n"
                                         "storage: {recordings_dir: ''}\n"
                                         "webrtc: {stun_server: ''}\n"
                                         "mqtt: {username: '', password: ''}\n");
    cr_assert_null(cfg->tls_cert);
    cr_assert_null(cfg->tls_key);
    cr_assert_null(cfg->recordings_dir);
    cr_assert_null(cfg->webrtc_stun_server);
    cr_assert_null(cfg->mqtt_username);
    cr_assert_null(cfg->mqtt_password);
    vg_config_free(cfg);
}

Test(config, test_config_accepts_yes_no_on_off_booleans)
{
    struct vg_config *cfg =
        load_text_ok("mqtt: {enabled: yes}\n"
                     "cameras:\n"
                     "  - {id: a, main_url: 'demo:1', enabled: off, record: On}\n");
    cr_assert(cfg->mqtt_enabled);
    cr_assert(!cfg->cameras[0].enabled);
    cr_assert(cfg->cameras[0].record);
    vg_config_free(cfg);
}

Test(config, test_config_accepts_range_limits)
{
    struct vg_config *cfg =
        load_text_ok("server: {max_body_kb: 16384}\n"
                     "webrtc: {udp_port: 65535, tcp_port: 1}\n"
                     "retention: {min_free_percent: 99, segment_seconds: 3600}\n");
    cr_assert_eq(cfg->max_body_kb, 16384);
    cr_assert_eq(cfg->webrtc_udp_port, 65535);
    cr_assert_eq(cfg->webrtc_tcp_port, 1);
    cr_assert_eq(cfg->min_free_percent, 99);
    vg_config_free(cfg);
}

/* ---- environment variables ---- */

Test(config, test_config_expands_environment_variables_in_strings)
{
    setenv("VIGIL_TEST_HOST", "10.1.2.3", 1);
    setenv("VIGIL_TEST_PORT", "8081", 1);
    struct vg_config *cfg =
        load_text_ok("server:\n  listen: ${VIGIL_TEST_HOST}:${VIGIL_TEST_PORT}\n");
    cr_assert_str_eq(cfg->listen, "10.1.2.3:8081");
    vg_config_free(cfg);
}

Test(config, test_config_checks_values_after_expansion)
{
    setenv("VIGIL_TEST_LISTEN", "nonsense", 1);
    expect_text_error("server:\n  listen: \"${VIGIL_TEST_LISTEN}\"\n",
                      "t.yaml:2:11: server.listen must be HOST:PORT or [IPv6]:PORT with a port "
                      "from 1 to 65535, not 'nonsense'");
}

Test(config, test_config_keeps_lone_dollars_and_unescapes_double_dollar_brace)
{
    struct vg_config *cfg = load_text_ok("mqtt:\n  password: 'a$b $ $$ $${NOT_A_VAR} $'\n");
    cr_assert_str_eq(cfg->mqtt_password, "a$b $ $$ ${NOT_A_VAR} $");
    vg_config_free(cfg);
}

Test(config, test_config_rejects_unset_environment_variable_with_position)
{
    unsetenv("VIGIL_TEST_UNSET");
    expect_file_error("unset_env.yaml", ":3:13: environment variable VIGIL_TEST_UNSET is not set");
}

Test(config, test_config_rejects_unterminated_variable_reference)
{
    expect_text_error("mqtt:\n  host: '${HOST'\n",
                      "t.yaml:2:9: mqtt.host has '${' without a closing '}'");
}

Test(config, test_config_rejects_bad_variable_name)
{
    expect_text_error("mqtt:\n  host: '${1HOST}'\n",
                      "t.yaml:2:9: mqtt.host has an invalid environment variable name in "
                      "'${...}'");
    expect_text_error("mqtt:\n  host: '${}'\n",
                      "t.yaml:2:9: mqtt.host has an invalid environment variable name in "
                      "'${...}'");
}

Test(config, test_config_numbers_are_not_expanded)
{
    setenv("VIGIL_TEST_PORT", "8081", 1);
    expect_text_error("mqtt:\n  port: ${VIGIL_TEST_PORT}\n",
                      "t.yaml:2:9: mqtt.port must be a whole number from 1 to 65535, not "
                      "'${VIGIL_TEST_PORT}'");
}

/* ---- shape errors, reported through libcyaml's backtrace ---- */

Test(config, test_config_rejects_unknown_top_level_key_with_position)
{
    expect_file_error("unknown_key_top.yaml", ":3:1: unknown key 'servre' at the top level");
}

Test(config, test_config_rejects_unknown_key_with_position)
{
    expect_file_error("unknown_key_nested.yaml", ":3:5: unknown key 'lisen' in server");
}

Test(config, test_config_rejects_unknown_camera_key_with_position)
{
    expect_file_error("unknown_key_camera.yaml", ":6:5: unknown key 'recrod' in cameras[1]");
}

Test(config, test_config_rejects_string_for_integer)
{
    expect_file_error("wrong_type_int.yaml",
                      ":2:16: server.max_body_kb must be a whole number from 1 to 16384, not "
                      "'lots'");
}

Test(config, test_config_rejects_fractional_and_negative_numbers)
{
    expect_text_error("auth: {lockout_attempts: 1.5}",
                      "t.yaml:1:26: auth.lockout_attempts must be a whole number from 1 to "
                      "1000, not '1.5'");
    expect_text_error("auth: {lockout_attempts: -3}",
                      "t.yaml:1:26: auth.lockout_attempts must be a whole number from 1 to "
                      "1000, not '-3'");
    expect_text_error("auth: {lockout_attempts: 99999999999999999999}",
                      "t.yaml:1:26: auth.lockout_attempts must be a whole number from 1 to "
                      "1000, not '99999999999999999999'");
}

Test(config, test_config_rejects_mapping_for_list)
{
    expect_file_error("wrong_type_list.yaml",
                      ":3:5: server.cors_origins must be a list, not a mapping");
}

Test(config, test_config_rejects_list_for_string)
{
    expect_text_error("storage:\n  state_dir: [a, b]\n",
                      "t.yaml:2:14: storage.state_dir must be a single value, not a list");
}

Test(config, test_config_rejects_scalar_for_section)
{
    expect_file_error("wrong_type_section.yaml",
                      ":1:7: mqtt must be a mapping, not a single value");
}

Test(config, test_config_rejects_non_boolean)
{
    expect_file_error("wrong_type_bool.yaml",
                      ":4:13: cameras[0].record must be true or false, not 'sometimes'");
}

Test(config, test_config_rejects_top_level_list)
{
    expect_text_error("- server\n", "t.yaml:1:1: the top level must be a mapping, not a list");
    expect_text_error("just words\n",
                      "t.yaml:1:1: the top level must be a mapping, not a single value");
}

Test(config, test_config_rejects_duplicate_key_at_second_occurrence)
{
    expect_file_error("duplicate_key.yaml", ":4:3: duplicate key 'listen' in server");
}

Test(config, test_config_rejects_camera_without_main_url)
{
    expect_file_error("missing_main_url.yaml",
                      ":4:5: missing required key 'main_url' in cameras[1]");
}

Test(config, test_config_rejects_ice_server_without_urls)
{
    expect_text_error("webrtc:\n  ice_servers:\n    - username: x\n",
                      "t.yaml:3:7: missing required key 'urls' in webrtc.ice_servers[0]");
    expect_text_error("webrtc:\n  ice_servers:\n    - urls: []\n",
                      "t.yaml:3:13: webrtc.ice_servers[0].urls needs at least 1 entry");
}

Test(config, test_config_rejects_second_document)
{
    expect_file_error("two_documents.yaml",
                      ":3:1: only one YAML document is allowed (remove this '---')");
}

Test(config, test_config_rejects_aliases)
{
    expect_file_error("alias.yaml", ":5:15: YAML aliases (*name) are not supported");
}

Test(config, test_config_rejects_wrong_item_type_in_list)
{
    expect_text_error("server:\n  cors_origins: [a, b, [c]]\n",
                      "t.yaml:2:24: server.cors_origins[2] must be a single value, not a list");
    expect_text_error("cameras: [{id: a, main_url: 'demo:1'}, 7]\n",
                      "t.yaml:1:40: cameras[1] must be a mapping, not a single value");
}

Test(config, test_config_counts_list_entries_right_at_every_depth)
{
    char text[512];
    int n = snprintf(text, sizeof(text),
                     "webrtc:\n  ice_servers:\n    - urls: [stun:a]\n"
                     "    - urls: [");
    for (int i = 0; i < 17; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "%sstun:x", i ? ", " : "");
    snprintf(text + n, sizeof(text) - (size_t)n, "]\n");
    expect_text_error(text, "t.yaml:4:142: webrtc.ice_servers[1].urls has more than 16 entries");
    expect_text_error("webrtc:\n  ice_servers:\n    - urls: [stun:a]\n"
                      "    - urls: [stun:b, [x]]\n",
                      "t.yaml:4:22: webrtc.ice_servers[1].urls[1] must be a single value, not "
                      "a list");
    expect_text_error("webrtc:\n  ice_servers:\n    - urls: [stun:a]\n"
                      "    - urls: [stun:b]\n      bogus: 1\n",
                      "t.yaml:5:7: unknown key 'bogus' in webrtc.ice_servers[1]");
}

/* ---- value errors, positioned by config_locate.c ---- */

Test(config, test_config_rejects_port_zero)
{
    expect_file_error("port_zero.yaml",
                      ":2:13: webrtc.udp_port must be a whole number from 1 to 65535, not '0'");
}

Test(config, test_config_rejects_port_above_65535)
{
    expect_file_error("port_too_big.yaml",
                      ":3:9: mqtt.port must be a whole number from 1 to 65535, not '70000'");
}

Test(config, test_config_rejects_bad_listen_address)
{
    expect_file_error("bad_listen.yaml",
                      ":2:11: server.listen must be HOST:PORT or [IPv6]:PORT with a port from 1 to "
                      "65535, not 'localhost'");
    expect_text_error("server: {listen: '::1:8080'}",
                      "t.yaml:1:18: server.listen must be HOST:PORT or [IPv6]:PORT with a port "
                      "from 1 to 65535, not '::1:8080'");
}

Test(config, test_config_rejects_unknown_log_level)
{
    expect_file_error("bad_log_level.yaml",
                      ":2:10: log.level must be debug, info, warn or error, not 'verbose'");
}

Test(config, test_config_rejects_tls_cert_without_key)
{
    expect_file_error("tls_cert_without_key.yaml",
                      ":3:13: server.tls_cert is set but server.tls_key is not: give both or "
                      "neither");
}

Test(config, test_config_rejects_cors_origin_with_path)
{
    expect_file_error("bad_cors_origin.yaml",
                      ":4:7: server.cors_origins[1] 'https://dash.example.com/' is not an origin "
                      "like https://host[:port] (no path, no trailing slash)");
    expect_text_error("server: {cors_origins: ['*']}",
                      "t.yaml:1:25: server.cors_origins[0] '*' is not an origin like "
                      "https://host[:port] (no path, no trailing slash)");
}

Test(config, test_config_rejects_bad_proxy_cidr)
{
    expect_file_error("bad_proxy_cidr.yaml",
                      ":2:32: server.trusted_proxies[1] '10.0.0.0/40' is not an IP address or "
                      "CIDR block");
}

Test(config, test_config_rejects_bad_webrtc_addresses)
{
    expect_text_error("webrtc: {addresses: [host.example.com]}",
                      "t.yaml:1:22: webrtc.addresses[0] 'host.example.com' is not an IP address");
    expect_text_error("webrtc: {stun_server: 'stun.example.com'}",
                      "t.yaml:1:23: webrtc.stun_server must be HOST:PORT, not "
                      "'stun.example.com'");
}

Test(config, test_config_rejects_turn_server_without_credential)
{
    expect_file_error("turn_without_credential.yaml",
                      ":4:14: webrtc.ice_servers[1].urls[0] is a TURN server, which needs "
                      "username and credential");
}

Test(config, test_config_rejects_unknown_ice_url_scheme)
{
    expect_file_error("bad_ice_url.yaml",
                      ":3:14: webrtc.ice_servers[0].urls[0] 'https://turn.example.com' must "
                      "start with stun:, stuns:, turn: or turns:");
}

Test(config, test_config_rejects_duplicate_camera_id)
{
    expect_file_error("duplicate_camera_id.yaml",
                      ":6:9: cameras[2].id 'porch' is already the id of cameras[0]");
}

Test(config, test_config_rejects_camera_id_that_is_not_a_slug)
{
    expect_file_error("bad_camera_id.yaml",
                      ":2:9: cameras[0].id 'Front Door' is not a valid id: 1 to 63 lowercase "
                      "letters, digits and '-', not starting or ending with '-'");
}

Test(config, test_config_rejects_file_url_without_media_dir)
{
    expect_file_error("bad_url_scheme.yaml",
                      ":3:15: cameras[0].main_url is not usable: file URLs are off: set "
                      "streams.media_dir");
}

Test(config, test_config_error_never_quotes_a_camera_url)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    const char *text = "cameras:\n  - id: a\n    main_url: 'gopher://me:hunter2@cam/'\n";
    cr_assert_eq(vg_config_load_buffer("t.yaml", (const uint8_t *)text, strlen(text), err,
                                       sizeof(err), &cfg),
                 -EINVAL);
    cr_assert_null(strstr(err, "hunter2"), "%s", err);
}

Test(config, test_config_rejects_bad_sub_url)
{
    expect_text_error("cameras:\n  - id: a\n    main_url: 'demo:1'\n    sub_url: 'rtsp://'\n",
                      "t.yaml:4:14: cameras[0].sub_url is not usable: URL has no host");
}

Test(config, test_config_accepts_a_webrtc_camera_without_a_sub_url)
{
    struct vg_config *cfg = load_text_ok("cameras:\n  - id: node\n    main_url: 'webrtc:'\n");
    cr_assert_eq(cfg->cameras_count, 1);
    cr_assert_str_eq(cfg->cameras[0].main_url, "webrtc:");
    vg_config_free(cfg);
}

Test(config, test_config_rejects_webrtc_with_a_suffix_or_a_sub_url)
{
    expect_text_error("cameras:\n  - id: a\n    main_url: 'webrtc:x'\n",
                      "t.yaml:3:15: cameras[0].main_url is not usable: a webrtc URL is exactly "
                      "'webrtc:' (lowercase, nothing after the colon)");
    expect_text_error("cameras:\n  - id: a\n    main_url: 'webrtc:'\n    sub_url: 'demo:1'\n",
                      "t.yaml:4:14: cameras[0].sub_url must be empty: a webrtc camera has no sub "
                      "stream");
    expect_text_error("cameras:\n  - id: a\n    main_url: 'demo:1'\n    sub_url: 'webrtc:'\n",
                      "t.yaml:4:14: cameras[0].sub_url is not usable: 'webrtc:' is a main_url "
                      "only (a camera published by a browser has no sub stream)");
}

Test(config, test_config_rejects_control_characters)
{
    expect_text_error("cameras:\n  - id: a\n    main_url: 'demo:1'\n    name: \"a\\tb\"\n",
                      "t.yaml:4:11: cameras[0].name contains a control character");
}

Test(config, test_config_rejects_mqtt_topic_wildcards)
{
    expect_text_error("mqtt: {topic_prefix: 'vigil/#'}",
                      "t.yaml:1:22: mqtt.topic_prefix must be non-empty and hold no '+' or '#'");
}

Test(config, test_config_rejects_empty_state_dir)
{
    expect_text_error("storage: {state_dir: ''}",
                      "t.yaml:1:22: storage.state_dir must not be empty");
}

/* ---- malformed YAML ---- */

Test(config, test_config_rejects_bad_indentation)
{
    expect_file_error_like("bad_indentation.yaml", ":3:2: ", "did not find expected key");
}

Test(config, test_config_rejects_unterminated_quote)
{
    expect_file_error_like("unterminated_quote.yaml", ":", "quoted scalar");
    /* libyaml notices at the end of the text; the message names where the quote began. */
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    vg_config_load_file(DATA "unterminated_quote.yaml", err, sizeof(err), &cfg);
    cr_assert_not_null(strstr(err, "line 2, column 11"), "%s", err);
}

Test(config, test_config_rejects_tabs)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    const char *text = "server:\n\tlisten: x\n";
    cr_assert_eq(vg_config_load_buffer("t.yaml", (const uint8_t *)text, strlen(text), err,
                                       sizeof(err), &cfg),
                 -EINVAL);
    cr_assert_eq(strncmp(err, "t.yaml:2:1: ", 12), 0, "%s", err);
}

Test(config, test_config_rejects_invalid_utf8)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    const char *text = "server:\n  listen: \xff\xfe\n";
    cr_assert_eq(vg_config_load_buffer("t.yaml", (const uint8_t *)text, strlen(text), err,
                                       sizeof(err), &cfg),
                 -EINVAL);
    cr_assert_eq(strncmp(err, "t.yaml:2:11: ", 13), 0, "%s", err);
}

Test(config, test_config_error_stays_on_one_line)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    const char *text = "server:\n  \"a\\nb\": 1\n";
    cr_assert_eq(vg_config_load_buffer("t.yaml", (const uint8_t *)text, strlen(text), err,
                                       sizeof(err), &cfg),
                 -EINVAL);
    cr_assert_null(strchr(err, '\n'), "%s", err);
    cr_assert_str_eq(err, "t.yaml:2:3: unknown key 'a?b' in server");
}

/* ---- limits and files ---- */

Test(config, test_config_rejects_file_over_1_mib)
{
    size_t len = 1024 * 1024 + 1;
    char *text = malloc(len);
    cr_assert_not_null(text);
    memset(text, '#', len);
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    cr_assert_eq(
        vg_config_load_buffer("big.yaml", (const uint8_t *)text, len, err, sizeof(err), &cfg),
        -EFBIG);
    cr_assert_str_eq(err, "big.yaml: file is larger than 1 MiB");
    free(text);
}

static char *cameras_text(unsigned n)
{
    size_t cap = 64 + (size_t)n * 64;
    char *text = malloc(cap);
    size_t len = (size_t)snprintf(text, cap, "cameras:\n");
    for (unsigned i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "  - {id: c%u, main_url: 'demo:1'}\n", i);
    return text;
}

Test(config, test_config_accepts_1024_cameras_and_rejects_more)
{
    char *text = cameras_text(1024);
    struct vg_config *cfg = load_text_ok(text);
    cr_assert_eq(cfg->cameras_count, 1024);
    vg_config_free(cfg);
    free(text);

    text = cameras_text(1025);
    expect_text_error(text, "t.yaml:1026:5: cameras has more than 1024 entries");
    free(text);
}

Test(config, test_config_reports_missing_file)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    cr_assert_eq(vg_config_load_file(DATA "no-such-file.yaml", err, sizeof(err), &cfg), -ENOENT);
    cr_assert_null(cfg);
    cr_assert_str_eq(err, DATA "no-such-file.yaml: No such file or directory");
}

Test(config, test_config_truncates_long_messages_safely)
{
    char err[16];
    struct vg_config *cfg = NULL;
    cr_assert_eq(vg_config_load_file(DATA "unknown_key_nested.yaml", err, sizeof(err), &cfg),
                 -EINVAL);
    cr_assert_eq(strlen(err), sizeof(err) - 1);
    cr_assert_eq(vg_config_load_file(DATA "unknown_key_nested.yaml", NULL, 0, &cfg), -EINVAL);
    cr_assert_null(cfg);
}

/* ---- helpers ---- */

Test(config, test_config_parse_listen_splits_host_and_port)
{
    char host[64];
    uint16_t port = 0;
    cr_assert_eq(vg_config_parse_listen("0.0.0.0:8080", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "0.0.0.0");
    cr_assert_eq(port, 8080);
    cr_assert_eq(vg_config_parse_listen("[::]:443", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "::");
    cr_assert_eq(port, 443);
    cr_assert_eq(vg_config_parse_listen("nvr.lan:65535", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "nvr.lan");
    cr_assert_eq(port, 65535);
}

Test(config, test_config_parse_listen_rejects_malformed_addresses)
{
    const char *bad[] = {
        "",         "8080",     ":8080",    "host:",      "host:0",    "host:65536",
        "host:80x", "host:+80", "::1:8080", "[::1]8080",  "[::1:8080", "[nope]:8080",
        "a b:80",   "h:1:2",    "[]:80",    "host:123456"};
    char host[64];
    uint16_t port = 7;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(vg_config_parse_listen(bad[i], host, sizeof(host), &port), -EINVAL, "%s",
                     bad[i]);
    cr_assert_eq(port, 7, "port must not be written on failure");
    cr_assert_eq(vg_config_parse_listen(NULL, host, sizeof(host), &port), -EINVAL);
    cr_assert_eq(vg_config_parse_listen("averylonghostname:80", host, 8, &port), -EINVAL);
}

Test(config, test_config_set_string_replaces_and_clears)
{
    char *s = NULL;
    cr_assert_eq(vg_config_set_string(&s, "one"), 0);
    cr_assert_str_eq(s, "one");
    cr_assert_eq(vg_config_set_string(&s, "two"), 0);
    cr_assert_str_eq(s, "two");
    cr_assert_eq(vg_config_set_string(&s, NULL), 0);
    cr_assert_null(s);
}

Test(config, test_config_free_accepts_null)
{
    cr_assert_null(vg_config_free(NULL));
}

/* ---- config_locate.c ---- */

static const char locate_text[] = "server:\n"
                                  "  listen: a\n"
                                  "cameras:\n"
                                  "  - id: one\n"
                                  "    main_url: x\n"
                                  "  - {id: two, main_url: y, name: [a, b]}\n"
                                  "  - id: three\n"
                                  "    main_url: z\n"
                                  "    main_url: w\n";

static int locate(const struct vg_config_step *path, size_t depth, enum vg_config_find what,
                  struct vg_config_pos *pos)
{
    return vg_config_locate((const uint8_t *)locate_text, strlen(locate_text), path, depth, what,
                            pos);
}

Test(config, test_config_locate_finds_nested_values_and_keys)
{
    struct vg_config_pos pos = {0};
    const struct vg_config_step main_url[] = {
        {.key = "cameras"}, {.index = 2}, {.key = "main_url"}};
    cr_assert_eq(locate(main_url, 3, VG_CONFIG_FIND_VALUE, &pos), 0);
    cr_assert_eq(pos.line, 8);
    cr_assert_eq(pos.col, 15);
    cr_assert_eq(locate(main_url, 3, VG_CONFIG_FIND_KEY, &pos), 0);
    cr_assert_eq(pos.line, 8);
    cr_assert_eq(pos.col, 5);
    cr_assert_eq(locate(main_url, 3, VG_CONFIG_FIND_REPEATED_KEY, &pos), 0);
    cr_assert_eq(pos.line, 9);
    cr_assert_eq(pos.col, 5);

    const struct vg_config_step flow[] = {{.key = "cameras"}, {.index = 1}, {.key = "main_url"}};
    cr_assert_eq(locate(flow, 3, VG_CONFIG_FIND_VALUE, &pos), 0);
    cr_assert_eq(pos.line, 6);
    cr_assert_eq(pos.col, 25);

    const struct vg_config_step listen[] = {{.key = "server"}, {.key = "listen"}};
    cr_assert_eq(locate(listen, 2, VG_CONFIG_FIND_VALUE, &pos), 0);
    cr_assert_eq(pos.line, 2);
    cr_assert_eq(pos.col, 11);

    cr_assert_eq(locate(NULL, 0, VG_CONFIG_FIND_VALUE, &pos), 0);
    cr_assert_eq(pos.line, 1);
    cr_assert_eq(pos.col, 1);
}

Test(config, test_config_locate_reports_missing_nodes)
{
    struct vg_config_pos pos = {0};
    const struct vg_config_step past_end[] = {{.key = "cameras"}, {.index = 3}};
    const struct vg_config_step no_key[] = {{.key = "storage"}};
    const struct vg_config_step into_scalar[] = {
        {.key = "server"}, {.key = "listen"}, {.index = 0}};
    const struct vg_config_step wrong_kind[] = {{.index = 0}};
    cr_assert_eq(locate(past_end, 2, VG_CONFIG_FIND_VALUE, &pos), -ENOENT);
    cr_assert_eq(locate(no_key, 1, VG_CONFIG_FIND_VALUE, &pos), -ENOENT);
    cr_assert_eq(locate(into_scalar, 3, VG_CONFIG_FIND_VALUE, &pos), -ENOENT);
    cr_assert_eq(locate(wrong_kind, 1, VG_CONFIG_FIND_VALUE, &pos), -ENOENT);
    cr_assert_eq(vg_config_locate((const uint8_t *)"", 0, no_key, 1, VG_CONFIG_FIND_VALUE, &pos),
                 -ENOENT);
}

Test(config, test_config_locate_stops_before_deep_nesting, .timeout = 10)
{
    /* Flow nesting makes libyaml quadratic; the scan must stop at the node. */
    size_t depth = 500000;
    char *text = malloc(depth + 64);
    int n = snprintf(text, depth + 64, "server: {listen: a}\ncameras: ");
    memset(text + n, '[', depth);
    const struct vg_config_step listen[] = {{.key = "server"}, {.key = "listen"}};
    struct vg_config_pos pos = {0};
    cr_assert_eq(vg_config_locate((const uint8_t *)text, (size_t)n + depth, listen, 2,
                                  VG_CONFIG_FIND_VALUE, &pos),
                 0);
    cr_assert_eq(pos.line, 1);
    cr_assert_eq(pos.col, 18);

    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    cr_assert_eq(vg_config_load_buffer("t.yaml", (const uint8_t *)text, (size_t)n + depth, err,
                                       sizeof(err), &cfg),
                 -EINVAL);
    cr_assert_str_eq(err, "t.yaml:2:11: cameras[0] must be a mapping, not a list");
    free(text);
}
