/* Loading vigil.yaml.
 *
 * libcyaml checks the shape (known keys, mappings vs lists vs scalars, list
 * sizes) into the private y_* structs below; the values are then checked
 * and moved into struct vg_config here. Numbers and booleans are read as
 * strings and parsed by us because libcyaml 1.3 takes "1.5" as 1 and "maybe"
 * as true. Positions come from libcyaml's backtrace for shape errors and from
 * config_locate.c for value errors; the locator only runs when there is an
 * error to report. */
#include "core/config.h"

#include <arpa/inet.h>
#include <cyaml/cyaml.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config_locate.h"
#include "core/url.h"
#include "core/util.h"

#define FILE_MAX (1024 * 1024)
#define STRING_MAX 4096 /* any string value, after ${VAR} expansion */
#define CAMERAS_MAX 1024
#define LIST_MAX 64 /* cors_origins, addresses, ice_servers */
#define PROXIES_MAX 256
#define ICE_URLS_MAX 16

/* ---- what libcyaml fills in ------------------------------------------------------------- */

/* Scalars are char *: NULL means absent, so the default stays. */
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
};

struct y_log {
    int level; /* 0: absent, else a log_levels value */
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
};

struct y_root {
    struct y_server *server;
    struct y_storage *storage;
    struct y_auth *auth;
    struct y_webrtc *webrtc;
    struct y_mqtt *mqtt;
    struct y_retention *retention;
    struct y_log *log;
    struct y_camera *cameras;
    unsigned cameras_count;
};

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

static const cyaml_schema_field_t retention_fields[] = {
    STR("max_storage_gb", OPT, struct y_retention, max_storage_gb),
    STR("max_age_days", OPT, struct y_retention, max_age_days),
    STR("min_free_percent", OPT, struct y_retention, min_free_percent),
    STR("segment_seconds", OPT, struct y_retention, segment_seconds),
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
    CYAML_FIELD_MAPPING_PTR("log", OPT_NULL, struct y_root, log, log_fields),
    CYAML_FIELD_SEQUENCE("cameras", OPT_NULL, struct y_root, cameras, &camera_entry, 0,
                         CAMERAS_MAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t root_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct y_root, root_fields),
};

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

/* ---- libcyaml's log, turned back into data ---------------------------------------------- */

enum frame_kind { FRAME_MAPPING, FRAME_FIELD, FRAME_ENTRY };

struct frame {
    enum frame_kind kind;
    char key[48];
    unsigned index;
    bool has_pos;
    struct vg_config_pos pos;
};

#define FRAMES_MAX 16

/* On an error libcyaml logs one message, then "Backtrace:" and one line per
 * nesting level, innermost first, e.g. "  in mapping field 'server' (line: 3,
 * column: 5)". */
struct capture {
    char msg[1280]; /* room for any implicit key: YAML caps those at 1024 characters */
    bool have_msg;
    bool in_backtrace;
    bool extra_document;
    struct frame frames[FRAMES_MAX];
    unsigned nframes;
};

