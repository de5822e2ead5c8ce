/* sy-db-worker.c: a store owned by one thread, writing in batches
 *
 * The caller's side (SyDbWorker) only pushes operations onto a GAsyncQueue;
 * the thread's side (Loop) is touched by the thread alone, which frees it
 * on exit. So the store that owns the SyDbWorker may be finalized on any
 * thread, even the worker's, when a task drops the last reference there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-usage"

#include "config.h"

#include "sy-db-worker.h"
#include "sy-usage.h"

#define PRUNE_EVERY_US   (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define PRUNE_RETRY_US   (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define RETRY_MIN_US     G_USEC_PER_SEC
#define RETRY_MAX_US     (G_GINT64_CONSTANT (10) * G_USEC_PER_SEC)
#define DROP_WARN_US     (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

typedef enum
{
  OP_ADD,
  OP_FLUSH,
  OP_RETENTION,
  OP_RUN,
  OP_CLOSE,
} OpKind;

typedef struct
{
  OpKind          kind;
  gpointer        item;         /* OP_ADD */
  guint           days;         /* OP_RETENTION */
  GTask          *task;         /* OP_FLUSH, OP_RUN */
  SyDbWorkerFunc  func;         /* OP_RUN */
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  result_free;
} Op;

typedef struct
{
  const SyDbWorkerClass *klass;
  gpointer     state;
  char        *what_lower;      /* "usage database", for the middle of a sentence */
  GAsyncQueue *queue;           /* Op* */
  GQueue       batch;           /* items not yet committed, oldest first */
  gint64       batch_deadline;
  guint        retention_days;
  gint64       next_prune;
  gboolean     warned;          /* a failure was reported: quiet until a success */
  gboolean     unavailable;     /* the server could not be reached at the last try */
  gint64       retry_delay;
  guint64      dropped;         /* items dropped since the server went away */
  gint64       next_drop_warning;
} Loop;

struct _SyDbWorker
{
  const SyDbWorkerClass *klass;
  GAsyncQueue *queue;           /* Op*, shared with the thread */
  GThread     *thread;
  gint         closed;          /* atomic */
};

static Op *
op_new (OpKind kind)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  return op;
}

static void
op_free (const SyDbWorkerClass *klass,
         Op                    *op)
{
  if (op->item != NULL)
    klass->item_free (op->item);
  if (op->data != NULL && op->data_free != NULL)
    op->data_free (op->data);
  g_clear_object (&op->task);
  g_free (op);
}

/* -- Worker: writing ------------------------------------------------------ */

static void
warn_once (Loop         *self,
           const GError *error)
{
  /* A full disk would fail every batch: say it once, not every second. */
  if (!self->warned)
    g_warning ("%s (%s are being dropped)", error->message, self->klass->items);
  self->warned = TRUE;
}

static void
report_unavailable (Loop         *self,
                    const GError *error)
{
  if (!self->unavailable)
    g_warning ("%s (%s are kept, up to %u, and written once it answers again)",
               error->message, self->klass->items, self->klass->max_batch);
  self->unavailable = TRUE;
}

static void
report_available (Loop *self)
{
  if (self->unavailable)
    g_message ("%s reachable again", self->klass->what);
  if (self->dropped > 0)
    g_warning ("%" G_GUINT64_FORMAT " %s were dropped in all while the %s could not be reached",
               self->dropped, self->klass->items, self->what_lower);
  self->unavailable = FALSE;
  self->dropped = 0;
  self->next_drop_warning = 0;
  self->retry_delay = RETRY_MIN_US;
}

static void
queue_item (Loop     *self,
            gpointer  item)
{
  const SyDbWorkerClass *klass = self->klass;
  g_autoptr(GError) error = NULL;
  gboolean keep = klass->keep == NULL || klass->keep (self->state, item, &error);
  gint64 now;

  if (error != NULL)
    warn_once (self, error);
  if (!keep)
    {
      klass->item_free (item);
      return;
    }

  if (self->batch.length == 0)
    self->batch_deadline = g_get_monotonic_time () + (gint64) klass->batch_ms * 1000;
  g_queue_push_tail (&self->batch, item);
  if (klass->max_batch == 0 || self->batch.length <= klass->max_batch)
    return;

  /* The server is away for long: keep the newest, never block the caller. */
  klass->item_free (g_queue_pop_head (&self->batch));
  self->dropped++;
  now = g_get_monotonic_time ();
  if (now >= self->next_drop_warning)
    {
      g_warning ("The %s cannot be reached: %" G_GUINT64_FORMAT " %s dropped so far"
                 " (the oldest; the newest %u are kept)",
                 self->what_lower, self->dropped, klass->items, klass->max_batch);
      self->next_drop_warning = now + DROP_WARN_US;
    }
}

