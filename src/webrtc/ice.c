#include "webrtc/ice.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "proto/stun.h"

#define UDP_BATCH 64           /* datagrams per wakeup, so TCP and HTTP get a turn */
#define TCP_MAX 256            /* ICE-TCP connections at once */
#define TCP_UNBOUND_MS 10000   /* a connection must send a valid check by then */
#define TCP_OUT_MAX (1u << 20) /* queued output per connection before packets drop */
#define PACKET_MAX 65535

struct vg_ice_tcp {
    struct vg_ice *ice;
    struct bufferevent *bev;
    struct vg_ice_peer *peer; /* set by the first valid check */
    int64_t opened_us;
    struct vg_ice_tcp *next;
};

/* The public address discovery (vg_ice_discover). */
struct discovery {
    struct evdns_base *dns;
    struct evdns_getaddrinfo_request *req;
    char host[256];
    uint16_t port;
    struct sockaddr_in server;
    bool resolved, answered;
    uint8_t txid[VG_STUN_TXID_LEN];
    struct event *timer;
    void (*on_public)(void *arg, const struct sockaddr_in *addr);
    void *arg;
};

struct vg_ice {
    struct event_base *base;
    struct discovery disc;
    struct vg_ice_config cfg;
    int udp_fd;
    struct event *udp_ev, *tick;
    struct evconnlistener *listener;
    uint16_t udp_port, tcp_port;
    struct vg_ice_peer *peers;
    struct vg_ice_tcp *conns;
    unsigned n_conns;
    _Alignas(8) uint8_t buf[PACKET_MAX]; /* libsrtp works in place on 32-bit words */
};

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family || a->ss_family != AF_INET)
        return false;
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static struct vg_ice_peer *peer_by_ufrag(struct vg_ice *ice, const char *ufrag, size_t len)
{
    for (struct vg_ice_peer *p = ice->peers; p; p = p->next) {
        if (len == VG_ICE_UFRAG_LEN && memcmp(p->ufrag, ufrag, len) == 0)
            return p;
    }
    return NULL;
}

static struct vg_ice_peer *peer_by_addr(struct vg_ice *ice, const struct sockaddr_storage *a)
{
    for (struct vg_ice_peer *p = ice->peers; p; p = p->next) {
        if (p->has_path && !p->tcp_path && same_addr(&p->addr, a))
            return p;
    }
    return NULL;
}

static void tcp_write(struct vg_ice_tcp *c, const uint8_t *data, size_t len)
{
    uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    bufferevent_write(c->bev, hdr, 2);
    bufferevent_write(c->bev, data, len);
}

/* A Binding request: answer it when it is for one of our peers and carries
 * its password's integrity; the path it came over becomes the peer's. Checks
 * that fail are dropped without an answer: the browser retries, and nothing
 * here reflects traffic at a forged source address. */
static void on_stun(struct vg_ice *ice, const uint8_t *data, size_t len,
                    const struct sockaddr_storage *from, socklen_t from_len, struct vg_ice_tcp *tcp)
{
    struct vg_stun_msg m;
    if (vg_stun_parse(data, len, &m) < 0 || m.type != VG_STUN_BINDING_REQUEST)
        return;
    struct vg_span user;
    if (vg_stun_get_text(&m, VG_STUN_ATTR_USERNAME, &user) < 0)
        return;
    const char *colon = memchr(user.base, ':', user.len);
    if (!colon)
        return;
    struct vg_ice_peer *p = peer_by_ufrag(ice, user.base, (size_t)(colon - user.base));
    if (!p || vg_stun_check_integrity(&m, (const uint8_t *)p->pwd, VG_ICE_PWD_LEN) < 0)
        return;
    /* An ICE-TCP connection carries one session: checks for another are dropped. */
    if (tcp && tcp->peer && tcp->peer != p)
        return;
    if (vg_stun_has(&m, VG_STUN_ATTR_FINGERPRINT) && vg_stun_check_fingerprint(&m) < 0)
        return;
    size_t rlen = user.len - (size_t)(colon + 1 - user.base);
    if (p->remote_ufrag[0] &&
        (rlen != strlen(p->remote_ufrag) || memcmp(colon + 1, p->remote_ufrag, rlen) != 0))
        return;
    uint8_t out[256];
    int n = vg_stun_binding_response(&m, (const struct sockaddr *)from, from_len,
                                     (const uint8_t *)p->pwd, VG_ICE_PWD_LEN, out, sizeof(out));
    if (n <= 0)
        return;
    if (tcp)
        tcp_write(tcp, out, (size_t)n);
    else
        sendto(ice->udp_fd, out, (size_t)n, MSG_DONTWAIT, (const struct sockaddr *)from, from_len);
    p->last_check_us = vg_mono_us();
    bool nominate = vg_stun_has(&m, VG_STUN_ATTR_USE_CANDIDATE);
    /* The first valid path carries DTLS until the browser nominates one; a
     * later nomination (the browser switched pairs) moves the path there. */
    bool same = tcp ? p->tcp == tcp : !p->tcp_path && same_addr(&p->addr, from);
    if (!p->has_path || (nominate && !same)) {
        if (p->tcp && p->tcp != tcp)
            p->tcp->peer = NULL;
        p->has_path = true;
        p->tcp_path = tcp != NULL;
        p->tcp = tcp;
        if (tcp)
            tcp->peer = p;
        else {
            memcpy(&p->addr, from, from_len);
            p->addr_len = from_len;
        }
    }
    p->nominated = p->nominated || nominate;
}

