/* Pull sources over RTSP with RTP interleaved on the TCP connection (RFC 2326
 * §10.12), the way almost every camera is read. Non-blocking on the network
 * loop: one recv takes whatever arrived (often several RTP packets) and the
 * parser takes the items off the buffer, so a camera costs a few system calls
 * per wakeup instead of libavformat's three reads and polls per packet, and
 * no thread of its own.
 *
 * One session: resolve, connect, OPTIONS, DESCRIBE, SETUP per track, PLAY,
 * then RTP until an error or stop, with a keepalive request every half
 * session timeout. 401 answers are retried once with Digest or Basic
 * credentials from the URL. What goes wrong is reported once through the
 * reporter (so the hub never runs inside our callbacks) and the session goes
 * quiet until the hub stops it. UDP transport and rtsps:// stay with
 * libavformat (sources/lavf.c). */
#include <errno.h>
#include <stdarg.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/util.h"
#include "proto/rtsp_auth.h"
#include "proto/rtsp_msg.h"
#include "proto/rtsp_url.h"
#include "sources/reporter.h"
#include "sources/rtsp_media.h"
#include "sources/source.h"

#define IN_START (64 * 1024)
#define IN_MAX (VG_RTSP_MAX_HEAD + VG_RTSP_MAX_BODY)
#define OUT_MAX 8192
#define KEEPALIVE_DEFAULT_S 60

enum step { RESOLVING, CONNECTING, OPTIONS, DESCRIBE, SETUP, PLAY, PLAYING, DONE };

static const char *const step_method[] = {
    [OPTIONS] = "OPTIONS", [DESCRIBE] = "DESCRIBE", [SETUP] = "SETUP", [PLAY] = "PLAY"};

struct vg_source {
    struct event_base *base;
    struct evdns_base *dns;
    struct vg_stream *s;
    char *id;
    struct vg_rtsp_url url;
    int64_t timeout_us;
    struct vg_source_reporter reporter;

    enum step step;
    struct evdns_getaddrinfo_request *dns_req;
    struct evutil_addrinfo *addrs, *addr; /* resolved list, the one being tried */
    int fd;
    struct event *io, *tick;
    int64_t last_rx_us, next_keepalive_us, request_sent_us;

    uint8_t *in;
    size_t in_len, in_cap;
    char out[OUT_MAX];
    size_t out_len;

    unsigned cseq, waiting_cseq; /* waiting_cseq: the answer the session waits for */
    unsigned setup_track;        /* the track the pending SETUP is for */
    struct vg_rtsp_auth auth;
    bool auth_sent;     /* the pending request carried credentials */
    bool get_parameter; /* the server lists GET_PARAMETER for keepalives */
    char base_url[VG_RTSP_URL_MAX];
    char session[257];
    unsigned session_timeout_s;
    int channel[VG_RTSP_TRACKS]; /* RTP channel per track, -1 when not set up */
    struct vg_rtsp_media media;
    bool have_media, connected;
};

/* Ends the session: closes the connection and reports once. The hub stops
 * and frees the source later, from its own callback. */
static void finish(struct vg_source *src, enum vg_source_event ev, const char *reason)
{
    if (src->step == DONE)
        return;
    src->step = DONE;
    if (src->io)
        event_del(src->io);
    if (src->fd >= 0) {
        close(src->fd);
        src->fd = -1;
    }
    vg_source_reporter_post(&src->reporter, ev, reason);
}

