/* sy-amp.c: the Amp CLI module (routes, fallback to ampcode.com, key resolution)
 *
 * The fallback handler's rule: a model some account serves is served here;
 * else an ampcode.model-mappings target that is served here; else the
 * request goes to ampcode.upstream-url as it came, which spends the user's
 * Amp credits. Answers served here are made to look like the model asked
 * for, and thinking that only Claude can take back is left out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-amp"

#include "config.h"

#include <string.h>

#include "sy-amp.h"
#include "sy-codec.h"
#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-pipeline.h"
#include "sy-usage-sniff.h"

/* ---------------------------------------------------------------------- */
/* Routes                                                                  */

static const char * const api_proxied[] = {
  "internal", "user", "auth", "meta", "ads", "telemetry", "threads", "otel", "tab",
};

/* "/x" itself or "/x/..." (or "/x?..." never reaches here: paths only). */
static gboolean
has_segment_prefix (const char *path,
                    const char *prefix)
{
  gsize n = strlen (prefix);

  return strncmp (path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static char *
provider_local_path (const char *method,
                     const char *provider,
                     const char *rest)
{
  const char *colon;
  const char *models;

  /* The OpenAI-style routes come with and without /v1. */
  if (g_str_has_prefix (rest, "v1/") &&
      (strcmp (rest + 3, "models") == 0 || strcmp (rest + 3, "chat/completions") == 0 ||
       strcmp (rest + 3, "completions") == 0 || strcmp (rest + 3, "responses") == 0))
    rest += 3;

  if (strcmp (rest, "models") == 0)
    return g_strdup ("/v1/models");
  if (strcmp (rest, "chat/completions") == 0)
    return g_strdup ("/v1/chat/completions");
  if (strcmp (rest, "responses") == 0)
    return g_strdup ("/v1/responses");
  if (strcmp (rest, "completions") == 0)
    return NULL;   /* no legacy completions handler here: the upstream's */
  if (strcmp (rest, "v1/messages") == 0 || strcmp (rest, "v1/messages/count_tokens") == 0 ||
      strcmp (rest, "v1beta/models") == 0 || g_str_has_prefix (rest, "v1beta/models/"))
    return g_strconcat ("/", rest, NULL);

  /* Vertex-style paths ("v1beta1/publishers/google/models/M:generateContent")
   * are the Gemini handler's when they POST; the rest is the upstream's. */
  if (strcmp (provider, "google") == 0 && g_str_has_prefix (rest, "v1beta1/") &&
      strcmp (method, "POST") == 0 &&
      (models = strstr (rest, "models/")) != NULL &&
      (colon = strrchr (models, ':')) != NULL && colon > models + 7)
    return g_strconcat ("/v1beta/", models, NULL);
  if (strcmp (provider, "google") == 0 && g_str_has_prefix (rest, "v1beta1/"))
    return NULL;

  return g_strdup ("");   /* not a route */
}

SyAmpRouteKind
sy_amp_classify (const char  *method,
                 const char  *path,
                 char       **local_path,
                 char       **provider)
{
  *local_path = NULL;
  *provider = NULL;

  if (g_str_has_prefix (path, "/api/provider/"))
    {
      const char *p = path + strlen ("/api/provider/");
      const char *slash = strchr (p, '/');
      g_autofree char *local = NULL;

      if (slash == NULL || slash == p)
        return SY_AMP_ROUTE_NONE;
      *provider = g_ascii_strdown (p, slash - p);
      local = provider_local_path (method, *provider, slash + 1);
      if (local != NULL && *local == '\0')
        {
          g_clear_pointer (provider, g_free);
          return SY_AMP_ROUTE_NONE;
        }
      *local_path = g_steal_pointer (&local);
      return SY_AMP_ROUTE_PROVIDER;
    }

  if (g_str_has_prefix (path, "/api/"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (api_proxied); i++)
        {
          g_autofree char *prefix = g_strconcat ("/api/", api_proxied[i], NULL);

          if (has_segment_prefix (path, prefix))
            return SY_AMP_ROUTE_PROXY;
        }
      return SY_AMP_ROUTE_NONE;
    }

  /* The pages Amp CLI sends a browser to. */
  if (g_str_has_prefix (path, "/auth"))
    return SY_AMP_ROUTE_PROXY_ROOT;
  if ((strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0) &&
      (g_str_has_prefix (path, "/threads") || g_str_has_prefix (path, "/docs") ||
       g_str_has_prefix (path, "/settings") || strcmp (path, "/news.rss") == 0))
    return SY_AMP_ROUTE_PROXY_ROOT;

  return SY_AMP_ROUTE_NONE;
}

/* ---------------------------------------------------------------------- */
/* The fallback handler's choice                                           */

static gboolean
served_locally (SyRegistry *registry,
                const char *model)
{
  GPtrArray *routes = sy_registry_lookup (registry, model);

  return routes != NULL && routes->len > 0;
}

char *
sy_amp_map_model (SyConfig   *config,
                  const char *model)
{
  JsonNode *node = sy_config_ampcode (config, "model-mappings");
  JsonArray *list;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) || model == NULL)
    return NULL;
  list = json_node_get_array (node);

  /* Exact names first, whatever their place in the list... */
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *from = m ? json_object_get_string_member_with_default (m, "from", NULL) : NULL;
      const char *to = m ? json_object_get_string_member_with_default (m, "to", NULL) : NULL;

      if (from == NULL || to == NULL || json_object_get_boolean_member_with_default (m, "regex", FALSE))
        continue;
      if (g_ascii_strcasecmp (from, model) == 0)
        return g_strdup (to);
    }
  /* ...then the patterns, in order. */
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *from = m ? json_object_get_string_member_with_default (m, "from", NULL) : NULL;
      const char *to = m ? json_object_get_string_member_with_default (m, "to", NULL) : NULL;
      g_autoptr(GRegex) regex = NULL;

      if (from == NULL || to == NULL || !json_object_get_boolean_member_with_default (m, "regex", FALSE))
        continue;
      /* Checked when the config loaded; case-insensitive like the exact names. */
      regex = g_regex_new (from, G_REGEX_CASELESS, 0, NULL);
      if (regex != NULL && g_regex_match (regex, model, 0, NULL))
        return g_strdup (to);
    }
  return NULL;
}

