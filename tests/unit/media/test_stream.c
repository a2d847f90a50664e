/* The fan-out ring (media/stream.c): GOP cache, independent cursors, slow
 * readers skipping ahead, parameter generations. */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <string.h>

#include "media/stream.h"

static struct event_base *base;
static struct vg_stream *s;

static void setup(void)
{
    evthread_use_pthreads();
    base = event_base_new();
    s = vg_stream_new(base, "cam");
    cr_assert_not_null(s);
}

static void teardown(void)
{
    vg_stream_free(s);
    event_base_free(base);
}

static void set_params(unsigned width)
{
    struct vg_stream_params *p = vg_stream_params_new();
    p->video.codec = VG_CODEC_H264;
    p->video.timescale = 90000;
    p->video.width = width;
    p->video.height = 360;
    static const uint8_t avcc[] = {1, 0x42, 0xc0, 0x1f, 0xff, 0xe0, 0};
    vg_track_params_set_config(&p->video, avcc, sizeof(avcc));
    vg_stream_set_params(s, p);
}

static uint64_t counter;

static void publish(bool key, size_t len)
{
    struct vg_frame *f = vg_frame_new(len);
    memset(f->data, (int)(counter & 0xff), len);
    f->track = VG_TRACK_VIDEO;
    f->key = key;
    f->dts = f->pts = (int64_t)(counter++ * 3600);
    vg_stream_publish(s, f);
}

static void noop(void *arg)
{
    (void)arg;
}

static int drain(struct vg_reader *r, uint64_t *ret_first_seq, bool *ret_first_key)
{
    struct vg_frame *f;
    int n = 0;
    while (vg_reader_next(r, &f) == 1) {
        if (n == 0) {
            *ret_first_seq = f->seq;
            *ret_first_key = f->key;
        }
        n++;
        vg_frame_unref(&f);
    }
    return n;
}

TestSuite(stream, .init = setup, .fini = teardown);

Test(stream, frames_before_the_first_keyframe_or_parameters_are_dropped)
{
    publish(true, 100); /* no parameters yet */
    set_params(640);
    publish(false, 100);
    publish(false, 100);
    struct vg_reader *r = vg_reader_new(s, noop, NULL);
    struct vg_frame *f;
    cr_expect_eq(vg_reader_next(r, &f), 0, "nothing usable yet");
    publish(true, 100);
    cr_assert_eq(vg_reader_next(r, &f), 1);
    cr_expect(f->key);
    cr_expect_not_null(f->params);
    cr_expect_gt(f->frag_len, 0, "the fragment header was made once at publish");
    vg_frame_unref(&f);
    vg_reader_free(r);
}

Test(stream, a_new_reader_starts_at_the_latest_keyframe)
{
    set_params(640);
    for (int g = 0; g < 3; g++) {
        publish(true, 1000);
        for (int i = 0; i < 9; i++)
            publish(false, 500);
    }
    struct vg_reader *r = vg_reader_new(s, noop, NULL);
    uint64_t first = 0;
    bool key = false;
    cr_expect_eq(drain(r, &first, &key), 10, "the whole current GOP");
    cr_expect(key);
    cr_expect_eq(first, 20);
    vg_reader_free(r);
}

Test(stream, readers_have_independent_cursors)
{
    set_params(640);
    publish(true, 100);
    struct vg_reader *a = vg_reader_new(s, noop, NULL);
    struct vg_reader *b = vg_reader_new(s, noop, NULL);
    uint64_t first;
    bool key;
    cr_expect_eq(drain(a, &first, &key), 1);
    publish(false, 100);
    publish(false, 100);
    cr_expect_eq(drain(a, &first, &key), 2);
    cr_expect_eq(drain(b, &first, &key), 3, "b was not moved by a");
    vg_reader_free(a);
    vg_reader_free(b);
}

Test(stream, a_slow_reader_skips_to_the_newest_keyframe_and_it_is_counted)
{
    set_params(640);
    publish(true, 1000);
    struct vg_reader *slow = vg_reader_new(s, noop, NULL);
    struct vg_frame *f;
    cr_assert_eq(vg_reader_next(slow, &f), 1);
    vg_frame_unref(&f);
    /* Far more than the slack behind it, in many GOPs. */
    for (int g = 0; g < 40; g++) {
        publish(true, 20000);
        for (int i = 0; i < 24; i++)
            publish(false, 4000);
    }
    uint64_t first = 0;
    bool key = false;
    int n = drain(slow, &first, &key);
    cr_expect(key, "resumed at a keyframe");
    cr_expect_eq(n, 25, "only the newest GOP is left for it");
    cr_expect_eq(vg_reader_skipped(slow), 1);
    struct vg_stream_counters c;
    vg_stream_counters(s, &c);
    cr_expect_eq(c.skips, 1);
    vg_reader_free(slow);
}

Test(stream, memory_stays_bounded_with_no_reader)
{
    set_params(640);
    for (int g = 0; g < 200; g++) {
        publish(true, 50000);
        for (int i = 0; i < 49; i++)
            publish(false, 10000);
    }
    /* The ring keeps the current GOP and at most the slack before it. */
    struct vg_reader *r = vg_reader_new(s, noop, NULL);
    uint64_t first;
    bool key;
    cr_expect_eq(drain(r, &first, &key), 50);
    vg_reader_free(r);
    struct vg_stream_counters c;
    vg_stream_counters(s, &c);
    cr_expect_eq(c.frames, 10000);
}

Test(stream, new_parameters_start_a_new_generation_and_wait_for_a_keyframe)
{
    set_params(640);
    publish(true, 100);
    struct vg_stream_params *p1 = vg_stream_params(s);
    set_params(640); /* the same again: no new generation */
    struct vg_stream_params *same = vg_stream_params(s);
    cr_expect_eq(p1->gen, same->gen);
    set_params(1280);
    struct vg_stream_params *p2 = vg_stream_params(s);
    cr_expect_eq(p2->gen, p1->gen + 1);
    publish(false, 100); /* not a keyframe of the new setup: a new reader cannot start here */
    struct vg_reader *r = vg_reader_new(s, noop, NULL);
    struct vg_frame *f;
    cr_expect_eq(vg_reader_next(r, &f), 0);
    publish(true, 100);
    cr_assert_eq(vg_reader_next(r, &f), 1);
    cr_expect_eq(f->params_gen, p2->gen);
    cr_expect_eq(f->params->video.width, 1280);
    vg_frame_unref(&f);
    vg_reader_free(r);
    vg_stream_params_unref(&p1);
    vg_stream_params_unref(&same);
    vg_stream_params_unref(&p2);
}

Test(stream, durations_come_from_the_previous_frame_of_the_track)
{
    set_params(640);
    struct vg_reader *r = vg_reader_new(s, noop, NULL);
    counter = 0;
    publish(true, 10);
    publish(false, 10);
    struct vg_frame *f;
    cr_assert_eq(vg_reader_next(r, &f), 1);
    cr_expect_eq(f->duration, 3600, "default 25 fps for the first frame");
    vg_frame_unref(&f);
    cr_assert_eq(vg_reader_next(r, &f), 1);
    cr_expect_eq(f->duration, 3600);
    vg_frame_unref(&f);
    vg_reader_free(r);
}
