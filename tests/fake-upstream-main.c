/* fake-upstream-main.c: the fake upstream as a process (SDK and CLI tests)
 *
 * Prints "PORT\n" on stdout once listening; exits on SIGTERM or when stdin
 * closes. Besides the APIs it plays Claude's sign-in service: GET
 * /oauth/authorize consents at once and redirects back with a code, POST
 * /v1/oauth/token exchanges it (PKCE checked) and renews tokens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <openssl/sha.h>

#include "fake-upstream.h"

typedef struct
{
  char  *challenge;
  char  *code;
  guint  generation;
} SignIn;

static gboolean
on_stdin (gint         fd,
          GIOCondition condition,
          gpointer     loop)
{
  char buf[256];

  if (read (fd, buf, sizeof buf) <= 0)
    {
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_term (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
on_authorize (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  SignIn *s = user_data;
  const char *redirect = query ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  g_autofree char *location = NULL;

  if (redirect == NULL || state == NULL || g_hash_table_lookup (query, "code_challenge") == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  g_free (s->challenge);
  s->challenge = g_strdup (g_hash_table_lookup (query, "code_challenge"));
  g_free (s->code);
  s->code = g_strdup_printf ("fake-code-%u", g_random_int ());
  location = g_strdup_printf ("%s?code=%s&state=%s", redirect, s->code, state);
  soup_server_message_set_redirect (msg, 302, location);
}

/* base64url(SHA-256(verifier)), no padding. */
static char *
challenge_of (const char *verifier)
{
  guchar digest[SHA256_DIGEST_LENGTH];
  g_autofree char *b64 = NULL;

  SHA256 ((const guchar *) verifier, strlen (verifier), digest);
  b64 = g_base64_encode (digest, sizeof digest);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  if (strchr (b64, '=') != NULL)
    *strchr (b64, '=') = '\0';
  return g_steal_pointer (&b64);
}

static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SignIn *s = user_data;
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *answer = NULL;
  JsonObject *o;
  const char *grant;
  gboolean ok = FALSE;

  if (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      o = json_node_get_object (json_parser_get_root (parser));
      grant = json_object_get_string_member_with_default (o, "grant_type", "");
      if (g_str_equal (grant, "authorization_code") && s->code != NULL)
        {
          g_autofree char *expected = challenge_of (json_object_get_string_member_with_default (o, "code_verifier", ""));

          ok = g_strcmp0 (json_object_get_string_member_with_default (o, "code", ""), s->code) == 0 &&
               g_strcmp0 (expected, s->challenge) == 0;
          g_clear_pointer (&s->code, g_free);
        }
      else if (g_str_equal (grant, "refresh_token"))
        {
          g_autofree char *current = g_strdup_printf ("sk-ant-ort01-fake-%u", s->generation);

          ok = g_strcmp0 (json_object_get_string_member_with_default (o, "refresh_token", ""), current) == 0;
        }
    }
  if (!ok)
    {
      static const char refused[] = "{\"error\":\"invalid_grant\",\"error_description\":\"refused by the fake\"}";

      soup_server_message_set_status (msg, 400, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, refused, strlen (refused));
      return;
    }
  s->generation++;
  answer = g_strdup_printf ("{\"token_type\":\"Bearer\",\"access_token\":\"sk-ant-oat01-fake-%u\","
                            "\"refresh_token\":\"sk-ant-ort01-fake-%u\",\"expires_in\":28800,"
                            "\"organization\":{\"uuid\":\"org-1\",\"name\":\"Fake org\"},"
                            "\"account\":{\"uuid\":\"acct-1\",\"email_address\":\"me@example.com\"}}",
                            s->generation, s->generation);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer, strlen (answer));
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(FakeUpstream) upstream = fake_upstream_new ();
  SignIn sign_in = { 0 };

  fake_upstream_add_handler (upstream, "/oauth/authorize", on_authorize, &sign_in);
  fake_upstream_add_handler (upstream, "/v1/oauth/token", on_token, &sign_in);
  printf ("%u\n", fake_upstream_get_port (upstream));
  fflush (stdout);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, loop);
  g_unix_signal_add (SIGTERM, on_term, loop);
  g_main_loop_run (loop);
  g_free (sign_in.challenge);
  g_free (sign_in.code);
  return 0;
}
