/* test-win-mappings.c: the Model mappings window on a live core
 *
 * A service with an OpenAI-compatible account on a fake upstream serving
 * "echo" and "big". The window shows the file's mappings and aliases;
 * what is typed in it lands in config.yaml and changes where a request
 * through the proxy goes; wrong entries are marked and not written; a hand
 * edit of the file shows; export and import round-trip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "app-test-util.h"
#include "fake-upstream.h"
#include "sy-config.h"
#include "sy-mappings-window.h"
#include "sy-service-logins.h"

#define CONFIG_TAIL \
  "model-mappings:\n" \
  "  # Claude Code's model, served by the fake\n" \
  "  - {from: claude-opus-4-5, to: big}\n" \
  "  - {from: \"^gpt-.*-mini$\", to: echo, regex: true}\n" \
  "oauth-model-alias:\n" \
  "  claude:\n" \
  "    - {name: claude-sonnet-4-5-20250929, alias: sonnet}\n"

typedef struct
{
  FakeUpstream   *upstream;
  AppTestService  t;
  GtkWidget      *window;
} Fixture;

static char *
config_for (FakeUpstream *upstream,
            const char   *tail)
{
  return g_strdup_printf ("port: 0\n"
                          "openai-compatibility:\n"
                          "  - name: fake\n"
                          "    base-url: \"%s/v1\"\n"
                          "    api-key-entries:\n"
                          "      - api-key: sk-test-mappings-0001\n"
                          "    models:\n"
                          "      - {name: echo}\n"
                          "      - {name: big}\n"
                          "%s",
                          fake_upstream_get_url (upstream), tail);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *yaml = NULL;

  f->upstream = fake_upstream_new ();
  yaml = config_for (f->upstream, CONFIG_TAIL);
  app_test_service_init (&f->t, yaml);
  f->window = sy_mappings_window_new (f->t.service);
  g_object_ref_sink (f->window);
  app_test_show (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_widget_destroy (f->window);
  g_clear_object (&f->window);
  app_test_service_clear (&f->t);
  fake_upstream_free (f->upstream);
}

static char *
read_config (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (f->t.config_path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static GtkWidget *
find (Fixture    *f,
      GType       type,
      const char *pattern)
{
  return app_test_find (f->window, type, pattern);
}

static GtkWidget *
named (Fixture    *f,
       const char *name)
{
  GtkWidget *widget = app_test_find_named (f->window, name);

  if (widget == NULL)
    {
      g_autofree char *dump = app_test_dump (f->window);

      g_error ("no widget named %s in:\n%s", name, dump);
    }
  return widget;
}

static gboolean
has_error_style (GtkWidget *widget)
{
  return gtk_style_context_has_class (gtk_widget_get_style_context (widget), GTK_STYLE_CLASS_ERROR);
}

/* The widget of exactly @type in @entry's row (the regex check, the
 * remove button: a check button is a button too). */
static GtkWidget *
of_type (GtkWidget *root,
         GType      type)
{
  g_autoptr(GList) children = NULL;
  GtkWidget *found = NULL;

  if (G_OBJECT_TYPE (root) == type)
    return root;
  if (!GTK_IS_CONTAINER (root))
    return NULL;
  children = gtk_container_get_children (GTK_CONTAINER (root));
  for (GList *l = children; l != NULL && found == NULL; l = l->next)
    found = of_type (l->data, type);
  return found;
}

static GtkWidget *
sibling_of_type (GtkWidget *entry,
                 GType      type)
{
  GtkWidget *found = of_type (gtk_widget_get_parent (entry), type);

  g_assert_nonnull (found);
  return found;
}

/* The model the upstream last received. */
static char *
upstream_model (Fixture *f)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (last);
  json_parser_load_from_data (parser, g_bytes_get_data (last->body, NULL),
                              g_bytes_get_size (last->body), &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "model"));
}

