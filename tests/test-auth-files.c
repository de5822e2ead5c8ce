/* test-auth-files.c: CLIProxyAPI auth files: conversions, import, export, auth-dir
 *
 * Conversions are checked against the files of the reference (oauth.md
 * §5–§12) both ways; import and export run against a file token store;
 * the auth-dir runs in a service on a fake Claude (127.0.0.1), files
 * dropped, changed, renewed and deleted under it. No session bus is used:
 * the token store is the encrypted file with its key file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "fake-upstream.h"
#include "sy-account-pool.h"
#include "sy-auth-dir.h"
#include "sy-auth-files.h"
#include "sy-login-private.h"
#include "sy-service-logins.h"
#include "switchyard.h"
#include "token-store-sync.h"

#define CLIENT_KEY "test-client-key-0001"
#define NO_RUNTIME_DIR "/nonexistent-sy-test-runtime"

static GString *all_logs;

static GLogWriterOutput
record_log (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      {
        g_string_append_len (all_logs, fields[i].value,
                             fields[i].length < 0 ? (gssize) strlen (fields[i].value) : fields[i].length);
        g_string_append_c (all_logs, '\n');
      }
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

/* ------------------------------------------------------------------ golden files (oauth.md) */

static const char claude_file[] =
  "{\"id_token\":\"\",\"access_token\":\"sk-ant-oat01-abc\",\"refresh_token\":\"sk-ant-ort01-def\","
  "\"last_refresh\":\"2026-04-14T10:00:00+08:00\",\"email\":\"me@example.com\","
  "\"type\":\"claude\",\"expired\":\"2026-04-14T18:00:00+08:00\"}";

/* The id_token is made by codex_file(): its claims carry the plan. */
static const char codex_template[] =
  "{\"id_token\":\"%s\",\"access_token\":\"eyJ.access\",\"refresh_token\":\"rt_abc\","
  "\"account_id\":\"a1b2c3d4-0000\",\"last_refresh\":\"2026-04-14T10:00:00+08:00\","
  "\"email\":\"me@example.com\",\"type\":\"codex\",\"expired\":\"2026-04-24T10:00:00+08:00\"}";

static const char gemini_file[] =
  "{\"token\":{\"access_token\":\"ya29.gem\",\"token_type\":\"Bearer\",\"refresh_token\":\"1//0gem\","
  "\"expiry\":\"2026-04-14T12:34:56+08:00\",\"expires_in\":3599,"
  "\"token_uri\":\"https://oauth2.googleapis.com/token\","
  "\"client_id\":\"681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com\","
  "\"client_secret\":\"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\","
  "\"scopes\":[\"https://www.googleapis.com/auth/cloud-platform\","
  "\"https://www.googleapis.com/auth/userinfo.email\",\"https://www.googleapis.com/auth/userinfo.profile\"],"
  "\"universe_domain\":\"googleapis.com\"},"
  "\"project_id\":\"my-project-123\",\"email\":\"user@gmail.com\",\"auto\":false,\"checked\":true,"
  "\"type\":\"gemini\"}";

/* The reference's example; its "expired" made consistent with timestamp +
 * expires_in (2026-04-14T04:00:00Z + 3599 s). */
static const char antigravity_file[] =
  "{\"type\":\"antigravity\",\"access_token\":\"ya29.ag\",\"refresh_token\":\"1//ag\","
  "\"expires_in\":3599,\"timestamp\":1776139200000,\"expired\":\"2026-04-14T04:59:59Z\","
  "\"email\":\"me@gmail.com\",\"project_id\":\"proud-lamp-abc12\"}";

static const char kimi_file[] =
  "{\"access_token\":\"kimi-access\",\"refresh_token\":\"kimi-refresh\",\"token_type\":\"Bearer\","
  "\"scope\":\"kimi-code\",\"device_id\":\"dev-1\",\"expired\":\"2026-04-14T11:00:00Z\",\"type\":\"kimi\"}";

static const char vertex_file[] =
  "{\"service_account\":{\"type\":\"service_account\",\"project_id\":\"my-proj\",\"private_key_id\":\"k1\","
  "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\","
  "\"client_email\":\"sa@my-proj.iam.gserviceaccount.com\"},"
  "\"project_id\":\"my-proj\",\"email\":\"sa@my-proj.iam.gserviceaccount.com\",\"location\":\"us-central1\","
  "\"type\":\"vertex\",\"prefix\":\"P\"}";

static char *
base64url (const char *text)
{
  char *b64 = g_base64_encode ((const guchar *) text, strlen (text));

  for (char *p = b64; *p != '\0'; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  while (*b64 != '\0' && b64[strlen (b64) - 1] == '=')
    b64[strlen (b64) - 1] = '\0';
  return b64;
}

static char *
make_jwt (const char *plan)
{
  g_autofree char *claims = g_strdup_printf (
    "{\"email\":\"me@example.com\",\"https://api.openai.com/auth\":"
    "{\"chatgpt_account_id\":\"a1b2c3d4-0000\",\"chatgpt_plan_type\":\"%s\"}}", plan);
  g_autofree char *header = base64url ("{\"alg\":\"RS256\"}");
  g_autofree char *payload = base64url (claims);

  return g_strdup_printf ("%s.%s.c2lnbmF0dXJl", header, payload);
}

static char *
codex_file (const char *plan)
{
  g_autofree char *jwt = make_jwt (plan);

  return g_strdup_printf (codex_template, jwt);
}

static JsonObject *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *o = sy_auth_file_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (o);
  return o;
}

static gint64
time_of (const char *rfc3339)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, rfc3339);
  return sy_auth_file_parse_time (node);
}

static gboolean
is_time_key (const char *key)
{
  static const char * const keys[] = { "expired", "expiry", "last_refresh", "expire", "expires_at", NULL };

  return g_strv_contains (keys, key);
}

/* Same keys in the same order, same values; time strings as instants
 * (the test runs in UTC, the reference's examples are in +08:00). */
static void
assert_same_file (JsonObject *expected,
                  JsonObject *actual)
{
  g_autoptr(GList) want = json_object_get_members (expected);
  g_autoptr(GList) got = json_object_get_members (actual);
  GList *w = want;
  GList *g = got;

  for (; w != NULL && g != NULL; w = w->next, g = g->next)
    {
      JsonNode *a = json_object_get_member (expected, w->data);
      JsonNode *b = json_object_get_member (actual, g->data);

      g_assert_cmpstr (g->data, ==, w->data);
      if (JSON_NODE_HOLDS_OBJECT (a) && JSON_NODE_HOLDS_OBJECT (b))
        assert_same_file (json_node_get_object (a), json_node_get_object (b));
      else if (is_time_key (w->data) && JSON_NODE_HOLDS_VALUE (a) &&
               json_node_get_value_type (a) == G_TYPE_STRING)
        g_assert_cmpint (sy_auth_file_parse_time (a), ==, sy_auth_file_parse_time (b));
      else if (!json_node_equal (a, b))
        {
          g_autofree char *x = json_to_string (a, FALSE);
          g_autofree char *y = json_to_string (b, FALSE);

          g_error ("%s: expected %s, got %s", (const char *) w->data, x, y);
        }
    }
  if (w != NULL)
    g_error ("missing key %s", (const char *) w->data);
  if (g != NULL)
    g_error ("unexpected key %s", (const char *) g->data);
}

