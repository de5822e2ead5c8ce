/* sy-mappings-window.c: the Model mappings window
 *
 * Two tables of config.yaml: model-mappings (a requested model served as
 * another) and oauth-model-alias (per channel, an upstream model listed
 * under another name). Rows are edited in place; a change is checked
 * (targets against the models the accounts serve, regular expressions
 * compiled) and written through sy_service_edit_config() a moment after
 * typing stops, at once on Enter, Add or Remove. A hand edit of the file
 * refills a table unless it holds changes not written yet.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "sy-app-util.h"
#include "sy-config-edit.h"
#include "sy-json-guard.h"
#include "sy-mappings-window.h"
#include "sy-model-alias.h"
#include "sy-service-logins.h"

/* How long typing must pause before a change is written. */
#define SAVE_DELAY_MS 700

typedef enum
{
  TABLE_MAPPINGS,
  TABLE_ALIASES,
  N_TABLES
} TableKind;

static const char * const table_keys[N_TABLES] = { "model-mappings", "oauth-model-alias" };

/* The channels oauth-model-alias may name (sy-model-alias.h). */
static const char * const alias_channels[] = {
  "antigravity", "claude", "codex", "gemini-cli", "vertex", "aistudio", "qwen", "iflow", "kimi", "xai",
};

typedef struct
{
  GtkListBox *list;
  GtkLabel   *status;
  guint       save_id;   /* the pending debounced save */
  gboolean    dirty;     /* rows differ from the file */
  char       *disk;      /* the file's value (JSON text) the rows were filled from or saved as */
} Table;

struct _SyMappingsWindow
{
  GtkApplicationWindow parent_instance;

  SyService      *service;
  gulong          reloaded_id;
  GHashTable     *model_ids;     /* lower-cased ids the accounts serve */
  GtkListStore   *model_store;   /* the same, for completions */
  GHashTable     *channel_stores; /* channel → GtkListStore of its catalogue's ids */
  GtkSizeGroup   *flag_group;
  GtkSizeGroup   *button_group;
  GtkSizeGroup   *channel_group;
  Table           tables[N_TABLES];
  gboolean        writing;       /* our own edit is being reloaded */

  GtkInfoBar     *info_bar;
  GtkLabel       *info_label;
  GtkWidget      *use_file_button;
  GtkListBox     *mappings_list;
  GtkListBox     *aliases_list;
  GtkLabel       *mappings_status;
  GtkLabel       *aliases_status;
  GtkEntry       *new_from_entry;
  GtkEntry       *new_to_entry;
  GtkToggleButton *new_regex_check;
  GtkWidget      *add_mapping_button;
  GtkComboBoxText *new_channel_combo;
  GtkEntry       *new_name_entry;
  GtkEntry       *new_alias_entry;
  GtkToggleButton *new_fork_check;
  GtkWidget      *add_alias_button;
  GtkWidget      *import_button;
  GtkWidget      *export_button;
  GtkWidget      *mappings_header;
  GtkWidget      *aliases_header;
  GtkWidget      *mappings_header_flag;
  GtkWidget      *mappings_header_button;
  GtkWidget      *aliases_header_channel;
  GtkWidget      *aliases_header_flag;
  GtkWidget      *aliases_header_button;
};

G_DEFINE_FINAL_TYPE (SyMappingsWindow, sy_mappings_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One row of either table, kept on its GtkListBoxRow. */
typedef struct
{
  SyMappingsWindow *self;
  TableKind         kind;
  GtkEntry         *left;          /* from / name */
  GtkEntry         *right;         /* to / alias */
  GtkToggleButton  *flag;          /* regex / fork */
  GtkWidget        *remove;
  char             *channel;       /* aliases only */
  char             *loaded_right;  /* the target as the file had it; NULL for rows made here */
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->channel);
  g_free (row->loaded_right);
  g_free (row);
}

static void schedule_save (SyMappingsWindow *self,
                           TableKind         kind,
                           gboolean          now);

/* -- Checks ---------------------------------------------------------------- */

/* A thinking suffix ("x(high)") goes with the request, not the name. */
static char *
model_key (const char *model)
{
  g_autofree char *lower = g_ascii_strdown (model, -1);
  const char *open = strrchr (lower, '(');

  if (open != NULL && open != lower && g_str_has_suffix (lower, ")"))
    return g_strndup (lower, open - lower);
  return g_steal_pointer (&lower);
}

static gboolean
is_served (SyMappingsWindow *self,
           const char       *model)
{
  g_autofree char *key = model_key (model);

  return g_hash_table_contains (self->model_ids, key);
}

static void
mark_entry (GtkEntry   *entry,
            const char *problem)
{
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (entry));

  if (problem != NULL)
    {
      gtk_style_context_add_class (style, GTK_STYLE_CLASS_ERROR);
      gtk_entry_set_icon_from_icon_name (entry, GTK_ENTRY_ICON_SECONDARY, "dialog-warning-symbolic");
      gtk_entry_set_icon_tooltip_text (entry, GTK_ENTRY_ICON_SECONDARY, problem);
      gtk_widget_set_tooltip_text (GTK_WIDGET (entry), problem);
    }
  else
    {
      gtk_style_context_remove_class (style, GTK_STYLE_CLASS_ERROR);
      gtk_entry_set_icon_from_icon_name (entry, GTK_ENTRY_ICON_SECONDARY, NULL);
      gtk_widget_set_tooltip_text (GTK_WIDGET (entry), NULL);
    }
}

/* What is wrong with a mapping, in the person's words, for each side (NULL
 * when fine). A target no account serves is refused for what is typed
 * here, and only pointed out for what the file already had (an account
 * gone for a while should not lock the table). */
