/* app-test-util.c: the desktop app's windows under test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "app-test-util.h"
#include "http-test-util.h"
#include "sy-service-logins.h"

static void
write_config (const char *path,
              const char *yaml)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, yaml, -1, &error);
  g_assert_no_error (error);
}

void
app_test_service_init (AppTestService *t,
                       const char     *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *usage = NULL;
  g_autofree char *state = NULL;
  g_autofree char *accounts = NULL;

  memset (t, 0, sizeof *t);
  t->dir = g_dir_make_tmp ("sy-app-test-XXXXXX", &error);
  g_assert_no_error (error);
  t->config_path = g_build_filename (t->dir, "config.yaml", NULL);
  write_config (t->config_path, yaml);

  t->service = sy_service_new_from_file (t->config_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t->service);
  usage = g_build_filename (t->dir, "usage.db", NULL);
  state = g_build_filename (t->dir, "state.json", NULL);
  accounts = g_build_filename (t->dir, "accounts.json", NULL);
  sy_service_set_usage_file (t->service, usage);
  sy_service_set_state_file (t->service, state, &error);
  g_assert_no_error (error);
  sy_service_set_login_files (t->service, accounts, t->dir);
  sy_service_set_listen_override (t->service, "127.0.0.1", 0);
  sy_service_start (t->service, &error);
  g_assert_no_error (error);
}

static gboolean
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  return g_rmdir (path) == 0;
}

void
app_test_service_clear (AppTestService *t)
{
  if (t->service != NULL)
    sy_service_stop (t->service);
  g_clear_object (&t->service);
  if (t->dir != NULL)
    remove_tree (t->dir);
  g_clear_pointer (&t->dir, g_free);
  g_clear_pointer (&t->config_path, g_free);
}

static void
on_logins_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_service_load_logins_finish (SY_SERVICE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

void
app_test_load_logins (AppTestService *t)
{
  gboolean done = FALSE;

  sy_service_load_logins_async (t->service, NULL, on_logins_loaded, &done);
  g_assert_true (app_test_spin_until (is_true, &done, 10000));
}

typedef struct
{
  SyService *service;
  guint      generation;
} ReloadWait;

static gboolean
reloaded (gpointer data)
{
  ReloadWait *w = data;

  return sy_service_get_generation (w->service) != w->generation;
}

void
app_test_rewrite_config (AppTestService *t,
                         const char     *yaml)
{
  ReloadWait w = { t->service, sy_service_get_generation (t->service) };

  write_config (t->config_path, yaml);
  /* The file monitor notices within its debounce; a second or two. */
  g_assert_true (app_test_spin_until (reloaded, &w, 10000));
}

gboolean
app_test_spin_until (gboolean (*cond) (gpointer),
                     gpointer   data,
                     guint      timeout_ms)
{
  return http_spin_until (cond, data, timeout_ms);
}

void
app_test_spin_for (guint ms)
{
  http_spin_for (ms);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

void
app_test_show (GtkWidget *window)
{
  gtk_widget_show (window);
  g_assert_true (app_test_spin_until (is_mapped, window, 5000));
  gtk_test_widget_wait_for_draw (window);
  /* Idle-queued updates (list rows, charts' data) settle first. */
  app_test_spin_for (100);
}

char *
app_test_screenshot (GtkWidget  *widget,
                     const char *name)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (widget);
  GdkWindow *window = gtk_widget_get_window (toplevel);
  const char *dir = g_getenv ("SHOT_DIR");
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  char *path;

  g_assert_nonnull (window);
  gtk_test_widget_wait_for_draw (toplevel);
  pixbuf = gdk_pixbuf_get_from_window (window, 0, 0, gdk_window_get_width (window),
                                       gdk_window_get_height (window));
  g_assert_nonnull (pixbuf);
  if (dir == NULL)
    dir = g_getenv ("G_TEST_BUILDDIR");
  if (dir == NULL)
    dir = ".";
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  g_test_message ("saved %s", path);
  return path;
}

