/* sy-provider-claude.c: Anthropic Messages API with an API key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-provider.h"

typedef struct { SyProvider parent_instance; } SyProviderClaude;
typedef struct { SyProviderClass parent_class; } SyProviderClaudeClass;

G_DEFINE_FINAL_TYPE (SyProviderClaude, sy_provider_claude, SY_TYPE_PROVIDER)

static gboolean
sy_provider_claude_build_request (SyProvider            *provider,
                                  const SyProviderCall  *call,
                                  const char            *base_url,
                                  SyUpstreamRequest     *request,
                                  GError               **error)
{
  const char *key = call->account->entry->api_key;
  const char *version = NULL;
  const char *beta = NULL;
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);

  if (call->client_header != NULL)
    {
      version = call->client_header (call->client_header_data, "anthropic-version");
      beta = call->client_header (call->client_header_data, "anthropic-beta");
    }

  request->url = g_strdup_printf ("%s/v1/messages%s?beta=true", base_url,
                                  call->operation == SY_OPERATION_COUNT_TOKENS ? "/count_tokens" : "");
  sy_upstream_request_add_header (request, "Anthropic-Version", version ? version : "2023-06-01");
  if (beta != NULL)
    sy_upstream_request_add_header (request, "Anthropic-Beta", beta);

  /* Anthropic takes x-api-key; gateways at other hosts take a bearer token. */
  if (uri != NULL && g_strcmp0 (g_uri_get_host (uri), "api.anthropic.com") == 0)
    sy_upstream_request_add_header (request, "x-api-key", key);
  else
    {
      g_autofree char *bearer = g_strdup_printf ("Bearer %s", key);
      sy_upstream_request_add_header (request, "Authorization", bearer);
    }

  return TRUE;
}

static void
sy_provider_claude_class_init (SyProviderClaudeClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "claude";
  provider_class->format = SY_FORMAT_CLAUDE;
  provider_class->default_base_url = "https://api.anthropic.com";
  provider_class->build_request = sy_provider_claude_build_request;
}

static void
sy_provider_claude_init (SyProviderClaude *self)
{
}
