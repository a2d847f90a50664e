/* NVR channel URL templates: vendor presets, placeholders, credential encoding. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/nvr_template.h"
#include "core/url.h"

static const struct vg_nvr_vars admin_vars = {
    .user = "admin", .pass = "pw", .host = "10.0.0.5", .port = 554, .channel = 1};

static void expect_expand(const char *tmpl, const struct vg_nvr_vars *vars, const char *want)
{
    char *url = NULL;
    int r = vg_nvr_template_expand(tmpl, vars, &url);
    cr_assert_eq(r, 0, "expand('%s') = %d", tmpl, r);
    cr_assert_not_null(url);
    cr_expect_str_eq(url, want, "expand('%s')", tmpl);
    free(url);
}

static void expect_vendor(enum vg_nvr_vendor v, bool sub, unsigned channel, const char *want)
{
    struct vg_nvr_vars vars = admin_vars;
    vars.channel = channel;
    const char *tmpl = vg_nvr_vendor_template(v, sub);
    cr_assert_not_null(tmpl);
    expect_expand(tmpl, &vars, want);
}

static void expect_rejected(const char *tmpl, const char *reason_part)
{
    const char *reason = NULL;
    cr_expect_eq(vg_nvr_template_check(tmpl, &reason), -EINVAL, "'%s' accepted",
                 tmpl ? tmpl : "(null)");
    cr_expect_not_null(reason);
    if (reason && reason_part)
        cr_expect(strstr(reason, reason_part), "reason '%s' lacks '%s'", reason, reason_part);
    char *url = (char *)0x1;
    cr_expect_eq(vg_nvr_template_expand(tmpl, &admin_vars, &url), -EINVAL);
    cr_expect_eq(url, (char *)0x1, "ret_url written on failure");
}

/* ---- vendor presets ---- */

Test(nvr_template, hikvision_main_stream_of_channel_1)
{
    expect_vendor(VG_NVR_HIKVISION, false, 1,
                  "rtsp://admin:pw@10.0.0.5:554/Streaming/Channels/101");
}

Test(nvr_template, hikvision_sub_stream_of_channel_1)
{
    expect_vendor(VG_NVR_HIKVISION, true, 1, "rtsp://admin:pw@10.0.0.5:554/Streaming/Channels/102");
}

Test(nvr_template, hikvision_main_and_sub_stream_of_channel_16)
{
    expect_vendor(VG_NVR_HIKVISION, false, 16,
                  "rtsp://admin:pw@10.0.0.5:554/Streaming/Channels/1601");
    expect_vendor(VG_NVR_HIKVISION, true, 16,
                  "rtsp://admin:pw@10.0.0.5:554/Streaming/Channels/1602");
}

Test(nvr_template, dahua_main_and_sub_stream_of_channel_1)
{
    expect_vendor(VG_NVR_DAHUA, false, 1,
                  "rtsp://admin:pw@10.0.0.5:554/cam/realmonitor?channel=1&subtype=0");
    expect_vendor(VG_NVR_DAHUA, true, 1,
                  "rtsp://admin:pw@10.0.0.5:554/cam/realmonitor?channel=1&subtype=1");
}

Test(nvr_template, dahua_main_and_sub_stream_of_channel_16)
{
    expect_vendor(VG_NVR_DAHUA, false, 16,
                  "rtsp://admin:pw@10.0.0.5:554/cam/realmonitor?channel=16&subtype=0");
    expect_vendor(VG_NVR_DAHUA, true, 16,
                  "rtsp://admin:pw@10.0.0.5:554/cam/realmonitor?channel=16&subtype=1");
}

Test(nvr_template, generic_vendor_has_no_preset)
{
    cr_expect_null(vg_nvr_vendor_template(VG_NVR_GENERIC, false));
    cr_expect_null(vg_nvr_vendor_template(VG_NVR_GENERIC, true));
}

Test(nvr_template, vendor_presets_pass_the_template_check)
{
    const enum vg_nvr_vendor vendors[] = {VG_NVR_HIKVISION, VG_NVR_DAHUA};
    for (size_t i = 0; i < 2; i++) {
        for (int sub = 0; sub < 2; sub++) {
            const char *reason = NULL;
            cr_expect_eq(vg_nvr_template_check(vg_nvr_vendor_template(vendors[i], sub), &reason),
                         0);
        }
    }
}

