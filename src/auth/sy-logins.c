/* sy-logins.c: the logged-in accounts: accounts.json plus the token store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sy-config-edit.h"
#include "sy-json-guard.h"
#include "sy-logins.h"
#include "sy-secret.h"

struct _SyLogins
{
  GObject       parent_instance;
  SyTokenStore *store;
  char         *path;
  GPtrArray    *credentials;   /* SyCredential* */
  GFileMonitor *monitor;       /* accounts.json, for other processes' changes */
  char         *written;       /* SHA-256 of what we last read or wrote */
  guint         reload_source;
  gboolean      loading;
};

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyLogins, sy_logins, G_TYPE_OBJECT)

static void
sy_logins_finalize (GObject *object)
{
  SyLogins *self = SY_LOGINS (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->monitor != NULL)
    g_file_monitor_cancel (self->monitor);
  g_clear_object (&self->monitor);
  g_free (self->written);
  g_clear_object (&self->store);
  g_free (self->path);
  g_ptr_array_unref (self->credentials);

  G_OBJECT_CLASS (sy_logins_parent_class)->finalize (object);
}

static void
sy_logins_class_init (SyLoginsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_logins_finalize;

  /* A login was added, removed, or changed what it is (not its tokens). */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_logins_init (SyLogins *self)
{
  self->credentials = g_ptr_array_new_with_free_func (g_object_unref);
}

SyLogins *
sy_logins_new (SyTokenStore *store,
               const char   *path)
{
  SyLogins *self = g_object_new (SY_TYPE_LOGINS, NULL);

  self->store = g_object_ref (store);
  self->path = g_strdup (path);
  return self;
}

SyTokenStore *sy_logins_get_store (SyLogins *self) { return self->store; }
const char *sy_logins_get_path (SyLogins *self) { return self->path; }
GPtrArray *sy_logins_get_all (SyLogins *self) { return self->credentials; }

SyCredential *
sy_logins_lookup (SyLogins   *self,
                  const char *id)
{
  for (guint i = 0; i < self->credentials->len; i++)
    {
      SyCredential *c = g_ptr_array_index (self->credentials, i);

      if (g_strcmp0 (sy_credential_get_id (c), id) == 0)
        return c;
    }
  return NULL;
}

/* accounts.json ---------------------------------------------------------- */

static gboolean
write_accounts (SyLogins  *self,
                GError   **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dir = g_path_get_dirname (self->path);

  for (guint i = 0; i < self->credentials->len; i++)
    json_array_add_object_element (list, sy_credential_to_json (g_ptr_array_index (self->credentials, i)));
  json_object_set_int_member (root, "version", 1);
  json_object_set_array_member (root, "accounts", g_steal_pointer (&list));
  node = json_node_init_object (json_node_alloc (), root);
  text = json_to_string (node, TRUE);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  /* A kill at any moment leaves the old file or the new one, and a
   * temporary file that the next start removes. */
  if (!sy_config_write_atomic (self->path, text, strlen (text), error))
    return FALSE;
  g_free (self->written);
  self->written = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  return TRUE;
}

/* Load ------------------------------------------------------------------- */

typedef struct
{
  guint      pending;
  GPtrArray *loaded;    /* SyCredential*: replaces the list when complete */
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *d = data;

  g_ptr_array_unref (d->loaded);
  g_free (d);
}

/* The new list takes over only once whole: a save meanwhile still writes
 * every account. */
static void
load_complete (GTask *task)
{
  SyLogins *self = g_task_get_source_object (task);
  LoadData *data = g_task_get_task_data (task);

  g_ptr_array_set_size (self->credentials, 0);
  g_ptr_array_extend_and_steal (self->credentials, g_steal_pointer (&data->loaded));
  data->loaded = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  GTask        *task;
  SyCredential *credential;
} LoadOne;

static void
on_one_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoadOne *one = user_data;
  SyLogins *self = g_task_get_source_object (one->task);
  LoadData *data = g_task_get_task_data (one->task);
  g_autoptr(GError) error = NULL;
  char *secret = sy_token_store_load_finish (self->store, result, &error);

  if (secret == NULL || !sy_credential_set_secret (one->credential, secret, &error))
    {
      g_autofree char *reason = g_strdup_printf ("its tokens could not be read from the %s: %s",
                                                 sy_token_store_get_backend (self->store), error->message);

      g_warning ("Login %s: %s", sy_credential_get_id (one->credential), reason);
      sy_credential_set_status (one->credential, SY_CREDENTIAL_NEEDS_LOGIN, reason);
    }
  sy_secret_free (secret);
  data->pending--;
  if (data->pending == 0)
    load_complete (one->task);
  g_object_unref (one->task);
  g_object_unref (one->credential);
  g_free (one);
}

