/* SDP as cameras answer DESCRIBE and as Chromium offers WebRTC, fmtp and
 * attribute lookup, and damaged descriptions: the parser must say what is
 * wrong (and on which line) instead of returning half a description. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sdp.h"

/* What a Hikvision DS-2CD2xxx answers (spaces after the fmtp semicolons, a
 * session-level control, the PCMA track's static payload type with an
 * rtpmap anyway, vendor attributes). */
static const char hikvision[] =
    "v=0\r\n"
    "o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64\r\n"
    "s=Media Presentation\r\n"
    "e=NONE\r\n"
    "b=AS:5050\r\n"
    "t=0 0\r\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:5000\r\n"
    "a=recvonly\r\n"
    "a=x-dimensions:1920,1080\r\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
    "sprop-parameter-sets=Z0LAHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA==,aMuDyyA=\r\n"
    "m=audio 0 RTP/AVP 8\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:50\r\n"
    "a=recvonly\r\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=Media_header:MEDIAINFO=494D4B48010100000400010010710110401F000000FA0000000000;\r\n"
    "a=appversion:1.0\r\n";

/* gst-rtsp-server (test-launch with x264enc and avenc_aac). */
static const char gstreamer[] =
    "v=0\r\n"
    "o=- 1188340656180883 1 IN IP4 127.0.0.1\r\n"
    "s=Session streamed with GStreamer\r\n"
    "i=rtsp-server\r\n"
    "t=0 0\r\n"
    "a=tool:GStreamer\r\n"
    "a=type:broadcast\r\n"
    "a=range:npt=now-\r\n"
    "a=control:rtsp://127.0.0.1:8554/test\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=framerate:30\r\n"
    "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAH6zZQFAFuwEQAAADABAAAAMDIPGDGWA=,"
    "aOvjyyLA;profile-level-id=64001f;level-asymmetry-allowed=1\r\n"
    "a=control:stream=0\r\n"
    "a=ts-refclk:local\r\n"
    "a=mediaclk:sender\r\n"
    "m=audio 0 RTP/AVP 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
    "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1190;sizelength=13;"
    "indexlength=3;indexdeltalength=3\r\n"
    "a=control:stream=1\r\n"
    "a=ts-refclk:local\r\n"
    "a=mediaclk:sender\r\n";

/* A Chromium 120 offer: audio, video and a data channel bundled on one
 * transport, many payload types with rtx/red/ulpfec, feedback, header
 * extensions, ICE and DTLS attributes. */
static const char chromium[] =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 2b8d5a6e-3c1f-4f3e-9a3c-0c2f5f1e8d7a\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:7Jd1\r\n"
    "a=ice-pwd:Wk8mAjq9J7Yy3mPZq6c1aN2b\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 4F:2C:8A:11:9E:0B:6D:3A:77:C1:52:E8:90:AB:CD:EF:01:23:45:67:89:"
    "AB:CD:EF:10:32:54:76:98:BA:DC:FE\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendrecv\r\n"
    "a=msid:2b8d5a6e-3c1f-4f3e-9a3c-0c2f5f1e8d7a 9f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:1001 cname:Qx1YbC3u0pYk9x2Z\r\n"
    "a=ssrc:1001 msid:2b8d5a6e-3c1f-4f3e-9a3c-0c2f5f1e8d7a 9f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 "
    "99 100 101 112 113 116 117 118\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:7Jd1\r\n"
    "a=ice-pwd:Wk8mAjq9J7Yy3mPZq6c1aN2b\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 4F:2C:8A:11:9E:0B:6D:3A:77:C1:52:E8:90:AB:CD:EF:01:23:45:67:89:"
    "AB:CD:EF:10:32:54:76:98:BA:DC:FE\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=sendrecv\r\n"
    "a=msid:2b8d5a6e-3c1f-4f3e-9a3c-0c2f5f1e8d7a 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:105 rtx/90000\r\n"
    "a=fmtp:105 apt=104\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:107 rtx/90000\r\n"
    "a=fmtp:107 apt=106\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n"
    "a=fmtp:109 apt=108\r\n"
    "a=rtpmap:127 H264/90000\r\n"
    "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=fmtp:125 apt=127\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
    "a=rtpmap:40 rtx/90000\r\n"
    "a=fmtp:40 apt=39\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\n"
    "a=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\n"
    "a=fmtp:100 profile-id=2\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtpmap:112 H264/90000\r\n"
    "a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
    "a=rtpmap:113 rtx/90000\r\n"
    "a=fmtp:113 apt=112\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n"
    "a=ssrc-group:FID 2002 2003\r\n"
    "a=ssrc:2002 cname:Qx1YbC3u0pYk9x2Z\r\n"
    "a=ssrc:2003 cname:Qx1YbC3u0pYk9x2Z\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:7Jd1\r\n"
    "a=ice-pwd:Wk8mAjq9J7Yy3mPZq6c1aN2b\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 4F:2C:8A:11:9E:0B:6D:3A:77:C1:52:E8:90:AB:CD:EF:01:23:45:67:89:"
    "AB:CD:EF:10:32:54:76:98:BA:DC:FE\r\n"
    "a=setup:actpass\r\n"
    "a=mid:2\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

