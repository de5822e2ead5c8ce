/* sy-mgmt-config.c: config.yaml through the management API
 *
 * Every change is made on the file's text with sy_config_edit_set(), so
 * comments and layout stay; the result must load as a config before it
 * replaces the file (atomically), and the service loads it at once, so the
 * answer already reflects it.
 *
 * Keys are secrets: every answer masks them (sy_mask_secret: "sk-...abcd").
 * A front that reads a masked list and writes it back unchanged must not
 * destroy the keys, so a masked value that matches a key already in the
 * list is put back to that key. GET /config.yaml, the raw file, is for
 * loopback clients only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-management"

#include "config.h"

#include <string.h>

#include "sy-config-edit.h"
#include "sy-core-error.h"
#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-management-private.h"
#include "sy-mgmt-bodies.h"
#include "sy-secret-hash.h"

/* -- Reading and writing the file ------------------------------------------ */

/* The file's text, and the config it loads as. FALSE with the answer sent. */
static gboolean
load_file (SyMgmtRequest *request,
           char         **text_out,
           SyConfig     **config_out)
{
  const char *path = sy_management_get_config_path (request->mgmt);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  if (path == NULL)
    {
      sy_mgmt_reply_error (request, 409, "no config file",
                           "This instance was started from a config string, not a file");
      return FALSE;
    }
  if (!g_file_get_contents (path, &text, &len, &error))
    {
      sy_mgmt_reply_error (request, 500, "failed to read config", error->message);
      return FALSE;
    }
  if (config_out != NULL)
    {
      *config_out = sy_config_new_from_data (text, (gssize) len, path, &error);
      if (*config_out == NULL)
        {
          sy_mgmt_reply_error (request, 409, "invalid_config", error->message);
          return FALSE;
        }
    }
  *text_out = g_steal_pointer (&text);
  return TRUE;
}

/* Sets @dotted (NULL: delete) in the file, writes and reloads it; answers. */
static void
save_value (SyMgmtRequest *request,
            const char    *dotted,
            JsonNode      *value)
{
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) path = g_strsplit (dotted, ".", -1);
  g_autoptr(SyConfig) check = NULL;
  const char *file = sy_management_get_config_path (request->mgmt);

  if (!load_file (request, &text, NULL))
    return;
  edited = sy_config_edit_set (text, (const char * const *) path, value, &error);
  if (edited == NULL)
    {
      sy_mgmt_reply_error (request, 422, "invalid_config", error->message);
      return;
    }
  check = sy_config_new_from_data (edited, -1, file, &error);
  if (check == NULL || !sy_management_check_config (request->mgmt, check, &error))
    {
      sy_mgmt_reply_error (request, 422, "invalid_config", error->message);
      return;
    }
  if (strcmp (edited, text) != 0 && !sy_config_write_atomic (file, edited, strlen (edited), &error))
    {
      g_autofree char *message = g_strdup_printf ("failed to save config: %s", error->message);

      sy_mgmt_reply_error (request, 500, message, NULL);
      return;
    }
  if (!sy_management_reload (request->mgmt, &error))
    {
      sy_mgmt_reply_error (request, 500, "reload_failed", error->message);
      return;
    }
  sy_mgmt_reply_ok (request);
}

/* -- Masking ------------------------------------------------------------- */

static gboolean
is_secret_name (const char *name)
{
  static const char *names[] = {
    "api-key", "upstream-api-key", "secret-key", "password", "token", "access-token",
    "refresh-token", "usage-store-dsn", "dsn", "client-secret",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_secret_header (const char *name)
{
  return g_ascii_strcasecmp (name, "authorization") == 0 || g_ascii_strcasecmp (name, "x-api-key") == 0 ||
         g_ascii_strcasecmp (name, "x-goog-api-key") == 0 || g_ascii_strcasecmp (name, "cookie") == 0 ||
         g_ascii_strcasecmp (name, "proxy-authorization") == 0;
}

static gboolean
is_proxy_name (const char *name)
{
  return name != NULL && (g_ascii_strcasecmp (name, "proxy-url") == 0 || g_ascii_strcasecmp (name, "proxy_url") == 0);
}

/* @url without its password (GUri's "user@host" form), or NULL when it
 * has none. */
static char *
proxy_without_password (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);

  if (uri == NULL || g_uri_get_password (uri) == NULL)
    return NULL;
  return g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
}

/* A proxy URL's password, in /config and in the key lists (an entry's
 * proxy-url) as in /proxy-url: not shown. */
static void
mask_proxy_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *shown = proxy_without_password (json_node_get_string (node));

      if (shown != NULL)
        json_node_set_string (node, shown);
    }
}

static void
mask_string_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
      *json_node_get_string (node) != '\0')
    {
      g_autofree char *masked = sy_mask_secret (json_node_get_string (node));

      json_node_set_string (node, masked);
    }
}

/* Masks, in place, every value that is a key under @node. */
static void
mask_tree (JsonNode   *node,
           const char *name)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);
      gboolean headers = name != NULL && strcmp (name, "headers") == 0;

      for (GList *m = members; m != NULL; m = m->next)
        {
          JsonNode *child = json_object_get_member (object, m->data);

          if ((headers && is_secret_header (m->data)) || is_secret_name (m->data))
            mask_string_node (child);
          else if (is_proxy_name (m->data))
            mask_proxy_node (child);
          else
            mask_tree (child, m->data);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      gboolean keys = name != NULL && (strcmp (name, "api-keys") == 0);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *child = json_array_get_element (array, i);

          if (keys)
            mask_string_node (child);
          else
            mask_tree (child, name);
        }
    }
}

/* Collects every string that is a key under @node (as mask_tree sees them). */
static void
collect_secrets (JsonNode   *node,
                 const char *name,
                 GPtrArray  *out)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (name != NULL && (is_secret_name (name) || is_secret_header (name) || strcmp (name, "api-keys") == 0 ||
                           is_proxy_name (name)))
        g_ptr_array_add (out, (gpointer) json_node_get_string (node));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *m = members; m != NULL; m = m->next)
        collect_secrets (json_object_get_member (object, m->data), m->data, out);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_secrets (json_array_get_element (array, i), name, out);
    }
}

