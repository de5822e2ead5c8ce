/* sy-quota-poller.c: reads the signed-in accounts' quota now and then, and
 * on demand
 *
 * One entry per account id, kept across registries: when the last read
 * started and ended, what it gave, the read in flight with the callers
 * waiting for it, and the timer of the next timed read. The rate limit is
 * counted from the start of the last read, successful or not: a usage
 * endpoint counts requests, and a failing account is asked again at the
 * next interval, not sooner (CodexBar learnt the same the hard way).
 *
 * A read copies what it needs from its account, so a registry may be
 * replaced while reads run; the result goes to the account of that id in
 * the registry current when it ends, if it still has one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-quota-poller.h"

typedef struct
{
  SyQuotaPoller *poller;          /* borrowed: entries go before it */
  char          *id;
  gint64         last_attempt_us; /* start of the last read; 0: never */
  gint64         last_done_us;    /* its end */
  gint64         last_read_us;    /* end of the last successful read */
  GPtrArray     *windows;         /* of the last successful read */
  GError        *error;           /* of the last read, NULL when it succeeded */
  gboolean       in_flight;
  GPtrArray     *waiters;         /* GTask*, see Batch */
  guint          timer;
  gint64         next_us;
  gboolean       eligible;        /* timed reads: supported, enabled, signed in */
  gboolean       gone;            /* left the registry during its read */
  gboolean       seen;
} Entry;

/* The task data of a refresh of every account; NULL for one account. */
typedef struct
{
  guint pending;
} Batch;

typedef struct
{
  GWeakRef  poller;
  char     *id;
} ReadContext;

struct _SyQuotaPoller
{
  GObject        parent_instance;

  SyHttpClient  *http;
  SyClock       *clock;
  SyRegistry    *registry;
  GHashTable    *entries;         /* account id → Entry* */
  gboolean       started;
  gint64         interval_us;
  GCancellable  *cancellable;     /* of every read; cancelled when the poller goes */
};

enum
{
  SIGNAL_READ,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyQuotaPoller, sy_quota_poller, G_TYPE_OBJECT)

static void entry_schedule (SyQuotaPoller *self,
                            Entry         *entry,
                            guint          slot,
                            guint          n_slots);

static void
entry_free (Entry *entry)
{
  if (entry->timer != 0)
    sy_clock_cancel (entry->poller->clock, entry->timer);
  /* A refresh holds the poller, so none can be waiting when entries go
   * with it; a registry swap keeps the entries of reads in flight. */
  g_assert (entry->waiters->len == 0);
  g_ptr_array_unref (entry->waiters);
  g_clear_pointer (&entry->windows, g_ptr_array_unref);
  g_clear_error (&entry->error);
  g_free (entry->id);
  g_free (entry);
}

static Entry *
entry_get (SyQuotaPoller *self,
           const char    *id)
{
  Entry *entry = g_hash_table_lookup (self->entries, id);

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->poller = self;
      entry->id = g_strdup (id);
      entry->waiters = g_ptr_array_new ();
      g_hash_table_insert (self->entries, entry->id, entry);
    }
  return entry;
}

static SyAccount *
find_account (SyQuotaPoller *self,
              const char    *id)
{
  GPtrArray *accounts = self->registry ? sy_registry_get_accounts (self->registry) : NULL;

  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (g_strcmp0 (account->id, id) == 0)
        return account;
    }
  return NULL;
}

static gboolean
account_eligible (SyAccount *account)
{
  return account != NULL && sy_quota_reader_supports (account) && sy_account_is_usable (account);
}

/* quota-refresh-interval, in seconds: 600 when unset, 60 at least; 0
 * turns the timed reads off (0 is returned). */
static gint64
config_interval (SyConfig *config)
{
  JsonNode *node = config ? sy_config_lookup (config, "quota-refresh-interval") : NULL;
  gint64 seconds = SY_QUOTA_POLLER_DEFAULT_INTERVAL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_INT64)
        seconds = json_node_get_int (node);
      else if (type == G_TYPE_DOUBLE)
        seconds = (gint64) json_node_get_double (node);
    }
  if (seconds == 0)
    return 0;
  return MAX (seconds, SY_QUOTA_POLLER_MIN_INTERVAL) * G_USEC_PER_SEC;
}

/* ---------------------------------------------------------------- waiters */