static struct vg_sdp *sdp;

static void setup(void)
{
    sdp = calloc(1, sizeof(*sdp));
    cr_assert_not_null(sdp);
}

static void teardown(void)
{
    free(sdp);
}

TestSuite(sdp, .init = setup, .fini = teardown);

static int parse(const char *text, const char **ret_error)
{
    return vg_sdp_parse(text, strlen(text), sdp, ret_error);
}

#define EXPECT_SPAN(span, lit)                                                                     \
    cr_expect(vg_span_eq(span, lit), "%s is \"%.*s\", not \"%s\"", #span, (int)(span).len,         \
              (span).base, lit)

Test(sdp, parses_camera_describe)
{
    const char *err = NULL;
    cr_assert_eq(parse(hikvision, &err), 0, "%s", err);
    EXPECT_SPAN(sdp->session_name, "Media Presentation");
    cr_assert_eq(sdp->n_media, 2);
    cr_expect_eq(sdp->n_session_attrs, 1);
    struct vg_span v;
    cr_assert_eq(vg_sdp_attr(sdp, NULL, "control", &v), 0);
    EXPECT_SPAN(v, "rtsp://192.168.1.64:554/Streaming/Channels/101/");

    const struct vg_sdp_media *video = &sdp->media[0];
    EXPECT_SPAN(video->type, "video");
    cr_expect_eq(video->port, 0);
    EXPECT_SPAN(video->proto, "RTP/AVP");
    EXPECT_SPAN(video->connection, "IN IP4 0.0.0.0");
    cr_assert_eq(video->n_formats, 1);
    const struct vg_sdp_format *f = vg_sdp_format(video, 96);
    cr_assert_not_null(f);
    EXPECT_SPAN(f->encoding, "H264");
    cr_expect_eq(f->clock_rate, 90000);
    cr_expect_eq(f->channels, 1);
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "packetization-mode", &v), 0);
    EXPECT_SPAN(v, "1");
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "sprop-parameter-sets", &v), 0);
    EXPECT_SPAN(v, "Z0LAHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA==,aMuDyyA=");
    cr_assert_eq(vg_sdp_attr(sdp, video, "control", &v), 0);
    EXPECT_SPAN(v, "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1");
    cr_assert_eq(vg_sdp_attr(sdp, video, "x-dimensions", &v), 0);
    EXPECT_SPAN(v, "1920,1080");
    cr_assert_eq(vg_sdp_attr(sdp, video, "recvonly", &v), 0);
    cr_expect_eq(v.len, 0);

    const struct vg_sdp_media *audio = &sdp->media[1];
    EXPECT_SPAN(audio->type, "audio");
    f = vg_sdp_format(audio, 8);
    cr_assert_not_null(f);
    EXPECT_SPAN(f->encoding, "PCMA");
    cr_expect_eq(f->clock_rate, 8000);
    cr_expect_eq(f->fmtp.len, 0);
    cr_assert_eq(vg_sdp_attr(sdp, audio, "control", &v), 0);
    EXPECT_SPAN(v, "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2");
    /* Attributes do not leak between sections. */
    cr_expect_eq(vg_sdp_attr(sdp, audio, "x-dimensions", &v), -ENOENT);
    cr_expect_eq(vg_sdp_attr(sdp, NULL, "appversion", &v), -ENOENT);
    cr_expect_eq(vg_sdp_attr(sdp, audio, "appversion", &v), 0);
}