/* The key whose mask is @value, among @secrets; NULL when none or several. */
static const char *
unmask_one (const char *value,
            GPtrArray  *secrets)
{
  const char *found = NULL;

  if (value == NULL || strstr (value, "...") == NULL)
    return NULL;
  for (guint i = 0; i < secrets->len; i++)
    {
      g_autofree char *masked = sy_mask_secret (g_ptr_array_index (secrets, i));

      if (strcmp (masked, value) == 0)
        {
          if (found != NULL && strcmp (found, g_ptr_array_index (secrets, i)) != 0)
            return NULL;
          found = g_ptr_array_index (secrets, i);
        }
    }
  return found;
}

/* The proxy URL of @secrets that @value is with its password hidden;
 * NULL when none or several. */
static const char *
unmask_proxy (const char *value,
              GPtrArray  *secrets)
{
  const char *found = NULL;

  for (guint i = 0; value != NULL && i < secrets->len; i++)
    {
      g_autofree char *shown = proxy_without_password (g_ptr_array_index (secrets, i));

      if (shown != NULL && strcmp (shown, value) == 0)
        {
          if (found != NULL && strcmp (found, g_ptr_array_index (secrets, i)) != 0)
            return NULL;
          found = g_ptr_array_index (secrets, i);
        }
    }
  return found;
}

/* Puts back, in place, masked keys under @node that match one of @secrets. */
static void
unmask_tree (JsonNode   *node,
             const char *name,
             GPtrArray  *secrets)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *key;

      if (name != NULL && (is_secret_name (name) || is_secret_header (name) || strcmp (name, "api-keys") == 0) &&
          (key = unmask_one (json_node_get_string (node), secrets)) != NULL)
        json_node_set_string (node, key);
      else if (is_proxy_name (name) && (key = unmask_proxy (json_node_get_string (node), secrets)) != NULL)
        json_node_set_string (node, key);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *m = members; m != NULL; m = m->next)
        unmask_tree (json_object_get_member (object, m->data), m->data, secrets);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        unmask_tree (json_array_get_element (array, i), name, secrets);
    }
}

/* -- Values -------------------------------------------------------------- */

/* The current value at @dotted in the file, a copy (NULL when absent). */
static JsonNode *
current_value (SyConfig   *config,
               const char *dotted)
{
  JsonNode *node = sy_config_lookup (config, dotted);

  return node != NULL ? sy_mgmt_json_dup (node) : NULL;
}

static void
reply_member (SyMgmtRequest *request,
              const char    *name,
              JsonNode      *value)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_value (b, json_node_ref (value));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  sy_mgmt_reply_builder (request, 200, b);
}

/* -- Scalar settings ----------------------------------------------------- */

typedef enum { T_BOOL, T_INT, T_STRING } ScalarType;

typedef struct
{
  const char *route;
  const char *key;       /* dotted path in the file */
  const char *reply;     /* member of the GET answer */
  ScalarType  type;
  gssize      offset;    /* in SyConfig; -1: read the file's value */
} Scalar;

static const Scalar scalars[] = {
  { "/debug", "debug", "debug", T_BOOL, G_STRUCT_OFFSET (SyConfig, debug) },
  { "/logging-to-file", "logging-to-file", "logging-to-file", T_BOOL, G_STRUCT_OFFSET (SyConfig, logging_to_file) },
  { "/logs-max-total-size-mb", "logs-max-total-size-mb", "logs-max-total-size-mb", T_INT,
    G_STRUCT_OFFSET (SyConfig, logs_max_total_size_mb) },
  { "/error-logs-max-files", "error-logs-max-files", "error-logs-max-files", T_INT,
    G_STRUCT_OFFSET (SyConfig, error_logs_max_files) },
  { "/usage-statistics-enabled", "usage-statistics-enabled", "usage-statistics-enabled", T_BOOL,
    G_STRUCT_OFFSET (SyConfig, usage_statistics_enabled) },
  { "/proxy-url", "proxy-url", "proxy-url", T_STRING, G_STRUCT_OFFSET (SyConfig, proxy_url) },
  { "/quota-exceeded/switch-project", "quota-exceeded.switch-project", "switch-project", T_BOOL, -1 },
  { "/quota-exceeded/switch-preview-model", "quota-exceeded.switch-preview-model", "switch-preview-model",
    T_BOOL, -1 },
  { "/request-log", "request-log", "request-log", T_BOOL, G_STRUCT_OFFSET (SyConfig, request_log) },
  { "/ws-auth", "ws-auth", "ws-auth", T_BOOL, G_STRUCT_OFFSET (SyConfig, ws_auth) },
  { "/request-retry", "request-retry", "request-retry", T_INT, G_STRUCT_OFFSET (SyConfig, request_retry) },
  { "/max-retry-interval", "max-retry-interval", "max-retry-interval", T_INT,
    G_STRUCT_OFFSET (SyConfig, max_retry_interval) },
  { "/force-model-prefix", "force-model-prefix", "force-model-prefix", T_BOOL,
    G_STRUCT_OFFSET (SyConfig, force_model_prefix) },
  { "/routing/strategy", "routing.strategy", "strategy", T_STRING, G_STRUCT_OFFSET (SyConfig, routing_strategy) },
  { "/ampcode/upstream-url", "ampcode.upstream-url", "upstream-url", T_STRING, -1 },
  { "/ampcode/upstream-api-key", "ampcode.upstream-api-key", "upstream-api-key", T_STRING, -1 },
  { "/ampcode/restrict-management-to-localhost", "ampcode.restrict-management-to-localhost",
    "restrict-management-to-localhost", T_BOOL, -1 },
  { "/ampcode/force-model-mappings", "ampcode.force-model-mappings", "force-model-mappings", T_BOOL, -1 },
};

