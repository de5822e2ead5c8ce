/* sy-account-pool.c: every account's live state, as one observable list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-accounts"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "sy-account-pool.h"
#include "sy-config-edit.h"
#include "sy-json-guard.h"

#define SAVE_DELAY_MS 500
/* Quota windows change with nearly every answer: they are saved with the
 * next state change, at the latest this long after they changed (and when
 * the pool goes). */
#define QUOTA_SAVE_DELAY_MS (60 * 1000)

struct _SyAccountPool
{
  GObject       parent_instance;

  SyClock      *clock;
  GPtrArray    *states;       /* SyAccountState*, in config order */
  GHashTable   *by_id;        /* id -> SyAccountState* (borrowed) */

  char         *path;         /* state file, NULL when not saving */
  GHashTable   *saved;        /* id -> JsonObject*: restored, for accounts not (yet) present */
  guint         save_source;
  gint64        save_due;     /* monotonic µs when save_source fires */
  gboolean      writing;      /* an asynchronous write is running */
  gboolean      dirty;        /* something to save */
  gboolean      urgent;       /* ... and not only quota windows */
  GCancellable *cancellable;
  guint64       serial;       /* of the latest serialization */
  GMutex        write_lock;   /* a worker's write, the flush on the main thread */
  guint64       written;      /* under write_lock: serial of what the file holds */
};

static void sy_account_pool_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyAccountPool, sy_account_pool, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, sy_account_pool_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return SY_TYPE_ACCOUNT_STATE;
}

static guint
get_n_items (GListModel *model)
{
  return SY_ACCOUNT_POOL (model)->states->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  SyAccountPool *self = SY_ACCOUNT_POOL (model);

  if (position >= self->states->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->states, position));
}

static void
sy_account_pool_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void on_state_changed (SyAccountState *state, guint what, gpointer user_data);

static void
sy_account_pool_dispose (GObject *object)
{
  SyAccountPool *self = SY_ACCOUNT_POOL (object);

  if (self->dirty && self->path != NULL)
    sy_account_pool_flush (self, NULL);
  g_clear_handle_id (&self->save_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->states->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->states, i), on_state_changed, self);
  g_ptr_array_set_size (self->states, 0);
  g_hash_table_remove_all (self->by_id);

  G_OBJECT_CLASS (sy_account_pool_parent_class)->dispose (object);
}

static void
sy_account_pool_finalize (GObject *object)
{
  SyAccountPool *self = SY_ACCOUNT_POOL (object);

  g_ptr_array_unref (self->states);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->saved);
  g_clear_object (&self->cancellable);
  g_free (self->path);
  g_mutex_clear (&self->write_lock);
  sy_clock_unref (self->clock);

  G_OBJECT_CLASS (sy_account_pool_parent_class)->finalize (object);
}

static void
sy_account_pool_class_init (SyAccountPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_account_pool_dispose;
  object_class->finalize = sy_account_pool_finalize;
}

static void
sy_account_pool_init (SyAccountPool *self)
{
  self->states = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->saved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  self->cancellable = g_cancellable_new ();
  g_mutex_init (&self->write_lock);
}

SyAccountPool *
sy_account_pool_new (SyClock *clock)
{
  SyAccountPool *self = g_object_new (SY_TYPE_ACCOUNT_POOL, NULL);

  self->clock = sy_clock_ref (clock ? clock : sy_clock_get_default ());
  return self;
}

SyClock *
sy_account_pool_get_clock (SyAccountPool *self)
{
  return self->clock;
}

void
sy_account_pool_set_clock (SyAccountPool *self,
                           SyClock       *clock)
{
  g_return_if_fail (clock != NULL);
  sy_clock_ref (clock);
  sy_clock_unref (self->clock);
  self->clock = clock;
}

gint64
sy_account_pool_now (SyAccountPool *self)
{
  return sy_clock_now (self->clock);
}

SyAccountState *
sy_account_pool_lookup (SyAccountPool *self,
                        const char    *id)
{
  return g_hash_table_lookup (self->by_id, id);
}

/* Saving ------------------------------------------------------------------ */