SyAmpServe
sy_amp_decide (SyRegistry  *registry,
               const char  *model,
               char       **mapped)
{
  SyConfig *config = sy_registry_get_config (registry);
  JsonNode *force = sy_config_ampcode (config, "force-model-mappings");
  gboolean forced = force != NULL && JSON_NODE_HOLDS_VALUE (force) &&
                    json_node_get_value_type (force) == G_TYPE_BOOLEAN && json_node_get_boolean (force);
  g_autofree char *base = sy_model_strip_suffix (model);
  g_autofree char *target = NULL;

  *mapped = NULL;
  if (!forced && served_locally (registry, base ? base : model))
    return SY_AMP_SERVE_LOCAL;
  target = sy_amp_map_model (config, base ? base : model);
  if (target != NULL && served_locally (registry, target))
    {
      *mapped = g_steal_pointer (&target);
      return SY_AMP_SERVE_MAPPED;
    }
  if (forced && served_locally (registry, base ? base : model))
    return SY_AMP_SERVE_LOCAL;
  return SY_AMP_SERVE_PROXY;
}

gboolean
sy_amp_served_by_claude (SyRegistry *registry,
                         const char *model)
{
  GPtrArray *routes = sy_registry_lookup (registry, model);

  for (guint i = 0; routes != NULL && i < routes->len; i++)
    {
      SyRoute *route = g_ptr_array_index (routes, i);

      if (g_strcmp0 (route->account->provider, "claude") != 0)
        return FALSE;
    }
  return routes != NULL && routes->len > 0;
}

/* ---------------------------------------------------------------------- */
/* Settings                                                                */

