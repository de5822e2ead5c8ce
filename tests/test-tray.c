/* test-tray.c: the tray as a panel sees it, over D-Bus
 *
 * Runs in tests/headless-session.sh (Xvfb, a private bus, a
 * StatusNotifierWatcher): the item registers, a second connection plays
 * the panel, reads the menu over com.canonical.dbusmenu and clicks in it;
 * the proxy's port is checked by connecting to it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <gtk/gtk.h>

#include "sy-account-state.h"
#include "sy-app-util.h"
#include "sy-tray.h"
#include "sy-tray-menu.h"
#include "sy-tray-private.h"
#include "switchyard.h"

#define CONFIG \
  "host: 127.0.0.1\n" \
  "port: 0\n" \
  "openai-compatibility:\n" \
  "  - name: Fake\n" \
  "    base-url: http://127.0.0.1:9/v1\n" \
  "    api-key-entries:\n" \
  "      - api-key: sk-test\n" \
  "    models:\n" \
  "      - name: echo\n"

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(GVariant **) user_data = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_assert_no_error (error);
}

/* dbusmenu is served on this thread: call async and spin. */
static GVariant *
call (GDBusConnection *c,
      const char      *dest,
      const char      *path,
      const char      *iface,
      const char      *method,
      GVariant        *args)
{
  GVariant *out = NULL;

  g_dbus_connection_call (c, dest, path, iface, method, args, NULL, G_DBUS_CALL_FLAGS_NONE, 5000,
                          NULL, call_done, &out);
  while (out == NULL)
    g_main_context_iteration (NULL, TRUE);
  return out;
}

static GVariant *
get_property (GDBusConnection *c,
              const char      *dest,
              const char      *path,
              const char      *iface,
              const char      *name)
{
  g_autoptr(GVariant) reply = call (c, dest, path, "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new ("(ss)", iface, name));
  GVariant *value;

  g_variant_get (reply, "(v)", &value);
  return value;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static gboolean
can_connect (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  return conn != NULL;
}

typedef struct
{
  GDBusConnection *host;
  char            *bus;
  char            *menu_path;
} Panel;

/* Collects "label" => id over the layout (submenus included). */
static void
collect (GVariant   *node,
         GHashTable *ids,
         GHashTable *enabled)
{
  gint32 id;
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GVariantIter) kids = NULL;
  GVariant *kid;
  const char *label;
  gboolean on;

  g_variant_get (node, "(i@a{sv}av)", &id, &props, &kids);
  if (g_variant_lookup (props, "label", "&s", &label))
    {
      g_hash_table_insert (ids, g_strdup (label), GINT_TO_POINTER (id));
      if (!g_variant_lookup (props, "enabled", "b", &on))
        on = TRUE;
      g_hash_table_insert (enabled, g_strdup (label), GINT_TO_POINTER (on));
    }
  while (g_variant_iter_next (kids, "v", &kid))
    {
      collect (kid, ids, enabled);
      g_variant_unref (kid);
    }
}

static GHashTable *
read_menu (Panel      *p,
           GHashTable *enabled)
{
  const char *props[] = { "label", "enabled", NULL };
  g_autoptr(GVariant) layout = NULL;
  g_autoptr(GVariant) root = NULL;
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  layout = call (p->host, p->bus, p->menu_path, "com.canonical.dbusmenu", "GetLayout",
                 g_variant_new ("(ii^as)", 0, -1, props));
  root = g_variant_get_child_value (layout, 1);
  collect (root, ids, enabled);
  return ids;
}

static gint32
menu_id (Panel      *p,
         const char *label)
{
  g_autoptr(GHashTable) enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = read_menu (p, enabled);
  gpointer id;

  if (!g_hash_table_lookup_extended (ids, label, NULL, &id))
    return -1;
  return GPOINTER_TO_INT (id);
}

static void
click (Panel      *p,
       const char *label)
{
  gint32 id = menu_id (p, label);
  g_autoptr(GVariant) r = NULL;

  g_assert_cmpint (id, >, 0);
  r = call (p->host, p->bus, p->menu_path, "com.canonical.dbusmenu", "Event",
            g_variant_new ("(isvu)", id, "clicked", g_variant_new_int32 (0), 0));
}

static void
on_login (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  g_free (*(char **) user_data);
  *(char **) user_data = g_variant_dup_string (parameter, NULL);
}

static void
count_activation (guint *count)
{
  (*count)++;
}

/* A picture of the menu, as GTK draws it, into $SHOT_DIR (when set). */
static void
save_screenshot (GMenuModel   *model,
                 GActionGroup *tray_actions,
                 GActionGroup *app_actions,
                 const char   *name)
{
  const char *dir = g_getenv ("SHOT_DIR");
  GtkWidget *anchor;
  GtkWidget *menu;
  GtkWidget *top;
  GdkRectangle rect = { 0, 0, 1, 1 };
  g_autoptr(GdkPixbuf) shot = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GdkEvent) click_event = NULL;
  gint64 deadline;

  if (dir == NULL)
    return;
  anchor = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_default_size (GTK_WINDOW (anchor), 1, 1);
  gtk_widget_show (anchor);
  menu = gtk_menu_new_from_model (model);
  gtk_widget_insert_action_group (menu, "tray", tray_actions);
  gtk_widget_insert_action_group (menu, "app", app_actions);
  gtk_menu_attach_to_widget (GTK_MENU (menu), anchor, NULL);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!gtk_widget_get_mapped (anchor) && g_get_monotonic_time () < deadline)
    spin (10);
  /* As if the icon were clicked: a popup wants the event that caused it. */
  click_event = gdk_event_new (GDK_BUTTON_PRESS);
  click_event->button.window = g_object_ref (gtk_widget_get_window (anchor));
  click_event->button.button = 1;
  click_event->button.time = GDK_CURRENT_TIME;
  gdk_event_set_device (click_event, gdk_seat_get_pointer (gdk_display_get_default_seat (gdk_display_get_default ())));
  gtk_menu_popup_at_rect (GTK_MENU (menu), gtk_widget_get_window (anchor), &rect,
                          GDK_GRAVITY_NORTH_WEST, GDK_GRAVITY_NORTH_WEST, click_event);
  top = gtk_widget_get_toplevel (menu);
  while (!gtk_widget_get_mapped (top) && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_true (gtk_widget_get_mapped (top));
  gtk_test_widget_wait_for_draw (top);
  spin (100);
  shot = gdk_pixbuf_get_from_window (gtk_widget_get_window (top), 0, 0,
                                     gtk_widget_get_allocated_width (top),
                                     gtk_widget_get_allocated_height (top));
  g_assert_nonnull (shot);
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_pixbuf_save (shot, path, "png", &error, NULL));
  g_assert_no_error (error);
  g_test_message ("screenshot: %s", path);
  gtk_widget_destroy (menu);
  gtk_widget_destroy (anchor);
}

