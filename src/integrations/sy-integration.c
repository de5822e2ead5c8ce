/* sy-integration.c: apply, preview, restore and status of a tool's setup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sy-config-edit.h"
#include "sy-integration.h"
#include "sy-json-guard.h"
#include "sy-json-write.h"

G_DEFINE_QUARK (sy-integration-error-quark, sy_integration_error)

char *
sy_integration_default_state_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "switchyard", "integrations", NULL);
}

/* Diffs ------------------------------------------------------------------ */

typedef struct
{
  char  op;       /* ' ', '-', '+' */
  guint old_line; /* 0-based */
  guint new_line;
} DiffOp;

/* @text cut after each "\n" (the last line may have none). */
static GPtrArray *
split_lines (const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const char *p = text != NULL ? text : "";

  while (*p != '\0')
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl != NULL ? (gsize) (nl - p) + 1 : strlen (p);

      g_ptr_array_add (lines, g_strndup (p, len));
      p += len;
    }
  return lines;
}

/* The edit script from @a to @b: a longest common subsequence when the
 * table is small enough, else all of @a out and all of @b in. */
static GArray *
diff_ops (GPtrArray *a,
          GPtrArray *b)
{
  GArray *ops = g_array_new (FALSE, FALSE, sizeof (DiffOp));
  guint n = a->len, m = b->len;
  guint i = 0, j = 0;
  guint32 *lcs = NULL;

  if ((guint64) (n + 1) * (m + 1) <= 4000000)
    {
      lcs = g_new0 (guint32, (gsize) (n + 1) * (m + 1));
#define LCS(x, y) lcs[(gsize) (x) * (m + 1) + (y)]
      for (guint x = n; x-- > 0; )
        for (guint y = m; y-- > 0; )
          LCS (x, y) = strcmp (a->pdata[x], b->pdata[y]) == 0
                       ? LCS (x + 1, y + 1) + 1 : MAX (LCS (x + 1, y), LCS (x, y + 1));
    }
  while (i < n || j < m)
    {
      DiffOp op = { ' ', i, j };

      if (lcs != NULL && i < n && j < m && strcmp (a->pdata[i], b->pdata[j]) == 0)
        i++, j++;
      else if (i < n && (j == m || lcs == NULL || LCS (i + 1, j) >= LCS (i, j + 1)))
        op.op = '-', i++;
      else
        op.op = '+', j++;
      g_array_append_val (ops, op);
    }
#undef LCS
  g_free (lcs);
  return ops;
}

static void
append_line (GString    *out,
             char        op,
             const char *line)
{
  g_string_append_c (out, op);
  g_string_append (out, line);
  if (!g_str_has_suffix (line, "\n"))
    g_string_append (out, "\n\\ No newline at end of file\n");
}

char *
sy_integration_diff (const char *label,
                     const char *old_text,
                     const char *new_text)
{
  g_autoptr(GPtrArray) a = split_lines (old_text);
  g_autoptr(GPtrArray) b = split_lines (new_text);
  g_autoptr(GArray) ops = NULL;
  GString *out;
  const guint context = 3;
  guint k = 0;

  if (g_strcmp0 (old_text, new_text) == 0)
    return g_strdup ("");
  ops = diff_ops (a, b);
  out = g_string_new (NULL);
  g_string_append_printf (out, "--- %s\n+++ %s\n", old_text != NULL ? label : "/dev/null", label);
  while (k < ops->len)
    {
      guint first, last, start, end, old_count = 0, new_count = 0;
      DiffOp *s;

      while (k < ops->len && g_array_index (ops, DiffOp, k).op == ' ')
        k++;
      if (k == ops->len)
        break;
      first = last = k;
      /* Changes closer than twice the context share a hunk. */
      for (guint x = k + 1; x < ops->len && x <= last + 2 * context; x++)
        if (g_array_index (ops, DiffOp, x).op != ' ')
          last = x;
      start = first > context ? first - context : 0;
      end = MIN (last + context + 1, ops->len);
      for (guint x = start; x < end; x++)
        {
          char op = g_array_index (ops, DiffOp, x).op;

          old_count += op != '+';
          new_count += op != '-';
        }
      s = &g_array_index (ops, DiffOp, start);
      g_string_append_printf (out, "@@ -%u,%u +%u,%u @@\n",
                              old_count > 0 ? s->old_line + 1 : s->old_line, old_count,
                              new_count > 0 ? s->new_line + 1 : s->new_line, new_count);
      for (guint x = start; x < end; x++)
        {
          DiffOp *op = &g_array_index (ops, DiffOp, x);

          append_line (out, op->op, op->op == '+' ? b->pdata[op->new_line] : a->pdata[op->old_line]);
        }
      k = end;
    }
  return g_string_free (out, FALSE);
}

