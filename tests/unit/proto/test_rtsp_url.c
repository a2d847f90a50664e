/* rtsp:// URLs: where to connect, credentials kept off the request line,
 * control URLs resolved the way cameras expect. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "proto/rtsp_url.h"

Test(rtsp_url, splits_credentials_host_and_port)
{
    struct vg_rtsp_url u;
    const char *error = NULL;
    cr_assert_eq(vg_rtsp_url_parse("rtsp://admin:p%40ss%3Aw@192.168.1.10:8554/Streaming/101?x=1",
                                   &u, &error),
                 0);
    cr_expect_str_eq(u.user, "admin");
    cr_expect_str_eq(u.pass, "p@ss:w");
    cr_expect_str_eq(u.host, "192.168.1.10");
    cr_expect_eq(u.port, 8554);
    cr_expect_str_eq(u.url, "rtsp://192.168.1.10:8554/Streaming/101?x=1");
}

Test(rtsp_url, defaults_to_port_554_and_handles_ipv6)
{
    struct vg_rtsp_url u;
    const char *error = NULL;
    cr_assert_eq(vg_rtsp_url_parse("RTSP://cam.local/live", &u, &error), 0);
    cr_expect_eq(u.port, 554);
    cr_expect_str_eq(u.user, "");
    cr_expect_str_eq(u.url, "rtsp://cam.local/live");
    cr_assert_eq(vg_rtsp_url_parse("rtsp://u@[fe80::1]:10554", &u, &error), 0);
    cr_expect_str_eq(u.host, "fe80::1");
    cr_expect_eq(u.port, 10554);
    cr_expect_str_eq(u.user, "u");
    cr_expect_str_eq(u.url, "rtsp://[fe80::1]:10554");
}

Test(rtsp_url, refuses_bad_urls_with_a_reason)
{
    const char *bad[] = {
        "http://x/",
        "rtsp://",
        "rtsp://:554/",
        "rtsp://h:0/",
        "rtsp://h:65536/",
        "rtsp://h:12a/",
        "rtsp://[::1/",
        "rtsp://[::1]x/",
        "rtsp://u:%zz@h/",
        "rtsp://u%0d%0a@h/",
        "rtsp://h/a b",
        "rtsp://h/\r\nX",
        "rtsp://h:99999999999/",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vg_rtsp_url u;
        const char *error = NULL;
        cr_expect_eq(vg_rtsp_url_parse(bad[i], &u, &error), -EINVAL, "%s", bad[i]);
        cr_expect_not_null(error, "%s", bad[i]);
    }
}

static int control(const char *base, const char *c, char *out, size_t cap)
{
    return vg_rtsp_url_control(base, (struct vg_span){c, strlen(c)}, out, cap);
}

Test(rtsp_url, resolves_track_controls)
{
    char out[256];
    cr_assert_eq(control("rtsp://h/s/", "trackID=1", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "rtsp://h/s/trackID=1");
    cr_assert_eq(control("rtsp://h/s", "stream=0", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "rtsp://h/s/stream=0");
    cr_assert_eq(control("rtsp://h/s", "rtsp://h/other/track1", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "rtsp://h/other/track1");
    cr_assert_eq(control("rtsp://h/s", "*", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "rtsp://h/s");
    cr_assert_eq(control("rtsp://h/s", "", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "rtsp://h/s");
    cr_expect_eq(control("rtsp://h/s", "a\r\nX: y", out, sizeof(out)), -EINVAL);
    cr_expect_eq(control("rtsp://h/s", "trackID=1", out, 10), -E2BIG);
}
