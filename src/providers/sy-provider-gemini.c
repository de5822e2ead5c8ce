/* sy-provider-gemini.c: Gemini API (AI Studio key) and Vertex AI key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-provider.h"

typedef struct { SyProvider parent_instance; } SyProviderGemini;
typedef struct { SyProviderClass parent_class; const char *path_format; } SyProviderGeminiClass;
typedef struct { SyProviderGemini parent_instance; } SyProviderVertex;
typedef struct { SyProviderGeminiClass parent_class; } SyProviderVertexClass;

G_DEFINE_TYPE (SyProviderGemini, sy_provider_gemini, SY_TYPE_PROVIDER)
G_DEFINE_FINAL_TYPE (SyProviderVertex, sy_provider_vertex, sy_provider_gemini_get_type ())

static gboolean
sy_provider_gemini_build_request (SyProvider            *provider,
                                  const SyProviderCall  *call,
                                  const char            *base_url,
                                  SyUpstreamRequest     *request,
                                  GError               **error)
{
  SyProviderGeminiClass *klass = G_TYPE_INSTANCE_GET_CLASS (provider, sy_provider_gemini_get_type (),
                                                            SyProviderGeminiClass);
  g_autofree char *model = g_uri_escape_string (call->upstream_model, NULL, FALSE);
  const char *action;

  if (call->operation == SY_OPERATION_COUNT_TOKENS)
    action = "countTokens";
  else if (call->stream)
    action = "streamGenerateContent?alt=sse";
  else
    action = "generateContent";

  request->url = g_strdup_printf ("%s%s%s:%s", base_url, klass->path_format, model, action);
  sy_upstream_request_add_header (request, "x-goog-api-key", call->account->entry->api_key);

  return TRUE;
}

static void
sy_provider_gemini_class_init (SyProviderGeminiClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "gemini";
  provider_class->format = SY_FORMAT_GEMINI;
  provider_class->default_base_url = "https://generativelanguage.googleapis.com";
  provider_class->build_request = sy_provider_gemini_build_request;
  provider_class->model_in_url = TRUE;   /* Vertex inherits it */
  klass->path_format = "/v1beta/models/";
}

static void
sy_provider_gemini_init (SyProviderGemini *self)
{
}

static void
sy_provider_vertex_class_init (SyProviderVertexClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "vertex";
  provider_class->default_base_url = "https://aiplatform.googleapis.com";
  ((SyProviderGeminiClass *) klass)->path_format = "/v1/publishers/google/models/";
}

static void
sy_provider_vertex_init (SyProviderVertex *self)
{
}
