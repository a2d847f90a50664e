/* Camera URL checks: scheme allow-list, validation, credential masking. */
#include <criterion/criterion.h>
#include <unistd.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

static void expect_valid(const char *url)
{
    const char *reason = NULL;
    cr_expect_eq(vg_url_validate(url, &reason), 0, "'%s' refused: %s", url, reason ? reason : "?");
}

static void expect_invalid(const char *url, const char *reason_part)
{
    const char *reason = NULL;
    cr_expect_eq(vg_url_validate(url, &reason), -EINVAL, "'%s' accepted", url);
    cr_expect_not_null(reason, "'%s' refused without a reason", url);
    if (reason && reason_part)
        cr_expect(strstr(reason, reason_part), "'%s': reason '%s' lacks '%s'", url, reason,
                  reason_part);
}

static void expect_mask(const char *url, const char *want)
{
    char *got = vg_url_mask(url);
    cr_assert_not_null(got);
    cr_expect_str_eq(got, want, "mask('%s')", url);
    free(got);
}

static void expect_unmask(const char *in, const char *stored, const char *want)
{
    char *got = vg_url_unmask(in, stored);
    cr_assert_not_null(got);
    cr_expect_str_eq(got, want, "unmask('%s', '%s')", in, stored ? stored : "(null)");
    free(got);
}

/* ---- schemes ---- */

Test(url, scheme_allow_list_accepts_camera_protocols)
{
    cr_expect(vg_url_scheme_allowed("rtsp://h/x"));
    cr_expect(vg_url_scheme_allowed("rtsps://h/x"));
    cr_expect(vg_url_scheme_allowed("rtmp://h/x"));
    cr_expect(vg_url_scheme_allowed("http://h/x"));
    cr_expect(vg_url_scheme_allowed("https://h/x"));
    cr_expect(vg_url_scheme_allowed("demo:1"));
    cr_expect(vg_url_scheme_allowed("file:///srv/media/a.mp4"));
}

Test(url, scheme_allow_list_ignores_case)
{
    cr_expect(vg_url_scheme_allowed("RTSP://h/x"));
    cr_expect(vg_url_scheme_allowed("Https://h/x"));
    expect_valid("RTSP://cam.local:554/stream1");
}

Test(url, scheme_allow_list_refuses_other_protocols)
{
    cr_expect_not(vg_url_scheme_allowed("javascript:alert(1)"));
    cr_expect_not(vg_url_scheme_allowed("gopher://h/x"));
    cr_expect_not(vg_url_scheme_allowed("ftp://h/x"));
    cr_expect_not(vg_url_scheme_allowed("data:text/plain,hi"));
    cr_expect_not(vg_url_scheme_allowed("concat:a|b"));
}

Test(url, scheme_allow_list_refuses_prefixes_and_extensions_of_allowed_names)
{
    cr_expect_not(vg_url_scheme_allowed("rts://h/x"));
    cr_expect_not(vg_url_scheme_allowed("rtspx://h/x"));
    cr_expect_not(vg_url_scheme_allowed("httpss://h/x"));
    cr_expect_not(vg_url_scheme_allowed("demo1:1"));
}

Test(url, scheme_allow_list_refuses_urls_without_a_scheme)
{
    cr_expect_not(vg_url_scheme_allowed(NULL));
    cr_expect_not(vg_url_scheme_allowed(""));
    cr_expect_not(vg_url_scheme_allowed("cam.local/stream"));
    cr_expect_not(vg_url_scheme_allowed("//cam.local/stream"));
    cr_expect_not(vg_url_scheme_allowed(":rtsp://h"));
    cr_expect_not(vg_url_scheme_allowed("rtsp"));
    cr_expect_not(vg_url_scheme_allowed(" rtsp://h/x"));
}

/* ---- validation ---- */