static const char *
string_setting (SyConfig   *config,
                const char *key)
{
  JsonNode *node = sy_config_ampcode (config, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

char *
sy_amp_upstream_url (SyConfig *config)
{
  const char *url = string_setting (config, "upstream-url");
  g_autofree char *trimmed = g_strstrip (g_strdup (url ? url : ""));
  gsize n = strlen (trimmed);

  while (n > 0 && trimmed[n - 1] == '/')
    trimmed[--n] = '\0';
  return n > 0 ? g_steal_pointer (&trimmed) : g_strdup (SY_AMP_DEFAULT_UPSTREAM);
}

gboolean
sy_amp_restrict_to_localhost (SyConfig *config)
{
  JsonNode *node = sy_config_ampcode (config, "restrict-management-to-localhost");

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static char *
non_empty (const char *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (value ? value : ""));

  return *copy != '\0' ? g_steal_pointer (&copy) : NULL;
}

static char *
key_for_client (SyConfig   *config,
                const char *client_key)
{
  JsonNode *node = sy_config_ampcode (config, "upstream-api-keys");
  JsonArray *list;

  if (client_key == NULL || node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  list = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      JsonNode *keys = entry ? json_object_get_member (entry, "api-keys") : NULL;
      const char *upstream = entry ? json_object_get_string_member_with_default (entry, "upstream-api-key", NULL)
                                   : NULL;

      if (upstream == NULL || keys == NULL || !JSON_NODE_HOLDS_ARRAY (keys))
        continue;
      for (guint j = 0; j < json_array_get_length (json_node_get_array (keys)); j++)
        {
          JsonNode *k = json_array_get_element (json_node_get_array (keys), j);
          g_autofree char *trimmed = NULL;

          if (!JSON_NODE_HOLDS_VALUE (k) || json_node_get_value_type (k) != G_TYPE_STRING)
            continue;
          trimmed = g_strstrip (g_strdup (json_node_get_string (k)));
          if (strcmp (trimmed, client_key) == 0)
            return non_empty (upstream);
        }
    }
  return NULL;
}

static char *
key_from_secrets (const char *home)
{
  g_autofree char *path = g_build_filename (home ? home : g_get_home_dir (), ".local", "share", "amp",
                                            "secrets.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  gsize length = 0;
  JsonNode *root;

  if (!g_file_get_contents (path, &text, &length, NULL) ||
      !sy_json_parser_load (parser, text, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return non_empty (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                "apiKey@https://ampcode.com/", NULL));
}

char *
sy_amp_upstream_key (SyConfig   *config,
                     const char *client_key,
                     const char *home)
{
  char *key;

  if ((key = key_for_client (config, client_key)) != NULL)
    return key;
  if ((key = non_empty (string_setting (config, "upstream-api-key"))) != NULL)
    return key;
  if ((key = non_empty (g_getenv ("AMP_API_KEY"))) != NULL)
    return key;
  return key_from_secrets (home);
}

void
sy_amp_register_secrets (const char *home)
{
  g_autofree char *env = non_empty (g_getenv ("AMP_API_KEY"));
  g_autofree char *file = key_from_secrets (home);

  /* The config's keys are registered with the rest of the config; these
   * two live outside it and would otherwise reach a log line unmasked. */
  if (env != NULL)
    sy_log_add_secret (env);
  if (file != NULL)
    sy_log_add_secret (file);
}

char *
sy_amp_filter_beta (const char *value)
{
  g_auto(GStrv) parts = g_strsplit (value ? value : "", ",", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *flag = g_strstrip (parts[i]);

      /* A 1M-token context is not something our accounts promise. */
      if (*flag == '\0' || strcmp (flag, "context-1m-2025-08-07") == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ',');
      g_string_append (out, flag);
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Rewriting locally served answers                                        */

typedef struct
{
  SySink    parent;
  SySink   *inner;
  char     *requested;
  gboolean  suppress;
  gboolean  sse;
  gboolean  json_stream; /* Gemini ?alt=json: "[", then one chunk per write, "]" */
  GString  *partial;    /* the SSE event not yet complete */
  GArray   *dropped;    /* guint: Claude content block indexes left out */
} AmpSink;

static gboolean
is_thinking_type (const char *type)
{
  return g_strcmp0 (type, "thinking") == 0 || g_strcmp0 (type, "redacted_thinking") == 0;
}

static void
set_model (JsonObject *o,
           const char *member,
           const char *requested)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    json_object_set_string_member (o, member, requested);
}

static void
drop_thinking_content (JsonObject *o)
{
  JsonNode *content = json_object_get_member (o, "content");
  JsonArray *list;

  if (content == NULL || !JSON_NODE_HOLDS_ARRAY (content))
    return;
  list = json_node_get_array (content);
  for (guint i = json_array_get_length (list); i > 0; i--)
    {
      JsonNode *block = json_array_get_element (list, i - 1);

      if (JSON_NODE_HOLDS_OBJECT (block) &&
          is_thinking_type (json_object_get_string_member_with_default (json_node_get_object (block), "type",
                                                                        NULL)))
        json_array_remove_element (list, i - 1);
    }
}

static void
drop_openai_reasoning (JsonObject *o)
{
  JsonNode *choices = json_object_get_member (o, "choices");
  JsonNode *output = json_object_get_member (o, "output");

  if (choices != NULL && JSON_NODE_HOLDS_ARRAY (choices))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (choices)); i++)
      {
        JsonNode *c = json_array_get_element (json_node_get_array (choices), i);
        static const char * const parts[] = { "delta", "message" };

        if (!JSON_NODE_HOLDS_OBJECT (c))
          continue;
        for (guint j = 0; j < G_N_ELEMENTS (parts); j++)
          {
            JsonNode *m = json_object_get_member (json_node_get_object (c), parts[j]);

            if (m != NULL && JSON_NODE_HOLDS_OBJECT (m))
              {
                json_object_remove_member (json_node_get_object (m), "reasoning_content");
                json_object_remove_member (json_node_get_object (m), "reasoning");
              }
          }
      }
  if (output != NULL && JSON_NODE_HOLDS_ARRAY (output))
    {
      JsonArray *list = json_node_get_array (output);

      for (guint i = json_array_get_length (list); i > 0; i--)
        {
          JsonNode *item = json_array_get_element (list, i - 1);

          if (JSON_NODE_HOLDS_OBJECT (item) &&
              g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (item), "type", NULL),
                         "reasoning") == 0)
            json_array_remove_element (list, i - 1);
        }
    }
}

static void
drop_gemini_thoughts (JsonObject *o)
{
  JsonNode *candidates = json_object_get_member (o, "candidates");

  if (candidates == NULL || !JSON_NODE_HOLDS_ARRAY (candidates))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (candidates)); i++)
    {
      JsonNode *c = json_array_get_element (json_node_get_array (candidates), i);
      JsonNode *content = JSON_NODE_HOLDS_OBJECT (c) ? json_object_get_member (json_node_get_object (c), "content")
                                                     : NULL;
      JsonNode *parts = content && JSON_NODE_HOLDS_OBJECT (content)
                        ? json_object_get_member (json_node_get_object (content), "parts") : NULL;
      JsonArray *list;

      if (parts == NULL || !JSON_NODE_HOLDS_ARRAY (parts))
        continue;
      list = json_node_get_array (parts);
      for (guint j = json_array_get_length (list); j > 0; j--)
        {
          JsonNode *part = json_array_get_element (list, j - 1);

          if (JSON_NODE_HOLDS_OBJECT (part) &&
              json_object_get_boolean_member_with_default (json_node_get_object (part), "thought", FALSE))
            json_array_remove_element (list, j - 1);
        }
    }
}

static guint
n_dropped_before (AmpSink *self,
                  gint64   index)
{
  guint n = 0;

  for (guint i = 0; i < self->dropped->len; i++)
    if ((gint64) g_array_index (self->dropped, guint, i) < index)
      n++;
  return n;
}

static gboolean
was_dropped (AmpSink *self,
             gint64   index)
{
  for (guint i = 0; i < self->dropped->len; i++)
    if ((gint64) g_array_index (self->dropped, guint, i) == index)
      return TRUE;
  return FALSE;
}