static void capture_frame(struct capture *cap, const char *line)
{
    struct frame f = {0};
    unsigned l, c;
    if (sscanf(line, "  in mapping field '%47[^']' (line: %u, column: %u)", f.key, &l, &c) == 3) {
        f.kind = FRAME_FIELD;
        f.has_pos = true;
    } else if (sscanf(line, "  in mapping field: %47s", f.key) == 1) {
        f.kind = FRAME_FIELD;
    } else if (sscanf(line, "  in sequence entry '%u' (line: %u, column: %u)", &f.index, &l, &c) ==
               3) {
        f.kind = FRAME_ENTRY;
        f.has_pos = true;
    } else if (sscanf(line, "  in sequence entry: %u", &f.index) == 1) {
        f.kind = FRAME_ENTRY;
    } else if (sscanf(line, "  in mapping (line: %u, column: %u)", &l, &c) == 2) {
        f.kind = FRAME_MAPPING;
        f.has_pos = true;
    } else {
        return;
    }
    if (f.has_pos)
        f.pos = (struct vg_config_pos){.line = l, .col = c};
    if (cap->nframes < FRAMES_MAX)
        cap->frames[cap->nframes++] = f;
}

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    struct capture *cap = ctx;
    char line[sizeof(cap->msg) + 8];

    vsnprintf(line, sizeof(line), fmt, args);
    /* Only the final newline: a quoted key may hold others. */
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n')
        line[n - 1] = '\0';
    if (strstr(line, "Ignoring documents after first")) {
        cap->extra_document = true;
        return;
    }
    if (level < CYAML_LOG_ERROR)
        return;
    if (strncmp(line, "Load: Backtrace:", 16) == 0) {
        cap->in_backtrace = true;
    } else if (cap->in_backtrace) {
        capture_frame(cap, line);
    } else if (!cap->have_msg) {
        const char *m = strncmp(line, "Load: ", 6) == 0 ? line + 6 : line;
        (void)vg_strlcpy(cap->msg, sizeof(cap->msg), m); /* a cut message still helps */
        cap->have_msg = true;
    }
}

/* ---- paths and error messages ----------------------------------------------------------- */

struct path {
    struct vg_config_step step[VG_CONFIG_PATH_MAX];
    unsigned depth;
};

static struct path path_key(const struct path *base, const char *key)
{
    struct path p = *base;
    if (p.depth < VG_CONFIG_PATH_MAX)
        p.step[p.depth++] = (struct vg_config_step){.key = key};
    return p;
}

static struct path path_index(const struct path *base, unsigned index)
{
    struct path p = *base;
    if (p.depth < VG_CONFIG_PATH_MAX)
        p.step[p.depth++] = (struct vg_config_step){.index = index};
    return p;
}