/* A Binding success from the STUN server we asked: our public address. */
static void on_discovery_answer(struct vg_ice *ice, const uint8_t *data, size_t len,
                                const struct sockaddr_storage *from)
{
    struct discovery *d = &ice->disc;
    struct vg_stun_msg m;
    struct sockaddr_storage pub;
    const struct sockaddr_in *sin = (const void *)from;
    if (!d->resolved || from->ss_family != AF_INET ||
        sin->sin_addr.s_addr != d->server.sin_addr.s_addr || sin->sin_port != d->server.sin_port ||
        vg_stun_parse(data, len, &m) < 0 || m.type != VG_STUN_BINDING_SUCCESS ||
        memcmp(m.txid, d->txid, VG_STUN_TXID_LEN) != 0)
        return;
    if (vg_stun_get_xor_mapped_address(&m, &pub) < 0 && vg_stun_get_mapped_address(&m, &pub) < 0)
        return;
    if (pub.ss_family != AF_INET)
        return;
    d->answered = true;
    d->on_public(d->arg, (const struct sockaddr_in *)(const void *)&pub);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct vg_ice *ice = arg;
    for (int i = 0; i < UDP_BATCH; i++) {
        struct sockaddr_storage from;
        socklen_t from_len = sizeof(from);
        ssize_t n = recvfrom(fd, ice->buf, sizeof(ice->buf), MSG_DONTWAIT, (struct sockaddr *)&from,
                             &from_len);
        if (n <= 0)
            return;
        if (vg_stun_is_stun(ice->buf, (size_t)n)) {
            if (ice->disc.on_public && (ice->buf[0] & 0x01) == 0x01)
                on_discovery_answer(ice, ice->buf, (size_t)n, &from); /* a response class */
            else
                on_stun(ice, ice->buf, (size_t)n, &from, from_len, NULL);
            continue;
        }
        struct vg_ice_peer *p = peer_by_addr(ice, &from);
        if (p)
            p->on_packet(p, ice->buf, (size_t)n);
    }
}

static void tcp_close(struct vg_ice_tcp *c)
{
    struct vg_ice *ice = c->ice;
    for (struct vg_ice_tcp **pp = &ice->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    ice->n_conns--;
    bufferevent_free(c->bev);
    struct vg_ice_peer *p = c->peer;
    free(c);
    if (p && p->tcp == c) {
        p->tcp = NULL;
        p->has_path = false;
        p->on_gone(p, "the ICE-TCP connection closed");
    }
}

static void on_tcp_read(struct bufferevent *bev, void *arg)
{
    struct vg_ice_tcp *c = arg;
    struct vg_ice *ice = c->ice;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t hdr[2];
        if (evbuffer_copyout(in, hdr, 2) < 2)
            return;
        size_t len = (size_t)hdr[0] << 8 | hdr[1];
        if (evbuffer_get_length(in) < 2 + len)
            return;
        evbuffer_drain(in, 2);
        evbuffer_remove(in, ice->buf, len);
        if (vg_stun_is_stun(ice->buf, len)) {
            struct sockaddr_storage from;
            socklen_t from_len = sizeof(from);
            getpeername(bufferevent_getfd(bev), (struct sockaddr *)&from, &from_len);
            on_stun(ice, ice->buf, len, &from, from_len, c);
        } else if (c->peer && c->peer->tcp == c) {
            c->peer->on_packet(c->peer, ice->buf, len);
        }
    }
}

