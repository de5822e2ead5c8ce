/* sy-provider-antigravity.c: Google Antigravity logins (cloudcode-pa v1internal)
 *
 * Facts: reference providers.md §9. The Cloud Code envelope as the
 * translation writes it (flavor ANTIGRAVITY: its schema and tool-call
 * variants), completed with what the Antigravity channel takes: the
 * account's project, "userAgent": "antigravity", a request type and id, a
 * session id derived from the conversation's first user text, and the
 * body rules below; the login's bearer token and Antigravity's user agent
 * (with this machine's platform).
 *
 * Not done here: the retries inside one account (other base URLs, short
 * waits on a 429) — a 429 cools the account down for the delay Google
 * names, and the next account is tried; the always-streaming models are
 * asked as the client asked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <string.h>

#include "sy-cloud-code.h"
#include "sy-provider.h"
#include "sy-secret.h"

typedef struct { SyProvider parent_instance; } SyProviderAntigravity;
typedef struct { SyProviderClass parent_class; } SyProviderAntigravityClass;

G_DEFINE_FINAL_TYPE (SyProviderAntigravity, sy_provider_antigravity, SY_TYPE_PROVIDER)

static JsonObject *
object_member (JsonObject *object,
               const char *name,
               gboolean    create)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);
  if (!create)
    return NULL;
  json_object_set_object_member (object, name, json_object_new ());
  return json_object_get_object_member (object, name);
}

static const char *
first_user_text (JsonObject *inner)
{
  JsonNode *node = json_object_get_member (inner, "contents");
  JsonArray *contents = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  for (guint i = 0; contents != NULL && i < json_array_get_length (contents); i++)
    {
      JsonNode *cn = json_array_get_element (contents, i);
      JsonObject *content = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
      JsonNode *pn = content ? json_object_get_member (content, "parts") : NULL;
      JsonArray *parts = pn && JSON_NODE_HOLDS_ARRAY (pn) ? json_node_get_array (pn) : NULL;

      if (content == NULL || g_strcmp0 (json_object_get_string_member_with_default (content, "role", ""),
                                        "user") != 0)
        continue;
      for (guint p = 0; parts != NULL && p < json_array_get_length (parts); p++)
        {
          JsonNode *part = json_array_get_element (parts, p);
          JsonNode *text = JSON_NODE_HOLDS_OBJECT (part)
                           ? json_object_get_member (json_node_get_object (part), "text") : NULL;

          if (text != NULL && JSON_NODE_HOLDS_VALUE (text) && json_node_get_value_type (text) == G_TYPE_STRING)
            return json_node_get_string (text);
        }
    }
  return NULL;
}

/* "-" and a positive 63-bit number: from the first user text, so that one
 * conversation keeps its session; random without one. */
static char *
session_id (JsonObject *inner)
{
  const char *text = first_user_text (inner);
  guint64 value = 0;

  if (text != NULL)
    {
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize len = sizeof digest;

      g_checksum_update (sum, (const guchar *) text, strlen (text));
      g_checksum_get_digest (sum, digest, &len);
      for (guint i = 0; i < 8; i++)
        value = (value << 8) | digest[i];
    }
  else
    value = ((guint64) g_random_int () << 32) | g_random_int ();
  return g_strdup_printf ("-%" G_GUINT64_FORMAT, value & (guint64) G_MAXINT64);
}