static gboolean
check_mapping (SyMappingsWindow  *self,
               const char        *from,
               const char        *to,
               gboolean           regex,
               const char        *loaded_to,
               char             **from_problem,
               char             **to_problem)
{
  gboolean ok = TRUE;

  *from_problem = NULL;
  *to_problem = NULL;
  if (from == NULL || *from == '\0')
    {
      *from_problem = g_strdup (_("Type the model name a client asks for"));
      ok = FALSE;
    }
  else if (regex)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GRegex) compiled = g_regex_new (from, 0, 0, &error);

      if (compiled == NULL)
        {
          *from_problem = g_strdup_printf (_("Not a valid regular expression: %s"), error->message);
          ok = FALSE;
        }
    }

  if (to == NULL || *to == '\0')
    {
      *to_problem = g_strdup (_("Type the model that serves these requests"));
      ok = FALSE;
    }
  else if (!is_served (self, to))
    {
      if (loaded_to != NULL && g_ascii_strcasecmp (loaded_to, to) == 0)
        *to_problem = g_strdup_printf (_("No account serves “%s” now: this mapping does nothing until one does"), to);
      else
        {
          if (g_hash_table_size (self->model_ids) == 0)
            *to_problem = g_strdup (_("No account serves any model yet: sign in or add an API key first"));
          else
            *to_problem = g_strdup_printf (_("No account serves “%s”: pick a model from the suggestions"), to);
          ok = FALSE;
        }
    }
  return ok;
}

static gboolean
check_alias (const char  *channel,
             const char  *name,
             const char  *alias,
             GHashTable  *seen,
             char       **name_problem,
             char       **alias_problem)
{
  gboolean ok = TRUE;

  *name_problem = NULL;
  *alias_problem = NULL;
  if (!sy_model_alias_channel_is_known (channel))
    {
      *name_problem = g_strdup_printf (_("“%s” is not a provider that signs in"), channel);
      ok = FALSE;
    }
  else if (name == NULL || *name == '\0')
    {
      *name_problem = g_strdup (_("Type the model’s upstream name"));
      ok = FALSE;
    }
  if (alias == NULL || *alias == '\0')
    {
      *alias_problem = g_strdup (_("Type the name clients should see"));
      ok = FALSE;
    }
  else if (name != NULL && g_ascii_strcasecmp (name, alias) == 0)
    {
      *alias_problem = g_strdup (_("An alias must differ from the model’s name"));
      ok = FALSE;
    }
  else if (seen != NULL)
    {
      g_autofree char *both = g_strdup_printf ("%s\n%s", channel, alias);
      char *key = g_ascii_strdown (both, -1);

      if (g_hash_table_contains (seen, key))
        {
          *alias_problem = g_strdup (_("This provider already has this alias"));
          g_free (key);
          ok = FALSE;
        }
      else
        g_hash_table_add (seen, key);
    }
  return ok;
}

static GList *
table_rows (SyMappingsWindow *self,
            TableKind         kind)
{
  GList *children = gtk_container_get_children (GTK_CONTAINER (self->tables[kind].list));
  GList *rows = NULL;

  for (GList *l = children; l != NULL; l = l->next)
    {
      Row *row = g_object_get_data (l->data, "sy-row");

      if (row != NULL)
        rows = g_list_prepend (rows, row);
    }
  g_list_free (children);
  return g_list_reverse (rows);
}

/* Marks every row; TRUE when the table may be written. */
static gboolean
check_table (SyMappingsWindow *self,
             TableKind         kind)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GList *rows = table_rows (self, kind);
  gboolean ok = TRUE;

  for (GList *l = rows; l != NULL; l = l->next)
    {
      Row *row = l->data;
      g_autofree char *left_problem = NULL;
      g_autofree char *right_problem = NULL;

      if (kind == TABLE_MAPPINGS)
        {
          const char *from = gtk_entry_get_text (row->left);

          ok &= check_mapping (self, from, gtk_entry_get_text (row->right),
                               gtk_toggle_button_get_active (row->flag), row->loaded_right,
                               &left_problem, &right_problem);
          /* Allowed, but never used: the first line for a name decides. */
          if (left_problem == NULL && !gtk_toggle_button_get_active (row->flag) && *from != '\0')
            {
              char *key = g_ascii_strdown (from, -1);

              if (g_hash_table_contains (seen, key))
                {
                  left_problem = g_strdup_printf (_("An earlier line maps “%s” already: this one is never used"),
                                                  from);
                  g_free (key);
                }
              else
                g_hash_table_add (seen, key);
            }
        }
      else
        ok &= check_alias (row->channel, gtk_entry_get_text (row->left),
                           gtk_entry_get_text (row->right), seen, &left_problem, &right_problem);
      mark_entry (row->left, left_problem);
      mark_entry (row->right, right_problem);
    }
  g_list_free (rows);
  return ok;
}

/* -- Values ---------------------------------------------------------------- */

static JsonNode *
mappings_value (SyMappingsWindow *self)
{
  g_autoptr(JsonArray) array = json_array_new ();
  GList *rows = table_rows (self, TABLE_MAPPINGS);
  JsonNode *node;

  for (GList *l = rows; l != NULL; l = l->next)
    {
      Row *row = l->data;
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "from", gtk_entry_get_text (row->left));
      json_object_set_string_member (o, "to", gtk_entry_get_text (row->right));
      if (gtk_toggle_button_get_active (row->flag))
        json_object_set_boolean_member (o, "regex", TRUE);
      json_array_add_object_element (array, o);
    }
  g_list_free (rows);
  if (json_array_get_length (array) == 0)
    return NULL;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, array);
  return node;
}