static void
test_shows_config (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *from = find (f, GTK_TYPE_ENTRY, "claude-opus-4-5");
  GtkWidget *regex_from = find (f, GTK_TYPE_ENTRY, "^gpt-.*-mini$");
  GtkWidget *sonnet = find (f, GTK_TYPE_ENTRY, "sonnet");
  g_auto(GStrv) ids = sy_service_dup_model_ids (f->t.service);

  g_assert_nonnull (from);
  g_assert_nonnull (regex_from);
  g_assert_nonnull (sonnet);
  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "claude-sonnet-4-5-20250929"));
  g_assert_nonnull (find (f, GTK_TYPE_LABEL, "claude"));
  /* The row's target and its regex flag. */
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (sibling_of_type (regex_from, GTK_TYPE_CHECK_BUTTON))));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (sibling_of_type (from, GTK_TYPE_CHECK_BUTTON))));
  g_assert_false (has_error_style (from));
  /* Icon-only buttons have names. */
  g_assert_true (app_test_find (f->window, GTK_TYPE_BUTTON, "Import") == named (f, "import_button"));
  g_assert_true (app_test_find (f->window, GTK_TYPE_BUTTON, "Export") == named (f, "export_button"));

  /* The catalog: what the account serves, not the mapped names. */
  g_assert_true (g_strv_contains ((const char * const *) ids, "echo"));
  g_assert_true (g_strv_contains ((const char * const *) ids, "big"));
  g_assert_false (g_strv_contains ((const char * const *) ids, "claude-opus-4-5"));
  /* ...offered as suggestions for the target. */
  {
    GtkEntryCompletion *completion = gtk_entry_get_completion (GTK_ENTRY (named (f, "new_to_entry")));
    GtkTreeModel *model = gtk_entry_completion_get_model (completion);

    g_assert_cmpint (gtk_tree_model_iter_n_children (model, NULL), ==, g_strv_length (ids));
  }
}

static void
test_add_changes_routing (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *model = NULL;
  SyConfig *config;
  JsonNode *mappings;
  guint status;

  /* Before: nobody serves alias-x. */
  status = app_test_request (&f->t, "POST", "/v1/chat/completions",
                             "{\"model\":\"alias-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                             NULL);
  g_assert_cmpuint (status, ==, 404);

  gtk_entry_set_text (GTK_ENTRY (named (f, "new_from_entry")), "alias-x");
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_to_entry")), "echo");
  gtk_button_clicked (GTK_BUTTON (named (f, "add_mapping_button")));

  text = read_config (f);
  g_assert_nonnull (strstr (text, "alias-x"));
  /* An edit, not a rewrite: the comment stays. */
  g_assert_nonnull (strstr (text, "# Claude Code's model"));
  config = sy_service_get_config (f->t.service);
  mappings = sy_config_lookup (config, "model-mappings");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (mappings)), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (mappings), 2), "to"),
                   ==, "echo");
  /* The form is ready for the next one; the row is in the table. */
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (named (f, "new_from_entry"))), ==, "");
  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "alias-x"));

  status = app_test_request (&f->t, "POST", "/v1/chat/completions",
                             "{\"model\":\"alias-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                             &body);
  g_assert_cmpuint (status, ==, 200);
  model = upstream_model (f);
  g_assert_cmpstr (model, ==, "echo");

  /* Enter in the form adds too. */
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_from_entry")), "alias-z");
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_to_entry")), "big");
  g_signal_emit_by_name (named (f, "new_to_entry"), "activate");
  mappings = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (mappings)), ==, 4);
  g_clear_pointer (&body, g_free);
  status = app_test_request (&f->t, "POST", "/v1/chat/completions",
                             "{\"model\":\"alias-z\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                             &body);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&model, g_free);
  model = upstream_model (f);
  g_assert_cmpstr (model, ==, "big");
}