Test(nvr_template, expanded_vendor_urls_are_valid_camera_urls)
{
    struct vg_nvr_vars vars = {
        .user = "ad min", .pass = "p@ss:w/rd", .host = "nvr.local", .port = 10554, .channel = 64};
    char *url = NULL;
    cr_assert_eq(vg_nvr_template_expand(vg_nvr_vendor_template(VG_NVR_DAHUA, false), &vars, &url),
                 0);
    const char *reason = NULL;
    cr_expect_eq(vg_url_validate(url, &reason), 0, "%s: %s", url, reason ? reason : "");
    char *masked = vg_url_mask(url);
    cr_expect_str_eq(masked,
                     "rtsp://ad%20min:" VG_MASK "@nvr.local:10554/cam/realmonitor?channel=64&"
                     "subtype=0");
    free(masked);
    free(url);
}

/* ---- generic templates ---- */

Test(nvr_template, generic_template_fills_every_placeholder)
{
    struct vg_nvr_vars vars = {
        .user = "u", .pass = "p", .host = "192.168.1.20", .port = 8554, .channel = 7};
    expect_expand("rtsp://{user}:{pass}@{ip}:{port}/ch{channel}/main?port={port}&u={user}", &vars,
                  "rtsp://u:p@192.168.1.20:8554/ch7/main?port=8554&u=u");
}

Test(nvr_template, template_without_placeholders_is_copied)
{
    expect_expand("rtsp://fixed.example/stream", &admin_vars, "rtsp://fixed.example/stream");
}

Test(nvr_template, large_port_and_channel_numbers_are_written_in_full)
{
    struct vg_nvr_vars vars = admin_vars;
    vars.port = 65535;
    vars.channel = 4294967295u;
    expect_expand("{port}/{channel}", &vars, "65535/4294967295");
}

Test(nvr_template, credentials_are_percent_encoded)
{
    struct vg_nvr_vars vars = admin_vars;
    vars.user = "ad@min";
    vars.pass = "p@ss:w/rd";
    expect_expand(vg_nvr_vendor_template(VG_NVR_HIKVISION, false), &vars,
                  "rtsp://ad%40min:p%40ss%3Aw%2Frd@10.0.0.5:554/Streaming/Channels/101");
}

Test(nvr_template, empty_user_drops_the_credentials)
{
    struct vg_nvr_vars vars = admin_vars;
    vars.user = "";
    vars.pass = "ignored";
    expect_expand(vg_nvr_vendor_template(VG_NVR_HIKVISION, false), &vars,
                  "rtsp://10.0.0.5:554/Streaming/Channels/101");
    vars.user = NULL;
    expect_expand(vg_nvr_vendor_template(VG_NVR_DAHUA, true), &vars,
                  "rtsp://10.0.0.5:554/cam/realmonitor?channel=1&subtype=1");
}

Test(nvr_template, empty_password_keeps_the_user)
{
    struct vg_nvr_vars vars = admin_vars;
    vars.pass = "";
    expect_expand("rtsp://{user}:{pass}@{ip}/x", &vars, "rtsp://admin:@10.0.0.5/x");
    vars.pass = NULL;
    expect_expand("rtsp://{user}:{pass}@{ip}/x", &vars, "rtsp://admin:@10.0.0.5/x");
}

Test(nvr_template, host_is_inserted_as_given)
{
    struct vg_nvr_vars vars = admin_vars;
    vars.host = "[fe80::1]";
    expect_expand("rtsp://{ip}:{port}/x", &vars, "rtsp://[fe80::1]:554/x");
}

/* ---- template check ---- */

Test(nvr_template, check_accepts_known_placeholders)
{
    const char *reason = NULL;
    cr_expect_eq(vg_nvr_template_check("{user}{pass}{ip}{port}{channel}", &reason), 0);
    cr_expect_eq(vg_nvr_template_check("rtsp://h/x", &reason), 0);
}