static JsonNode *
aliases_value (SyMappingsWindow *self)
{
  g_autoptr(JsonObject) channels = json_object_new ();
  GList *rows = table_rows (self, TABLE_ALIASES);
  JsonNode *node;

  for (GList *l = rows; l != NULL; l = l->next)
    {
      Row *row = l->data;
      JsonObject *o = json_object_new ();
      JsonArray *list;

      if (!json_object_has_member (channels, row->channel))
        json_object_set_array_member (channels, row->channel, json_array_new ());
      list = json_object_get_array_member (channels, row->channel);
      json_object_set_string_member (o, "name", gtk_entry_get_text (row->left));
      json_object_set_string_member (o, "alias", gtk_entry_get_text (row->right));
      if (gtk_toggle_button_get_active (row->flag))
        json_object_set_boolean_member (o, "fork", TRUE);
      json_array_add_object_element (list, o);
    }
  g_list_free (rows);
  if (json_object_get_size (channels) == 0)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, channels);
  return node;
}

static JsonNode *
table_value (SyMappingsWindow *self,
             TableKind         kind)
{
  return kind == TABLE_MAPPINGS ? mappings_value (self) : aliases_value (self);
}

/* The file's value of @kind as text, to tell whether a reload changed it. */
static char *
disk_value (SyMappingsWindow *self,
            TableKind         kind)
{
  JsonNode *node = sy_config_lookup (sy_service_get_config (self->service), table_keys[kind]);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  return json_to_string (node, FALSE);
}

static gboolean
json_truthy (JsonObject *o,
             const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strcasecmp (json_node_get_string (node), "true") == 0;
  return FALSE;
}

/* -- Messages -------------------------------------------------------------- */

static void
show_info (SyMappingsWindow *self,
           GtkMessageType    type,
           const char       *text,
           gboolean          offer_file)
{
  gtk_info_bar_set_message_type (self->info_bar, type);
  gtk_label_set_text (self->info_label, text);
  gtk_widget_set_visible (self->use_file_button, offer_file);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
}

static void
hide_info (SyMappingsWindow *self)
{
  gtk_info_bar_set_revealed (self->info_bar, FALSE);
}

static void
set_status (SyMappingsWindow *self,
            TableKind         kind)
{
  Table *table = &self->tables[kind];
  const char *path = sy_service_get_config_path (self->service);
  g_autofree char *text = NULL;

  if (table->dirty && table->save_id == 0)
    text = g_strdup (_("Not saved yet: correct the marked entries."));
  else if (path != NULL)
    {
      g_autofree char *shown = g_filename_display_name (path);

      text = g_strdup_printf (_("Changes are saved to %s as you type."), shown);
    }
  else
    text = g_strdup (_("This configuration has no file: changes cannot be saved."));
  gtk_label_set_text (table->status, text);
  /* Column titles over rows; the placeholder explains an empty table. */
  {
    GList *rows = table_rows (self, kind);

    gtk_widget_set_visible (kind == TABLE_MAPPINGS ? self->mappings_header : self->aliases_header,
                            rows != NULL);
    g_list_free (rows);
  }
}

/* -- Saving ---------------------------------------------------------------- */

static gboolean
save_table (SyMappingsWindow *self,
            TableKind         kind)
{
  Table *table = &self->tables[kind];
  const char *path[] = { table_keys[kind], NULL };
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  GList *rows;

  g_clear_handle_id (&table->save_id, g_source_remove);
  if (!check_table (self, kind))
    {
      table->dirty = TRUE;
      set_status (self, kind);
      return FALSE;
    }

  value = table_value (self, kind);
  self->writing = TRUE;
  ok = sy_service_edit_config (self->service, path, value, &error);
  self->writing = FALSE;
  if (!ok)
    {
      g_autofree char *text = g_strdup_printf (_("The change could not be saved: %s"), error->message);

      table->dirty = TRUE;
      show_info (self, GTK_MESSAGE_ERROR, text, FALSE);
      set_status (self, kind);
      return FALSE;
    }

  table->dirty = FALSE;
  g_free (table->disk);
  table->disk = disk_value (self, kind);
  /* What is written now counts as the file's. */
  rows = table_rows (self, kind);
  for (GList *l = rows; l != NULL; l = l->next)
    {
      Row *row = l->data;

      g_free (row->loaded_right);
      row->loaded_right = g_strdup (gtk_entry_get_text (row->right));
    }
  g_list_free (rows);
  if (gtk_info_bar_get_message_type (self->info_bar) == GTK_MESSAGE_ERROR)
    hide_info (self);
  set_status (self, kind);
  return TRUE;
}

typedef struct
{
  SyMappingsWindow *self;
  TableKind         kind;
} SaveLater;