static void
test_invalid_refused (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *before = read_config (f);
  g_autofree char *after = NULL;
  g_autofree char *after_edit = NULL;
  GtkWidget *new_to = named (f, "new_to_entry");
  GtkWidget *new_from = named (f, "new_from_entry");
  g_autofree char *tooltip = NULL;
  GtkWidget *row_to;

  /* A target no account serves. */
  gtk_entry_set_text (GTK_ENTRY (new_from), "alias-y");
  gtk_entry_set_text (GTK_ENTRY (new_to), "no-such-model");
  gtk_button_clicked (GTK_BUTTON (named (f, "add_mapping_button")));
  g_assert_true (has_error_style (new_to));
  tooltip = gtk_widget_get_tooltip_text (new_to);
  g_assert_nonnull (strstr (tooltip, "no-such-model"));
  g_assert_false (has_error_style (new_from));
  g_assert_null (app_test_find (named (f, "mappings_list"), GTK_TYPE_ENTRY, "alias-y"));

  /* A regular expression that does not compile. */
  gtk_entry_set_text (GTK_ENTRY (new_from), "([a-");
  g_assert_false (has_error_style (new_to));
  gtk_entry_set_text (GTK_ENTRY (new_to), "echo");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (named (f, "new_regex_check")), TRUE);
  gtk_button_clicked (GTK_BUTTON (named (f, "add_mapping_button")));
  g_assert_true (has_error_style (new_from));
  g_assert_false (has_error_style (new_to));

  after = read_config (f);
  g_assert_cmpstr (after, ==, before);

  /* A second line for a name is saved but pointed out. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (named (f, "new_regex_check")), FALSE);
  gtk_entry_set_text (GTK_ENTRY (new_from), "CLAUDE-opus-4-5");
  gtk_entry_set_text (GTK_ENTRY (new_to), "echo");
  gtk_button_clicked (GTK_BUTTON (named (f, "add_mapping_button")));
  {
    GtkWidget *second = app_test_find (named (f, "mappings_list"), GTK_TYPE_ENTRY, "CLAUDE-opus-4-5");
    JsonNode *mappings = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");

    g_assert_nonnull (second);
    g_assert_true (has_error_style (second));
    g_assert_false (has_error_style (find (f, GTK_TYPE_ENTRY, "claude-opus-4-5")));
    g_assert_cmpuint (json_array_get_length (json_node_get_array (mappings)), ==, 3);
    gtk_button_clicked (GTK_BUTTON (sibling_of_type (second, GTK_TYPE_BUTTON)));
    g_free (before);
    before = read_config (f);
  }

  /* A row changed to an unknown target: marked, and Enter writes nothing. */
  row_to = find (f, GTK_TYPE_ENTRY, "big");
  g_assert_nonnull (row_to);
  gtk_entry_set_text (GTK_ENTRY (row_to), "bigger");
  g_signal_emit_by_name (row_to, "activate");
  g_assert_true (has_error_style (row_to));
  app_test_spin_for (1000);
  after_edit = read_config (f);
  g_assert_cmpstr (after_edit, ==, before);
  g_assert_nonnull (app_test_find (f->window, GTK_TYPE_LABEL, "Not saved yet*"));

  /* Corrected, it is written after a pause in typing. */
  gtk_entry_set_text (GTK_ENTRY (row_to), "echo");
  g_assert_false (has_error_style (row_to));
  app_test_spin_for (1200);
  {
    JsonNode *mappings = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");

    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (mappings), 0), "to"),
                     ==, "echo");
  }
}

/* A row's remove button is named after what the row says now. */
static void
test_remove_name_follows (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *from = find (f, GTK_TYPE_ENTRY, "claude-opus-4-5");
  GtkWidget *remove;
  g_autofree char *tooltip = NULL;

  g_assert_nonnull (from);
  remove = sibling_of_type (from, GTK_TYPE_BUTTON);
  gtk_entry_set_text (GTK_ENTRY (from), "claude-opus-4-6");
  tooltip = gtk_widget_get_tooltip_text (remove);
  g_assert_cmpstr (tooltip, ==, "Remove the mapping of claude-opus-4-6");
  g_assert_cmpstr (atk_object_get_name (gtk_widget_get_accessible (remove)), ==,
                   "Remove the mapping of claude-opus-4-6");
}

/* Closing the window before typing pauses still saves what was typed. */
static void
test_close_saves_pending (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *row_to = find (f, GTK_TYPE_ENTRY, "big");
  JsonNode *mappings;
  g_autofree char *text = NULL;

  g_assert_nonnull (row_to);
  gtk_entry_set_text (GTK_ENTRY (row_to), "echo");
  gtk_widget_destroy (f->window);

  text = read_config (f);
  g_assert_null (strstr (text, "to: big"));
  mappings = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (mappings), 0), "to"),
                   ==, "echo");
}

