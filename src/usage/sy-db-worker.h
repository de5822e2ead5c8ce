/* sy-db-worker.h: a store owned by one thread, writing in batches
 *
 * Private to src/usage: what the usage store (sy-usage.c) and the quota
 * history (sy-quota-history.c) share. One worker thread owns the store's
 * state (its database connection) and is fed by a queue of items and
 * operations. Items wait in a batch until batch_ms has passed since the
 * oldest of them (or a flush, a query or the close comes), then are written
 * in one call. Anything else runs after committing what is pending, so it
 * sees every item added before it; its result comes back as a GTask
 * result, on the thread-default main context of the caller. The worker
 * also deletes what is past the retention, at start, hourly and when the
 * retention changes.
 *
 * A write that fails with SY_USAGE_ERROR_UNAVAILABLE (a server away) keeps
 * the batch, up to max_batch items (the oldest dropped past that), and is
 * tried again with a growing delay, and at once by a flush or a query; any
 * other failure drops the batch and is said once, until a write succeeds.
 * Messages are in the "sy-usage" log domain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Every function of the class runs on the worker thread, with the @state
 * given to sy_db_worker_new(). */
typedef struct
{
  const char     *thread_name;   /* "sy-usage" */
  const char     *name;          /* "usage store": "The usage store is closed" */
  const char     *what;          /* "Usage database": "Usage database reachable again" */
  const char     *items;         /* "usage records": "... usage records are being dropped" */
  guint           batch_ms;      /* how long the oldest item waits at most */
  guint           max_batch;     /* the most items kept while unavailable; 0: no bound */
  GDestroyNotify  item_free;

  /* Whether @item goes into the batch (NULL: every item does); @item is
   * freed when not. @error, when set, is a failure to say (once, as a
   * failed write is); the answer counts all the same. */
  gboolean (*keep)  (gpointer    state,
                     gpointer    item,
                     GError    **error);
  /* Writes @items, oldest first, all or nothing. */
  gboolean (*write) (gpointer    state,
                     GPtrArray  *items,
                     GError    **error);
  /* Deletes what came before @before_us (wall clock). */
  gboolean (*prune) (gpointer    state,
                     gint64      before_us,
                     GError    **error);
  /* At the end of the thread. */
  void     (*free)  (gpointer    state);
} SyDbWorkerClass;

/* What sy_db_worker_run_async() runs: the task's result, or NULL with
 * @error set. */
typedef gpointer (*SyDbWorkerFunc) (gpointer    state,
                                    gpointer    data,
                                    GError    **error);

typedef struct _SyDbWorker SyDbWorker;

/* Starts the thread, which takes @state (freed by klass->free at its end).
 * @retention_days: as sy_db_worker_set_retention_days(). */
SyDbWorker *sy_db_worker_new                (const SyDbWorkerClass  *klass,
                                             gpointer                state,
                                             guint                   retention_days);

/* Closes, then frees what the caller's side holds. The thread ends on its
 * own when called on it (by the last reference of a task's source object
 * dropped there). */
void        sy_db_worker_free               (SyDbWorker             *self);

/* Commits what is queued, waits for it (unless called on the worker) and
 * ends the thread. Later items are dropped, later tasks fail with
 * G_IO_ERROR_CLOSED. Idempotent. */
void        sy_db_worker_close              (SyDbWorker             *self);

/* Never blocks; any thread. Takes @item (freed when closed). */
void        sy_db_worker_add                (SyDbWorker             *self,
                                             gpointer                item);

/* What came more than @days ago is deleted (now and hourly); 0 keeps
 * everything. */
void        sy_db_worker_set_retention_days (SyDbWorker             *self,
                                             guint                   days);

/* A boolean task (g_task_propagate_boolean) on @source_object that
 * completes once everything added before the call is committed. */
void        sy_db_worker_flush_async        (SyDbWorker             *self,
                                             gpointer                source_object,
                                             gpointer                source_tag,
                                             GCancellable           *cancellable,
                                             GAsyncReadyCallback     callback,
                                             gpointer                user_data);

/* A pointer task (g_task_propagate_pointer) on @source_object: @func
 * (@data) on the worker, after committing what is pending. Takes @data
 * (@data_free); @result_free frees what @func returns. */
void        sy_db_worker_run_async          (SyDbWorker             *self,
                                             SyDbWorkerFunc          func,
                                             gpointer                data,
                                             GDestroyNotify          data_free,
                                             GDestroyNotify          result_free,
                                             gpointer                source_object,
                                             gpointer                source_tag,
                                             GCancellable           *cancellable,
                                             GAsyncReadyCallback     callback,
                                             gpointer                user_data);

G_END_DECLS
