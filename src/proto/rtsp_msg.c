#include "proto/rtsp_msg.h"

#include <errno.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static struct vg_span trim(const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
        end--;
    return (struct vg_span){p, (size_t)(end - p)};
}

/* End of the head: just past the blank line, or NULL if not there yet. */
static const char *head_end(const char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] != '\n')
            continue;
        if (p[i + 1] == '\n')
            return p + i + 2;
        if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
            return p + i + 3;
    }
    return NULL;
}

static int parse_number(struct vg_span s, unsigned max, unsigned *ret)
{
    uint32_t v;
    if (!vg_span_uint(s, max, &v))
        return -EINVAL;
    *ret = v;
    return 0;
}

/* "RTSP/1.0 200 OK" or "OPTIONS rtsp://x RTSP/1.0". */
static int parse_start_line(const char *p, const char *end, struct vg_rtsp_item *m,
                            const char **ret_error)
{
    struct vg_span line = trim(p, end);
    const char *sp1 = memchr(line.base, ' ', line.len);
    if (!sp1) {
        *ret_error = "bad start line";
        return -EINVAL;
    }
    const char *lend = line.base + line.len;
    if (line.len > 5 && memcmp(line.base, "RTSP/", 5) == 0) {
        const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(lend - sp1 - 1));
        struct vg_span code = {sp1 + 1, (size_t)((sp2 ? sp2 : lend) - sp1 - 1)};
        if (code.len != 3 || parse_number(code, 999, &m->status) < 0 || m->status < 100) {
            *ret_error = "bad status code";
            return -EINVAL;
        }
        m->kind = VG_RTSP_RESPONSE;
        m->reason = sp2 ? trim(sp2 + 1, lend) : (struct vg_span){lend, 0};
        return 0;
    }
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(lend - sp1 - 1));
    if (!sp2 || (size_t)(lend - sp2 - 1) < 5 || memcmp(sp2 + 1, "RTSP/", 5) != 0) {
        *ret_error = "not RTSP";
        return -EINVAL;
    }
    for (const char *c = line.base; c < sp1; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || *c == '_')) {
            *ret_error = "not RTSP";
            return -EINVAL;
        }
    }
    m->kind = VG_RTSP_REQUEST;
    m->method = (struct vg_span){line.base, (size_t)(sp1 - line.base)};
    m->uri = (struct vg_span){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
    return 0;
}

static int parse_headers(const char *p, const char *end, struct vg_rtsp_item *m,
                         const char **ret_error)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *lend = nl ? nl : end;
        struct vg_span line = trim(p, lend);
        p = nl ? nl + 1 : end;
        if (line.len == 0)
            break; /* the blank line */
        const char *colon = memchr(line.base, ':', line.len);
        if (!colon || colon == line.base || is_blank(line.base[0])) {
            *ret_error = "bad header line";
            return -EINVAL;
        }
        if (m->n_headers == VG_RTSP_MAX_HEADERS) {
            *ret_error = "too many headers";
            return -E2BIG;
        }
        struct vg_rtsp_header *h = &m->headers[m->n_headers++];
        h->name = trim(line.base, colon);
        h->value = trim(colon + 1, line.base + line.len);
    }
    return 0;
}

int vg_rtsp_parse(const uint8_t *buf, size_t len, struct vg_rtsp_item *ret_item, size_t *ret_used,
                  const char **ret_error)
{
    *ret_error = NULL;
    if (len == 0)
        return -EAGAIN;
    if (buf[0] == '$') {
        if (len < 4)
            return -EAGAIN;
        size_t n = (size_t)buf[2] << 8 | buf[3];
        if (len < 4 + n)
            return -EAGAIN;
        ret_item->kind = VG_RTSP_INTERLEAVED;
        ret_item->channel = buf[1];
        ret_item->data = buf + 4;
        ret_item->len = n;
        *ret_used = 4 + n;
        return 0;
    }
    const char *p = (const char *)buf;
    /* Refuse garbage early rather than waiting for a blank line that never comes. */
    size_t probe = len < 5 ? len : 5;
    if (memcmp(p, "RTSP/", probe) != 0 && !(p[0] >= 'A' && p[0] <= 'Z')) {
        *ret_error = "not RTSP";
        return -EINVAL;
    }
    size_t scan = len < VG_RTSP_MAX_HEAD ? len : VG_RTSP_MAX_HEAD;
    const char *end = head_end(p, scan);
    if (!end) {
        if (len >= VG_RTSP_MAX_HEAD) {
            *ret_error = "header too long";
            return -E2BIG;
        }
        return -EAGAIN;
    }
    if (memchr(p, '\0', (size_t)(end - p))) {
        *ret_error = "NUL byte in header";
        return -EINVAL;
    }
    struct vg_rtsp_item *m = ret_item;
    memset(m, 0, offsetof(struct vg_rtsp_item, headers));
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    int r = parse_start_line(p, nl, m, ret_error);
    if (r < 0)
        return r;
    r = parse_headers(nl + 1, end, m, ret_error);
    if (r < 0)
        return r;
    unsigned body_len = 0;
    struct vg_span cl;
    if (vg_rtsp_header(m, "Content-Length", &cl) == 0 &&
        parse_number(cl, VG_RTSP_MAX_BODY, &body_len) < 0) {
        *ret_error = "bad Content-Length";
        return -EINVAL;
    }
    size_t head = (size_t)(end - p);
    if (len - head < body_len)
        return -EAGAIN;
    m->body = (struct vg_span){end, body_len};
    *ret_used = head + body_len;
    return 0;
}

int vg_rtsp_header(const struct vg_rtsp_item *m, const char *name, struct vg_span *ret_value)
{
    for (size_t i = 0; i < m->n_headers; i++) {
        if (vg_span_ieq(m->headers[i].name, name)) {
            *ret_value = m->headers[i].value;
            return 0;
        }
    }
    return -ENOENT;
}

int vg_rtsp_cseq(const struct vg_rtsp_item *m, unsigned *ret_cseq)
{
    struct vg_span v;
    if (vg_rtsp_header(m, "CSeq", &v) < 0)
        return -ENOENT;
    return parse_number(v, 0xffffffffu, ret_cseq);
}

int vg_rtsp_session(struct vg_span value, struct vg_span *ret_id, unsigned *ret_timeout_s)
{
    const char *end = value.base + value.len;
    const char *semi = memchr(value.base, ';', value.len);
    struct vg_span id = trim(value.base, semi ? semi : end);
    if (id.len == 0 || id.len > 256)
        return -EINVAL;
    unsigned timeout = 0;
    while (semi) {
        const char *p = semi + 1;
        semi = memchr(p, ';', (size_t)(end - p));
        struct vg_span param = trim(p, semi ? semi : end);
        if (param.len > 8 && strncasecmp(param.base, "timeout=", 8) == 0 &&
            parse_number((struct vg_span){param.base + 8, param.len - 8}, 86400, &timeout) < 0)
            return -EINVAL;
    }
    *ret_id = id;
    *ret_timeout_s = timeout;
    return 0;
}