static void
test_remove_and_alias (Fixture       *f,
                       gconstpointer  data)
{
  GtkWidget *from = find (f, GTK_TYPE_ENTRY, "claude-opus-4-5");
  JsonNode *node;
  JsonArray *claude;
  g_autofree char *text = NULL;

  gtk_button_clicked (GTK_BUTTON (sibling_of_type (from, GTK_TYPE_BUTTON)));
  node = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  g_assert_null (find (f, GTK_TYPE_ENTRY, "claude-opus-4-5"));

  /* An alias on the second page. */
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (named (f, "new_channel_combo")), "claude");
  /* The suggestions follow the channel: Claude's catalogue. */
  {
    GtkEntryCompletion *completion = gtk_entry_get_completion (GTK_ENTRY (named (f, "new_name_entry")));
    GtkTreeModel *model = gtk_entry_completion_get_model (completion);
    GtkTreeIter iter;
    gboolean seen = FALSE;
    g_auto(GStrv) ids = sy_service_dup_catalogue_ids (f->t.service, "claude");

    g_assert_true (g_strv_contains ((const char * const *) ids, "claude-opus-4-5-20251101"));
    for (gboolean ok = gtk_tree_model_get_iter_first (model, &iter); ok && !seen;
         ok = gtk_tree_model_iter_next (model, &iter))
      {
        g_autofree char *id = NULL;

        gtk_tree_model_get (model, &iter, 0, &id, -1);
        seen = g_strcmp0 (id, "claude-opus-4-5-20251101") == 0;
      }
    g_assert_true (seen);
    g_strfreev (g_steal_pointer (&ids));
    ids = sy_service_dup_catalogue_ids (f->t.service, "no-such-channel");
    g_assert_cmpuint (g_strv_length (ids), ==, 0);
  }
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_name_entry")), "claude-opus-4-5-20251101");
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_alias_entry")), "sonnet");
  gtk_button_clicked (GTK_BUTTON (named (f, "add_alias_button")));
  /* The channel has that alias already. */
  g_assert_true (has_error_style (named (f, "new_alias_entry")));
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_alias_entry")), "opus");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (named (f, "new_fork_check")), TRUE);
  gtk_button_clicked (GTK_BUTTON (named (f, "add_alias_button")));

  node = sy_config_lookup (sy_service_get_config (f->t.service), "oauth-model-alias");
  claude = json_object_get_array_member (json_node_get_object (node), "claude");
  g_assert_cmpuint (json_array_get_length (claude), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (claude, 1), "alias"), ==, "opus");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (claude, 1), "fork"));
  text = read_config (f);
  g_assert_nonnull (strstr (text, "opus"));
}

static void
test_hand_edit_shows (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *yaml = config_for (f->upstream,
                                      "model-mappings:\n"
                                      "  - {from: hand-made, to: big}\n");
  GtkWidget *typing;

  /* Something half-typed in the form survives the reload. */
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_from_entry")), "half-typed");
  app_test_rewrite_config (&f->t, yaml);
  app_test_spin_for (100);

  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "hand-made"));
  g_assert_null (find (f, GTK_TYPE_ENTRY, "claude-opus-4-5"));
  g_assert_null (find (f, GTK_TYPE_ENTRY, "sonnet"));
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (named (f, "new_from_entry"))), ==, "half-typed");

  /* An edit in progress (typed, not saved yet) is kept over a hand edit. */
  typing = find (f, GTK_TYPE_ENTRY, "hand-made");
  gtk_entry_set_text (GTK_ENTRY (typing), "hand-made-2");
  g_free (yaml);
  yaml = config_for (f->upstream, "model-mappings:\n  - {from: other, to: echo}\n");
  app_test_rewrite_config (&f->t, yaml);
  app_test_spin_for (100);
  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "hand-made-2"));
  g_assert_null (find (f, GTK_TYPE_ENTRY, "other"));
  g_assert_true (gtk_info_bar_get_revealed (GTK_INFO_BAR (named (f, "info_bar"))));

  /* "Use the File's" drops it for what the file says. */
  gtk_info_bar_response (GTK_INFO_BAR (named (f, "info_bar")), 1);
  g_assert_false (gtk_info_bar_get_revealed (GTK_INFO_BAR (named (f, "info_bar"))));
  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "other"));
  g_assert_null (find (f, GTK_TYPE_ENTRY, "hand-made-2"));
  /* ...and no pending save brings it back. */
  app_test_spin_for (1000);
  {
    JsonNode *mappings = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");

    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (mappings), 0), "from"),
                     ==, "other");
  }
}