/* "cameras[2].main_url", as a user would name the value. */
static void path_format(const struct path *p, char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < p->depth && n < outlen; i++) {
        int w;
        if (p->step[i].key)
            w = snprintf(out + n, outlen - n, "%s%s", i ? "." : "", p->step[i].key);
        else
            w = snprintf(out + n, outlen - n, "[%u]", p->step[i].index);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

struct loader {
    const char *name;
    const uint8_t *text;
    size_t len;
    char *err;
    size_t errlen;
    bool have_fallback; /* where to point when a path cannot be found */
    struct vg_config_pos fallback;
};

static bool locate(struct loader *ld, const struct path *p, enum vg_config_find what,
                   struct vg_config_pos *ret_pos)
{
    return vg_config_locate(ld->text, ld->len, p->step, p->depth, what, ret_pos) == 0;
}

/* Values quoted in messages are cut short; secrets are never quoted at all. */
static const char *shorten(const char *s, char *buf, size_t buflen)
{
    if (strlen(s) < buflen)
        return s;
    snprintf(buf, buflen, "%.*s...", (int)(buflen - 4), s);
    return buf;
}

/* Writes "name:line:col: message" (or "name: message" without a position) and
 * returns -EINVAL. A message stays on one line whatever the file contained. */
static int report(struct loader *ld, const struct vg_config_pos *pos, const char *msg)
{
    if (!ld->err || ld->errlen == 0)
        return -EINVAL;
    if (pos)
        snprintf(ld->err, ld->errlen, "%s:%u:%u: %s", ld->name, pos->line, pos->col, msg);
    else
        snprintf(ld->err, ld->errlen, "%s: %s", ld->name, msg);
    for (char *c = ld->err; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
    return -EINVAL;
}

__attribute__((format(printf, 4, 5))) static int
fail_at(struct loader *ld, const struct path *p, enum vg_config_find what, const char *fmt, ...)
{
    char msg[VG_CONFIG_ERR_MAX];
    struct vg_config_pos pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (locate(ld, p, what, &pos))
        return report(ld, &pos, msg);
    return report(ld, ld->have_fallback ? &ld->fallback : NULL, msg);
}

/* "<where> <problem>", positioned at the value. */
__attribute__((format(printf, 3, 4))) static int fail_value(struct loader *ld, const struct path *p,
                                                            const char *fmt, ...)
{
    char where[128], msg[VG_CONFIG_ERR_MAX - 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    path_format(p, where, sizeof(where));
    return fail_at(ld, p, VG_CONFIG_FIND_VALUE, "%s %s", where, msg);
}

/* ---- turning libcyaml's complaint into one message -------------------------------------- */

static const char *expected_name(const char *type)
{
    if (strcmp(type, "MAPPING") == 0)
        return "a mapping";
    if (strncmp(type, "SEQUENCE", 8) == 0)
        return "a list";
    return "a single value";
}

static const char *event_name(const char *event)
{
    if (strcmp(event, "MAPPING_START") == 0)
        return "a mapping";
    if (strcmp(event, "SEQUENCE_START") == 0)
        return "a list";
    if (strcmp(event, "SCALAR") == 0)
        return "a single value";
    return "something else";
}

static int syntax_error(struct loader *ld, const struct vg_config_syntax *s)
{
    char msg[VG_CONFIG_ERR_MAX];
    bool same = s->context_pos.line == s->pos.line && s->context_pos.col == s->pos.col;
    if (s->context && same)
        snprintf(msg, sizeof(msg), "%s %s", s->problem, s->context);
    else if (s->context)
        snprintf(msg, sizeof(msg), "%s %s (from line %u, column %u)", s->problem, s->context,
                 s->context_pos.line, s->context_pos.col);
    else
        snprintf(msg, sizeof(msg), "%s", s->problem);
    return report(ld, &s->pos, msg);
}

/* The rest of m after prefix, or NULL. */
static const char *after(const char *m, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(m, prefix, n) == 0 ? m + n : NULL;
}

static int cyaml_failure(struct loader *ld, struct capture *cap, cyaml_err_t e)
{
    struct path p = {0};
    const char *m = cap->msg, *rest;
    char where[128], arg[128], arg2[64], sbuf[48];
    unsigned n1, n2;
    struct vg_config_pos pos;

    if (e == CYAML_ERR_OOM) {
        report(ld, NULL, "out of memory");
        return -ENOMEM;
    }
    if (e == CYAML_ERR_LIBYAML_PARSER) {
        /* libcyaml's backtrace shows where it was, not where libyaml gave up. */
        struct vg_config_syntax syntax;
        int r = vg_config_syntax_check(ld->text, ld->len, &syntax);
        if (r == -ENOMEM) {
            report(ld, NULL, "out of memory");
            return r;
        }
        if (r < 0)
            return syntax_error(ld, &syntax);
    }
    if (e == CYAML_ERR_ALIAS) {
        bool found = vg_config_locate_alias(ld->text, ld->len, &pos) == 0;
        return report(ld, found ? &pos : NULL, "YAML aliases (*name) are not supported");
    }

    /* Unexpected, duplicate and missing keys are reported from inside the
     * mapping: its frame names no field, or a stale one, so drop it. */
    const char *unknown = after(m, "Unexpected key: ");
    const char *duplicate = after(m, "Mapping field already seen: ");
    const char *missing = after(m, "Missing required mapping field: ");
    bool in_mapping = unknown || duplicate || missing;
    /* While an entry is being read its sequence counts it already; the entry
     * that makes a list too long is refused before the count moves. */
    bool count_is_index = after(m, "Excessive entries") != NULL;
    for (unsigned i = cap->nframes; i-- > 0;) {
        const struct frame *f = &cap->frames[i];
        if (f->kind == FRAME_FIELD && !(in_mapping && i == 0))
            p = path_key(&p, f->key);
        else if (f->kind == FRAME_ENTRY && count_is_index && i == 0)
            p = path_index(&p, f->index);
        else if (f->kind == FRAME_ENTRY && f->index > 0)
            p = path_index(&p, f->index - 1);
    }
    /* A key libcyaml quoted only in part cannot be found again: fall back on
     * the mapping it sits in, or on libcyaml's own position. */
    const struct frame *inner = cap->nframes ? &cap->frames[0] : NULL;
    if (locate(ld, &p, VG_CONFIG_FIND_VALUE, &ld->fallback)) {
        ld->have_fallback = true;
    } else if (inner && inner->has_pos) {
        ld->fallback = inner->pos;
        ld->have_fallback = true;
    }
    path_format(&p, where, sizeof(where));
    char in_where[160];
    snprintf(in_where, sizeof(in_where), "%s%s", p.depth ? " in " : " at the top level", where);

    if (unknown) {
        struct path k = path_key(&p, unknown);
        return fail_at(ld, &k, VG_CONFIG_FIND_KEY, "unknown key '%s'%s",
                       shorten(unknown, sbuf, sizeof(sbuf)), in_where);
    }
    if (duplicate) {
        struct path k = path_key(&p, duplicate);
        return fail_at(ld, &k, VG_CONFIG_FIND_REPEATED_KEY, "duplicate key '%s'%s", duplicate,
                       in_where);
    }
    if (missing)
        return fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "missing required key '%s'%s", missing,
                       in_where);
    if (sscanf(m, "Expecting %127[^,], got event: %63s", arg, arg2) == 2) {
        if (p.depth == 0)
            return fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "the top level must be %s, not %s",
                           expected_name(arg), event_name(arg2));
        return fail_value(ld, &p, "must be %s, not %s", expected_name(arg), event_name(arg2));
    }
    rest = after(m, "Invalid ENUM value: ");
    if (rest) {
        /* log.level is the only enumeration in the schema. */
        return fail_value(ld, &p, "must be debug, info, warn or error, not '%s'",
                          shorten(rest, sbuf, sizeof(sbuf)));
    }
    if (sscanf(m, "Excessive entries (%u max)", &n1) == 1) {
        struct path list = p;
        if (list.depth)
            list.depth--;
        path_format(&list, where, sizeof(where));
        return fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "%s has more than %u entries", where, n1);
    }
    if (sscanf(m, "Insufficient entries (%u of %u min)", &n1, &n2) == 2)
        return fail_value(ld, &p, "needs at least %u %s", n2, n2 == 1 ? "entry" : "entries");

    /* Anything else: libcyaml's own words at the innermost position it gave. */
    if (!cap->have_msg) {
        /* Its frames are stale here (seen with a list or mapping as a key). */
        snprintf(arg, sizeof(arg), "unsupported YAML construct (libcyaml: %s)", cyaml_strerror(e));
        return report(ld, inner && inner->has_pos ? &inner->pos : NULL, arg);
    }
    return fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "%s%s%.300s", where, p.depth ? ": " : "", m);
}