static SyCredential *
load_credential (const char *text,
                 const char *name)
{
  g_autoptr(JsonObject) file = parse (text);
  g_autoptr(GError) error = NULL;
  SyCredential *credential = sy_auth_file_to_credential (file, name, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (credential);
  return credential;
}

/* Written fresh and rewritten over itself, the file comes out as it went in. */
static void
assert_both_ways (const char   *text,
                  SyCredential *credential)
{
  g_autoptr(JsonObject) golden = parse (text);
  g_autoptr(JsonObject) fresh = NULL;
  g_autoptr(JsonObject) rewritten = NULL;
  g_autoptr(GError) error = NULL;

  fresh = sy_auth_file_from_credential (credential, NULL, &error);
  g_assert_no_error (error);
  assert_same_file (golden, fresh);
  rewritten = sy_auth_file_from_credential (credential, golden, &error);
  g_assert_no_error (error);
  assert_same_file (golden, rewritten);
}

/* ------------------------------------------------------------------ conversions */

static void
test_times (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  gint64 t = time_of ("2026-04-14T18:00:00+08:00");
  g_autofree char *text = sy_auth_file_format_time (t);

  g_assert_cmpint (t, ==, G_GINT64_CONSTANT (1776160800) * G_USEC_PER_SEC);
  g_assert_cmpint (time_of ("2026-04-14T10:00:00Z"), ==, t);
  g_assert_cmpint (time_of ("2026-04-14T10:00:00.250Z"), ==, t + 250000);
  g_assert_cmpstr (text, ==, "2026-04-14T10:00:00Z");
  json_node_set_int (node, 1776160800);
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, t);
  json_node_set_int (node, G_GINT64_CONSTANT (1776160800123));
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, t + 123000);
  json_node_set_double (node, 1776160800.5);
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, t + 500000);
  json_node_set_string (node, "1776160800000");
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, t);
  json_node_set_string (node, "0001-01-01T00:00:00Z");
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, 0);
  json_node_set_string (node, "tomorrow");
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, 0);
  json_node_set_boolean (node, TRUE);
  g_assert_cmpint (sy_auth_file_parse_time (node), ==, 0);
  g_assert_cmpint (sy_auth_file_parse_time (NULL), ==, 0);
}

static void
test_claude (void)
{
  g_autoptr(SyCredential) c = load_credential (claude_file, "claude-me@example.com.json");
  g_autofree char *name = sy_auth_file_name (c);

  g_assert_cmpstr (sy_credential_get_provider (c), ==, "claude");
  g_assert_true (g_str_has_prefix (sy_credential_get_id (c), "claude:"));
  g_assert_cmpstr (sy_credential_get_email (c), ==, "me@example.com");
  g_assert_cmpstr (sy_credential_get_access_token (c), ==, "sk-ant-oat01-abc");
  g_assert_cmpstr (sy_credential_get_refresh_token (c), ==, "sk-ant-ort01-def");
  g_assert_null (sy_credential_get_id_token (c));
  g_assert_cmpint (sy_credential_get_expires (c), ==, time_of ("2026-04-14T10:00:00Z"));
  g_assert_cmpint (sy_credential_get_last_refresh (c), ==, time_of ("2026-04-14T02:00:00Z"));
  g_assert_true (sy_credential_get_enabled (c));
  g_assert_cmpstr (name, ==, "claude-me@example.com.json");
  assert_both_ways (claude_file, c);

  /* The same account gives the same login, whatever the file's name. */
  {
    g_autoptr(SyCredential) again = load_credential (claude_file, "other.json");

    g_assert_cmpstr (sy_credential_get_id (again), ==, sy_credential_get_id (c));
  }
}

static void
test_codex (void)
{
  g_autofree char *text = codex_file ("plus");
  g_autofree char *team_text = codex_file ("team");
  g_autoptr(SyCredential) c = load_credential (text, "codex-me@example.com-plus.json");
  g_autoptr(SyCredential) team = load_credential (team_text, "codex-team.json");
  g_autofree char *name = sy_auth_file_name (c);
  g_autofree char *team_name = sy_auth_file_name (team);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "a1b2c3d4-0000", -1);
  g_autofree char *expected_team_name = g_strdup_printf ("codex-%.8s-me@example.com-team.json", hash);

  g_assert_cmpstr (sy_credential_get_provider (c), ==, "codex");
  g_assert_cmpstr (sy_credential_get_extra (c, "plan"), ==, "plus");
  g_assert_cmpstr (sy_credential_get_extra (c, "account_id"), ==, "a1b2c3d4-0000");
  g_assert_cmpstr (sy_credential_get_access_token (c), ==, "eyJ.access");
  g_assert_true (g_str_has_prefix (sy_credential_get_id_token (c), "eyJ"));
  g_assert_cmpint (sy_credential_get_expires (c), ==, time_of ("2026-04-24T02:00:00Z"));
  g_assert_cmpstr (name, ==, "codex-me@example.com-plus.json");
  assert_both_ways (text, c);

  /* A team workspace is a login of its own beside the personal one. */
  g_assert_cmpstr (sy_credential_get_extra (team, "plan"), ==, "team");
  g_assert_cmpstr (sy_credential_get_id (team), !=, sy_credential_get_id (c));
  g_assert_cmpstr (team_name, ==, expected_team_name);

  /* No e-mail in the file: the id_token's. */
  {
    g_autoptr(JsonObject) file = parse (text);
    g_autoptr(SyCredential) bare = NULL;

    json_object_remove_member (file, "email");
    json_object_remove_member (file, "account_id");
    bare = sy_auth_file_to_credential (file, "x.json", NULL, NULL);
    g_assert_cmpstr (sy_credential_get_email (bare), ==, "me@example.com");
    g_assert_cmpstr (sy_credential_get_extra (bare, "account_id"), ==, "a1b2c3d4-0000");
    g_assert_cmpstr (sy_credential_get_id (bare), ==, sy_credential_get_id (c));
  }
}

static void
test_gemini (void)
{
  g_autoptr(SyCredential) c = load_credential (gemini_file, "gemini-user@gmail.com-my-project-123.json");
  g_autofree char *name = sy_auth_file_name (c);

  g_assert_cmpstr (sy_credential_get_provider (c), ==, "gemini-cli");
  g_assert_cmpstr (sy_credential_get_email (c), ==, "user@gmail.com");
  g_assert_cmpstr (sy_credential_get_access_token (c), ==, "ya29.gem");
  g_assert_cmpstr (sy_credential_get_refresh_token (c), ==, "1//0gem");
  g_assert_cmpstr (sy_credential_get_extra (c, "project_id"), ==, "my-project-123");
  g_assert_cmpstr (sy_credential_get_extra (c, "auto"), ==, "false");
  g_assert_cmpstr (sy_credential_get_extra (c, "checked"), ==, "true");
  g_assert_cmpint (sy_credential_get_expires (c), ==, time_of ("2026-04-14T04:34:56Z"));
  g_assert_cmpstr (name, ==, "gemini-user@gmail.com-my-project-123.json");
  /* A file says nothing of when it was renewed: token.expires_in comes from
   * a login that knows. */
  sy_credential_set_tokens (c, "ya29.gem", NULL, NULL, sy_credential_get_expires (c),
                            sy_credential_get_expires (c) - (gint64) 3599 * G_USEC_PER_SEC);
  assert_both_ways (gemini_file, c);

  /* After use CLIProxyAPI mirrors the token at the top level: both move. */
  {
    g_autoptr(JsonObject) file = parse (gemini_file);
    g_autoptr(JsonObject) out = NULL;

    json_object_set_string_member (file, "access_token", "ya29.gem");
    sy_credential_set_tokens (c, "ya29.new", "1//0new", NULL, time_of ("2026-05-01T00:00:00Z"), 0);
    out = sy_auth_file_from_credential (c, file, NULL);
    g_assert_cmpstr (json_object_get_string_member (out, "access_token"), ==, "ya29.new");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (out, "token"), "access_token"),
                     ==, "ya29.new");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (out, "token"), "refresh_token"),
                     ==, "1//0new");
    g_assert_cmpint (sy_auth_file_parse_time (json_object_get_member (json_object_get_object_member (out, "token"),
                                                                      "expiry")),
                     ==, time_of ("2026-05-01T00:00:00Z"));
  }
}

