/* fuzz-mgmt.c: libFuzzer target for the management API's request bodies
 *
 * One target for every route that reads a body. Input: byte 0 picks the
 * parser, byte 1 the route and method where there is a choice; then, for
 * the config routes, a query string up to the first '\n'; the rest is the
 * body.
 *
 * A config change is also made the way the route makes it: the value is
 * written into a sample config.yaml with sy_config_edit_set(), which must
 * then load and read back that value (or refuse with an error), as
 * sy-config-edit.h promises. Every refusal must be a SY_MGMT_ERROR with an
 * HTTP status.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "sy-auth-files.h"
#include "sy-config.h"
#include "sy-config-edit.h"
#include "sy-core-error.h"
#include "sy-credential.h"
#include "sy-login-channels.h"
#include "sy-mgmt-bodies.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

enum
{
  PARSE_SCALAR,
  PARSE_LIST,
  PARSE_MAP,
  PARSE_MAPPINGS,
  PARSE_STATUS,
  PARSE_FIELDS,
  PARSE_DELETE,
  PARSE_API_CALL,
  PARSE_RESET,
  PARSE_IMPORT,
  PARSE_UPLOAD,
  PARSE_VERTEX,
  N_PARSERS
};

static const char *scalar_routes[] = {
  "/debug", "/logging-to-file", "/logs-max-total-size-mb", "/error-logs-max-files",
  "/usage-statistics-enabled", "/proxy-url", "/quota-exceeded/switch-project",
  "/quota-exceeded/switch-preview-model", "/request-log", "/ws-auth", "/request-retry",
  "/max-retry-interval", "/force-model-prefix", "/routing/strategy", "/ampcode/upstream-url",
  "/ampcode/upstream-api-key", "/ampcode/restrict-management-to-localhost", "/ampcode/force-model-mappings",
};
static const char *list_routes[] = {
  "/api-keys", "/gemini-api-key", "/claude-api-key", "/codex-api-key", "/vertex-api-key",
  "/openai-compatibility",
};
static const char *map_routes[] = { "/oauth-excluded-models", "/oauth-model-alias" };
static const char *mappings_routes[] = {
  "/model-mappings", "/ampcode/model-mappings", "/ampcode/upstream-api-keys",
};
static const SyMgmtMethod methods[] = { SY_MGMT_PUT, SY_MGMT_PATCH, SY_MGMT_DELETE };

/* A config with something in every list and map the routes change. */
static const char sample_config[] =
  "port: 8317\n"
  "api-keys:\n"
  "  - sk-alpha-0001\n"
  "  - sk-beta-0002\n"
  "gemini-api-key:\n"
  "  - api-key: AIza-one-0001\n"
  "    base-url: https://g.example\n"
  "  - api-key: AIza-two-0002\n"
  "claude-api-key:\n"
  "  - api-key: sk-ant-0001\n"
  "    models:\n"
  "      - name: claude-x\n"
  "        alias: cx\n"
  "codex-api-key:\n"
  "  - api-key: sk-codex-0001\n"
  "    base-url: https://c.example\n"
  "vertex-api-key:\n"
  "  - api-key: vx-0001\n"
  "openai-compatibility:\n"
  "  - name: local\n"
  "    base-url: http://127.0.0.1:9\n"
  "    api-key-entries:\n"
  "      - api-key: sk-compat-0001\n"
  "oauth-excluded-models:\n"
  "  claude: [claude-old]\n"
  "oauth-model-alias:\n"
  "  gemini-cli:\n"
  "    - name: gemini-2.5-pro\n"
  "      alias: g\n"
  "model-mappings:\n"
  "  - from: a\n"
  "    to: b\n"
  "ampcode:\n"
  "  upstream-url: https://amp.example\n"
  "  upstream-api-key: amp-secret-0001\n"
  "  upstream-api-keys:\n"
  "    - upstream-api-key: amp-k1-0001\n"
  "      api-keys: [sk-alpha-0001]\n"
  "  model-mappings:\n"
  "    - from: x\n"
  "      to: y\n";

static SyConfig *sample;

/* Quiet; but a critical (a failed precondition: a call a caller must
 * not make) is a bug, and crashes. */
static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if (level & G_LOG_LEVEL_CRITICAL)
    abort ();
}

static void
check_refusal (const GError *error)
{
  if (error == NULL || error->domain != SY_MGMT_ERROR || error->code < 400 || error->code > 499 ||
      *error->message == '\0')
    abort ();
}

/* The value at @dotted in the sample, a copy; @array: an empty list (else
 * an empty map) when absent. */