Test(url, validate_accepts_ordinary_camera_urls)
{
    expect_valid("rtsp://10.0.0.5:554/Streaming/Channels/101");
    expect_valid("rtsp://admin:secret@10.0.0.5/stream1");
    expect_valid("rtsps://cam.example.com/live");
    expect_valid("rtmp://live.example.com/app/key");
    expect_valid("http://cam.local/mjpeg?user=a&pass=b");
    expect_valid("https://cam.local/video.mp4#t=1");
    expect_valid("rtsp://[fe80::1]:554/x");
    expect_valid("rtsp://h");
}

Test(url, validate_refuses_disallowed_schemes_with_a_reason)
{
    expect_invalid("file:relative/x.mp4", "file URL");
    expect_invalid("file://host/x.mp4", "file URL");
    expect_invalid("javascript:alert(1)", "scheme");
    expect_invalid("gopher://h/x", "scheme");
    expect_invalid("ftp://h/x", "scheme");
    expect_invalid("data:video/mp4;base64,AAAA", "scheme");
    expect_invalid("cam.local/stream", "scheme");
}

Test(url, validate_refuses_empty_and_null)
{
    expect_invalid("", "empty");
    expect_invalid(NULL, "empty");
}

Test(url, validate_refuses_spaces_and_control_characters)
{
    expect_invalid("rtsp://h/a b", "control");
    expect_invalid("rtsp://h/a\tb", "control");
    expect_invalid("rtsp://h/a\r\nInjected: 1", "control");
    expect_invalid("rtsp://h/a\x7f", "control");
    expect_invalid("rtsp://h/a\x01", "control");
    expect_invalid(" rtsp://h/x", NULL);
}

Test(url, validate_accepts_2048_characters_and_refuses_2049)
{
    char url[2100];
    size_t head = strlen("rtsp://h/");
    memcpy(url, "rtsp://h/", head);
    memset(url + head, 'a', 2048 - head);
    url[2048] = '\0';
    expect_valid(url);
    url[2048] = 'a';
    url[2049] = '\0';
    expect_invalid(url, "2048");
}

Test(url, validate_refuses_urls_without_a_host)
{
    expect_invalid("rtsp://", "host");
    expect_invalid("rtsp:///path", "host");
    expect_invalid("rtsp://user:pass@/path", "host");
    expect_invalid("rtsp://user@", "host");
    expect_invalid("rtsp://:554/path", "host");
    expect_invalid("rtsp://u:p@:554/x", "host");
    expect_invalid("rtsp://?q=1", "host");
}

Test(url, validate_refuses_network_schemes_without_double_slash)
{
    expect_invalid("rtsp:h/x", NULL);
    expect_invalid("http:/h/x", NULL);
}

Test(url, validate_accepts_demo_with_a_clip_and_refuses_bare_demo)
{
    expect_valid("demo:1");
    expect_valid("DEMO:2");
    expect_valid("demo:parking-lot");
    expect_invalid("demo:", "clip");
}

/* ---- webrtc (published by a browser) ---- */

Test(url, webrtc_is_allowed_as_exactly_the_scheme_and_colon)
{
    cr_expect(vg_url_scheme_allowed("webrtc:"));
    cr_expect(vg_url_is_webrtc("webrtc:"));
    cr_expect(vg_url_is_webrtc(VG_URL_WEBRTC));
    expect_valid("webrtc:");
}

Test(url, webrtc_with_anything_after_the_colon_is_refused_with_a_reason)
{
    const char *bad[] = {"webrtc:x", "webrtc:1", "webrtc://h/x", "webrtc:?a", "webrtc::"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_not(vg_url_scheme_allowed(bad[i]), "'%s' allowed", bad[i]);
        cr_expect_not(vg_url_is_webrtc(bad[i]), "'%s' taken as webrtc", bad[i]);
        expect_invalid(bad[i], "exactly 'webrtc:'");
    }
}