static gboolean
save_later_cb (gpointer data)
{
  SaveLater *later = data;

  later->self->tables[later->kind].save_id = 0;
  save_table (later->self, later->kind);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (SyMappingsWindow *self,
               TableKind         kind,
               gboolean          now)
{
  Table *table = &self->tables[kind];
  SaveLater *later;

  table->dirty = TRUE;
  g_clear_handle_id (&table->save_id, g_source_remove);
  if (now)
    {
      save_table (self, kind);
      return;
    }
  /* Marks follow the typing; the file waits for a pause. */
  check_table (self, kind);
  later = g_new (SaveLater, 1);
  later->self = self;
  later->kind = kind;
  table->save_id = g_timeout_add_full (G_PRIORITY_DEFAULT, SAVE_DELAY_MS, save_later_cb, later, g_free);
  set_status (self, kind);
}

/* -- Rows ------------------------------------------------------------------ */

/* The remove button says what it removes, as the row says it now. */
static void
name_remove_button (Row *row)
{
  g_autofree char *name = NULL;

  name = row->kind == TABLE_MAPPINGS
         ? g_strdup_printf (_("Remove the mapping of %s"), gtk_entry_get_text (row->left))
         : g_strdup_printf (_("Remove the alias %s"), gtk_entry_get_text (row->right));
  gtk_widget_set_tooltip_text (row->remove, name);
  atk_object_set_name (gtk_widget_get_accessible (row->remove), name);
}

static void
on_row_changed (Row *row)
{
  name_remove_button (row);
  schedule_save (row->self, row->kind, FALSE);
}

static void
on_row_activate (Row *row)
{
  schedule_save (row->self, row->kind, TRUE);
}

static void
on_row_remove (GtkButton *button,
               Row       *row)
{
  SyMappingsWindow *self = row->self;
  TableKind kind = row->kind;
  GtkWidget *list_row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  gtk_widget_destroy (list_row);
  schedule_save (self, kind, TRUE);
}

static gboolean
match_anywhere (GtkEntryCompletion *completion,
                const char         *key,
                GtkTreeIter        *iter,
                gpointer            user_data)
{
  GtkTreeModel *model = gtk_entry_completion_get_model (completion);
  g_autofree char *id = NULL;
  g_autofree char *folded = NULL;

  gtk_tree_model_get (model, iter, 0, &id, -1);
  if (id == NULL)
    return FALSE;
  /* @key comes normalized and case-folded. */
  folded = g_utf8_casefold (id, -1);
  return strstr (folded, key) != NULL;
}

/* The upstream names an alias of @channel may rename, for suggestions. */
static GtkListStore *
channel_store (SyMappingsWindow *self,
               const char       *channel)
{
  GtkListStore *store = g_hash_table_lookup (self->channel_stores, channel);

  if (store == NULL)
    {
      g_auto(GStrv) ids = sy_service_dup_catalogue_ids (self->service, channel);

      store = gtk_list_store_new (1, G_TYPE_STRING);
      for (guint i = 0; ids[i] != NULL; i++)
        gtk_list_store_insert_with_values (store, NULL, -1, 0, ids[i], -1);
      g_hash_table_insert (self->channel_stores, g_strdup (channel), store);
    }
  return store;
}

static void
add_completion (GtkEntry     *entry,
                GtkListStore *store)
{
  g_autoptr(GtkEntryCompletion) completion = gtk_entry_completion_new ();

  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (store));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_match_func (completion, match_anywhere, NULL, NULL);
  gtk_entry_set_completion (entry, completion);
}

static void
add_model_completion (SyMappingsWindow *self,
                      GtkEntry         *entry)
{
  add_completion (entry, self->model_store);
}

static GtkWidget *
new_entry (const char *text,
           const char *accessible_name)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_text (GTK_ENTRY (entry), text);
  gtk_widget_set_hexpand (entry, TRUE);
  atk_object_set_name (gtk_widget_get_accessible (entry), accessible_name);
  return entry;
}

static void
add_row (SyMappingsWindow *self,
         TableKind         kind,
         const char       *channel,
         const char       *left,
         const char       *right,
         gboolean          flag,
         gboolean          from_file)
{
  GtkWidget *list_row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *arrow = gtk_label_new ("→");
  GtkWidget *check;
  GtkWidget *remove_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic", GTK_ICON_SIZE_BUTTON);
  Row *row = g_new0 (Row, 1);

  row->self = self;
  row->kind = kind;
  row->channel = g_strdup (channel);
  row->loaded_right = from_file ? g_strdup (right) : NULL;
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (list_row), FALSE);
  g_object_set (box, "margin-start", 12, "margin-end", 12, "margin-top", 6, "margin-bottom", 6, NULL);

  if (kind == TABLE_ALIASES)
    {
      GtkWidget *label = gtk_label_new (channel);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_tooltip_text (label, _("Provider channel"));
      gtk_size_group_add_widget (self->channel_group, label);
      gtk_container_add (GTK_CONTAINER (box), label);
    }

  row->left = GTK_ENTRY (new_entry (left, kind == TABLE_MAPPINGS ? _("Requested model") : _("Upstream model")));
  row->right = GTK_ENTRY (new_entry (right, kind == TABLE_MAPPINGS ? _("Served as") : _("Alias")));
  if (kind == TABLE_MAPPINGS)
    add_model_completion (self, row->right);
  else if (sy_model_alias_channel_is_known (channel))
    add_completion (row->left, channel_store (self, channel));
  gtk_style_context_add_class (gtk_widget_get_style_context (arrow), GTK_STYLE_CLASS_DIM_LABEL);

  check = gtk_check_button_new_with_label (kind == TABLE_MAPPINGS ? _("Regex") : _("Keep original"));
  gtk_widget_set_tooltip_text (check, kind == TABLE_MAPPINGS
                               ? _("The requested model is a regular expression (matched anywhere unless anchored)")
                               : _("List the upstream name as well as the alias"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), flag);
  row->flag = GTK_TOGGLE_BUTTON (check);
  gtk_size_group_add_widget (self->flag_group, check);

  row->remove = remove;
  name_remove_button (row);
  gtk_button_set_relief (GTK_BUTTON (remove), GTK_RELIEF_NONE);
  gtk_widget_set_halign (remove, GTK_ALIGN_CENTER);
  gtk_box_set_center_widget (GTK_BOX (remove_box), remove);
  gtk_size_group_add_widget (self->button_group, remove_box);

  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (row->left));
  gtk_container_add (GTK_CONTAINER (box), arrow);
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (row->right));
  gtk_container_add (GTK_CONTAINER (box), check);
  gtk_container_add (GTK_CONTAINER (box), remove_box);
  gtk_container_add (GTK_CONTAINER (list_row), box);
  g_object_set_data_full (G_OBJECT (list_row), "sy-row", row, row_free);

  g_signal_connect_swapped (row->left, "changed", G_CALLBACK (on_row_changed), row);
  g_signal_connect_swapped (row->right, "changed", G_CALLBACK (on_row_changed), row);
  g_signal_connect_swapped (row->left, "activate", G_CALLBACK (on_row_activate), row);
  g_signal_connect_swapped (row->right, "activate", G_CALLBACK (on_row_activate), row);
  g_signal_connect_swapped (check, "toggled", G_CALLBACK (on_row_activate), row);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_row_remove), row);

  gtk_widget_show_all (list_row);
  gtk_container_add (GTK_CONTAINER (self->tables[kind].list), list_row);
}