/* Files ------------------------------------------------------------------ */

/* The file's bytes, or NULL with no error when it does not exist. */
static gboolean
read_optional (const char  *path,
               char       **contents,
               gsize       *len,
               GError     **error)
{
  g_autoptr(GError) local = NULL;

  *contents = NULL;
  if (len != NULL)
    *len = 0;
  if (g_file_get_contents (path, contents, len, &local))
    return TRUE;
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;
  g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO, "%s", local->message);
  return FALSE;
}

static char *
sha256_of (const char *data,
           gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static char *
tool_dir (const SyIntegration        *tool,
          const SyIntegrationContext *context)
{
  return g_build_filename (context->state_dir, tool->id, NULL);
}

static char *
record_path (const SyIntegration        *tool,
             const SyIntegrationContext *context)
{
  return g_build_filename (context->state_dir, tool->id, "record.json", NULL);
}

/* The record's root object, or NULL (no error) when there is none. */
static JsonNode *
record_load (const SyIntegration        *tool,
             const SyIntegrationContext *context,
             GError                    **error)
{
  g_autofree char *path = record_path (tool, context);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (!read_optional (path, &text, NULL, error))
    return NULL;
  if (text == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!sy_json_parser_load (parser, text, -1, &local) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      json_object_get_array_member (json_node_get_object (root), "files") == NULL)
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("the setup record %s is damaged"), path);
      return NULL;
    }
  return json_node_copy (root);
}

static gboolean
write_json (const char  *path,
            JsonNode    *root,
            GError     **error)
{
  g_autofree char *text = sy_json_write_like (root, NULL);

  return sy_config_write_atomic (path, text, strlen (text), error);
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0700) == 0)
    return TRUE;
  g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
               _("cannot create %s: %s"), path, g_strerror (errno));
  return FALSE;
}

typedef struct
{
  char *path;
  char *old_text;   /* NULL: absent */
  gsize old_len;
  char *new_text;
} Planned;

static void
planned_clear (gpointer data)
{
  Planned *p = data;

  g_free (p->path);
  g_free (p->old_text);
  g_free (p->new_text);
}

/* Each file's current and merged text. */
static GArray *
plan (const SyIntegration        *tool,
      const SyIntegrationContext *context,
      GError                    **error)
{
  g_autoptr(GArray) planned = g_array_new (FALSE, TRUE, sizeof (Planned));

  g_array_set_clear_func (planned, planned_clear);
  g_array_set_size (planned, tool->n_files);
  for (guint i = 0; i < tool->n_files; i++)
    {
      Planned *p = &g_array_index (planned, Planned, i);
      g_autoptr(GError) local = NULL;

      p->path = g_build_filename (context->home, tool->files[i].path, NULL);
      if (!read_optional (p->path, &p->old_text, &p->old_len, error))
        return NULL;
      p->new_text = tool->files[i].merge (context, p->old_text, &local);
      if (p->new_text == NULL)
        {
          g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                       "%s: %s", p->path, local->message);
          return NULL;
        }
    }
  return g_steal_pointer (&planned);
}

static gboolean
unchanged (const Planned *p)
{
  return p->old_text != NULL && strlen (p->new_text) == p->old_len &&
         memcmp (p->old_text, p->new_text, p->old_len) == 0;
}

char *
sy_integration_preview (const SyIntegration        *tool,
                        const SyIntegrationContext *context,
                        GError                    **error)
{
  g_autoptr(GArray) planned = plan (tool, context, error);
  GString *out;

  if (planned == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (guint i = 0; i < planned->len; i++)
    {
      Planned *p = &g_array_index (planned, Planned, i);
      g_autofree char *diff = NULL;

      if (unchanged (p))
        continue;
      diff = sy_integration_diff (p->path, p->old_text, p->new_text);
      g_string_append (out, diff);
    }
  return g_string_free (out, FALSE);
}

/* A new, empty backup directory named for now (a suffix when two setups
 * fall in the same second). */
static char *
make_backup_dir (const char  *dir,
                 GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");

  if (!make_dir (dir, error))
    return NULL;
  for (guint n = 0; n < 100; n++)
    {
      g_autofree char *name = n == 0 ? g_strdup (stamp) : g_strdup_printf ("%s-%u", stamp, n);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_mkdir (path, 0700) == 0)
        return g_steal_pointer (&path);
      if (errno != EEXIST)
        {
          g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
                       _("cannot create %s: %s"), path, g_strerror (errno));
          return NULL;
        }
    }
  g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO, _("too many backups in %s this second"), dir);
  return NULL;
}

