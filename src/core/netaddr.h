/* IP addresses and CIDR blocks (IPv4 and IPv6). Pure. */
#pragma once

#include <stdbool.h>

/* True when ip (text) lies in cidr ("10.0.0.0/8", "::1", "192.168.1.7"). A bare
 * address matches itself only. False for anything unparsable. */
bool vg_cidr_match(const char *cidr, const char *ip);

/* True for a valid address or CIDR block. */
bool vg_cidr_valid(const char *cidr);