static void
clear_table (SyMappingsWindow *self,
             TableKind         kind)
{
  GList *children = gtk_container_get_children (GTK_CONTAINER (self->tables[kind].list));

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (children);
}

static void
add_mapping_rows (SyMappingsWindow *self,
                  JsonNode         *list,
                  gboolean          from_file,
                  gboolean          only_new)
{
  for (guint i = 0; list != NULL && JSON_NODE_HOLDS_ARRAY (list) &&
                    i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (list), i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *from = o ? json_object_get_string_member_with_default (o, "from", "") : NULL;
      const char *to = o ? json_object_get_string_member_with_default (o, "to", "") : NULL;
      gboolean regex = o ? json_truthy (o, "regex") : FALSE;
      gboolean there = FALSE;

      if (o == NULL)
        continue;
      if (only_new)
        {
          GList *rows = table_rows (self, TABLE_MAPPINGS);

          for (GList *l = rows; l != NULL && !there; l = l->next)
            {
              Row *row = l->data;

              there = g_ascii_strcasecmp (gtk_entry_get_text (row->left), from) == 0 &&
                      gtk_toggle_button_get_active (row->flag) == regex;
            }
          g_list_free (rows);
        }
      if (!there)
        add_row (self, TABLE_MAPPINGS, NULL, from, to, regex, from_file);
    }
}

static void
add_alias_rows (SyMappingsWindow *self,
                JsonNode         *map,
                gboolean          from_file,
                gboolean          only_new)
{
  JsonObjectIter iter;
  const char *channel;
  JsonNode *list;

  if (map == NULL || !JSON_NODE_HOLDS_OBJECT (map))
    return;
  json_object_iter_init (&iter, json_node_get_object (map));
  while (json_object_iter_next (&iter, &channel, &list))
    {
      g_autofree char *lower = g_ascii_strdown (channel, -1);

      for (guint i = 0; JSON_NODE_HOLDS_ARRAY (list) &&
                        i < json_array_get_length (json_node_get_array (list)); i++)
        {
          JsonNode *item = json_array_get_element (json_node_get_array (list), i);
          JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          const char *name = o ? json_object_get_string_member_with_default (o, "name", "") : NULL;
          const char *alias = o ? json_object_get_string_member_with_default (o, "alias", "") : NULL;
          gboolean there = FALSE;

          if (o == NULL)
            continue;
          if (only_new)
            {
              GList *rows = table_rows (self, TABLE_ALIASES);

              for (GList *l = rows; l != NULL && !there; l = l->next)
                {
                  Row *row = l->data;

                  there = g_strcmp0 (row->channel, lower) == 0 &&
                          g_ascii_strcasecmp (gtk_entry_get_text (row->right), alias) == 0;
                }
              g_list_free (rows);
            }
          if (!there)
            add_row (self, TABLE_ALIASES, lower, name, alias, json_truthy (o, "fork"), from_file);
        }
    }
}

/* Shows what the file holds now. */
static void
fill_table (SyMappingsWindow *self,
            TableKind         kind)
{
  Table *table = &self->tables[kind];
  JsonNode *node = sy_config_lookup (sy_service_get_config (self->service), table_keys[kind]);

  g_clear_handle_id (&table->save_id, g_source_remove);
  clear_table (self, kind);
  if (kind == TABLE_MAPPINGS)
    add_mapping_rows (self, node, TRUE, FALSE);
  else
    add_alias_rows (self, node, TRUE, FALSE);
  table->dirty = FALSE;
  g_free (table->disk);
  table->disk = disk_value (self, kind);
  check_table (self, kind);
  set_status (self, kind);
}

/* -- The catalog ----------------------------------------------------------- */

static void
load_model_ids (SyMappingsWindow *self)
{
  g_auto(GStrv) ids = sy_service_dup_model_ids (self->service);
  GHashTableIter iter;
  gpointer channel;
  gpointer store;

  /* A model-catalog change may have changed the channels' lists. */
  g_hash_table_iter_init (&iter, self->channel_stores);
  while (g_hash_table_iter_next (&iter, &channel, &store))
    {
      g_auto(GStrv) names = sy_service_dup_catalogue_ids (self->service, channel);

      gtk_list_store_clear (store);
      for (guint i = 0; names[i] != NULL; i++)
        gtk_list_store_insert_with_values (store, NULL, -1, 0, names[i], -1);
    }

  g_hash_table_remove_all (self->model_ids);
  gtk_list_store_clear (self->model_store);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_hash_table_add (self->model_ids, g_ascii_strdown (ids[i], -1));
      gtk_list_store_insert_with_values (self->model_store, NULL, -1, 0, ids[i], -1);
    }
}

static void
on_reloaded (SyMappingsWindow *self)
{
  gboolean kept = FALSE;

  load_model_ids (self);
  for (guint kind = 0; kind < N_TABLES; kind++)
    {
      Table *table = &self->tables[kind];
      g_autofree char *disk = disk_value (self, kind);

      if (self->writing || g_strcmp0 (disk, table->disk) == 0)
        {
          /* Our own edit, or another key changed: the rows stand; the
           * targets they name may have come or gone. */
          if (!self->writing)
            check_table (self, kind);
          continue;
        }
      if (table->dirty)
        {
          /* Saving these will replace what the file says now. */
          g_free (table->disk);
          table->disk = g_steal_pointer (&disk);
          kept = TRUE;
          continue;
        }
      fill_table (self, kind);
    }
  if (kept)
    show_info (self, GTK_MESSAGE_WARNING,
               _("config.yaml was changed outside this window. Your changes not saved yet are kept here; "
                 "saving them replaces what the file says."), TRUE);
}

