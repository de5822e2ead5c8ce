/* test-autostart-portal.c: "Start at login" through the Background portal
 *
 * Runs on a private session bus (headless-session.sh, tests/test-bus.conf)
 * with a fake org.freedesktop.portal.Desktop in a thread of its own: the
 * code under test blocks its caller until the Response signal comes, so the
 * fake answers from another main context. The fake records each
 * RequestBackground and answers as the test tells it to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "sy-autostart.h"
#include "sy-autostart-portal.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Background'>"
  "    <method name='RequestBackground'>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct
{
  GMutex           lock;
  GCond            cond;
  gboolean         ready;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusConnection *bus;
  GThread         *thread;

  /* How the next request is answered (set by the test). */
  guint32          response;      /* Request::Response code */
  int              grant;         /* results' autostart: 1, 0, or -1 for none */
  gboolean         decoy;         /* first a granting Response on another path */
  gboolean         own_path;      /* answer on a path of its own, as old portals */

  /* What the last request asked (read by the test). */
  guint            calls;
  gboolean         autostart;
  char            *commandline;   /* its words joined by spaces */
  char            *token;
  char            *handle;
  char            *reason;
  char            *sender;
} FakePortal;

static FakePortal fake;

static void
emit_response (const char *sender,
               const char *path,
               guint32     response,
               int         grant)
{
  GVariantBuilder results;

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (TRUE));
  if (grant >= 0)
    g_variant_builder_add (&results, "{sv}", "autostart", g_variant_new_boolean (grant));
  g_dbus_connection_emit_signal (fake.bus, sender, path, "org.freedesktop.portal.Request",
                                 "Response", g_variant_new ("(ua{sv})", response, &results), NULL);
}

typedef struct
{
  char *sender;
  char *handle;
} Late;

static void
late_free (gpointer data)
{
  Late *late = data;

  g_free (late->sender);
  g_free (late->handle);
  g_free (late);
}

static gboolean
emit_late (gpointer data)
{
  Late *late = data;

  emit_response (late->sender, late->handle, fake.response, fake.grant);
  return G_SOURCE_REMOVE;
}

static void
on_method (GDBusConnection       *bus,
           const char            *sender,
           const char            *path,
           const char            *interface,
           const char            *method,
           GVariant              *parameters,
           GDBusMethodInvocation *invocation,
           gpointer               user_data)
{
  g_autoptr(GVariant) options = NULL;
  g_autofree const char **words = NULL;
  g_autofree char *client = g_strdup (sender + 1);
  const char *token = "none";
  const char *reason = "";
  g_autofree char *handle = NULL;
  g_autofree char *decoy = NULL;
  gboolean autostart = FALSE;

  g_variant_get (parameters, "(&s@a{sv})", NULL, &options);
  g_variant_lookup (options, "handle_token", "&s", &token);
  g_variant_lookup (options, "reason", "&s", &reason);
  g_variant_lookup (options, "autostart", "b", &autostart);
  g_variant_lookup (options, "commandline", "^a&s", &words);
  g_strdelimit (client, ".", '_');
  handle = fake.own_path ? g_strdup ("/org/freedesktop/portal/desktop/request/old/42")
                         : g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s",
                                            client, token);

  g_mutex_lock (&fake.lock);
  fake.calls++;
  fake.autostart = autostart;
  g_free (fake.commandline);
  fake.commandline = words != NULL ? g_strjoinv (" ", (char **) words) : NULL;
  g_free (fake.token);
  fake.token = g_strdup (token);
  g_free (fake.handle);
  fake.handle = g_strdup (handle);
  g_free (fake.reason);
  fake.reason = g_strdup (reason);
  g_free (fake.sender);
  fake.sender = g_strdup (sender);
  g_mutex_unlock (&fake.lock);

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", handle));
  if (fake.decoy)
    {
      decoy = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/other", client);
      emit_response (sender, decoy, 0, 1);
    }
  if (fake.own_path)
    {
      /* The client learns this path from the reply only: answer once it
       * has had the time to listen there. */
      Late *late = g_new0 (Late, 1);
      g_autoptr(GSource) later = g_timeout_source_new (300);

      late->sender = g_strdup (sender);
      late->handle = g_strdup (handle);
      g_source_set_callback (later, emit_late, late, late_free);
      g_source_attach (later, fake.context);
      return;
    }
  emit_response (sender, handle, fake.response, fake.grant);
}