/* The file's value at @dotted; for ampcode.* also the CLIProxyAPI spelling. */
static JsonNode *
lookup_setting (SyConfig   *config,
                const char *dotted)
{
  if (g_str_has_prefix (dotted, "ampcode."))
    return sy_config_ampcode (config, dotted + strlen ("ampcode."));
  return sy_config_lookup (config, dotted);
}

static const Scalar *
scalar_for (const char *route)
{
  for (guint i = 0; i < G_N_ELEMENTS (scalars); i++)
    if (strcmp (scalars[i].route, route) == 0)
      return &scalars[i];
  return NULL;
}

static JsonNode *
scalar_value (const Scalar *s,
              SyConfig     *config)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  gpointer field = s->offset >= 0 ? G_STRUCT_MEMBER_P (config, s->offset) : NULL;

  if (field == NULL)
    {
      JsonNode *set = lookup_setting (config, s->key);

      json_node_free (node);
      if (set != NULL && JSON_NODE_HOLDS_VALUE (set))
        return sy_mgmt_json_dup (set);
      if (s->type == T_STRING)
        return json_node_new (JSON_NODE_NULL);
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, FALSE);
      return node;
    }
  switch (s->type)
    {
    case T_BOOL:
      json_node_set_boolean (node, *(gboolean *) field);
      break;
    case T_INT:
      json_node_set_int (node, *(int *) field);
      break;
    case T_STRING:
    default:
      if (*(char **) field == NULL)
        json_node_init_null (node);
      else
        json_node_set_string (node, *(char **) field);
      break;
    }
  return node;
}

static const char *
normalise_strategy (const char *value)
{
  static const char *rr[] = { "round-robin", "roundrobin", "rr", "" };
  static const char *ff[] = { "fill-first", "fillfirst", "ff" };

  for (guint i = 0; i < G_N_ELEMENTS (rr); i++)
    if (g_ascii_strcasecmp (value, rr[i]) == 0)
      return "round-robin";
  for (guint i = 0; i < G_N_ELEMENTS (ff); i++)
    if (g_ascii_strcasecmp (value, ff[i]) == 0)
      return "fill-first";
  return NULL;
}

/* A refusal: @status and the answer's "error" (and "message"). */
static gboolean
refuse (GError    **error,
        guint       status,
        const char *what,
        const char *message)
{
  if (message != NULL)
    g_set_error (error, SY_MGMT_ERROR, (int) status, "%s\n%s", what, message);
  else
    g_set_error_literal (error, SY_MGMT_ERROR, (int) status, what);
  return FALSE;
}

/* Write @value (a copy; NULL: remove the key) at @key. */
static gboolean
change_set (SyMgmtChange *change,
            const char   *key,
            JsonNode     *value)
{
  change->key = key;
  change->keep = FALSE;
  change->value = value != NULL ? sy_mgmt_json_dup (value) : NULL;
  return TRUE;
}

static const char *
query_get (GHashTable *query,
           const char *name)
{
  return query != NULL ? g_hash_table_lookup (query, name) : NULL;
}

void
sy_mgmt_change_clear (SyMgmtChange *change)
{
  g_clear_pointer (&change->value, json_node_unref);
  change->key = NULL;
  change->keep = FALSE;
}

/* Answers a change: writes it, or says why not. */
static void
reply_change (SyMgmtRequest *request,
              gboolean       ok,
              SyMgmtChange  *change,
              const GError  *error)
{
  if (!ok)
    sy_mgmt_reply_gerror (request, error);
  else if (change->keep)
    sy_mgmt_reply_ok (request);
  else
    save_value (request, change->key, change->value);
}

gboolean
sy_mgmt_scalar_change (const char   *route,
                       SyMgmtMethod  method,
                       JsonNode     *current,
                       GBytes       *body_bytes,
                       SyMgmtChange *change,
                       GError      **error)
{
  const Scalar *s = scalar_for (route);
  g_autoptr(JsonNode) body = NULL;
  JsonNode *value;
  GType want;

  g_return_val_if_fail (s != NULL, FALSE);
  if (method == SY_MGMT_DELETE)
    return change_set (change, s->key, NULL);

  if ((body = sy_mgmt_body_parse (body_bytes, error)) == NULL)
    return FALSE;
  value = JSON_NODE_HOLDS_OBJECT (body) ? json_object_get_member (json_node_get_object (body), "value") : NULL;
  want = s->type == T_BOOL ? G_TYPE_BOOLEAN : s->type == T_INT ? G_TYPE_INT64 : G_TYPE_STRING;
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != want)
    return refuse (error, 400, "invalid body", NULL);
  if (is_secret_name (s->reply))
    {
      /* The masked key a GET showed, sent back unchanged: keep the key. */
      g_autofree char *masked = current != NULL && JSON_NODE_HOLDS_VALUE (current) &&
                                json_node_get_value_type (current) == G_TYPE_STRING
                                ? sy_mask_secret (json_node_get_string (current)) : NULL;

      if (masked != NULL && strcmp (masked, json_node_get_string (value)) == 0 &&
          strcmp (masked, json_node_get_string (current)) != 0)
        {
          change->keep = TRUE;
          return TRUE;
        }
    }
  if (strcmp (s->key, "routing.strategy") == 0)
    {
      const char *strategy = normalise_strategy (json_node_get_string (value));
      g_autoptr(JsonNode) normal = NULL;

      if (strategy == NULL)
        return refuse (error, 400, "invalid strategy", NULL);
      normal = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (normal, strategy);
      return change_set (change, s->key, normal);
    }
  return change_set (change, s->key, value);
}

