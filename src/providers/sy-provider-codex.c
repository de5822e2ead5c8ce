/* sy-provider-codex.c: OpenAI Responses API with an API key (codex-api-key)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-provider.h"

typedef struct { SyProvider parent_instance; } SyProviderCodex;
typedef struct { SyProviderClass parent_class; } SyProviderCodexClass;

G_DEFINE_FINAL_TYPE (SyProviderCodex, sy_provider_codex, SY_TYPE_PROVIDER)

static gboolean
sy_provider_codex_build_request (SyProvider            *provider,
                                 const SyProviderCall  *call,
                                 const char            *base_url,
                                 SyUpstreamRequest     *request,
                                 GError               **error)
{
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", call->account->entry->api_key);

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