static void
waiter_done (GTask        *task,
             const GError *error)
{
  Batch *batch = g_task_get_task_data (task);

  if (batch != NULL)
    {
      if (--batch->pending == 0)
        g_task_return_boolean (task, TRUE);
    }
  else if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* ------------------------------------------------------------------ reads */

static void
read_context_free (ReadContext *context)
{
  g_weak_ref_clear (&context->poller);
  g_free (context->id);
  g_free (context);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadContext *context = user_data;
  g_autoptr(SyQuotaPoller) self = g_weak_ref_get (&context->poller);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = sy_quota_reader_read_finish (result, &error);
  g_autoptr(GPtrArray) waiters = NULL;
  g_autoptr(GError) outcome = NULL;
  Entry *entry;
  SyAccount *account;
  gint64 now;

  entry = self ? g_hash_table_lookup (self->entries, context->id) : NULL;
  if (entry == NULL || !entry->in_flight)
    {
      read_context_free (context);
      return;
    }
  now = sy_clock_now (self->clock);
  entry->last_done_us = now;
  /* Still in flight while the state and the signal's handlers see the
   * reading: a registry swap from a handler marks the entry gone instead
   * of freeing it under us. */
  if (windows != NULL)
    {
      g_clear_error (&entry->error);
      g_clear_pointer (&entry->windows, g_ptr_array_unref);
      entry->windows = g_ptr_array_ref (windows);
      entry->last_read_us = now;
      account = entry->gone ? NULL : find_account (self, entry->id);
      g_debug ("%s: quota read: %u window%s", entry->id, windows->len, windows->len == 1 ? "" : "s");
      if (account != NULL)
        {
          sy_account_state_update_quota_windows (account->state, windows, now);
          g_signal_emit (self, signals[SIGNAL_READ], 0, entry->id, windows);
        }
    }
  else
    {
      g_info ("%s: quota read failed: %s", entry->id, error->message);
      g_clear_error (&entry->error);
      entry->error = g_error_copy (error);
    }
  entry->in_flight = FALSE;
  outcome = entry->error ? g_error_copy (entry->error) : NULL;
  waiters = g_steal_pointer (&entry->waiters);
  entry->waiters = g_ptr_array_new ();
  if (entry->gone)
    g_hash_table_remove (self->entries, entry->id);
  else
    entry_schedule (self, entry, 0, 1);
  /* The entry may go from here on: a caller may swap the registry. */
  for (guint i = 0; i < waiters->len; i++)
    waiter_done (g_ptr_array_index (waiters, i), outcome);
  read_context_free (context);
}

static void
entry_start_read (SyQuotaPoller *self,
                  Entry         *entry,
                  SyAccount     *account)
{
  ReadContext *context = g_new0 (ReadContext, 1);

  if (entry->timer != 0)
    {
      sy_clock_cancel (self->clock, entry->timer);
      entry->timer = 0;
    }
  entry->next_us = 0;
  entry->in_flight = TRUE;
  entry->last_attempt_us = sy_clock_now (self->clock);
  g_weak_ref_init (&context->poller, self);
  context->id = g_strdup (entry->id);
  sy_quota_reader_read_full_async (self->http, sy_registry_get_config (self->registry), account, self->clock,
                                   self->cancellable, read_done_cb, context);
}

/* Joins the read in flight, answers from one that ended moments ago, or
 * starts one; @waiter is completed in each case. */
static void
entry_request (SyQuotaPoller *self,
               Entry         *entry,
               SyAccount     *account,
               GTask         *waiter)
{
  gint64 now = sy_clock_now (self->clock);

  if (entry->in_flight)
    {
      g_ptr_array_add (entry->waiters, waiter);
      return;
    }
  if (entry->last_done_us > 0 && now - entry->last_done_us < SY_QUOTA_POLLER_FRESH_SECONDS * G_USEC_PER_SEC)
    {
      waiter_done (waiter, entry->error);
      return;
    }
  g_ptr_array_add (entry->waiters, waiter);
  entry_start_read (self, entry, account);
}

/* ----------------------------------------------------------------- timers */

static void
timer_cb (gpointer user_data)
{
  Entry *entry = user_data;
  SyQuotaPoller *self = entry->poller;
  SyAccount *account = find_account (self, entry->id);

  entry->timer = 0;
  entry->next_us = 0;
  if (entry->in_flight)
    return;
  if (self->interval_us == 0)
    return;
  if (!account_eligible (account))
    {
      /* Disabled or signed out since: looked at again an interval later. */
      entry->next_us = sy_clock_now (self->clock) + self->interval_us;
      entry->timer = sy_clock_add (self->clock, self->interval_us, timer_cb, entry);
      return;
    }
  entry_start_read (self, entry, account);
}

/* The next timed read of @entry: an interval after its last, or, when it
 * has none or that is past, at its @slot of @n_slots over the interval. */
static void
entry_schedule (SyQuotaPoller *self,
                Entry         *entry,
                guint          slot,
                guint          n_slots)
{
  gint64 now = sy_clock_now (self->clock);
  gint64 due = entry->last_attempt_us > 0 ? entry->last_attempt_us + self->interval_us : 0;
  gint64 delay;

  if (entry->timer != 0)
    {
      sy_clock_cancel (self->clock, entry->timer);
      entry->timer = 0;
    }
  entry->next_us = 0;
  if (!self->started || entry->in_flight || entry->gone || !entry->eligible || self->interval_us == 0)
    return;
  if (due >= now)
    delay = due - now;
  else if (entry->last_done_us > entry->last_attempt_us && entry->last_done_us >= now)
    delay = 0;   /* a read that outlasted the interval */
  else
    delay = self->interval_us / MAX (n_slots, 1) * slot;
  entry->next_us = now + delay;
  entry->timer = sy_clock_add (self->clock, delay, timer_cb, entry);
}

/* Every account's entry and timer, after a new registry or a start. */
static void
sync_entries (SyQuotaPoller *self)
{
  GPtrArray *accounts = self->registry ? sy_registry_get_accounts (self->registry) : NULL;
  g_autoptr(GPtrArray) eligible = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Entry *) value)->seen = FALSE;

  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);
      Entry *entry;

      if (!sy_quota_reader_supports (account))
        continue;
      entry = entry_get (self, account->id);
      entry->seen = TRUE;
      entry->gone = FALSE;
      entry->eligible = account_eligible (account);
      if (entry->eligible)
        g_ptr_array_add (eligible, entry);
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (entry->seen)
        continue;
      if (entry->in_flight)
        {
          entry->gone = TRUE;
          entry->eligible = FALSE;
          entry_schedule (self, entry, 0, 1);
        }
      else
        g_hash_table_iter_remove (&iter);
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;
      guint slot = 0;

      if (entry->gone)
        continue;
      if (entry->eligible)
        g_ptr_array_find (eligible, entry, &slot);
      entry_schedule (self, entry, slot, eligible->len);
    }
}