static GBytes *
serialize (SyAccountPool *self)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonObject) accounts = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  gint64 now = sy_clock_now (self->clock);
  GHashTableIter iter;
  gpointer key, value;
  char *text;

  /* Saved entries of accounts not present now (an OAuth account not yet
   * loaded, say) are kept while they still mean something. */
  g_hash_table_iter_init (&iter, self->saved);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (sy_account_state_saved_is_live (value, now))
      json_object_set_object_member (accounts, key, json_object_ref (value));
  for (guint i = 0; i < self->states->len; i++)
    {
      SyAccountState *state = g_ptr_array_index (self->states, i);

      json_object_set_member (accounts, sy_account_state_get_id (state),
                              sy_account_state_save (state, now));
    }
  json_object_set_int_member (root, "version", 1);
  json_object_set_int_member (root, "saved_at", now / G_USEC_PER_SEC);
  json_object_set_object_member (root, "accounts", g_steal_pointer (&accounts));
  node = json_node_init_object (json_node_alloc (), root);
  text = json_to_string (node, TRUE);
  return g_bytes_new_take (text, strlen (text));
}

static void schedule_save_in (SyAccountPool *self,
                              guint          delay_ms);

typedef struct
{
  char    *path;
  GBytes  *bytes;
  guint64  serial;
} Write;

static void
write_free (gpointer data)
{
  Write *w = data;

  g_free (w->path);
  g_bytes_unref (w->bytes);
  g_free (w);
}

/* Any thread. Replaced whole (a kill leaves the old file or the new one);
 * a serialization older than what the file holds already (a worker's write
 * that lost the race to the flush at exit) is dropped. */
static gboolean
write_file (SyAccountPool  *self,
            const char     *path,
            GBytes         *bytes,
            guint64         serial,
            GError        **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  gboolean ok = TRUE;

  g_mutex_lock (&self->write_lock);
  if (serial > self->written)
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "Could not create %s: %s", dir, g_strerror (saved_errno));
          ok = FALSE;
        }
      else
        ok = sy_config_write_atomic (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
      if (ok)
        self->written = serial;
    }
  g_mutex_unlock (&self->write_lock);
  return ok;
}

static void
write_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Write *w = task_data;
  GError *error = NULL;

  if (write_file (source_object, w->path, w->bytes, w->serial, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SyAccountPool *self = SY_ACCOUNT_POOL (source);
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not save account state to %s: %s", self->path, error->message);
    }
  if (self->dirty)
    schedule_save_in (self, self->urgent ? SAVE_DELAY_MS : QUOTA_SAVE_DELAY_MS);
}

