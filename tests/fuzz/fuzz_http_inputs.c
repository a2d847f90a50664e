/* Names and numbers the HTTP layer takes from requests outside the JSON
 * bodies: LL-HLS resource names and numbers, WebSocket client keys, the
 * recordings API's moments and Range headers. The input is NUL-terminated and
 * tried against each parser; an accepted value must keep its contract. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/rec_params.h"
#include "http/websocket.h"
#include "outputs/hls.h"

/* A range, when there is one, lies inside the resource, in order. */
static void check_range(const char *s, uint64_t size)
{
    uint64_t first = 0, last = 0;
    int r = vg_parse_range(s, size, &first, &last);
    if (r != 0 && r != -EINVAL && r != -ERANGE)
        abort();
    if (r == 0 && (first > last || last >= size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct vg_hls_name name;
    if (vg_hls_parse_name(s, &name) == 0 && name.part >= VG_HLS_PARTS_MAX)
        abort();
    uint64_t v;
    if (vg_hls_parse_uint(s, 1000000, &v) == 0 && v > 1000000)
        abort();

    char accept[VG_WS_ACCEPT_LEN + 1];
    if (vg_ws_accept_key(s, accept) == 0 && strlen(accept) != VG_WS_ACCEPT_LEN)
        abort();
    uint8_t hdr[VG_WS_FRAME_HEADER_MAX];
    uint64_t len = 0;
    memcpy(&len, data, size < sizeof(len) ? size : sizeof(len));
    size_t n = vg_ws_frame_header(VG_WS_BINARY, len, hdr);
    if (n != 2 && n != 4 && n != 10)
        abort();

    int64_t ms = -1;
    int r = vg_parse_time_ms(s, &ms);
    if (r != 0 && r != -EINVAL)
        abort();
    if (r == 0 && (ms < 0 || ms > VG_TIME_MS_MAX))
        abort();
    /* The resource size comes from the input's first bytes, whole and cut
     * small, so that both huge resources and the clamping at small ones are
     * reached. */
    check_range(s, len);
    check_range(s, len % 4096);
    check_range(s, 0);
    free(s);
    return 0;
}