static JsonNode *
sample_value (const char *dotted,
              gboolean    array)
{
  JsonNode *node = sy_config_lookup (sample, dotted);

  if (node != NULL && (array ? JSON_NODE_HOLDS_ARRAY (node) : JSON_NODE_HOLDS_OBJECT (node)))
    return sy_mgmt_json_dup (node);
  node = json_node_new (array ? JSON_NODE_ARRAY : JSON_NODE_OBJECT);
  if (array)
    json_node_take_array (node, json_array_new ());
  else
    json_node_take_object (node, json_object_new ());
  return node;
}

/* What the route would write, written into the sample. */
static void
check_change (gboolean      ok,
              SyMgmtChange *change,
              const GError *error)
{
  g_auto(GStrv) path = NULL;
  g_autoptr(GError) edit_error = NULL;
  g_autofree char *edited = NULL;
  g_autoptr(SyConfig) again = NULL;
  JsonNode *read;

  if (!ok)
    {
      check_refusal (error);
      return;
    }
  if (change->keep)
    return;
  if (change->key == NULL)
    abort ();
  path = g_strsplit (change->key, ".", -1);
  edited = sy_config_edit_set (sample_config, (const char * const *) path, change->value, &edit_error);
  if (edited == NULL)
    {
      if (edit_error == NULL || edit_error->domain != SY_CORE_ERROR)
        abort ();
      return;
    }
  again = sy_config_new_from_data (edited, -1, "fuzz.yaml", NULL);
  if (again == NULL)
    return;   /* a value the loader refuses: the route answers 422 */
  read = sy_config_lookup (again, change->key);
  if (change->value == NULL ? read != NULL : (read == NULL || !json_node_equal (read, change->value)))
    abort ();
}

static void
fuzz_config_route (guint         parser,
                   guint8        choice,
                   const char   *text,
                   gsize         len)
{
  const char *newline = memchr (text, '\n', len);
  g_autofree char *query_text = g_strndup (text, newline ? (gsize) (newline - text) : 0);
  g_autoptr(GHashTable) query = soup_form_decode (query_text);
  g_autoptr(GBytes) body = newline ? g_bytes_new (newline + 1, len - (gsize) (newline - text) - 1)
                                   : g_bytes_new (text, len);
  SyMgmtMethod method = methods[choice % G_N_ELEMENTS (methods)];
  guint which = choice / G_N_ELEMENTS (methods);
  g_auto(SyMgmtChange) change = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) current = NULL;
  const char *route;
  gboolean ok;

  switch (parser)
    {
    case PARSE_SCALAR:
      route = scalar_routes[which % G_N_ELEMENTS (scalar_routes)];
      if (method == SY_MGMT_PATCH && which % 2 == 1)
        method = SY_MGMT_PUT;
      if (strcmp (route, "/ampcode/upstream-api-key") == 0)
        current = json_node_init_string (json_node_alloc (), "amp-secret-0001");
      ok = sy_mgmt_scalar_change (route, method, current, body, &change, &error);
      break;
    case PARSE_LIST:
      route = list_routes[which % G_N_ELEMENTS (list_routes)];
      current = sample_value (route + 1, TRUE);
      ok = sy_mgmt_list_change (route, method, current, query, body, &change, &error);
      break;
    case PARSE_MAP:
      route = map_routes[which % G_N_ELEMENTS (map_routes)];
      current = sample_value (route + 1, FALSE);
      ok = sy_mgmt_map_change (route, method, current, query, body, &change, &error);
      break;
    case PARSE_MAPPINGS:
    default:
      route = mappings_routes[which % G_N_ELEMENTS (mappings_routes)];
      current = sample_value (strcmp (route, "/model-mappings") == 0 ? "model-mappings"
                              : strcmp (route, "/ampcode/model-mappings") == 0 ? "ampcode.model-mappings"
                              : "ampcode.upstream-api-keys", TRUE);
      ok = sy_mgmt_mappings_change (route, method, current, body, &change, &error);
      break;
    }
  check_change (ok, &change, error);
}

static void
fuzz_fields (JsonObject *body)
{
  g_auto(SyMgmtFields) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) file = json_object_new ();
  g_autoptr(JsonObject) headers = json_object_new ();
  JsonObject *edited_headers;

  if (!sy_mgmt_fields_parse (body, &f, &error))
    {
      check_refusal (error);
      return;
    }
  json_object_set_string_member (headers, "X-Keep", "1");
  json_object_set_string_member (file, "type", "claude");
  json_object_set_string_member (file, "prefix", "old");
  json_object_set_object_member (file, "headers", g_steal_pointer (&headers));
  json_object_set_int_member (file, "priority", 3);
  sy_mgmt_fields_edit (file, &f);
  if (f.has_prefix && (*f.prefix != '\0') != json_object_has_member (file, "prefix"))
    abort ();
  if (f.has_prefix && strchr (f.prefix, '/') != NULL)
    abort ();
  if ((edited_headers = sy_mgmt_object_member (file, "headers")) != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (edited_headers);

      if (names == NULL)
        abort ();   /* an empty map is removed */
      for (GList *l = names; l != NULL; l = l->next)
        if (*json_object_get_string_member_with_default (edited_headers, l->data, "") == '\0')
          abort ();
    }
}

