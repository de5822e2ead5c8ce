/* sy-management.c: who may use the management API, and the dispatch
 *
 * The checks, in order (see sy-management.h for the why):
 *   1. no key configured at all → 404 with an empty body (the API is off);
 *   2. an address banned after failures → 403 with the time left;
 *   3. a non-loopback client without allow-remote → 403;
 *   4. the key (Authorization: Bearer, else X-Management-Key) against the
 *      local session key (loopback only), MANAGEMENT_PASSWORD, and the
 *      secret-key's bcrypt hash. A key that passed bcrypt once is
 *      remembered as a SHA-256 digest, so a polling front does not pay
 *      ~50 ms of bcrypt per request; the digest is forgotten when the hash
 *      in the config changes.
 * Failures count per address; the fifth bans it for 30 minutes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-management"

#include "config.h"

#include <string.h>

#include "sy-clock.h"
#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-management-private.h"
#include "sy-mgmt-bodies.h"
#include "sy-secret-hash.h"

typedef struct
{
  guint  failures;
  gint64 banned_until;
} AddressRecord;

struct _SyManagement
{
  GObject                  parent_instance;
  const SyManagementHost  *host_vtable;
  gpointer                 host;
  char                    *config_path;
  SyLogins                *logins;
  SyUsageStore            *usage;
  SyQuotaHistory          *quota_history;
  SyQuotaPoller           *quota_poller;
  char                    *local_key;
  GHashTable              *addresses;       /* address → AddressRecord */
  char                    *verified_hash;   /* the bcrypt hash the digest belongs to */
  guint8                   verified_digest[32];
};

G_DEFINE_FINAL_TYPE (SyManagement, sy_management, G_TYPE_OBJECT)

/* sy-mgmt-auth.c: /auth-files, the sign-ins, /api-call */
static const SyMgmtRoute *const route_tables[] = {
  sy_mgmt_auth_routes,
  sy_mgmt_config_routes,
  sy_mgmt_logs_routes,
  sy_mgmt_quota_routes,
  sy_mgmt_usage_routes,
};

/* ---------------------------------------------------------------------- */
/* Requests and answers                                                    */

SyMgmtRequest *
sy_mgmt_request_ref (SyMgmtRequest *request)
{
  g_atomic_int_inc (&request->ref_count);
  return request;
}

void
sy_mgmt_request_unref (SyMgmtRequest *request)
{
  if (!g_atomic_int_dec_and_test (&request->ref_count))
    return;
  g_clear_object (&request->mgmt);
  g_clear_pointer (&request->registry, sy_registry_unref);
  g_clear_pointer (&request->config, sy_config_unref);
  g_clear_object (&request->http);
  g_clear_object (&request->msg);
  g_clear_pointer (&request->tail, g_free);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

void
sy_mgmt_request_pause (SyMgmtRequest *request)
{
  if (request->paused)
    return;
  request->paused = TRUE;
  soup_server_message_pause (request->msg);
}

static void
finish_reply (SyMgmtRequest *request)
{
  if (request->paused)
    {
      request->paused = FALSE;
      soup_server_message_unpause (request->msg);
    }
}

const char *
sy_mgmt_query (SyMgmtRequest *request,
               const char    *name)
{
  return request->query ? g_hash_table_lookup (request->query, name) : NULL;
}

G_DEFINE_QUARK (sy-mgmt-error-quark, sy_mgmt_error)

JsonNode *
sy_mgmt_body_parse (GBytes  *body,
                    GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  if (len == 0 || !sy_json_parser_load (parser, data, len, NULL) ||
      json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, SY_MGMT_ERROR, 400, "invalid body");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

JsonNode *
sy_mgmt_body_json (SyMgmtRequest *request)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = sy_mgmt_body_parse (request->body, &error);

  if (node == NULL)
    sy_mgmt_reply_gerror (request, error);
  return node;
}

void
sy_mgmt_reply_bytes (SyMgmtRequest *request,
                     guint          status,
                     const char    *content_type,
                     GBytes        *bytes)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  soup_server_message_set_status (request->msg, status, NULL);
  soup_server_message_set_response (request->msg, content_type, SOUP_MEMORY_COPY, data, len);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Cache-Control", "no-store");
  finish_reply (request);
}

