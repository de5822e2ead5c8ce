/* sy-provider-kimi.c: Kimi Code, served with a Kimi login
 *
 * Facts: reference providers.md §8. OpenAI Chat Completions at the API
 * host's /coding/v1, with the login's bearer token and the X-Msh-* headers
 * Kimi's sign-in asked for (ours, honestly filled: see sy-login-kimi.c).
 * The catalogue names models "kimi-…"; the API knows them without that
 * prefix.
 *
 * A class of its own rather than openai-compatibility: the token comes from
 * the login (and is renewed), the headers carry the login's device id, and
 * the path and model names are Kimi's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <string.h>

#include "sy-login-channels.h"
#include "sy-provider.h"
#include "sy-secret.h"

typedef struct { SyProvider parent_instance; } SyProviderKimi;
typedef struct { SyProviderClass parent_class; } SyProviderKimiClass;

G_DEFINE_FINAL_TYPE (SyProviderKimi, sy_provider_kimi, SY_TYPE_PROVIDER)

static gboolean
sy_provider_kimi_build_request (SyProvider            *provider,
                                const SyProviderCall  *call,
                                const char            *base_url,
                                SyUpstreamRequest     *request,
                                GError               **error)
{
  SyCredential *credential = call->account->credential;
  const char *token = credential ? sy_credential_get_access_token (credential) : NULL;
  const char *model = call->upstream_model;
  sy_autowipe char *bearer = NULL;
  g_auto(GStrv) headers = NULL;

  if (token == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "the Kimi login %s needs a new sign-in",
                   credential ? sy_credential_get_label (credential) : call->account->id);
      return FALSE;
    }
  request->url = g_strdup_printf ("%s/coding/v1/chat/completions", base_url);
  bearer = g_strdup_printf ("Bearer %s", token);
  sy_upstream_request_add_header (request, "Authorization", bearer);
  headers = sy_kimi_headers_new (sy_credential_get_extra (credential, "device_id"));
  for (guint i = 0; headers[i] != NULL && headers[i + 1] != NULL; i += 2)
    sy_upstream_request_add_header (request, headers[i], headers[i + 1]);

  if (g_ascii_strncasecmp (model, "kimi-", 5) == 0 && model[5] != '\0')
    model += 5;
  if (JSON_NODE_HOLDS_OBJECT (call->body))
    json_object_set_string_member (json_node_get_object (call->body), "model", model);
  return TRUE;
}

static void
sy_provider_kimi_class_init (SyProviderKimiClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "kimi";
  provider_class->format = SY_FORMAT_OPENAI;
  provider_class->default_base_url = "https://api.kimi.com";
  provider_class->build_request = sy_provider_kimi_build_request;
}

static void
sy_provider_kimi_init (SyProviderKimi *self)
{
}