static void
round_trip (Fixture    *f,
            const char *name)
{
  g_autofree char *path = g_build_filename (f->t.dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = config_for (f->upstream, "");
  g_autofree char *exported = NULL;
  g_autofree char *before = NULL;
  JsonNode *node;

  before = json_to_string (sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings"), FALSE);
  g_assert_true (sy_mappings_window_export_file (SY_MAPPINGS_WINDOW (f->window), file, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &exported, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (exported, "claude-opus-4-5"));
  g_assert_nonnull (strstr (exported, "sonnet"));

  /* Everything gone from the file (and so from the window)... */
  app_test_rewrite_config (&f->t, yaml);
  g_assert_null (find (f, GTK_TYPE_ENTRY, "claude-opus-4-5"));
  g_assert_null (sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings"));

  /* ...and back from the export. */
  g_assert_true (sy_mappings_window_import_file (SY_MAPPINGS_WINDOW (f->window), file, TRUE, &error));
  g_assert_no_error (error);
  node = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");
  g_assert_nonnull (node);
  {
    g_autofree char *after = json_to_string (node, FALSE);

    g_assert_cmpstr (after, ==, before);
  }
  node = sy_config_lookup (sy_service_get_config (f->t.service), "oauth-model-alias");
  g_assert_nonnull (node);
  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "claude-opus-4-5"));

  /* A merge adds only what is new. */
  g_assert_true (sy_mappings_window_import_file (SY_MAPPINGS_WINDOW (f->window), file, FALSE, &error));
  g_assert_no_error (error);
  node = sy_config_lookup (sy_service_get_config (f->t.service), "model-mappings");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 2);
}

static void
test_export_import_json (Fixture       *f,
                         gconstpointer  data)
{
  round_trip (f, "mappings.json");
}

static void
test_export_import_yaml (Fixture       *f,
                         gconstpointer  data)
{
  round_trip (f, "mappings.yaml");
}

static void
test_import_bad_file (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->t.dir, "bad.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = read_config (f);
  g_autofree char *after = NULL;

  g_file_set_contents (path, "{\"something\": 1}", -1, &error);
  g_assert_no_error (error);
  g_assert_false (sy_mappings_window_import_file (SY_MAPPINGS_WINDOW (f->window), file, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  after = read_config (f);
  g_assert_cmpstr (after, ==, before);
  g_assert_nonnull (find (f, GTK_TYPE_ENTRY, "claude-opus-4-5"));
}

static void
test_export_empty (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->t.dir, "empty.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = config_for (f->upstream, "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  app_test_rewrite_config (&f->t, yaml);
  /* The tables say why they are empty. */
  g_assert_nonnull (app_test_find (f->window, GTK_TYPE_LABEL, "No mappings yet*"));
  g_assert_false (gtk_widget_get_visible (named (f, "mappings_header")));
  g_assert_true (sy_mappings_window_export_file (SY_MAPPINGS_WINDOW (f->window), file, &error));
  g_assert_no_error (error);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "model-mappings")), ==, 0);
  g_assert_false (json_object_has_member (root, "oauth-model-alias"));
}

static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = NULL;

  /* One more mapping, and a refused one left in the form, marked. */
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_from_entry")), "claude-sonnet-4-5");
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_to_entry")), "echo");
  gtk_button_clicked (GTK_BUTTON (named (f, "add_mapping_button")));
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_from_entry")), "o3-mini");
  gtk_entry_set_text (GTK_ENTRY (named (f, "new_to_entry")), "gpt-5");
  gtk_button_clicked (GTK_BUTTON (named (f, "add_mapping_button")));
  app_test_spin_for (200);
  path = app_test_screenshot (f->window, "mappings-window.png");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&path, g_free);

  gtk_stack_set_visible_child_name (GTK_STACK (named (f, "stack")), "aliases");
  app_test_spin_for (300);
  path = app_test_screenshot (f->window, "mappings-window-aliases.png");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/win-mappings/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("shows-config", test_shows_config);
  ADD ("add-changes-routing", test_add_changes_routing);
  ADD ("invalid-refused", test_invalid_refused);
  ADD ("close-saves-pending", test_close_saves_pending);
  ADD ("remove-name-follows", test_remove_name_follows);
  ADD ("remove-and-alias", test_remove_and_alias);
  ADD ("hand-edit-shows", test_hand_edit_shows);
  ADD ("export-import-json", test_export_import_json);
  ADD ("export-import-yaml", test_export_import_yaml);
  ADD ("import-bad-file", test_import_bad_file);
  ADD ("export-empty", test_export_empty);
  ADD ("screenshot", test_screenshot);
#undef ADD

  return g_test_run ();
}