/* FALSE: the event is left out altogether. */
static gboolean
rewrite_object (AmpSink    *self,
                JsonObject *o)
{
  const char *type = json_object_get_string_member_with_default (o, "type", NULL);
  static const char * const nested[] = { "message", "response" };

  set_model (o, "model", self->requested);
  set_model (o, "modelVersion", self->requested);
  for (guint i = 0; i < G_N_ELEMENTS (nested); i++)
    {
      JsonNode *n = json_object_get_member (o, nested[i]);

      if (n != NULL && JSON_NODE_HOLDS_OBJECT (n))
        {
          set_model (json_node_get_object (n), "model", self->requested);
          if (self->suppress)
            {
              drop_thinking_content (json_node_get_object (n));
              drop_openai_reasoning (json_node_get_object (n));
            }
        }
    }
  if (!self->suppress)
    return TRUE;

  drop_thinking_content (o);
  drop_openai_reasoning (o);
  drop_gemini_thoughts (o);

  /* Claude stream events. */
  if (json_object_has_member (o, "index") && type != NULL && g_str_has_prefix (type, "content_block_"))
    {
      gint64 index = json_object_get_int_member_with_default (o, "index", 0);
      JsonNode *block = json_object_get_member (o, "content_block");
      JsonNode *delta = json_object_get_member (o, "delta");
      const char *delta_type = delta && JSON_NODE_HOLDS_OBJECT (delta)
                               ? json_object_get_string_member_with_default (json_node_get_object (delta),
                                                                             "type", NULL) : NULL;

      if (block != NULL && JSON_NODE_HOLDS_OBJECT (block) &&
          is_thinking_type (json_object_get_string_member_with_default (json_node_get_object (block), "type",
                                                                        NULL)))
        {
          guint u = (guint) index;

          g_array_append_val (self->dropped, u);
          return FALSE;
        }
      if (was_dropped (self, index) || g_strcmp0 (delta_type, "thinking_delta") == 0 ||
          g_strcmp0 (delta_type, "signature_delta") == 0)
        return FALSE;
      /* The blocks left keep counting from 0. */
      json_object_set_int_member (o, "index", index - n_dropped_before (self, index));
    }
  /* Responses stream: the reasoning items and their summaries. */
  if (type != NULL && g_str_has_prefix (type, "response.reasoning"))
    return FALSE;
  if (type != NULL && g_str_has_prefix (type, "response.output_item."))
    {
      JsonNode *item = json_object_get_member (o, "item");

      if (item != NULL && JSON_NODE_HOLDS_OBJECT (item) &&
          g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (item), "type", NULL),
                     "reasoning") == 0)
        return FALSE;
    }
  return TRUE;
}