Test(sdp, parses_gstreamer_describe_with_aac)
{
    const char *err = NULL;
    cr_assert_eq(parse(gstreamer, &err), 0, "%s", err);
    EXPECT_SPAN(sdp->session_name, "Session streamed with GStreamer");
    cr_assert_eq(sdp->n_media, 2);
    cr_expect_eq(sdp->n_session_attrs, 4);
    struct vg_span v;
    cr_assert_eq(vg_sdp_attr(sdp, &sdp->media[0], "control", &v), 0);
    EXPECT_SPAN(v, "stream=0");
    const struct vg_sdp_format *f = vg_sdp_format(&sdp->media[1], 97);
    cr_assert_not_null(f);
    EXPECT_SPAN(f->encoding, "MPEG4-GENERIC");
    cr_expect_eq(f->clock_rate, 48000);
    cr_expect_eq(f->channels, 2);
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "config", &v), 0);
    EXPECT_SPAN(v, "1190");
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "sizelength", &v), 0);
    EXPECT_SPAN(v, "13");
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "indexdeltalength", &v), 0);
    EXPECT_SPAN(v, "3");
    cr_assert_eq(vg_sdp_attr(sdp, &sdp->media[1], "control", &v), 0);
    EXPECT_SPAN(v, "stream=1");
}

Test(sdp, parses_chromium_webrtc_offer)
{
    const char *err = NULL;
    cr_assert_eq(parse(chromium, &err), 0, "%s", err);
    EXPECT_SPAN(sdp->session_name, "-");
    cr_assert_eq(sdp->n_media, 3);
    struct vg_span v;
    cr_assert_eq(vg_sdp_attr(sdp, NULL, "group", &v), 0);
    EXPECT_SPAN(v, "BUNDLE 0 1 2");
    cr_assert_eq(vg_sdp_attr(sdp, NULL, "extmap-allow-mixed", &v), 0);
    cr_expect_eq(v.len, 0);

    const struct vg_sdp_media *audio = &sdp->media[0];
    cr_expect_eq(audio->port, 9);
    EXPECT_SPAN(audio->proto, "UDP/TLS/RTP/SAVPF");
    cr_assert_eq(audio->n_formats, 8);
    cr_expect_eq(audio->formats[0].pt, 111);
    cr_expect_eq(audio->formats[7].pt, 126);
    const struct vg_sdp_format *opus = vg_sdp_format(audio, 111);
    cr_assert_not_null(opus);
    EXPECT_SPAN(opus->encoding, "opus");
    cr_expect_eq(opus->clock_rate, 48000);
    cr_expect_eq(opus->channels, 2);
    cr_assert_eq(vg_sdp_fmtp_param(opus->fmtp, "useinbandfec", &v), 0);
    EXPECT_SPAN(v, "1");
    cr_assert_eq(vg_sdp_attr(sdp, audio, "ice-ufrag", &v), 0);
    EXPECT_SPAN(v, "7Jd1");
    cr_assert_eq(vg_sdp_attr(sdp, audio, "mid", &v), 0);
    EXPECT_SPAN(v, "0");
    cr_assert_eq(vg_sdp_attr(sdp, audio, "fingerprint", &v), 0);
    cr_expect_eq(strncmp(v.base, "sha-256 4F:2C:", 14), 0);
    cr_assert_eq(vg_sdp_attr(sdp, audio, "extmap", &v), 0);
    EXPECT_SPAN(v, "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");

    const struct vg_sdp_media *video = &sdp->media[1];
    cr_assert_eq(video->n_formats, 25);
    const struct vg_sdp_format *h264 = vg_sdp_format(video, 102);
    cr_assert_not_null(h264);
    EXPECT_SPAN(h264->encoding, "H264");
    cr_assert_eq(vg_sdp_fmtp_param(h264->fmtp, "profile-level-id", &v), 0);
    EXPECT_SPAN(v, "42001f");
    const struct vg_sdp_format *rtx = vg_sdp_format(video, 103);
    cr_assert_not_null(rtx);
    cr_assert_eq(vg_sdp_fmtp_param(rtx->fmtp, "apt", &v), 0);
    EXPECT_SPAN(v, "102");
    size_t feedback = 0;
    for (size_t i = video->first_attr; i < video->first_attr + video->n_attrs; i++)
        feedback += vg_span_eq(sdp->attrs[i].name, "rtcp-fb");
    cr_expect_eq(feedback, 12);
    cr_assert_eq(vg_sdp_attr(sdp, video, "mid", &v), 0);
    EXPECT_SPAN(v, "1");

    /* A data channel has no payload types. */
    const struct vg_sdp_media *data = &sdp->media[2];
    EXPECT_SPAN(data->type, "application");
    EXPECT_SPAN(data->proto, "UDP/DTLS/SCTP");
    cr_expect_eq(data->n_formats, 0);
    cr_assert_eq(vg_sdp_attr(sdp, data, "sctp-port", &v), 0);
    EXPECT_SPAN(v, "5000");
    cr_expect_eq(sdp->n_attrs,
                 sdp->n_session_attrs + audio->n_attrs + video->n_attrs + data->n_attrs);
}