/* Writes the batch. FALSE, with the batch kept, when the server cannot be
 * reached; a write that fails otherwise drops the batch (trying it again
 * would fail again) and says so once. */
static gboolean
commit_batch (Loop    *self,
              GError **error)
{
  const SyDbWorkerClass *klass = self->klass;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) local = NULL;
  GList *l;

  if (self->batch.length == 0)
    return TRUE;

  items = g_ptr_array_sized_new (self->batch.length);
  for (l = self->batch.head; l != NULL; l = l->next)
    g_ptr_array_add (items, l->data);
  if (klass->write (self->state, items, &local))
    {
      report_available (self);
      self->warned = FALSE;
      g_queue_clear_full (&self->batch, klass->item_free);
      return TRUE;
    }

  if (g_error_matches (local, SY_USAGE_ERROR, SY_USAGE_ERROR_UNAVAILABLE))
    {
      report_unavailable (self, local);
      self->batch_deadline = g_get_monotonic_time () + self->retry_delay;
      self->retry_delay = MIN (self->retry_delay * 2, RETRY_MAX_US);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  warn_once (self, local);
  g_queue_clear_full (&self->batch, klass->item_free);
  return TRUE;
}

static void
prune (Loop *self)
{
  g_autoptr(GError) error = NULL;

  self->next_prune = g_get_monotonic_time () + PRUNE_EVERY_US;
  /* 0 keeps everything, and so does a retention reaching before gint64 time. */
  if (self->retention_days == 0 || self->retention_days >= G_MAXINT64 / SY_USAGE_DAY_US / 2)
    return;
  if (self->klass->prune (self->state, g_get_real_time () - (gint64) self->retention_days * SY_USAGE_DAY_US,
                          &error))
    return;
  if (g_error_matches (error, SY_USAGE_ERROR, SY_USAGE_ERROR_UNAVAILABLE))
    {
      /* Said by the batch that finds it too; try again sooner than an hour. */
      report_unavailable (self, error);
      self->next_prune = g_get_monotonic_time () + PRUNE_RETRY_US;
    }
  else
    warn_once (self, error);
}

/* -- Worker loop ---------------------------------------------------------- */