static void on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        tcp_close(arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg)
{
    (void)l;
    (void)sa;
    (void)len;
    struct vg_ice *ice = arg;
    struct vg_ice_tcp *c = ice->n_conns < TCP_MAX ? calloc(1, sizeof(*c)) : NULL;
    if (c)
        c->bev = bufferevent_socket_new(ice->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c || !c->bev) {
        free(c);
        close(fd);
        return;
    }
    c->ice = ice;
    c->opened_us = vg_mono_us();
    c->next = ice->conns;
    ice->conns = c;
    ice->n_conns++;
    bufferevent_setcb(c->bev, on_tcp_read, NULL, on_tcp_event, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, 4 * PACKET_MAX);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Once a second: consent freshness and connections that never bound. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_ice *ice = arg;
    int64_t now = vg_mono_us(), limit = (int64_t)ice->cfg.consent_timeout_ms * 1000;
    for (struct vg_ice_peer *p = ice->peers, *next; p; p = next) {
        next = p->next;
        int64_t since = p->last_check_us ? p->last_check_us : p->added_us;
        if (now - since > limit)
            p->on_gone(p, p->last_check_us ? "the browser stopped answering (consent expired)"
                                           : "no ICE connectivity check arrived");
    }
    for (struct vg_ice_tcp *c = ice->conns, *next; c; c = next) {
        next = c->next;
        if (!c->peer && now - c->opened_us > (int64_t)TCP_UNBOUND_MS * 1000)
            tcp_close(c);
    }
}

int vg_ice_new(struct event_base *base, const struct vg_ice_config *cfg, struct vg_ice **ret)
{
    struct vg_ice *ice = calloc(1, sizeof(*ice));
    if (!ice)
        return -ENOMEM;
    ice->base = base;
    ice->cfg = *cfg;
    if (!ice->cfg.consent_timeout_ms)
        ice->cfg.consent_timeout_ms = 30000;
    ice->udp_fd = -1;
    int r = -EINVAL;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(cfg->udp_port)};
    if (cfg->bind_address && inet_pton(AF_INET, cfg->bind_address, &sin.sin_addr) != 1)
        goto fail;
    ice->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ice->udp_fd < 0 || bind(ice->udp_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        r = -errno;
        goto fail;
    }
    int size = 4 << 20; /* room for bursts of keyframes to many viewers */
    setsockopt(ice->udp_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    setsockopt(ice->udp_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    socklen_t slen = sizeof(sin);
    getsockname(ice->udp_fd, (struct sockaddr *)&sin, &slen);
    ice->udp_port = ntohs(sin.sin_port);
    sin.sin_port = htons(cfg->tcp_port);
    ice->listener = evconnlistener_new_bind(
        base, on_accept, ice, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 64,
        (struct sockaddr *)&sin, sizeof(sin));
    if (!ice->listener) {
        r = -errno ? -errno : -EADDRINUSE;
        goto fail;
    }
    slen = sizeof(sin);
    getsockname(evconnlistener_get_fd(ice->listener), (struct sockaddr *)&sin, &slen);
    ice->tcp_port = ntohs(sin.sin_port);
    ice->udp_ev = event_new(base, ice->udp_fd, EV_READ | EV_PERSIST, on_udp, ice);
    ice->tick = event_new(base, -1, EV_PERSIST, on_tick, ice);
    if (!ice->udp_ev || !ice->tick) {
        r = -ENOMEM;
        goto fail;
    }
    event_add(ice->udp_ev, NULL);
    event_add(ice->tick, &(struct timeval){.tv_sec = 1});
    *ret = ice;
    return 0;
fail:
    vg_ice_free(ice);
    return r;
}

void vg_ice_free(struct vg_ice *ice)
{
    if (!ice)
        return;
    if (ice->disc.req)
        evdns_getaddrinfo_cancel(ice->disc.req);
    if (ice->disc.timer)
        event_free(ice->disc.timer);
    ice->peers = NULL; /* forgotten, not called */
    while (ice->conns) {
        ice->conns->peer = NULL;
        tcp_close(ice->conns);
    }
    if (ice->listener)
        evconnlistener_free(ice->listener);
    if (ice->udp_ev)
        event_free(ice->udp_ev);
    if (ice->tick)
        event_free(ice->tick);
    if (ice->udp_fd >= 0)
        close(ice->udp_fd);
    free(ice);
}

/* Random ICE characters (RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/"). */
static void random_ice_chars(char *out, size_t n)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i++)
        out[i] = set[randombytes_uniform(sizeof(set) - 1)];
    out[n] = '\0';
}