Test(sdp, accepts_lf_line_ends_and_blank_lines)
{
    const char *text = "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=x \nc=IN IP4 224.2.1.1/127\nt=0 0\n"
                       "m=audio 0 RTP/AVP 0\n\n\n";
    cr_assert_eq(parse(text, NULL), 0);
    EXPECT_SPAN(sdp->session_name, "x");
    EXPECT_SPAN(sdp->connection, "IN IP4 224.2.1.1/127");
    cr_expect_eq(sdp->media[0].connection.len, 0);
    const struct vg_sdp_format *f = vg_sdp_format(&sdp->media[0], 0);
    cr_assert_not_null(f);
    /* Static payload type 0 without an rtpmap. */
    EXPECT_SPAN(f->encoding, "PCMU");
    cr_expect_eq(f->clock_rate, 8000);
}

Test(sdp, does_not_need_a_terminating_nul)
{
    char text[] = "v=0\r\ns=cut\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000XXXX";
    size_t len = strlen(text) - 4; /* the XXXX is beyond the given length */
    cr_assert_eq(vg_sdp_parse(text, len, sdp, NULL), 0);
    EXPECT_SPAN(sdp->media[0].formats[0].encoding, "H264");
    cr_expect_eq(sdp->media[0].formats[0].clock_rate, 90000);
}

Test(sdp, leaves_unknown_payload_types_without_encoding)
{
    cr_assert_eq(parse("v=0\r\nm=video 0 RTP/AVP 26 96\r\n", NULL), 0);
    cr_assert_eq(sdp->media[0].n_formats, 2);
    cr_expect_eq(sdp->media[0].formats[0].encoding.len, 0);
    cr_expect_eq(sdp->media[0].formats[1].clock_rate, 0);
    cr_expect_eq(sdp->media[0].formats[1].channels, 1);
    cr_expect_null(vg_sdp_format(&sdp->media[0], 97));
}

