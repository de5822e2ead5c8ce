/* sy-autostart-portal.c: starting at login from a sandbox (Background portal)
 *
 * org.freedesktop.portal.Background.RequestBackground answers with a
 * Request object path at once and the result later, as that Request's
 * Response signal (the user may be asked in between). The path is
 * predictable from our unique bus name and a handle_token we pick, so the
 * signal is subscribed to before the call: a fast portal cannot answer
 * before we listen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-autostart-portal.h"

#define PORTAL_BUS_NAME      "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH   "/org/freedesktop/portal/desktop"
#define BACKGROUND_INTERFACE "org.freedesktop.portal.Background"
#define REQUEST_INTERFACE    "org.freedesktop.portal.Request"
#define REQUEST_PATH_PREFIX  "/org/freedesktop/portal/desktop/request/"

/* Long enough for a user to read the portal's question. */
#define ANSWER_TIMEOUT_MS (120 * 1000)

/* Request::Response codes */
enum
{
  RESPONSE_SUCCESS   = 0,
  RESPONSE_CANCELLED = 1,
};

gboolean
sy_autostart_portal_wanted (void)
{
  const char *forced = g_getenv ("SWITCHYARD_AUTOSTART");

  if (forced != NULL && g_str_equal (forced, "portal"))
    return TRUE;
  if (forced != NULL && g_str_equal (forced, "file"))
    return FALSE;
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

typedef struct
{
  gboolean  answered;
  gboolean  timed_out;
  guint32   response;
  GVariant *results;      /* a{sv} */
  guint     subscribed;   /* subscriptions whose user data is still held */
} Wait;

static void
on_response (GDBusConnection *bus,
             const char      *sender,
             const char      *path,
             const char      *interface,
             const char      *signal,
             GVariant        *parameters,
             gpointer         user_data)
{
  Wait *wait = user_data;

  if (wait->answered || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  g_variant_get (parameters, "(u@a{sv})", &wait->response, &wait->results);
  wait->answered = TRUE;
}

static void
on_unsubscribed (gpointer user_data)
{
  Wait *wait = user_data;

  wait->subscribed--;
}

static gboolean
on_timeout (gpointer user_data)
{
  Wait *wait = user_data;

  wait->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static guint
subscribe (GDBusConnection *bus,
           const char      *handle,
           Wait            *wait)
{
  wait->subscribed++;
  return g_dbus_connection_signal_subscribe (bus, PORTAL_BUS_NAME, REQUEST_INTERFACE, "Response",
                                             handle, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                             on_response, wait, on_unsubscribed);
}

/* The Request path the portal will use for @token: the unique name
 * without its ':' and with '.' as '_'. */
static char *
expected_handle (GDBusConnection *bus,
                 const char      *token)
{
  const char *unique = g_dbus_connection_get_unique_name (bus);
  g_autofree char *sender = g_strdup (unique != NULL && unique[0] == ':' ? unique + 1 : "");

  g_strdelimit (sender, ".", '_');
  return g_strconcat (REQUEST_PATH_PREFIX, sender, "/", token, NULL);
}

static gboolean
check_answer (const Wait  *wait,
              gboolean     autostart,
              GError     **error)
{
  gboolean granted = FALSE;

  if (wait->timed_out)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("the background portal did not answer"));
      return FALSE;
    }
  if (wait->response == RESPONSE_CANCELLED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("the request to start at login was dismissed"));
      return FALSE;
    }
  if (wait->response != RESPONSE_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("the background portal failed (response %u)"), wait->response);
      return FALSE;
    }
  /* Turning it off needs no permission; turning it on is only done when
   * the portal says so (the user may have refused background apps). */
  if (autostart &&
      (!g_variant_lookup (wait->results, "autostart", "b", &granted) || !granted))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("starting at login is not allowed for Switchyard "
                             "(see the background apps in the system's settings)"));
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_autostart_portal_request (GDBusConnection  *bus,
                             gboolean          autostart,
                             GError          **error)
{
  g_autoptr(GDBusConnection) own_bus = NULL;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *token = NULL;
  g_autofree char *handle = NULL;
  const char *returned = NULL;
  const char *const commandline[] = { SY_AUTOSTART_PORTAL_COMMAND, NULL };
  GVariantBuilder options;
  Wait wait = { 0 };
  guint subscription;
  gboolean ok;

  if (bus == NULL)
    {
      own_bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
      if (own_bus == NULL)
        return FALSE;
      bus = own_bus;
    }

  /* Signals are delivered in the context that was thread-default when
   * they were subscribed to: a private one, iterated below. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  token = g_strdup_printf ("switchyard%u", g_random_int ());
  handle = expected_handle (bus, token);
  subscription = subscribe (bus, handle, &wait);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Start Switchyard when you log in")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  reply = g_dbus_connection_call_sync (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                                       BACKGROUND_INTERFACE, "RequestBackground",
                                       g_variant_new ("(sa{sv})", "", &options),
                                       G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, error);
  if (reply != NULL)
    {
      /* Portals older than handle_token pick their own path. */
      g_variant_get (reply, "(&o)", &returned);
      if (!g_str_equal (returned, handle))
        {
          g_dbus_connection_signal_unsubscribe (bus, subscription);
          subscription = subscribe (bus, returned, &wait);
        }

      timeout = g_timeout_source_new (ANSWER_TIMEOUT_MS);
      g_source_set_callback (timeout, on_timeout, &wait, NULL);
      g_source_attach (timeout, context);
      while (!wait.answered && !wait.timed_out)
        g_main_context_iteration (context, TRUE);
      g_source_destroy (timeout);
    }

  /* &wait is on this stack: wait until GDBus has let go of it. */
  g_dbus_connection_signal_unsubscribe (bus, subscription);
  while (wait.subscribed > 0)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  ok = reply != NULL && check_answer (&wait, autostart, error);
  g_clear_pointer (&wait.results, g_variant_unref);
  return ok;
}