static void
handle_scalar (SyMgmtRequest *request)
{
  const Scalar *s = scalar_for (request->route);
  g_auto(SyMgmtChange) change = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) current = NULL;
  gboolean ok;

  g_assert (s != NULL);
  if (request->method == SY_MGMT_GET)
    {
      current = scalar_value (s, request->config);
      if (s->type == T_STRING && strstr (s->key, "proxy") != NULL && JSON_NODE_HOLDS_VALUE (current))
        {
          /* A proxy URL may carry a password. */
          g_autoptr(GUri) uri = g_uri_parse (json_node_get_string (current), G_URI_FLAGS_HAS_PASSWORD, NULL);

          if (uri != NULL && g_uri_get_password (uri) != NULL)
            {
              g_autofree char *shown = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);

              json_node_set_string (current, shown);
            }
        }
      if (is_secret_name (s->reply))
        mask_string_node (current);
      reply_member (request, s->reply, current);
      return;
    }

  if (is_secret_name (s->reply))
    current = scalar_value (s, request->config);
  ok = sy_mgmt_scalar_change (request->route, request->method, current, request->body, &change, &error);
  reply_change (request, ok, &change, error);
}

/* -- Lists ---------------------------------------------------------------- */

static gboolean
parse_index (const char *text,
             guint       length,
             guint      *out)
{
  char *end = NULL;
  guint64 index;

  if (text == NULL || *text == '\0')
    return FALSE;
  index = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || index >= length)
    return FALSE;
  *out = (guint) index;
  return TRUE;
}

/* The body's list: an array, or {"items":[…]}; NULL (with @error) when not. */
static JsonArray *
body_items (JsonNode  *body,
            GError   **error)
{
  JsonNode *items = body;

  if (JSON_NODE_HOLDS_OBJECT (body))
    items = json_object_get_member (json_node_get_object (body), "items");
  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    {
      refuse (error, 400, "invalid body", NULL);
      return NULL;
    }
  return json_node_get_array (items);
}

/* A node that takes over @array. */
static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

/* Entry equality for de-duplication: same api-key and base-url (compat: name). */
static gboolean
same_entry (JsonNode *a,
            JsonNode *b)
{
  JsonObject *x, *y;

  if (!JSON_NODE_HOLDS_OBJECT (a) || !JSON_NODE_HOLDS_OBJECT (b))
    return json_node_equal (a, b);
  x = json_node_get_object (a);
  y = json_node_get_object (b);
  return g_strcmp0 (sy_mgmt_string_with_default (x, "api-key", NULL),
                    sy_mgmt_string_with_default (y, "api-key", NULL)) == 0 &&
         g_strcmp0 (sy_mgmt_string_with_default (x, "base-url", NULL),
                    sy_mgmt_string_with_default (y, "base-url", NULL)) == 0 &&
         g_strcmp0 (sy_mgmt_string_with_default (x, "name", NULL),
                    sy_mgmt_string_with_default (y, "name", NULL)) == 0;
}

/* A copy of @items without repeats, keys put back where they were masked. */
static JsonArray *
normalise_items (JsonArray *items,
                 GPtrArray *secrets,
                 const char *name)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = sy_mgmt_json_dup (json_array_get_element (items, i));
      gboolean dup = FALSE;

      unmask_tree (item, strcmp (name, "api-keys") == 0 ? name : NULL, secrets);
      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (json_node_get_string (item)));

          if (*trimmed == '\0')
            {
              json_node_unref (item);
              continue;
            }
          json_node_set_string (item, trimmed);
        }
      for (guint j = 0; j < json_array_get_length (out) && !dup; j++)
        dup = same_entry (json_array_get_element (out, j), item);
      if (dup)
        json_node_unref (item);
      else
        json_array_add_element (out, item);
    }
  return out;
}

static gboolean
is_object_list (const char *name)
{
  return strcmp (name, "api-keys") != 0;
}


/* The entry @query names by ?index= / ?api-key= [&base-url=] / ?name=, or
 * by the body's "index" / "match" / "name"; -1 (with @error) when none. */
static int
find_entry (GHashTable *query,
            JsonArray  *list,
            JsonObject *body,
            GPtrArray  *secrets,
            GError    **error)
{
  const char *index_text = query_get (query, "index");
  const char *key = query_get (query, "api-key");
  const char *base = query_get (query, "base-url");
  const char *name = query_get (query, "name");
  g_autofree char *index_buf = NULL;
  int found = -1;
  guint n_found = 0;
  guint index;

  if (body != NULL)
    {
      JsonNode *i = json_object_get_member (body, "index");

      if (i != NULL && JSON_NODE_HOLDS_VALUE (i) && json_node_get_value_type (i) == G_TYPE_INT64)
        index_text = index_buf = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (i));
      key = sy_mgmt_string_with_default (body, "match", key);
      name = sy_mgmt_string_with_default (body, "name", name);
    }
  if (index_text != NULL)
    {
      if (!parse_index (index_text, json_array_get_length (list), &index))
        {
          refuse (error, 404, "item not found", NULL);
          return -1;
        }
      return (int) index;
    }
  if (key != NULL && unmask_one (key, secrets) != NULL)
    key = unmask_one (key, secrets);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      gboolean match = FALSE;

      if (entry == NULL)
        continue;
      if (key != NULL)
        {
          const char *k = sy_mgmt_string_with_default (entry, "api-key", NULL);
          JsonNode *entries = json_object_get_member (entry, "api-key-entries");

          match = g_strcmp0 (k, key) == 0;
          if (!match && entries != NULL && JSON_NODE_HOLDS_ARRAY (entries))
            for (guint j = 0; j < json_array_get_length (json_node_get_array (entries)) && !match; j++)
              {
                JsonNode *e = json_array_get_element (json_node_get_array (entries), j);

                match = JSON_NODE_HOLDS_OBJECT (e) &&
                        g_strcmp0 (sy_mgmt_string_with_default (json_node_get_object (e), "api-key", NULL),
                                   key) == 0;
              }
          if (match && base != NULL)
            match = g_strcmp0 (sy_mgmt_string_with_default (entry, "base-url", NULL), base) == 0;
        }
      else if (name != NULL)
        match = g_ascii_strcasecmp (sy_mgmt_string_with_default (entry, "name", ""), name) == 0;
      if (match)
        {
          n_found++;
          if (found < 0)
            found = (int) i;
        }
    }
  if (key == NULL && name == NULL)
    {
      refuse (error, 400, "missing index or value", NULL);
      return -1;
    }
  if (n_found > 1 && key != NULL && base == NULL)
    {
      refuse (error, 400, "multiple items match api-key; base-url is required", NULL);
      return -1;
    }
  if (found < 0)
    refuse (error, 404, "item not found", NULL);
  return found;
}