Test(sdp, ignores_rtpmap_and_fmtp_for_payload_type_not_on_m_line)
{
    const char *text = "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:97 H265/90000\r\n"
                       "a=fmtp:97 sprop-vps=QAE=\r\n";
    cr_assert_eq(parse(text, NULL), 0);
    cr_expect_null(vg_sdp_format(&sdp->media[0], 97));
    cr_expect_eq(sdp->media[0].formats[0].encoding.len, 0);
    cr_expect_eq(sdp->media[0].formats[0].fmtp.len, 0);
    cr_expect_eq(sdp->media[0].n_attrs, 2);
}

static void expect_error(const char *text, size_t len, int code, unsigned line, const char *what)
{
    const char *err = NULL;
    cr_expect_eq(vg_sdp_parse(text, len, sdp, &err), code, "%s", what);
    cr_expect_not_null(err, "%s", what);
    cr_expect_eq(sdp->error_line, line, "%s: line %u", what, sdp->error_line);
}

#define EXPECT_ERROR(text, code, line) expect_error(text, strlen(text), code, line, text)

Test(sdp, rejects_empty_input)
{
    expect_error("", 0, -EINVAL, 0, "empty");
    expect_error(NULL, 0, -EINVAL, 0, "NULL");
    EXPECT_ERROR("\r\n\r\n", -EINVAL, 0);
}

Test(sdp, rejects_missing_version_line)
{
    const char *err = NULL;
    cr_expect_eq(parse("o=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\n", &err), -EINVAL);
    cr_expect_str_eq(err, "does not start with v=0");
    EXPECT_ERROR("v=1\r\ns=x\r\n", -EINVAL, 1);
    EXPECT_ERROR("v=0\r\ns=x\r\nv=0\r\n", -EINVAL, 3);
}

Test(sdp, rejects_m_line_without_port)
{
    const char *err = NULL;
    cr_expect_eq(parse("v=0\r\ns=x\r\nt=0 0\r\nm=video RTP/AVP 96\r\n", &err), -EINVAL);
    cr_expect_str_eq(err, "m= line without a port");
    cr_expect_eq(sdp->error_line, 4);
    EXPECT_ERROR("v=0\r\nm=video\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\nm=video 70000 RTP/AVP 96\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\nm=video -1 RTP/AVP 96\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\nm=video 9/x RTP/AVP 96\r\n", -EINVAL, 2);
}

Test(sdp, accepts_port_with_count)
{
    cr_assert_eq(parse("v=0\r\nm=video 5004/2 RTP/AVP 96\r\n", NULL), 0);
    cr_expect_eq(sdp->media[0].port, 5004);
}

Test(sdp, rejects_bad_m_lines)
{
    EXPECT_ERROR("v=0\r\nm=video 0\r\n", -EINVAL, 2);         /* no protocol */
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP\r\n", -EINVAL, 2); /* no formats */
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP 128\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP H264\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\nm=\r\n", -EINVAL, 2);
}

Test(sdp, rejects_malformed_rtpmap)
{
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 /90000\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/fast\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/99999999999\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 opus/48000/0\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:x opus/48000\r\n", -EINVAL, 3);
    EXPECT_ERROR("v=0\r\nm=audio 0 RTP/AVP 97\r\na=fmtp:x a=b\r\n", -EINVAL, 3);
}

Test(sdp, rejects_lines_without_equals)
{
    const char *err = NULL;
    cr_expect_eq(parse("v=0\r\ns=x\r\nhello\r\n", &err), -EINVAL);
    cr_expect_str_eq(err, "line is not <letter>=<value>");
    cr_expect_eq(sdp->error_line, 3);
    EXPECT_ERROR("v=0\r\na\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\nA=x\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\n=x\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\n a=x\r\n", -EINVAL, 2);
    EXPECT_ERROR("v=0\r\na=:value\r\n", -EINVAL, 2);
}

Test(sdp, rejects_nul_bytes)
{
    const char text[] = "v=0\r\ns=a\0b\r\n";
    expect_error(text, sizeof(text) - 1, -EINVAL, 2, "NUL in s=");
}