Test(url, webrtc_in_another_case_or_spelling_is_refused)
{
    expect_invalid("WEBRTC:", "exactly 'webrtc:'");
    expect_invalid("WebRTC:", "exactly 'webrtc:'");
    cr_expect_not(vg_url_is_webrtc("WEBRTC:"));
    cr_expect_not(vg_url_scheme_allowed("webrtcx:"));
    cr_expect_not(vg_url_scheme_allowed("webrt:"));
    expect_invalid("webrtcs:", "scheme must be");
    cr_expect_not(vg_url_is_webrtc(NULL));
    cr_expect_not(vg_url_is_webrtc(""));
}

Test(url, scheme_reason_names_webrtc)
{
    expect_invalid("ftp://h/x", "'webrtc:'");
}

Test(url, webrtc_is_left_alone_by_masking_and_credentials)
{
    expect_mask("webrtc:", "webrtc:");
    expect_unmask("webrtc:", "rtsp://u:p@h/x", "webrtc:");
    const char *start;
    size_t len;
    cr_expect_not(vg_url_password("webrtc:", &start, &len));
    char *with = vg_url_with_credentials("webrtc:", "user", "pass");
    cr_assert_not_null(with);
    cr_expect_str_eq(with, "webrtc:");
    free(with);
}

/* ---- masking ---- */

Test(url, mask_hides_password)
{
    expect_mask("rtsp://admin:secret@10.0.0.5:554/x", "rtsp://admin:" VG_MASK "@10.0.0.5:554/x");
}

Test(url, mask_leaves_user_without_password_alone)
{
    expect_mask("rtsp://admin@10.0.0.5/x", "rtsp://admin@10.0.0.5/x");
}

Test(url, mask_leaves_empty_password_alone)
{
    expect_mask("rtsp://admin:@10.0.0.5/x", "rtsp://admin:@10.0.0.5/x");
}

Test(url, mask_leaves_urls_without_userinfo_alone)
{
    expect_mask("rtsp://10.0.0.5:554/Streaming/Channels/101",
                "rtsp://10.0.0.5:554/Streaming/Channels/101");
    expect_mask("demo:1", "demo:1");
    expect_mask("", "");
    expect_mask("not a url", "not a url");
}

Test(url, mask_ignores_at_sign_in_path_query_and_fragment)
{
    expect_mask("rtsp://h:554/a:b@c", "rtsp://h:554/a:b@c");
    expect_mask("http://h/x?user=a:b@c", "http://h/x?user=a:b@c");
    expect_mask("http://h#a:b@c", "http://h#a:b@c");
    expect_mask("rtsp://u:p@h/path@x:y", "rtsp://u:" VG_MASK "@h/path@x:y");
}

Test(url, mask_hides_the_whole_password_when_it_contains_a_colon)
{
    expect_mask("rtsp://admin:pa:ss:word@h/x", "rtsp://admin:" VG_MASK "@h/x");
}

Test(url, mask_hides_the_password_up_to_the_last_at_sign)
{
    /* Unencoded '@' in a password: the last '@' of the authority ends the userinfo. */
    expect_mask("rtsp://admin:p@ss@h/x", "rtsp://admin:" VG_MASK "@h/x");
}

Test(url, mask_handles_ipv6_hosts)
{
    expect_mask("rtsp://u:p@[fe80::1]:554/x", "rtsp://u:" VG_MASK "@[fe80::1]:554/x");
    expect_mask("rtsp://[fe80::1]:554/x", "rtsp://[fe80::1]:554/x");
}

Test(url, mask_keeps_uppercase_scheme_and_percent_encoding)
{
    expect_mask("RTSP://ad%40min:p%3Aw@h/x", "RTSP://ad%40min:" VG_MASK "@h/x");
}

Test(url, mask_of_null_is_null)
{
    cr_expect_null(vg_url_mask(NULL));
}

/* ---- unmasking ---- */

