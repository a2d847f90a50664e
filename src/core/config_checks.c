/* Checks on whole values once they are in struct vg_config: listen addresses,
 * origins, proxies, ICE URLs, MQTT settings and cameras. Address blocks are
 * parsed by netaddr.c, the same code that matches them at run time. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "core/config_internal.h"
#include "core/netaddr.h"
#include "core/url.h"
#include "core/util.h"

static bool port_valid(const char *s, const char *end)
{
    uint32_t port = 0;
    if (s == end || end - s > 5)
        return false;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return false;
        port = port * 10 + (uint32_t)(*s - '0');
    }
    return port >= 1 && port <= 65535;
}

static bool hostname_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

static bool ipv6_valid(const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 1];
    struct in6_addr a;
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET6, buf, &a) == 1;
}

static bool ip_valid(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

/* "http(s)://host[:port]" exactly as a browser sends it in Origin: no path, no
 * trailing slash. */
static bool origin_valid(const char *s)
{
    const char *p;
    if (strncmp(s, "https://", 8) == 0)
        p = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        p = s + 7;
    else
        return false;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || !ipv6_valid(p + 1, (size_t)(close - p - 1)))
            return false;
        p = close + 1;
    } else {
        const char *h = p;
        while (hostname_char(*p) && *p != '_')
            p++;
        if (p == h)
            return false;
    }
    if (*p == ':')
        return port_valid(p + 1, p + strlen(p));
    return *p == '\0';
}

static bool ice_url_valid(const char *s, bool *ret_turn)
{
    static const char *const schemes[] = {"stun:", "stuns:", "turn:", "turns:"};
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(s, schemes[i], n) == 0 && s[n]) {
            *ret_turn = i >= 2;
            return true;
        }
    }
    return false;
}

static int check_server(struct loader *ld, const struct vg_config *cfg)
{
    struct path root = {0}, server = path_key(&root, "server"), p;
    char host[64], sbuf[48];
    uint16_t port;

    if (vg_config_parse_listen(cfg->listen, host, sizeof(host), &port) < 0) {
        p = path_key(&server, "listen");
        return vg_config_fail_value(ld, &p,
                                    "must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, "
                                    "not '%s'",
                                    vg_config_shorten(cfg->listen, sbuf, sizeof(sbuf)));
    }
    if (!cfg->tls_cert != !cfg->tls_key) {
        p = path_key(&server, cfg->tls_cert ? "tls_cert" : "tls_key");
        return vg_config_fail_value(ld, &p, "is set but server.%s is not: give both or neither",
                                    cfg->tls_cert ? "tls_key" : "tls_cert");
    }
    for (unsigned i = 0; i < cfg->cors_origins_count; i++) {
        if (origin_valid(cfg->cors_origins[i]))
            continue;
        p = path_key(&server, "cors_origins");
        p = path_index(&p, i);
        return vg_config_fail_value(ld, &p,
                                    "'%s' is not an origin like https://host[:port] "
                                    "(no path, no trailing slash)",
                                    vg_config_shorten(cfg->cors_origins[i], sbuf, sizeof(sbuf)));
    }
    for (unsigned i = 0; i < cfg->trusted_proxies_count; i++) {
        if (vg_cidr_valid(cfg->trusted_proxies[i]))
            continue;
        p = path_key(&server, "trusted_proxies");
        p = path_index(&p, i);
        return vg_config_fail_value(ld, &p, "'%s' is not an IP address or CIDR block",
                                    vg_config_shorten(cfg->trusted_proxies[i], sbuf, sizeof(sbuf)));
    }
    if (!cfg->state_dir[0]) {
        p = path_key(&root, "storage");
        p = path_key(&p, "state_dir");
        return vg_config_fail_value(ld, &p, "must not be empty");
    }
    return 0;
}

static int check_webrtc(struct loader *ld, const struct vg_config *cfg)
{
    struct path root = {0}, webrtc = path_key(&root, "webrtc"), p;
    char host[256], sbuf[48];
    uint16_t port;

    for (unsigned i = 0; i < cfg->webrtc_addresses_count; i++) {
        if (ip_valid(cfg->webrtc_addresses[i]))
            continue;
        p = path_key(&webrtc, "addresses");
        p = path_index(&p, i);
        return vg_config_fail_value(
            ld, &p, "'%s' is not an IP address",
            vg_config_shorten(cfg->webrtc_addresses[i], sbuf, sizeof(sbuf)));
    }
    if (cfg->webrtc_stun_server &&
        vg_config_parse_listen(cfg->webrtc_stun_server, host, sizeof(host), &port) < 0) {
        p = path_key(&webrtc, "stun_server");
        return vg_config_fail_value(ld, &p, "must be HOST:PORT, not '%s'",
                                    vg_config_shorten(cfg->webrtc_stun_server, sbuf, sizeof(sbuf)));
    }
    for (unsigned i = 0; i < cfg->ice_servers_count; i++) {
        const struct vg_ice_server *ice = &cfg->ice_servers[i];
        struct path s = path_key(&webrtc, "ice_servers");
        s = path_index(&s, i);
        for (unsigned j = 0; j < ice->urls_count; j++) {
            bool turn;
            p = path_key(&s, "urls");
            p = path_index(&p, j);
            if (!ice_url_valid(ice->urls[j], &turn))
                return vg_config_fail_value(ld, &p,
                                            "'%s' must start with stun:, stuns:, turn: or turns:",
                                            vg_config_shorten(ice->urls[j], sbuf, sizeof(sbuf)));
            if (turn && (!ice->username || !ice->credential))
                return vg_config_fail_value(ld, &p,
                                            "is a TURN server, which needs username and "
                                            "credential");
        }
    }
    return 0;
}