static const char *
widget_text (GtkWidget *widget)
{
  AtkObject *accessible;

  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (GTK_IS_ENTRY (widget))
    return gtk_entry_get_text (GTK_ENTRY (widget));
  accessible = gtk_widget_get_accessible (widget);
  return accessible != NULL ? atk_object_get_name (accessible) : NULL;
}

static void
collect (GtkWidget *widget,
         gpointer   user_data)
{
  GPtrArray *all = user_data;

  g_ptr_array_add (all, widget);
}

static GtkWidget *
find_in (GtkWidget  *widget,
         gboolean  (*match) (GtkWidget *, gconstpointer, gconstpointer),
         gconstpointer a,
         gconstpointer b)
{
  g_autoptr(GPtrArray) kids = NULL;

  if (match (widget, a, b))
    return widget;
  if (!GTK_IS_CONTAINER (widget))
    return NULL;
  kids = g_ptr_array_new ();
  gtk_container_forall (GTK_CONTAINER (widget), collect, kids);
  for (guint i = 0; i < kids->len; i++)
    {
      GtkWidget *found = find_in (g_ptr_array_index (kids, i), match, a, b);

      if (found != NULL)
        return found;
    }
  /* A popover belongs to its button, not to the tree. */
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget)) != NULL)
    return find_in (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget))), match, a, b);
  return NULL;
}

static gboolean
match_text (GtkWidget     *widget,
            gconstpointer  type_p,
            gconstpointer  pattern)
{
  GType type = *(const GType *) type_p;
  const char *text;

  if (type != G_TYPE_NONE && !G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return FALSE;
  if (pattern == NULL)
    return TRUE;
  text = widget_text (widget);
  return text != NULL && g_pattern_match_simple (pattern, text);
}

GtkWidget *
app_test_find (GtkWidget  *root,
               GType       type,
               const char *pattern)
{
  return find_in (root, match_text, &type, pattern);
}

static gboolean
match_name (GtkWidget     *widget,
            gconstpointer  name,
            gconstpointer  unused)
{
  return g_strcmp0 (gtk_buildable_get_name (GTK_BUILDABLE (widget)), name) == 0
         || g_strcmp0 (gtk_widget_get_name (widget), name) == 0;
}

GtkWidget *
app_test_find_named (GtkWidget  *root,
                     const char *name)
{
  return find_in (root, match_name, name, NULL);
}

static void
dump_into (GtkWidget *widget,
           GString   *out,
           int        depth)
{
  g_autoptr(GPtrArray) kids = g_ptr_array_new ();
  const char *text = widget_text (widget);

  g_string_append_printf (out, "%*s%s", depth * 2, "", G_OBJECT_TYPE_NAME (widget));
  if (text != NULL && *text != '\0')
    g_string_append_printf (out, " \"%s\"", text);
  g_string_append_c (out, '\n');
  if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), collect, kids);
  for (guint i = 0; i < kids->len; i++)
    dump_into (g_ptr_array_index (kids, i), out, depth + 1);
}

char *
app_test_dump (GtkWidget *root)
{
  GString *out = g_string_new (NULL);

  dump_into (root, out, 0);
  return g_string_free (out, FALSE);
}

guint
app_test_request_with_headers (AppTestService     *t,
                               const char         *method,
                               const char         *path,
                               const char         *json_body,
                               const char * const *headers,
                               char              **body_out)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *base = sy_service_dup_url (t->service);
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_auto(HttpResponse) r = { 0 };

  http_request (session, method, url, json_body ? "application/json" : NULL, json_body,
                json_body ? strlen (json_body) : 0, headers, &r);
  if (body_out != NULL)
    *body_out = g_strdup (r.text);
  return r.status;
}

guint
app_test_request (AppTestService *t,
                  const char     *method,
                  const char     *path,
                  const char     *json_body,
                  char          **body_out)
{
  return app_test_request_with_headers (t, method, path, json_body, NULL, body_out);
}