/* --------------------------------------------------------------- GObject */

static void
sy_quota_poller_dispose (GObject *object)
{
  SyQuotaPoller *self = SY_QUOTA_POLLER (object);

  self->started = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);
  g_clear_pointer (&self->registry, sy_registry_unref);

  G_OBJECT_CLASS (sy_quota_poller_parent_class)->dispose (object);
}

static void
sy_quota_poller_finalize (GObject *object)
{
  SyQuotaPoller *self = SY_QUOTA_POLLER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->http);
  g_clear_pointer (&self->clock, sy_clock_unref);

  G_OBJECT_CLASS (sy_quota_poller_parent_class)->finalize (object);
}

static void
sy_quota_poller_class_init (SyQuotaPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_quota_poller_dispose;
  object_class->finalize = sy_quota_poller_finalize;

  /**
   * SyQuotaPoller::read:
   * @account_id: the account read
   * @windows: (element-type SyQuotaWindow): what the read gave
   *
   * A read succeeded; the account's state has the windows already.
   */
  signals[SIGNAL_READ] = g_signal_new ("read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_PTR_ARRAY);
}

static void
sy_quota_poller_init (SyQuotaPoller *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  self->cancellable = g_cancellable_new ();
  self->interval_us = SY_QUOTA_POLLER_DEFAULT_INTERVAL * G_USEC_PER_SEC;
}

/* ------------------------------------------------------------------- API */

SyQuotaPoller *
sy_quota_poller_new (SyHttpClient *http,
                     SyClock      *clock)
{
  SyQuotaPoller *self;

  g_return_val_if_fail (SY_IS_HTTP_CLIENT (http), NULL);

  self = g_object_new (SY_TYPE_QUOTA_POLLER, NULL);
  self->http = g_object_ref (http);
  self->clock = sy_clock_ref (clock ? clock : sy_clock_get_default ());
  return self;
}

void
sy_quota_poller_set_registry (SyQuotaPoller *self,
                              SyRegistry    *registry)
{
  g_return_if_fail (SY_IS_QUOTA_POLLER (self));

  if (registry != NULL)
    sy_registry_ref (registry);
  g_clear_pointer (&self->registry, sy_registry_unref);
  self->registry = registry;
  self->interval_us = config_interval (registry ? sy_registry_get_config (registry) : NULL);
  sync_entries (self);
}

SyRegistry *
sy_quota_poller_get_registry (SyQuotaPoller *self)
{
  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), NULL);

  return self->registry;
}