void
sy_mgmt_reply_json (SyMgmtRequest *request,
                    guint          status,
                    JsonNode      *node)
{
  gsize len = 0;
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(GBytes) bytes = NULL;

  len = strlen (text);
  bytes = g_bytes_new_take (g_steal_pointer (&text), len);
  sy_mgmt_reply_bytes (request, status, "application/json", bytes);
}

void
sy_mgmt_reply_builder (SyMgmtRequest *request,
                       guint          status,
                       JsonBuilder   *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  sy_mgmt_reply_json (request, status, root);
}

void
sy_mgmt_reply_error (SyMgmtRequest *request,
                     guint          status,
                     const char    *error,
                     const char    *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, error);
  if (message != NULL)
    {
      g_autofree char *masked = sy_log_mask_secrets (message);

      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, masked);
    }
  json_builder_end_object (b);
  sy_mgmt_reply_builder (request, status, b);
}

void
sy_mgmt_reply_gerror (SyMgmtRequest *request,
                      const GError  *error)
{
  const char *newline = strchr (error->message, '\n');
  g_autofree char *what = g_strndup (error->message, newline ? (gsize) (newline - error->message)
                                                             : strlen (error->message));

  g_return_if_fail (error->domain == SY_MGMT_ERROR);
  sy_mgmt_reply_error (request, (guint) error->code, what, newline ? newline + 1 : NULL);
}

void
sy_mgmt_reply_ok (SyMgmtRequest *request)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_end_object (b);
  sy_mgmt_reply_builder (request, 200, b);
}

void
sy_mgmt_reply_result (SyMgmtRequest *request,
                      JsonNode      *node,
                      const char    *failure,
                      const GError  *error)
{
  if (node == NULL)
    sy_mgmt_reply_error (request, 500, failure, error->message);
  else
    sy_mgmt_reply_json (request, 200, node);
}

JsonNode *
sy_mgmt_json_dup (JsonNode *node)
{
  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *in = json_node_get_object (node);
      JsonObject *out = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (in);

      JsonNode *copy = json_node_new (JSON_NODE_OBJECT);

      for (GList *m = members; m != NULL; m = m->next)
        json_object_set_member (out, m->data, sy_mgmt_json_dup (json_object_get_member (in, m->data)));
      json_node_take_object (copy, out);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      JsonArray *out = json_array_sized_new (json_array_get_length (in));

      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (in); i++)
        json_array_add_element (out, sy_mgmt_json_dup (json_array_get_element (in, i)));
      json_node_take_array (copy, out);
      return copy;
    }
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      /* json_node_copy() shares the value too: setting the copy's string
       * would change the original's. */
      JsonNode *copy = json_node_new (JSON_NODE_VALUE);

      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          json_node_set_string (copy, json_node_get_string (node));
          break;
        case G_TYPE_BOOLEAN:
          json_node_set_boolean (copy, json_node_get_boolean (node));
          break;
        case G_TYPE_DOUBLE:
          json_node_set_double (copy, json_node_get_double (node));
          break;
        default:
          json_node_set_int (copy, json_node_get_int (node));
          break;
        }
      return copy;
    }
  return json_node_new (JSON_NODE_NULL);
}