/* -- The forms ------------------------------------------------------------- */

static void
on_new_entry_changed (SyMappingsWindow *self)
{
  /* Marks from a refused Add go as soon as the person corrects. */
  mark_entry (self->new_from_entry, NULL);
  mark_entry (self->new_to_entry, NULL);
  mark_entry (self->new_name_entry, NULL);
  mark_entry (self->new_alias_entry, NULL);
}

static void
on_add_mapping_clicked (SyMappingsWindow *self)
{
  g_autofree char *from = g_strstrip (g_strdup (gtk_entry_get_text (self->new_from_entry)));
  g_autofree char *to = g_strstrip (g_strdup (gtk_entry_get_text (self->new_to_entry)));
  gboolean regex = gtk_toggle_button_get_active (self->new_regex_check);
  g_autofree char *from_problem = NULL;
  g_autofree char *to_problem = NULL;

  if (!check_mapping (self, from, to, regex, NULL, &from_problem, &to_problem))
    {
      mark_entry (self->new_from_entry, from_problem);
      mark_entry (self->new_to_entry, to_problem);
      gtk_widget_grab_focus (GTK_WIDGET (from_problem != NULL ? self->new_from_entry : self->new_to_entry));
      return;
    }
  add_row (self, TABLE_MAPPINGS, NULL, from, to, regex, FALSE);
  if (save_table (self, TABLE_MAPPINGS))
    {
      gtk_entry_set_text (self->new_from_entry, "");
      gtk_entry_set_text (self->new_to_entry, "");
      gtk_toggle_button_set_active (self->new_regex_check, FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self->new_from_entry));
    }
}

static void
on_add_alias_clicked (SyMappingsWindow *self)
{
  const char *channel = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->new_channel_combo));
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->new_name_entry)));
  g_autofree char *alias = g_strstrip (g_strdup (gtk_entry_get_text (self->new_alias_entry)));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *name_problem = NULL;
  g_autofree char *alias_problem = NULL;
  GList *rows = table_rows (self, TABLE_ALIASES);

  for (GList *l = rows; l != NULL; l = l->next)
    {
      Row *row = l->data;
      g_autofree char *both = g_strdup_printf ("%s\n%s", row->channel, gtk_entry_get_text (row->right));

      g_hash_table_add (seen, g_ascii_strdown (both, -1));
    }
  g_list_free (rows);

  if (!check_alias (channel ? channel : "", name, alias, seen, &name_problem, &alias_problem))
    {
      mark_entry (self->new_name_entry, name_problem);
      mark_entry (self->new_alias_entry, alias_problem);
      return;
    }
  add_row (self, TABLE_ALIASES, channel, name, alias, gtk_toggle_button_get_active (self->new_fork_check), FALSE);
  if (save_table (self, TABLE_ALIASES))
    {
      gtk_entry_set_text (self->new_name_entry, "");
      gtk_entry_set_text (self->new_alias_entry, "");
      gtk_toggle_button_set_active (self->new_fork_check, FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self->new_name_entry));
    }
}

static void
on_channel_changed (SyMappingsWindow *self)
{
  const char *channel = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->new_channel_combo));

  if (channel != NULL)
    gtk_entry_completion_set_model (gtk_entry_get_completion (self->new_name_entry),
                                    GTK_TREE_MODEL (channel_store (self, channel)));
}

static void
on_info_bar_response (SyMappingsWindow *self,
                      int               response)
{
  if (response == 1)
    for (guint kind = 0; kind < N_TABLES; kind++)
      fill_table (self, kind);
  hide_info (self);
}

/* -- Import and export ----------------------------------------------------- */

static gboolean
is_yaml_name (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = g_ascii_strdown (name ? name : "", -1);

  return g_str_has_suffix (lower, ".yaml") || g_str_has_suffix (lower, ".yml");
}

gboolean
sy_mappings_window_export_file (SyMappingsWindow  *self,
                                GFile             *file,
                                GError           **error)
{
  g_autoptr(JsonNode) mappings = NULL;
  g_autoptr(JsonNode) aliases = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (SY_IS_MAPPINGS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  mappings = mappings_value (self);
  aliases = aliases_value (self);
  if (is_yaml_name (file))
    {
      const char *mappings_path[] = { table_keys[TABLE_MAPPINGS], NULL };
      const char *aliases_path[] = { table_keys[TABLE_ALIASES], NULL };
      g_autofree char *with_mappings = NULL;

      with_mappings = sy_config_edit_set ("", mappings_path, mappings, error);
      if (with_mappings == NULL)
        return FALSE;
      text = sy_config_edit_set (with_mappings, aliases_path, aliases, error);
      if (text == NULL)
        return FALSE;
    }
  else
    {
      g_autoptr(JsonObject) root = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonGenerator) generator = json_generator_new ();

      if (mappings == NULL)
        {
          /* An empty list rather than no key: the file says what it is. */
          mappings = json_node_new (JSON_NODE_ARRAY);
          json_node_take_array (mappings, json_array_new ());
        }
      json_object_set_member (root, table_keys[TABLE_MAPPINGS], json_node_ref (mappings));
      if (aliases != NULL)
        json_object_set_member (root, table_keys[TABLE_ALIASES], json_node_ref (aliases));
      json_node_set_object (node, root);
      json_generator_set_root (generator, node);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
    }
  return g_file_replace_contents (file, text, strlen (text), NULL, FALSE, G_FILE_CREATE_NONE,
                                  NULL, NULL, error);
}