static void
test_antigravity (void)
{
  g_autoptr(SyCredential) c = load_credential (antigravity_file, "antigravity-me@gmail.com.json");
  g_autofree char *name = sy_auth_file_name (c);

  g_assert_cmpstr (sy_credential_get_provider (c), ==, "antigravity");
  g_assert_cmpstr (sy_credential_get_extra (c, "project_id"), ==, "proud-lamp-abc12");
  g_assert_cmpint (sy_credential_get_last_refresh (c), ==, G_GINT64_CONSTANT (1776139200000) * 1000);
  g_assert_cmpint (sy_credential_get_expires (c), ==, time_of ("2026-04-14T04:59:59Z"));
  g_assert_cmpstr (name, ==, "antigravity-me@gmail.com.json");
  assert_both_ways (antigravity_file, c);

  /* Without "expired": timestamp + expires_in. */
  {
    g_autoptr(JsonObject) file = parse (antigravity_file);
    g_autoptr(SyCredential) bare = NULL;

    json_object_remove_member (file, "expired");
    bare = sy_auth_file_to_credential (file, "a.json", NULL, NULL);
    g_assert_cmpint (sy_credential_get_expires (bare), ==, time_of ("2026-04-14T04:59:59Z"));
  }

  /* An expires_in that microseconds cannot hold, or no integer can: the
   * expiry is unknown (0), not an overflow or a conversion C leaves
   * undefined (the sanitizer build stops on either). */
  {
    static const double huge[] = { 9.2e18, 1e300, -1e300, 9.3e15 };

    for (guint i = 0; i < G_N_ELEMENTS (huge); i++)
      {
        g_autoptr(JsonObject) file = parse (antigravity_file);
        g_autoptr(SyCredential) bare = NULL;

        json_object_remove_member (file, "expired");
        json_object_set_double_member (file, "expires_in", huge[i]);
        bare = sy_auth_file_to_credential (file, "a.json", NULL, NULL);
        g_assert_nonnull (bare);
        g_assert_cmpint (sy_credential_get_expires (bare), ==, 0);
      }
  }
}

/* A token answer's expires_in, as the sign-ins read it: seconds, kept
 * within a year; a double past gint64's range is taken as long (or as
 * nothing when negative) instead of converted, which C leaves undefined. */
static void
test_answer_expiry (void)
{
  static const struct { const char *answer; gint64 seconds; } cases[] = {
    { "{\"expires_in\": 3600}", 3600 },
    { "{\"expires_in\": 3599.9}", 3599 },
    { "{\"expires_in\": \"120\"}", 120 },
    { "{\"expires_in\": 1e300}", 366 * 86400 },
    { "{\"expires_in\": 9223372036854775807}", 366 * 86400 },
    { "{\"expires_in\": -1e300}", 0 },
    { "{\"expires_in\": -5}", 0 },
    { "{}", 0 },
  };
  const gint64 now = G_GINT64_CONSTANT (1776139200) * G_USEC_PER_SEC;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) answer = parse (cases[i].answer);

      g_assert_cmpint (sy_login_expiry_from (answer, now), ==,
                       cases[i].seconds ? now + cases[i].seconds * G_USEC_PER_SEC : 0);
    }
}

static void
test_kimi (void)
{
  g_autoptr(SyCredential) c = load_credential (kimi_file, "kimi-1776139200000.json");
  g_autoptr(SyCredential) other = load_credential (kimi_file, "kimi-1776139299999.json");

  g_assert_cmpstr (sy_credential_get_provider (c), ==, "kimi");
  g_assert_cmpstr (sy_credential_get_extra (c, "device_id"), ==, "dev-1");
  g_assert_cmpstr (sy_credential_get_extra (c, "scope"), ==, "kimi-code");
  g_assert_null (sy_credential_get_email (c));
  /* No e-mail: the file's name tells Kimi logins apart. */
  g_assert_cmpstr (sy_credential_get_id (c), !=, sy_credential_get_id (other));
  assert_both_ways (kimi_file, c);
}

static void
test_vertex (void)
{
  g_autoptr(SyCredential) c = load_credential (vertex_file, "vertex-P-my-proj.json");
  g_autofree char *name = sy_auth_file_name (c);
  g_autoptr(JsonObject) key = NULL;

  g_assert_cmpstr (sy_credential_get_provider (c), ==, "vertex");
  g_assert_cmpstr (sy_credential_get_prefix (c), ==, "P");
  g_assert_cmpstr (sy_credential_get_extra (c, "location"), ==, "us-central1");
  g_assert_cmpstr (sy_credential_get_extra (c, "project_id"), ==, "my-proj");
  g_assert_null (sy_credential_get_access_token (c));
  /* The key is the secret access tokens are minted from. */
  key = parse (sy_credential_get_refresh_token (c));
  g_assert_cmpstr (json_object_get_string_member (key, "private_key_id"), ==, "k1");
  g_assert_cmpstr (name, ==, "vertex-P-my-proj.json");
  assert_both_ways (vertex_file, c);
}

static void
assert_refused (const char *text,
                GQuark      domain,
                int         code,
                const char *words)
{
  g_autoptr(JsonObject) file = parse (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) c = sy_auth_file_to_credential (file, "f.json", NULL, &error);

  g_assert_null (c);
  g_assert_error (error, domain, code);
  if (strstr (error->message, words) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, words);
}

static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;

  assert_refused ("{\"type\":\"qwen\",\"access_token\":\"q\",\"email\":\"a\"}",
                  SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, "discontinued");
  assert_refused ("{\"type\":\"iflow\",\"access_token\":\"i\",\"api_key\":\"k\"}",
                  SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, "discontinued");
  assert_refused ("{\"type\":\"aistudio\"}", SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, "relay");
  assert_refused ("{\"type\":\"mystery\",\"access_token\":\"m\"}",
                  SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED, "mystery");
  assert_refused ("{\"access_token\":\"m\"}", SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID, "type");
  assert_refused ("{\"type\":\"claude\",\"email\":\"a@b\",\"access_token\":\"\"}",
                  SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID, "no access or refresh token");
  assert_refused ("{\"type\":\"vertex\",\"project_id\":\"p\"}",
                  SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID, "service_account");
  g_assert_null (sy_auth_file_parse ("[1,2]", -1, &error));
  g_assert_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sy_auth_file_parse ("{\"type\":", -1, &error));
  g_assert_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_INVALID);

  /* xAI logins have no CLIProxyAPI file. */
  g_clear_error (&error);
  {
    g_autoptr(SyCredential) xai = sy_credential_new ("xai", "x@example.com", NULL);

    g_assert_null (sy_auth_file_from_credential (xai, NULL, &error));
    g_assert_error (error, SY_AUTH_FILE_ERROR, SY_AUTH_FILE_ERROR_UNSUPPORTED);
    g_assert_null (sy_auth_file_name (xai));
    g_assert_null (sy_auth_file_type_for ("xai"));
    g_assert_cmpstr (sy_auth_file_type_for ("gemini-cli"), ==, "gemini");
  }
}

/* Every accepted expiry key, at the top and in "token", in every format. */
static void
test_expiry_keys (void)
{
  static const char * const keys[] = { "expired", "expire", "expires_at", "expiresAt", "expiry", "expires" };
  static const char * const values[] = { "\"2026-04-14T10:00:00Z\"", "1776160800", "1776160800000", "\"1776160800\"" };
  gint64 want = time_of ("2026-04-14T10:00:00Z");

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    for (guint v = 0; v < G_N_ELEMENTS (values); v++)
      {
        g_autofree char *top = g_strdup_printf ("{\"type\":\"claude\",\"email\":\"a@b\",\"access_token\":\"x\",\"%s\":%s}",
                                                keys[k], values[v]);
        g_autofree char *nested = g_strdup_printf ("{\"type\":\"claude\",\"email\":\"a@b\",\"access_token\":\"x\","
                                                   "\"token\":{\"%s\":%s}}", keys[k], values[v]);
        g_autoptr(SyCredential) a = load_credential (top, "a.json");
        g_autoptr(SyCredential) b = load_credential (nested, "b.json");

        g_assert_cmpint (sy_credential_get_expires (a), ==, want);
        g_assert_cmpint (sy_credential_get_expires (b), ==, want);
      }
  /* The first key of the list wins. */
  {
    g_autoptr(SyCredential) c = load_credential ("{\"type\":\"claude\",\"email\":\"a@b\",\"access_token\":\"x\","
                                                 "\"expires\":1,\"expired\":\"2026-04-14T10:00:00Z\"}", "c.json");

    g_assert_cmpint (sy_credential_get_expires (c), ==, want);
  }
  /* Last refresh under its other names. */
  {
    g_autoptr(SyCredential) c = load_credential ("{\"type\":\"claude\",\"email\":\"a@b\",\"access_token\":\"x\","
                                                 "\"lastRefreshedAt\":1776160800}", "d.json");

    g_assert_cmpint (sy_credential_get_last_refresh (c), ==, want);
  }
}