static JsonObject *
record_file (JsonNode   *record,
             const char *path)
{
  JsonArray *files = json_object_get_array_member (json_node_get_object (record), "files");

  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *file = json_array_get_object_element (files, i);

      if (file != NULL && g_strcmp0 (json_object_get_string_member_with_default (file, "path", NULL), path) == 0)
        return file;
    }
  return NULL;
}

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/* Adds @p's file as it is now to the record's @files: a copy in
 * @backup_dir (0600), or "existed": false. */
static gboolean
record_original (JsonArray      *files,
                 const char     *backup_dir,
                 guint           index,
                 const Planned  *p,
                 GError        **error)
{
  JsonObject *file = json_object_new ();

  json_object_set_string_member (file, "path", p->path);
  json_object_set_boolean_member (file, "existed", p->old_text != NULL);
  if (p->old_text != NULL)
    {
      g_autofree char *base = g_path_get_basename (p->path);
      g_autofree char *name = g_strdup_printf ("%u-%s", index, base);
      g_autofree char *backup = g_build_filename (backup_dir, name, NULL);
      g_autofree char *sum = sha256_of (p->old_text, p->old_len);

      if (!sy_config_write_atomic (backup, p->old_text, p->old_len, error))
        {
          json_object_unref (file);
          return FALSE;
        }
      g_chmod (backup, 0600);
      json_object_set_string_member (file, "backup", backup);
      json_object_set_string_member (file, "backup-sha256", sum);
    }
  json_array_add_object_element (files, file);
  return TRUE;
}

gboolean
sy_integration_apply (const SyIntegration        *tool,
                      const SyIntegrationContext *context,
                      gboolean                   *changed,
                      GError                    **error)
{
  g_autoptr(GArray) planned = plan (tool, context, error);
  g_autoptr(JsonNode) record = NULL;
  g_autofree char *dir = tool_dir (tool, context);
  g_autofree char *rpath = record_path (tool, context);
  g_autofree char *now = now_iso8601 ();
  g_autoptr(GError) local = NULL;
  gboolean any = FALSE;
  JsonObject *root;

  if (changed != NULL)
    *changed = FALSE;
  if (planned == NULL)
    return FALSE;
  for (guint i = 0; i < planned->len; i++)
    any |= !unchanged (&g_array_index (planned, Planned, i));

  record = record_load (tool, context, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (record == NULL && !any)
    return TRUE;   /* set up already by hand: nothing to undo */

  if (record == NULL)
    {
      /* The first setup: every file of the tool as it is now. */
      g_autofree char *backup_dir = make_backup_dir (dir, error);
      JsonArray *files = json_array_new ();

      if (backup_dir == NULL)
        {
          json_array_unref (files);
          return FALSE;
        }
      record = json_node_new (JSON_NODE_OBJECT);
      root = json_object_new ();
      json_node_take_object (record, root);
      json_object_set_string_member (root, "tool", tool->id);
      json_object_set_string_member (root, "applied", now);
      json_object_set_string_member (root, "backup-dir", backup_dir);
      json_object_set_array_member (root, "files", files);
      for (guint i = 0; i < planned->len; i++)
        if (!record_original (files, backup_dir, i, &g_array_index (planned, Planned, i), error))
          return FALSE;
    }
  root = json_node_get_object (record);

  /* The record first, so that a write cut short can still be undone. */
  for (guint i = 0; i < planned->len; i++)
    {
      Planned *p = &g_array_index (planned, Planned, i);
      JsonObject *file = record_file (record, p->path);
      g_autofree char *sum = sha256_of (p->new_text, strlen (p->new_text));

      if (file == NULL)
        {
          /* A file the record does not know (a newer Switchyard writes
           * more): kept as it is before this write. */
          JsonArray *files = json_object_get_array_member (root, "files");
          const char *backup_dir = json_object_get_string_member_with_default (root, "backup-dir", NULL);

          if (backup_dir == NULL || !make_dir (backup_dir, error) ||
              !record_original (files, backup_dir, json_array_get_length (files), p, error))
            return FALSE;
          file = record_file (record, p->path);
        }
      json_object_set_string_member (file, "sha256", sum);
    }
  json_object_set_string_member (root, "updated", now);
  if (!write_json (rpath, record, error))
    return FALSE;

  for (guint i = 0; i < planned->len; i++)
    {
      Planned *p = &g_array_index (planned, Planned, i);
      g_autofree char *parent = g_path_get_dirname (p->path);

      if (unchanged (p))
        continue;
      if (!make_dir (parent, error) ||
          !sy_config_write_atomic (p->path, p->new_text, strlen (p->new_text), error))
        return FALSE;
      if (changed != NULL)
        *changed = TRUE;
    }
  return TRUE;
}

/* The paths in the record whose file is not what setup wrote. */
static GPtrArray *
changed_files (JsonNode *record)
{
  JsonArray *files = json_object_get_array_member (json_node_get_object (record), "files");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *file = json_array_get_object_element (files, i);
      const char *path = json_object_get_string_member_with_default (file, "path", NULL);
      const char *want = json_object_get_string_member_with_default (file, "sha256", NULL);
      g_autofree char *text = NULL;
      g_autofree char *sum = NULL;
      gsize len;

      if (path == NULL)
        continue;
      if (!g_file_get_contents (path, &text, &len, NULL))
        {
          g_ptr_array_add (out, g_strdup (path));
          continue;
        }
      sum = sha256_of (text, len);
      if (g_strcmp0 (sum, want) != 0)
        g_ptr_array_add (out, g_strdup (path));
    }
  return out;
}