Test(sdp, rejects_garbage_bytes)
{
    const char text[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    expect_error(text, sizeof(text) - 1, -EINVAL, 1, "a TLS ClientHello");
    EXPECT_ERROR("v=0\r\ns=a\rb\r\n", -EINVAL, 2); /* a lone CR */
    EXPECT_ERROR("v=0\r\ns=\x7f\r\n", -EINVAL, 2);
}

Test(sdp, rejects_too_many_media_sections)
{
    char text[2048];
    size_t len = (size_t)snprintf(text, sizeof(text), "v=0\r\n");
    for (unsigned i = 0; i <= VG_SDP_MAX_MEDIA; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "m=audio 0 RTP/AVP 0\r\n");
    cr_assert_lt(len, sizeof(text));
    const char *err = NULL;
    cr_expect_eq(parse(text, &err), -E2BIG);
    cr_expect_str_eq(err, "too many media sections");
    cr_expect_eq(sdp->error_line, VG_SDP_MAX_MEDIA + 2);
}

Test(sdp, rejects_too_many_payload_types)
{
    char text[1024];
    size_t len = (size_t)snprintf(text, sizeof(text), "v=0\r\nm=video 9 RTP/AVP");
    for (unsigned i = 0; i <= VG_SDP_MAX_FORMATS; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, " %u", 96 + i % 32);
    len += (size_t)snprintf(text + len, sizeof(text) - len, "\r\n");
    cr_assert_lt(len, sizeof(text));
    cr_expect_eq(parse(text, NULL), -E2BIG);
}

Test(sdp, rejects_too_many_attributes)
{
    size_t cap = 16 * (VG_SDP_MAX_ATTRS + 8), len = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    len += (size_t)snprintf(text + len, cap - len, "v=0\r\n");
    for (unsigned i = 0; i < VG_SDP_MAX_ATTRS; i++)
        len += (size_t)snprintf(text + len, cap - len, "a=x-%u\r\n", i);
    cr_assert_eq(vg_sdp_parse(text, len, sdp, NULL), 0);
    cr_expect_eq(sdp->n_attrs, VG_SDP_MAX_ATTRS);
    len += (size_t)snprintf(text + len, cap - len, "a=one-more\r\n");
    cr_expect_eq(vg_sdp_parse(text, len, sdp, NULL), -E2BIG);
    free(text);
}

Test(sdp, fmtp_param_lookup_ignores_case_and_blanks)
{
    const char fmtp[] = " Profile-Level-Id = 42e01f ;packetization-mode=1;  sprop-vps=QAE= ; flag;";
    struct vg_span s = {fmtp, strlen(fmtp)}, v;
    cr_assert_eq(vg_sdp_fmtp_param(s, "profile-level-id", &v), 0);
    EXPECT_SPAN(v, "42e01f");
    cr_assert_eq(vg_sdp_fmtp_param(s, "PACKETIZATION-MODE", &v), 0);
    EXPECT_SPAN(v, "1");
    cr_assert_eq(vg_sdp_fmtp_param(s, "sprop-vps", &v), 0);
    EXPECT_SPAN(v, "QAE="); /* only the first '=' separates */
    cr_assert_eq(vg_sdp_fmtp_param(s, "flag", &v), 0);
    cr_expect_eq(v.len, 0);
    cr_expect_eq(vg_sdp_fmtp_param(s, "sprop", &v), -ENOENT);
    cr_expect_eq(vg_sdp_fmtp_param(s, "mode", &v), -ENOENT);
    cr_expect_eq(vg_sdp_fmtp_param((struct vg_span){"", 0}, "mode", &v), -ENOENT);
}

Test(sdp, fmtp_param_lookup_takes_the_first_of_repeated_keys)
{
    const char fmtp[] = "a=1;a=2";
    struct vg_span v;
    cr_assert_eq(vg_sdp_fmtp_param((struct vg_span){fmtp, strlen(fmtp)}, "a", &v), 0);
    EXPECT_SPAN(v, "1");
}