Test(url, unmask_restores_stored_password_for_the_same_user)
{
    expect_unmask("rtsp://admin:" VG_MASK "@10.0.0.5/x", "rtsp://admin:secret@10.0.0.5/x",
                  "rtsp://admin:secret@10.0.0.5/x");
}

Test(url, unmask_restores_password_containing_a_colon)
{
    expect_unmask("rtsp://admin:" VG_MASK "@h/x", "rtsp://admin:pa:ss@h/x",
                  "rtsp://admin:pa:ss@h/x");
}

Test(url, unmask_keeps_the_new_path_when_the_client_changed_it)
{
    expect_unmask("rtsp://admin:" VG_MASK "@h/sub", "rtsp://admin:secret@h/main",
                  "rtsp://admin:secret@h/sub");
}

Test(url, unmask_keeps_the_mask_when_the_user_differs)
{
    expect_unmask("rtsp://root:" VG_MASK "@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://root:" VG_MASK "@h/x");
    expect_unmask("rtsp://admin2:" VG_MASK "@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://admin2:" VG_MASK "@h/x");
    expect_unmask("rtsp://adm:" VG_MASK "@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://adm:" VG_MASK "@h/x");
}

/* The header promises the stored password only comes back when the URL is the same
 * apart from the password. Sending a stored camera password to a host the client
 * just typed would let anyone with write access read it, which masking is for. */
Test(url, unmask_keeps_the_mask_when_the_host_differs)
{
    expect_unmask("rtsp://admin:" VG_MASK "@evil.example/x", "rtsp://admin:secret@10.0.0.5/x",
                  "rtsp://admin:" VG_MASK "@evil.example/x");
}

Test(url, unmask_keeps_the_mask_when_nothing_is_stored)
{
    expect_unmask("rtsp://admin:" VG_MASK "@h/x", NULL, "rtsp://admin:" VG_MASK "@h/x");
    expect_unmask("rtsp://admin:" VG_MASK "@h/x", "", "rtsp://admin:" VG_MASK "@h/x");
    expect_unmask("rtsp://admin:" VG_MASK "@h/x", "rtsp://h/x", "rtsp://admin:" VG_MASK "@h/x");
    expect_unmask("rtsp://admin:" VG_MASK "@h/x", "rtsp://admin@h/x",
                  "rtsp://admin:" VG_MASK "@h/x");
}

Test(url, unmask_keeps_a_new_literal_password)
{
    expect_unmask("rtsp://admin:newpass@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://admin:newpass@h/x");
}

Test(url, unmask_takes_only_the_exact_mask_as_unchanged)
{
    expect_unmask("rtsp://admin:*******@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://admin:*******@h/x");
    expect_unmask("rtsp://admin:*********@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://admin:*********@h/x");
    expect_unmask("rtsp://admin:" VG_MASK "x@h/x", "rtsp://admin:secret@h/x",
                  "rtsp://admin:" VG_MASK "x@h/x");
}

Test(url, unmask_copies_urls_without_credentials)
{
    expect_unmask("rtsp://h/x", "rtsp://admin:secret@h/x", "rtsp://h/x");
    expect_unmask("demo:1", "rtsp://admin:secret@h/x", "demo:1");
    cr_expect_null(vg_url_unmask(NULL, "rtsp://admin:secret@h/x"));
}

Test(url, unmask_inverts_mask)
{
    const char *stored = "rtsps://viewer:S3cr%40t@[fe80::1]:322/live?channel=2";
    char *masked = vg_url_mask(stored);
    cr_assert_not_null(masked);
    cr_expect_null(strstr(masked, "S3cr"));
    expect_unmask(masked, stored, stored);
    free(masked);
}

/* ---- userinfo encoding ---- */

Test(url, encode_userinfo_keeps_unreserved_characters)
{
    char *s = vg_url_encode_userinfo("Admin-1._~z");
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "Admin-1._~z");
    free(s);
}

