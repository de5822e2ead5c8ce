/* sy-login-kimi.c: Kimi Code sign-in (RFC 8628 device code) and refresh
 *
 * Facts: reference oauth.md §10. The device code comes from the auth host's
 * /api/oauth/device_authorization, tokens (and renewals) from its
 * /api/oauth/token, all form posts carrying Kimi's X-Msh-* headers. Those
 * say who calls, and we say it as it is: platform "switchyard" with our
 * version, this machine's name and system, and a random device id made at
 * sign-in and kept with the login.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-login-channels.h"
#include "sy-login-private.h"

#ifdef G_OS_UNIX
# include <sys/utsname.h>
#endif

/* Kimi Code's public client. */
#define KIMI_CLIENT_ID     "17e5f671-d194-4dfb-9706-5516cb48c098"
/* No device code is waited for longer than that (the provider's own limit). */
#define KIMI_MAX_WAIT_S    (15 * 60)

/* Header values are ASCII: anything else in a host name becomes '-'. */
static char *
header_safe (const char *text)
{
  char *safe = g_strdup (text && *text ? text : "unknown");

  for (char *p = safe; *p; p++)
    if (!g_ascii_isprint (*p))
      *p = '-';
  return safe;
}

GStrv
sy_kimi_headers_new (const char *device_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *host = header_safe (g_get_host_name ());
  g_autofree char *model = NULL;
  g_autofree char *id = header_safe (device_id);

#ifdef G_OS_UNIX
  {
    struct utsname name;

    if (uname (&name) == 0)
      model = g_strdup_printf ("%s %s", name.sysname, name.machine);
  }
#endif
  if (model == NULL)
    model = g_strdup ("unknown");
  {
    g_autofree char *safe_model = header_safe (model);

    g_strv_builder_add_many (builder,
                             "X-Msh-Platform", "switchyard",
                             "X-Msh-Version", PACKAGE_VERSION,
                             "X-Msh-Device-Name", host,
                             "X-Msh-Device-Model", safe_model,
                             "X-Msh-Device-Id", id,
                             NULL);
  }
  return g_strv_builder_end (builder);
}

/* The same as "Name: value" lines for a token-endpoint post. */
static GStrv
kimi_post_headers (const char *device_id)
{
  g_auto(GStrv) pairs = sy_kimi_headers_new (device_id);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; pairs[i] != NULL && pairs[i + 1] != NULL; i += 2)
    {
      g_autofree char *line = g_strdup_printf ("%s: %s", pairs[i], pairs[i + 1]);

      g_strv_builder_add (builder, line);
    }
  return g_strv_builder_end (builder);
}

/* ------------------------------------------------------------------ sign-in */

/* The user_id (or subject) of the access token when it is a JWT: what makes
 * a Kimi login the same account across sign-ins. NULL when it cannot tell. */
static char *
kimi_user_of (const char *access_token)
{
  g_autoptr(JsonObject) claims = sy_jwt_decode_payload (access_token, NULL);
  JsonNode *node;

  if (claims == NULL)
    return NULL;
  node = json_object_get_member (claims, "user_id");
  if (node == NULL)
    node = json_object_get_member (claims, "sub");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING && *json_node_get_string (node) != '\0')
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return NULL;
}

static void
on_kimi_tokens (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  const char *device_id = self->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_device_poll_finish (result, &error);
  g_autofree char *user = NULL;
  g_autofree char *identity = NULL;
  const char *access;
  gint64 now = g_get_real_time ();
  SyCredential *credential;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = sy_login_json_string (answer, "access_token");
  if (access == NULL || *access == '\0')
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "Kimi's token answer holds no access token");
      return;
    }
  /* Kimi says nothing of the account but in its token, if at all; without
   * that, each sign-in is an account of its own. */
  user = kimi_user_of (access);
  identity = user ? g_strconcat ("user:", user, NULL) : g_strconcat ("device:", device_id, NULL);
  credential = sy_credential_new ("kimi", NULL, identity);
  sy_credential_set_tokens (credential, access, sy_login_json_string (answer, "refresh_token"), NULL,
                            sy_login_expiry_from (answer, now), now);
  sy_credential_set_extra (credential, "device_id", device_id);
  sy_credential_set_extra (credential, "user_id", user);
  sy_credential_set_extra (credential, "scope", sy_login_json_string (answer, "scope"));
  if (user != NULL)
    {
      g_autofree char *label = g_strdup_printf ("Kimi user %s", user);

      sy_credential_set_label (credential, label);
    }
  g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_kimi_device_code (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, NULL, &error);
  g_autofree char *token_url = g_strconcat (self->auth_base, "/api/oauth/token", NULL);
  g_auto(GStrv) headers = kimi_post_headers (self->data);

  if (answer == NULL ||
      !sy_login_device_wait (self, task, answer, token_url, KIMI_CLIENT_ID, (const char * const *) headers,
                             KIMI_MAX_WAIT_S, on_kimi_tokens, &error))
    g_task_return_error (task, g_steal_pointer (&error));
}

static gboolean
kimi_start (SyLoginFlow  *self,
            GTask        *task,
            GError      **error)
{
  g_autofree char *url = g_strconcat (self->auth_base, "/api/oauth/device_authorization", NULL);
  g_auto(GStrv) headers = NULL;
  const char *fields[3];

  /* The device id: made here, sent with every call, kept with the login. */
  self->data = g_uuid_string_random ();
  self->data_free = g_free;
  headers = kimi_post_headers (self->data);
  fields[0] = "client_id"; fields[1] = KIMI_CLIENT_ID;
  fields[2] = NULL;
  sy_oauth_post_async (self->http, url, SY_OAUTH_FORM, fields, (const char * const *) headers,
                       self->config->proxy_url, g_task_get_cancellable (task),
                       on_kimi_device_code, g_object_ref (task));
  return TRUE;
}

/* ------------------------------------------------------------------ refresh */

static void
on_kimi_refreshed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  guint status = 0;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, &status, &error);

  /* Kimi refuses a dead refresh token with 401 or 403 (oauth.md §10): both
   * mean "sign in again", which the common code knows as 401. */
  sy_login_finish_refresh (task, g_task_get_task_data (task), answer, status == 403 ? 401 : status, error);
}

static void
kimi_refresh (SyHttpClient *http,
              SyConfig     *config,
              SyCredential *credential,
              GTask        *task)
{
  g_autofree char *auth = sy_config_endpoint (config, "kimi", "auth", sy_login_kimi.auth);
  g_autofree char *url = g_strconcat (auth, "/api/oauth/token", NULL);
  g_auto(GStrv) headers = kimi_post_headers (sy_credential_get_extra (credential, "device_id"));
  const char *fields[7];

  fields[0] = "client_id";     fields[1] = KIMI_CLIENT_ID;
  fields[2] = "grant_type";    fields[3] = "refresh_token";
  fields[4] = "refresh_token"; fields[5] = sy_credential_get_refresh_token (credential);
  fields[6] = NULL;
  sy_oauth_post_async (http, url, SY_OAUTH_FORM, fields, (const char * const *) headers,
                       config ? config->proxy_url : NULL, g_task_get_cancellable (task),
                       on_kimi_refreshed, task);
}

const SyLoginProvider sy_login_kimi = {
  .name = "kimi",
  .title = "Kimi Code",
  .auth = "https://auth.kimi.com",
  .api = "https://api.kimi.com",
  .port = 0,
  .path = NULL,
  .lead_s = 5 * 60,
  .start = kimi_start,
  .refresh = kimi_refresh,
};
