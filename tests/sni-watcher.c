/* Minimal org.kde.StatusNotifierWatcher (+ pretend host) for tests.
 * Owns the watcher name on the session bus, records registered items as
 * "<bus-name><object-path>", drops them when their owner leaves, and prints
 * "registered <item>" / "unregistered <item>" lines on stdout.
 * Build: cc sni_watcher.c $(pkg-config --cflags --libs gio-2.0) -o sni_watcher
 * Run:   ./sni_watcher &   (inside the test's D-Bus session; exits on SIGTERM
 *        or when the bus goes away) */
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

static const gchar introspection_xml[] =
  "<node>"
  " <interface name='org.kde.StatusNotifierWatcher'>"
  "  <method name='RegisterStatusNotifierItem'><arg type='s' direction='in'/></method>"
  "  <method name='RegisterStatusNotifierHost'><arg type='s' direction='in'/></method>"
  "  <property name='RegisteredStatusNotifierItems' type='as' access='read'/>"
  "  <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
  "  <property name='ProtocolVersion' type='i' access='read'/>"
  "  <signal name='StatusNotifierItemRegistered'><arg type='s'/></signal>"
  "  <signal name='StatusNotifierItemUnregistered'><arg type='s'/></signal>"
  "  <signal name='StatusNotifierHostRegistered'/>"
  "  <signal name='StatusNotifierHostUnregistered'/>"
  " </interface>"
  "</node>";

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"

static GHashTable *items;   /* "name/path" -> watch id */
static GMainLoop *loop;

static void
emit (GDBusConnection *c, const char *signal, GVariant *params)
{
  g_dbus_connection_emit_signal (c, NULL, WATCHER_PATH, WATCHER_NAME, signal, params, NULL);
}

static void
item_vanished (GDBusConnection *c, const gchar *name, gpointer user_data)
{
  GHashTableIter it;
  gpointer key, val;
  (void) user_data;
  g_hash_table_iter_init (&it, items);
  while (g_hash_table_iter_next (&it, &key, &val)) {
    if (g_str_has_prefix (key, name) && ((const char *) key)[strlen (name)] == '/') {
      printf ("unregistered %s\n", (char *) key);
      fflush (stdout);
      if (c)   /* NULL when the bus itself went away */
        emit (c, "StatusNotifierItemUnregistered", g_variant_new ("(s)", (char *) key));
      g_bus_unwatch_name (GPOINTER_TO_UINT (val));
      g_hash_table_iter_remove (&it);
    }
  }
}

static void
method_call (GDBusConnection *c, const gchar *sender, const gchar *path,
             const gchar *iface, const gchar *method, GVariant *params,
             GDBusMethodInvocation *inv, gpointer user_data)
{
  const gchar *arg;
  (void) path; (void) iface; (void) user_data;
  g_variant_get (params, "(&s)", &arg);
  if (g_strcmp0 (method, "RegisterStatusNotifierItem") == 0) {
    /* ayatana passes an object path; others pass a bus name */
    const char *bus = arg[0] == '/' ? sender : arg;
    const char *obj = arg[0] == '/' ? arg : "/StatusNotifierItem";
    char *key = g_strconcat (bus, obj, NULL);
    if (!g_hash_table_contains (items, key)) {
      guint id = g_bus_watch_name_on_connection (c, bus, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                 NULL, item_vanished, NULL, NULL);
      g_hash_table_insert (items, g_strdup (key), GUINT_TO_POINTER (id));
      printf ("registered %s\n", key);
      fflush (stdout);
      emit (c, "StatusNotifierItemRegistered", g_variant_new ("(s)", key));
    }
    g_free (key);
  } else {
    emit (c, "StatusNotifierHostRegistered", NULL);
  }
  g_dbus_method_invocation_return_value (inv, NULL);
}

static GVariant *
get_property (GDBusConnection *c, const gchar *sender, const gchar *path,
              const gchar *iface, const gchar *prop, GError **error, gpointer user_data)
{
  (void) c; (void) sender; (void) path; (void) iface; (void) error; (void) user_data;
  if (g_strcmp0 (prop, "RegisteredStatusNotifierItems") == 0) {
    GVariantBuilder b;
    GHashTableIter it;
    gpointer key;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("as"));
    g_hash_table_iter_init (&it, items);
    while (g_hash_table_iter_next (&it, &key, NULL))
      g_variant_builder_add (&b, "s", key);
    return g_variant_builder_end (&b);
  }
  if (g_strcmp0 (prop, "IsStatusNotifierHostRegistered") == 0)
    return g_variant_new_boolean (TRUE);   /* we pretend to be the tray */
  return g_variant_new_int32 (0);
}

static const GDBusInterfaceVTable vtable = { method_call, get_property, NULL, { 0 } };

static void
bus_acquired (GDBusConnection *c, const gchar *name, gpointer user_data)
{
  GDBusNodeInfo *info = user_data;
  GError *err = NULL;
  (void) name;
  if (!g_dbus_connection_register_object (c, WATCHER_PATH, info->interfaces[0],
                                          &vtable, NULL, NULL, &err))
    g_error ("register_object: %s", err->message);
}

static void
name_acquired (GDBusConnection *c, const gchar *name, gpointer user_data)
{
  (void) c; (void) user_data;
  printf ("watcher ready %s\n", name);
  fflush (stdout);
}

static void
name_lost (GDBusConnection *c, const gchar *name, gpointer user_data)
{
  (void) user_data;
  fprintf (stderr, "sni_watcher: %s %s\n", name,
           c ? "is owned by someone else" : "- no session bus");
  g_main_loop_quit (loop);
}

static gboolean
on_sigterm (gpointer user_data)
{
  (void) user_data;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (void)
{
  GDBusNodeInfo *info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  guint owner;

  items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  owner = g_bus_own_name (G_BUS_TYPE_SESSION, WATCHER_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                bus_acquired, name_acquired, name_lost, info, NULL);
  g_unix_signal_add (SIGTERM, on_sigterm, NULL);
  g_unix_signal_add (SIGINT, on_sigterm, NULL);
  g_main_loop_run (loop);
  g_bus_unown_name (owner);
  g_hash_table_destroy (items);
  g_dbus_node_info_unref (info);
  g_main_loop_unref (loop);
  return 0;
}
