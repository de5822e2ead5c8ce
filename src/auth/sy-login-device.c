/* sy-login-device.c: the waiting half of RFC 8628 device sign-ins
 *
 * Kimi and xAI both answer a device authorization request with a device
 * code, a code for the user and an address, then want their token endpoint
 * polled until the user approves. The address is shown once it is known.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include "sy-login-private.h"

#define DEVICE_GRANT            "urn:ietf:params:oauth:grant-type:device_code"
/* RFC 8628 §3.2: 5 s when the provider does not say. */
#define DEFAULT_INTERVAL_MS     5000
/* A pace faster than that is not taken, whatever the answer says. */
#define MIN_INTERVAL_MS         10

/* Seconds (an integer, a fraction or a string) from a device answer; 0 if none. */
static double
answer_seconds (JsonObject *answer,
                const char *name)
{
  JsonNode *node = json_object_get_member (answer, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:  return (double) json_node_get_int (node);
    case G_TYPE_DOUBLE: return json_node_get_double (node);
    case G_TYPE_STRING: return g_ascii_strtod (json_node_get_string (node), NULL);
    default:            return 0;
    }
}

gboolean
sy_login_device_wait (SyLoginFlow         *self,
                      GTask               *task,
                      JsonObject          *answer,
                      const char          *token_url,
                      const char          *client_id,
                      const char * const  *headers,
                      guint                max_wait_s,
                      GAsyncReadyCallback  callback,
                      GError             **error)
{
  SyOAuthDevicePollInfo poll = { 0 };
  const char *device_code = sy_login_json_string (answer, "device_code");
  const char *user_code = sy_login_json_string (answer, "user_code");
  const char *address = sy_login_json_string (answer, "verification_uri_complete");
  const char *fields[7];
  double interval = answer_seconds (answer, "interval");
  double expires = answer_seconds (answer, "expires_in");
  double wait_s;

  if (address == NULL)
    address = sy_login_json_string (answer, "verification_uri");
  if (device_code == NULL || *device_code == '\0' || user_code == NULL || address == NULL)
    {
      g_set_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                   "%s's device answer lacks the device code, the user code or the address",
                   self->info->title);
      return FALSE;
    }
  sy_login_flow_set_prompt (self, address, user_code);

  /* Until the code expires, within the provider's limit and the caller's. */
  wait_s = MIN (self->options.timeout_s, max_wait_s);
  if (expires > 0)
    wait_s = MIN (wait_s, expires);
  fields[0] = "client_id";   fields[1] = client_id;
  fields[2] = "device_code"; fields[3] = device_code;
  fields[4] = "grant_type";  fields[5] = DEVICE_GRANT;
  fields[6] = NULL;
  poll.url = token_url;
  poll.encoding = SY_OAUTH_FORM;
  poll.fields = fields;
  poll.headers = headers;
  poll.proxy_url = self->config->proxy_url;
  poll.interval_ms = interval > 0 ? (guint) MIN (MAX (interval * 1000, MIN_INTERVAL_MS), 600000)
                                  : DEFAULT_INTERVAL_MS;
  poll.timeout_ms = (guint) (MAX (wait_s, 1) * 1000);
  sy_oauth_device_poll_full_async (self->http, &poll, g_task_get_cancellable (task),
                                   callback, g_object_ref (task));
  return TRUE;
}