/* ---- values ---------------------------------------------------------------------------- */

static bool env_name_char(char c, bool first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

/* Expands ${NAME} from the environment; "$${" stands for a literal "${" and any
 * other '$' is kept. *ret_out is a new string, or NULL when nothing changed. */
static int expand_env(struct loader *ld, const struct path *p, const char *in, char **ret_out)
{
    char *out = NULL;
    size_t n = 0;
    int r;

    if (!strchr(in, '$')) {
        *ret_out = NULL;
        return 0;
    }
    out = malloc(STRING_MAX + 1);
    if (!out)
        return -ENOMEM;
    for (const char *s = in; *s;) {
        const char *piece = s;
        size_t plen = 1;
        char name[256];
        if (strncmp(s, "$${", 3) == 0) {
            piece = "${";
            plen = 2;
            s += 3;
        } else if (strncmp(s, "${", 2) == 0) {
            const char *start = s + 2, *end = strchr(start, '}');
            if (!end) {
                r = fail_value(ld, p, "has '${' without a closing '}'");
                goto out;
            }
            size_t len = (size_t)(end - start);
            bool ok = len > 0 && len < sizeof(name);
            for (size_t i = 0; ok && i < len; i++)
                ok = env_name_char(start[i], i == 0);
            if (!ok) {
                r = fail_value(ld, p, "has an invalid environment variable name in '${...}'");
                goto out;
            }
            memcpy(name, start, len);
            name[len] = '\0';
            piece = getenv(name);
            if (!piece) {
                r = fail_at(ld, p, VG_CONFIG_FIND_VALUE, "environment variable %s is not set",
                            name);
                goto out;
            }
            plen = strlen(piece);
            s = end + 1;
        } else {
            s++;
        }
        if (plen > STRING_MAX - n) {
            r = fail_value(ld, p, "is longer than %d bytes once environment variables are expanded",
                           STRING_MAX);
            goto out;
        }
        memcpy(out + n, piece, plen);
        n += plen;
    }
    out[n] = '\0';
    *ret_out = out;
    out = NULL;
    r = 0;
out:
    free(out);
    return r;
}

/* Expands *s in place, then checks it is a sane one-line string. */
static int take_text(struct loader *ld, const struct path *p, char **s)
{
    char *expanded;
    int r = expand_env(ld, p, *s, &expanded);
    if (r < 0)
        return r;
    if (expanded) {
        free(*s);
        *s = expanded;
    }
    if (strlen(*s) > STRING_MAX)
        return fail_value(ld, p, "is longer than %d bytes", STRING_MAX);
    for (const unsigned char *c = (const unsigned char *)*s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f)
            return fail_value(ld, p, "contains a control character");
    }
    return 0;
}

