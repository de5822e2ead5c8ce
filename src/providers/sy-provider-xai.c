/* sy-provider-xai.c: xAI Grok, served with an xAI (Grok) login
 *
 * Facts (CLIProxyAPI after v6.9.25, internal/runtime/executor/xai_*, read
 * for facts only): a signed-in subscription is served by the Grok CLI's
 * chat proxy (https://cli-chat-proxy.grok.com/v1/responses, the OpenAI
 * Responses API, always streamed); the developer API at api.x.ai bills API
 * credits instead, and refuses a subscription's token. The proxy takes the
 * bearer token with three headers saying which kind of token and client it
 * is; we send those, and no more: the User-Agent stays Switchyard's.
 *
 * Members the Responses API of xAI does not take are dropped, and nothing
 * is kept at xAI (store: false; CLIProxyAPI's requests to the proxy say the
 * same).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-provider.h"
#include "sy-secret.h"

/* What the chat proxy checks: a Grok CLI token, from a Grok CLI version it knows. */
#define XAI_TOKEN_AUTH      "xai-grok-cli"
#define XAI_CLIENT          "grok-shell"
#define XAI_CLIENT_VERSION  "0.2.120"

typedef struct { SyProvider parent_instance; } SyProviderXai;
typedef struct { SyProviderClass parent_class; } SyProviderXaiClass;

G_DEFINE_FINAL_TYPE (SyProviderXai, sy_provider_xai, SY_TYPE_PROVIDER)

static gboolean
sy_provider_xai_build_request (SyProvider            *provider,
                               const SyProviderCall  *call,
                               const char            *base_url,
                               SyUpstreamRequest     *request,
                               GError               **error)
{
  static const char * const unsupported[] = {
    "previous_response_id", "prompt_cache_retention", "safety_identifier", "stream_options", "stop",
  };
  SyCredential *credential = call->account->credential;
  const char *token = credential ? sy_credential_get_access_token (credential) : NULL;
  sy_autowipe char *bearer = NULL;

  if (token == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "the xAI login %s needs a new sign-in",
                   credential ? sy_credential_get_label (credential) : call->account->id);
      return FALSE;
    }
  request->url = g_strdup_printf ("%s/v1/responses", base_url);
  bearer = g_strdup_printf ("Bearer %s", token);
  sy_upstream_request_add_header (request, "Authorization", bearer);
  sy_upstream_request_add_header (request, "X-XAI-Token-Auth", XAI_TOKEN_AUTH);
  sy_upstream_request_add_header (request, "x-grok-client-identifier", XAI_CLIENT);
  sy_upstream_request_add_header (request, "x-grok-client-version", XAI_CLIENT_VERSION);

  if (JSON_NODE_HOLDS_OBJECT (call->body))
    {
      JsonObject *body = json_node_get_object (call->body);

      for (guint i = 0; i < G_N_ELEMENTS (unsupported); i++)
        json_object_remove_member (body, unsupported[i]);
      json_object_set_boolean_member (body, "stream", TRUE);
      json_object_set_boolean_member (body, "store", FALSE);
    }
  return TRUE;
}

static void
sy_provider_xai_class_init (SyProviderXaiClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "xai";
  provider_class->format = SY_FORMAT_OPENAI_RESPONSES;
  provider_class->default_base_url = "https://cli-chat-proxy.grok.com";
  provider_class->always_stream = TRUE;
  provider_class->build_request = sy_provider_xai_build_request;
}

static void
sy_provider_xai_init (SyProviderXai *self)
{
}
