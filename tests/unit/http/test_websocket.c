/* WebSocket handshake and frame headers (http/websocket.c), RFC 6455. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/websocket.h"

Test(websocket, accept_key_matches_the_rfc_6455_example)
{
    char out[VG_WS_ACCEPT_LEN + 1];
    cr_assert_eq(vg_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
    cr_expect_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

Test(websocket, accept_key_refuses_what_is_not_a_16_byte_nonce)
{
    char out[VG_WS_ACCEPT_LEN + 1];
    const char *bad[] = {NULL,
                         "",
                         "short==",
                         "dGhlIHNhbXBsZSBub25jZQ",
                         "dGhlIHNhbXBsZSBub25jZQ===",
                         "dGhlIHNhbXBsZSBub25j\nQ==",
                         "dGhlIHNhbXBsZSBub25jZ!=="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(vg_ws_accept_key(bad[i], out), -EINVAL, "key %zu", i);
}

Test(websocket, frame_headers_use_the_shortest_length_form)
{
    uint8_t h[VG_WS_FRAME_HEADER_MAX];
    cr_expect_eq(vg_ws_frame_header(VG_WS_TEXT, 5, h), 2);
    cr_expect_eq(h[0], 0x81);
    cr_expect_eq(h[1], 5);
    cr_expect_eq(vg_ws_frame_header(VG_WS_BINARY, 125, h), 2);
    cr_expect_eq(vg_ws_frame_header(VG_WS_BINARY, 126, h), 4);
    cr_expect_eq(h[0], 0x82);
    cr_expect_eq(h[1], 126);
    cr_expect_eq(h[2], 0);
    cr_expect_eq(h[3], 126);
    cr_expect_eq(vg_ws_frame_header(VG_WS_BINARY, 65535, h), 4);
    cr_expect_eq(vg_ws_frame_header(VG_WS_BINARY, 65536, h), 10);
    cr_expect_eq(h[1], 127);
    uint8_t want[8] = {0, 0, 0, 0, 0, 1, 0, 0};
    cr_expect(memcmp(h + 2, want, 8) == 0);
    cr_expect_eq(vg_ws_frame_header(VG_WS_CLOSE, 2, h), 2);
    cr_expect_eq(h[0], 0x88, "FIN and the close opcode");
}
