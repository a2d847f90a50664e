/* Names and numbers the HTTP layer takes from requests outside the JSON
 * bodies: LL-HLS resource names and numbers, and WebSocket client keys. The
 * input is NUL-terminated and tried against each parser; an accepted name must
 * describe itself consistently. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/websocket.h"
#include "outputs/hls.h"

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
    free(s);
    return 0;
}