/* The two values a file to import holds (either may be NULL). */
static gboolean
read_import (GFile     *file,
             JsonNode **mappings,
             JsonNode **aliases,
             GError   **error)
{
  g_autofree char *text = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;

  *mappings = NULL;
  *aliases = NULL;
  if (!g_file_load_contents (file, NULL, &text, &len, NULL, error))
    return FALSE;

  if (sy_json_parser_load (parser, text, len, NULL))
    {
      JsonNode *root = json_parser_get_root (parser);

      if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
        *mappings = json_node_copy (root);
      else if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        {
          JsonObject *o = json_node_get_object (root);
          JsonNode *m = json_object_get_member (o, table_keys[TABLE_MAPPINGS]);
          JsonNode *a = json_object_get_member (o, table_keys[TABLE_ALIASES]);

          *mappings = m != NULL && JSON_NODE_HOLDS_ARRAY (m) ? json_node_copy (m) : NULL;
          *aliases = a != NULL && JSON_NODE_HOLDS_OBJECT (a) ? json_node_copy (a) : NULL;
        }
    }
  else
    {
      /* Not JSON: config.yaml keys, checked as the config loader checks them. */
      g_autoptr(GError) yaml_error = NULL;
      g_autoptr(SyConfig) config = sy_config_new_from_data (text, len, name, &yaml_error);
      JsonNode *m;
      JsonNode *a;

      if (config == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("%s is neither JSON nor a valid config.yaml: %s"), name, yaml_error->message);
          return FALSE;
        }
      m = sy_config_lookup (config, table_keys[TABLE_MAPPINGS]);
      a = sy_config_lookup (config, table_keys[TABLE_ALIASES]);
      *mappings = m != NULL && JSON_NODE_HOLDS_ARRAY (m) ? json_node_copy (m) : NULL;
      *aliases = a != NULL && JSON_NODE_HOLDS_OBJECT (a) ? json_node_copy (a) : NULL;
    }

  if (*mappings == NULL && *aliases == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s holds no model-mappings or oauth-model-alias"), name);
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_mappings_window_import_file (SyMappingsWindow  *self,
                                GFile             *file,
                                gboolean           replace,
                                GError           **error)
{
  g_autoptr(JsonNode) mappings = NULL;
  g_autoptr(JsonNode) aliases = NULL;

  g_return_val_if_fail (SY_IS_MAPPINGS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!read_import (file, &mappings, &aliases, error))
    return FALSE;
  if (mappings != NULL)
    {
      if (replace)
        clear_table (self, TABLE_MAPPINGS);
      add_mapping_rows (self, mappings, FALSE, !replace);
      schedule_save (self, TABLE_MAPPINGS, TRUE);
    }
  if (aliases != NULL)
    {
      if (replace)
        clear_table (self, TABLE_ALIASES);
      add_alias_rows (self, aliases, FALSE, !replace);
      schedule_save (self, TABLE_ALIASES, TRUE);
    }
  return TRUE;
}

static void
report_error (SyMappingsWindow *self,
              const char       *what,
              GError           *error)
{
  /* Translators: what failed, then why, e.g. "The file could not be
   * imported: No such file or directory" */
  g_autofree char *text = g_strdup_printf (_("%s: %s"), what, error->message);

  show_info (self, GTK_MESSAGE_ERROR, text, FALSE);
}

static GtkFileFilter *
mappings_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Mappings (JSON or YAML)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_pattern (filter, "*.yaml");
  gtk_file_filter_add_pattern (filter, "*.yml");
  return filter;
}

static void
on_export_clicked (SyMappingsWindow *self)
{
  g_autoptr(GtkFileChooserNative) chooser =
    gtk_file_chooser_native_new (_("Export Mappings"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Export"), _("_Cancel"));

  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "model-mappings.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), mappings_filter ());
  if (gtk_native_dialog_run (GTK_NATIVE_DIALOG (chooser)) == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GError) error = NULL;

      if (!sy_mappings_window_export_file (self, file, &error))
        report_error (self, _("The mappings could not be exported"), error);
    }
}

enum
{
  IMPORT_MERGE = 1,
  IMPORT_REPLACE = 2,
};

static void
on_import_clicked (SyMappingsWindow *self)
{
  g_autoptr(GtkFileChooserNative) chooser =
    gtk_file_chooser_native_new (_("Import Mappings"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 _("_Import"), _("_Cancel"));
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) mappings = NULL;
  g_autoptr(JsonNode) aliases = NULL;
  g_autofree char *basename = NULL;
  GtkWidget *dialog;
  int response;

  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), mappings_filter ());
  if (gtk_native_dialog_run (GTK_NATIVE_DIALOG (chooser)) != GTK_RESPONSE_ACCEPT)
    return;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  /* Read once first, so a wrong file is said before anything is asked. */
  if (!read_import (file, &mappings, &aliases, &error))
    {
      report_error (self, _("The file could not be imported"), error);
      return;
    }

  basename = g_file_get_basename (file);
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Import the mappings of “%s”?"), basename);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("Replace the ones shown here, or add only the entries "
                                              "not there yet. The result is saved to config.yaml."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Add New Ones"), IMPORT_MERGE, _("_Replace"), IMPORT_REPLACE, NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (
                                 gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), IMPORT_REPLACE)),
                               GTK_STYLE_CLASS_DESTRUCTIVE_ACTION);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), IMPORT_MERGE);
  response = gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  if (response != IMPORT_MERGE && response != IMPORT_REPLACE)
    return;
  if (!sy_mappings_window_import_file (self, file, response == IMPORT_REPLACE, &error))
    report_error (self, _("The file could not be imported"), error);
}

/* -- GObject --------------------------------------------------------------- */