static int check_mqtt(struct loader *ld, const struct vg_config *cfg)
{
    struct path root = {0}, mqtt = path_key(&root, "mqtt"), p;

    if (cfg->mqtt_enabled && !cfg->mqtt_host[0]) {
        p = path_key(&mqtt, "host");
        return vg_config_fail_value(ld, &p, "must be set when mqtt.enabled is true");
    }
    /* The prefix starts topics Vigil publishes to; wildcards are only for
     * subscribing. */
    if (!cfg->mqtt_topic_prefix[0] || strpbrk(cfg->mqtt_topic_prefix, "+#")) {
        p = path_key(&mqtt, "topic_prefix");
        return vg_config_fail_value(ld, &p, "must be non-empty and hold no '+' or '#'");
    }
    return 0;
}

static int check_cameras(struct loader *ld, const struct vg_config *cfg)
{
    struct path root = {0}, cams = path_key(&root, "cameras"), c, p;
    char sbuf[48];
    const char *reason;

    for (unsigned i = 0; i < cfg->cameras_count; i++) {
        const struct vg_config_camera *cam = &cfg->cameras[i];
        c = path_index(&cams, i);
        p = path_key(&c, "id");
        if (!vg_slug_valid(cam->id))
            return vg_config_fail_value(ld, &p,
                                        "'%s' is not a valid id: 1 to %d lowercase letters, "
                                        "digits and '-', not starting or ending with '-'",
                                        vg_config_shorten(cam->id, sbuf, sizeof(sbuf)),
                                        VG_SLUG_MAX - 1);
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(cfg->cameras[j].id, cam->id) == 0)
                return vg_config_fail_value(ld, &p, "'%s' is already the id of cameras[%u]",
                                            cam->id, j);
        }
        /* The reason never quotes the URL, which may carry a password. */
        p = path_key(&c, "main_url");
        if (vg_url_validate(cam->main_url, &reason) < 0)
            return vg_config_fail_value(ld, &p, "is not usable: %s", reason);
        char path[PATH_MAX];
        if (strncasecmp(cam->main_url, "file:", 5) == 0 &&
            vg_url_file_path(cam->main_url, cfg->stream_media_dir, path, sizeof(path), &reason) < 0)
            return vg_config_fail_value(ld, &p, "is not usable: %s", reason);
        p = path_key(&c, "sub_url");
        if (cam->sub_url && vg_url_validate(cam->sub_url, &reason) < 0)
            return vg_config_fail_value(ld, &p, "is not usable: %s", reason);
        /* A browser publishes one stream: there is nothing to pull a sub stream from. */
        if (cam->sub_url && cam->sub_url[0] && vg_url_is_webrtc(cam->main_url))
            return vg_config_fail_value(ld, &p, "must be empty: a webrtc camera has no sub stream");
        if (cam->sub_url && vg_url_is_webrtc(cam->sub_url))
            return vg_config_fail_value(ld, &p,
                                        "is not usable: 'webrtc:' is a main_url only (a camera "
                                        "published by a browser has no sub stream)");
        if (cam->sub_url && strncasecmp(cam->sub_url, "file:", 5) == 0 &&
            vg_url_file_path(cam->sub_url, cfg->stream_media_dir, path, sizeof(path), &reason) < 0)
            return vg_config_fail_value(ld, &p, "is not usable: %s", reason);
    }
    return 0;
}

int vg_config_check(struct loader *ld, const struct vg_config *cfg)
{
    int r = check_server(ld, cfg);
    if (r >= 0)
        r = check_webrtc(ld, cfg);
    if (r >= 0)
        r = check_mqtt(ld, cfg);
    if (r >= 0)
        r = check_cameras(ld, cfg);
    return r;
}

int vg_config_parse_listen(const char *listen, char *host, size_t hostlen, uint16_t *ret_port)
{
    const char *h, *port;
    size_t hlen;

    if (!listen)
        return -EINVAL;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            return -EINVAL;
        h = listen + 1;
        hlen = (size_t)(close - h);
        if (!ipv6_valid(h, hlen))
            return -EINVAL;
        port = close + 2;
    } else {
        const char *colon = strchr(listen, ':');
        if (!colon)
            return -EINVAL;
        h = listen;
        hlen = (size_t)(colon - listen);
        if (hlen == 0)
            return -EINVAL;
        for (size_t i = 0; i < hlen; i++) {
            if (!hostname_char(h[i]))
                return -EINVAL;
        }
        port = colon + 1;
    }
    const char *end = port + strlen(port);
    if (!port_valid(port, end) || hlen >= hostlen)
        return -EINVAL;
    uint32_t v = 0;
    for (const char *c = port; c < end; c++)
        v = v * 10 + (uint32_t)(*c - '0');
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *ret_port = (uint16_t)v;
    return 0;
}
