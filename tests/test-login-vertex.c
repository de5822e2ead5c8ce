/* test-login-vertex.c: a Vertex AI service account, from import to requests
 *
 * The test makes an RSA key and a service-account key file around it. A
 * fake Google token endpoint checks each JWT bearer grant (claims, and the
 * RS256 signature against the key's public half) and mints tokens; a fake
 * Vertex AI checks that requests carry them. Time is a manual clock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fake-upstream.h"
#include "login-test-util.h"
#include "sy-account-pool.h"
#include "sy-login-channels.h"
#include "sy-oauth.h"
#include "sy-service-logins.h"
#include "switchyard.h"

#define CLIENT_KEY   "test-client-key-0001"
#define SA_EMAIL     "robot@proj-7.iam.gserviceaccount.com"
#define SA_TOKEN_URI "https://oauth2.googleapis.com/token"
#define VERTEX_PATH  "/v1/projects/proj-7/locations/europe-west4/publishers/google/models/gemini-2.5-pro"

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SyClock      *clock;
  SoupSession  *client;
  char         *dir;
  char         *base;
  const char   *store_kind;

  EVP_PKEY     *key;              /* the service account's key pair */
  char         *key_json;         /* its key file */
  guint         n_grants;         /* JWT grants that passed every check */
  guint         generation;       /* access tokens are "ya29.fake-<n>" */
  gboolean      revoked;          /* the key was deleted at Google */
  char         *last_assertion;
} Fixture;


/* ------------------------------------------------------------ the key file */

static char *
private_key_pem (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  char *pem;

  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  len = BIO_get_mem_data (bio, &data);
  pem = g_strndup (data, len);
  BIO_free (bio);
  return pem;
}

static char *
key_file_json (EVP_PKEY   *key,
               const char *type)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *pem = private_key_pem (key);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "project_id");
  json_builder_add_string_value (b, "proj-7");
  json_builder_set_member_name (b, "private_key_id");
  json_builder_add_string_value (b, "kid-0042");
  json_builder_set_member_name (b, "private_key");
  json_builder_add_string_value (b, pem);
  json_builder_set_member_name (b, "client_email");
  json_builder_add_string_value (b, SA_EMAIL);
  json_builder_set_member_name (b, "client_id");
  json_builder_add_string_value (b, "1234567890");
  json_builder_set_member_name (b, "token_uri");
  json_builder_add_string_value (b, SA_TOKEN_URI);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, TRUE);
}

static guchar *
base64url_decode (const char *text,
                  gsize      *len)
{
  g_autoptr(GString) b64 = g_string_new (text);

  g_strdelimit (b64->str, "-", '+');
  g_strdelimit (b64->str, "_", '/');
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  return g_base64_decode (b64->str, len);
}

static JsonObject *
decode_part (const char *part)
{
  gsize len = 0;
  g_autofree guchar *raw = base64url_decode (part, &len);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, (const char *) raw, len, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The JWT as Google would check it: RS256 by the service account's key,
 * issued by it, for the cloud-platform scope, to the token URI, for an hour. */
static void
assert_assertion (Fixture    *f,
                  const char *jwt)
{
  g_auto(GStrv) parts = g_strsplit (jwt, ".", -1);
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree guchar *signature = NULL;
  g_autofree char *signed_part = NULL;
  gsize signature_len = 0;
  EVP_MD_CTX *md;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  header = decode_part (parts[0]);
  claims = decode_part (parts[1]);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "RS256");
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "JWT");
  g_assert_cmpstr (json_object_get_string_member (header, "kid"), ==, "kid-0042");
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, SA_EMAIL);
  g_assert_cmpstr (json_object_get_string_member (claims, "scope"), ==,
                   "https://www.googleapis.com/auth/cloud-platform");
  /* The key's own token URI, though the post went to the fake. */
  g_assert_cmpstr (json_object_get_string_member (claims, "aud"), ==, SA_TOKEN_URI);
  g_assert_cmpint (ABS (json_object_get_int_member (claims, "iat") - now), <=, 60);
  g_assert_cmpint (json_object_get_int_member (claims, "exp") - json_object_get_int_member (claims, "iat"), ==, 3600);

  signature = base64url_decode (parts[2], &signature_len);
  signed_part = g_strconcat (parts[0], ".", parts[1], NULL);
  md = EVP_MD_CTX_new ();
  g_assert_cmpint (EVP_DigestVerifyInit (md, NULL, EVP_sha256 (), NULL, f->key), ==, 1);
  g_assert_cmpint (EVP_DigestVerify (md, signature, signature_len, (const guchar *) signed_part,
                                     strlen (signed_part)), ==, 1);
  /* One byte off, and it no longer verifies. */
  signed_part[strlen (signed_part) - 1] ^= 1;
  g_assert_cmpint (EVP_DigestVerifyInit (md, NULL, EVP_sha256 (), NULL, f->key), ==, 1);
  g_assert_cmpint (EVP_DigestVerify (md, signature, signature_len, (const guchar *) signed_part,
                                     strlen (signed_part)), !=, 1);
  EVP_MD_CTX_free (md);
}