/* The envelope's Antigravity members, set anew on every attempt. */
static void
complete_envelope (JsonObject *body,
                   const char *model,
                   const char *project)
{
  JsonObject *inner = object_member (body, "request", TRUE);
  JsonNode *tool_config = json_object_get_member (body, "toolConfig");
  gboolean image = strstr (model, "image") != NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *request_id = NULL;

  if (project != NULL && *project != '\0')
    json_object_set_string_member (body, "project", project);
  else
    json_object_remove_member (body, "project");
  json_object_set_string_member (body, "userAgent", "antigravity");
  json_object_set_string_member (body, "requestType", image ? "image_gen" : "agent");
  if (image)
    request_id = g_strdup_printf ("image_gen/%" G_GINT64_FORMAT "/%s/12", g_get_real_time () / 1000, uuid);
  else
    request_id = g_strconcat ("agent-", uuid, NULL);
  json_object_set_string_member (body, "requestId", request_id);

  if (image)
    json_object_remove_member (inner, "sessionId");
  else
    {
      g_autofree char *session = session_id (inner);

      json_object_set_string_member (inner, "sessionId", session);
    }
  json_object_remove_member (inner, "safetySettings");
  if (tool_config != NULL)
    {
      json_object_set_member (inner, "toolConfig", json_node_copy (tool_config));
      json_object_remove_member (body, "toolConfig");
    }
  if (g_ascii_strncasecmp (model, "claude", 6) == 0)
    {
      JsonObject *calling = object_member (object_member (inner, "toolConfig", TRUE),
                                           "functionCallingConfig", TRUE);

      json_object_set_string_member (calling, "mode", "VALIDATED");
    }
  else
    {
      JsonObject *config = object_member (inner, "generationConfig", FALSE);

      if (config != NULL)
        json_object_remove_member (config, "maxOutputTokens");
    }
}

static gboolean
sy_provider_antigravity_build_request (SyProvider            *provider,
                                       const SyProviderCall  *call,
                                       const char            *base_url,
                                       SyUpstreamRequest     *request,
                                       GError               **error)
{
  SyCredential *credential = call->account->credential;
  JsonObject *body = JSON_NODE_HOLDS_OBJECT (call->body) ? json_node_get_object (call->body) : NULL;
  const char *token = credential ? sy_credential_get_access_token (credential) : NULL;
  const char *action;
  sy_autowipe char *bearer = NULL;
  g_autofree char *agent = NULL;

  if (credential == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Antigravity serves signed-in accounts only");
      return FALSE;
    }
  if (token == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the Antigravity login %s needs a new sign-in", sy_credential_get_label (credential));
      return FALSE;
    }

  if (call->operation == SY_OPERATION_COUNT_TOKENS)
    action = "countTokens";
  else if (call->stream)
    action = "streamGenerateContent?alt=sse";
  else
    action = "generateContent";
  request->url = g_strdup_printf ("%s/v1internal:%s", base_url, action);

  bearer = g_strdup_printf ("Bearer %s", token);
  sy_upstream_request_add_header (request, "Authorization", bearer);
  agent = sy_antigravity_user_agent ();
  sy_upstream_request_add_header (request, "User-Agent", agent);

  if (body == NULL)
    return TRUE;
  if (call->operation == SY_OPERATION_COUNT_TOKENS)
    {
      JsonObject *inner = object_member (body, "request", FALSE);

      json_object_remove_member (body, "model");
      json_object_remove_member (body, "project");
      if (inner != NULL)
        json_object_remove_member (inner, "safetySettings");
    }
  else
    complete_envelope (body, call->upstream_model, sy_credential_get_extra (credential, "project_id"));
  return TRUE;
}

/* Antigravity's own order when the production host is busy or down
 * (reference providers.md §9). */
static const char * const fallback_bases[] = {
  "https://daily-cloudcode-pa.googleapis.com",
  "https://daily-cloudcode-pa.sandbox.googleapis.com",
  NULL
};

static void
sy_provider_antigravity_class_init (SyProviderAntigravityClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "antigravity";
  provider_class->format = SY_FORMAT_GEMINI_CLI;
  provider_class->flavor = SY_FLAVOR_ANTIGRAVITY;
  provider_class->default_base_url = "https://cloudcode-pa.googleapis.com";
  provider_class->fallback_base_urls = fallback_bases;
  provider_class->build_request = sy_provider_antigravity_build_request;
}

static void
sy_provider_antigravity_init (SyProviderAntigravity *self)
{
}