Test(nvr_template, check_refuses_unknown_placeholders)
{
    expect_rejected("rtsp://{ip}/{chan}", "placeholder");
    expect_rejected("rtsp://{ip}/{CHANNEL}", "placeholder");
    expect_rejected("rtsp://{ip}/{}", "placeholder");
    expect_rejected("rtsp://{ip}/{ channel}", "placeholder");
    expect_rejected("rtsp://{ip}/{channelx}", "placeholder");
}

Test(nvr_template, check_refuses_unmatched_braces)
{
    expect_rejected("rtsp://{ip}/x}", "'}'");
    expect_rejected("}", "'}'");
    expect_rejected("rtsp://{ip", NULL);
    expect_rejected("rtsp://{ip}/{", NULL);
    expect_rejected("rtsp://{{ip}}", NULL);
    expect_rejected("rtsp://{user{pass}}", NULL);
}

Test(nvr_template, check_refuses_empty_and_null)
{
    expect_rejected("", "empty");
    expect_rejected(NULL, "empty");
}

Test(nvr_template, check_accepts_1024_characters_and_refuses_1025)
{
    char t[VG_TEMPLATE_MAX + 2];
    memset(t, 'a', VG_TEMPLATE_MAX);
    t[VG_TEMPLATE_MAX] = '\0';
    const char *reason = NULL;
    cr_expect_eq(vg_nvr_template_check(t, &reason), 0);
    t[VG_TEMPLATE_MAX] = 'a';
    t[VG_TEMPLATE_MAX + 1] = '\0';
    expect_rejected(t, "1024");
}

Test(nvr_template, longest_template_of_placeholders_expands_in_full)
{
    /* 1024 bytes of "{pass}" copies (170 of them, 6 bytes each, plus 4 'x'). */
    char t[VG_TEMPLATE_MAX + 1];
    size_t n = 0;
    while (n + 6 <= VG_TEMPLATE_MAX) {
        memcpy(t + n, "{pass}", 6);
        n += 6;
    }
    while (n < VG_TEMPLATE_MAX)
        t[n++] = 'x';
    t[n] = '\0';
    struct vg_nvr_vars vars = admin_vars;
    vars.pass = "/////"; /* 15 bytes each once encoded */
    char *url = NULL;
    cr_assert_eq(vg_nvr_template_expand(t, &vars, &url), 0);
    cr_expect_eq(strlen(url), 170 * 15 + 4);
    free(url);
}

/* ---- vendor names ---- */

Test(nvr_template, vendor_name_and_parse_round_trip)
{
    const enum vg_nvr_vendor all[] = {VG_NVR_HIKVISION, VG_NVR_DAHUA, VG_NVR_GENERIC};
    for (size_t i = 0; i < 3; i++) {
        enum vg_nvr_vendor v = (enum vg_nvr_vendor) - 1;
        const char *name = vg_nvr_vendor_name(all[i]);
        cr_assert_not_null(name);
        cr_expect_eq(vg_nvr_vendor_parse(name, &v), 0, "parse('%s')", name);
        cr_expect_eq(v, all[i]);
    }
    cr_expect_str_eq(vg_nvr_vendor_name(VG_NVR_HIKVISION), "hikvision");
    cr_expect_str_eq(vg_nvr_vendor_name(VG_NVR_DAHUA), "dahua");
    cr_expect_str_eq(vg_nvr_vendor_name(VG_NVR_GENERIC), "generic");
}

Test(nvr_template, vendor_parse_refuses_unknown_names)
{
    enum vg_nvr_vendor v = VG_NVR_DAHUA;
    cr_expect_eq(vg_nvr_vendor_parse("axis", &v), -EINVAL);
    cr_expect_eq(vg_nvr_vendor_parse("", &v), -EINVAL);
    cr_expect_eq(vg_nvr_vendor_parse(NULL, &v), -EINVAL);
    cr_expect_eq(vg_nvr_vendor_parse("Hikvision", &v), -EINVAL);
    cr_expect_eq(vg_nvr_vendor_parse("hikvision ", &v), -EINVAL);
    cr_expect_eq(v, VG_NVR_DAHUA, "ret_vendor written on failure");
}
