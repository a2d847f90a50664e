/* ICE-lite (RFC 8445 §2.5) on one UDP port and one passive ICE-TCP port
 * (RFC 6544, RFC 4571 framing) for every WebRTC session. The browser is the
 * controlling agent and sends the checks; we answer Binding requests whose
 * USERNAME starts with a session's ufrag and whose MESSAGE-INTEGRITY holds
 * with its password, and take the address they came from as the session's
 * path (the nominated one wins). Everything else on the port (DTLS, SRTP,
 * SRTCP: RFC 7983) goes to the session that owns the address or connection.
 * A session whose peer sends no check for the consent timeout is reported
 * gone (RFC 7675). All on the loop thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct evdns_base;
struct vg_ice;
struct vg_ice_tcp;

#define VG_ICE_UFRAG_LEN 8
#define VG_ICE_PWD_LEN 24

/* A session's side of ICE, embedded in the session. The agent fills the
 * credentials in vg_ice_add() and the path as checks arrive. */
struct vg_ice_peer {
    char ufrag[VG_ICE_UFRAG_LEN + 1], pwd[VG_ICE_PWD_LEN + 1]; /* ours */
    char remote_ufrag[257];                                    /* from the offer */
    /* DTLS, RTP or RTCP from the peer's path. It must not remove the peer
     * inside the call (defer it: the agent is still reading). */
    void (*on_packet)(struct vg_ice_peer *p, uint8_t *data, size_t len);
    /* The peer went quiet (consent expired) or its TCP connection closed.
     * The session should remove itself; it may do so inside the call. */
    void (*on_gone)(struct vg_ice_peer *p, const char *why);

    /* owned by the agent */
    bool has_path, nominated, tcp_path;
    struct sockaddr_storage addr; /* UDP path */
    socklen_t addr_len;
    struct vg_ice_tcp *tcp; /* TCP path */
    int64_t added_us, last_check_us;
    struct vg_ice_peer *next;
};

struct vg_ice_config {
    const char *bind_address; /* NULL: all addresses */
    uint16_t udp_port, tcp_port;
    unsigned consent_timeout_ms; /* default 30000 */
};

/* Binds the ports. Returns 0, or a negative errno (-EADDRINUSE ...). */
int vg_ice_new(struct event_base *base, const struct vg_ice_config *cfg, struct vg_ice **ret);
/* Closes the ports; peers still added are forgotten (not called). Accepts NULL. */
void vg_ice_free(struct vg_ice *ice);

/* Makes p's credentials and starts answering for it. */
int vg_ice_add(struct vg_ice *ice, struct vg_ice_peer *p);
/* Stops answering for p and closes its TCP connection. */
void vg_ice_remove(struct vg_ice *ice, struct vg_ice_peer *p);

/* Sends one packet to p's path. Returns 0, -ENOTCONN (no path yet) or a
 * negative errno; a full socket drops the packet (-EAGAIN), it never blocks. */
int vg_ice_send(struct vg_ice *ice, struct vg_ice_peer *p, const uint8_t *data, size_t len);

/* Asks a STUN server (a Binding request from the UDP port) for the address
 * this port has as seen from outside, e.g. through a NAT. on_public(arg,
 * addr) runs on each answer. Asks every 30 s until one answers, then every
 * 5 minutes. host is resolved through dns. Returns 0 or a negative errno. */
int vg_ice_discover(struct vg_ice *ice, struct evdns_base *dns, const char *host, uint16_t port,
                    void (*on_public)(void *arg, const struct sockaddr_in *addr), void *arg);

/* Bound ports (when asked for 0). */
uint16_t vg_ice_udp_port(const struct vg_ice *ice);
uint16_t vg_ice_tcp_port(const struct vg_ice *ice);