void
sy_logins_load_async (SyLogins            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  LoadData *data = g_new0 (LoadData, 1);
  JsonNode *root;
  JsonNode *list;

  data->loaded = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, data, load_data_free);
  sy_config_remove_stale_temps (self->path);
  if (!g_file_get_contents (self->path, &text, NULL, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        load_complete (task);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->written);
  self->written = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  if (!sy_json_parser_load (parser, text, -1, &error))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "%s is not readable (%s); it was left as it is", self->path, error->message);
      return;
    }
  root = json_parser_get_root (parser);
  list = root && JSON_NODE_HOLDS_OBJECT (root) ? json_object_get_member (json_node_get_object (root), "accounts") : NULL;
  for (guint i = 0; list != NULL && JSON_NODE_HOLDS_ARRAY (list) && i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (list), i);
      g_autoptr(GError) item_error = NULL;
      SyCredential *credential = JSON_NODE_HOLDS_OBJECT (item)
                                 ? sy_credential_new_from_json (json_node_get_object (item), &item_error) : NULL;

      if (credential == NULL)
        {
          g_warning ("%s: entry %u skipped: %s", self->path, i, item_error ? item_error->message : "not an object");
          continue;
        }
      g_ptr_array_add (data->loaded, credential);
    }
  if (data->loaded->len == 0)
    {
      load_complete (task);
      return;
    }
  data->pending = data->loaded->len;
  for (guint i = 0; i < data->loaded->len; i++)
    {
      SyCredential *credential = g_ptr_array_index (data->loaded, i);
      LoadOne *one = g_new0 (LoadOne, 1);

      one->task = g_object_ref (task);
      one->credential = g_object_ref (credential);
      sy_token_store_load_async (self->store, sy_credential_get_provider (credential),
                                 sy_credential_get_id (credential), cancellable, on_one_loaded, one);
    }
}

gboolean
sy_logins_load_finish (SyLogins      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Watching ---------------------------------------------------------------- */

static void
on_reloaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SyLogins *self = SY_LOGINS (source);
  g_autoptr(GError) error = NULL;

  self->loading = FALSE;
  if (!sy_logins_load_finish (self, result, &error))
    {
      g_warning ("%s changed but could not be read: %s", self->path, error->message);
      return;
    }
  g_message ("Accounts reloaded from %s (%u)", self->path, self->credentials->len);
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
on_reload_timeout (gpointer user_data)
{
  SyLogins *self = user_data;
  g_autofree char *text = NULL;
  g_autofree char *sum = NULL;

  self->reload_source = 0;
  if (self->loading)
    return G_SOURCE_REMOVE;
  if (g_file_get_contents (self->path, &text, NULL, NULL))
    sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  /* Our own writes, and touches that change nothing, are not news. */
  if (g_strcmp0 (sum, self->written) == 0)
    return G_SOURCE_REMOVE;
  self->loading = TRUE;
  sy_logins_load_async (self, NULL, on_reloaded, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_file_changed (GFileMonitor      *monitor,
                 GFile             *file,
                 GFile             *other,
                 GFileMonitorEvent  event,
                 gpointer           user_data)
{
  SyLogins *self = user_data;

  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED &&
      event != G_FILE_MONITOR_EVENT_DELETED && event != G_FILE_MONITOR_EVENT_RENAMED &&
      event != G_FILE_MONITOR_EVENT_MOVED_IN)
    return;
  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->reload_source = g_timeout_add (150, on_reload_timeout, self);
}

gboolean
sy_logins_watch (SyLogins  *self,
                 GError   **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->path);

  if (self->monitor != NULL)
    return TRUE;
  self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
  if (self->monitor == NULL)
    return FALSE;
  g_signal_connect (self->monitor, "changed", G_CALLBACK (on_file_changed), self);
  return TRUE;
}

/* Add, save --------------------------------------------------------------- */

static void
on_secret_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLogins *self = g_task_get_source_object (task);
  SyCredential *credential = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean added = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "sy-add"));

  if (!sy_token_store_save_finish (self->store, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (added)
    {
      SyCredential *old = sy_logins_lookup (self, sy_credential_get_id (credential));

      if (old != NULL && old != credential)
        g_ptr_array_remove (self->credentials, old);
      if (old != credential)
        g_ptr_array_add (self->credentials, g_object_ref (credential));
    }
  if (!write_accounts (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (added)
    g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

static void
store_credential (SyLogins            *self,
                  SyCredential        *credential,
                  gboolean             add,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  char *secret = sy_credential_dup_secret (credential);

  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);
  g_object_set_data (G_OBJECT (task), "sy-add", GINT_TO_POINTER (add));
  sy_token_store_save_async (self->store, sy_credential_get_provider (credential),
                             sy_credential_get_id (credential), secret, cancellable, on_secret_saved, task);
  sy_secret_free (secret);
}

void
sy_logins_add_async (SyLogins            *self,
                     SyCredential        *credential,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  store_credential (self, credential, TRUE, cancellable, callback, user_data);
}

gboolean
sy_logins_add_finish (SyLogins      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_logins_save_async (SyLogins            *self,
                      SyCredential        *credential,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  store_credential (self, credential, FALSE, cancellable, callback, user_data);
}

gboolean
sy_logins_save_finish (SyLogins      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Remove ------------------------------------------------------------------ */

static void
on_secret_deleted (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLogins *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!sy_token_store_delete_finish (self->store, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

void
sy_logins_remove_async (SyLogins            *self,
                        const char          *id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(SyCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  if (sy_logins_lookup (self, id) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no login with the id %s", id);
      g_object_unref (task);
      return;
    }
  credential = g_object_ref (sy_logins_lookup (self, id));
  /* The entry goes first: no entry ever points at deleted tokens. */
  g_ptr_array_remove (self->credentials, credential);
  if (!write_accounts (self, &error))
    {
      g_ptr_array_add (self->credentials, g_object_ref (credential));
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  sy_token_store_delete_async (self->store, sy_credential_get_provider (credential),
                               sy_credential_get_id (credential), cancellable, on_secret_deleted, task);
}

gboolean
sy_logins_remove_finish (SyLogins      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