void
sy_quota_poller_start (SyQuotaPoller *self)
{
  g_return_if_fail (SY_IS_QUOTA_POLLER (self));

  if (self->started)
    return;
  self->started = TRUE;
  sync_entries (self);
}

void
sy_quota_poller_stop (SyQuotaPoller *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (SY_IS_QUOTA_POLLER (self));

  self->started = FALSE;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    entry_schedule (self, value, 0, 1);
}

gboolean
sy_quota_poller_is_started (SyQuotaPoller *self)
{
  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), FALSE);

  return self->started;
}

gint64
sy_quota_poller_get_interval (SyQuotaPoller *self)
{
  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), 0);

  return self->interval_us;
}

void
sy_quota_poller_refresh_async (SyQuotaPoller       *self,
                               const char          *account_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *accounts;
  Batch *batch;

  g_return_if_fail (SY_IS_QUOTA_POLLER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_quota_poller_refresh_async);
  if (account_id != NULL)
    {
      SyAccount *account = find_account (self, account_id);

      if (account == NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no account %s", account_id);
      else if (!sy_quota_reader_supports (account))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                 "%s: the account has no usage endpoint to ask", account_id);
      else
        entry_request (self, entry_get (self, account_id), account, g_steal_pointer (&task));
      return;
    }

  /* Every account: one pending count held by this call until all started. */
  batch = g_new0 (Batch, 1);
  batch->pending = 1;
  g_task_set_task_data (task, batch, g_free);
  accounts = self->registry ? sy_registry_get_accounts (self->registry) : NULL;
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      SyAccount *account = g_ptr_array_index (accounts, i);

      if (!sy_quota_reader_supports (account))
        continue;
      batch->pending++;
      entry_request (self, entry_get (self, account->id), account, g_object_ref (task));
    }
  waiter_done (g_steal_pointer (&task), NULL);
}

gboolean
sy_quota_poller_refresh_finish (SyQuotaPoller  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GPtrArray *
sy_quota_poller_dup_windows (SyQuotaPoller *self,
                             const char    *account_id)
{
  Entry *entry;
  GPtrArray *copy;

  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), NULL);

  entry = g_hash_table_lookup (self->entries, account_id);
  if (entry == NULL || entry->windows == NULL)
    return NULL;
  copy = g_ptr_array_new_full (entry->windows->len, (GDestroyNotify) sy_quota_window_free);
  for (guint i = 0; i < entry->windows->len; i++)
    g_ptr_array_add (copy, sy_quota_window_copy (g_ptr_array_index (entry->windows, i)));
  return copy;
}

const GError *
sy_quota_poller_get_last_error (SyQuotaPoller *self,
                                const char    *account_id)
{
  Entry *entry;

  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), NULL);

  entry = g_hash_table_lookup (self->entries, account_id);
  return entry ? entry->error : NULL;
}

gint64
sy_quota_poller_get_last_read (SyQuotaPoller *self,
                               const char    *account_id)
{
  Entry *entry;

  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), 0);

  entry = g_hash_table_lookup (self->entries, account_id);
  return entry ? entry->last_read_us : 0;
}

gint64
sy_quota_poller_get_next_read (SyQuotaPoller *self,
                               const char    *account_id)
{
  Entry *entry;

  g_return_val_if_fail (SY_IS_QUOTA_POLLER (self), 0);

  entry = g_hash_table_lookup (self->entries, account_id);
  return entry ? entry->next_us : 0;
}