Test(url, encode_userinfo_escapes_delimiters)
{
    char *s = vg_url_encode_userinfo("p@ss:w/rd");
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "p%40ss%3Aw%2Frd");
    free(s);
    s = vg_url_encode_userinfo("a b%?#[]&=+");
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "a%20b%25%3F%23%5B%5D%26%3D%2B");
    free(s);
}

Test(url, encode_userinfo_escapes_utf8_and_control_bytes)
{
    char *s = vg_url_encode_userinfo("\xc3\xa9\x01\x7f\xff");
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "%C3%A9%01%7F%FF");
    free(s);
}

Test(url, encode_userinfo_of_empty_is_empty)
{
    char *s = vg_url_encode_userinfo("");
    cr_assert_not_null(s);
    cr_expect_str_eq(s, "");
    free(s);
}

Test(url, encoded_credentials_make_a_valid_maskable_url)
{
    char *user = vg_url_encode_userinfo("ad min");
    char *pass = vg_url_encode_userinfo("p@ss:w/rd");
    cr_assert(user && pass);
    char url[256];
    snprintf(url, sizeof(url), "rtsp://%s:%s@10.0.0.5/x", user, pass);
    expect_valid(url);
    expect_mask(url, "rtsp://ad%20min:" VG_MASK "@10.0.0.5/x");
    free(user);
    free(pass);
}

/* ---- file URLs ---- */

static char media[64], outside[64];

static void make_media(void)
{
    snprintf(media, sizeof(media), "/tmp/vg-url-media-XXXXXX");
    cr_assert_not_null(mkdtemp(media));
    snprintf(outside, sizeof(outside), "/tmp/vg-url-out-XXXXXX");
    cr_assert_not_null(mkdtemp(outside));
    char p[160];
    snprintf(p, sizeof(p), "%s/clip.mp4", media);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/secret", outside);
    f = fopen(p, "w");
    cr_assert_not_null(f);
    fclose(f);
    char target[160];
    snprintf(target, sizeof(target), "%s/secret", outside);
    snprintf(p, sizeof(p), "%s/link", media);
    cr_assert_eq(symlink(target, p), 0);
}

static void remove_media(void)
{
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", media, outside);
    cr_expect_eq(system(cmd), 0);
}

static int file_path(const char *fmt, const char *dir, char *out, const char **reason)
{
    char url[256];
    snprintf(url, sizeof(url), fmt, media);
    return vg_url_file_path(url, dir, out, PATH_MAX, reason);
}

Test(url, file_path_resolves_files_inside_the_media_dir, .init = make_media, .fini = remove_media)
{
    char out[PATH_MAX];
    const char *reason = NULL;
    cr_assert_eq(file_path("file://%s/clip.mp4", media, out, &reason), 0, "%s", reason);
    cr_expect(strncmp(out, media, strlen(media)) == 0);
    cr_assert_eq(file_path("file://%s/./sub/../clip.mp4", media, out, &reason), -ENOENT);
}

Test(url, file_path_refuses_escapes_and_missing_config, .init = make_media, .fini = remove_media)
{
    char out[PATH_MAX];
    const char *reason = NULL;
    cr_expect_eq(file_path("file://%s/clip.mp4", NULL, out, &reason), -EPERM);
    cr_expect(strstr(reason, "media_dir") != NULL, "%s", reason);
    cr_expect_eq(file_path("file://%s/../../etc/passwd", media, out, &reason), -EPERM);
    cr_expect_eq(file_path("file://%s/link", media, out, &reason), -EPERM); /* symlink out */
    cr_expect_str_eq(reason, "the file is outside streams.media_dir");
    cr_expect_eq(file_path("file://%s/none.mp4", media, out, &reason), -ENOENT);
    cr_expect_eq(file_path("file://%s", media, out, &reason), -EPERM); /* the dir itself */
    cr_expect_eq(vg_url_file_path("rtsp://h/x", media, out, PATH_MAX, &reason), -EINVAL);
}
