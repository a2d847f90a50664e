/* A small pool of worker threads for work that must not run on the network loop
 * (password hashing now; JPEG encoding and disk writes later). A job's work()
 * runs on a worker; its done() then runs on the loop thread, so it may touch
 * loop-owned state. The queue is bounded: a full queue refuses the job. */
#pragma once

#include <stdbool.h>

struct event_base;
struct vg_workers;

/* work(arg) on a worker thread; done(arg, cancelled) on the loop thread, always
 * exactly once. cancelled is true when the pool was freed before work() ran. */
struct vg_job_ops {
    void (*work)(void *arg);
    void (*done)(void *arg, bool cancelled);
};

/* Needs evthread_use_pthreads() before base was made. Returns 0 or -errno. */
int vg_workers_new(struct event_base *base, unsigned threads, unsigned max_queued,
                   struct vg_workers **ret_workers);

/* Queues a job. Returns 0, -EAGAIN when max_queued jobs wait already, or
 * -ESHUTDOWN while the pool is being freed. ops must outlive the job. */
int vg_workers_submit(struct vg_workers *w, const struct vg_job_ops *ops, void *arg);

/* Stops the threads after their current job; jobs not started get done(arg,
 * true), finished ones done(arg, false), on the calling (loop) thread. Accepts
 * NULL; returns NULL. */
struct vg_workers *vg_workers_free(struct vg_workers *w);
