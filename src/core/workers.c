#include "core/workers.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

struct job {
    const struct vg_job_ops *ops;
    void *arg;
    struct job *next;
};

struct queue {
    struct job *head, *tail;
    unsigned count;
};

struct vg_workers {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct queue todo, finished;
    unsigned max_queued;
    bool stopping;
    struct event *finished_ev; /* made active by workers; runs done() on the loop */
    pthread_t *threads;
    unsigned nthreads;
};

static void push(struct queue *q, struct job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->count++;
}

static struct job *pop(struct queue *q)
{
    struct job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        q->count--;
    }
    return j;
}

static void *worker_main(void *arg)
{
    struct vg_workers *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stopping && !w->todo.head)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->stopping)
            break;
        struct job *j = pop(&w->todo);
        pthread_mutex_unlock(&w->lock);
        j->ops->work(j->arg);
        pthread_mutex_lock(&w->lock);
        push(&w->finished, j);
        event_active(w->finished_ev, EV_READ, 0);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Runs on the loop: hands every finished job back to its owner. */
static void on_finished(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_workers *w = arg;
    pthread_mutex_lock(&w->lock);
    struct queue done = w->finished;
    w->finished = (struct queue){0};
    pthread_mutex_unlock(&w->lock);
    struct job *j;
    while ((j = pop(&done))) {
        j->ops->done(j->arg, false);
        free(j);
    }
}

int vg_workers_new(struct event_base *base, unsigned threads, unsigned max_queued,
                   struct vg_workers **ret_workers)
{
    struct vg_workers *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->max_queued = max_queued;
    w->finished_ev = event_new(base, -1, 0, on_finished, w);
    w->threads = calloc(threads ? threads : 1, sizeof(*w->threads));
    if (!w->finished_ev || !w->threads) {
        vg_workers_free(w);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < threads; i++) {
        int r = pthread_create(&w->threads[i], NULL, worker_main, w);
        if (r != 0) {
            vg_workers_free(w);
            return -r;
        }
        w->nthreads++;
    }
    *ret_workers = w;
    return 0;
}

int vg_workers_submit(struct vg_workers *w, const struct vg_job_ops *ops, void *arg)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return -ENOMEM;
    j->ops = ops;
    j->arg = arg;
    int r = 0;
    pthread_mutex_lock(&w->lock);
    if (w->stopping)
        r = -ESHUTDOWN;
    else if (w->todo.count >= w->max_queued)
        r = -EAGAIN;
    else
        push(&w->todo, j);
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (r < 0)
        free(j);
    return r;
}

struct vg_workers *vg_workers_free(struct vg_workers *w)
{
    if (!w)
        return NULL;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);

    /* Threads are gone: no lock needed any more. */
    struct job *j;
    while ((j = pop(&w->finished))) {
        j->ops->done(j->arg, false);
        free(j);
    }
    while ((j = pop(&w->todo))) {
        j->ops->done(j->arg, true);
        free(j);
    }
    if (w->finished_ev)
        event_free(w->finished_ev);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w->threads);
    free(w);
    return NULL;
}
