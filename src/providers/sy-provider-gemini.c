/* sy-provider-gemini.c: Gemini API (AI Studio key) and Vertex AI (key, or
 * an imported service account)
 *
 * A service-account login (providers.md §3.1) is served at its project and
 * location, https://<location>-aiplatform.googleapis.com (the bare host for
 * "global"), with the access token minted from its key (sy-login-vertex.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include "sy-provider.h"
#include "sy-secret.h"

typedef struct { SyProvider parent_instance; } SyProviderGemini;
typedef struct { SyProviderClass parent_class; const char *path_format; } SyProviderGeminiClass;
typedef struct { SyProviderGemini parent_instance; } SyProviderVertex;
typedef struct { SyProviderGeminiClass parent_class; } SyProviderVertexClass;

G_DEFINE_TYPE (SyProviderGemini, sy_provider_gemini, SY_TYPE_PROVIDER)
G_DEFINE_FINAL_TYPE (SyProviderVertex, sy_provider_vertex, sy_provider_gemini_get_type ())

static const char *
gemini_action (const SyProviderCall *call)
{
  if (call->operation == SY_OPERATION_COUNT_TOKENS)
    return "countTokens";
  return call->stream ? "streamGenerateContent?alt=sse" : "generateContent";
}

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
  const char *action = gemini_action (call);

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

static gboolean
sy_provider_vertex_build_request (SyProvider            *provider,
                                  const SyProviderCall  *call,
                                  const char            *base_url,
                                  SyUpstreamRequest     *request,
                                  GError               **error)
{
  SyCredential *credential = call->account->credential;
  const char *token;
  const char *location;
  const char *project;
  g_autofree char *host = NULL;
  g_autofree char *model = NULL;
  g_autofree char *project_part = NULL;
  g_autofree char *location_part = NULL;
  sy_autowipe char *bearer = NULL;

  if (credential == NULL)
    return sy_provider_gemini_build_request (provider, call, base_url, request, error);

  token = sy_credential_get_access_token (credential);
  project = sy_credential_get_extra (credential, "project_id");
  location = sy_credential_get_extra (credential, "location");
  if (location == NULL)
    location = "us-central1";
  if (token == NULL || project == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the Vertex AI service account %s has no access token yet%s",
                   sy_credential_get_label (credential),
                   sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN
                   ? ": its key was refused, import another" : "");
      return FALSE;
    }
  /* endpoints.vertex.api (tests, gateways) wins over the location's host. */
  if (call->account->entry->base_url != NULL)
    host = g_strdup (base_url);
  else if (g_strcmp0 (location, "global") == 0)
    host = g_strdup ("https://aiplatform.googleapis.com");
  else
    host = g_strdup_printf ("https://%s-aiplatform.googleapis.com", location);
  model = g_uri_escape_string (call->upstream_model, NULL, FALSE);
  project_part = g_uri_escape_string (project, NULL, FALSE);
  location_part = g_uri_escape_string (location, NULL, FALSE);
  request->url = g_strdup_printf ("%s/v1/projects/%s/locations/%s/publishers/google/models/%s:%s", host,
                                  project_part, location_part, model, gemini_action (call));
  bearer = g_strdup_printf ("Bearer %s", token);
  sy_upstream_request_add_header (request, "Authorization", bearer);
  return TRUE;
}

static void
sy_provider_vertex_class_init (SyProviderVertexClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "vertex";
  provider_class->build_request = sy_provider_vertex_build_request;
  provider_class->default_base_url = "https://aiplatform.googleapis.com";
  ((SyProviderGeminiClass *) klass)->path_format = "/v1/publishers/google/models/";
}

static void
sy_provider_vertex_init (SyProviderVertex *self)
{
}
