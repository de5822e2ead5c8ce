/* sy-auth-dir.c: CLIProxyAPI's auth-dir, honoured in place
 *
 * Facts: reference server.md §7 (every *.json directly in the directory,
 * "disabled" files loaded but not used) and §8 (watched; unchanged content,
 * by SHA-256, ignored; changes debounced by a second).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-auth-dir.h"
#include "sy-auth-files.h"
#include "sy-secret.h"

#define DEFAULT_DELAY_MS 1000

typedef struct
{
  char         *name;
  char         *sha;          /* of the content last read, or written by us */
  JsonObject   *json;         /* that content: the base of a rewrite */
  SyCredential *credential;   /* NULL when the file is not a usable login */
  char         *skipped;      /* why, then */
} Entry;

struct _SyAuthDir
{
  GObject       parent_instance;
  char         *path;
  GHashTable   *entries;      /* name -> Entry */
  GPtrArray    *credentials;  /* SyCredential*, in file-name order */
  GHashTable   *skipped;      /* name -> reason */
  GFileMonitor *monitor;
  GMainContext *context;
  GSource      *timeout;
  guint         delay_ms;
};

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyAuthDir, sy_auth_dir, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->sha);
  g_clear_pointer (&entry->json, json_object_unref);
  g_clear_object (&entry->credential);
  g_free (entry->skipped);
  g_free (entry);
}

static void
cancel_timeout (SyAuthDir *self)
{
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
}

static void
sy_auth_dir_dispose (GObject *object)
{
  SyAuthDir *self = SY_AUTH_DIR (object);

  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  cancel_timeout (self);

  G_OBJECT_CLASS (sy_auth_dir_parent_class)->dispose (object);
}

static void
sy_auth_dir_finalize (GObject *object)
{
  SyAuthDir *self = SY_AUTH_DIR (object);

  g_free (self->path);
  g_hash_table_unref (self->entries);
  g_ptr_array_unref (self->credentials);
  g_hash_table_unref (self->skipped);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sy_auth_dir_parent_class)->finalize (object);
}

static void
sy_auth_dir_class_init (SyAuthDirClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_auth_dir_dispose;
  object_class->finalize = sy_auth_dir_finalize;

  /* A login was added or removed, or its file changed (tokens included). */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_auth_dir_init (SyAuthDir *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  self->credentials = g_ptr_array_new_with_free_func (g_object_unref);
  self->skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->delay_ms = DEFAULT_DELAY_MS;
}

SyAuthDir *
sy_auth_dir_new (const char *path)
{
  SyAuthDir *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SY_TYPE_AUTH_DIR, NULL);
  self->path = g_strdup (path);
  return self;
}

const char *sy_auth_dir_get_path (SyAuthDir *self) { return self->path; }
GPtrArray *sy_auth_dir_get_all (SyAuthDir *self) { return self->credentials; }
GHashTable *sy_auth_dir_get_skipped (SyAuthDir *self) { return self->skipped; }

void
sy_auth_dir_set_delay (SyAuthDir *self,
                       guint      delay_ms)
{
  g_return_if_fail (SY_IS_AUTH_DIR (self));
  self->delay_ms = delay_ms;
}

SyCredential *
sy_auth_dir_lookup (SyAuthDir  *self,
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

static Entry *
entry_of (SyAuthDir    *self,
          SyCredential *credential)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (entry->credential != NULL &&
          (entry->credential == credential ||
           g_strcmp0 (sy_credential_get_id (entry->credential), sy_credential_get_id (credential)) == 0))
        return entry;
    }
  return NULL;
}

const char *
sy_auth_dir_get_file (SyAuthDir    *self,
                      SyCredential *credential)
{
  Entry *entry;

  g_return_val_if_fail (SY_IS_AUTH_DIR (self), NULL);
  entry = entry_of (self, credential);
  /* Only the object we hand out: another source's login may share an id
   * by chance of names, never the object. */
  return entry != NULL && entry->credential == credential ? entry->name : NULL;
}

static void
wipe_free (char *secret)
{
  sy_secret_free (secret);
}

static char *
explicit_label (SyCredential *credential)
{
  g_autoptr(JsonObject) meta = sy_credential_to_json (credential);
  JsonNode *node = json_object_get_member (meta, "label");

  return node != NULL ? g_strdup (json_node_get_string (node)) : NULL;
}

/* The file changed but is the same login: the object everyone holds takes
 * the new content. */