static void
test_knobs (void)
{
  g_autoptr(SyCredential) c = load_credential (
    "{\"type\":\"claude\",\"email\":\"k@example.com\",\"access_token\":\"a\",\"prefix\":\" /team-a/ \","
    "\"priority\":\"7\",\"disabled\":true,\"excluded-models\":[\"claude-3-*\",\" \",\"*-haiku\"],"
    "\"label\":\"Work\"}", "k.json");
  g_autoptr(SyCredential) slashed = load_credential (
    "{\"type\":\"claude\",\"email\":\"s@example.com\",\"access_token\":\"a\",\"prefix\":\"a/b\",\"priority\":3}",
    "s.json");
  g_autoptr(JsonObject) out = NULL;
  JsonArray *excluded;

  g_assert_cmpstr (sy_credential_get_prefix (c), ==, "team-a");
  g_assert_cmpint (sy_credential_get_priority (c), ==, 7);
  g_assert_false (sy_credential_get_enabled (c));
  g_assert_cmpstr (sy_credential_get_extra (c, "excluded_models"), ==, "claude-3-*\n*-haiku");
  g_assert_cmpstr (sy_credential_get_label (c), ==, "Work");
  g_assert_null (sy_credential_get_prefix (slashed));
  g_assert_cmpint (sy_credential_get_priority (slashed), ==, 3);
  g_assert_true (sy_credential_get_enabled (slashed));

  /* Exported, the knobs are written as CLIProxyAPI reads them. */
  out = sy_auth_file_from_credential (c, NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (out, "prefix"), ==, "team-a");
  g_assert_cmpint (json_object_get_int_member (out, "priority"), ==, 7);
  g_assert_true (json_object_get_boolean_member (out, "disabled"));
  excluded = json_object_get_array_member (out, "excluded_models");
  g_assert_cmpuint (json_array_get_length (excluded), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (excluded, 1), ==, "*-haiku");
  g_clear_pointer (&out, json_object_unref);

  /* Defaults are not written. */
  out = sy_auth_file_from_credential (slashed, NULL, NULL);
  g_assert_false (json_object_has_member (out, "prefix"));
  g_assert_false (json_object_has_member (out, "disabled"));
  g_assert_cmpint (json_object_get_int_member (out, "priority"), ==, 3);
}

/* A rewrite keeps what Switchyard does not know, in its place and format. */
static void
test_unknown_keys (void)
{
  static const char text[] =
    "{\"note\":\"shared laptop\",\"type\":\"claude\",\"proxy_url\":\"socks5://127.0.0.1:1080\","
    "\"email\":\"u@example.com\",\"access_token\":\"old-access\",\"refresh_token\":\"old-refresh\","
    "\"headers\":{\"X-Team\":\"blue\"},\"priority\":\"5\",\"expires_at\":1776160800000,"
    "\"custom\":{\"list\":[1,2.5,\"three\",null],\"flag\":false},\"websockets\":true}";
  g_autoptr(JsonObject) original = parse (text);
  g_autoptr(SyCredential) c = load_credential (text, "u.json");
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(GList) in_names = json_object_get_members (original);
  g_autoptr(GList) out_names = NULL;
  gint64 expires = time_of ("2026-05-01T00:00:00Z");
  GList *l;
  GList *m;

  g_assert_cmpint (sy_credential_get_expires (c), ==, time_of ("2026-04-14T10:00:00Z"));
  sy_credential_set_tokens (c, "new-access", "new-refresh", NULL, expires, time_of ("2026-04-30T16:00:00Z"));
  out = sy_auth_file_from_credential (c, original, NULL);
  out_names = json_object_get_members (out);

  /* The file's keys first, in their order; the new ones after. */
  for (l = in_names, m = out_names; l != NULL; l = l->next, m = m->next)
    g_assert_cmpstr (m->data, ==, l->data);
  for (; m != NULL; m = m->next)
    g_assert_true (g_str_equal (m->data, "id_token") || g_str_equal (m->data, "last_refresh") ||
                   g_str_equal (m->data, "expired"));

  for (l = in_names; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "access_token") && !g_str_equal (l->data, "refresh_token") &&
        !g_str_equal (l->data, "expires_at"))
      g_assert_true (json_node_equal (json_object_get_member (original, l->data),
                                      json_object_get_member (out, l->data)));
  g_assert_cmpstr (json_object_get_string_member (out, "access_token"), ==, "new-access");
  g_assert_cmpstr (json_object_get_string_member (out, "refresh_token"), ==, "new-refresh");
  /* The file's own expiry key keeps its format (milliseconds). */
  g_assert_cmpint (json_object_get_int_member (out, "expires_at"), ==, expires / 1000);
  g_assert_cmpint (sy_auth_file_parse_time (json_object_get_member (out, "expired")), ==, expires);
  g_assert_cmpstr (json_object_get_string_member (out, "priority"), ==, "5");

  /* And it reads back as the same login with the new tokens. */
  {
    g_autofree char *data = sy_auth_file_to_data (out, NULL);
    g_autoptr(SyCredential) back = load_credential (data, "u.json");

    g_assert_cmpstr (sy_credential_get_id (back), ==, sy_credential_get_id (c));
    g_assert_cmpstr (sy_credential_get_access_token (back), ==, "new-access");
    g_assert_cmpint (sy_credential_get_expires (back), ==, expires);
  }
}

/* ------------------------------------------------------------------ import, export */

typedef struct
{
  char         *dir;
  char         *src;
  char         *record;
  SyTokenStore *store;
  SyLogins     *logins;
} Store;

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static char *
read_text (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  return text;
}