static gboolean
check_vertex (JsonArray *items,
              GError   **error)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      const char *key = JSON_NODE_HOLDS_OBJECT (node)
                        ? sy_mgmt_string_with_default (json_node_get_object (node), "api-key", NULL)
                        : NULL;

      if (key == NULL || *key == '\0')
        {
          g_autofree char *message = g_strdup_printf ("vertex-api-key[%u].api-key is required", i);

          return refuse (error, 400, message, NULL);
        }
    }
  return TRUE;
}

/* The list's value in the file, a copy: always an array. */
static JsonNode *
current_list (SyConfig   *config,
              const char *name)
{
  JsonNode *current = current_value (config, name);

  if (current == NULL || !JSON_NODE_HOLDS_ARRAY (current))
    {
      g_clear_pointer (&current, json_node_unref);
      current = array_node (json_array_new ());
    }
  return current;
}

gboolean
sy_mgmt_list_change (const char   *route,
                     SyMgmtMethod  method,
                     JsonNode     *current,
                     GHashTable   *query,
                     GBytes       *body_bytes,
                     SyMgmtChange *change,
                     GError      **error)
{
  const char *name = route + 1;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GPtrArray) secrets = g_ptr_array_new ();
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(JsonNode) result = NULL;

  g_return_val_if_fail (JSON_NODE_HOLDS_ARRAY (current), FALSE);
  collect_secrets (current, name, secrets);
  list = json_array_ref (json_node_get_array (current));

  if (method == SY_MGMT_DELETE)
    {
      const char *value = query_get (query, "value");
      int index = -1;

      if (!is_object_list (name))
        {
          const char *index_text = query_get (query, "index");
          guint i;

          if (index_text != NULL)
            {
              if (!parse_index (index_text, json_array_get_length (list), &i))
                return refuse (error, 404, "item not found", NULL);
              index = (int) i;
            }
          else if (value != NULL)
            {
              const char *key = unmask_one (value, secrets) ? unmask_one (value, secrets) : value;

              for (guint j = 0; j < json_array_get_length (list) && index < 0; j++)
                if (g_strcmp0 (sy_mgmt_string_element (list, j), key) == 0)
                  index = (int) j;
              if (index < 0)
                return refuse (error, 404, "item not found", NULL);
            }
          else
            return refuse (error, 400, "missing index or value", NULL);
        }
      else if ((index = find_entry (query, list, NULL, secrets, error)) < 0)
        return FALSE;
      json_array_remove_element (list, (guint) index);
      return change_set (change, name, current);
    }

  if ((body = sy_mgmt_body_parse (body_bytes, error)) == NULL)
    return FALSE;

  if (method == SY_MGMT_PUT)
    {
      JsonArray *items = body_items (body, error);

      if (items == NULL)
        return FALSE;
      if (strcmp (name, "vertex-api-key") == 0 && !check_vertex (items, error))
        return FALSE;
      result = array_node (normalise_items (items, secrets, name));
      return change_set (change, name, result);
    }

  /* PATCH */
  if (!JSON_NODE_HOLDS_OBJECT (body))
    return refuse (error, 400, "invalid body", NULL);
  if (!is_object_list (name))
    {
      JsonObject *obj = json_node_get_object (body);
      const char *old = sy_mgmt_string_with_default (obj, "old", NULL);
      const char *new_value = sy_mgmt_string_with_default (obj, "new", NULL);
      const char *value = sy_mgmt_string_with_default (obj, "value", NULL);
      JsonNode *index = json_object_get_member (obj, "index");

      if (index != NULL && value != NULL && JSON_NODE_HOLDS_VALUE (index) &&
          json_node_get_value_type (index) == G_TYPE_INT64)
        {
          gint64 i = json_node_get_int (index);

          if (i < 0 || i >= json_array_get_length (list))
            return refuse (error, 404, "item not found", NULL);
          json_node_set_string (json_array_get_element (list, (guint) i), value);
        }
      else if (old != NULL && new_value != NULL)
        {
          const char *key = unmask_one (old, secrets) ? unmask_one (old, secrets) : old;
          gboolean replaced = FALSE;

          for (guint j = 0; j < json_array_get_length (list) && !replaced; j++)
            if (g_strcmp0 (sy_mgmt_string_element (list, j), key) == 0)
              {
                json_node_set_string (json_array_get_element (list, j), new_value);
                replaced = TRUE;
              }
          if (!replaced)
            json_array_add_string_element (list, new_value);
        }
      else
        return refuse (error, 400, "missing fields", NULL);
      return change_set (change, name, current);
    }
  else
    {
      JsonObject *obj = json_node_get_object (body);
      JsonNode *value = json_object_get_member (obj, "value");
      g_autoptr(JsonNode) patch = NULL;
      JsonObject *entry;
      g_autoptr(GList) members = NULL;
      int index;

      if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
        return refuse (error, 400, "missing fields", NULL);
      if ((index = find_entry (query, list, obj, secrets, error)) < 0)
        return FALSE;
      patch = sy_mgmt_json_dup (value);
      unmask_tree (patch, NULL, secrets);
      entry = json_node_get_object (json_array_get_element (list, (guint) index));
      members = json_object_get_members (json_node_get_object (patch));
      for (GList *m = members; m != NULL; m = m->next)
        {
          JsonNode *v = json_object_get_member (json_node_get_object (patch), m->data);

          if (strcmp (m->data, "api-key") == 0 && JSON_NODE_HOLDS_VALUE (v) &&
              json_node_get_value_type (v) == G_TYPE_STRING && *json_node_get_string (v) == '\0')
            {
              /* An empty key deletes the entry. */
              json_array_remove_element (list, (guint) index);
              return change_set (change, name, current);
            }
          json_object_set_member (entry, m->data, sy_mgmt_json_dup (v));
        }
      return change_set (change, name, current);
    }
}