/* One SSE event (no blank line at the end) rewritten, or NULL to leave it out. */
static char *
rewrite_event (AmpSink    *self,
               const char *event)
{
  g_auto(GStrv) lines = g_strsplit (event, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_str_has_prefix (line, "data:"))
        {
          const char *data = line + 5;
          g_autoptr(JsonParser) parser = json_parser_new ();

          while (*data == ' ')
            data++;
          if (*data == '{' && sy_json_parser_load (parser, data, -1, NULL) &&
              JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
            {
              g_autofree char *text = NULL;

              if (!rewrite_object (self, json_node_get_object (json_parser_get_root (parser))))
                return NULL;
              text = json_to_string (json_parser_get_root (parser), FALSE);
              g_string_append_printf (out, "data: %s\n", text);
              continue;
            }
        }
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  g_string_append_c (out, '\n');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
amp_sink_respond (SySink     *sink,
                  guint       status,
                  const char *content_type,
                  GBytes     *body)
{
  AmpSink *self = (AmpSink *) sink;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) rewritten = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (status < 300 && content_type != NULL && strstr (content_type, "json") != NULL &&
      sy_json_parser_load (parser, data, (gssize) len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      gsize out_len;
      char *text;

      rewrite_object (self, json_node_get_object (json_parser_get_root (parser)));
      text = json_to_string (json_parser_get_root (parser), FALSE);
      out_len = strlen (text);
      rewritten = g_bytes_new_take (text, out_len);
    }
  self->inner->vtable->respond (self->inner, status, content_type, rewritten ? rewritten : body);
}

static void
amp_sink_begin (SySink     *sink,
                guint       status,
                const char *content_type)
{
  AmpSink *self = (AmpSink *) sink;

  self->sse = content_type != NULL && strstr (content_type, "event-stream") != NULL;
  self->json_stream = !self->sse && content_type != NULL && strstr (content_type, "json") != NULL;
  self->inner->vtable->begin (self->inner, status, content_type);
}

static void
emit_event (AmpSink    *self,
            const char *event)
{
  g_autofree char *out = rewrite_event (self, event);

  if (out != NULL)
    self->inner->vtable->write (self->inner, out, strlen (out));
}

static void
amp_sink_write (SySink     *sink,
                const char *data,
                gsize       len)
{
  AmpSink *self = (AmpSink *) sink;
  char *end;

  if (self->json_stream && len > 0 && data[0] == '{')
    {
      g_autoptr(JsonNode) node = sy_json_parse (data, len, NULL);

      /* The pipeline writes each chunk of the array whole: rewritten like
       * the same chunk in an SSE stream (the "[", ",\n" and "]" pass). */
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *text = NULL;

          rewrite_object (self, json_node_get_object (node));
          text = json_to_string (node, FALSE);
          self->inner->vtable->write (self->inner, text, strlen (text));
          return;
        }
    }
  if (!self->sse)
    {
      self->inner->vtable->write (self->inner, data, len);
      return;
    }
  g_string_append_len (self->partial, data, (gssize) len);
  while ((end = strstr (self->partial->str, "\n\n")) != NULL)
    {
      g_autofree char *event = g_strndup (self->partial->str, end - self->partial->str);

      g_string_erase (self->partial, 0, end - self->partial->str + 2);
      emit_event (self, event);
    }
}

static void
amp_sink_finish (SySink *sink)
{
  AmpSink *self = (AmpSink *) sink;

  if (self->partial->len > 0)
    {
      g_autofree char *rest = g_string_free (g_steal_pointer (&self->partial), FALSE);

      self->partial = g_string_new (NULL);
      g_strchomp (rest);
      if (*rest != '\0')
        emit_event (self, rest);
    }
  self->inner->vtable->finish (self->inner);
}

static gsize
amp_sink_get_pending (SySink *sink)
{
  AmpSink *self = (AmpSink *) sink;

  return self->inner->vtable->get_pending (self->inner);
}

static void
amp_sink_set_header (SySink     *sink,
                     const char *name,
                     const char *value)
{
  AmpSink *self = (AmpSink *) sink;

  self->inner->vtable->set_header (self->inner, name, value);
}

static const SySinkVTable amp_sink_vtable = {
  .respond = amp_sink_respond,
  .begin = amp_sink_begin,
  .write = amp_sink_write,
  .finish = amp_sink_finish,
  .get_pending = amp_sink_get_pending,
  .set_header = amp_sink_set_header,
};

SySink *
sy_amp_sink_new (SySink     *inner,
                 const char *requested,
                 gboolean    suppress_thinking)
{
  AmpSink *self = g_new0 (AmpSink, 1);

  self->parent.vtable = &amp_sink_vtable;
  self->inner = inner;
  self->requested = g_strdup (requested);
  self->suppress = suppress_thinking;
  self->partial = g_string_new (NULL);
  self->dropped = g_array_new (FALSE, FALSE, sizeof (guint));
  return &self->parent;
}

void
sy_amp_sink_free (SySink *sink)
{
  AmpSink *self = (AmpSink *) sink;

  if (self == NULL)
    return;
  g_free (self->requested);
  g_string_free (self->partial, TRUE);
  g_array_unref (self->dropped);
  g_free (self);
}

/* ---------------------------------------------------------------------- */
/* The reverse proxy                                                       */

/* Bytes of a whole (not streamed) answer kept to read its usage from. */
#define SNIFF_LIMIT (4 * 1024 * 1024)
/* Bytes of an error answer held back and masked whole (past it, each
 * piece is masked as it comes). */
#define ERROR_HOLD_LIMIT (1024 * 1024)

struct _SyAmpProxy
{
  SoupServerMessage *msg;
  SyHttpTransfer    *transfer;
  SyConfig          *config;
  gulong             finished_id;
  gulong             wrote_id;
  gsize              pending;
  gboolean           began;
  gboolean           done;
  gboolean           sse;
  /* Counting it (SyAmpProxyRecord) */
  SyUsageStore      *usage;
  SyRequestLog      *log;
  char              *model;
  char              *client_key;
  char              *account;      /* the upstream URL: the usage row's account */
  SyFormat           format;
  SyIrUsage          tokens;
  GString           *sniffed;      /* the SSE event not yet complete, or the whole answer */
  gboolean           sniff_full;   /* past SNIFF_LIMIT: no usage from this answer */
  gint64             began_us;     /* monotonic */
  gint64             began_real;
  gint64             first_byte;
  guint              status;       /* for the usage row */
  GString           *error_body;   /* an error answer, held back to be masked whole */
  gboolean           recorded;
  void             (*finished) (SyAmpProxy *proxy,
                                gpointer    data);
  gpointer           finished_data;
};

typedef SyAmpProxy Proxy;

static gboolean
skip_request_header (const char *name)
{
  static const char * const skipped[] = {
    /* the client's keys: never the upstream's business */
    "authorization", "x-api-key", "x-goog-api-key",
    /* this hop's */
    "host", "connection", "keep-alive", "content-length", "transfer-encoding", "te", "upgrade",
    "proxy-authorization", "proxy-connection", "expect",
    /* libcurl hands us decoded bytes: let it negotiate */
    "accept-encoding",
  };

  for (guint i = 0; i < G_N_ELEMENTS (skipped); i++)
    if (g_ascii_strcasecmp (name, skipped[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
skip_response_header (const char *name)
{
  static const char * const skipped[] = {
    "connection", "keep-alive", "content-length", "transfer-encoding", "content-encoding",
  };

  for (guint i = 0; i < G_N_ELEMENTS (skipped); i++)
    if (g_ascii_strcasecmp (name, skipped[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
collect_header (const char *name,
                const char *value,
                gpointer    user_data)
{
  if (!skip_request_header (name))
    g_ptr_array_add (user_data, g_strdup_printf ("%s: %s", name, value));
}

static void
add_header_line (const char *name,
                 const char *value,
                 gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s: %s", name, value));
}

/* -- Usage read from the answer as it passes ------------------------------ */

static void
sniff_node (Proxy    *self,
            JsonNode *node)
{
  /* Gemini's ?alt=json stream is one array of the chunks an SSE stream
   * would have sent one by one. */
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *list = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (list); i++)
        sy_usage_sniff (self->format, json_array_get_element (list, i), &self->tokens);
      return;
    }
  sy_usage_sniff (self->format, node, &self->tokens);
}

static void
sniff_data (Proxy      *self,
            const char *data,
            gsize       len)
{
  g_autoptr(JsonNode) node = NULL;

  if (!sy_usage_sniff_worth_parsing (data, len))
    return;
  node = sy_json_parse (data, len, NULL);
  if (node != NULL)
    sniff_node (self, node);
}

/* One SSE event: its data lines joined. */
static void
sniff_event (Proxy      *self,
             const char *event)
{
  g_auto(GStrv) lines = g_strsplit (event, "\n", -1);
  g_autoptr(GString) data = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *value;

      if (!g_str_has_prefix (lines[i], "data:"))
        continue;
      value = lines[i] + 5;
      if (*value == ' ')
        value++;
      if (data->len > 0)
        g_string_append_c (data, '\n');
      g_string_append (data, value);
    }
  if (data->len > 0 && strcmp (data->str, "[DONE]") != 0)
    sniff_data (self, data->str, data->len);
}

static void
sniff_chunk (Proxy      *self,
             const char *data,
             gsize       len)
{
  char *end;

  if (self->usage == NULL || self->sniff_full)
    return;
  if (!self->sse)
    {
      if (self->sniffed->len + len > SNIFF_LIMIT)
        {
          self->sniff_full = TRUE;
          g_string_truncate (self->sniffed, 0);
          return;
        }
      g_string_append_len (self->sniffed, data, (gssize) len);
      return;
    }
  /* Events end with a blank line, in whichever line ending. */
  for (gsize i = 0; i < len; i++)
    if (data[i] != '\r')
      g_string_append_c (self->sniffed, data[i]);
  while ((end = strstr (self->sniffed->str, "\n\n")) != NULL)
    {
      g_autofree char *event = g_strndup (self->sniffed->str, end - self->sniffed->str);

      g_string_erase (self->sniffed, 0, end - self->sniffed->str + 2);
      sniff_event (self, event);
    }
  /* One event this long is no usage report. */
  if (self->sniffed->len > SNIFF_LIMIT)
    g_string_truncate (self->sniffed, 0);
}

static gint64
known (gint64 value)
{
  return value == SY_IR_UNSET ? 0 : value;
}

static void
record_usage (Proxy *self)
{
  SyUsageRecord record = { 0 };
  g_autofree char *key_id = NULL;
  g_autofree char *key_label = NULL;

  if (self->recorded)
    return;
  self->recorded = TRUE;
  if (self->usage == NULL || !self->config->usage_statistics_enabled)
    return;
  if (!self->sse && !self->sniff_full && self->sniffed->len > 0)
    sniff_data (self, self->sniffed->str, self->sniffed->len);
  else if (self->sse && self->sniffed->len > 0)
    sniff_event (self, self->sniffed->str);

  if (self->client_key != NULL)
    {
      key_id = sy_usage_key_id (self->client_key);
      key_label = sy_mask_secret (self->client_key);
    }
  else   /* an open proxy: the route, as the pipeline labels it */
    key_label = g_strdup_printf ("%s %s", soup_server_message_get_method (self->msg),
                                 g_uri_get_path (soup_server_message_get_uri (self->msg)));

  record.time_us = self->began_real;
  record.key_id = key_id;
  record.key_label = key_label;
  record.account_id = self->account;
  record.provider = (char *) "amp";
  record.model_asked = self->model;
  record.model_served = self->model;
  record.client_format = (char *) sy_format_to_string (self->format);
  record.upstream_format = (char *) sy_format_to_string (self->format);
  record.stream = self->sse;
  record.status = self->status;
  record.latency_us = g_get_monotonic_time () - self->began_us;
  record.ttfb_us = self->first_byte ? self->first_byte - self->began_us : 0;
  record.input_tokens = known (self->tokens.input_tokens);
  record.output_tokens = known (self->tokens.output_tokens);
  record.cached_tokens = known (self->tokens.cached_tokens);
  record.reasoning_tokens = known (self->tokens.reasoning_tokens);
  sy_usage_store_add (self->usage, &record);
}

/* The record goes to the writer when the config keeps it (request-log, or
 * a failure), as the server's own records do. */
static void
finish_log (Proxy *self)
{
  SyRequestLog *log = g_steal_pointer (&self->log);
  SyRequestLogConfig cfg;

  if (log == NULL)
    return;
  if (!self->config->request_log && !sy_request_log_is_failure (log))
    {
      sy_request_log_free (log);
      return;
    }
  sy_request_log_config_init (&cfg, self->config);
  sy_request_log_finish (log, &cfg);
  sy_request_log_config_clear (&cfg);
}

static void
log_client_response (Proxy *self)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  if (self->log == NULL)
    return;
  soup_message_headers_foreach (soup_server_message_get_response_headers (self->msg), add_header_line, lines);
  g_ptr_array_add (lines, NULL);
  sy_request_log_client_response (self->log, soup_server_message_get_status (self->msg),
                                  (const char * const *) lines->pdata);
}

static void
proxy_free (Proxy *self)
{
  g_clear_signal_handler (&self->finished_id, self->msg);
  g_clear_signal_handler (&self->wrote_id, self->msg);
  if (self->transfer != NULL && !self->done)
    {
      /* The client went away (or the server stopped) before the answer ended. */
      g_info ("amp upstream: the client left before the answer ended; transfer cancelled");
      self->status = 499;
      if (self->log != NULL)
        sy_request_log_upstream_error (self->log, "the client left before the answer ended");
      sy_http_transfer_cancel (self->transfer);
    }
  record_usage (self);
  finish_log (self);
  g_clear_pointer (&self->transfer, sy_http_transfer_unref);
  if (self->finished != NULL)
    self->finished (self, self->finished_data);
  g_clear_object (&self->usage);
  g_string_free (self->sniffed, TRUE);
  if (self->error_body != NULL)
    g_string_free (self->error_body, TRUE);
  g_free (self->model);
  g_free (self->client_key);
  g_free (self->account);
  g_clear_pointer (&self->config, sy_config_unref);
  g_clear_object (&self->msg);
  g_free (self);
}

/* Answers @self's message itself: the upstream could not be reached. */
static void
respond_unreachable (Proxy      *self,
                     const char *reason)
{
  g_autofree char *message = g_strdup_printf ("The Amp upstream could not be reached: %s", reason);
  g_autofree char *body = sy_format_error_body (SY_FORMAT_OPENAI, 502, message, "upstream_error", NULL);

  self->status = 502;
  soup_server_message_set_status (self->msg, 502, NULL);
  soup_server_message_set_response (self->msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
  if (self->log != NULL)
    {
      sy_request_log_upstream_error (self->log, reason);
      log_client_response (self);
      sy_request_log_client_append (self->log, body, strlen (body));
    }
}

/* Appends @len bytes at @data to the client's answer with every key and
 * token the log knows masked: an error answer from ampcode.com (or a proxy
 * on the way) that quotes the request would otherwise show the Amp key. */
static void
append_masked (Proxy      *self,
               const char *data,
               gsize       len)
{
  g_autofree char *text = g_strndup (data, len);
  g_autofree char *masked = sy_log_mask_secrets (text);

  soup_message_body_append (soup_server_message_get_response_body (self->msg), SOUP_MEMORY_COPY,
                            masked, strlen (masked));
}

static void
flush_error_body (Proxy *self)
{
  if (self->error_body == NULL || self->error_body->len == 0)
    return;
  append_masked (self, self->error_body->str, self->error_body->len);
  g_string_truncate (self->error_body, 0);
}

static void
on_proxy_response (SyHttpTransfer *transfer,
                   guint           status,
                   gpointer        user_data)
{
  Proxy *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (self->msg);
  g_auto(GStrv) lines = sy_http_transfer_dup_headers (transfer);
  const char *type = sy_http_transfer_get_content_type (transfer);

  self->began = TRUE;
  self->first_byte = g_get_monotonic_time ();
  self->status = status;
  self->sse = type != NULL && strstr (type, "event-stream") != NULL;
  soup_server_message_set_status (self->msg, status, NULL);
  if (status >= 400)
    self->error_body = g_string_new (NULL);
  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (lines[i], ": ", 2);

      if (kv[0] != NULL && kv[1] != NULL && !skip_response_header (kv[0]))
        {
          /* A header may quote the request too. */
          g_autofree char *value = sy_log_mask_secrets (kv[1]);

          soup_message_headers_append (headers, kv[0], value);
        }
    }
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (self->msg), FALSE);
  if (self->log != NULL)
    {
      sy_request_log_upstream_response (self->log, status, (const char * const *) lines);
      log_client_response (self);
    }
  soup_server_message_unpause (self->msg);
}

static void
on_proxy_data (SyHttpTransfer *transfer,
               const char     *data,
               gsize           len,
               gpointer        user_data)
{
  Proxy *self = user_data;

  self->pending += len;
  sniff_chunk (self, data, len);
  if (self->log != NULL)
    {
      sy_request_log_upstream_append (self->log, data, len);
      sy_request_log_client_append (self->log, data, len);
    }
  if (self->error_body != NULL && self->error_body->len + len <= ERROR_HOLD_LIMIT)
    {
      /* Held until the answer ends (a secret may span two pieces). */
      g_string_append_len (self->error_body, data, len);
      self->pending -= len;
      return;
    }
  if (self->error_body != NULL)
    {
      flush_error_body (self);
      append_masked (self, data, len);
    }
  else
    soup_message_body_append (soup_server_message_get_response_body (self->msg), SOUP_MEMORY_COPY, data, len);
  soup_server_message_unpause (self->msg);
  /* A slow client: let the upstream wait rather than buffer without end. */
  if (self->pending > SY_PIPELINE_HIGH_WATER && !sy_http_transfer_is_paused (transfer))
    sy_http_transfer_pause (transfer);
}

static void
on_proxy_done (SyHttpTransfer *transfer,
               const GError   *error,
               gpointer        user_data)
{
  Proxy *self = user_data;

  self->done = TRUE;
  flush_error_body (self);
  if (error != NULL && !self->began)
    {
      g_message ("amp upstream: %s", error->message);
      respond_unreachable (self, error->message);
      soup_server_message_unpause (self->msg);
      return;
    }
  if (error != NULL)
    {
      g_message ("amp upstream broke off its answer: %s", error->message);
      /* Counted as failed, like a pipeline stream that breaks off. */
      self->status = 502;
      if (self->log != NULL)
        sy_request_log_upstream_error (self->log, error->message);
      if (self->sse)
        {
          /* Said the way a stream says things, so the client can tell. */
          g_autofree char *event =
            g_strdup_printf ("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                             "\"message\":\"The Amp upstream broke off its answer\"}}\n\n");

          soup_message_body_append (soup_server_message_get_response_body (self->msg), SOUP_MEMORY_COPY,
                                    event, strlen (event));
          if (self->log != NULL)
            sy_request_log_client_append (self->log, event, strlen (event));
        }
    }
  soup_message_body_complete (soup_server_message_get_response_body (self->msg));
  soup_server_message_unpause (self->msg);
}

static void
on_proxy_wrote (SoupServerMessage *msg,
                guint              chunk_size,
                Proxy             *self)
{
  self->pending = chunk_size > self->pending ? 0 : self->pending - chunk_size;
  if (self->pending <= SY_PIPELINE_LOW_WATER && self->transfer != NULL && !self->done &&
      sy_http_transfer_is_paused (self->transfer))
    sy_http_transfer_resume (self->transfer);
}

static void
on_proxy_finished (SoupServerMessage *msg,
                   Proxy             *self)
{
  proxy_free (self);
}

/* The query without a client key in it (?key=). */
static char *
forwarded_query (const char *query)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (query == NULL || *query == '\0')
    return NULL;
  parts = g_strsplit (query, "&", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_has_prefix (parts[i], "key=") || strcmp (parts[i], "key") == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, '&');
      g_string_append (out, parts[i]);
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* The body's "model", for a usage row. */
static char *
body_model (GBytes *body)
{
  g_autoptr(JsonNode) node = NULL;

  if (body == NULL || g_bytes_get_size (body) == 0)
    return NULL;
  node = sy_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (node), "model", NULL));
}

void
sy_amp_proxy_cancel (SyAmpProxy *self)
{
  if (self->transfer == NULL || self->done)
    return;
  self->done = TRUE;
  self->status = 499;
  if (self->log != NULL)
    sy_request_log_upstream_error (self->log, "the server stopped before the answer ended");
  /* No callback comes after this: the message is not touched again. */
  sy_http_transfer_cancel (self->transfer);
  record_usage (self);
}

SyAmpProxy *
sy_amp_proxy (SyHttpClient      *http,
              SyConfig          *config,
              SoupServerMessage *msg,
              const char        *path,
              GBytes            *body,
              const char        *client_key,
              SyAmpProxyRecord  *record)
{
  static const SyHttpCallbacks callbacks = {
    .response = on_proxy_response,
    .data = on_proxy_data,
    .done = on_proxy_done,
  };
  g_autofree char *base = sy_amp_upstream_url (config);
  g_autofree char *query = forwarded_query (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_autofree char *url = g_strconcat (base, path, query ? "?" : "", query ? query : "", NULL);
  g_autofree char *key = sy_amp_upstream_key (config, client_key, NULL);
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *method = soup_server_message_get_method (msg);
  SyHttpRequestInfo info = { 0 };
  Proxy *self;

  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), collect_header, headers);
  if (key != NULL)
    {
      g_ptr_array_add (headers, g_strdup_printf ("Authorization: Bearer %s", key));
      g_ptr_array_add (headers, g_strdup_printf ("X-Api-Key: %s", key));
    }
  else
    g_debug ("amp upstream: no key for %s %s (set ampcode.upstream-api-key or AMP_API_KEY)", method, path);
  g_ptr_array_add (headers, NULL);

  info.method = method;
  info.url = url;
  info.headers = (const char * const *) headers->pdata;
  info.body = body != NULL && g_bytes_get_size (body) > 0 ? body : NULL;
  info.proxy_url = config->proxy_url;
  info.connect_timeout_s = (guint) config->upstream_connect_timeout;
  info.idle_timeout_s = (guint) config->upstream_idle_timeout;

  self = g_new0 (Proxy, 1);
  self->msg = g_object_ref (msg);
  self->config = sy_config_ref (config);
  self->began_us = g_get_monotonic_time ();
  self->began_real = g_get_real_time ();
  self->sniffed = g_string_new (NULL);
  sy_ir_usage_init (&self->tokens);
  if (record != NULL)
    {
      self->usage = record->usage ? g_object_ref (record->usage) : NULL;
      self->log = g_steal_pointer (&record->log);
      self->format = record->format;
      self->finished = record->finished;
      self->finished_data = record->finished_data;
      if (self->usage != NULL)
        self->model = record->model ? g_strdup (record->model) : body_model (body);
    }
  self->client_key = g_strdup (client_key);
  self->account = g_strdup (base);
  /* The log masks the key in the Authorization and X-Api-Key lines. */
  if (self->log != NULL)
    sy_request_log_upstream_request (self->log, url, info.headers, info.body);
  /* The path only: the query may hold what a web page passes along. */
  g_debug ("amp upstream: %s %s%s", method, base, path);
  self->transfer = sy_http_client_start (http, &info, &callbacks, self, &error);
  if (self->transfer == NULL)
    {
      self->done = TRUE;
      respond_unreachable (self, error->message);
      proxy_free (self);
      return NULL;
    }
  self->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_proxy_finished), self);
  self->wrote_id = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_proxy_wrote), self);
  soup_server_message_pause (msg);
  return self;
}