gboolean
sy_integration_restore (const SyIntegration        *tool,
                        const SyIntegrationContext *context,
                        gboolean                    force,
                        GError                    **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) record = record_load (tool, context, &local);
  g_autoptr(GPtrArray) changed = NULL;
  g_autofree char *rpath = record_path (tool, context);
  g_autofree char *list = NULL;
  JsonArray *files;

  if (record == NULL)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_NOT_CONNECTED,
                     _("%s was not set up by Switchyard: nothing to restore"), tool->title);
      return FALSE;
    }
  changed = changed_files (record);
  if (changed->len > 0 && !force)
    {
      g_ptr_array_add (changed, NULL);
      list = g_strjoinv (", ", (char **) changed->pdata);
      /* Translators: the files that changed, then the tool's name */
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_CHANGED,
                   _("%s changed since the setup (%s); restoring would lose those changes "
                   "(restore with force to do it anyway)"), list, tool->title);
      return FALSE;
    }

  /* Check every backup before touching any file. */
  files = json_object_get_array_member (json_node_get_object (record), "files");
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *file = json_array_get_object_element (files, i);
      const char *backup = json_object_get_string_member_with_default (file, "backup", NULL);
      const char *want = json_object_get_string_member_with_default (file, "backup-sha256", NULL);
      g_autofree char *text = NULL;
      g_autofree char *sum = NULL;
      gsize len;

      if (!json_object_get_boolean_member_with_default (file, "existed", FALSE))
        continue;
      if (backup == NULL || !g_file_get_contents (backup, &text, &len, NULL) ||
          g_strcmp0 (sum = sha256_of (text, len), want) != 0)
        {
          /* Translators: the tool's file, then its backup's path */
          g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
                       _("the backup of %s (%s) is missing or damaged; nothing restored"),
                       json_object_get_string_member_with_default (file, "path", "?"),
                       backup != NULL ? backup : "none");
          return FALSE;
        }
    }

  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *file = json_array_get_object_element (files, i);
      const char *path = json_object_get_string_member_with_default (file, "path", NULL);
      const char *backup = json_object_get_string_member_with_default (file, "backup", NULL);

      if (path == NULL)
        continue;
      if (json_object_get_boolean_member_with_default (file, "existed", FALSE))
        {
          g_autofree char *text = NULL;
          gsize len;

          if (!g_file_get_contents (backup, &text, &len, &local) ||
              !sy_config_write_atomic (path, text, len, &local))
            {
              g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
                           _("restoring %s: %s"), path, local->message);
              return FALSE;
            }
        }
      else if (g_unlink (path) != 0 && errno != ENOENT)
        {
          g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
                       _("cannot delete %s: %s"), path, g_strerror (errno));
          return FALSE;
        }
    }
  /* The backups stay (the user's files as they were); the record goes,
   * so the tool shows as not connected. */
  if (g_unlink (rpath) != 0 && errno != ENOENT)
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_IO,
                   _("cannot delete %s: %s"), rpath, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

SyIntegrationState
sy_integration_status (const SyIntegration        *tool,
                       const SyIntegrationContext *context,
                       char                      **since)
{
  g_autoptr(JsonNode) record = record_load (tool, context, NULL);
  g_autoptr(GPtrArray) changed = NULL;

  if (since != NULL)
    *since = NULL;
  if (record == NULL)
    return SY_INTEGRATION_NOT_CONNECTED;
  if (since != NULL)
    *since = g_strdup (json_object_get_string_member_with_default (json_node_get_object (record),
                                                                    "applied", NULL));
  changed = changed_files (record);
  return changed->len > 0 ? SY_INTEGRATION_CHANGED : SY_INTEGRATION_CONNECTED;
}
