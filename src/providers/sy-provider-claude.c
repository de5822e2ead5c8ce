/* sy-provider-claude.c: Anthropic Messages API, with an API key or a
 * Claude subscription login
 *
 * A login's token is a bearer token on the OAuth channel, which asks for
 * what Claude Code sends: the oauth beta, Claude Code's user agent, and its
 * system prompt's first line as the first system block. Nothing more is
 * imitated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <string.h>

#include "sy-provider.h"
#include "sy-secret.h"

#define CLAUDE_CODE_SYSTEM "You are Claude Code, Anthropic's official CLI for Claude."
#define OAUTH_BETA         "oauth-2025-04-20"
#define DEFAULT_BETAS      "claude-code-20250219," OAUTH_BETA
#define DEFAULT_USER_AGENT "claude-cli/2.1.63 (external, cli)"

typedef struct { SyProvider parent_instance; } SyProviderClaude;
typedef struct { SyProviderClass parent_class; } SyProviderClaudeClass;

G_DEFINE_FINAL_TYPE (SyProviderClaude, sy_provider_claude, SY_TYPE_PROVIDER)

/* The OAuth channel serves requests whose system prompt opens as Claude
 * Code's does: put that block first (once; an earlier attempt may have). */
static void
add_claude_code_system (JsonObject *body)
{
  JsonNode *system = json_object_get_member (body, "system");
  JsonArray *blocks = json_array_new ();
  JsonObject *first = json_object_new ();

  json_object_set_string_member (first, "type", "text");
  json_object_set_string_member (first, "text", CLAUDE_CODE_SYSTEM);
  json_array_add_object_element (blocks, first);

  if (system != NULL && JSON_NODE_HOLDS_ARRAY (system))
    {
      JsonArray *old = json_node_get_array (system);

      if (json_array_get_length (old) > 0)
        {
          JsonNode *head = json_array_get_element (old, 0);
          JsonObject *ho = JSON_NODE_HOLDS_OBJECT (head) ? json_node_get_object (head) : NULL;

          if (ho != NULL && g_strcmp0 (json_object_get_string_member_with_default (ho, "text", NULL),
                                       CLAUDE_CODE_SYSTEM) == 0)
            {
              json_array_unref (blocks);
              return;
            }
        }
      for (guint i = 0; i < json_array_get_length (old); i++)
        json_array_add_element (blocks, json_node_copy (json_array_get_element (old, i)));
    }
  else if (system != NULL && JSON_NODE_HOLDS_VALUE (system) &&
           json_node_get_value_type (system) == G_TYPE_STRING && *json_node_get_string (system) != '\0')
    {
      JsonObject *text = json_object_new ();

      json_object_set_string_member (text, "type", "text");
      json_object_set_string_member (text, "text", json_node_get_string (system));
      json_array_add_object_element (blocks, text);
    }
  json_object_set_array_member (body, "system", blocks);
}

static gboolean
build_oauth_request (const SyProviderCall  *call,
                     const char            *beta,
                     SyUpstreamRequest     *request,
                     GError               **error)
{
  SyCredential *credential = call->account->credential;
  const char *token = sy_credential_get_access_token (credential);
  const char *agent = call->client_header ? call->client_header (call->client_header_data, "user-agent") : NULL;
  sy_autowipe char *bearer = NULL;
  g_autofree char *betas = NULL;

  if (token == NULL || sy_credential_get_status (credential) == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the Claude login %s needs a new sign-in", sy_credential_get_label (credential));
      return FALSE;
    }
  bearer = g_strdup_printf ("Bearer %s", token);
  sy_upstream_request_add_header (request, "Authorization", bearer);
  if (beta == NULL)
    betas = g_strdup (DEFAULT_BETAS);
  else if (strstr (beta, "oauth") == NULL)
    betas = g_strconcat (beta, ",", OAUTH_BETA, NULL);
  else
    betas = g_strdup (beta);
  sy_upstream_request_add_header (request, "Anthropic-Beta", betas);
  sy_upstream_request_add_header (request, "X-App", "cli");
  sy_upstream_request_add_header (request, "User-Agent",
                                  agent != NULL && g_str_has_prefix (agent, "claude-cli") ? agent : DEFAULT_USER_AGENT);
  if (JSON_NODE_HOLDS_OBJECT (call->body))
    add_claude_code_system (json_node_get_object (call->body));
  return TRUE;
}

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
  if (call->account->credential != NULL)
    return build_oauth_request (call, beta, request, error);
  if (beta != NULL)
    sy_upstream_request_add_header (request, "Anthropic-Beta", beta);

  /* Anthropic takes x-api-key; gateways at other hosts take a bearer token. */
  if (uri != NULL && g_strcmp0 (g_uri_get_host (uri), "api.anthropic.com") == 0)
    sy_upstream_request_add_header (request, "x-api-key", key);
  else
    {
      sy_autowipe char *bearer = g_strdup_printf ("Bearer %s", key);
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
