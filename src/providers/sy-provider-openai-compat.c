/* sy-provider-openai-compat.c: any OpenAI Chat Completions compatible upstream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-provider.h"
#include "sy-secret.h"

typedef struct { SyProvider parent_instance; } SyProviderOpenaiCompat;
typedef struct { SyProviderClass parent_class; } SyProviderOpenaiCompatClass;

G_DEFINE_FINAL_TYPE (SyProviderOpenaiCompat, sy_provider_openai_compat, SY_TYPE_PROVIDER)

static gboolean
sy_provider_openai_compat_build_request (SyProvider            *provider,
                                         const SyProviderCall  *call,
                                         const char            *base_url,
                                         SyUpstreamRequest     *request,
                                         GError               **error)
{
  const char *key = call->account->entry->api_key;

  request->url = g_strdup_printf ("%s/chat/completions", base_url);
  if (call->stream)
    sy_upstream_request_add_header (request, "Cache-Control", "no-cache");
  if (key != NULL && *key != '\0')
    {
      sy_autowipe char *bearer = g_strdup_printf ("Bearer %s", key);
      sy_upstream_request_add_header (request, "Authorization", bearer);
    }

  return TRUE;
}

static void
sy_provider_openai_compat_class_init (SyProviderOpenaiCompatClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "openai-compatibility";
  provider_class->format = SY_FORMAT_OPENAI;
  provider_class->default_base_url = NULL;   /* base-url is required in config */
  provider_class->build_request = sy_provider_openai_compat_build_request;
}

static void
sy_provider_openai_compat_init (SyProviderOpenaiCompat *self)
{
}