static void
test_tray_menu (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = sy_service_new_from_string (CONFIG, &error);
  g_autoptr(SyTrayMenu) menu = NULL;
  g_autoptr(SyTray) tray = NULL;
  g_autoptr(GSimpleActionGroup) app = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) login = g_simple_action_new ("login", G_VARIANT_TYPE_STRING);
  g_autoptr(GHashTable) enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(GVariant) items = NULL;
  g_autoptr(GVariant) menu_path = NULL;
  g_autoptr(GVariant) icon = NULL;
  g_autoptr(SyAccountState) account = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *account_line = NULL;
  g_autofree char *clipboard = NULL;
  g_autofree char *logged_in = NULL;
  const char *item;
  const char *slash;
  Panel p = { 0 };
  const char *app_names[] = { "accounts", "mappings", "usage", "settings", "quit" };
  g_autoptr(GSimpleAction) logs = g_simple_action_new ("logs", NULL);
  guint logs_opened = 0;
  guint port;
  gint64 deadline;

  g_assert_no_error (error);
  g_assert_true (sy_service_start (service, &error));
  g_assert_no_error (error);
  port = sy_service_get_port (service);
  g_assert_cmpuint (port, >, 0);
  g_assert_true (can_connect (port));

  g_signal_connect (login, "activate", G_CALLBACK (on_login), &logged_in);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (login));
  g_signal_connect_swapped (logs, "activate", G_CALLBACK (count_activation), &logs_opened);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (logs));
  /* The rest of the application's actions, doing nothing here. */
  for (guint i = 0; i < G_N_ELEMENTS (app_names); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (app_names[i], NULL);

      g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (action));
    }
  menu = sy_tray_menu_new (service);
  tray = sy_tray_new ("switchyard-test", sy_tray_menu_get_model (menu),
                      "tray", sy_tray_menu_get_actions (menu), "app", G_ACTION_GROUP (app), NULL);
  g_object_bind_property (menu, "status", tray, "status", G_BINDING_SYNC_CREATE);
  g_assert_cmpint (sy_tray_get_status (tray), ==, SY_TRAY_STATUS_RUNNING);

  p.host = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);

  /* The item registers with the watcher. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      items = get_property (p.host, "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
                            "org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems");
      if (g_variant_n_children (items) > 0 || g_get_monotonic_time () > deadline)
        break;
      g_clear_pointer (&items, g_variant_unref);
      spin (20);
    }
  g_assert_cmpint (sy_tray_get_backend (tray), ==, SY_TRAY_BACKEND_APPINDICATOR);
  g_assert_cmpuint (g_variant_n_children (items), ==, 1);
  g_variant_get_child (items, 0, "&s", &item);
  g_assert_true (g_str_has_suffix (item, "/org/ayatana/NotificationItem/switchyard_test"));
  slash = strchr (item, '/');
  p.bus = g_strndup (item, slash - item);
  menu_path = get_property (p.host, p.bus, slash, "org.kde.StatusNotifierItem", "Menu");
  p.menu_path = g_variant_dup_string (menu_path, NULL);
  icon = get_property (p.host, p.bus, slash, "org.kde.StatusNotifierItem", "IconName");
  g_assert_cmpstr (g_variant_get_string (icon, NULL), ==, "switchyard-running-symbolic");
  g_clear_pointer (&icon, g_variant_unref);

  /* The labels: switch, endpoint with the real port, the account, Log in. */
  endpoint = g_strdup_printf ("http://127.0.0.1:%u", port);
  account = g_list_model_get_item (sy_service_get_accounts (service), 0);
  account_line = sy_tray_menu_describe_account (account, g_get_real_time ());
  g_test_message ("account line: %s", account_line);
  g_assert_true (g_str_has_prefix (account_line, "fake"));
  ids = read_menu (&p, enabled);
  g_assert_true (g_hash_table_contains (ids, "Proxy on"));
  g_assert_true (g_hash_table_contains (ids, endpoint));
  g_assert_true (g_hash_table_contains (ids, account_line));
  g_assert_false (GPOINTER_TO_INT (g_hash_table_lookup (enabled, account_line)));
  g_assert_true (g_hash_table_contains (ids, "Log in"));
  g_assert_true (g_hash_table_contains (ids, "Claude (Pro / Max)"));
  g_assert_true (g_hash_table_contains (ids, "ChatGPT (Codex)"));
  g_assert_true (g_hash_table_contains (ids, "xAI (Grok)"));
  g_assert_true (g_hash_table_contains (ids, "Logs…"));
  g_assert_true (GPOINTER_TO_INT (g_hash_table_lookup (enabled, "Logs…")));
  g_assert_true (g_hash_table_contains (ids, "Quit"));
  g_assert_true (GPOINTER_TO_INT (g_hash_table_lookup (enabled, "Quit")));
  g_assert_true (GPOINTER_TO_INT (g_hash_table_lookup (enabled, endpoint)));
  g_clear_pointer (&ids, g_hash_table_unref);

  /* Quota arrives: the account's line says it. */
  sy_account_state_report_quota (account, NULL, 0.62, 0, g_get_real_time ());
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  g_free (account_line);
  account_line = sy_tray_menu_describe_account (account, g_get_real_time ());
  g_assert_nonnull (strstr (account_line, "62%"));
  while (menu_id (&p, account_line) < 0 && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpint (menu_id (&p, account_line), >, 0);

  /* Its one model out of quota: no account serves it, the icon asks for
   * attention, and stops when it is back. */
  sy_account_state_report_quota (account, "echo", 0, 0, g_get_real_time ());
  spin (100);
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_ATTENTION);
  icon = get_property (p.host, p.bus, slash, "org.kde.StatusNotifierItem", "IconName");
  g_assert_cmpstr (g_variant_get_string (icon, NULL), ==, "switchyard-attention-symbolic");
  g_clear_pointer (&icon, g_variant_unref);
  sy_account_state_report_quota (account, "echo", 0.62, 0, g_get_real_time ());
  spin (100);
  g_assert_cmpint (sy_tray_get_status (tray), ==, SY_TRAY_STATUS_RUNNING);

  /* Log in ▸ Claude asks the application. */
  click (&p, "Claude (Pro / Max)");
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (logged_in == NULL && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpstr (logged_in, ==, "claude");

  /* Logs… asks the application for its window. */
  click (&p, "Logs…");
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (logs_opened == 0 && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpuint (logs_opened, ==, 1);

  /* The endpoint line copies. */
  click (&p, endpoint);
  spin (50);
  clipboard = gtk_clipboard_wait_for_text (gtk_clipboard_get (GDK_SELECTION_CLIPBOARD));
  g_assert_cmpstr (clipboard, ==, endpoint);

  /* The switch: off closes the port, on opens one again. */
  click (&p, "Proxy on");
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (sy_service_get_listening (service) && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_false (sy_service_get_listening (service));
  g_assert_false (can_connect (port));
  spin (100);
  icon = get_property (p.host, p.bus, slash, "org.kde.StatusNotifierItem", "IconName");
  g_assert_cmpstr (g_variant_get_string (icon, NULL), ==, "switchyard-stopped-symbolic");
  g_clear_pointer (&icon, g_variant_unref);

  click (&p, "Proxy on");
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!sy_service_get_listening (service) && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_true (sy_service_get_listening (service));
  port = sy_service_get_port (service);
  g_assert_true (can_connect (port));
  /* port 0 in the config: maybe another port; the endpoint line follows. */
  g_free (endpoint);
  endpoint = g_strdup_printf ("http://127.0.0.1:%u", port);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (menu_id (&p, endpoint) < 0 && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpint (menu_id (&p, endpoint), >, 0);
  icon = get_property (p.host, p.bus, slash, "org.kde.StatusNotifierItem", "IconName");
  g_assert_cmpstr (g_variant_get_string (icon, NULL), ==, "switchyard-running-symbolic");

  save_screenshot (sy_tray_menu_get_model (menu), sy_tray_menu_get_actions (menu),
                   G_ACTION_GROUP (app), "tray-menu.png");

  g_clear_object (&tray);
  g_clear_object (&menu);
  sy_service_stop (service);
  g_dbus_connection_close_sync (p.host, NULL, NULL);
  g_object_unref (p.host);
  g_free (p.bus);
  g_free (p.menu_path);
}

/* The labels of @model's items, sections flattened, as a GtkMenu made
 * from it shows them (submenus are one item). */
static void
model_labels (GMenuModel *model,
              GPtrArray  *labels)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);
      g_autofree char *label = NULL;

      if (section != NULL)
        model_labels (section, labels);
      else if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        g_ptr_array_add (labels, g_steal_pointer (&label));
    }
}