int vg_ice_add(struct vg_ice *ice, struct vg_ice_peer *p)
{
    do
        random_ice_chars(p->ufrag, VG_ICE_UFRAG_LEN);
    while (peer_by_ufrag(ice, p->ufrag, VG_ICE_UFRAG_LEN));
    random_ice_chars(p->pwd, VG_ICE_PWD_LEN);
    p->has_path = p->nominated = p->tcp_path = false;
    p->tcp = NULL;
    p->added_us = vg_mono_us();
    p->last_check_us = 0;
    p->next = ice->peers;
    ice->peers = p;
    return 0;
}

void vg_ice_remove(struct vg_ice *ice, struct vg_ice_peer *p)
{
    for (struct vg_ice_peer **pp = &ice->peers; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    if (p->tcp) {
        struct vg_ice_tcp *c = p->tcp;
        c->peer = NULL;
        p->tcp = NULL;
        tcp_close(c);
    }
    p->has_path = false;
}

int vg_ice_send(struct vg_ice *ice, struct vg_ice_peer *p, const uint8_t *data, size_t len)
{
    if (!p->has_path)
        return -ENOTCONN;
    if (p->tcp_path) {
        if (len > PACKET_MAX)
            return -EMSGSIZE;
        if (evbuffer_get_length(bufferevent_get_output(p->tcp->bev)) > TCP_OUT_MAX)
            return -EAGAIN;
        tcp_write(p->tcp, data, len);
        return 0;
    }
    ssize_t n = sendto(ice->udp_fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)&p->addr,
                       p->addr_len);
    return n < 0 ? -errno : 0;
}

uint16_t vg_ice_udp_port(const struct vg_ice *ice)
{
    return ice->udp_port;
}

uint16_t vg_ice_tcp_port(const struct vg_ice *ice)
{
    return ice->tcp_port;
}

static void send_discovery(struct vg_ice *ice)
{
    struct discovery *d = &ice->disc;
    uint8_t out[64];
    struct vg_stun_builder b;
    randombytes_buf(d->txid, sizeof(d->txid));
    if (vg_stun_builder_begin(&b, out, sizeof(out), VG_STUN_BINDING_REQUEST, d->txid) < 0)
        return;
    int n = vg_stun_builder_finish(&b, NULL, 0);
    if (n > 0)
        sendto(ice->udp_fd, out, (size_t)n, MSG_DONTWAIT, (const struct sockaddr *)&d->server,
               sizeof(d->server));
}

static void on_discovery_resolved(int err, struct evutil_addrinfo *res, void *arg)
{
    if (err == EVUTIL_EAI_CANCEL)
        return;
    struct vg_ice *ice = arg;
    struct discovery *d = &ice->disc;
    d->req = NULL;
    for (struct evutil_addrinfo *a = err ? NULL : res; a; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            memcpy(&d->server, a->ai_addr, sizeof(d->server));
            d->resolved = true;
            break;
        }
    }
    if (res)
        evutil_freeaddrinfo(res);
    if (d->resolved)
        send_discovery(ice);
}

static void on_discovery_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_ice *ice = arg;
    struct discovery *d = &ice->disc;
    if (!d->resolved && !d->req) {
        char port[8];
        snprintf(port, sizeof(port), "%u", d->port);
        struct evutil_addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
        struct evdns_getaddrinfo_request *req =
            evdns_getaddrinfo(d->dns, d->host, port, &hints, on_discovery_resolved, ice);
        if (!d->resolved)
            d->req = req;
    } else if (d->resolved) {
        send_discovery(ice);
    }
    event_add(d->timer, &(struct timeval){.tv_sec = d->answered ? 300 : 30});
}

int vg_ice_discover(struct vg_ice *ice, struct evdns_base *dns, const char *host, uint16_t port,
                    void (*on_public)(void *arg, const struct sockaddr_in *addr), void *arg)
{
    struct discovery *d = &ice->disc;
    if (strlen(host) >= sizeof(d->host) || d->timer)
        return -EINVAL;
    d->timer = evtimer_new(ice->base, on_discovery_timer, ice);
    if (!d->timer)
        return -ENOMEM;
    memcpy(d->host, host, strlen(host) + 1);
    d->port = port;
    d->dns = dns;
    d->on_public = on_public;
    d->arg = arg;
    on_discovery_timer(-1, 0, ice);
    return 0;
}