static void finishf(struct vg_source *src, enum vg_source_event ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void finishf(struct vg_source *src, enum vg_source_event ev, const char *fmt, ...)
{
    char reason[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    finish(src, ev, reason);
}

/* Sends what is queued; keeps the rest for when the socket can take it. */
static int flush_out(struct vg_source *src)
{
    while (src->out_len > 0) {
        ssize_t n = send(src->fd, src->out, src->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0)
            return -errno;
        memmove(src->out, src->out + n, src->out_len - (size_t)n);
        src->out_len -= (size_t)n;
    }
    short want = EV_READ | EV_PERSIST | (src->out_len ? EV_WRITE : 0);
    if (event_get_events(src->io) != want) {
        event_del(src->io);
        event_assign(src->io, src->base, src->fd, want, event_get_callback(src->io), src);
        event_add(src->io, NULL);
    }
    return 0;
}

/* Queues one request. extra: further header lines, each ending in CRLF. */
static int send_request(struct vg_source *src, const char *method, const char *uri,
                        const char *extra)
{
    char authz[1024] = "";
    if (src->auth.scheme != VG_RTSP_AUTH_NONE) {
        char value[sizeof(authz) - 32];
        int r = vg_rtsp_auth_answer(&src->auth, src->url.user, src->url.pass, method, uri, value,
                                    sizeof(value));
        if (r < 0)
            return r;
        snprintf(authz, sizeof(authz), "Authorization: %s\r\n", value);
    }
    char session[sizeof(src->session) + 16] = "";
    if (src->session[0])
        snprintf(session, sizeof(session), "Session: %s\r\n", src->session);
    size_t room = sizeof(src->out) - src->out_len;
    int n = snprintf(src->out + src->out_len, room,
                     "%s %s RTSP/1.0\r\nCSeq: %u\r\nUser-Agent: Vigil/" VG_VERSION "\r\n%s%s%s\r\n",
                     method, uri, ++src->cseq, authz, session, extra ? extra : "");
    if (n < 0 || (size_t)n >= room)
        return -E2BIG;
    src->out_len += (size_t)n;
    src->auth_sent = src->auth.scheme != VG_RTSP_AUTH_NONE;
    return flush_out(src);
}

/* The request of the current step (sent again after a 401). */
static int send_step(struct vg_source *src)
{
    src->waiting_cseq = src->cseq + 1;
    src->request_sent_us = vg_mono_us();
    switch (src->step) {
    case OPTIONS:
        return send_request(src, "OPTIONS", src->url.url, NULL);
    case DESCRIBE:
        return send_request(src, "DESCRIBE", src->url.url, "Accept: application/sdp\r\n");
    case SETUP: {
        char transport[96];
        unsigned ch = src->setup_track * 2;
        snprintf(transport, sizeof(transport),
                 "Transport: RTP/AVP/TCP;unicast;interleaved=%u-%u\r\n", ch, ch + 1);
        return send_request(src, "SETUP", src->media.tracks[src->setup_track].control, transport);
    }
    case PLAY:
        return send_request(src, "PLAY", src->base_url, "Range: npt=0.000-\r\n");
    default:
        return -EINVAL;
    }
}

static void next_step(struct vg_source *src, enum step step)
{
    src->step = step;
    src->auth_sent = false;
    if (send_step(src) < 0)
        finish(src, VG_SOURCE_FAILED, "cannot send the request");
}

/* SETUP for the next track not yet set up, else PLAY. */
static void setup_next(struct vg_source *src)
{
    for (unsigned t = 0; t < VG_RTSP_TRACKS; t++) {
        if (src->media.tracks[t].codec != VG_CODEC_NONE && src->channel[t] < 0) {
            src->setup_track = t;
            next_step(src, SETUP);
            return;
        }
    }
    next_step(src, PLAY);
}

static bool has_token(struct vg_span list, const char *token)
{
    size_t n = strlen(token);
    for (size_t i = 0; i + n <= list.len; i++) {
        bool start = i == 0 || list.base[i - 1] == ',' || list.base[i - 1] == ' ';
        bool end = i + n == list.len || list.base[i + n] == ',' || list.base[i + n] == ' ';
        if (start && end && strncasecmp(list.base + i, token, n) == 0)
            return true;
    }
    return false;
}

/* A 401: take the challenge and send the request again, once. */
static void on_unauthorized(struct vg_source *src, const struct vg_rtsp_item *m)
{
    struct vg_rtsp_auth auth = src->auth;
    bool usable = false;
    for (size_t i = 0; i < m->n_headers; i++) {
        if (vg_span_ieq(m->headers[i].name, "WWW-Authenticate") &&
            vg_rtsp_auth_challenge(&auth, m->headers[i].value) == 0)
            usable = true;
    }
    if (!src->url.user[0]) {
        finish(src, VG_SOURCE_UNAUTHORIZED, "401 Unauthorized: the camera wants credentials");
        return;
    }
    if (!usable) {
        finish(src, VG_SOURCE_UNAUTHORIZED, "401 Unauthorized: no authentication scheme we speak");
        return;
    }
    if (src->auth_sent && !auth.stale) {
        finish(src, VG_SOURCE_UNAUTHORIZED, "401 Unauthorized");
        return;
    }
    src->auth = auth;
    if (send_step(src) < 0)
        finish(src, VG_SOURCE_FAILED, "cannot send the request");
}

static void on_describe(struct vg_source *src, const struct vg_rtsp_item *m)
{
    /* Track controls are relative to Content-Base, else Content-Location,
     * else the request URL (RFC 2326 C.1.1). */
    struct vg_span base;
    char url[VG_RTSP_URL_MAX];
    if ((vg_rtsp_header(m, "Content-Base", &base) == 0 ||
         vg_rtsp_header(m, "Content-Location", &base) == 0) &&
        vg_rtsp_url_control(src->url.url, base, url, sizeof(url)) == 0)
        vg_strlcpy(src->base_url, sizeof(src->base_url), url);
    else
        vg_strlcpy(src->base_url, sizeof(src->base_url), src->url.url);
    char why[160] = "";
    int r = vg_rtsp_media_init(&src->media, src->s, m->body.base, m->body.len, src->base_url, why,
                               sizeof(why));
    if (r < 0) {
        finish(src, VG_SOURCE_FAILED, why[0] ? why : "cannot use the stream description");
        return;
    }
    src->have_media = true;
    setup_next(src);
}

/* The interleaved channel the server chose ("interleaved=0-1"), or -1. */
static int answered_channel(const struct vg_rtsp_item *m)
{
    struct vg_span t;
    if (vg_rtsp_header(m, "Transport", &t) < 0)
        return -1;
    for (size_t i = 0; i + 12 <= t.len; i++) {
        if (strncasecmp(t.base + i, "interleaved=", 12) != 0)
            continue;
        unsigned v = 0;
        size_t j = i + 12, digits = 0;
        while (j < t.len && t.base[j] >= '0' && t.base[j] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(t.base[j++] - '0');
            digits++;
        }
        return digits && v < 255 ? (int)v : -1;
    }
    return -1;
}

static void on_setup(struct vg_source *src, const struct vg_rtsp_item *m)
{
    unsigned t = src->setup_track;
    struct vg_span value, id;
    unsigned timeout = 0;
    if (!src->session[0]) {
        if (vg_rtsp_header(m, "Session", &value) < 0 || vg_rtsp_session(value, &id, &timeout) < 0 ||
            id.len >= sizeof(src->session)) {
            finish(src, VG_SOURCE_FAILED, "SETUP answer without a usable Session");
            return;
        }
        memcpy(src->session, id.base, id.len);
        src->session[id.len] = '\0';
        src->session_timeout_s = timeout ? timeout : KEEPALIVE_DEFAULT_S;
    }
    int ch = answered_channel(m);
    src->channel[t] = ch >= 0 ? ch : (int)t * 2;
    setup_next(src);
}

static void on_response(struct vg_source *src, const struct vg_rtsp_item *m)
{
    unsigned cseq = 0;
    if (vg_rtsp_cseq(m, &cseq) < 0 || cseq != src->waiting_cseq || src->step == PLAYING)
        return; /* keepalive answers and strays */
    const char *method = step_method[src->step];
    if (m->status == 401) {
        on_unauthorized(src, m);
        return;
    }
    if (m->status == 403) {
        finishf(src, VG_SOURCE_UNAUTHORIZED, "%s: 403 Forbidden", method);
        return;
    }
    if (m->status < 200 || m->status >= 300) {
        if (src->step == OPTIONS) {
            next_step(src, DESCRIBE); /* some cameras do not do OPTIONS */
            return;
        }
        if (src->step == SETUP && src->setup_track == VG_RTSP_AUDIO) {
            vg_rtsp_media_drop(&src->media, VG_RTSP_AUDIO); /* video alone will do */
            setup_next(src);
            return;
        }
        finishf(src, m->status >= 500 ? VG_SOURCE_UNREACHABLE : VG_SOURCE_FAILED, "%s: %u %.*s",
                method, m->status, (int)m->reason.len, m->reason.base);
        return;
    }
    switch (src->step) {
    case OPTIONS: {
        struct vg_span pub;
        src->get_parameter =
            vg_rtsp_header(m, "Public", &pub) == 0 && has_token(pub, "GET_PARAMETER");
        next_step(src, DESCRIBE);
        break;
    }
    case DESCRIBE:
        on_describe(src, m);
        break;
    case SETUP:
        on_setup(src, m);
        break;
    case PLAY:
        src->step = PLAYING;
        src->next_keepalive_us = vg_mono_us() + (int64_t)src->session_timeout_s * 1000000 / 2;
        break;
    default:
        break;
    }
}

/* Servers rarely ask anything; answer so they do not wait. */
static void on_request(struct vg_source *src, const struct vg_rtsp_item *m)
{
    unsigned cseq = 0;
    vg_rtsp_cseq(m, &cseq);
    bool ok = vg_span_eq(m->method, "OPTIONS") || vg_span_eq(m->method, "GET_PARAMETER");
    size_t room = sizeof(src->out) - src->out_len;
    int n = snprintf(src->out + src->out_len, room, "RTSP/1.0 %s\r\nCSeq: %u\r\n\r\n",
                     ok ? "200 OK" : "501 Not Implemented", cseq);
    if (n > 0 && (size_t)n < room)
        src->out_len += (size_t)n;
    if (flush_out(src) < 0)
        finish(src, VG_SOURCE_ENDED, "connection lost");
}

static void on_interleaved(struct vg_source *src, const struct vg_rtsp_item *m, int64_t now)
{
    for (unsigned t = 0; t < VG_RTSP_TRACKS; t++) {
        if (src->channel[t] != m->channel)
            continue;
        if (vg_rtsp_media_rtp(&src->media, t, m->data, m->len, now) < 0) {
            finish(src, VG_SOURCE_FAILED, "out of memory");
            return;
        }
        if (!src->connected && src->media.published) {
            src->connected = true;
            vg_source_reporter_post(&src->reporter, VG_SOURCE_CONNECTED, NULL);
        }
        return;
    }
    /* RTCP (odd channels) and anything else: not needed over TCP. */
}

/* Takes every complete item off the input buffer. */
static void parse_input(struct vg_source *src)
{
    size_t off = 0;
    int64_t now = vg_wall_us();
    while (src->step != DONE && off < src->in_len) {
        struct vg_rtsp_item item;
        size_t used = 0;
        const char *error = NULL;
        int r = vg_rtsp_parse(src->in + off, src->in_len - off, &item, &used, &error);
        if (r == -EAGAIN)
            break;
        if (r < 0) {
            finishf(src, VG_SOURCE_FAILED, "not an RTSP answer: %s", error ? error : "too large");
            return;
        }
        off += used;
        if (item.kind == VG_RTSP_INTERLEAVED)
            on_interleaved(src, &item, now);
        else if (item.kind == VG_RTSP_RESPONSE)
            on_response(src, &item);
        else
            on_request(src, &item);
    }
    if (src->step == DONE)
        return;
    memmove(src->in, src->in + off, src->in_len - off);
    src->in_len -= off;
}

static void on_readable(struct vg_source *src)
{
    if (src->in_len == src->in_cap) {
        size_t cap = src->in_cap * 2 > IN_MAX ? IN_MAX : src->in_cap * 2;
        uint8_t *in = cap > src->in_cap ? realloc(src->in, cap) : NULL;
        if (!in) {
            finish(src, VG_SOURCE_FAILED, "an RTSP message too large");
            return;
        }
        src->in = in;
        src->in_cap = cap;
    }
    ssize_t n = recv(src->fd, src->in + src->in_len, src->in_cap - src->in_len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        finish(src, VG_SOURCE_ENDED,
               n == 0 ? "the camera closed the connection" : "connection lost");
        return;
    }
    src->in_len += (size_t)n;
    src->last_rx_us = vg_mono_us();
    parse_input(src);
}

static void try_connect(struct vg_source *src);

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct vg_source *src = arg;
    if (src->step == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(src->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err) {
            close(src->fd);
            src->fd = -1;
            event_free(src->io);
            src->io = NULL;
            src->addr = src->addr->ai_next;
            if (src->addr) {
                try_connect(src);
                return;
            }
            finishf(src, VG_SOURCE_UNREACHABLE, "cannot connect to %s:%u: %s", src->url.host,
                    src->url.port, strerror(err));
            return;
        }
        src->last_rx_us = vg_mono_us();
        next_step(src, OPTIONS);
        return;
    }
    if ((what & EV_WRITE) && flush_out(src) < 0) {
        finish(src, VG_SOURCE_ENDED, "connection lost");
        return;
    }
    if (what & EV_READ)
        on_readable(src);
}

static void try_connect(struct vg_source *src)
{
    const struct evutil_addrinfo *ai = src->addr;
    src->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (src->fd < 0) {
        finishf(src, VG_SOURCE_FAILED, "socket: %s", strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(src->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    src->io = event_new(src->base, src->fd, EV_WRITE | EV_PERSIST, on_io, src);
    if (!src->io) {
        finish(src, VG_SOURCE_FAILED, "out of memory");
        return;
    }
    src->step = CONNECTING;
    src->request_sent_us = vg_mono_us();
    if (connect(src->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        finishf(src, VG_SOURCE_UNREACHABLE, "cannot connect to %s:%u: %s", src->url.host,
                src->url.port, strerror(errno));
        return;
    }
    event_add(src->io, NULL);
}

static void on_resolved(int err, struct evutil_addrinfo *res, void *arg)
{
    if (err == EVUTIL_EAI_CANCEL)
        return; /* stopping: src is going away */
    struct vg_source *src = arg;
    src->dns_req = NULL;
    if (err || !res) {
        finishf(src, VG_SOURCE_UNREACHABLE, "cannot resolve %s: %s", src->url.host,
                evutil_gai_strerror(err));
        return;
    }
    src->addrs = src->addr = res;
    try_connect(src);
}

/* Once a second: timeouts and keepalives. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_source *src = arg;
    int64_t now = vg_mono_us();
    if (src->step == DONE || src->step == RESOLVING)
        return;
    if (src->step == PLAYING) {
        if (now - src->last_rx_us > src->timeout_us) {
            finish(src, VG_SOURCE_UNREACHABLE, "timed out: the camera stopped answering");
            return;
        }
        if (now >= src->next_keepalive_us) {
            src->next_keepalive_us = now + (int64_t)src->session_timeout_s * 1000000 / 2;
            if (send_request(src, src->get_parameter ? "GET_PARAMETER" : "OPTIONS", src->base_url,
                             NULL) < 0)
                finish(src, VG_SOURCE_ENDED, "connection lost");
        }
        return;
    }
    if (now - src->request_sent_us > src->timeout_us)
        finishf(src, VG_SOURCE_UNREACHABLE, "timed out: no answer to %s",
                src->step == CONNECTING ? "the connection" : step_method[src->step]);
}

static void rtsp_stop(struct vg_source *src)
{
    if (!src)
        return;
    if (src->dns_req)
        evdns_getaddrinfo_cancel(src->dns_req);
    if (src->step == PLAYING && src->fd >= 0) {
        /* Free the camera's session slot at once; best effort, never waits. */
        src->out_len = 0;
        send_request(src, "TEARDOWN", src->base_url, NULL);
    }
    if (src->io)
        event_free(src->io);
    if (src->tick)
        event_free(src->tick);
    if (src->fd >= 0)
        close(src->fd);
    if (src->addrs)
        evutil_freeaddrinfo(src->addrs);
    if (src->have_media)
        vg_rtsp_media_done(&src->media);
    vg_source_reporter_done(&src->reporter);
    free(src->in);
    free(src->id);
    free(src);
}

static int rtsp_start(struct event_base *base, const struct vg_source_config *cfg,
                      struct vg_stream *s, vg_source_report_fn *report, void *arg,
                      struct vg_source **ret_src)
{
    struct vg_source *src = calloc(1, sizeof(*src));
    if (!src)
        return -ENOMEM;
    src->base = base;
    src->dns = cfg->dns;
    src->s = s;
    src->fd = -1;
    src->channel[0] = src->channel[1] = -1;
    src->timeout_us = (int64_t)(cfg->timeout_ms ? cfg->timeout_ms : 5000) * 1000;
    src->id = strdup(cfg->stream_id);
    src->in_cap = IN_START;
    src->in = malloc(src->in_cap);
    src->tick = event_new(base, -1, EV_PERSIST, on_tick, src);
    int r = vg_source_reporter_init(&src->reporter, base, report, arg);
    if (r < 0 || !src->id || !src->in || !src->tick) {
        rtsp_stop(src);
        return -ENOMEM;
    }
    event_add(src->tick, &(struct timeval){.tv_sec = 1});
    const char *error = NULL;
    if (vg_rtsp_url_parse(cfg->url, &src->url, &error) < 0) {
        finishf(src, VG_SOURCE_FAILED, "bad URL: %s", error);
    } else {
        char port[8];
        snprintf(port, sizeof(port), "%u", src->url.port);
        struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC,
                                        .ai_socktype = SOCK_STREAM,
                                        .ai_protocol = IPPROTO_TCP,
                                        .ai_flags = EVUTIL_AI_ADDRCONFIG};
        src->step = RESOLVING;
        /* May answer at once (numeric hosts, /etc/hosts): on_resolved has run
         * then and the request handle is NULL. */
        struct evdns_getaddrinfo_request *req =
            evdns_getaddrinfo(src->dns, src->url.host, port, &hints, on_resolved, src);
        if (src->step == RESOLVING)
            src->dns_req = req;
    }
    *ret_src = src;
    return 0;
}

const struct vg_source_ops vg_source_rtsp = {
    .name = "rtsp",
    .start = rtsp_start,
    .stop = rtsp_stop,
};