typedef gboolean (*ContainerChange) (const char *route, SyMgmtMethod method, JsonNode *current,
                                     GHashTable *query, GBytes *body, SyMgmtChange *change,
                                     GError **error);

/* PUT/PATCH/DELETE on a list or map: read the file, apply the body to the
 * container's current value, write and answer. */
static void
write_container (SyMgmtRequest *request,
                 JsonNode      *(*current_of) (SyConfig *config, const char *name),
                 ContainerChange apply)
{
  g_autofree char *text = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(JsonNode) current = NULL;
  g_auto(SyMgmtChange) change = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (!load_file (request, &text, &config))
    return;
  current = current_of (config, request->route + 1);
  ok = apply (request->route, request->method, current, request->query, request->body, &change, &error);
  reply_change (request, ok, &change, error);
}

static void
handle_list (SyMgmtRequest *request)
{
  const char *name = request->route + 1;
  g_autoptr(JsonNode) current = NULL;

  if (request->method == SY_MGMT_GET)
    {
      JsonNode *set = sy_config_lookup (request->config, name);

      current = set != NULL && JSON_NODE_HOLDS_ARRAY (set) ? sy_mgmt_json_dup (set) : array_node (json_array_new ());
      mask_tree (current, name);
      reply_member (request, name, current);
      return;
    }

  write_container (request, current_list, sy_mgmt_list_change);
}

/* -- Provider maps (oauth-excluded-models, oauth-model-alias) ---------------- */

/* The map's value in the file, a copy: always an object. */
static JsonNode *
current_map (SyConfig   *config,
             const char *name)
{
  JsonNode *current = current_value (config, name);

  if (current == NULL || !JSON_NODE_HOLDS_OBJECT (current))
    {
      g_clear_pointer (&current, json_node_unref);
      current = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (current, json_object_new ());
    }
  return current;
}

gboolean
sy_mgmt_map_change (const char   *route,
                    SyMgmtMethod  method,
                    JsonNode     *current,
                    GHashTable   *query,
                    GBytes       *body_bytes,
                    SyMgmtChange *change,
                    GError      **error)
{
  const char *name = route + 1;
  gboolean alias = strcmp (name, "oauth-model-alias") == 0;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *map;

  g_return_val_if_fail (JSON_NODE_HOLDS_OBJECT (current), FALSE);
  map = json_node_get_object (current);

  if (method == SY_MGMT_DELETE)
    {
      const char *provider = query_get (query, "provider");

      if (provider == NULL)
        provider = query_get (query, "channel");
      if (provider == NULL)
        return refuse (error, 400, "missing provider", NULL);
      if (!json_object_has_member (map, provider))
        return refuse (error, 404, "item not found", NULL);
      json_object_remove_member (map, provider);
      return change_set (change, name, json_object_get_size (map) > 0 ? current : NULL);
    }

  if ((body = sy_mgmt_body_parse (body_bytes, error)) == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    return refuse (error, 400, "invalid body", NULL);

  if (method == SY_MGMT_PUT)
    {
      JsonNode *items = json_object_get_member (json_node_get_object (body), "items");

      if (items == NULL)
        items = body;
      if (!JSON_NODE_HOLDS_OBJECT (items))
        return refuse (error, 400, "invalid body", NULL);
      return change_set (change, name, json_object_get_size (json_node_get_object (items)) > 0 ? items : NULL);
    }

  /* PATCH {"provider"|"channel": p, "models"|"aliases": [...]} */
  {
    JsonObject *obj = json_node_get_object (body);
    const char *provider = sy_mgmt_string_with_default (obj, "provider", NULL);
    JsonNode *list = json_object_get_member (obj, alias ? "aliases" : "models");

    if (provider == NULL)
      provider = sy_mgmt_string_with_default (obj, "channel", NULL);
    if (provider == NULL || *provider == '\0' || list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
      return refuse (error, 400, "invalid body", NULL);
    if (json_array_get_length (json_node_get_array (list)) == 0)
      json_object_remove_member (map, provider);
    else
      json_object_set_member (map, provider, sy_mgmt_json_dup (list));
    return change_set (change, name, json_object_get_size (map) > 0 ? current : NULL);
  }
}

static void
handle_map (SyMgmtRequest *request)
{
  const char *name = request->route + 1;

  if (request->method == SY_MGMT_GET)
    {
      JsonNode *set = sy_config_lookup (request->config, name);
      g_autoptr(JsonNode) empty = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (empty, json_object_new ());
      reply_member (request, name, set != NULL && JSON_NODE_HOLDS_OBJECT (set) ? set : empty);
      return;
    }
  write_container (request, current_map, sy_mgmt_map_change);
}

/* -- Lists keyed by one member: model-mappings, ampcode's lists ------------- */

typedef struct
{
  const char *route;
  const char *key;        /* dotted path in the file */
  const char *reply;      /* member of the GET answer */
  const char *id;         /* the member PATCH upserts by and DELETE names */
  gboolean    secret;     /* masked on GET, masks put back on PUT/PATCH */
  gboolean    strict;     /* DELETE without a "value" list is a 400 (else: clear all) */
} KeyedList;

static const KeyedList keyed_lists[] = {
  { "/model-mappings", "model-mappings", "model-mappings", "from", FALSE, FALSE },
  { "/ampcode/model-mappings", "ampcode.model-mappings", "model-mappings", "from", FALSE, FALSE },
  { "/ampcode/upstream-api-keys", "ampcode.upstream-api-keys", "upstream-api-keys", "upstream-api-key", TRUE, TRUE },
};

static const KeyedList *
keyed_list_for (const char *route)
{
  for (guint i = 0; i < G_N_ELEMENTS (keyed_lists); i++)
    if (strcmp (keyed_lists[i].route, route) == 0)
      return &keyed_lists[i];
  return NULL;
}

static const char *
entry_id (JsonNode   *entry,
          const char *id)
{
  return JSON_NODE_HOLDS_OBJECT (entry)
         ? sy_mgmt_string_with_default (json_node_get_object (entry), id, NULL) : NULL;
}

gboolean
sy_mgmt_mappings_change (const char   *route,
                         SyMgmtMethod  method,
                         JsonNode     *current,
                         GBytes       *body_bytes,
                         SyMgmtChange *change,
                         GError      **error)
{
  const KeyedList *k = keyed_list_for (route);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GPtrArray) secrets = g_ptr_array_new ();
  JsonNode *value = NULL;
  JsonArray *list;

  g_return_val_if_fail (k != NULL && JSON_NODE_HOLDS_ARRAY (current), FALSE);
  list = json_node_get_array (current);
  if (k->secret)
    collect_secrets (current, k->reply, secrets);

  if (g_bytes_get_size (body_bytes) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      /* Blank text parses, to no root at all. */
      if (sy_json_parser_load (parser, g_bytes_get_data (body_bytes, NULL),
                                      g_bytes_get_size (body_bytes), NULL) &&
          json_parser_get_root (parser) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        body = json_node_ref (json_parser_get_root (parser));
    }
  if (body != NULL)
    value = json_object_get_member (json_node_get_object (body), "value");

  if (method == SY_MGMT_DELETE)
    {
      if (k->strict && (value == NULL || !JSON_NODE_HOLDS_ARRAY (value)))
        return refuse (error, 400, "invalid body", NULL);
      /* {"value":[id,…]} removes those; an empty list (or, for mappings,
       * anything else) clears them all. */
      if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) == 0)
        return change_set (change, k->key, NULL);
      for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
        {
          const char *id = sy_mgmt_string_element (json_node_get_array (value), i);
          const char *unmasked = k->secret ? unmask_one (id, secrets) : NULL;

          for (guint j = json_array_get_length (list); j > 0; j--)
            if (g_strcmp0 (entry_id (json_array_get_element (list, j - 1), k->id), unmasked ? unmasked : id) == 0)
              json_array_remove_element (list, j - 1);
        }
      return change_set (change, k->key, json_array_get_length (list) > 0 ? current : NULL);
    }

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return refuse (error, 400, "invalid body", NULL);
  if (k->secret)
    unmask_tree (value, k->reply, secrets);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
    if (entry_id (json_array_get_element (json_node_get_array (value), i), k->id) == NULL)
      {
        g_autofree char *message = g_strdup_printf ("every entry needs '%s'", k->id);

        return refuse (error, 400, "invalid body", message);
      }
  if (method == SY_MGMT_PUT)
    return change_set (change, k->key, json_array_get_length (json_node_get_array (value)) > 0 ? value : NULL);

  /* PATCH: upsert by the id member */
  for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (value), i);
      const char *id = entry_id (item, k->id);
      gboolean replaced = FALSE;

      for (guint j = 0; j < json_array_get_length (list) && !replaced; j++)
        {
          JsonNode *m = json_array_get_element (list, j);

          if (g_strcmp0 (entry_id (m, k->id), id) == 0)
            {
              json_node_set_object (m, json_node_get_object (item));
              replaced = TRUE;
            }
        }
      if (!replaced)
        json_array_add_element (list, sy_mgmt_json_dup (item));
    }
  return change_set (change, k->key, current);
}