static void
sy_mappings_window_constructed (GObject *object)
{
  SyMappingsWindow *self = SY_MAPPINGS_WINDOW (object);

  G_OBJECT_CLASS (sy_mappings_window_parent_class)->constructed (object);

  g_return_if_fail (self->service != NULL);
  self->tables[TABLE_MAPPINGS].list = self->mappings_list;
  self->tables[TABLE_MAPPINGS].status = self->mappings_status;
  self->tables[TABLE_ALIASES].list = self->aliases_list;
  self->tables[TABLE_ALIASES].status = self->aliases_status;

  add_model_completion (self, self->new_to_entry);
  add_completion (self->new_name_entry, channel_store (self, alias_channels[0]));
  g_signal_connect_swapped (self->new_channel_combo, "changed", G_CALLBACK (on_channel_changed), self);
  load_model_ids (self);
  for (guint kind = 0; kind < N_TABLES; kind++)
    fill_table (self, kind);
  self->reloaded_id = g_signal_connect_swapped (self->service, "reloaded", G_CALLBACK (on_reloaded), self);
}

static void
sy_mappings_window_dispose (GObject *object)
{
  SyMappingsWindow *self = SY_MAPPINGS_WINDOW (object);

  for (guint kind = 0; kind < N_TABLES; kind++)
    {
      /* Closed before typing paused: what was typed is saved all the
       * same (the rows are still there until the parent's dispose). */
      if (self->tables[kind].save_id != 0)
        save_table (self, kind);
      g_clear_handle_id (&self->tables[kind].save_id, g_source_remove);
      g_clear_pointer (&self->tables[kind].disk, g_free);
    }
  if (self->service != NULL)
    g_clear_signal_handler (&self->reloaded_id, self->service);
  g_clear_object (&self->service);
  g_clear_object (&self->model_store);
  g_clear_object (&self->flag_group);
  g_clear_object (&self->button_group);
  g_clear_object (&self->channel_group);
  g_clear_pointer (&self->model_ids, g_hash_table_unref);
  g_clear_pointer (&self->channel_stores, g_hash_table_unref);

  G_OBJECT_CLASS (sy_mappings_window_parent_class)->dispose (object);
}

static void
sy_mappings_window_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyMappingsWindow *self = SY_MAPPINGS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mappings_window_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyMappingsWindow *self = SY_MAPPINGS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mappings_window_class_init (SyMappingsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sy_mappings_window_constructed;
  object_class->dispose = sy_mappings_window_dispose;
  object_class->get_property = sy_mappings_window_get_property;
  object_class->set_property = sy_mappings_window_set_property;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, SY_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-mappings-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, mappings_list);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, aliases_list);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, mappings_status);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, aliases_status);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_from_entry);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_to_entry);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_regex_check);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, add_mapping_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_channel_combo);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_name_entry);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_alias_entry);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, new_fork_check);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, add_alias_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, import_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, export_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, mappings_header);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, aliases_header);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, mappings_header_flag);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, mappings_header_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, aliases_header_channel);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, aliases_header_flag);
  gtk_widget_class_bind_template_child (widget_class, SyMappingsWindow, aliases_header_button);
  gtk_widget_class_bind_template_callback (widget_class, on_new_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_add_mapping_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_alias_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
}

static void
sy_mappings_window_init (SyMappingsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->info_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_line_wrap (self->info_label, TRUE);
  gtk_label_set_xalign (self->info_label, 0);
  gtk_widget_show (GTK_WIDGET (self->info_label));
  gtk_container_add (GTK_CONTAINER (gtk_info_bar_get_content_area (self->info_bar)),
                     GTK_WIDGET (self->info_label));
  self->use_file_button = gtk_info_bar_add_button (self->info_bar, _("_Use the File’s"), 1);
  gtk_widget_set_tooltip_text (self->use_file_button,
                               _("Drop the changes made here and show what config.yaml holds now"));

  self->model_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->model_store = gtk_list_store_new (1, G_TYPE_STRING);
  self->channel_stores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->flag_group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  self->button_group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  self->channel_group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  gtk_size_group_add_widget (self->flag_group, GTK_WIDGET (self->new_regex_check));
  gtk_size_group_add_widget (self->flag_group, GTK_WIDGET (self->new_fork_check));
  gtk_size_group_add_widget (self->button_group, self->add_mapping_button);
  gtk_size_group_add_widget (self->button_group, self->add_alias_button);
  gtk_size_group_add_widget (self->channel_group, GTK_WIDGET (self->new_channel_combo));
  /* Icon-only buttons: a name for screen readers. */
  atk_object_set_name (gtk_widget_get_accessible (self->import_button), _("Import"));
  atk_object_set_name (gtk_widget_get_accessible (self->export_button), _("Export"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->new_from_entry)),
                       _("New mapping: requested model"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->new_to_entry)),
                       _("New mapping: served as"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->new_name_entry)),
                       _("New alias: upstream model"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->new_alias_entry)),
                       _("New alias: name clients see"));
  /* The column titles line up with the rows' widgets. */
  gtk_size_group_add_widget (self->flag_group, self->mappings_header_flag);
  gtk_size_group_add_widget (self->flag_group, self->aliases_header_flag);
  gtk_size_group_add_widget (self->button_group, self->mappings_header_button);
  gtk_size_group_add_widget (self->button_group, self->aliases_header_button);
  gtk_size_group_add_widget (self->channel_group, self->aliases_header_channel);
  for (guint i = 0; i < G_N_ELEMENTS (alias_channels); i++)
    gtk_combo_box_text_append (self->new_channel_combo, alias_channels[i], alias_channels[i]);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->new_channel_combo), alias_channels[0]);
}

GtkWidget *
sy_mappings_window_new (SyService *service)
{
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);

  return g_object_new (SY_TYPE_MAPPINGS_WINDOW, "service", service, NULL);
}