static void
fuzz_auth_body (guint         parser,
                const guint8 *data,
                gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;

  switch (parser)
    {
    case PARSE_STATUS:
    case PARSE_FIELDS:
      {
        g_autoptr(JsonObject) body = sy_mgmt_body_object (bytes);
        g_autofree char *name = NULL;
        gboolean disabled;

        if (body == NULL)
          return;
        if (parser == PARSE_STATUS)
          {
            if (!sy_mgmt_status_parse (body, &name, &disabled, &error))
              check_refusal (error);
            else if (name == NULL || *name == '\0' || g_ascii_isspace (*name))
              abort ();
            return;
          }
        if ((name = sy_mgmt_login_name (body, &error)) == NULL)
          check_refusal (error);
        fuzz_fields (body);
      }
      break;
    case PARSE_DELETE:
      {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

        if (!sy_mgmt_delete_names (bytes, names, &error))
          {
            check_refusal (error);
            return;
          }
        for (guint i = 0; i < names->len; i++)
          {
            const char *name = g_ptr_array_index (names, i);

            if (*name == '\0' || g_ascii_isspace (*name) || g_ascii_isspace (name[strlen (name) - 1]))
              abort ();
            for (guint j = 0; j < i; j++)
              if (strcmp (name, g_ptr_array_index (names, j)) == 0)
                abort ();
          }
      }
      break;
    case PARSE_API_CALL:
    default:
      {
        g_auto(SyMgmtApiCall) call = { 0 };

        if (!sy_mgmt_api_call_parse (bytes, &call, &error))
          {
            check_refusal (error);
            return;
          }
        if (*call.method == '\0' || *call.url == '\0' || call.names->len != call.values->len)
          abort ();
      }
      break;
    }
}

static void
count_detail (const char *api,
              const char *model,
              JsonObject *detail,
              gint64      time_us,
              gpointer    user_data)
{
  SyUsageRecord record;

  g_free (sy_mgmt_detail_key (api, model, detail, time_us));
  sy_mgmt_detail_record (api, model, detail, time_us, &record);
  if (record.time_us != time_us || (record.status != 200 && record.status != 500))
    abort ();
  (*(guint *) user_data)++;
}

static void
fuzz_other (guint         parser,
            const guint8 *data,
            gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;

  switch (parser)
    {
    case PARSE_RESET:
    case PARSE_IMPORT:
      {
        g_autoptr(JsonNode) body = sy_mgmt_body_parse (bytes, &error);

        if (body == NULL)
          {
            check_refusal (error);
            return;
          }
        if (parser == PARSE_RESET)
          {
            const char *wanted = NULL;
            gboolean all = FALSE;

            if (!sy_mgmt_reset_parse (body, &wanted, &all, &error))
              check_refusal (error);
            else if (wanted == NULL && !all)
              abort ();
          }
        else
          {
            JsonNode *snapshot = sy_mgmt_import_parse (body, &error);
            guint n = 0;

            if (snapshot == NULL)
              check_refusal (error);
            else
              sy_mgmt_for_each_detail (snapshot, count_detail, &n);
          }
      }
      break;
    case PARSE_UPLOAD:
      {
        g_autoptr(JsonObject) file = sy_auth_file_parse ((const char *) data, (gssize) size, &error);
        g_autoptr(SyCredential) credential = NULL;

        if (file == NULL)
          return;
        credential = sy_auth_file_to_credential (file, "fuzz.json", NULL, &error);
      }
      break;
    case PARSE_VERTEX:
    default:
      {
        g_autoptr(SyCredential) credential = sy_vertex_credential_new ((const char *) data, (gssize) size,
                                                                       NULL, NULL, &error);

        if (credential == NULL && error == NULL)
          abort ();
      }
      break;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  guint parser;

  if (sample == NULL)
    {
      g_autoptr(GError) error = NULL;

      g_log_set_default_handler (quiet_log, NULL);
      sample = sy_config_new_from_data (sample_config, -1, "fuzz.yaml", &error);
      if (sample == NULL)
        abort ();   /* the sample itself must load */
    }
  if (size < 2)
    return 0;

  parser = data[0] % N_PARSERS;
  if (parser <= PARSE_MAPPINGS)
    fuzz_config_route (parser, data[1], (const char *) data + 2, size - 2);
  else if (parser <= PARSE_API_CALL)
    fuzz_auth_body (parser, data + 2, size - 2);
  else
    fuzz_other (parser, data + 2, size - 2);
  return 0;
}
