/* Error messages for config loading: libcyaml's log captured and turned back
 * into data, and every problem written as one "file:line:col: message". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/config_internal.h"
#include "core/util.h"

/* ---- libcyaml's log, turned back into data ---------------------------------------------- */

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

void vg_config_capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
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

static bool locate(struct loader *ld, const struct path *p, enum vg_config_find what,
                   struct vg_config_pos *ret_pos)
{
    return vg_config_locate(ld->text, ld->len, p->step, p->depth, what, ret_pos) == 0;
}

/* Values quoted in messages are cut short; secrets are never quoted at all. */
const char *vg_config_shorten(const char *s, char *buf, size_t buflen)
{
    if (strlen(s) < buflen)
        return s;
    snprintf(buf, buflen, "%.*s...", (int)(buflen - 4), s);
    return buf;
}

/* Writes "name:line:col: message" (or "name: message" without a position) and
 * returns -EINVAL. A message stays on one line whatever the file contained. */
int vg_config_report(struct loader *ld, const struct vg_config_pos *pos, const char *msg)
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

int vg_config_fail_at(struct loader *ld, const struct path *p, enum vg_config_find what,
                      const char *fmt, ...)
{
    char msg[VG_CONFIG_ERR_MAX];
    struct vg_config_pos pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (locate(ld, p, what, &pos))
        return vg_config_report(ld, &pos, msg);
    return vg_config_report(ld, ld->have_fallback ? &ld->fallback : NULL, msg);
}

/* "<where> <problem>", positioned at the value. */
int vg_config_fail_value(struct loader *ld, const struct path *p, const char *fmt, ...)
{
    char where[128], msg[VG_CONFIG_ERR_MAX - 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    path_format(p, where, sizeof(where));
    return vg_config_fail_at(ld, p, VG_CONFIG_FIND_VALUE, "%s %s", where, msg);
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
    return vg_config_report(ld, &s->pos, msg);
}

/* The rest of m after prefix, or NULL. */
static const char *after(const char *m, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(m, prefix, n) == 0 ? m + n : NULL;
}

int vg_config_cyaml_failure(struct loader *ld, struct capture *cap, cyaml_err_t e)
{
    struct path p = {0};
    const char *m = cap->msg, *rest;
    char where[128], arg[128], arg2[64], sbuf[48];
    unsigned n1, n2;
    struct vg_config_pos pos;

    if (e == CYAML_ERR_OOM) {
        vg_config_report(ld, NULL, "out of memory");
        return -ENOMEM;
    }
    if (e == CYAML_ERR_LIBYAML_PARSER) {
        /* libcyaml's backtrace shows where it was, not where libyaml gave up. */
        struct vg_config_syntax syntax;
        int r = vg_config_syntax_check(ld->text, ld->len, &syntax);
        if (r == -ENOMEM) {
            vg_config_report(ld, NULL, "out of memory");
            return r;
        }
        if (r < 0)
            return syntax_error(ld, &syntax);
    }
    if (e == CYAML_ERR_ALIAS) {
        bool found = vg_config_locate_alias(ld->text, ld->len, &pos) == 0;
        return vg_config_report(ld, found ? &pos : NULL, "YAML aliases (*name) are not supported");
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
        return vg_config_fail_at(ld, &k, VG_CONFIG_FIND_KEY, "unknown key '%s'%s",
                                 vg_config_shorten(unknown, sbuf, sizeof(sbuf)), in_where);
    }
    if (duplicate) {
        struct path k = path_key(&p, duplicate);
        return vg_config_fail_at(ld, &k, VG_CONFIG_FIND_REPEATED_KEY, "duplicate key '%s'%s",
                                 duplicate, in_where);
    }
    if (missing)
        return vg_config_fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "missing required key '%s'%s",
                                 missing, in_where);
    if (sscanf(m, "Expecting %127[^,], got event: %63s", arg, arg2) == 2) {
        if (p.depth == 0)
            return vg_config_fail_at(ld, &p, VG_CONFIG_FIND_VALUE,
                                     "the top level must be %s, not %s", expected_name(arg),
                                     event_name(arg2));
        return vg_config_fail_value(ld, &p, "must be %s, not %s", expected_name(arg),
                                    event_name(arg2));
    }
    rest = after(m, "Invalid ENUM value: ");
    if (rest) {
        /* log.level is the only enumeration in the schema. */
        return vg_config_fail_value(ld, &p, "must be debug, info, warn or error, not '%s'",
                                    vg_config_shorten(rest, sbuf, sizeof(sbuf)));
    }
    if (sscanf(m, "Excessive entries (%u max)", &n1) == 1) {
        struct path list = p;
        if (list.depth)
            list.depth--;
        path_format(&list, where, sizeof(where));
        return vg_config_fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "%s has more than %u entries", where,
                                 n1);
    }
    if (sscanf(m, "Insufficient entries (%u of %u min)", &n1, &n2) == 2)
        return vg_config_fail_value(ld, &p, "needs at least %u %s", n2,
                                    n2 == 1 ? "entry" : "entries");

    /* Anything else: libcyaml's own words at the innermost position it gave. */
    if (!cap->have_msg) {
        /* Its frames are stale here (seen with a list or mapping as a key). */
        snprintf(arg, sizeof(arg), "unsupported YAML construct (libcyaml: %s)", cyaml_strerror(e));
        return vg_config_report(ld, inner && inner->has_pos ? &inner->pos : NULL, arg);
    }
    return vg_config_fail_at(ld, &p, VG_CONFIG_FIND_VALUE, "%s%s%.300s", where, p.depth ? ": " : "",
                             m);
}