static void
handle_mappings (SyMgmtRequest *request)
{
  const KeyedList *k = keyed_list_for (request->route);
  g_autofree char *text = NULL;
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(JsonNode) current = NULL;
  g_auto(SyMgmtChange) change = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert (k != NULL);
  if (request->method == SY_MGMT_GET)
    {
      JsonNode *set = lookup_setting (request->config, k->key);
      g_autoptr(JsonNode) shown = set != NULL && JSON_NODE_HOLDS_ARRAY (set) ? sy_mgmt_json_dup (set)
                                                                             : array_node (json_array_new ());

      if (k->secret)
        mask_tree (shown, k->reply);
      reply_member (request, k->reply, shown);
      return;
    }
  if (!load_file (request, &text, &config))
    return;
  current = lookup_setting (config, k->key) != NULL ? sy_mgmt_json_dup (lookup_setting (config, k->key)) : NULL;
  if (current == NULL || !JSON_NODE_HOLDS_ARRAY (current))
    {
      g_clear_pointer (&current, json_node_unref);
      current = array_node (json_array_new ());
    }
  ok = sy_mgmt_mappings_change (request->route, request->method, current, request->body, &change, &error);
  reply_change (request, ok, &change, error);
}

/* GET /ampcode: the whole section, keys masked. */
static void
handle_ampcode (SyMgmtRequest *request)
{
  JsonNode *set = sy_config_lookup (request->config, "ampcode");
  g_autoptr(JsonNode) shown = NULL;

  if (set != NULL && JSON_NODE_HOLDS_OBJECT (set))
    shown = sy_mgmt_json_dup (set);
  else
    {
      g_autoptr(JsonObject) empty = json_object_new ();

      shown = json_node_init_object (json_node_alloc (), empty);
    }
  mask_tree (shown, "ampcode");
  reply_member (request, "ampcode", shown);
}

/* -- The whole config ---------------------------------------------------------- */

static void
handle_config (SyMgmtRequest *request)
{
  g_autoptr(JsonNode) root = sy_mgmt_json_dup (request->config->root);
  JsonObject *object = json_node_get_object (root);
  static const char *hidden[] = { "host", "port", "remote-management", "auth-dir" };

  for (guint i = 0; i < G_N_ELEMENTS (hidden); i++)
    if (json_object_has_member (object, hidden[i]))
      json_object_remove_member (object, hidden[i]);
  mask_tree (root, NULL);
  sy_mgmt_reply_json (request, 200, root);
}

static gboolean
request_is_local (SyMgmtRequest *request)
{
  const char *host = soup_server_message_get_remote_host (request->msg);

  return host != NULL && sy_host_is_loopback (host);
}