static guint
file_mode (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static SyLogins *
logins_load (SyTokenStore *store,
             const char   *path)
{
  g_autoptr(SyLogins) logins = sy_logins_new (store, path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_logins_load_async (logins, NULL, sync_got_result, &result);
  g_assert_true (sy_logins_load_finish (logins, sync_wait (&result), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&logins);
}

static void
store_setup (Store         *s,
             gconstpointer  data)
{
  g_autofree char *tokens = NULL;
  g_autofree char *accounts = NULL;

  s->dir = g_dir_make_tmp ("sy-auth-files-XXXXXX", NULL);
  s->src = g_build_filename (s->dir, "cli-proxy-api", NULL);
  s->record = g_build_filename (s->dir, "imported-auth.json", NULL);
  g_assert_cmpint (g_mkdir (s->src, 0700), ==, 0);
  tokens = g_build_filename (s->dir, "tokens", NULL);
  accounts = g_build_filename (s->dir, "accounts.json", NULL);
  s->store = store_new_open (SY_TOKEN_STORE_FILE, tokens);
  g_assert_cmpstr (sy_token_store_get_backend (s->store), ==, "file");
  s->logins = logins_load (s->store, accounts);
}

static void
store_teardown (Store         *s,
                gconstpointer  data)
{
  g_clear_object (&s->logins);
  g_clear_object (&s->store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->src);
  g_free (s->record);
}

static GPtrArray *
import (Store *s)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *results;

  sy_auth_import_async (s->logins, s->src, s->record, NULL, sync_got_result, &result);
  results = sy_auth_import_finish (s->logins, sync_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  return results;
}

static SyAuthFileResult *
result_for (GPtrArray  *results,
            const char *file)
{
  for (guint i = 0; i < results->len; i++)
    {
      SyAuthFileResult *r = g_ptr_array_index (results, i);

      if (g_strcmp0 (r->file, file) == 0)
        return r;
    }
  g_error ("no result for %s", file);
  return NULL;
}

static char *
list_dir (const char *path)
{
  g_autoptr(GPtrArray) names = sy_auth_file_list (path, NULL);
  g_autoptr(GString) all = g_string_new (NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (!g_str_has_suffix (name, ".json"))
      g_string_append_printf (all, "%s ", name);
  for (guint i = 0; names != NULL && i < names->len; i++)
    g_string_append_printf (all, "%s ", (const char *) g_ptr_array_index (names, i));
  return g_string_free (g_steal_pointer (&all), FALSE);
}

static void
remove_login (SyLogins   *logins,
              const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_logins_remove_async (logins, id, NULL, sync_got_result, &result);
  g_assert_true (sy_logins_remove_finish (logins, sync_wait (&result), &error));
  g_assert_no_error (error);
}

static void
save_login (SyLogins     *logins,
            SyCredential *credential,
            gboolean      add)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (add)
    {
      sy_logins_add_async (logins, credential, NULL, sync_got_result, &result);
      g_assert_true (sy_logins_add_finish (logins, sync_wait (&result), &error));
    }
  else
    {
      sy_logins_save_async (logins, credential, NULL, sync_got_result, &result);
      g_assert_true (sy_logins_save_finish (logins, sync_wait (&result), &error));
    }
  g_assert_no_error (error);
}

static void
fill_source (Store *s)
{
  g_autofree char *codex = codex_file ("plus");
  g_autoptr(JsonObject) claude = parse (claude_file);
  g_autofree char *claude_text = NULL;

  json_object_set_string_member (claude, "proxy_url", "http://127.0.0.1:3128");
  claude_text = sy_auth_file_to_data (claude, NULL);
  write_text (s->src, "claude-me@example.com.json", claude_text);
  write_text (s->src, "codex-me@example.com-plus.json", codex);
  write_text (s->src, "qwen-me.json", "{\"type\":\"qwen\",\"access_token\":\"q\",\"email\":\"me\"}");
  write_text (s->src, "broken.json", "{\"type\":\"claude\",");
  write_text (s->src, "README.txt", "not an auth file");
}

static void
test_import (Store         *s,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autofree char *before = NULL;
  g_autofree char *claude_before = NULL;
  g_autofree char *listing_before = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *record = NULL;
  g_autofree char *claude_sha = NULL;
  g_autofree char *claude_id = NULL;
  g_autofree char *codex_id = NULL;
  SyAuthFileResult *r;

  fill_source (s);
  claude_before = read_text (s->src, "claude-me@example.com.json");
  listing_before = list_dir (s->src);
  claude_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, claude_before, -1);

  first = import (s);
  g_assert_cmpuint (first->len, ==, 4);    /* the *.json files only */
  r = result_for (first, "claude-me@example.com.json");
  g_assert_null (r->skipped);
  g_assert_true (g_str_has_prefix (r->id, "claude:"));
  g_assert_cmpstr (r->dropped, ==, "proxy_url");
  claude_id = g_strdup (r->id);
  r = result_for (first, "codex-me@example.com-plus.json");
  g_assert_null (r->skipped);
  codex_id = g_strdup (r->id);
  r = result_for (first, "qwen-me.json");
  g_assert_null (r->id);
  g_assert_nonnull (strstr (r->skipped, "discontinued"));
  r = result_for (first, "broken.json");
  g_assert_nonnull (strstr (r->skipped, "not JSON"));
  g_assert_cmpuint (sy_logins_get_all (s->logins)->len, ==, 2);

  /* The originals are untouched, nothing was added beside them. */
  before = read_text (s->src, "claude-me@example.com.json");
  g_assert_cmpstr (before, ==, claude_before);
  {
    g_autofree char *listing = list_dir (s->src);

    g_assert_cmpstr (listing, ==, listing_before);
  }

  /* Who in accounts.json, tokens only in the store (read back anew). */
  accounts = read_text (s->dir, "accounts.json");
  g_assert_nonnull (strstr (accounts, "me@example.com"));
  g_assert_nonnull (strstr (accounts, "\"plus\""));
  g_assert_null (strstr (accounts, "sk-ant-"));
  g_assert_null (strstr (accounts, "rt_abc"));
  {
    g_autofree char *path = g_build_filename (s->dir, "accounts.json", NULL);
    g_autoptr(SyLogins) again = logins_load (s->store, path);
    SyCredential *c = sy_logins_lookup (again, claude_id);

    g_assert_nonnull (c);
    g_assert_cmpstr (sy_credential_get_access_token (c), ==, "sk-ant-oat01-abc");
    g_assert_cmpstr (sy_credential_get_refresh_token (c), ==, "sk-ant-ort01-def");
    g_assert_cmpint (sy_credential_get_expires (c), ==, time_of ("2026-04-14T10:00:00Z"));
    c = sy_logins_lookup (again, codex_id);
    g_assert_cmpstr (sy_credential_get_refresh_token (c), ==, "rt_abc");
    g_assert_cmpstr (sy_credential_get_extra (c, "account_id"), ==, "a1b2c3d4-0000");
  }

  /* The record: file, SHA-256, login; 0600. */
  record = read_text (s->dir, "imported-auth.json");
  g_assert_nonnull (record);
  g_assert_nonnull (strstr (record, claude_sha));
  g_assert_nonnull (strstr (record, claude_id));
  g_assert_nonnull (strstr (record, "claude-me@example.com.json"));
  g_assert_cmpuint (file_mode (s->dir, "imported-auth.json"), ==, 0600);

  /* Twice: already imported, nothing replaced. */
  {
    SyCredential *c = sy_logins_lookup (s->logins, claude_id);

    /* The login was renewed since: a second import must not undo that. */
    sy_credential_set_tokens (c, "sk-ant-oat01-renewed", "sk-ant-ort01-renewed", NULL,
                              g_get_real_time () + (gint64) G_USEC_PER_SEC * 3600, g_get_real_time ());
    save_login (s->logins, c, FALSE);
  }
  second = import (s);
  r = result_for (second, "claude-me@example.com.json");
  g_assert_true (r->already);
  g_assert_cmpstr (r->id, ==, claude_id);
  g_assert_nonnull (strstr (r->skipped, "already imported"));
  g_assert_true (result_for (second, "codex-me@example.com-plus.json")->already);
  g_assert_false (result_for (second, "qwen-me.json")->already);
  g_assert_cmpstr (sy_credential_get_access_token (sy_logins_lookup (s->logins, claude_id)), ==,
                   "sk-ant-oat01-renewed");
  g_clear_pointer (&second, g_ptr_array_unref);

  /* A changed file of the same account, older than the login: left out. */
  {
    g_autoptr(JsonObject) claude = parse (claude_file);
    g_autofree char *text = NULL;

    json_object_set_string_member (claude, "access_token", "sk-ant-oat01-stale");
    text = sy_auth_file_to_data (claude, NULL);
    write_text (s->src, "claude-me@example.com.json", text);
    second = import (s);
    r = result_for (second, "claude-me@example.com.json");
    g_assert_false (r->already);
    g_assert_nonnull (strstr (r->skipped, "newer tokens"));
    g_assert_cmpstr (sy_credential_get_access_token (sy_logins_lookup (s->logins, claude_id)), ==,
                     "sk-ant-oat01-renewed");
    g_clear_pointer (&second, g_ptr_array_unref);
    write_text (s->src, "claude-me@example.com.json", claude_before);
  }

  /* Signed in to the same account another way (a sign-in keys Claude by
   * account uuid): the file replaces that login rather than adding one. */
  {
    g_autoptr(SyCredential) signed_in = sy_credential_new ("claude", "me@example.com", "acct-uuid-1");
    g_autofree char *signed_in_id = g_strdup (sy_credential_get_id (signed_in));

    remove_login (s->logins, claude_id);
    g_assert_cmpstr (signed_in_id, !=, claude_id);
    sy_credential_set_tokens (signed_in, "sk-ant-oat01-browser", "sk-ant-ort01-browser", NULL,
                              time_of ("2026-04-01T00:00:00Z"), time_of ("2026-03-31T16:00:00Z"));
    save_login (s->logins, signed_in, TRUE);
    second = import (s);
    r = result_for (second, "claude-me@example.com.json");
    g_assert_null (r->skipped);
    g_assert_cmpstr (r->id, ==, signed_in_id);
    g_assert_cmpuint (sy_logins_get_all (s->logins)->len, ==, 2);
    g_assert_cmpstr (sy_credential_get_access_token (sy_logins_lookup (s->logins, signed_in_id)), ==,
                     "sk-ant-oat01-abc");
    g_clear_pointer (&second, g_ptr_array_unref);
    remove_login (s->logins, signed_in_id);
  }

  /* Signed out since (just above): the same file imports again. */
  second = import (s);
  r = result_for (second, "claude-me@example.com.json");
  g_assert_null (r->skipped);
  g_assert_cmpstr (r->id, ==, claude_id);
  g_assert_cmpstr (sy_credential_get_access_token (sy_logins_lookup (s->logins, claude_id)), ==,
                   "sk-ant-oat01-abc");
}

static void
test_export (Store         *s,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) imported = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCredential) xai = sy_credential_new ("xai", "x@example.com", NULL);
  g_autofree char *out = g_build_filename (s->dir, "export", "auth", NULL);
  g_autofree char *claude_text = NULL;
  g_autoptr(GPtrArray) files = NULL;
  SyAuthFileResult *r;
  GStatBuf st;

  fill_source (s);
  imported = import (s);
  sy_credential_set_tokens (xai, "xai-access", "xai-refresh", NULL, 0, 0);
  save_login (s->logins, xai, TRUE);

  results = sy_auth_export (sy_logins_get_all (s->logins), out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);
  r = g_ptr_array_index (results, 0);
  g_assert_cmpstr (r->file, ==, "claude-me@example.com.json");
  g_assert_null (r->skipped);
  r = g_ptr_array_index (results, 1);
  g_assert_cmpstr (r->file, ==, "codex-me@example.com-plus.json");
  r = g_ptr_array_index (results, 2);
  g_assert_null (r->file);
  g_assert_cmpstr (r->id, ==, sy_credential_get_id (xai));
  g_assert_nonnull (strstr (r->skipped, "no files for xai"));

  /* Private: the directory 0700, every file 0600. */
  g_assert_cmpint (g_stat (out, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);
  files = sy_auth_file_list (out, NULL);
  g_assert_cmpuint (files->len, ==, 2);
  g_assert_cmpuint (file_mode (out, "claude-me@example.com.json"), ==, 0600);
  g_assert_cmpuint (file_mode (out, "codex-me@example.com-plus.json"), ==, 0600);

  /* What CLIProxyAPI wrote in the first place, tokens from the store. */
  claude_text = read_text (out, "claude-me@example.com.json");
  {
    g_autoptr(JsonObject) golden = parse (claude_file);
    g_autoptr(JsonObject) written = parse (claude_text);
    g_autofree char *codex_golden_text = codex_file ("plus");
    g_autofree char *codex_text = read_text (out, "codex-me@example.com-plus.json");
    g_autoptr(JsonObject) codex_golden = parse (codex_golden_text);
    g_autoptr(JsonObject) codex_written = parse (codex_text);

    assert_same_file (golden, written);
    assert_same_file (codex_golden, codex_written);
  }

  /* Exported again over a file someone added a key to: the key stays. */
  {
    g_autoptr(JsonObject) written = parse (claude_text);
    g_autoptr(GPtrArray) again = NULL;
    g_autofree char *text = NULL;
    g_autofree char *after = NULL;
    g_autoptr(JsonObject) reread = NULL;

    json_object_set_string_member (written, "note", "laptop");
    text = sy_auth_file_to_data (written, NULL);
    write_text (out, "claude-me@example.com.json", text);
    g_chmod (out, 0755);
    again = sy_auth_export (sy_logins_get_all (s->logins), out, &error);
    g_assert_no_error (error);
    after = read_text (out, "claude-me@example.com.json");
    reread = parse (after);
    g_assert_cmpstr (json_object_get_string_member (reread, "note"), ==, "laptop");
    g_assert_cmpstr (json_object_get_string_member (reread, "access_token"), ==, "sk-ant-oat01-abc");
    g_assert_cmpuint (file_mode (out, "claude-me@example.com.json"), ==, 0600);
  }
}

/* The command line, end to end: --import-auth twice, then --export-auth. */
static void
test_cli (Store         *s,
          gconstpointer  data)
{
  const char *binary = g_getenv ("SY_BINARY");
  g_autofree char *config = g_build_filename (s->dir, "config.yaml", NULL);
  g_autofree char *out = g_build_filename (s->dir, "out", NULL);
  g_autofree char *xdg = g_build_filename (s->dir, "xdg", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;

  if (binary == NULL)
    {
      g_test_skip ("SY_BINARY is not set");
      return;
    }
  fill_source (s);
  /* The imported tokens expired long ago: any renewal they set off must
   * stay on this machine (nothing listens on port 1). */
  write_text (s->dir, "config.yaml",
              "port: 0\ntoken-store: file\nendpoints:\n"
              "  claude: {auth: \"http://127.0.0.1:1\", api: \"http://127.0.0.1:1\"}\n"
              "  codex: {auth: \"http://127.0.0.1:1\", api: \"http://127.0.0.1:1\"}\n");
  env = g_environ_setenv (env, "XDG_DATA_HOME", xdg, TRUE);
  env = g_environ_setenv (env, "XDG_STATE_HOME", xdg, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", xdg, TRUE);

  for (guint run = 0; run < 3; run++)
    {
      const char *argv[] = { binary, "--config", config, run < 2 ? "--import-auth" : "--export-auth",
                             run < 2 ? s->src : out, NULL };
      g_autofree char *std_out = NULL;
      g_autofree char *std_err = NULL;
      int status = -1;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                                   &std_out, &std_err, &status, &error));
      g_assert_no_error (error);
      g_test_message ("run %u:\n%s%s", run, std_out, std_err);
      g_assert_true (g_spawn_check_wait_status (status, &error));
      if (run == 0)
        {
          g_assert_nonnull (strstr (std_out, "imported  claude-me@example.com.json as claude:"));
          g_assert_nonnull (strstr (std_out, "skipped   qwen-me.json: discontinued"));
          g_assert_nonnull (strstr (std_out, "2 imported, 2 skipped"));
          g_assert_nonnull (strstr (std_out, "proxy_url"));
        }
      else if (run == 1)
        {
          g_assert_nonnull (strstr (std_out, "skipped   claude-me@example.com.json: already imported"));
          g_assert_nonnull (strstr (std_out, "0 imported, 4 skipped"));
        }
      else
        {
          g_assert_nonnull (strstr (std_err, "plain text"));
          g_assert_nonnull (strstr (std_out, "2 of 2 logins exported"));
          g_assert_cmpuint (file_mode (out, "claude-me@example.com.json"), ==, 0600);
        }
      g_assert_null (strstr (std_err, "anthropic.com"));
      /* Never a token on the terminal. */
      g_assert_null (strstr (std_out, "sk-ant-"));
      g_assert_null (strstr (std_err, "sk-ant-"));
    }
  g_assert_true (g_file_test (s->record, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *accounts = read_text (s->dir, "accounts.json");

    g_assert_nonnull (strstr (accounts, "me@example.com"));
  }

  /* The exported directory as an auth-dir: listed beside the logins. */
  {
    g_autofree char *yaml = g_strdup_printf ("port: 0\ntoken-store: file\nauth-dir: \"%s\"\nendpoints:\n"
                                             "  claude: {auth: \"http://127.0.0.1:1\", api: \"http://127.0.0.1:1\"}\n",
                                             out);
    const char *argv[] = { binary, "--config", config, "--list-accounts", NULL };
    g_autofree char *std_out = NULL;
    int status = -1;

    write_text (s->dir, "config.yaml", yaml);
    g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                 &std_out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
    g_assert_nonnull (strstr (std_out, "(file claude-me@example.com.json in the auth-dir)"));
    g_assert_nonnull (strstr (std_out, "(file codex-me@example.com-plus.json in the auth-dir)"));
  }
}

/* ------------------------------------------------------------------ auth-dir in place */

typedef struct
{
  FakeUpstream *upstream;
  SyService    *service;
  SyClock      *clock;
  SoupSession  *client;
  char         *dir;
  char         *auth;
  char         *base;
  guint         n_refresh_calls;
  guint         n_changed;
} Live;

/* POST /v1/oauth/token: the fake Claude renews "sk-ant-ort01-dir-1". */
static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Live *f = user_data;
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (req);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  g_autofree char *body = NULL;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "grant_type"), ==, "refresh_token");
  g_assert_cmpstr (json_object_get_string_member (o, "refresh_token"), ==, "sk-ant-ort01-dir-1");
  f->n_refresh_calls++;
  body = g_strdup_printf ("{\"token_type\":\"Bearer\",\"access_token\":\"sk-ant-oat01-renewed-%u\","
                          "\"refresh_token\":\"sk-ant-ort01-renewed-%u\",\"expires_in\":28800}",
                          f->n_refresh_calls, f->n_refresh_calls);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_service_load_logins_finish (SY_SERVICE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
on_dir_changed (SyAuthDir *dir,
                Live      *f)
{
  f->n_changed++;
}

static char *
live_yaml (Live     *f,
           gboolean  with_auth_dir)
{
  const char *url = fake_upstream_get_url (f->upstream);
  g_autofree char *auth_dir = with_auth_dir ? g_strdup_printf ("auth-dir: \"%s\"\n", f->auth) : g_strdup ("");

  return g_strdup_printf ("host: 127.0.0.1\nport: 0\napi-keys: [\"" CLIENT_KEY "\"]\ntoken-store: file\n"
                          "%sendpoints:\n  claude: {auth: \"%s\", api: \"%s\"}\n", auth_dir, url, url);
}

static void
live_setup (Live          *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *tokens = NULL;
  gboolean loaded = FALSE;

  f->dir = g_dir_make_tmp ("sy-auth-dir-XXXXXX", NULL);
  f->auth = g_build_filename (f->dir, "auth", NULL);
  g_assert_cmpint (g_mkdir (f->auth, 0700), ==, 0);
  f->upstream = fake_upstream_new ();
  fake_upstream_add_handler (f->upstream, "/v1/oauth/token", on_token, f);
  f->clock = sy_clock_new_manual (g_get_real_time ());
  /* Straight to 127.0.0.1: no system proxy lookup (libproxy) in the test. */
  f->client = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
  yaml = live_yaml (f, TRUE);
  accounts = g_build_filename (f->dir, "accounts.json", NULL);
  tokens = g_build_filename (f->dir, "tokens", NULL);
  g_string_truncate (all_logs, 0);

  f->service = sy_service_new_from_string (yaml, &error);
  g_assert_no_error (error);
  sy_account_pool_set_clock (SY_ACCOUNT_POOL (sy_service_get_accounts (f->service)), f->clock);
  sy_service_set_login_files (f->service, accounts, tokens);
  sy_service_load_logins_async (f->service, NULL, on_loaded, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (sy_service_get_auth_dir (f->service));
  g_assert_cmpstr (sy_auth_dir_get_path (sy_service_get_auth_dir (f->service)), ==, f->auth);
  sy_auth_dir_set_delay (sy_service_get_auth_dir (f->service), 50);
  g_signal_connect (sy_service_get_auth_dir (f->service), "changed", G_CALLBACK (on_dir_changed), f);
  g_assert_true (sy_service_start (f->service, &error));
  f->base = sy_service_dup_url (f->service);
}

static void
live_teardown (Live          *f,
               gconstpointer  data)
{
  sy_service_stop (f->service);
  g_clear_object (&f->service);
  g_clear_object (&f->client);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_clear_pointer (&f->clock, sy_clock_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->auth);
  g_free (f->base);
}

typedef struct
{
  guint    status;
  gboolean done;
} Reply;

static void
on_reply (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Reply *r = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (body);
  r->status = soup_message_get_status (soup_session_get_async_result_message (SOUP_SESSION (source), result));
  r->done = TRUE;
}

static guint
ask (Live *f)
{
  g_autofree char *url = g_strconcat (f->base, "/v1/chat/completions", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  static const char body[] = "{\"model\":\"claude-sonnet-4-6\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));
  Reply r = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " CLIENT_KEY);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (f->client, msg, G_PRIORITY_DEFAULT, NULL, on_reply, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  return r.status;
}

static void
assert_upstream_bearer (Live       *f,
                        const char *token)
{
  const FakeRequest *last = fake_upstream_get_last (f->upstream);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);

  g_assert_cmpstr (last->path, ==, "/v1/messages");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Authorization"), ==, bearer);
}

/* Spins until @done says so; fails after 10 s. */
static void
wait_until (gboolean (*done) (Live *f),
            Live      *f)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (f))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Lets the watcher see whatever it is going to see. */
static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 400 * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean one_account (Live *f) { return sy_service_get_n_accounts (f->service) == 1; }
static gboolean no_account (Live *f) { return sy_service_get_n_accounts (f->service) == 0; }

static SyCredential *
dir_login (Live *f)
{
  GPtrArray *all = sy_auth_dir_get_all (sy_service_get_auth_dir (f->service));

  return all->len == 1 ? g_ptr_array_index (all, 0) : NULL;
}

static gboolean
second_token_seen (Live *f)
{
  return dir_login (f) != NULL && g_strcmp0 (sy_credential_get_access_token (dir_login (f)), "sk-ant-oat01-dir-2") == 0;
}

static gboolean
written_back (Live *f)
{
  g_autofree char *text = read_text (f->auth, "claude-dir@example.com.json");

  return f->n_refresh_calls == 1 && text != NULL && strstr (text, "sk-ant-oat01-renewed-1") != NULL;
}

static char *
dir_file (gint64      now,
          const char *access)
{
  g_autofree char *expired = sy_auth_file_format_time (now + (gint64) 8 * 3600 * G_USEC_PER_SEC);
  g_autofree char *refreshed = sy_auth_file_format_time (now);

  return g_strdup_printf ("{\"type\":\"claude\",\"email\":\"dir@example.com\",\"access_token\":\"%s\","
                          "\"refresh_token\":\"sk-ant-ort01-dir-1\",\"expired\":\"%s\",\"last_refresh\":\"%s\","
                          "\"note\":\"kept\",\"proxy_url\":\"\",\"custom\":{\"a\":[1,2]}}",
                          access, expired, refreshed);
}

static void
test_auth_dir (Live          *f,
               gconstpointer  data)
{
  gint64 now = g_get_real_time ();
  g_autofree char *first = dir_file (now, "sk-ant-oat01-dir-1");
  g_autofree char *second = dir_file (now, "sk-ant-oat01-dir-2");
  g_autofree char *id = NULL;
  guint changes;

  /* Empty at first: nothing serves the model. */
  g_assert_cmpuint (sy_service_get_n_accounts (f->service), ==, 0);
  g_assert_cmpuint (ask (f), !=, 200);

  /* A file dropped in becomes an account serving requests. */
  write_text (f->auth, "claude-dir@example.com.json", first);
  wait_until (one_account, f);
  id = g_strdup (sy_credential_get_id (dir_login (f)));
  g_assert_cmpstr (sy_auth_dir_get_file (sy_service_get_auth_dir (f->service), dir_login (f)), ==,
                   "claude-dir@example.com.json");
  g_assert_cmpuint (ask (f), ==, 200);
  assert_upstream_bearer (f, "sk-ant-oat01-dir-1");
  /* Its tokens stay in the file: the token store holds no login. */
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (sy_service_get_logins (f->service)))->len, ==, 0);

  /* Written again unchanged: nothing happens. */
  changes = f->n_changed;
  write_text (f->auth, "claude-dir@example.com.json", first);
  settle ();
  g_assert_cmpuint (f->n_changed, ==, changes);

  /* A change is picked up: same login, new token. */
  write_text (f->auth, "claude-dir@example.com.json", second);
  wait_until (second_token_seen, f);
  g_assert_cmpstr (sy_credential_get_id (dir_login (f)), ==, id);
  g_assert_cmpuint (ask (f), ==, 200);
  assert_upstream_bearer (f, "sk-ant-oat01-dir-2");

  /* Four hours before expiry: renewed, and written back into the file. */
  sy_clock_advance (f->clock, (gint64) (4 * 3600 + 5 * 60) * G_USEC_PER_SEC);
  wait_until (written_back, f);
  changes = f->n_changed;
  {
    g_autofree char *text = read_text (f->auth, "claude-dir@example.com.json");
    g_autoptr(JsonObject) file = parse (text);
    g_autoptr(JsonObject) custom = parse ("{\"a\":[1,2]}");
    g_autoptr(JsonNode) custom_node = json_node_init_object (json_node_alloc (), custom);
    g_autofree char *listing = list_dir (f->auth);
    gint64 expires = sy_auth_file_parse_time (json_object_get_member (file, "expired"));

    g_assert_cmpstr (json_object_get_string_member (file, "access_token"), ==, "sk-ant-oat01-renewed-1");
    g_assert_cmpstr (json_object_get_string_member (file, "refresh_token"), ==, "sk-ant-ort01-renewed-1");
    g_assert_cmpstr (json_object_get_string_member (file, "type"), ==, "claude");
    g_assert_cmpstr (json_object_get_string_member (file, "email"), ==, "dir@example.com");
    g_assert_cmpstr (json_object_get_string_member (file, "note"), ==, "kept");
    g_assert_cmpstr (json_object_get_string_member (file, "proxy_url"), ==, "");
    g_assert_true (json_node_equal (json_object_get_member (file, "custom"), custom_node));
    g_assert_cmpint (expires, >, g_get_real_time () + (gint64) 7 * 3600 * G_USEC_PER_SEC);
    g_assert_cmpuint (file_mode (f->auth, "claude-dir@example.com.json"), ==, 0600);
    /* The same file, nothing beside it. */
    g_assert_cmpstr (listing, ==, "claude-dir@example.com.json ");
  }
  /* Our own write is not news to the watcher. */
  settle ();
  g_assert_cmpuint (f->n_changed, ==, changes);
  g_assert_cmpuint (ask (f), ==, 200);
  assert_upstream_bearer (f, "sk-ant-oat01-renewed-1");
  g_assert_cmpuint (sy_logins_get_all (SY_LOGINS (sy_service_get_logins (f->service)))->len, ==, 0);
  {
    g_autofree char *accounts = read_text (f->dir, "accounts.json");

    g_assert_true (accounts == NULL || strstr (accounts, "sk-ant-") == NULL);
  }

  /* Deleted: the account goes. */
  {
    g_autofree char *path = g_build_filename (f->auth, "claude-dir@example.com.json", NULL);

    g_assert_cmpint (g_unlink (path), ==, 0);
  }
  wait_until (no_account, f);
  g_assert_cmpuint (ask (f), !=, 200);

  /* No token in any log line. */
  g_assert_null (strstr (all_logs->str, "sk-ant-oat01"));
  g_assert_null (strstr (all_logs->str, "sk-ant-ort01"));
}

