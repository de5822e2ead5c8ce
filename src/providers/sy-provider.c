/* sy-provider.c: the provider base class
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-providers"

#include "config.h"

#include <string.h>

#include "sy-provider.h"
#include "sy-secret.h"

G_DEFINE_ABSTRACT_TYPE (SyProvider, sy_provider, G_TYPE_OBJECT)

static void
sy_provider_class_init (SyProviderClass *klass)
{
}

static void
sy_provider_init (SyProvider *self)
{
}

/* Providers hold no state: one shared instance per kind for the process. */
SyProvider *
sy_provider_for_kind (SyUpstreamKind kind)
{
  static SyProvider *instances[SY_UPSTREAM_N_KINDS];
  static GMutex lock;
  SyProvider *ret;
  GType type;

  switch (kind)
    {
    case SY_UPSTREAM_CLAUDE:        type = sy_provider_claude_get_type (); break;
    case SY_UPSTREAM_GEMINI:        type = sy_provider_gemini_get_type (); break;
    case SY_UPSTREAM_VERTEX:        type = sy_provider_vertex_get_type (); break;
    case SY_UPSTREAM_CODEX:         type = sy_provider_codex_get_type (); break;
    case SY_UPSTREAM_OPENAI_COMPAT: type = sy_provider_openai_compat_get_type (); break;
    case SY_UPSTREAM_GEMINI_CLI:    type = sy_provider_gemini_cli_get_type (); break;
    case SY_UPSTREAM_ANTIGRAVITY:   type = sy_provider_antigravity_get_type (); break;
    case SY_UPSTREAM_KIMI:          type = sy_provider_kimi_get_type (); break;
    case SY_UPSTREAM_XAI:           type = sy_provider_xai_get_type (); break;
    case SY_UPSTREAM_N_KINDS:
    default:
      /* No provider yet: the registry serves no account of this kind. */
      g_return_val_if_reached (NULL);
    }

  g_mutex_lock (&lock);
  if (instances[kind] == NULL)
    instances[kind] = g_object_new (type, NULL);
  ret = instances[kind];
  g_mutex_unlock (&lock);

  return ret;
}

SyFormat
sy_provider_get_format (SyProvider *self)
{
  return SY_PROVIDER_GET_CLASS (self)->format;
}

SyUpstreamFlavor
sy_provider_get_flavor (SyProvider *self)
{
  return SY_PROVIDER_GET_CLASS (self)->flavor;
}

gboolean
sy_provider_always_streams (SyProvider *self)
{
  return SY_PROVIDER_GET_CLASS (self)->always_stream;
}

const char *
sy_provider_get_name (SyProvider *self)
{
  return SY_PROVIDER_GET_CLASS (self)->name;
}

void
sy_upstream_request_add_header (SyUpstreamRequest *request,
                                const char        *name,
                                const char        *value)
{
  gsize name_len = strlen (name);

  /* Authorization, x-api-key, x-goog-api-key: wiped with the request. */
  if (request->headers == NULL)
    request->headers = g_ptr_array_new_with_free_func (sy_secret_free);

  /* One value per name: a later header replaces an earlier one. */
  for (guint i = 0; i < request->headers->len; i++)
    {
      const char *h = g_ptr_array_index (request->headers, i);

      if (g_ascii_strncasecmp (h, name, name_len) == 0 && h[name_len] == ':')
        {
          g_ptr_array_remove_index (request->headers, i);
          break;
        }
    }
  g_ptr_array_add (request->headers, g_strdup_printf ("%s: %s", name, value));
}

void
sy_upstream_request_clear (SyUpstreamRequest *request)
{
  g_clear_pointer (&request->url, g_free);
  g_clear_pointer (&request->headers, g_ptr_array_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
}

static GBytes *
sy_provider_serialize_body (JsonNode *body)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize len = 0;
  char *text;

  json_generator_set_root (gen, body);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}

char **
sy_provider_dup_fallbacks (SyProvider *self,
                           SyAccount  *account,
                           SyConfig   *config)
{
  SyProviderClass *klass = SY_PROVIDER_GET_CLASS (self);
  g_autofree char *path = NULL;
  JsonNode *node;
  g_autoptr(GPtrArray) list = NULL;

  /* Only providers that have other hosts at all (on every request path). */
  if (klass->fallback_base_urls == NULL)
    return NULL;
  path = g_strdup_printf ("endpoints.%s.fallbacks", klass->name);
  node = config ? sy_config_lookup (config, path) : NULL;
  list = g_ptr_array_new ();

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING &&
              *json_node_get_string (item) != '\0')
            g_ptr_array_add (list, g_strdup (json_node_get_string (item)));
        }
    }
  else if (account->entry->base_url == NULL)
    for (guint i = 0; klass->fallback_base_urls[i] != NULL; i++)
      g_ptr_array_add (list, g_strdup (klass->fallback_base_urls[i]));
  if (list->len == 0)
    return NULL;
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

gboolean
sy_provider_build_request (SyProvider           *self,
                           const SyProviderCall *call,
                           SyUpstreamRequest    *request,
                           GError              **error)
{
  SyProviderClass *klass = SY_PROVIDER_GET_CLASS (self);
  SyUpstreamEntry *entry = call->account->entry;
  const char *base_url = call->base_url ? call->base_url
                         : entry->base_url ? entry->base_url : klass->default_base_url;
  JsonObject *body = JSON_NODE_HOLDS_OBJECT (call->body) ? json_node_get_object (call->body) : NULL;

  g_return_val_if_fail (base_url != NULL, FALSE);

  sy_upstream_request_add_header (request, "Content-Type", "application/json");
  sy_upstream_request_add_header (request, "Accept", call->stream ? "text/event-stream" : "application/json");
  if (body != NULL && klass->model_in_url)
    json_object_remove_member (body, "model");
  else if (body != NULL)
    json_object_set_string_member (body, "model", call->upstream_model);

  /* Before the provider's own: a channel that needs another one sets it. */
  sy_upstream_request_add_header (request, "User-Agent", "switchyard/" PACKAGE_VERSION);
  if (!klass->build_request (self, call, base_url, request, error))
    {
      sy_upstream_request_clear (request);
      return FALSE;
    }

  request->body = sy_provider_serialize_body (call->body);

  /* The account's own headers come last and override the defaults. */
  for (guint i = 0; i < entry->n_headers; i++)
    sy_upstream_request_add_header (request, entry->headers[i].name, entry->headers[i].value);

  return TRUE;
}