static void
adopt (SyCredential *old,
       SyCredential *fresh)
{
  g_autoptr(JsonObject) old_meta = sy_credential_to_json (old);
  g_autoptr(JsonObject) fresh_meta = sy_credential_to_json (fresh);
  JsonObject *old_extras = json_object_get_object_member (old_meta, "extra");
  JsonObject *fresh_extras = json_object_get_object_member (fresh_meta, "extra");
  g_autoptr(GList) old_names = json_object_get_members (old_extras);
  g_autoptr(GList) fresh_names = json_object_get_members (fresh_extras);
  g_autofree char *label = explicit_label (fresh);

  sy_credential_set_tokens (old, sy_credential_get_access_token (fresh), sy_credential_get_refresh_token (fresh),
                            sy_credential_get_id_token (fresh), sy_credential_get_expires (fresh),
                            sy_credential_get_last_refresh (fresh));
  sy_credential_set_label (old, label);
  sy_credential_set_prefix (old, sy_credential_get_prefix (fresh));
  sy_credential_set_priority (old, sy_credential_get_priority (fresh));
  sy_credential_set_enabled (old, sy_credential_get_enabled (fresh));
  for (GList *l = old_names; l != NULL; l = l->next)
    if (!json_object_has_member (fresh_extras, l->data))
      sy_credential_set_extra (old, l->data, NULL);
  for (GList *l = fresh_names; l != NULL; l = l->next)
    sy_credential_set_extra (old, l->data, json_object_get_string_member (fresh_extras, l->data));
}

typedef enum
{
  READ_SAME,       /* nothing a login depends on changed */
  READ_CHANGED,    /* a login appeared, went, or changed */
  READ_GONE,       /* the file went between listing and reading */
} ReadOutcome;

static ReadOutcome
read_file (SyAuthDir  *self,
           const char *name)
{
  g_autofree char *path = g_build_filename (self->path, name, NULL);
  g_autofree char *identity = g_strconcat ("auth-dir:", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) file = NULL;
  g_autoptr(SyCredential) credential = NULL;
  g_autofree char *sha = NULL;
  Entry *entry = g_hash_table_lookup (self->entries, name);
  gboolean had_login = entry != NULL && entry->credential != NULL;
  char *data = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &data, &length, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return READ_GONE;
      /* Unreadable for now (permissions?): what we had stays. */
      if (entry == NULL)
        g_warning ("auth-dir: %s could not be read: %s", name, error->message);
      return READ_SAME;
    }
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
  if (entry != NULL && g_strcmp0 (entry->sha, sha) == 0)
    {
      wipe_free (data);
      return READ_SAME;
    }
  file = sy_auth_file_parse (data, (gssize) length, &error);
  wipe_free (data);
  if (file != NULL)
    credential = sy_auth_file_to_credential (file, name, identity, &error);

  if (file == NULL && had_login)
    {
      /* Most likely caught half-way through a save: the last good version
       * keeps serving until the file reads again. */
      g_warning ("auth-dir: %s is not readable (%s); its previous content stays in use", name, error->message);
      g_free (entry->sha);
      entry->sha = g_steal_pointer (&sha);
      return READ_SAME;
    }
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->name = g_strdup (name);
      g_hash_table_insert (self->entries, entry->name, entry);
    }
  g_free (entry->sha);
  entry->sha = g_steal_pointer (&sha);
  g_clear_pointer (&entry->json, json_object_unref);
  entry->json = file ? json_object_ref (file) : NULL;
  g_clear_pointer (&entry->skipped, g_free);

  if (credential == NULL)
    {
      g_warning ("auth-dir: %s left out: %s", name, error->message);
      entry->skipped = g_strdup (error->message);
      g_clear_object (&entry->credential);
      return had_login ? READ_CHANGED : READ_SAME;
    }
  if (had_login &&
      g_strcmp0 (sy_credential_get_id (entry->credential), sy_credential_get_id (credential)) == 0 &&
      g_strcmp0 (sy_credential_get_email (entry->credential), sy_credential_get_email (credential)) == 0)
    {
      adopt (entry->credential, credential);
      g_info ("auth-dir: %s changed (%s)", name, sy_credential_get_id (entry->credential));
    }
  else
    {
      g_set_object (&entry->credential, credential);
      g_message ("auth-dir: %s loaded as %s (%s)", name, sy_credential_get_id (credential),
                 sy_credential_get_label (credential));
    }
  return READ_CHANGED;
}

static int
compare_credentials (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  SyAuthDir *self = user_data;

  return g_strcmp0 (sy_auth_dir_get_file (self, *(SyCredential * const *) a),
                    sy_auth_dir_get_file (self, *(SyCredential * const *) b));
}

/* Reads what differs from what we know. *changed: a login appeared, went
 * or changed. */
