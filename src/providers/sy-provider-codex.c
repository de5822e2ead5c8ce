/* sy-provider-codex.c: OpenAI Responses API with an API key (codex-api-key),
 * or a ChatGPT (Codex) subscription login
 *
 * A login's token goes to the ChatGPT backend (<api>/backend-api/codex/
 * responses) with the account it belongs to (Chatgpt-Account-Id), the
 * Codex client's originator, and a session id that keeps one client's
 * requests on one prompt cache (reference providers.md §5). The backend
 * takes only streamed, unstored requests with instructions and refuses
 * sampling parameters, so a body forwarded as the client wrote it is
 * brought to those terms. Nothing about the machine or terminal is
 * imitated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <string.h>

#include "sy-provider.h"
#include "sy-secret.h"

#define CHATGPT_API        "https://chatgpt.com"
#define CODEX_ORIGINATOR   "codex-tui"
#define PROMPT_CACHE_NAME  "switchyard:codex:prompt-cache:"

typedef struct { SyProvider parent_instance; } SyProviderCodex;
typedef struct { SyProviderClass parent_class; } SyProviderCodexClass;

G_DEFINE_FINAL_TYPE (SyProviderCodex, sy_provider_codex, SY_TYPE_PROVIDER)

static const char *
client_header (const SyProviderCall *call,
               const char           *name)
{
  const char *value = call->client_header ? call->client_header (call->client_header_data, name) : NULL;

  return value != NULL && *value != '\0' ? value : NULL;
}

/* A string member, whatever the client put there. */
static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* RFC 9562 name-based UUID (version 5, SHA-1) in the OID namespace. */
static char *
uuid_v5 (const char *name)
{
  static const guint8 oid_namespace[16] = {
    0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8
  };
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize len = sizeof digest;

  g_checksum_update (sum, oid_namespace, sizeof oid_namespace);
  g_checksum_update (sum, (const guchar *) name, strlen (name));
  g_checksum_get_digest (sum, digest, &len);
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                          digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                          digest[12], digest[13], digest[14], digest[15]);
}

/* The prompt-cache key: a Responses client's own, else the session the
 * client names, else one derived from the client's key (so one client's
 * requests share a cache, and no two clients do). NULL when none. */
static char *
prompt_cache_key (const SyProviderCall *call,
                  JsonObject           *body)
{
  const char *own = string_member (body, "prompt_cache_key");
  const char *session = client_header (call, "session_id");
  const char *key = client_header (call, "authorization");
  g_autofree char *name = NULL;

  if (own != NULL && *own != '\0')
    return g_strdup (own);
  if (session != NULL)
    return g_strdup (session);
  if (key != NULL && g_ascii_strncasecmp (key, "Bearer ", 7) == 0)
    key += 7;
  if (key == NULL)
    key = client_header (call, "x-api-key");
  if (key == NULL)
    key = client_header (call, "x-goog-api-key");
  if (key == NULL || *key == '\0')
    return NULL;
  name = g_strconcat (PROMPT_CACHE_NAME, key, NULL);
  return uuid_v5 (name);
}

/* What the ChatGPT backend refuses or ignores; the codecs already leave
 * these out, a body forwarded as the client wrote it may hold them. */
static void
codex_backend_body (JsonObject *body)
{
  static const char * const refused[] = {
    "previous_response_id", "prompt_cache_retention", "safety_identifier", "stream_options",
    "max_output_tokens", "max_completion_tokens", "temperature", "top_p", "truncation", "user",
    "context_management",
  };
  const char *tier = string_member (body, "service_tier");

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    json_object_remove_member (body, refused[i]);
  if (json_object_has_member (body, "service_tier") && g_strcmp0 (tier, "priority") != 0)
    json_object_remove_member (body, "service_tier");
  json_object_set_boolean_member (body, "stream", TRUE);
  json_object_set_boolean_member (body, "store", FALSE);
  if (string_member (body, "instructions") == NULL)
    json_object_set_string_member (body, "instructions", "");
}

static gboolean
build_login_request (const SyProviderCall  *call,
                     SyUpstreamRequest     *request,
                     GError               **error)
{
  static const char * const passed[] = { "Version", "X-Codex-Turn-Metadata", "X-Client-Request-Id" };
  SyCredential *credential = call->account->credential;
  const char *token = sy_credential_get_access_token (credential);
  const char *account_id = sy_credential_get_extra (credential, "account_id");
  const char *api = call->account->entry->base_url ? call->account->entry->base_url : CHATGPT_API;
  const char *originator = client_header (call, "originator");
  const char *agent = client_header (call, "user-agent");
  JsonObject *body = JSON_NODE_HOLDS_OBJECT (call->body) ? json_node_get_object (call->body) : NULL;
  sy_autowipe char *bearer = NULL;
  g_autofree char *session = NULL;

  if (token == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the ChatGPT login %s needs a new sign-in", sy_credential_get_label (credential));
      return FALSE;
    }
  /* endpoints.codex.api is the host; the backend's path is fixed. */
  request->url = g_strdup_printf ("%s/backend-api/codex/responses", api);
  bearer = g_strdup_printf ("Bearer %s", token);
  sy_upstream_request_add_header (request, "Authorization", bearer);
  if (account_id != NULL)
    sy_upstream_request_add_header (request, "Chatgpt-Account-Id", account_id);
  sy_upstream_request_add_header (request, "Originator", originator ? originator : CODEX_ORIGINATOR);
  /* A Codex client's own agent passes; others keep Switchyard's. */
  if (agent != NULL && g_ascii_strncasecmp (agent, "codex", 5) == 0)
    sy_upstream_request_add_header (request, "User-Agent", agent);
  for (guint i = 0; i < G_N_ELEMENTS (passed); i++)
    if (client_header (call, passed[i]) != NULL)
      sy_upstream_request_add_header (request, passed[i], client_header (call, passed[i]));

  if (body != NULL)
    {
      codex_backend_body (body);
      session = prompt_cache_key (call, body);
      if (session != NULL)
        json_object_set_string_member (body, "prompt_cache_key", session);
    }
  else
    session = prompt_cache_key (call, NULL);
  if (session != NULL)
    sy_upstream_request_add_header (request, "Session_id", session);
  return TRUE;
}

static gboolean
sy_provider_codex_build_request (SyProvider            *provider,
                                 const SyProviderCall  *call,
                                 const char            *base_url,
                                 SyUpstreamRequest     *request,
                                 GError               **error)
{
  sy_autowipe char *bearer = NULL;

  if (call->account->credential != NULL)
    return build_login_request (call, request, error);

  bearer = g_strdup_printf ("Bearer %s", call->account->entry->api_key);
  request->url = g_strdup_printf ("%s/responses", base_url);
  sy_upstream_request_add_header (request, "Authorization", bearer);

  return TRUE;
}

static void
sy_provider_codex_class_init (SyProviderCodexClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "codex";
  provider_class->format = SY_FORMAT_OPENAI_RESPONSES;
  provider_class->default_base_url = "https://chatgpt.com/backend-api/codex";
  provider_class->flavor = SY_FLAVOR_CODEX;
  provider_class->always_stream = TRUE;
  provider_class->build_request = sy_provider_codex_build_request;
}

static void
sy_provider_codex_init (SyProviderCodex *self)
{
}
