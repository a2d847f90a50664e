#include "proto/sdp.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool span_contains(struct vg_span s, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; n <= s.len && i <= s.len - n; i++) {
        if (memcmp(s.base + i, lit, n) == 0)
            return true;
    }
    return false;
}

/* Tabs are the only control characters a text line may hold; a NUL or a lone
 * CR would make a span mean something else to a C-string consumer. */
static bool clean_line(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

static void set_static_format(struct vg_sdp_format *f)
{
    static const char pcmu[] = "PCMU", pcma[] = "PCMA";
    f->channels = 1;
    if (f->pt == 0 || f->pt == 8) {
        f->encoding = f->pt == 0 ? (struct vg_span){pcmu, 4} : (struct vg_span){pcma, 4};
        f->clock_rate = 8000;
    }
}

static int parse_media(struct vg_sdp *sdp, struct vg_span v, const char **ret_error)
{
    struct vg_span type, port, proto, tok, count = {0};
    size_t cur = 0;
    uint32_t num;
    if (sdp->n_media == VG_SDP_MAX_MEDIA) {
        *ret_error = "too many media sections";
        return -E2BIG;
    }
    if (!vg_span_next_token(v, &cur, &type)) {
        *ret_error = "m= line without a media type";
        return -EINVAL;
    }
    if (!vg_span_next_token(v, &cur, &port)) {
        *ret_error = "m= line without a port";
        return -EINVAL;
    }
    /* "<port>/<number of ports>" is legal; the count does not matter to us. */
    bool has_count = vg_span_split(port, '/', &port, &count);
    if (!vg_span_uint(port, 65535, &num)) {
        *ret_error = "m= line without a port";
        return -EINVAL;
    }
    uint32_t n_ports;
    if (has_count && !vg_span_uint(count, 65535, &n_ports)) {
        *ret_error = "m= line with a bad port count";
        return -EINVAL;
    }
    if (!vg_span_next_token(v, &cur, &proto)) {
        *ret_error = "m= line without a protocol";
        return -EINVAL;
    }
    struct vg_sdp_media *m = &sdp->media[sdp->n_media];
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->port = num;
    m->proto = proto;
    m->first_attr = sdp->n_attrs;
    bool rtp = span_contains(proto, "RTP/");
    bool any = false;
    while (vg_span_next_token(v, &cur, &tok)) {
        any = true;
        if (!rtp)
            continue;
        if (!vg_span_uint(tok, 127, &num)) {
            *ret_error = "bad payload type on an m= line";
            return -EINVAL;
        }
        if (m->n_formats == VG_SDP_MAX_FORMATS) {
            *ret_error = "too many payload types on an m= line";
            return -E2BIG;
        }
        struct vg_sdp_format *f = &m->formats[m->n_formats++];
        f->pt = num;
        set_static_format(f);
    }
    if (!any) {
        *ret_error = "m= line without formats";
        return -EINVAL;
    }
    sdp->n_media++;
    return 0;
}

static struct vg_sdp_format *find_format(struct vg_sdp_media *m, unsigned pt)
{
    for (size_t i = 0; i < m->n_formats; i++) {
        if (m->formats[i].pt == pt)
            return &m->formats[i];
    }
    return NULL;
}

/* The format "<pt> <rest>" refers to, and rest. *ret_format is NULL when the
 * payload type is not on the m= line. Returns false for a bad payload type. */
static bool format_ref(struct vg_sdp_media *m, struct vg_span v, struct vg_sdp_format **ret_format,
                       struct vg_span *ret_rest)
{
    struct vg_span pt;
    size_t cur = 0;
    uint32_t num;
    if (!vg_span_next_token(v, &cur, &pt) || !vg_span_uint(pt, 127, &num))
        return false;
    *ret_format = find_format(m, num);
    *ret_rest = vg_span_trim((struct vg_span){v.base + cur, v.len - cur});
    return true;
}

/* "<pt> <encoding>/<clock rate>[/<channels>]" */
static int parse_rtpmap(struct vg_sdp_media *m, struct vg_span v, const char **ret_error)
{
    struct vg_sdp_format *f;
    struct vg_span rest, enc, clock, channels = {0};
    uint32_t rate, ch = 1;
    if (!format_ref(m, v, &f, &rest) || !vg_span_split(rest, '/', &enc, &clock) || enc.len == 0) {
        *ret_error = "bad rtpmap";
        return -EINVAL;
    }
    bool has_channels = vg_span_split(clock, '/', &clock, &channels);
    if (!vg_span_uint(clock, UINT32_MAX, &rate) ||
        (has_channels && (!vg_span_uint(channels, 255, &ch) || ch == 0))) {
        *ret_error = "bad rtpmap";
        return -EINVAL;
    }
    if (f) {
        f->encoding = enc;
        f->clock_rate = rate;
        f->channels = ch;
    }
    return 0;
}

/* "<pt> <parameters>" */
static int parse_fmtp(struct vg_sdp_media *m, struct vg_span v, const char **ret_error)
{
    struct vg_sdp_format *f;
    struct vg_span rest;
    if (!format_ref(m, v, &f, &rest)) {
        *ret_error = "bad fmtp";
        return -EINVAL;
    }
    if (f)
        f->fmtp = rest;
    return 0;
}

static int parse_attr(struct vg_sdp *sdp, struct vg_sdp_media *m, struct vg_span v,
                      const char **ret_error)
{
    struct vg_sdp_attr a = {.name = v};
    if (vg_span_split(v, ':', &a.name, &a.value))
        a.value = vg_span_trim(a.value);
    if (a.name.len == 0) {
        *ret_error = "a= line without a name";
        return -EINVAL;
    }
    if (sdp->n_attrs == VG_SDP_MAX_ATTRS) {
        *ret_error = "too many a= lines";
        return -E2BIG;
    }
    sdp->attrs[sdp->n_attrs++] = a;
    if (!m) {
        sdp->n_session_attrs++;
        return 0;
    }
    m->n_attrs++;
    if (vg_span_ieq(a.name, "rtpmap"))
        return parse_rtpmap(m, a.value, ret_error);
    if (vg_span_ieq(a.name, "fmtp"))
        return parse_fmtp(m, a.value, ret_error);
    return 0;
}

int vg_sdp_next_line(const char *text, size_t len, size_t *pos, char *ret_type,
                     struct vg_span *ret_value, const char **ret_error)
{
    if (*pos >= len)
        return 0;
    const char *line = text + *pos;
    const char *nl = memchr(line, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - line) : len - *pos;
    *pos += nl ? n + 1 : n;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (!clean_line(line, n)) {
        *ret_error = "control character or NUL byte";
        return -EINVAL;
    }
    struct vg_span l = vg_span_trim((struct vg_span){line, n});
    if (l.len == 0) {
        *ret_type = 0;
        *ret_value = l;
        return 1;
    }
    if (l.base != line || l.len < 2 || l.base[1] != '=' || l.base[0] < 'a' || l.base[0] > 'z') {
        *ret_error = "line is not <letter>=<value>";
        return -EINVAL;
    }
    *ret_type = l.base[0];
    *ret_value = (struct vg_span){l.base + 2, l.len - 2};
    return 1;
}

int vg_sdp_parse(const char *text, size_t len, struct vg_sdp *ret, const char **ret_error)
{
    const char *err = NULL;
    int r = -EINVAL;
    unsigned line_no = 0;
    size_t pos = 0;
    bool seen_v = false;
    struct vg_sdp_media *m = NULL;

    memset(ret, 0, sizeof(*ret));
    if (!text || len == 0) {
        err = "empty description";
        goto out;
    }
    for (;;) {
        char type;
        struct vg_span v;
        r = vg_sdp_next_line(text, len, &pos, &type, &v, &err);
        if (r < 0) {
            line_no++;
            goto out;
        }
        if (r == 0)
            break;
        line_no++;
        if (!type)
            continue; /* cameras end with a blank line or two */
        if (!seen_v) {
            if (type != 'v' || !vg_span_eq(v, "0")) {
                err = "does not start with v=0";
                r = -EINVAL;
                goto out;
            }
            seen_v = true;
            continue;
        }
        r = 0;
        switch (type) {
        case 'v':
            err = "second v= line";
            r = -EINVAL;
            break;
        case 's':
            if (!m)
                ret->session_name = v;
            break;
        case 'c':
            if (m)
                m->connection = v;
            else
                ret->connection = v;
            break;
        case 'm':
            r = parse_media(ret, v, &err);
            if (r == 0)
                m = &ret->media[ret->n_media - 1];
            break;
        case 'a':
            r = parse_attr(ret, m, v, &err);
            break;
        default: /* o=, t=, b=, ...: nothing we use; unknown types are to be ignored */
            break;
        }
        if (r < 0)
            goto out;
    }
    if (!seen_v) {
        err = "empty description";
        r = -EINVAL;
        line_no = 0;
        goto out;
    }
    r = 0;
out:
    if (r < 0) {
        ret->error_line = line_no;
        if (ret_error)
            *ret_error = err;
    }
    return r;
}

int vg_sdp_attr(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name,
                struct vg_span *ret_value)
{
    size_t first = m ? m->first_attr : 0;
    size_t n = m ? m->n_attrs : sdp->n_session_attrs;
    if (first > sdp->n_attrs || n > sdp->n_attrs - first)
        return -ENOENT;
    for (size_t i = first; i < first + n; i++) {
        if (vg_span_ieq(sdp->attrs[i].name, name)) {
            *ret_value = sdp->attrs[i].value;
            return 0;
        }
    }
    return -ENOENT;
}

const struct vg_sdp_format *vg_sdp_format(const struct vg_sdp_media *m, unsigned pt)
{
    for (size_t i = 0; i < m->n_formats && i < VG_SDP_MAX_FORMATS; i++) {
        if (m->formats[i].pt == pt)
            return &m->formats[i];
    }
    return NULL;
}

int vg_sdp_fmtp_param(struct vg_span fmtp, const char *key, struct vg_span *ret_value)
{
    struct vg_span rest = fmtp;
    while (rest.len > 0) {
        struct vg_span item = rest, tail = {rest.base + rest.len, 0};
        vg_span_split(rest, ';', &item, &tail);
        rest = tail;
        struct vg_span k = item, v = {item.base + item.len, 0};
        vg_span_split(item, '=', &k, &v);
        if (vg_span_ieq(vg_span_trim(k), key)) {
            *ret_value = vg_span_trim(v);
            return 0;
        }
    }
    return -ENOENT;
}