static const GDBusInterfaceVTable vtable = { on_method, NULL, NULL, { 0 } };

static gpointer
fake_portal_thread (gpointer data)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (portal_xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  guint object;

  g_main_context_push_thread_default (fake.context);
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fake.bus = g_dbus_connection_new_for_address_sync (address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  object = g_dbus_connection_register_object (fake.bus, "/org/freedesktop/portal/desktop",
                                              info->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);

  g_mutex_lock (&fake.lock);
  fake.ready = TRUE;
  g_cond_signal (&fake.cond);
  g_mutex_unlock (&fake.lock);

  g_main_loop_run (fake.loop);
  g_dbus_connection_unregister_object (fake.bus, object);
  g_main_context_pop_thread_default (fake.context);
  return NULL;
}

/* Owns or releases the portal's name (from the test's thread: the calls
 * are synchronous and need no main loop). */
static void
fake_portal_set_present (gboolean present)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 result = 0;

  reply = g_dbus_connection_call_sync (fake.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus",
                                       present ? "RequestName" : "ReleaseName",
                                       present ? g_variant_new ("(su)", PORTAL_BUS_NAME, 4u)
                                               : g_variant_new ("(s)", PORTAL_BUS_NAME),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);   /* PRIMARY_OWNER / RELEASED */
}

static void
fake_portal_start (void)
{
  g_mutex_init (&fake.lock);
  g_cond_init (&fake.cond);
  fake.context = g_main_context_new ();
  fake.loop = g_main_loop_new (fake.context, FALSE);
  fake.thread = g_thread_new ("fake-portal", fake_portal_thread, NULL);
  g_mutex_lock (&fake.lock);
  while (!fake.ready)
    g_cond_wait (&fake.cond, &fake.lock);
  g_mutex_unlock (&fake.lock);
  fake_portal_set_present (TRUE);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (fake.loop);
  return G_SOURCE_REMOVE;
}

static void
fake_portal_stop (void)
{
  g_main_context_invoke (fake.context, quit_loop, NULL);
  g_thread_join (fake.thread);
  g_dbus_connection_close_sync (fake.bus, NULL, NULL);
  g_clear_object (&fake.bus);
  g_main_loop_unref (fake.loop);
  g_main_context_unref (fake.context);
  g_free (fake.commandline);
  g_free (fake.token);
  g_free (fake.handle);
  g_free (fake.reason);
  g_free (fake.sender);
  g_mutex_clear (&fake.lock);
  g_cond_clear (&fake.cond);
}

/* Each test starts with no entry and a portal that grants. */
static void
reset (void)
{
  g_autofree char *path = sy_autostart_get_path ();

  g_unlink (path);
  g_setenv ("SWITCHYARD_AUTOSTART", "portal", TRUE);
  g_mutex_lock (&fake.lock);
  fake.response = 0;
  fake.grant = 1;
  fake.decoy = FALSE;
  fake.own_path = FALSE;
  g_mutex_unlock (&fake.lock);
}

static guint
calls (void)
{
  guint n;

  g_mutex_lock (&fake.lock);
  n = fake.calls;
  g_mutex_unlock (&fake.lock);
  return n;
}