/* Moves *src into *dst. Optional strings that end up empty become NULL. */
static int take_string(struct loader *ld, const struct path *p, char **src, char **dst,
                       bool optional)
{
    int r = take_text(ld, p, src);
    if (r < 0)
        return r;
    free(*dst);
    if (optional && !(*src)[0]) {
        *dst = NULL;
    } else {
        *dst = *src;
        *src = NULL;
    }
    return 0;
}

/* For strings that stay where libcyaml put them: empty becomes NULL. */
static int take_optional_in_place(struct loader *ld, const struct path *p, char **s)
{
    if (!*s)
        return 0;
    int r = take_text(ld, p, s);
    if (r < 0)
        return r;
    if (!(*s)[0]) {
        free(*s);
        *s = NULL;
    }
    return 0;
}

static int take_list(struct loader *ld, const struct path *p, char ***src, unsigned *src_count,
                     char ***dst, unsigned *dst_count)
{
    for (unsigned i = 0; i < *src_count; i++) {
        struct path e = path_index(p, i);
        int r = take_text(ld, &e, &(*src)[i]);
        if (r < 0)
            return r;
    }
    *dst = *src;
    *dst_count = *src_count;
    *src = NULL;
    *src_count = 0;
    return 0;
}

static bool parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return false;
    }
    if (v < min || v > max)
        return false;
    *ret = (uint32_t)v;
    return true;
}

static bool parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *ret = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *ret = false;
            return true;
        }
    }
    return false;
}

enum kind { K_STR, K_OPT_STR, K_UINT, K_BOOL };

/* One scalar key: where libcyaml put it and where it goes. */
struct rule {
    const char *key;
    enum kind kind;
    size_t from;    /* char * in the y_ struct */
    size_t to;      /* field in the destination struct */
    size_t to_size; /* K_UINT: 2 or 4 */
    uint32_t min, max;
};

#define RULE(k, kd, ys, ym, ds, dm, lo, hi)                                                        \
    {                                                                                              \
        .key = k, .kind = kd, .from = offsetof(ys, ym), .to = offsetof(ds, dm),                    \
        .to_size = sizeof(((ds *)0)->dm), .min = lo, .max = hi                                     \
    }