static gboolean
qwen_skipped (Live *f)
{
  return g_hash_table_contains (sy_auth_dir_get_skipped (sy_service_get_auth_dir (f->service)), "qwen-a.json");
}

/* Unusable files are listed with the reason; a disabled one loads unused. */
static void
test_auth_dir_skipped (Live          *f,
                       gconstpointer  data)
{
  SyAuthDir *dir = sy_service_get_auth_dir (f->service);
  static const char disabled[] =
    "{\"type\":\"claude\",\"email\":\"off@example.com\",\"access_token\":\"sk-ant-oat01-off\",\"disabled\":true}";

  g_test_expect_message ("sy-auth", G_LOG_LEVEL_WARNING, "auth-dir: qwen-a.json left out: discontinued: *");
  write_text (f->auth, "qwen-a.json", "{\"type\":\"qwen\",\"access_token\":\"q\"}");
  wait_until (qwen_skipped, f);
  g_test_assert_expected_messages ();
  write_text (f->auth, "claude-off@example.com.json", disabled);
  wait_until (one_account, f);
  g_assert_false (sy_credential_get_enabled (dir_login (f)));
  g_assert_nonnull (strstr (g_hash_table_lookup (sy_auth_dir_get_skipped (dir), "qwen-a.json"), "discontinued"));
  g_assert_cmpuint (ask (f), !=, 200);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, 0);
}