static void
handle_config_yaml (SyMgmtRequest *request)
{
  const char *file = sy_management_get_config_path (request->mgmt);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (request->msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) check = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (request->body, &len);
  g_autofree char *text = NULL;

  if (request->method == SY_MGMT_GET)
    {
      g_autoptr(GBytes) bytes = NULL;

      if (!request_is_local (request))
        {
          sy_mgmt_reply_error (request, 403, "forbidden",
                               "config.yaml holds keys: it is served to loopback clients only (GET /config "
                               "shows it masked)");
          return;
        }
      if (file == NULL || !g_file_get_contents (file, &text, &len, NULL))
        {
          sy_mgmt_reply_error (request, 404, "not_found", "config file not found");
          return;
        }
      bytes = g_bytes_new_take (g_steal_pointer (&text), len);
      sy_mgmt_reply_bytes (request, 200, "application/yaml; charset=utf-8", bytes);
      return;
    }

  /* PUT: the whole file, checked before it replaces the old one. */
  if (file == NULL)
    {
      sy_mgmt_reply_error (request, 409, "no config file",
                           "This instance was started from a config string, not a file");
      return;
    }
  check = sy_config_new_from_data (data, (gssize) len, file, &error);
  if (check == NULL)
    {
      if (g_error_matches (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX))
        sy_mgmt_reply_error (request, 400, "invalid_yaml", error->message);
      else
        sy_mgmt_reply_error (request, 422, "invalid_config", error->message);
      return;
    }
  if (!sy_management_check_config (request->mgmt, check, &error))
    {
      sy_mgmt_reply_error (request, 422, "invalid_config", error->message);
      return;
    }
  if (!sy_config_write_atomic (file, data, len, &error))
    {
      sy_mgmt_reply_error (request, 500, "write_failed", error->message);
      return;
    }
  {
    gboolean changed = FALSE;
    g_autoptr(GError) hash_error = NULL;

    /* A plain secret-key in the new text is hashed at once. */
    if (!sy_config_hash_secret_in_file (file, &changed, &hash_error))
      g_warning ("remote-management.secret-key could not be hashed: %s", hash_error->message);
  }
  if (!sy_management_reload (request->mgmt, &error))
    {
      sy_mgmt_reply_error (request, 500, "reload_failed", error->message);
      return;
    }
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "ok");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_set_member_name (b, "changed");
    json_builder_begin_array (b);
    json_builder_add_string_value (b, "config");
    json_builder_end_array (b);
    json_builder_end_object (b);
    soup_message_headers_replace (out, "Cache-Control", "no-store");
    sy_mgmt_reply_builder (request, 200, b);
  }
}

static void
handle_latest_version (SyMgmtRequest *request)
{
  sy_mgmt_reply_error (request, 501, "not_supported",
                       "Switchyard is updated through its package (Flatpak, installer, distribution); "
                       "it does not look for releases itself");
}

#define SCALAR_METHODS (SY_MGMT_GET | SY_MGMT_PUT | SY_MGMT_PATCH)
#define ALL_METHODS    (SY_MGMT_GET | SY_MGMT_PUT | SY_MGMT_PATCH | SY_MGMT_DELETE)

const SyMgmtRoute sy_mgmt_config_routes[] = {
  { "/config",                              SY_MGMT_GET,                handle_config },
  { "/config.yaml",                         SY_MGMT_GET | SY_MGMT_PUT,  handle_config_yaml },
  { "/latest-version",                      SY_MGMT_GET,                handle_latest_version },
  { "/debug",                               SCALAR_METHODS,             handle_scalar },
  { "/logging-to-file",                     SCALAR_METHODS,             handle_scalar },
  { "/logs-max-total-size-mb",              SCALAR_METHODS,             handle_scalar },
  { "/error-logs-max-files",                SCALAR_METHODS,             handle_scalar },
  { "/usage-statistics-enabled",            SCALAR_METHODS,             handle_scalar },
  { "/proxy-url",                           ALL_METHODS,                handle_scalar },
  { "/quota-exceeded/switch-project",       SCALAR_METHODS,             handle_scalar },
  { "/quota-exceeded/switch-preview-model", SCALAR_METHODS,             handle_scalar },
  { "/request-log",                         SCALAR_METHODS,             handle_scalar },
  { "/ws-auth",                             SCALAR_METHODS,             handle_scalar },
  { "/request-retry",                       SCALAR_METHODS,             handle_scalar },
  { "/max-retry-interval",                  SCALAR_METHODS,             handle_scalar },
  { "/force-model-prefix",                  SCALAR_METHODS,             handle_scalar },
  { "/routing/strategy",                    SCALAR_METHODS,             handle_scalar },
  { "/api-keys",                            ALL_METHODS,                handle_list },
  { "/gemini-api-key",                      ALL_METHODS,                handle_list },
  { "/claude-api-key",                      ALL_METHODS,                handle_list },
  { "/codex-api-key",                       ALL_METHODS,                handle_list },
  { "/vertex-api-key",                      ALL_METHODS,                handle_list },
  { "/openai-compatibility",                ALL_METHODS,                handle_list },
  { "/oauth-excluded-models",               ALL_METHODS,                handle_map },
  { "/oauth-model-alias",                   ALL_METHODS,                handle_map },
  { "/model-mappings",                      ALL_METHODS,                handle_mappings },
  { "/ampcode",                             SY_MGMT_GET,                handle_ampcode },
  { "/ampcode/upstream-url",                ALL_METHODS,                handle_scalar },
  { "/ampcode/upstream-api-key",            ALL_METHODS,                handle_scalar },
  { "/ampcode/restrict-management-to-localhost", SCALAR_METHODS,        handle_scalar },
  { "/ampcode/force-model-mappings",        SCALAR_METHODS,             handle_scalar },
  { "/ampcode/model-mappings",              ALL_METHODS,                handle_mappings },
  { "/ampcode/upstream-api-keys",           ALL_METHODS,                handle_mappings },
  { NULL, 0, NULL }
};