static int apply_rules(struct loader *ld, const struct path *base, void *ysec, void *dst,
                       const struct rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct rule *rule = &rules[i];
        char **src = (char **)((char *)ysec + rule->from);
        void *to = (char *)dst + rule->to;
        struct path p = path_key(base, rule->key);
        char sbuf[48];
        uint32_t v;
        bool b;
        int r = 0;

        if (!*src)
            continue;
        switch (rule->kind) {
        case K_STR:
        case K_OPT_STR:
            r = take_string(ld, &p, src, to, rule->kind == K_OPT_STR);
            break;
        case K_UINT:
            if (!parse_uint(*src, rule->min, rule->max, &v)) {
                r = fail_value(ld, &p, "must be a whole number from %u to %u, not '%s'", rule->min,
                               rule->max, shorten(*src, sbuf, sizeof(sbuf)));
            } else if (rule->to_size == sizeof(uint16_t)) {
                *(uint16_t *)to = (uint16_t)v;
            } else {
                *(uint32_t *)to = v;
            }
            break;
        case K_BOOL:
            if (!parse_bool(*src, &b))
                r = fail_value(ld, &p, "must be true or false, not '%s'",
                               shorten(*src, sbuf, sizeof(sbuf)));
            else
                *(bool *)to = b;
            break;
        }
        if (r < 0)
            return r;
    }
    return 0;
}

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

static const struct rule retention_rules[] = {
    RULE("max_storage_gb", K_UINT, struct y_retention, max_storage_gb, C, max_storage_gb, 0,
         1000000),
    RULE("max_age_days", K_UINT, struct y_retention, max_age_days, C, max_age_days, 0, 36500),
    RULE("min_free_percent", K_UINT, struct y_retention, min_free_percent, C, min_free_percent, 0,
         99),
    RULE("segment_seconds", K_UINT, struct y_retention, segment_seconds, C, segment_seconds, 1,
         3600),
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
};

#undef CAM

/* ---- checks on whole values ------------------------------------------------------------- */

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

