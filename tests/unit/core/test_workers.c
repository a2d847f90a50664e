/* Worker pool: work on threads, done() back on the loop, bounded queue, and
 * cancellation at free (core/workers.c). */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/workers.h"

struct counter {
    atomic_int worked;
    int done, cancelled;
    pthread_t loop_thread;
    bool done_on_loop;
    struct event_base *base;
    int stop_after;
};

static void work(void *arg)
{
    struct counter *c = arg;
    usleep(2000);
    atomic_fetch_add(&c->worked, 1);
}

static void done(void *arg, bool cancelled)
{
    struct counter *c = arg;
    if (cancelled)
        c->cancelled++;
    else
        c->done++;
    c->done_on_loop = c->done_on_loop && pthread_equal(pthread_self(), c->loop_thread);
    if (c->base && c->done + c->cancelled == c->stop_after)
        event_base_loopbreak(c->base);
}

static const struct vg_job_ops ops = {.work = work, .done = done};

static struct event_base *new_base(void)
{
    evthread_use_pthreads();
    struct event_base *base = event_base_new();
    cr_assert_not_null(base);
    return base;
}

Test(workers, every_job_is_worked_and_handed_back_on_the_loop_thread)
{
    struct event_base *base = new_base();
    struct vg_workers *w;
    cr_assert_eq(vg_workers_new(base, 2, 64, &w), 0);
    struct counter c = {
        .loop_thread = pthread_self(), .done_on_loop = true, .base = base, .stop_after = 20};
    for (int i = 0; i < 20; i++)
        cr_assert_eq(vg_workers_submit(w, &ops, &c), 0);
    struct timeval limit = {.tv_sec = 10};
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    cr_expect_eq(atomic_load(&c.worked), 20);
    cr_expect_eq(c.done, 20);
    cr_expect(c.done_on_loop);
    vg_workers_free(w);
    event_base_free(base);
}

Test(workers, a_full_queue_refuses_the_job)
{
    struct event_base *base = new_base();
    struct vg_workers *w;
    /* No threads: nothing drains the queue. */
    cr_assert_eq(vg_workers_new(base, 0, 3, &w), 0);
    struct counter c = {.loop_thread = pthread_self(), .done_on_loop = true};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(vg_workers_submit(w, &ops, &c), 0);
    cr_expect_eq(vg_workers_submit(w, &ops, &c), -EAGAIN);
    vg_workers_free(w);
    cr_expect_eq(c.cancelled, 3, "queued jobs are cancelled at free");
    cr_expect_eq(c.done, 0);
    cr_expect_eq(atomic_load(&c.worked), 0);
    event_base_free(base);
}

Test(workers, free_hands_back_finished_jobs_that_the_loop_has_not_seen)
{
    struct event_base *base = new_base();
    struct vg_workers *w;
    cr_assert_eq(vg_workers_new(base, 1, 8, &w), 0);
    struct counter c = {.loop_thread = pthread_self(), .done_on_loop = true};
    cr_assert_eq(vg_workers_submit(w, &ops, &c), 0);
    while (atomic_load(&c.worked) == 0)
        usleep(1000);
    vg_workers_free(w); /* the loop never ran: done() comes from free */
    cr_expect_eq(c.done, 1);
    cr_expect_eq(c.cancelled, 0);
    event_base_free(base);
}