/* POST /token: Google's token endpoint for the JWT bearer grant. */
static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = soup_form_decode (text);
  g_autofree char *body = NULL;

  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "urn:ietf:params:oauth:grant-type:jwt-bearer");
  assert_assertion (f, g_hash_table_lookup (form, "assertion"));
  g_free (f->last_assertion);
  f->last_assertion = g_strdup (g_hash_table_lookup (form, "assertion"));
  if (f->revoked)
    {
      static const char refused[] = "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}";

      soup_server_message_set_status (msg, 400, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, refused, strlen (refused));
      return;
    }
  f->n_grants++;
  body = g_strdup_printf ("{\"access_token\":\"ya29.fake-%u\",\"expires_in\":3599,\"token_type\":\"Bearer\"}",
                          ++f->generation);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

/* ------------------------------------------------------------ service */

static char *
config_yaml (Fixture *f)
{
  const char *url = fake_upstream_get_url (f->upstream);

  return g_strdup_printf ("host: 127.0.0.1\n"
                          "port: 0\n"
                          "api-keys: [\"" CLIENT_KEY "\"]\n"
                          "token-store: %s\n"
                          "endpoints:\n"
                          "  vertex: {auth: \"%s\", api: \"%s\"}\n",
                          f->store_kind, url, url);
}

static void
start_service (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = config_yaml (f);
  g_autofree char *accounts = g_build_filename (f->dir, "accounts.json", NULL);
  g_autofree char *tokens = g_build_filename (f->dir, "tokens", NULL);
  gboolean loaded = FALSE;

  f->service = sy_service_new_from_string (yaml, &error);
  g_assert_no_error (error);
  sy_account_pool_set_clock (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)), f->clock);
  sy_service_set_login_files (f->service, accounts, tokens);
  sy_service_load_logins_async (f->service, NULL, on_loaded, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sy_service_start (f->service, &error));
  g_free (f->base);
  f->base = sy_service_dup_url (f->service);
}