static GPtrArray *
menu_labels (GtkMenu *menu)
{
  g_autoptr(GList) items = gtk_container_get_children (GTK_CONTAINER (menu));
  GPtrArray *labels = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = items; l != NULL; l = l->next)
    if (GTK_IS_MENU_ITEM (l->data) && !GTK_IS_SEPARATOR_MENU_ITEM (l->data))
      g_ptr_array_add (labels, g_strdup (gtk_menu_item_get_label (l->data)));
  return labels;
}

/* No watcher on the bus: the status icon shows the menu instead, with the
 * icon and tooltip of the status (the backend of Windows and XEmbed trays). */
static void
test_tray_fallback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyService) service = sy_service_new_from_string (CONFIG, &error);
  g_autoptr(SyTrayMenu) menu = NULL;
  g_autoptr(SyTray) tray = NULL;
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) shown = NULL;
  GtkStatusIcon *icon;
  GtkWidget *top;
  gint64 deadline;

  g_assert_no_error (error);
  menu = sy_tray_menu_new (service);
  tray = sy_tray_new ("switchyard-test", sy_tray_menu_get_model (menu),
                      "tray", sy_tray_menu_get_actions (menu), NULL);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (sy_tray_get_backend (tray) == SY_TRAY_BACKEND_NONE && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpint (sy_tray_get_backend (tray), ==, SY_TRAY_BACKEND_STATUS_ICON);
  /* Not started: the icon says the proxy is off. */
  g_assert_cmpint (sy_tray_menu_get_status (menu), ==, SY_TRAY_STATUS_STOPPED);

  icon = _sy_tray_get_status_icon (tray);
  g_assert_nonnull (icon);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_assert_cmpstr (gtk_status_icon_get_icon_name (icon), ==,
                   sy_tray_status_icon_name (SY_TRAY_STATUS_RUNNING));
  g_assert_cmpstr (gtk_status_icon_get_tooltip_text (icon), ==, "Switchyard: proxy on");
  sy_tray_set_status (tray, SY_TRAY_STATUS_ATTENTION);
  g_assert_cmpstr (gtk_status_icon_get_icon_name (icon), ==, "switchyard-attention-symbolic");
  g_assert_cmpstr (gtk_status_icon_get_tooltip_text (icon), ==,
                   "Switchyard: an account needs attention");
  sy_tray_set_tooltip (tray, "Switchyard: 1 account out");
  g_assert_cmpstr (gtk_status_icon_get_tooltip_text (icon), ==, "Switchyard: 1 account out");
  sy_tray_set_status (tray, SY_TRAY_STATUS_ERROR);
  g_assert_cmpstr (gtk_status_icon_get_icon_name (icon), ==, "switchyard-error-symbolic");
  g_assert_cmpstr (gtk_status_icon_get_tooltip_text (icon), ==, "Switchyard: 1 account out");

  /* The menu it pops up is the model's, item for item. */
  model_labels (sy_tray_menu_get_model (menu), want);
  shown = menu_labels (_sy_tray_get_menu (tray));
  g_assert_cmpuint (want->len, >, 3);
  g_assert_cmpuint (shown->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    g_assert_cmpstr (g_ptr_array_index (shown, i), ==, g_ptr_array_index (want, i));

  /* A right click on the icon pops it up. */
  g_signal_emit_by_name (icon, "popup-menu", 3, GDK_CURRENT_TIME);
  G_GNUC_END_IGNORE_DEPRECATIONS
  top = gtk_widget_get_toplevel (GTK_WIDGET (_sy_tray_get_menu (tray)));
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!gtk_widget_get_mapped (top) && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_true (gtk_widget_get_mapped (top));
  gtk_menu_popdown (_sy_tray_get_menu (tray));
}

/* How many of @pixbuf's pixels that are not (nearly) transparent are
 * within @tolerance of @want in each channel. */
static guint
count_near (GdkPixbuf     *pixbuf,
            const GdkRGBA *want,
            int            tolerance)
{
  const guint8 *row = gdk_pixbuf_read_pixels (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  const int rgb[3] = { want->red * 255, want->green * 255, want->blue * 255 };
  guint n = 0;

  g_assert_true (gdk_pixbuf_get_has_alpha (pixbuf));
  for (int y = 0; y < gdk_pixbuf_get_height (pixbuf); y++, row += gdk_pixbuf_get_rowstride (pixbuf))
    for (int x = 0; x < gdk_pixbuf_get_width (pixbuf); x++)
      {
        const guint8 *p = row + x * channels;

        /* The faded junction of "stopped" and "error" is at .35. */
        if (p[3] >= 64 && ABS (p[0] - rgb[0]) <= tolerance && ABS (p[1] - rgb[1]) <= tolerance &&
            ABS (p[2] - rgb[2]) <= tolerance)
          n++;
      }
  return n;
}

/* Where GTK does not style the tray (Windows' taskbar), the symbolic
 * icons are drawn in the taskbar's colour: white on a dark one, not
 * their own dark grey (the warning and error dots keep theirs). */
static void
test_tray_icon_colour (void)
{
  const SyTrayStatus all[] = { SY_TRAY_STATUS_RUNNING, SY_TRAY_STATUS_STOPPED,
                               SY_TRAY_STATUS_ATTENTION, SY_TRAY_STATUS_ERROR };
  GdkRGBA white, grey;

  sy_app_ensure_resources ();
  g_assert_true (gdk_rgba_parse (&white, "#ffffff"));
  g_assert_true (gdk_rgba_parse (&grey, "#2e3436"));
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(GdkPixbuf) light = _sy_tray_render_status_icon (all[i], &white, 16);
      g_autoptr(GdkPixbuf) dark = _sy_tray_render_status_icon (all[i], &grey, 32);

      g_test_message ("%s", sy_tray_status_icon_name (all[i]));
      g_assert_nonnull (light);
      g_assert_cmpint (gdk_pixbuf_get_width (light), ==, 16);
      g_assert_cmpint (gdk_pixbuf_get_height (light), ==, 16);
      g_assert_cmpuint (count_near (light, &white, 24), >, 8);
      g_assert_cmpuint (count_near (light, &grey, 48), ==, 0);

      g_assert_nonnull (dark);
      g_assert_cmpint (gdk_pixbuf_get_width (dark), ==, 32);
      g_assert_cmpuint (count_near (dark, &grey, 24), >, 32);
      g_assert_cmpuint (count_near (dark, &white, 48), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  if (g_getenv ("SNI_WATCHER") != NULL)
    g_test_add_func ("/tray/menu-over-dbus", test_tray_menu);
  else
    g_test_add_func ("/tray/fallback", test_tray_fallback);
  g_test_add_func ("/tray/icon-colour", test_tray_icon_colour);
  return g_test_run ();
}