/* An address, or an address with a /prefix that fits its family. */
static bool cidr_valid(const char *s)
{
    char buf[INET6_ADDRSTRLEN + 1];
    struct in6_addr a;
    const char *slash = strchr(s, '/');
    if (!slash)
        return ip_valid(s);
    size_t len = (size_t)(slash - s);
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    unsigned bits;
    if (inet_pton(AF_INET, buf, &a) == 1)
        bits = 32;
    else if (inet_pton(AF_INET6, buf, &a) == 1)
        bits = 128;
    else
        return false;
    const char *d = slash + 1;
    unsigned prefix = 0;
    if (!*d || strlen(d) > 3)
        return false;
    for (; *d; d++) {
        if (*d < '0' || *d > '9')
            return false;
        prefix = prefix * 10 + (unsigned)(*d - '0');
    }
    return prefix <= bits;
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
    for (size_t i = 0; i < N(schemes); i++) {
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
        return fail_value(ld, &p,
                          "must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, "
                          "not '%s'",
                          shorten(cfg->listen, sbuf, sizeof(sbuf)));
    }
    if (!cfg->tls_cert != !cfg->tls_key) {
        p = path_key(&server, cfg->tls_cert ? "tls_cert" : "tls_key");
        return fail_value(ld, &p, "is set but server.%s is not: give both or neither",
                          cfg->tls_cert ? "tls_key" : "tls_cert");
    }
    for (unsigned i = 0; i < cfg->cors_origins_count; i++) {
        if (origin_valid(cfg->cors_origins[i]))
            continue;
        p = path_key(&server, "cors_origins");
        p = path_index(&p, i);
        return fail_value(ld, &p,
                          "'%s' is not an origin like https://host[:port] "
                          "(no path, no trailing slash)",
                          shorten(cfg->cors_origins[i], sbuf, sizeof(sbuf)));
    }
    for (unsigned i = 0; i < cfg->trusted_proxies_count; i++) {
        if (cidr_valid(cfg->trusted_proxies[i]))
            continue;
        p = path_key(&server, "trusted_proxies");
        p = path_index(&p, i);
        return fail_value(ld, &p, "'%s' is not an IP address or CIDR block",
                          shorten(cfg->trusted_proxies[i], sbuf, sizeof(sbuf)));
    }
    if (!cfg->state_dir[0]) {
        p = path_key(&root, "storage");
        p = path_key(&p, "state_dir");
        return fail_value(ld, &p, "must not be empty");
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
        return fail_value(ld, &p, "'%s' is not an IP address",
                          shorten(cfg->webrtc_addresses[i], sbuf, sizeof(sbuf)));
    }
    if (cfg->webrtc_stun_server &&
        vg_config_parse_listen(cfg->webrtc_stun_server, host, sizeof(host), &port) < 0) {
        p = path_key(&webrtc, "stun_server");
        return fail_value(ld, &p, "must be HOST:PORT, not '%s'",
                          shorten(cfg->webrtc_stun_server, sbuf, sizeof(sbuf)));
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
                return fail_value(ld, &p, "'%s' must start with stun:, stuns:, turn: or turns:",
                                  shorten(ice->urls[j], sbuf, sizeof(sbuf)));
            if (turn && (!ice->username || !ice->credential))
                return fail_value(ld, &p,
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
        return fail_value(ld, &p, "must be set when mqtt.enabled is true");
    }
    /* The prefix starts topics Vigil publishes to; wildcards are only for
     * subscribing. */
    if (!cfg->mqtt_topic_prefix[0] || strpbrk(cfg->mqtt_topic_prefix, "+#")) {
        p = path_key(&mqtt, "topic_prefix");
        return fail_value(ld, &p, "must be non-empty and hold no '+' or '#'");
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
            return fail_value(ld, &p,
                              "'%s' is not a valid id: 1 to %d lowercase letters, "
                              "digits and '-', not starting or ending with '-'",
                              shorten(cam->id, sbuf, sizeof(sbuf)), VG_SLUG_MAX - 1);
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(cfg->cameras[j].id, cam->id) == 0)
                return fail_value(ld, &p, "'%s' is already the id of cameras[%u]", cam->id, j);
        }
        /* The reason never quotes the URL, which may carry a password. */
        p = path_key(&c, "main_url");
        if (vg_url_validate(cam->main_url, &reason) < 0)
            return fail_value(ld, &p, "is not usable: %s", reason);
        p = path_key(&c, "sub_url");
        if (cam->sub_url && vg_url_validate(cam->sub_url, &reason) < 0)
            return fail_value(ld, &p, "is not usable: %s", reason);
    }
    return 0;
}

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
            int r = take_text(ld, &u, &ice->urls[j]);
            if (r < 0)
                return r;
        }
        p = path_key(&s, "username");
        int r = take_optional_in_place(ld, &p, &ice->username);
        if (r < 0)
            return r;
        p = path_key(&s, "credential");
        r = take_optional_in_place(ld, &p, &ice->credential);
        if (r < 0)
            return r;
    }
    cfg->ice_servers = y->ice_servers;
    cfg->ice_servers_count = y->ice_servers_count;
    y->ice_servers = NULL;
    y->ice_servers_count = 0;
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
        int r = apply_rules(ld, &c, &y->cameras[i], cam, camera_rules, N(camera_rules));
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
        r = apply_rules(ld, &p, y->server, cfg, server_rules, N(server_rules));
        if (r < 0)
            return r;
        l = path_key(&p, "cors_origins");
        r = take_list(ld, &l, &y->server->cors_origins, &y->server->cors_origins_count,
                      &cfg->cors_origins, &cfg->cors_origins_count);
        if (r < 0)
            return r;
        l = path_key(&p, "trusted_proxies");
        r = take_list(ld, &l, &y->server->trusted_proxies, &y->server->trusted_proxies_count,
                      &cfg->trusted_proxies, &cfg->trusted_proxies_count);
        if (r < 0)
            return r;
    }
    if (y->storage) {
        p = path_key(&root, "storage");
        r = apply_rules(ld, &p, y->storage, cfg, storage_rules, N(storage_rules));
        if (r < 0)
            return r;
    }
    if (y->auth) {
        p = path_key(&root, "auth");
        r = apply_rules(ld, &p, y->auth, cfg, auth_rules, N(auth_rules));
        if (r < 0)
            return r;
    }
    if (y->webrtc) {
        p = path_key(&root, "webrtc");
        r = apply_rules(ld, &p, y->webrtc, cfg, webrtc_rules, N(webrtc_rules));
        if (r < 0)
            return r;
        l = path_key(&p, "addresses");
        r = take_list(ld, &l, &y->webrtc->addresses, &y->webrtc->addresses_count,
                      &cfg->webrtc_addresses, &cfg->webrtc_addresses_count);
        if (r < 0)
            return r;
        r = apply_ice(ld, &p, y->webrtc, cfg);
        if (r < 0)
            return r;
    }
    if (y->mqtt) {
        p = path_key(&root, "mqtt");
        r = apply_rules(ld, &p, y->mqtt, cfg, mqtt_rules, N(mqtt_rules));
        if (r < 0)
            return r;
    }
    if (y->retention) {
        p = path_key(&root, "retention");
        r = apply_rules(ld, &p, y->retention, cfg, retention_rules, N(retention_rules));
        if (r < 0)
            return r;
    }
    if (y->log && y->log->level) {
        for (size_t i = 0; i < N(log_levels); i++) {
            if (log_levels[i].val == y->log->level)
                r = vg_config_set_string(&cfg->log_level, log_levels[i].str);
        }
        if (r < 0)
            return r;
    }
    r = apply_cameras(ld, y, cfg);
    if (r < 0)
        return r;

    r = check_server(ld, cfg);
    if (r >= 0)
        r = check_webrtc(ld, cfg);
    if (r >= 0)
        r = check_mqtt(ld, cfg);
    if (r >= 0)
        r = check_cameras(ld, cfg);
    return r;
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
    cfg->mqtt_port = 1883;
    cfg->min_free_percent = 5;
    cfg->segment_seconds = 60;
    if (vg_config_set_string(&cfg->listen, "127.0.0.1:8080") < 0 ||
        vg_config_set_string(&cfg->state_dir, "./vigil-data") < 0 ||
        vg_config_set_string(&cfg->mqtt_host, "127.0.0.1") < 0 ||
        vg_config_set_string(&cfg->mqtt_topic_prefix, "vigil") < 0 ||
        vg_config_set_string(&cfg->log_level, "info") < 0)
        return vg_config_free(cfg);
    return cfg;
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
        .log_fn = capture_log,
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
        r = report(&ld, NULL, "no data");
        goto out;
    }
    if (len > FILE_MAX) {
        report(&ld, NULL, "file is larger than 1 MiB");
        r = -EFBIG;
        goto out;
    }

    cyaml_err_t e = cyaml_load_data(data ? data : (const uint8_t *)"", len, &ccfg, &root_schema,
                                    (cyaml_data_t **)&y, NULL);
    if (e != CYAML_OK) {
        y = NULL;
        /* libcyaml wants a mapping even for "---" alone; that is an empty file. */
        bool empty = cap.nframes == 0 && strncmp(cap.msg, "Expecting ", 10) == 0 &&
                     vg_config_root_kind(data, len, &kind) == 0 && kind == VG_CONFIG_NODE_NONE;
        if (!empty) {
            r = cyaml_failure(&ld, &cap, e);
            goto out;
        }
    } else if (!y && vg_config_root_kind(data, len, &kind) == 0 && kind != VG_CONFIG_NODE_NONE) {
        struct path top = {0};
        r = fail_at(&ld, &top, VG_CONFIG_FIND_VALUE, "the top level must be a mapping");
        goto out;
    }
    if (cap.extra_document && vg_config_locate_extra_document(data, len, &pos) == 0) {
        r = report(&ld, &pos, "only one YAML document is allowed (remove this '---')");
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
        report(&ld, NULL, "out of memory");
    vg_config_free(cfg);
    if (y)
        cyaml_free(&ccfg, &root_schema, y, 0);
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
