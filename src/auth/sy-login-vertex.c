/* sy-login-vertex.c: Vertex AI through a Google service account
 *
 * Facts: reference oauth.md §11 and providers.md §3.1. There is no sign-in:
 * the service account's key file is imported, and kept whole as the login's
 * secret (where other logins keep their refresh token). Renewing the login
 * mints an access token with the JWT bearer grant (RFC 7523): a JWT signed
 * RS256 with the key's private key, posted to the key's token_uri; Google's
 * tokens last an hour and are renewed five minutes before they end.
 *
 * endpoints.vertex.auth replaces the scheme and host of token_uri (tests);
 * the JWT's audience stays the key's own token_uri, as Google checks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sy-json-guard.h"
#include "sy-login-channels.h"
#include "sy-login-private.h"
#include "sy-secret.h"

#define VERTEX_SCOPE        "https://www.googleapis.com/auth/cloud-platform"
#define VERTEX_GRANT        "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define VERTEX_TOKEN_URI    "https://oauth2.googleapis.com/token"
#define VERTEX_LOCATION     "us-central1"
#define VERTEX_JWT_LIFETIME 3600

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

typedef struct
{
  JsonParser *parser;       /* owns the strings below */
  const char *client_email;
  const char *project_id;
  const char *private_key;
  const char *private_key_id;
  const char *token_uri;
} VertexKey;

static void
vertex_key_clear (VertexKey *key)
{
  g_clear_object (&key->parser);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VertexKey, vertex_key_clear)

static EVP_PKEY *
read_private_key (const char *pem)
{
  g_autoptr(BIO) bio = BIO_new_mem_buf (pem, -1);
  EVP_PKEY *pkey;

  if (bio == NULL)
    return NULL;
  pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  if (pkey != NULL && !EVP_PKEY_is_a (pkey, "RSA"))
    g_clear_pointer (&pkey, EVP_PKEY_free);
  return pkey;
}

/* Reads a service-account key; the messages name what is wrong, never a value. */
static gboolean
vertex_key_parse (VertexKey   *key,
                  const char  *json,
                  gssize       length,
                  GError     **error)
{
  JsonNode *root;
  JsonObject *o;
  const char *type;

  key->parser = json_parser_new ();
  if (!sy_json_parser_load (key->parser, json, length, NULL) ||
      (root = json_parser_get_root (key->parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "not a service-account key: the file is not a JSON object");
      return FALSE;
    }
  o = json_node_get_object (root);
  type = sy_login_json_string (o, "type");
  if (g_strcmp0 (type, "service_account") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "not a service-account key: its type is %s%s%s, not \"service_account\"",
                   type ? "\"" : "", type ? type : "missing", type ? "\"" : "");
      return FALSE;
    }
  key->client_email = sy_login_json_string (o, "client_email");
  key->project_id = sy_login_json_string (o, "project_id");
  key->private_key = sy_login_json_string (o, "private_key");
  key->private_key_id = sy_login_json_string (o, "private_key_id");
  key->token_uri = sy_login_json_string (o, "token_uri");
  if (key->token_uri == NULL || *key->token_uri == '\0')
    key->token_uri = VERTEX_TOKEN_URI;
  if (key->client_email == NULL || *key->client_email == '\0' ||
      key->project_id == NULL || *key->project_id == '\0' ||
      key->private_key == NULL || *key->private_key == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the service-account key lacks client_email, project_id or private_key");
      return FALSE;
    }
  if (!g_str_has_prefix (key->token_uri, "https://") && !g_str_has_prefix (key->token_uri, "http://"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the service-account key's token_uri is not an http(s) address");
      return FALSE;
    }
  return TRUE;
}

static char *
base64url (const guchar *data,
           gsize         len)
{
  char *text = g_base64_encode (data, len);
  char *end = text + strlen (text);

  while (end > text && end[-1] == '=')
    *--end = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

static char *
base64url_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);

  return base64url ((const guchar *) text, strlen (text));
}

/* The RFC 7523 assertion: header.claims.signature, RS256 over the first two. */
static char *
vertex_assertion (const VertexKey  *key,
                  gint64            now_s,
                  GError          **error)
{
  g_autoptr(EVP_PKEY) pkey = read_private_key (key->private_key);
  g_autoptr(EVP_MD_CTX) md = NULL;
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *header_text = NULL;
  g_autofree char *claims_text = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree guchar *signature = NULL;
  g_autofree char *signature_text = NULL;
  size_t signature_len = 0;

  if (pkey == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the service-account key's private key is not a readable RSA key");
      return NULL;
    }
  json_object_set_string_member (header, "alg", "RS256");
  json_object_set_string_member (header, "typ", "JWT");
  if (key->private_key_id != NULL && *key->private_key_id != '\0')
    json_object_set_string_member (header, "kid", key->private_key_id);
  json_object_set_string_member (claims, "iss", key->client_email);
  json_object_set_string_member (claims, "scope", VERTEX_SCOPE);
  json_object_set_string_member (claims, "aud", key->token_uri);
  json_object_set_int_member (claims, "iat", now_s);
  json_object_set_int_member (claims, "exp", now_s + VERTEX_JWT_LIFETIME);
  header_text = base64url_json (header);
  claims_text = base64url_json (claims);
  signing_input = g_strconcat (header_text, ".", claims_text, NULL);

  md = EVP_MD_CTX_new ();
  if (md == NULL ||
      EVP_DigestSignInit (md, NULL, EVP_sha256 (), NULL, pkey) != 1 ||
      EVP_DigestSign (md, NULL, &signature_len, (const guchar *) signing_input, strlen (signing_input)) != 1 ||
      (signature = g_malloc (signature_len)) == NULL ||
      EVP_DigestSign (md, signature, &signature_len, (const guchar *) signing_input, strlen (signing_input)) != 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "could not sign with the service-account key");
      return NULL;
    }
  signature_text = base64url (signature, signature_len);
  return g_strconcat (signing_input, ".", signature_text, NULL);
}