JsonObject *
sy_mgmt_object_member (JsonObject *object,
                       const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
sy_mgmt_array_member (JsonObject *object,
                      const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* What json_object_get_*_member_with_default() return, without their
 * critical for a member that is an object or an array. */
static JsonNode *
value_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? node : NULL;
}

const char *
sy_mgmt_string_with_default (JsonObject *object,
                             const char *name,
                             const char *fallback)
{
  JsonNode *node = value_member (object, name);

  return node != NULL ? json_node_get_string (node) : fallback;
}

gint64
sy_mgmt_int_with_default (JsonObject *object,
                          const char *name,
                          gint64      fallback)
{
  JsonNode *node = value_member (object, name);
  gint64 value;

  return sy_json_node_to_int64 (node, &value) ? value : fallback;
}

gboolean
sy_mgmt_boolean_with_default (JsonObject *object,
                              const char *name,
                              gboolean    fallback)
{
  JsonNode *node = value_member (object, name);

  return node != NULL ? json_node_get_boolean (node) : fallback;
}

const char *
sy_mgmt_string_element (JsonArray *array,
                        guint      index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

gboolean
sy_mgmt_parse_time (const char *text,
                    gint64     *out_us)
{
  g_autoptr(GDateTime) dt = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  if (dt == NULL)
    return FALSE;
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

char *
sy_mgmt_format_time (gint64 time_us)
{
  gint64 seconds = time_us / G_USEC_PER_SEC;
  g_autoptr(GDateTime) base = g_date_time_new_from_unix_utc (seconds);
  g_autoptr(GDateTime) dt = base ? g_date_time_add (base, time_us - seconds * G_USEC_PER_SEC) : NULL;

  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S.%fZ") : g_strdup ("1970-01-01T00:00:00Z");
}

void
sy_mgmt_set_time (JsonObject *object,
                  const char *name,
                  gint64      time_us)
{
  g_autofree char *text = time_us > 0 ? sy_mgmt_format_time (time_us) : NULL;

  if (text != NULL)
    json_object_set_string_member (object, name, text);
}

void
sy_mgmt_add_time (JsonBuilder *builder,
                  const char  *name,
                  gint64       time_us)
{
  g_autofree char *text = time_us > 0 ? sy_mgmt_format_time (time_us) : NULL;

  if (text == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

gboolean
sy_mgmt_time_param (SyMgmtRequest *request,
                    const char    *name,
                    gint64        *out_us)
{
  const char *text = sy_mgmt_query (request, name);
  char *end = NULL;
  gint64 seconds;

  if (text == NULL)
    return TRUE;
  if (*text == '\0')
    return FALSE;
  seconds = g_ascii_strtoll (text, &end, 10);
  if (*end == '\0')
    {
      if (seconds < 0 || seconds > G_MAXINT64 / G_USEC_PER_SEC)
        return FALSE;
      *out_us = seconds * G_USEC_PER_SEC;
      return TRUE;
    }
  return sy_mgmt_parse_time (text, out_us);
}

/* ---------------------------------------------------------------------- */
/* Keys                                                                    */

static const char *
config_secret_key (SyConfig *config)
{
  JsonNode *node = sy_config_lookup (config, "remote-management.secret-key");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return *json_node_get_string (node) != '\0' ? json_node_get_string (node) : NULL;
}

static gboolean
config_allow_remote (SyConfig *config)
{
  JsonNode *node = sy_config_lookup (config, "remote-management.allow-remote");

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static const char *
env_password (void)
{
  const char *password = g_getenv ("MANAGEMENT_PASSWORD");

  return password != NULL && *password != '\0' ? password : NULL;
}

gboolean
sy_management_is_enabled (SyManagement *self,
                          SyConfig     *config)
{
  return self->local_key != NULL || env_password () != NULL ||
         (config != NULL && config_secret_key (config) != NULL);
}

static void
digest_of (const char *key,
           guint8      out[32])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (sum, (const guchar *) key, strlen (key));
  g_checksum_get_digest (sum, out, &len);
}

static gboolean
digest_equal (const guint8 a[32],
              const guint8 b[32])
{
  guint8 diff = 0;

  for (guint i = 0; i < 32; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

static gboolean
secret_key_matches (SyManagement *self,
                    const char   *secret,
                    const char   *key)
{
  guint8 digest[32];

  if (!sy_secret_is_bcrypt (secret))
    /* Not hashed yet (the file could not be written back): plain compare. */
    return sy_secret_equal (secret, key);

  digest_of (key, digest);
  if (self->verified_hash != NULL && strcmp (self->verified_hash, secret) == 0 &&
      digest_equal (digest, self->verified_digest))
    return TRUE;
  if (!sy_secret_bcrypt_verify (secret, key))
    return FALSE;
  g_free (self->verified_hash);
  self->verified_hash = g_strdup (secret);
  memcpy (self->verified_digest, digest, sizeof digest);
  return TRUE;
}

static char *
extract_key (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *key;

  if (auth != NULL && *auth != '\0')
    {
      if (g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
        return g_strstrip (g_strdup (auth + 7));
      return g_strstrip (g_strdup (auth));
    }
  key = soup_message_headers_get_one (headers, "X-Management-Key");
  return key != NULL && *key != '\0' ? g_strstrip (g_strdup (key)) : NULL;
}

static const char *
client_address (SoupServerMessage *msg)
{
  const char *host = soup_server_message_get_remote_host (msg);

  return host != NULL ? host : "unknown";
}

static AddressRecord *
address_record (SyManagement *self,
                const char   *address,
                gboolean      create)
{
  AddressRecord *record = g_hash_table_lookup (self->addresses, address);

  if (record == NULL && create)
    {
      record = g_new0 (AddressRecord, 1);
      g_hash_table_insert (self->addresses, g_strdup (address), record);
    }
  return record;
}

/* Addresses remembered at most: beyond it, those with no running ban are
 * forgotten, so failures from many addresses cannot grow the table. */
#define MAX_ADDRESSES 4096

static gboolean
record_is_idle (gpointer key,
                gpointer value,
                gpointer user_data)
{
  AddressRecord *record = value;

  return record->banned_until <= *(gint64 *) user_data;
}

static void
count_failure (SyManagement *self,
               const char   *address,
               gint64        now)
{
  AddressRecord *record;

  if (g_hash_table_size (self->addresses) >= MAX_ADDRESSES)
    g_hash_table_foreach_remove (self->addresses, record_is_idle, &now);
  record = address_record (self, address, TRUE);

  if (++record->failures >= SY_MANAGEMENT_MAX_FAILURES)
    {
      record->failures = 0;
      record->banned_until = now + SY_MANAGEMENT_BAN_US;
      g_message ("management: %s banned for 30 minutes after %u failed keys", address,
                 SY_MANAGEMENT_MAX_FAILURES);
    }
}

static char *
format_duration (gint64 us)
{
  gint64 s = (us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

  if (s >= 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "s", s);
}

/* TRUE when the caller may go on; otherwise the answer is sent. */
static gboolean
authorize (SyManagement  *self,
           SyMgmtRequest *request)
{
  SyConfig *config = request->config;
  const char *address = client_address (request->msg);
  gboolean local = sy_host_is_loopback (address);
  gint64 now = sy_clock_now (sy_clock_get_default ());
  AddressRecord *record = address_record (self, address, FALSE);
  g_autofree char *key = NULL;
  const char *secret = config_secret_key (config);
  const char *password = env_password ();

  if (record != NULL && record->banned_until != 0)
    {
      if (now < record->banned_until)
        {
          g_autofree char *left = format_duration (record->banned_until - now);
          g_autofree char *message =
            g_strdup_printf ("IP banned due to too many failed attempts. Try again in %s", left);

          sy_mgmt_reply_error (request, 403, message, NULL);
          return FALSE;
        }
      record->banned_until = 0;
      record->failures = 0;
    }

  if (!local && !config_allow_remote (config) && password == NULL)
    {
      sy_mgmt_reply_error (request, 403, "remote management disabled", NULL);
      return FALSE;
    }

  key = extract_key (request->msg);
  if (key == NULL)
    {
      count_failure (self, address, now);
      sy_mgmt_reply_error (request, 401, "missing management key", NULL);
      return FALSE;
    }

  if ((local && self->local_key != NULL && sy_secret_equal (self->local_key, key)) ||
      (password != NULL && sy_secret_equal (password, key)) ||
      (secret != NULL && secret_key_matches (self, secret, key)))
    {
      if (record != NULL)
        g_hash_table_remove (self->addresses, address);
      return TRUE;
    }

  count_failure (self, address, now);
  sy_mgmt_reply_error (request, 401, "invalid management key", NULL);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Browsers                                                                */

static gboolean
origin_listed (SyConfig   *config,
               const char *origin)
{
  JsonNode *node = sy_config_lookup (config, "remote-management.allowed-origins");
  JsonArray *list = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      const char *allowed = json_array_get_string_element (list, i);

      if (allowed != NULL && g_ascii_strcasecmp (allowed, origin) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A request from a web page (it has an Origin): loopback pages may use the
 * API as any local program may (without CORS headers, so a browser shows
 * their answers only to the same origin); the origins of
 * remote-management.allowed-origins get CORS headers; any other page is
 * refused. TRUE when the request may go on. */
static gboolean
check_origin (SyMgmtRequest *request)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (request->msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (request->msg);
  const char *origin = soup_message_headers_get_one (in, "Origin");
  g_autoptr(GUri) uri = NULL;

  if (origin == NULL)
    return TRUE;
  if (origin_listed (request->config, origin))
    {
      soup_message_headers_replace (out, "Access-Control-Allow-Origin", origin);
      soup_message_headers_replace (out, "Vary", "Origin");
      soup_message_headers_replace (out, "Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      soup_message_headers_replace (out, "Access-Control-Allow-Headers",
                                    "Authorization, X-Management-Key, Content-Type");
      soup_message_headers_replace (out, "Access-Control-Max-Age", "600");
      return TRUE;
    }
  uri = strcmp (origin, "null") != 0 ? g_uri_parse (origin, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri != NULL && sy_host_is_loopback (g_uri_get_host (uri)))
    return TRUE;
  sy_mgmt_reply_error (request, 403, "cross-origin requests are not allowed",
                       "add the page's origin to remote-management.allowed-origins to manage from it");
  return FALSE;
}

/* GET /management.html: CLIProxyAPI's web control panel, when the user put
 * the file there (it is not downloaded): $MANAGEMENT_STATIC_PATH (a
 * directory, or the file itself), else static/ next to config.yaml. */
static void
serve_panel (SyManagement      *self,
             SyMgmtRequest     *request)
{
  JsonNode *off = sy_config_lookup (request->config, "remote-management.disable-control-panel");
  const char *env = g_getenv ("MANAGEMENT_STATIC_PATH");
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;

  if (off != NULL && JSON_NODE_HOLDS_VALUE (off) && json_node_get_value_type (off) == G_TYPE_BOOLEAN &&
      json_node_get_boolean (off))
    {
      soup_server_message_set_status (request->msg, 404, NULL);
      return;
    }
  if (env != NULL && *env != '\0')
    path = g_str_has_suffix (env, "management.html") ? g_strdup (env)
                                                     : g_build_filename (env, "management.html", NULL);
  else if (self->config_path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self->config_path);

      path = g_build_filename (dir, "static", "management.html", NULL);
    }
  if (path == NULL || !g_file_get_contents (path, &contents, &len, NULL))
    {
      static const char text[] =
        "The web control panel is not installed. Download management.html from a release of "
        "CLIProxyAPI's management center and put it in the 'static' folder next to config.yaml "
        "(or point MANAGEMENT_STATIC_PATH at it).\n";
      g_autoptr(GBytes) message = g_bytes_new_static (text, sizeof text - 1);

      sy_mgmt_reply_bytes (request, 404, "text/plain; charset=utf-8", message);
      return;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "X-Content-Type-Options", "nosniff");
  sy_mgmt_reply_bytes (request, 200, "text/html; charset=utf-8", bytes);
}

/* ---------------------------------------------------------------------- */
/* Dispatch                                                                */

static SyMgmtMethod
method_of (const char *method)
{
  static const struct { const char *name; SyMgmtMethod bit; } methods[] = {
    { "GET", SY_MGMT_GET }, { "HEAD", SY_MGMT_GET }, { "POST", SY_MGMT_POST },
    { "PUT", SY_MGMT_PUT }, { "PATCH", SY_MGMT_PATCH }, { "DELETE", SY_MGMT_DELETE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (strcmp (methods[i].name, method) == 0)
      return methods[i].bit;
  return 0;
}

static char *
allowed_methods (guint mask)
{
  static const char *names[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (mask & (1u << i))
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", names[i]);
  return g_string_free (s, FALSE);
}

/* The route for @path; *tail_out gets what follows a route ending in '/'. */
static const SyMgmtRoute *
find_route (const char  *path,
            const char **tail_out)
{
  for (guint t = 0; t < G_N_ELEMENTS (route_tables); t++)
    for (const SyMgmtRoute *r = route_tables[t]; r->path != NULL; r++)
      {
        gsize n = strlen (r->path);

        if (r->path[n - 1] == '/')
          {
            if (strncmp (path, r->path, n) == 0 && path[n] != '\0' && strchr (path + n, '/') == NULL)
              {
                *tail_out = path + n;
                return r;
              }
          }
        else if (strcmp (path, r->path) == 0)
          {
            *tail_out = NULL;
            return r;
          }
      }
  return NULL;
}

void
sy_management_handle (SyManagement      *self,
                      SyRegistry        *registry,
                      SyHttpClient      *http,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      GBytes            *body)
{
  g_autoptr(SyMgmtRequest) request = g_new0 (SyMgmtRequest, 1);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *sub = path + strlen (SY_MANAGEMENT_PREFIX);
  const char *tail = NULL;
  const SyMgmtRoute *route;

  request->ref_count = 1;
  request->mgmt = g_object_ref (self);
  request->registry = sy_registry_ref (registry);
  request->config = sy_config_ref (sy_registry_get_config (registry));
  request->http = g_object_ref (http);
  request->msg = g_object_ref (msg);
  request->method = method_of (soup_server_message_get_method (msg));
  request->query = query ? g_hash_table_ref (query) : NULL;
  request->body = body ? g_bytes_ref (body) : g_bytes_new_static ("", 0);

  if (strcmp (path, "/management.html") == 0)
    {
      if (request->method != SY_MGMT_GET)
        soup_server_message_set_status (msg, 405, NULL);
      else
        serve_panel (self, request);
      return;
    }
  if (!sy_management_is_enabled (self, request->config))
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  if (!check_origin (request))
    return;
  if (strcmp (soup_server_message_get_method (msg), SOUP_METHOD_OPTIONS) == 0)
    {
      /* A preflight: no key comes with it. */
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }

  soup_message_headers_replace (out, "X-CPA-VERSION", PACKAGE_VERSION);
  soup_message_headers_replace (out, "X-Switchyard-Version", PACKAGE_VERSION);
  soup_message_headers_replace (out, "X-Content-Type-Options", "nosniff");

  if (!authorize (self, request))
    return;

  route = find_route (sub, &tail);
  if (route == NULL)
    {
      g_autofree char *message = g_strdup_printf ("%s is not a management route", path);

      sy_mgmt_reply_error (request, 404, "not_found", message);
      return;
    }
  if ((route->methods & request->method) == 0)
    {
      g_autofree char *allow = allowed_methods (route->methods);

      soup_message_headers_replace (out, "Allow", allow);
      sy_mgmt_reply_error (request, 405, "method not allowed", NULL);
      return;
    }

  request->route = route->path;
  /* libsoup hands over the path decoded once, all but "%2F"; decoding
   * again would turn "%252e" into "." after the checks saw "%2e". No name
   * served here has a '%', so one that still holds an escape is refused. */
  request->tail = g_strdup (tail);
  if (tail != NULL && strchr (tail, '%') != NULL)
    {
      sy_mgmt_reply_error (request, 400, "invalid name", NULL);
      return;
    }
  route->handler (request);
}

/* ---------------------------------------------------------------------- */

void
sy_management_set_host (SyManagement           *self,
                        const SyManagementHost *vtable,
                        gpointer                host)
{
  self->host_vtable = vtable;
  self->host = host;
}

const SyManagementHost *
sy_management_get_host (SyManagement *self,
                        gpointer     *host)
{
  if (host != NULL)
    *host = self->host;
  return self->host_vtable;
}

void
sy_management_set_config_path (SyManagement *self,
                               const char   *path)
{
  g_free (self->config_path);
  self->config_path = g_strdup (path);
}

void
sy_management_set_logins (SyManagement *self,
                          SyLogins     *logins)
{
  g_set_object ((GObject **) &self->logins, (GObject *) logins);
}

void
sy_management_set_usage (SyManagement *self,
                         SyUsageStore *usage)
{
  g_set_object ((GObject **) &self->usage, (GObject *) usage);
}

void
sy_management_set_quota (SyManagement   *self,
                         SyQuotaHistory *history,
                         SyQuotaPoller  *poller)
{
  g_set_object ((GObject **) &self->quota_history, (GObject *) history);
  g_set_object ((GObject **) &self->quota_poller, (GObject *) poller);
}

SyQuotaHistory *
sy_management_get_quota_history (SyManagement *self)
{
  return self->quota_history;
}

SyQuotaPoller *
sy_management_get_quota_poller (SyManagement *self)
{
  return self->quota_poller;
}

void
sy_management_set_local_key (SyManagement *self,
                             const char   *key)
{
  if (self->local_key != NULL)
    sy_log_remove_secret (self->local_key);
  g_free (self->local_key);
  self->local_key = key != NULL && *key != '\0' ? g_strdup (key) : NULL;
  if (self->local_key != NULL)
    sy_log_add_secret (self->local_key);
}

SyLogins *
sy_management_get_logins (SyManagement *self)
{
  return self->logins;
}

SyUsageStore *
sy_management_get_usage (SyManagement *self)
{
  return self->usage;
}

const char *
sy_management_get_config_path (SyManagement *self)
{
  return self->config_path;
}

gboolean
sy_management_check_config (SyManagement *self,
                            SyConfig     *config,
                            GError      **error)
{
  if (self->host_vtable == NULL || self->host_vtable->check_config == NULL)
    return TRUE;
  return self->host_vtable->check_config (self->host, config, error);
}

gboolean
sy_management_reload (SyManagement *self,
                      GError      **error)
{
  if (self->host_vtable == NULL || self->host_vtable->reload == NULL)
    return TRUE;
  return self->host_vtable->reload (self->host, error);
}

GBytes *
sy_management_build_diagnostics (SyManagement *self,
                                 GError      **error)
{
  if (self->host_vtable == NULL || self->host_vtable->diagnostics == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "diagnostics are not available in this front");
      return NULL;
    }
  return self->host_vtable->diagnostics (self->host, error);
}

static void
sy_management_finalize (GObject *object)
{
  SyManagement *self = SY_MANAGEMENT (object);

  sy_management_set_local_key (self, NULL);
  g_clear_object (&self->logins);
  g_clear_object (&self->usage);
  g_clear_object (&self->quota_history);
  g_clear_object (&self->quota_poller);
  g_free (self->config_path);
  g_free (self->verified_hash);
  g_hash_table_unref (self->addresses);

  G_OBJECT_CLASS (sy_management_parent_class)->finalize (object);
}

static void
sy_management_class_init (SyManagementClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_management_finalize;
}

static void
sy_management_init (SyManagement *self)
{
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SyManagement *
sy_management_new (void)
{
  return g_object_new (SY_TYPE_MANAGEMENT, NULL);
}
