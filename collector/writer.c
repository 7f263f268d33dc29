/* writer: see writer.h. Two singly linked queues under one mutex: `in`
 * (loop -> thread) and `out` (thread -> loop). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "registry.h"
#include "writer.h"

struct writer {
    uv_loop_t *loop;
    struct storage *st;
    size_t max_group;
    writer_done_cb done;
    void *arg;
    uv_async_t async;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct writer_job *in_head, *in_tail;
    struct writer_job *out_head, *out_tail;
    size_t depth;
    int stopping;
    uint64_t batches;
};

static uint64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The school's class and area maps from the registry, for the CONFIG
 * frame. A store without a registry yields empty maps, not an error. */
static void
fetch_maps(struct writer *w, struct writer_job *j)
{
    if (registry_class_map(w->st, j->hello.school[0] ? j->hello.school
                                                     : j->school,
                           &j->classmap) != 0)
        j->classmap = NULL;
    if (registry_area_map(w->st, j->hello.school[0] ? j->hello.school
                                                    : j->school,
                          &j->areamap) != 0)
        j->areamap = NULL;
}

static void
finish(struct writer *w, struct writer_job *head, struct writer_job *tail)
{
    if (head == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    if (w->out_tail != NULL)
        w->out_tail->next = head;
    else
        w->out_head = head;
    w->out_tail = tail;
    pthread_mutex_unlock(&w->mu);
    uv_async_send(&w->async);
}

/* Runs a run of jobs: HELLOs commit on their own; batches between them
 * share one transaction. If the transaction fails, every batch in it gets
 * the error and none is acknowledged. */
static void
run_jobs(struct writer *w, struct writer_job *jobs)
{
    struct writer_job *j, *grp = NULL, *last = NULL;
    time_t now = time(NULL);
    uint64_t t0 = 0;
    int in_txn = 0, rc;

    for (j = jobs; j != NULL; j = j->next) {
        if (j->kind != WRITER_BATCH || !in_txn) {
            /* close the open group before a HELLO */
            if (in_txn && j->kind != WRITER_BATCH) {
                rc = storage_commit(w->st);
                for (struct writer_job *g = grp; g != j; g = g->next) {
                    if (rc != 0 && g->rc > 0)
                        g->rc = rc;
                    g->commit_us = now_us() - t0;
                }
                if (rc != 0)
                    storage_rollback(w->st);
                in_txn = 0;
            }
        }
        if (j->kind == WRITER_HELLO) {
            struct storage_hello h = {
                .agent_id = j->hello.agent_id,
                .school = j->hello.school,
                .version = j->hello.version,
                .boot_id = j->hello.boot_id,
                .peer = j->peer,
                .stream = j->hello.stream,
                .now = now,
            };
            j->stream = j->hello.stream;
            j->rc = storage_hello(w->st, &h, &j->ack_seq);
            if (j->rc == 0)
                fetch_maps(w, j);
            last = j;
            continue;
        }
        if (j->kind == WRITER_CONFIG) {
            fetch_maps(w, j);
            j->rc = 0;
            last = j;
            continue;
        }
        if (!in_txn) {
            t0 = now_us();
            rc = storage_begin(w->st);
            if (rc != 0) {
                j->rc = rc;
                last = j;
                continue;
            }
            in_txn = 1;
            grp = j;
        }
        j->rc = storage_batch(w->st, j->agent_id, j->school, j->payload,
                              j->len, j->prev_seq, now, &j->stream,
                              &j->ack_seq, &j->why);
        if (j->rc == -EIO || j->rc == -ENOSPC) {
            /* the whole group is lost: roll back and fail each member */
            storage_rollback(w->st);
            for (struct writer_job *g = grp; g != j->next; g = g->next)
                if (g->rc > 0)
                    g->rc = j->rc;
            in_txn = 0;
        }
        last = j;
    }
    if (in_txn) {
        rc = storage_commit(w->st);
        if (rc != 0)
            storage_rollback(w->st);
        for (j = grp; j != NULL; j = j->next) {
            if (j->kind != WRITER_BATCH)
                continue;
            if (rc != 0 && j->rc > 0)
                j->rc = rc;
            j->commit_us = now_us() - t0;
        }
    }
    for (j = jobs; j != NULL; j = j->next)
        if (j->kind == WRITER_BATCH && j->rc == STORAGE_STORED)
            w->batches++;
    finish(w, jobs, last);
}

static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    struct writer_job *head, *tail;
    size_t n;

    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->in_head == NULL && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->in_head == NULL && w->stopping) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        head = tail = w->in_head;
        for (n = 1; n < w->max_group && tail->next != NULL; n++)
            tail = tail->next;
        w->in_head = tail->next;
        if (w->in_head == NULL)
            w->in_tail = NULL;
        tail->next = NULL;
        pthread_mutex_unlock(&w->mu);
        run_jobs(w, head);
    }
    return NULL;
}

static void
async_cb(uv_async_t *a)
{
    struct writer *w = a->data;
    struct writer_job *j, *next;

    pthread_mutex_lock(&w->mu);
    j = w->out_head;
    w->out_head = w->out_tail = NULL;
    pthread_mutex_unlock(&w->mu);
    for (; j != NULL; j = next) {
        next = j->next;
        j->next = NULL;
        pthread_mutex_lock(&w->mu);
        w->depth--;
        pthread_mutex_unlock(&w->mu);
        w->done(w->arg, j);
    }
}

int
writer_start(uv_loop_t *loop, struct storage *st, size_t max_group,
             writer_done_cb done, void *arg, struct writer **out)
{
    struct writer *w;
    int rc;

    *out = NULL;
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return -ENOMEM;
    w->loop = loop;
    w->st = st;
    w->max_group = max_group ? max_group : 256;
    w->done = done;
    w->arg = arg;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if ((rc = uv_async_init(loop, &w->async, async_cb)) != 0) {
        free(w);
        return rc;
    }
    w->async.data = w;
    if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
        uv_close((uv_handle_t *)&w->async, NULL);
        return -rc;
    }
    *out = w;
    return 0;
}

void
writer_set_arg(struct writer *w, void *arg)
{
    w->arg = arg;
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->in_tail != NULL)
        w->in_tail->next = job;
    else
        w->in_head = job;
    w->in_tail = job;
    w->depth++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

size_t
writer_depth(struct writer *w)
{
    size_t d;

    pthread_mutex_lock(&w->mu);
    d = w->depth;
    pthread_mutex_unlock(&w->mu);
    return d;
}

uint64_t
writer_rows_batches(struct writer *w)
{
    uint64_t b;

    pthread_mutex_lock(&w->mu);
    b = w->batches;
    pthread_mutex_unlock(&w->mu);
    return b;
}

static void
async_close_cb(uv_handle_t *h)
{
    struct writer *w = h->data;

    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

void
writer_stop(struct writer *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    storage_close(w->st);
    w->st = NULL;
    async_cb(&w->async);  /* hand back what finished after the last wakeup */
    uv_close((uv_handle_t *)&w->async, async_close_cb);
}