static gboolean
scan (SyAuthDir  *self,
      gboolean   *changed,
      GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) names = sy_auth_file_list (self->path, &local_error);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer value;

  *changed = FALSE;
  if (names == NULL)
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      names = g_ptr_array_new_with_free_func (g_free);
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      switch (read_file (self, name))
        {
        case READ_CHANGED:
          *changed = TRUE;
          G_GNUC_FALLTHROUGH;
        case READ_SAME:
          g_hash_table_add (seen, (gpointer) name);
          break;
        case READ_GONE:
        default:
          break;
        }
    }
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (g_hash_table_contains (seen, entry->name))
        continue;
      if (entry->credential != NULL)
        {
          g_message ("auth-dir: %s removed (%s)", entry->name, sy_credential_get_id (entry->credential));
          *changed = TRUE;
        }
      g_hash_table_iter_remove (&iter);
    }

  g_ptr_array_set_size (self->credentials, 0);
  g_hash_table_remove_all (self->skipped);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (entry->credential != NULL)
        g_ptr_array_add (self->credentials, g_object_ref (entry->credential));
      else if (entry->skipped != NULL)
        g_hash_table_insert (self->skipped, g_strdup (entry->name), g_strdup (entry->skipped));
    }
  g_ptr_array_sort_with_data (self->credentials, compare_credentials, self);
  return TRUE;
}

gboolean
sy_auth_dir_load (SyAuthDir  *self,
                  GError    **error)
{
  gboolean changed;

  g_return_val_if_fail (SY_IS_AUTH_DIR (self), FALSE);

  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    g_message ("auth-dir %s does not exist (yet): no logins from it", self->path);
  return scan (self, &changed, error);
}

/* Watching ---------------------------------------------------------------- */

static gboolean
on_quiet (gpointer user_data)
{
  SyAuthDir *self = g_object_ref (user_data);   /* a "changed" handler may drop the last reference */
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  g_clear_pointer (&self->timeout, g_source_unref);
  if (!scan (self, &changed, &error))
    g_warning ("auth-dir %s: %s", self->path, error->message);
  else if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
is_json (GFile *file)
{
  g_autofree char *name = file ? g_file_get_basename (file) : NULL;

  return name != NULL && g_str_has_suffix (name, ".json");
}

static void
on_dir_event (GFileMonitor      *monitor,
              GFile             *file,
              GFile             *other_file,
              GFileMonitorEvent  event,
              gpointer           user_data)
{
  SyAuthDir *self = user_data;

  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED || (!is_json (file) && !is_json (other_file)))
    return;
  /* Each event restarts the wait: a save is often several events. */
  cancel_timeout (self);
  self->timeout = g_timeout_source_new (self->delay_ms);
  g_source_set_static_name (self->timeout, "[sy-auth-dir] debounce");
  g_source_set_callback (self->timeout, on_quiet, self, NULL);
  g_source_attach (self->timeout, self->context);
}

gboolean
sy_auth_dir_watch (SyAuthDir  *self,
                   GError    **error)
{
  g_autoptr(GFile) dir = NULL;

  g_return_val_if_fail (SY_IS_AUTH_DIR (self), FALSE);

  if (self->monitor != NULL)
    return TRUE;
  dir = g_file_new_for_path (self->path);
  self->monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
  if (self->monitor == NULL)
    return FALSE;
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  g_signal_connect (self->monitor, "changed", G_CALLBACK (on_dir_event), self);
  return TRUE;
}

/* Writing back ------------------------------------------------------------ */

void
sy_auth_dir_save_async (SyAuthDir           *self,
                        SyCredential        *credential,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) on_disk = NULL;
  g_autoptr(JsonObject) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *disk_sha = NULL;
  Entry *entry = entry_of (self, credential);
  JsonObject *base;
  char *current = NULL;
  char *text;
  gsize current_length = 0;
  gsize length = 0;

  g_task_set_source_tag (task, sy_auth_dir_save_async);
  if (entry == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "%s: its file is no longer in %s", sy_credential_get_id (credential), self->path);
      return;
    }
  path = g_build_filename (self->path, entry->name, NULL);
  base = entry->json;
  /* Someone else wrote it since we read it (CLIProxyAPI, an editor): our
   * tokens go into their version, which the watcher will read again. */
  if (g_file_get_contents (path, &current, &current_length, NULL))
    {
      disk_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) current, current_length);
      if (g_strcmp0 (disk_sha, entry->sha) != 0 && (on_disk = sy_auth_file_parse (current, (gssize) current_length, NULL)) != NULL)
        base = on_disk;
    }
  file = sy_auth_file_from_credential (credential, base, &error);
  if (file == NULL)
    {
      wipe_free (current);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  text = sy_auth_file_to_data (file, &length);
  if (current != NULL && current_length == length && memcmp (current, text, length) == 0)
    {
      /* Unchanged JSON is not rewritten. */
      wipe_free (current);
      wipe_free (text);
      g_task_return_boolean (task, TRUE);
      return;
    }
  wipe_free (current);
  if (!g_file_set_contents_full (path, text, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      wipe_free (text);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (base == entry->json)
    {
      /* Our own write: the watcher will find it unchanged. */
      g_free (entry->sha);
      entry->sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) text, length);
      g_clear_pointer (&entry->json, json_object_unref);
      entry->json = json_object_ref (file);
    }
  wipe_free (text);
  g_info ("auth-dir: renewed tokens written back to %s", entry->name);
  g_task_return_boolean (task, TRUE);
}

gboolean
sy_auth_dir_save_finish (SyAuthDir     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