/* A reload that drops auth-dir drops its logins; naming it again brings
 * them back. */
static void
test_auth_dir_reload (Live          *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = dir_file (g_get_real_time (), "sk-ant-oat01-dir-1");
  g_autofree char *without = live_yaml (f, FALSE);
  g_autofree char *with = live_yaml (f, TRUE);

  write_text (f->auth, "claude-dir@example.com.json", text);
  wait_until (one_account, f);
  g_assert_true (sy_service_load_string (f->service, without, &error));
  g_assert_no_error (error);
  g_assert_null (sy_service_get_auth_dir (f->service));
  g_assert_cmpuint (sy_service_get_n_accounts (f->service), ==, 0);
  g_assert_cmpuint (ask (f), !=, 200);
  g_assert_true (sy_service_load_string (f->service, with, &error));
  g_assert_no_error (error);
  g_assert_nonnull (sy_service_get_auth_dir (f->service));
  g_assert_cmpuint (sy_service_get_n_accounts (f->service), ==, 1);
  g_assert_cmpuint (ask (f), ==, 200);
  assert_upstream_bearer (f, "sk-ant-oat01-dir-1");
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus (the token store is its file), times in UTC. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  g_setenv ("XDG_RUNTIME_DIR", NO_RUNTIME_DIR, TRUE);
  g_setenv ("TZ", "UTC", TRUE);
  g_unsetenv ("SWITCHYARD_MASTER_KEY");
  all_logs = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/auth-files/times", test_times);
  g_test_add_func ("/auth-files/claude", test_claude);
  g_test_add_func ("/auth-files/codex", test_codex);
  g_test_add_func ("/auth-files/gemini", test_gemini);
  g_test_add_func ("/auth-files/antigravity", test_antigravity);
  g_test_add_func ("/auth-files/kimi", test_kimi);
  g_test_add_func ("/auth-files/answer-expiry", test_answer_expiry);
  g_test_add_func ("/auth-files/vertex", test_vertex);
  g_test_add_func ("/auth-files/refused", test_refused);
  g_test_add_func ("/auth-files/expiry-keys", test_expiry_keys);
  g_test_add_func ("/auth-files/knobs", test_knobs);
  g_test_add_func ("/auth-files/unknown-keys", test_unknown_keys);
  g_test_add ("/auth-files/import", Store, NULL, store_setup, test_import, store_teardown);
  g_test_add ("/auth-files/export", Store, NULL, store_setup, test_export, store_teardown);
  g_test_add ("/auth-files/cli", Store, NULL, store_setup, test_cli, store_teardown);
  g_test_add ("/auth-files/auth-dir", Live, NULL, live_setup, test_auth_dir, live_teardown);
  g_test_add ("/auth-files/auth-dir-skipped", Live, NULL, live_setup, test_auth_dir_skipped, live_teardown);
  g_test_add ("/auth-files/auth-dir-reload", Live, NULL, live_setup, test_auth_dir_reload, live_teardown);

  return g_test_run ();
}