static gboolean
entry_exists (void)
{
  g_autofree char *path = sy_autostart_get_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_wanted (void)
{
  g_setenv ("SWITCHYARD_AUTOSTART", "portal", TRUE);
  g_assert_true (sy_autostart_portal_wanted ());
  g_setenv ("SWITCHYARD_AUTOSTART", "file", TRUE);
  g_assert_false (sy_autostart_portal_wanted ());
  g_unsetenv ("SWITCHYARD_AUTOSTART");
  g_assert_cmpint (sy_autostart_portal_wanted (), ==,
                   g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
}

/* On: one request asking for autostart with the command; the entry in the
 * sandbox's config records it. Off: a second request, the entry gone. */
static void
test_enable_disable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  guint before;

  reset ();
  before = calls ();
  g_assert_true (sy_autostart_set_enabled (TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls (), ==, before + 1);
  g_assert_true (fake.autostart);
  g_assert_cmpstr (fake.commandline, ==, "switchyard");
  g_assert_cmpstr (fake.sender, ==, g_dbus_connection_get_unique_name (bus));
  g_assert_true (g_str_has_prefix (fake.token, "switchyard"));
  g_assert_true (g_str_has_suffix (fake.handle, fake.token));
  g_assert_cmpstr (fake.reason, !=, "");
  g_assert_true (entry_exists ());
  g_assert_true (sy_autostart_get_enabled ());

  g_assert_true (sy_autostart_set_enabled (FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls (), ==, before + 2);
  g_assert_false (fake.autostart);
  g_assert_false (entry_exists ());
  g_assert_false (sy_autostart_get_enabled ());
}

/* The portal says no to autostart (background apps refused): an error, and
 * nothing recorded. A result without "autostart" counts as no. */
static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;

  reset ();
  fake.grant = 0;
  g_assert_false (sy_autostart_set_enabled (TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_false (entry_exists ());
  g_assert_false (sy_autostart_get_enabled ());
  g_clear_error (&error);

  fake.grant = -1;
  g_assert_false (sy_autostart_portal_request (NULL, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_dismissed_failed (void)
{
  g_autoptr(GError) error = NULL;

  reset ();
  fake.response = 1;
  g_assert_false (sy_autostart_set_enabled (TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (entry_exists ());
  g_clear_error (&error);

  fake.response = 2;
  g_assert_false (sy_autostart_set_enabled (TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (entry_exists ());
}

/* Turning it off when the portal cannot be asked keeps the entry: the
 * host's one is still there too. */
static void
test_disable_fails_keeps_entry (void)
{
  g_autoptr(GError) error = NULL;

  reset ();
  g_assert_true (sy_autostart_set_enabled (TRUE, &error));
  fake.response = 2;
  g_assert_false (sy_autostart_set_enabled (FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_true (sy_autostart_get_enabled ());
}

/* A Response on another Request's path is not ours. */
static void
test_other_request_ignored (void)
{
  g_autoptr(GError) error = NULL;

  reset ();
  fake.decoy = TRUE;   /* grants on ".../other" */
  fake.grant = 0;      /* refuses on ours */
  g_assert_false (sy_autostart_set_enabled (TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_false (entry_exists ());
}

/* A portal that ignores handle_token answers on the path it returned. */
static void
test_returned_path (void)
{
  g_autoptr(GError) error = NULL;

  reset ();
  fake.own_path = TRUE;
  g_assert_true (sy_autostart_set_enabled (TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fake.handle, ==, "/org/freedesktop/portal/desktop/request/old/42");
  g_assert_true (sy_autostart_get_enabled ());
}

static void
test_no_portal (void)
{
  g_autoptr(GError) error = NULL;
  guint before;

  reset ();
  fake_portal_set_present (FALSE);
  before = calls ();
  g_assert_false (sy_autostart_set_enabled (TRUE, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);
  g_assert_cmpuint (calls (), ==, before);
  g_assert_false (entry_exists ());
  fake_portal_set_present (TRUE);
}

/* Outside a sandbox: the XDG entry only, the portal is not asked. */
static void
test_file_mode (void)
{
  g_autoptr(GError) error = NULL;
  guint before;

  reset ();
  g_setenv ("SWITCHYARD_AUTOSTART", "file", TRUE);
  before = calls ();
  g_assert_true (sy_autostart_set_enabled (TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (sy_autostart_get_enabled ());
  g_assert_true (sy_autostart_set_enabled (FALSE, &error));
  g_assert_cmpuint (calls (), ==, before);
}

static void
test_skipped (void)
{
  g_test_skip ("run through tests/headless-session.sh (a private session bus)");
}

int
main (int   argc,
      char *argv[])
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* Never the user's own bus or config: headless-session.sh makes both. */
  if (g_getenv ("TEST_BUS_CONF") == NULL)
    {
      g_test_add_func ("/autostart-portal/skipped", test_skipped);
      return g_test_run ();
    }
  fake_portal_start ();

  g_test_add_func ("/autostart-portal/wanted", test_wanted);
  g_test_add_func ("/autostart-portal/enable-disable", test_enable_disable);
  g_test_add_func ("/autostart-portal/refused", test_refused);
  g_test_add_func ("/autostart-portal/dismissed-failed", test_dismissed_failed);
  g_test_add_func ("/autostart-portal/disable-fails-keeps-entry", test_disable_fails_keeps_entry);
  g_test_add_func ("/autostart-portal/other-request-ignored", test_other_request_ignored);
  g_test_add_func ("/autostart-portal/returned-path", test_returned_path);
  g_test_add_func ("/autostart-portal/no-portal", test_no_portal);
  g_test_add_func ("/autostart-portal/file-mode", test_file_mode);
  rc = g_test_run ();

  fake_portal_stop ();
  return rc;
}
