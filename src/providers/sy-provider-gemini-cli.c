/* sy-provider-gemini-cli.c: Gemini Code Assist logins (cloudcode-pa v1internal)
 *
 * Facts: reference providers.md §1. The translation writes the Cloud Code
 * envelope {model, project, request}; this sends it to
 * v1internal:generateContent (streamGenerateContent?alt=sse, countTokens)
 * with the account's project and the login's bearer token, and says it is
 * the Gemini CLI (user agent with the model and platform, and its API
 * client header), which the channel expects. Nothing more is imitated.
 *
 * A login serving several projects is one account per project, with ids
 * "<login id>/<project>" (sy-registry.c); the project comes from there,
 * else from the login's "project_id".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <string.h>

#include "sy-cloud-code.h"
#include "sy-provider.h"
#include "sy-secret.h"

typedef struct { SyProvider parent_instance; } SyProviderGeminiCli;
typedef struct { SyProviderClass parent_class; } SyProviderGeminiCliClass;

G_DEFINE_FINAL_TYPE (SyProviderGeminiCli, sy_provider_gemini_cli, SY_TYPE_PROVIDER)

static const char *
account_project (SyAccount *account)
{
  const char *login = sy_credential_get_id (account->credential);
  gsize len = strlen (login);

  if (strncmp (account->id, login, len) == 0 && account->id[len] == '/' && account->id[len + 1] != '\0')
    return account->id + len + 1;
  return sy_credential_get_extra (account->credential, "project_id");
}

static gboolean
sy_provider_gemini_cli_build_request (SyProvider            *provider,
                                      const SyProviderCall  *call,
                                      const char            *base_url,
                                      SyUpstreamRequest     *request,
                                      GError               **error)
{
  SyCredential *credential = call->account->credential;
  JsonObject *body = JSON_NODE_HOLDS_OBJECT (call->body) ? json_node_get_object (call->body) : NULL;
  const char *token = credential ? sy_credential_get_access_token (credential) : NULL;
  const char *project;
  const char *action;
  sy_autowipe char *bearer = NULL;
  g_autofree char *agent = NULL;

  if (credential == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Gemini Code Assist serves signed-in accounts only");
      return FALSE;
    }
  if (token == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the Gemini Code Assist login %s needs a new sign-in", sy_credential_get_label (credential));
      return FALSE;
    }
  project = account_project (call->account);
  if (project == NULL || *project == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "the Gemini Code Assist login %s has no Google Cloud project: sign in again with --project",
                   sy_credential_get_label (credential));
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
  agent = sy_gemini_cli_user_agent (call->upstream_model);
  sy_upstream_request_add_header (request, "User-Agent", agent);
  sy_upstream_request_add_header (request, "X-Goog-Api-Client", SY_GEMINI_API_CLIENT);

  if (body == NULL)
    return TRUE;
  if (call->operation == SY_OPERATION_COUNT_TOKENS)
    {
      /* countTokens takes {"request": {...}} alone. */
      JsonNode *inner = json_object_get_member (body, "request");

      json_object_remove_member (body, "model");
      json_object_remove_member (body, "project");
      if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
        json_object_remove_member (json_node_get_object (inner), "safetySettings");
    }
  else
    json_object_set_string_member (body, "project", project);
  return TRUE;
}

static void
sy_provider_gemini_cli_class_init (SyProviderGeminiCliClass *klass)
{
  SyProviderClass *provider_class = SY_PROVIDER_CLASS (klass);

  provider_class->name = "gemini-cli";
  provider_class->format = SY_FORMAT_GEMINI_CLI;
  provider_class->flavor = SY_FLAVOR_PLAIN;
  provider_class->default_base_url = "https://cloudcode-pa.googleapis.com";
  provider_class->build_request = sy_provider_gemini_cli_build_request;
}

static void
sy_provider_gemini_cli_init (SyProviderGeminiCli *self)
{
}