static gboolean
on_save_timeout (gpointer user_data)
{
  SyAccountPool *self = user_data;
  g_autoptr(GTask) task = NULL;
  Write *w;

  self->save_source = 0;
  if (self->path == NULL || !self->dirty)
    return G_SOURCE_REMOVE;
  if (self->writing)
    return G_SOURCE_REMOVE;     /* on_written() comes back for it */

  self->dirty = FALSE;
  self->urgent = FALSE;
  self->writing = TRUE;
  w = g_new0 (Write, 1);
  w->path = g_strdup (self->path);
  w->bytes = serialize (self);
  w->serial = ++self->serial;
  task = g_task_new (self, self->cancellable, on_written, NULL);
  g_task_set_task_data (task, w, write_free);
  g_task_run_in_thread (task, write_in_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule_save_in (SyAccountPool *self,
                  guint          delay_ms)
{
  gint64 due = g_get_monotonic_time () + (gint64) delay_ms * 1000;

  self->dirty = TRUE;
  if (self->path == NULL || self->writing)
    return;
  if (self->save_source != 0)
    {
      if (self->save_due <= due)
        return;
      /* A lazy save pending: this one cannot wait that long. */
      g_clear_handle_id (&self->save_source, g_source_remove);
    }
  self->save_due = due;
  self->save_source = g_timeout_add (delay_ms, on_save_timeout, self);
}

static void
schedule_save (SyAccountPool *self)
{
  self->urgent = TRUE;
  schedule_save_in (self, SAVE_DELAY_MS);
}

gboolean
sy_account_pool_flush (SyAccountPool  *self,
                       GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->path == NULL)
    return TRUE;
  self->dirty = FALSE;
  self->urgent = FALSE;
  bytes = serialize (self);
  return write_file (self, self->path, bytes, ++self->serial, error);
}

static void
on_state_changed (SyAccountState *state,
                  guint           what,
                  gpointer        user_data)
{
  SyAccountPool *self = user_data;

  if (what & SY_ACCOUNT_CHANGED_STATE)
    schedule_save (self);
  else if (what & SY_ACCOUNT_CHANGED_QUOTA)
    schedule_save_in (self, QUOTA_SAVE_DELAY_MS);
}

gboolean
sy_account_pool_set_state_file (SyAccountPool  *self,
                                const char     *path,
                                GError        **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonNode *accounts;
  gint64 now = sy_clock_now (self->clock);

  g_clear_handle_id (&self->save_source, g_source_remove);
  g_free (self->path);
  self->path = g_strdup (path);
  if (path == NULL)
    return TRUE;
  sy_config_remove_stale_temps (path);

  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  parser = json_parser_new ();
  if (!sy_json_parser_load (parser, text, len, &local_error))
    {
      /* A damaged state file costs the cooldowns, never the start. */
      g_warning ("Account state in %s unreadable (%s): starting without it", path, local_error->message);
      return TRUE;
    }
  root = json_parser_get_root (parser);
  accounts = root && JSON_NODE_HOLDS_OBJECT (root)
             ? json_object_get_member (json_node_get_object (root), "accounts") : NULL;
  if (accounts != NULL && JSON_NODE_HOLDS_OBJECT (accounts))
    {
      GList *ids = json_object_get_members (json_node_get_object (accounts));

      for (GList *l = ids; l != NULL; l = l->next)
        {
          JsonNode *saved = json_object_get_member (json_node_get_object (accounts), l->data);
          SyAccountState *state;

          if (!JSON_NODE_HOLDS_OBJECT (saved) || !sy_account_state_saved_is_live (json_node_get_object (saved), now))
            continue;
          state = g_hash_table_lookup (self->by_id, l->data);
          if (state != NULL)
            sy_account_state_restore (state, json_node_get_object (saved), now);
          else
            g_hash_table_replace (self->saved, g_strdup (l->data), json_object_ref (json_node_get_object (saved)));
        }
      g_list_free (ids);
    }
  return TRUE;
}

/* Sync -------------------------------------------------------------------- */

void
sy_account_pool_sync (SyAccountPool *self,
                      GPtrArray     *states)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean same = states->len == self->states->len;
  guint old_len = self->states->len;
  gint64 now = sy_clock_now (self->clock);

  for (guint i = 0; i < states->len; i++)
    {
      SyAccountState *state = g_ptr_array_index (states, i);
      const char *id = sy_account_state_get_id (state);
      SyAccountState *known = g_hash_table_lookup (self->by_id, id);
      JsonObject *saved;

      g_hash_table_add (wanted, (gpointer) id);
      if (same && g_ptr_array_index (self->states, i) != state)
        same = FALSE;
      if (known == state)
        continue;
      if (known != NULL)
        {
          /* Another object for a known id: the pool's one stays. */
          g_ptr_array_index (states, i) = g_object_ref (known);
          g_object_unref (state);
          continue;
        }
      g_hash_table_insert (self->by_id, (gpointer) id, state);
      g_signal_connect (state, "changed", G_CALLBACK (on_state_changed), self);
      if ((saved = g_hash_table_lookup (self->saved, id)) != NULL)
        {
          sy_account_state_restore (state, saved, now);
          g_hash_table_remove (self->saved, id);
        }
    }
  if (same)
    return;

  /* Gone accounts leave; the list takes the new order. */
  for (guint i = 0; i < self->states->len; i++)
    {
      SyAccountState *state = g_ptr_array_index (self->states, i);

      if (!g_hash_table_contains (wanted, sy_account_state_get_id (state)))
        {
          g_signal_handlers_disconnect_by_func (state, on_state_changed, self);
          g_hash_table_remove (self->by_id, sy_account_state_get_id (state));
        }
    }
  g_ptr_array_set_size (self->states, 0);
  for (guint i = 0; i < states->len; i++)
    g_ptr_array_add (self->states, g_object_ref (g_ptr_array_index (states, i)));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->states->len);
  schedule_save (self);
}
