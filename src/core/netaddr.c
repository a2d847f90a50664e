#include "core/netaddr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct addr {
    int family;
    unsigned char bytes[16];
    unsigned bits; /* prefix length */
};

static bool parse(const char *text, bool allow_prefix, struct addr *ret)
{
    char buf[64];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, text, n + 1);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        if (!allow_prefix || !slash[1])
            return false;
        *slash = '\0';
        /* One to three plain digits: no signs, spaces or padding. */
        const char *d = slash + 1;
        size_t nd = strspn(d, "0123456789");
        if (nd == 0 || nd > 3 || d[nd])
            return false;
        prefix = strtol(d, NULL, 10);
    }
    struct addr a = {0};
    if (inet_pton(AF_INET, buf, a.bytes) == 1) {
        a.family = AF_INET;
        a.bits = 32;
    } else if (inet_pton(AF_INET6, buf, a.bytes) == 1) {
        a.family = AF_INET6;
        a.bits = 128;
    } else {
        return false;
    }
    if (prefix >= 0) {
        if ((unsigned long)prefix > a.bits)
            return false;
        a.bits = (unsigned)prefix;
    }
    *ret = a;
    return true;
}

bool vg_cidr_valid(const char *cidr)
{
    struct addr a;
    return cidr && parse(cidr, true, &a);
}

bool vg_cidr_match(const char *cidr, const char *ip)
{
    struct addr net, a;
    if (!cidr || !ip || !parse(cidr, true, &net) || !parse(ip, false, &a))
        return false;
    if (net.family != a.family)
        return false;
    unsigned full = net.bits / 8, rest = net.bits % 8;
    if (memcmp(net.bytes, a.bytes, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net.bytes[full] & mask) == (a.bytes[full] & mask);
}