static void
stop_service (Fixture *f)
{
  sy_service_stop (f->service);
  g_clear_object (&f->service);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->store_kind = data ? data : "auto";
  f->dir = g_dir_make_tmp ("sy-login-vertex-XXXXXX", NULL);
  f->upstream = fake_upstream_new ();
  f->clock = sy_clock_new_manual (g_get_real_time ());
  f->key = EVP_RSA_gen (2048);
  g_assert_nonnull (f->key);
  f->key_json = key_file_json (f->key, "service_account");
  fake_upstream_add_handler (f->upstream, "/token", on_token, f);
  f->client = soup_session_new_with_options ("timeout", 30, NULL);
  g_string_truncate (all_logs, 0);
  start_service (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->service != NULL)
    stop_service (f);
  g_clear_object (&f->client);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_clear_pointer (&f->clock, sy_clock_unref);
  EVP_PKEY_free (f->key);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
  g_free (f->key_json);
  g_free (f->last_assertion);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ------------------------------------------------------------------ steps */

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) added = sy_service_add_login_finish (SY_SERVICE (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (added);
  *done = TRUE;
}

/* What --import-vertex does. */
static SyCredential *
import (Fixture    *f,
        const char *prefix,
        const char *location)
{
  g_autoptr(GError) error = NULL;
  SyCredential *credential = sy_vertex_credential_new (f->key_json, -1, prefix, location, &error);
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_assert_nonnull (credential);
  sy_service_add_login_async (f->service, credential, NULL, on_added, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return credential;
}

static guint
ask (Fixture    *f,
     const char *model)
{
  g_autofree char *url = g_strconcat (f->base, "/v1/chat/completions", NULL);
  g_autofree char *body = g_strdup_printf ("{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                                           model);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  Reply r = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (f->client, msg, G_PRIORITY_DEFAULT, NULL, on_reply, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_free (r.text);
  return r.status;
}

static void
assert_vertex_used (Fixture *f,
                    guint    generation)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autofree char *bearer = g_strdup_printf ("Bearer ya29.fake-%u", generation);

  g_assert_cmpstr (last->path, ==, VERTEX_PATH ":generateContent");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, bearer);
  g_assert_null (soup_message_headers_get_one (last->headers, "x-goog-api-key"));
}

/* Waits until the @n-th token is minted and stored. */
static void
wait_grants (Fixture *f,
             guint    n)
{
  while (f->n_grants < n || count_in_logs ("credential refresh done") < n)
    g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------ tests */

/* Import, a first token, requests, renewal before expiry and on a 401,
 * restart, a refused key. */
static void
test_cycle (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(SyCredential) credential = import (f, " /team/ ", "europe-west4");
  g_autofree char *accounts = NULL;
  g_autofree char *id = g_strdup (sy_credential_get_id (credential));

  g_assert_true (g_str_has_prefix (id, "vertex:"));
  g_assert_cmpstr (sy_credential_get_email (credential), ==, SA_EMAIL);
  g_assert_cmpstr (sy_credential_get_prefix (credential), ==, "team");
  g_assert_cmpstr (sy_credential_get_extra (credential, "project_id"), ==, "proj-7");
  g_assert_cmpstr (sy_credential_get_extra (credential, "location"), ==, "europe-west4");

  /* accounts.json: who, never the key. */
  accounts = read_file (f->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, SA_EMAIL));
  g_assert_nonnull (strstr (accounts, "proj-7"));
  g_assert_null (strstr (accounts, "PRIVATE KEY"));

  /* The first token is minted at once (a timer due now). */
  sy_clock_advance (f->clock, 0);
  wait_grants (f, 1);
  g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 200);
  assert_vertex_used (f, 1);

  /* Tokens last an hour: renewed five minutes before. */
  sy_clock_advance (f->clock, (gint64) 3000 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->n_grants, ==, 1);
  sy_clock_advance (f->clock, (gint64) 330 * G_USEC_PER_SEC);
  wait_grants (f, 2);
  g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 200);
  assert_vertex_used (f, 2);

  /* A 401: a new token, and the request again. */
  fake_upstream_script (f->upstream, "gemini-2.5-pro", "ya29.fake-2", 401, NULL, NULL);
  g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 200);
  g_assert_cmpuint (f->n_grants, ==, 3);
  assert_vertex_used (f, 3);

  /* Restart: the key comes back from the token store, with the token. */
  stop_service (f);
  start_service (f);
  g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 200);
  assert_vertex_used (f, 3);

  /* The key is deleted at Google: "needs sign-in" (here: a new key). */
  f->revoked = TRUE;
  fake_upstream_script (f->upstream, "gemini-2.5-pro", "ya29.fake-3", 401, NULL, NULL);
  g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 401);
  {
    SyCredential *c = sy_logins_lookup (SY_LOGINS (sy_service_get_logins (f->service)), id);

    g_assert_cmpint (sy_credential_get_status (c), ==, SY_CREDENTIAL_NEEDS_LOGIN);
    g_assert_nonnull (strstr (sy_credential_get_status_reason (c), "Invalid JWT Signature"));
  }
  g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 503);

  /* Importing it again mends it: the same account. */
  f->revoked = FALSE;
  {
    g_autoptr(SyCredential) again = import (f, "team", "europe-west4");

    g_assert_cmpstr (sy_credential_get_id (again), ==, id);
    sy_clock_advance (f->clock, 0);
    wait_grants (f, 4);
    g_assert_cmpuint (ask (f, "team/gemini-2.5-pro"), ==, 200);
    assert_vertex_used (f, 4);
  }

  /* Neither the key, nor a token, nor an assertion in any log line. */
  g_assert_null (strstr (all_logs->str, "ya29.fake"));
  g_assert_null (strstr (all_logs->str, "PRIVATE KEY"));
  g_assert_null (strstr (all_logs->str, f->last_assertion));
}

/* What is not a service-account key is refused, and says why. */
static void
test_bad_keys (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *user_key = key_file_json (f->key, "authorized_user");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *no_pem = NULL;
  JsonObject *o;
  SyLoginOptions options = { FALSE, 0, 0 };

  g_assert_null (sy_vertex_credential_new ("not json", -1, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_assert_null (sy_vertex_credential_new (user_key, -1, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "authorized_user"));
  g_clear_error (&error);

  g_assert_true (json_parser_load_from_data (parser, f->key_json, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  json_object_set_string_member (o, "private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  no_pem = json_to_string (json_parser_get_root (parser), FALSE);
  g_assert_null (sy_vertex_credential_new (no_pem, -1, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "private key"));
  g_assert_null (strstr (error->message, "AAAA"));
  g_clear_error (&error);

  g_assert_null (sy_vertex_credential_new (f->key_json, -1, "a/b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_assert_null (sy_vertex_credential_new (f->key_json, -1, NULL, "evil.example/x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* There is nothing to sign in to. */
  g_assert_null (sy_service_login (f->service, "vertex", &options, NULL, NULL, NULL, &error));
  g_assert_error (error, SY_LOGIN_ERROR, SY_LOGIN_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "--import-vertex"));
}

int
main (int   argc,
      char *argv[])
{
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func, kind) \
  g_test_add (name, Fixture, kind, fixture_setup, func, fixture_teardown)

  ADD ("/login-vertex/cycle/keyring", test_cycle, "keyring");
  ADD ("/login-vertex/cycle/file", test_cycle, "file");
  ADD ("/login-vertex/bad-keys", test_bad_keys, "auto");

  return g_test_run ();
}