/* Trimmed of spaces and '/'; NULL when empty. */
static char *
clean_prefix (const char  *prefix,
              GError     **error)
{
  g_autofree char *trimmed = NULL;
  char *start;
  char *end;

  if (prefix == NULL)
    return NULL;
  trimmed = g_strdup (prefix);
  start = trimmed;
  while (*start == '/' || g_ascii_isspace (*start))
    start++;
  end = start + strlen (start);
  while (end > start && (end[-1] == '/' || g_ascii_isspace (end[-1])))
    *--end = '\0';
  if (strchr (start, '/') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the prefix '%s' holds a '/': a prefix is one word", start);
      return NULL;
    }
  return *start ? g_strdup (start) : NULL;
}

SyCredential *
sy_vertex_credential_new (const char  *key_json,
                          gssize       length,
                          const char  *prefix,
                          const char  *location,
                          GError     **error)
{
  g_auto(VertexKey) key = { 0 };
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *stored = NULL;
  GError *prefix_error = NULL;
  gint64 now = g_get_real_time ();
  SyCredential *credential;

  g_return_val_if_fail (key_json != NULL, NULL);

  if (!vertex_key_parse (&key, key_json, length, error))
    return NULL;
  pkey = read_private_key (key.private_key);
  if (pkey == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the service-account key's private key is not a readable RSA key");
      return NULL;
    }
  clean = clean_prefix (prefix, &prefix_error);
  if (prefix_error != NULL)
    {
      g_propagate_error (error, prefix_error);
      return NULL;
    }
  if (location != NULL && (*location == '\0' || strpbrk (location, "/.:?#@ ") != NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "'%s' is not a Vertex AI location (such as us-central1, or global)", location);
      return NULL;
    }

  stored = json_to_string (json_parser_get_root (key.parser), FALSE);
  credential = sy_credential_new ("vertex", key.client_email, key.client_email);
  sy_credential_set_extra (credential, "project_id", key.project_id);
  sy_credential_set_extra (credential, "location", location ? location : VERTEX_LOCATION);
  sy_credential_set_prefix (credential, clean);
  /* No access token yet, and due at once: the service mints one as soon
   * as it has the login. */
  sy_credential_set_tokens (credential, NULL, stored, NULL, now, now);
  sy_secret_wipe (stored, strlen (stored));
  return credential;
}

/* ------------------------------------------------------------------ refresh */

static void
on_vertex_token (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  guint status = 0;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, &status, &error);

  /* 400 invalid_grant: the key was deleted or disabled; import another. */
  sy_login_finish_refresh (task, g_task_get_task_data (task), answer, status, error);
}

/* The token_uri, with endpoints.vertex.auth as its scheme and host when set. */
static char *
token_url (SyConfig   *config,
           const char *token_uri)
{
  g_autofree char *base = sy_config_endpoint (config, "vertex", "auth", NULL);
  g_autoptr(GUri) uri = NULL;

  if (base == NULL)
    return g_strdup (token_uri);
  uri = g_uri_parse (token_uri, G_URI_FLAGS_NONE, NULL);
  return g_strconcat (base, uri ? g_uri_get_path (uri) : "/token", NULL);
}

static void
vertex_refresh (SyHttpClient *http,
                SyConfig     *config,
                SyCredential *credential,
                GTask        *task)
{
  g_auto(VertexKey) key = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *assertion = NULL;
  g_autofree char *url = NULL;
  const char *fields[5];

  if (!vertex_key_parse (&key, sy_credential_get_refresh_token (credential), -1, &error) ||
      (assertion = vertex_assertion (&key, g_get_real_time () / G_USEC_PER_SEC, &error)) == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("the stored key cannot be used (%s): import it again",
                                                 error->message);

      sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN, reason);
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_REFUSED, "%s: %s",
                               sy_credential_get_label (credential), reason);
      g_object_unref (task);
      return;
    }
  url = token_url (config, key.token_uri);
  fields[0] = "grant_type"; fields[1] = VERTEX_GRANT;
  fields[2] = "assertion";  fields[3] = assertion;
  fields[4] = NULL;
  sy_oauth_post_async (http, url, SY_OAUTH_FORM, fields, NULL, config ? config->proxy_url : NULL,
                       g_task_get_cancellable (task), on_vertex_token, task);
  sy_secret_wipe (assertion, strlen (assertion));
}

const SyLoginProvider sy_login_vertex = {
  .name = "vertex",
  /* Translated where it is shown; errors and the management API keep it
   * as it is. TRANSLATORS: a kind of account, named in sign-in messages. */
  .title = N_("Vertex AI (service account)"),
  .auth = NULL,            /* the key's own token_uri */
  .api = NULL,             /* https://<location>-aiplatform.googleapis.com */
  .port = 0,
  .path = NULL,
  .lead_s = 5 * 60,
  .unavailable = "a service account is imported, not signed in to: switchyard --import-vertex KEY.json",
  .refresh = vertex_refresh,
};