/* FALSE: stop. */
static gboolean
handle_op (Loop *self,
           Op   *op)
{
  GError *error = NULL;
  gpointer result;
  guint pending;

  if (op->kind == OP_ADD)
    {
      queue_item (self, g_steal_pointer (&op->item));
      return TRUE;
    }

  /* Anything else sees every item queued before it (or fails, when the
   * server that should take them cannot be reached). */
  pending = self->batch.length;
  if (!commit_batch (self, &error))
    {
      switch (op->kind)
        {
        case OP_FLUSH:
        case OP_RUN:
          g_task_return_error (op->task, g_steal_pointer (&error));
          return TRUE;
        case OP_CLOSE:
          g_warning ("%s: %u %s are lost", error->message, pending, self->klass->items);
          g_clear_error (&error);
          return FALSE;
        case OP_RETENTION:
        case OP_ADD:
        default:
          g_clear_error (&error);
          break;
        }
    }
  if (op->task != NULL && g_task_return_error_if_cancelled (op->task))
    return TRUE;

  switch (op->kind)
    {
    case OP_FLUSH:
      g_task_return_boolean (op->task, TRUE);
      break;
    case OP_RETENTION:
      self->retention_days = op->days;
      prune (self);
      break;
    case OP_RUN:
      result = op->func (self->state, op->data, &error);
      if (result != NULL)
        g_task_return_pointer (op->task, result, op->result_free);
      else
        g_task_return_error (op->task, error);
      break;
    case OP_CLOSE:
      return FALSE;
    case OP_ADD:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static gpointer
worker (gpointer data)
{
  Loop *self = data;
  const SyDbWorkerClass *klass = self->klass;
  gboolean running = TRUE;
  Op *op;

  prune (self);
  while (running)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake = self->batch.length > 0 ? MIN (self->batch_deadline, self->next_prune) : self->next_prune;

      op = g_async_queue_timeout_pop (self->queue, MAX (wake - now, 0));
      if (op != NULL)
        {
          running = handle_op (self, op);
          op_free (klass, op);
        }
      now = g_get_monotonic_time ();
      if (running && self->batch.length > 0 && now >= self->batch_deadline)
        commit_batch (self, NULL);
      if (running && now >= self->next_prune)
        prune (self);
    }

  klass->free (self->state);
  /* Adds, and tasks, that raced with close. */
  while ((op = g_async_queue_try_pop (self->queue)) != NULL)
    {
      if (op->task != NULL)
        g_task_return_new_error (op->task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The %s is closed", klass->name);
      op_free (klass, op);
    }
  g_async_queue_unref (self->queue);
  g_queue_clear_full (&self->batch, klass->item_free);
  g_free (self->what_lower);
  g_free (self);
  return NULL;
}

/* -- The caller's side ---------------------------------------------------- */

SyDbWorker *
sy_db_worker_new (const SyDbWorkerClass *klass,
                  gpointer               state,
                  guint                  retention_days)
{
  SyDbWorker *self = g_new0 (SyDbWorker, 1);
  Loop *loop = g_new0 (Loop, 1);

  loop->klass = klass;
  loop->state = state;
  loop->what_lower = g_strdup (klass->what);
  loop->what_lower[0] = g_ascii_tolower (loop->what_lower[0]);
  loop->queue = g_async_queue_new ();
  g_queue_init (&loop->batch);
  loop->retention_days = retention_days;
  loop->retry_delay = RETRY_MIN_US;

  self->klass = klass;
  self->queue = g_async_queue_ref (loop->queue);
  self->thread = g_thread_new (klass->thread_name, worker, loop);
  return self;
}

void
sy_db_worker_close (SyDbWorker *self)
{
  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  g_async_queue_push (self->queue, op_new (OP_CLOSE));
  /* On the worker itself (its last reference dropped there) it cannot
   * wait for itself: it ends on its own after the queued items. */
  if (g_thread_self () == self->thread)
    g_thread_unref (self->thread);
  else
    g_thread_join (self->thread);
  self->thread = NULL;
}

void
sy_db_worker_free (SyDbWorker *self)
{
  sy_db_worker_close (self);
  g_async_queue_unref (self->queue);
  g_free (self);
}

void
sy_db_worker_add (SyDbWorker *self,
                  gpointer    item)
{
  Op *op;

  if (g_atomic_int_get (&self->closed))
    {
      self->klass->item_free (item);
      return;
    }
  op = op_new (OP_ADD);
  op->item = item;
  g_async_queue_push (self->queue, op);
}

void
sy_db_worker_set_retention_days (SyDbWorker *self,
                                 guint       days)
{
  Op *op;

  if (g_atomic_int_get (&self->closed))
    return;
  op = op_new (OP_RETENTION);
  op->days = days;
  g_async_queue_push (self->queue, op);
}

/* Queues @op with a task, or fails the task at once when closed. */
static void
push_task (SyDbWorker          *self,
           Op                  *op,
           gpointer             source_object,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  op->task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  if (g_atomic_int_get (&self->closed))
    {
      g_task_return_new_error (op->task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The %s is closed", self->klass->name);
      op_free (self->klass, op);
      return;
    }
  g_async_queue_push (self->queue, op);
}

void
sy_db_worker_flush_async (SyDbWorker          *self,
                          gpointer             source_object,
                          gpointer             source_tag,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  push_task (self, op_new (OP_FLUSH), source_object, source_tag, cancellable, callback, user_data);
}

void
sy_db_worker_run_async (SyDbWorker          *self,
                        SyDbWorkerFunc       func,
                        gpointer             data,
                        GDestroyNotify       data_free,
                        GDestroyNotify       result_free,
                        gpointer             source_object,
                        gpointer             source_tag,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Op *op = op_new (OP_RUN);

  op->func = func;
  op->data = data;
  op->data_free = data_free;
  op->result_free = result_free;
  push_task (self, op, source_object, source_tag, cancellable, callback, user_data);
}
