/* test-config-edit.c: in-place edits of config.yaml and the atomic write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-config-edit"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "sy-config.h"
#include "sy-config-edit.h"
#include "sy-core-error.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  if (text == NULL)
    return NULL;
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static SyConfig *
load (const char *text)
{
  g_autoptr(GError) error = NULL;
  SyConfig *cfg = sy_config_new_from_data (text, -1, "edited.yaml", &error);

  if (error != NULL)
    g_test_message ("text:\n%s", text);
  g_assert_no_error (error);
  return cfg;
}

/* The document @text loads to, with @path set to @value (removed when
 * NULL) the way the test expects, computed on JSON alone. */
static JsonNode *
expected_root (const char  *text,
               char       **path,
               JsonNode    *value)
{
  g_autoptr(SyConfig) cfg = load (text);
  g_autofree char *serialised = json_to_string (cfg->root, FALSE);
  JsonNode *root = parse_json (serialised);
  JsonNode *node = root;

  for (guint i = 0; path[i] != NULL; i++)
    {
      JsonObject *object = json_node_get_object (node);
      JsonNode *child;

      if (path[i + 1] == NULL)
        {
          if (value != NULL)
            json_object_set_member (object, path[i], json_node_copy (value));
          else if (json_object_has_member (object, path[i]))
            json_object_remove_member (object, path[i]);
          break;
        }
      child = json_object_get_member (object, path[i]);
      if (child == NULL || JSON_NODE_HOLDS_NULL (child))
        {
          if (value == NULL)
            break;
          json_object_set_object_member (object, path[i], json_object_new ());
          child = json_object_get_member (object, path[i]);
        }
      g_assert_true (JSON_NODE_HOLDS_OBJECT (child));
      node = child;
    }
  return root;
}

/* Every whole-line comment of @before is a line of @after. */
static void
assert_comments_kept (const char *before,
                      const char *after)
{
  g_auto(GStrv) lines = g_strsplit (before, "\n", -1);
  g_auto(GStrv) after_lines = g_strsplit (after, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *p = lines[i] + strspn (lines[i], " ");

      if (*p != '#')
        continue;
      if (!g_strv_contains ((const char * const *) after_lines, lines[i]))
        g_error ("comment line '%s' lost in:\n%s", lines[i], after);
    }
}

static void
assert_json_equal (JsonNode *expected,
                   JsonNode *actual)
{
  if (expected == NULL || actual == NULL || !json_node_equal (expected, actual))
    {
      g_autofree char *e = expected ? json_to_string (expected, TRUE) : g_strdup ("(none)");
      g_autofree char *a = actual ? json_to_string (actual, TRUE) : g_strdup ("(none)");

      g_error ("expected %s\ngot %s", e, a);
    }
}

/* Applies the edit and checks what the result reads back as: the value at
 * @dotted is @value_json (absent for NULL), the rest of the document is
 * unchanged, and (when @comments) every comment line is still there. */
static char *
edit_checked (const char *text,
              const char *dotted,
              const char *value_json,
              gboolean    comments)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) path = g_strsplit (dotted, ".", -1);
  g_autoptr(JsonNode) value = parse_json (value_json);
  g_autoptr(SyConfig) cfg = NULL;
  g_autoptr(JsonNode) expected = NULL;
  char *result;
  JsonNode *node;

  result = sy_config_edit_set (text, (const char * const *) path, value, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  cfg = load (result);
  node = sy_config_lookup (cfg, dotted);
  if (value != NULL)
    assert_json_equal (value, node);
  else
    g_assert_null (node);

  expected = expected_root (text, path, value);
  assert_json_equal (expected, cfg->root);
  if (comments)
    assert_comments_kept (text, result);
  return result;
}

static char *
edit_ok (const char *text,
         const char *dotted,
         const char *value_json)
{
  return edit_checked (text, dotted, value_json, TRUE);
}

static void
edit_fails (const char *text,
            const char *dotted,
            const char *value_json,
            int         code)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) path = g_strsplit (dotted, ".", -1);
  g_autoptr(JsonNode) value = parse_json (value_json);
  g_autofree char *result = sy_config_edit_set (text, (const char * const *) path, value, &error);

  g_assert_error (error, SY_CORE_ERROR, code);
  g_assert_null (result);
}

/* @text with @from replaced by @to (once, and it must be there) */
static char *
replace_once (const char *text,
              const char *from,
              const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  g_assert_null (strstr (at + 1, from));
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sy-test-config-edit-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static guint
count_entries (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static char *
data_path (const char *name)
{
  const char *dir = g_getenv ("SY_TEST_DATA");

  if (dir != NULL)
    return g_build_filename (dir, "config", name, NULL);
  else
    {
      g_autofree char *srcdir = g_path_get_dirname (__FILE__);

      return g_build_filename (srcdir, "data", "config", name, NULL);
    }
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */

static void
test_scalar_keeps_comment (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  a = edit_ok ("# head\nport: 8317  # the port\nhost: x\n", "port", "9000");
  g_assert_cmpstr (a, ==, "# head\nport: 9000  # the port\nhost: x\n");

  /* nested, quoted before: the new value is plain when it can be */
  b = edit_ok ("routing:\n  strategy: \"round-robin\" # how\nport: 1\n",
               "routing.strategy", "\"fill-first\"");
  g_assert_cmpstr (b, ==, "routing:\n  strategy: fill-first # how\nport: 1\n");

  /* an empty value, with and without a comment */
  c = edit_ok ("host:\nproxy-url:   # none yet\n", "proxy-url", "\"socks5://127.0.0.1:1080\"");
  g_assert_cmpstr (c, ==, "host:\nproxy-url: socks5://127.0.0.1:1080   # none yet\n");

  /* a key written in quotes is the same key */
  d = edit_ok ("\"port\": 1\n", "port", "2");
  g_assert_cmpstr (d, ==, "\"port\": 2\n");
}

static void
test_scalar_layouts (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  /* a quoted scalar over two lines */
  a = edit_ok ("host: \"multi\n  line\"  # c\nport: 1\n", "host", "\"x\"");
  g_assert_cmpstr (a, ==, "host: x  # c\nport: 1\n");

  /* a value on the line after its key stays there */
  b = edit_ok ("proxy-url:\n  http://a\nport: 1\n", "proxy-url", "\"http://b\"");
  g_assert_cmpstr (b, ==, "proxy-url:\n  http://b\nport: 1\n");

  /* block scalars are replaced with their lines */
  c = edit_ok ("note: |\n  line1\n  line2\nport: 1\n", "note", "\"x\"");
  g_assert_cmpstr (c, ==, "note: x\nport: 1\n");
  d = edit_ok ("note: >-\n  folded\n  text\n\nport: 1\n", "note", "[\"a\"]");
  g_assert_cmpstr (d, ==, "note:\n  - a\n\nport: 1\n");
}

typedef struct
{
  const char *json;      /* the string value, as JSON */
  const char *written;   /* how it must appear after "key: " */
} QuoteCase;

static const QuoteCase quote_cases[] = {
  /* plain */
  { "\"fill-first\"", "fill-first" },
  { "\"https://api.example.com:8443/v1?a=b&c\"", "https://api.example.com:8443/v1?a=b&c" },
  { "\"~/.cli-proxy-api\"", "~/.cli-proxy-api" },
  { "\"./auths\"", "./auths" },
  { "\"$2b$10$abcdefghijklmnopqrstuu\"", "$2b$10$abcdefghijklmnopqrstuu" },
  { "\"Bearer abc def\"", "Bearer abc def" },
  { "\"claude-sonnet-4-5-20250929\"", "claude-sonnet-4-5-20250929" },
  { "\"gemini-1.5-*\"", "gemini-1.5-*" },
  { "\"-foo\"", "-foo" },
  { "\"\u00fcn\u00efcode\"", "\u00fcn\u00efcode" },
  /* what another reader would take for something else */
  { "\"\"", "\"\"" },
  { "\"true\"", "\"true\"" },
  { "\"False\"", "\"False\"" },
  { "\"yes\"", "\"yes\"" },
  { "\"off\"", "\"off\"" },
  { "\"null\"", "\"null\"" },
  { "\"~\"", "\"~\"" },
  { "\"123\"", "\"123\"" },
  { "\"1.5\"", "\"1.5\"" },
  { "\"0x1F\"", "\"0x1F\"" },
  { "\"-1\"", "\"-1\"" },
  { "\".5\"", "\".5\"" },
  { "\".inf\"", "\".inf\"" },
  { "\"2024-01-01\"", "\"2024-01-01\"" },
  /* what YAML would not read as written */
  { "\" padded \"", "\" padded \"" },
  { "\"a: b\"", "\"a: b\"" },
  { "\"key:\"", "\"key:\"" },
  { "\"a #b\"", "\"a #b\"" },
  { "\"#x\"", "\"#x\"" },
  { "\"-\"", "\"-\"" },
  { "\"- x\"", "\"- x\"" },
  { "\"*alias\"", "\"*alias\"" },
  { "\"&anchor\"", "\"&anchor\"" },
  { "\"!tag\"", "\"!tag\"" },
  { "\"@x\"", "\"@x\"" },
  { "\"[a]\"", "\"[a]\"" },
  { "\"{a}\"", "\"{a}\"" },
  { "\"|x\"", "\"|x\"" },
  { "\"'q'\"", "\"'q'\"" },
  { "\"%x\"", "\"%x\"" },
  { "\"<<\"", "\"<<\"" },
  { "\"two\\nlines\"", "\"two\\nlines\"" },
  { "\"tab\\there\"", "\"tab\\there\"" },
  { "\"say \\\"hi\\\"\\n\"", "\"say \\\"hi\\\"\\n\"" },
  { "\"back\\\\slash\\u0001\"", "\"back\\\\slash\\x01\"" },
  { "\"\\u2028x\"", "\"\\u2028x\"" },
};

static void
test_quoting (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (quote_cases); i++)
    {
      const QuoteCase *qc = &quote_cases[i];
      g_autofree char *result = edit_ok ("a: 1\nproxy-url: old # c\n", "proxy-url", qc->json);
      g_autofree char *expected = g_strdup_printf ("a: 1\nproxy-url: %s # c\n", qc->written);

      g_assert_cmpstr (result, ==, expected);
    }
}

static void
test_keys_quoted (void)
{
  g_autofree char *result = NULL;

  result = edit_ok ("port: 1\n", "headers-test",
                    "{\"X-Plain\":\"v\",\"k: v\":1,\"true\":2,\"\":3,\"#h\":4,\"y\":5}");
  g_assert_cmpstr (result, ==,
                   "port: 1\n"
                   "headers-test:\n"
                   "  X-Plain: v\n"
                   "  \"k: v\": 1\n"
                   "  \"true\": 2\n"
                   "  \"\": 3\n"
                   "  \"#h\": 4\n"
                   "  \"y\": 5\n");
}

static void
test_numbers (void)
{
  static const struct { const char *json; const char *written; } cases[] = {
    { "0", "0" },
    { "-42", "-42" },
    { "9007199254740993", "9007199254740993" },
    { "0.5", "0.5" },
    { "1.0", "1.0" },
    { "-0.0", "-0.0" },
    { "0.1", "0.1" },
    { "1e300", "1e+300" },
    { "true", "true" },
    { "false", "false" },
    { "null", "null" },
    { "[]", "[]" },
    { "{}", "{}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = edit_ok ("x:\n  value: old\n", "x.value", cases[i].json);
      g_autofree char *expected = g_strdup_printf ("x:\n  value: %s\n", cases[i].written);

      g_assert_cmpstr (result, ==, expected);
    }
}

/* ------------------------------------------------------------------------ */
/* Keys added and removed                                                    */

static void
test_new_keys (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  /* at the end of its mapping, before the comments that follow it */
  a = edit_ok ("routing:\n  strategy: round-robin # r\n\n# comment\nport: 1\n",
               "routing.extra", "true");
  g_assert_cmpstr (a, ==,
                   "routing:\n  strategy: round-robin # r\n  extra: true\n\n# comment\nport: 1\n");

  /* missing parents are created; the top level grows at the end of the file */
  b = edit_ok ("x: 1\n# last words\n", "a.b.c", "1");
  g_assert_cmpstr (b, ==, "x: 1\n# last words\na:\n  b:\n    c: 1\n");

  /* a file without a final line break gets one */
  c = edit_ok ("port: 1", "host", "\"127.0.0.1\"");
  g_assert_cmpstr (c, ==, "port: 1\nhost: \"127.0.0.1\"\n");

  /* a nested mapping that is the last thing in the file */
  d = edit_ok ("port: 1\nrouting:\n  strategy: fill-first", "routing.extra", "1");
  g_assert_cmpstr (d, ==, "port: 1\nrouting:\n  strategy: fill-first\n  extra: 1\n");
}

static void
test_delete (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;
  g_autofree char *f = NULL;

  /* the key's line with its comment; the comment above stays */
  a = edit_ok ("# about port\nport: 1 # c\n# keep\nhost: x\n", "port", NULL);
  g_assert_cmpstr (a, ==, "# about port\n# keep\nhost: x\n");

  /* a block value goes with its lines */
  b = edit_checked ("api-keys:\n  - a\n  # inner\n  - b # bee\n# after\ndebug: true\n",
                    "api-keys", NULL, FALSE);
  g_assert_cmpstr (b, ==, "# after\ndebug: true\n");

  /* the last key of a nested mapping leaves an empty mapping, not a null */
  c = edit_ok ("routing: # r\n  strategy: fill-first\nport: 1\n", "routing.strategy", NULL);
  g_assert_cmpstr (c, ==, "routing: {} # r\nport: 1\n");

  /* the last key of the file */
  d = edit_ok ("port: 1\nhost: x", "host", NULL);
  g_assert_cmpstr (d, ==, "port: 1\n");
  e = edit_ok ("# only\nport: 1\n", "port", NULL);
  g_assert_cmpstr (e, ==, "# only\n");

  /* absent keys and parents: nothing to do */
  f = edit_ok ("port: 1 # c\n", "host", NULL);
  g_assert_cmpstr (f, ==, "port: 1 # c\n");
  g_clear_pointer (&f, g_free);
  f = edit_ok ("port: 1 # c\n", "routing.strategy", NULL);
  g_assert_cmpstr (f, ==, "port: 1 # c\n");
  g_clear_pointer (&f, g_free);
  f = edit_ok ("routing:\nport: 1\n", "routing.strategy", NULL);
  g_assert_cmpstr (f, ==, "routing:\nport: 1\n");
}

/* ------------------------------------------------------------------------ */
/* Lists and mappings                                                        */

static void
test_lists (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;

  /* flow [] becomes a block list; the comment line under it stays */
  a = edit_ok ("api-keys: []\n#  - \"x\"\nport: 1\n", "api-keys", "[\"k1\",\"k2\"]");
  g_assert_cmpstr (a, ==, "api-keys:\n  - k1\n  - k2\n#  - \"x\"\nport: 1\n");

  /* and back */
  b = edit_ok ("api-keys:\n  - a\n  - b\nport: 1\n", "api-keys", "[]");
  g_assert_cmpstr (b, ==, "api-keys: []\nport: 1\n");

  /* a block list keeps its indentation and the comments under its key */
  c = edit_ok ("api-keys: # keys\n    # first the old ones\n    - a\n    - b # bee\nport: 1\n",
               "api-keys", "[\"c\"]");
  g_assert_cmpstr (c, ==, "api-keys: # keys\n    # first the old ones\n    - c\nport: 1\n");

  /* a scalar becomes a list; its comment stays on the key's line */
  d = edit_ok ("extra: k # c\n", "extra", "[\"a\"]");
  g_assert_cmpstr (d, ==, "extra: # c\n  - a\n");

  /* a flow list over two lines */
  e = edit_ok ("api-keys: [a,\n  b]  # two\nport: 1\n", "api-keys", "[\"c\"]");
  g_assert_cmpstr (e, ==, "api-keys:  # two\n  - c\nport: 1\n");
}

static void
test_mappings (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  /* a block mapping replaced whole: the key's line and the comment under it stay */
  a = edit_ok ("routing: # r\n  # inner\n  strategy: round-robin\n  extra: 1\nport: 1\n",
               "routing", "{\"strategy\":\"fill-first\"}");
  g_assert_cmpstr (a, ==, "routing: # r\n  # inner\n  strategy: fill-first\nport: 1\n");

  /* a flow list becomes a mapping */
  b = edit_ok ("x:\n  b: 1\n  c: [1, 2]\n", "x.c", "{\"k\":1}");
  g_assert_cmpstr (b, ==, "x:\n  b: 1\n  c:\n    k: 1\n");

  /* nested lists */
  c = edit_ok ("port: 1\n", "matrix", "[[1,2],[[3]],{\"a\":[4]}]");
  g_assert_cmpstr (c, ==,
                   "port: 1\n"
                   "matrix:\n"
                   "  - - 1\n"
                   "    - 2\n"
                   "  - - - 3\n"
                   "  - a:\n"
                   "      - 4\n");
}

static const char claude_entries_json[] =
  "[{\"api-key\":\"sk-ant-1\",\"base-url\":\"https://api.anthropic.com\","
  "\"prefix\":\"work\","
  "\"models\":[{\"name\":\"claude-sonnet-4-5-20250929\",\"alias\":\"sonnet\"},"
  "{\"name\":\"claude-opus-4-1\",\"alias\":\"opus\"}],"
  "\"headers\":{\"X-Custom\":\"yes\",\"X-Team\":\"core\"}},"
  "{\"api-key\":\"sk-ant-2\",\"excluded-models\":[\"claude-3-*\"]}]";

static void
test_upstream_entries (void)
{
  g_autofree char *result = NULL;
  g_autoptr(SyConfig) cfg = NULL;
  SyUpstreamEntry *entry;

  result = edit_ok ("port: 1\n# trailing comment\n", "claude-api-key", claude_entries_json);
  g_assert_cmpstr (result, ==,
                   "port: 1\n"
                   "# trailing comment\n"
                   "claude-api-key:\n"
                   "  - api-key: sk-ant-1\n"
                   "    base-url: https://api.anthropic.com\n"
                   "    prefix: work\n"
                   "    models:\n"
                   "      - name: claude-sonnet-4-5-20250929\n"
                   "        alias: sonnet\n"
                   "      - name: claude-opus-4-1\n"
                   "        alias: opus\n"
                   "    headers:\n"
                   "      X-Custom: \"yes\"\n"
                   "      X-Team: core\n"
                   "  - api-key: sk-ant-2\n"
                   "    excluded-models:\n"
                   "      - claude-3-*\n");

  /* the loader reads the entries the management API wrote */
  cfg = load (result);
  g_assert_cmpuint (cfg->upstreams->len, ==, 2);
  entry = g_ptr_array_index (cfg->upstreams, 0);
  g_assert_cmpint (entry->kind, ==, SY_UPSTREAM_CLAUDE);
  g_assert_cmpstr (entry->api_key, ==, "sk-ant-1");
  g_assert_cmpstr (entry->prefix, ==, "work");
  g_assert_cmpuint (entry->n_models, ==, 2);
  g_assert_cmpstr (entry->models[0].alias, ==, "sonnet");
  g_assert_cmpuint (entry->n_headers, ==, 2);
  g_assert_cmpstr (entry->headers[0].value, ==, "yes");
  entry = g_ptr_array_index (cfg->upstreams, 1);
  g_assert_cmpstr (entry->excluded_models[0], ==, "claude-3-*");
}

static void
test_indent_style (void)
{
  g_autofree char *result = NULL;

  /* four spaces, lists level with their key */
  result = edit_ok ("routing:\n    strategy: fill-first\napi-keys:\n- a\n",
                    "claude-api-key", "[{\"api-key\":\"k\",\"models\":[{\"name\":\"m\",\"alias\":\"mm\"}],"
                                      "\"headers\":{\"X\":\"v\"}}]");
  g_assert_cmpstr (result, ==,
                   "routing:\n"
                   "    strategy: fill-first\n"
                   "api-keys:\n"
                   "- a\n"
                   "claude-api-key:\n"
                   "- api-key: k\n"
                   "  models:\n"
                   "  - name: m\n"
                   "    alias: mm\n"
                   "  headers:\n"
                   "      X: v\n");
  g_clear_pointer (&result, g_free);

  result = edit_ok ("routing:\n    strategy: fill-first\n", "remote-management.secret-key", "\"s\"");
  g_assert_cmpstr (result, ==,
                   "routing:\n    strategy: fill-first\nremote-management:\n    secret-key: s\n");
}

/* ------------------------------------------------------------------------ */
/* Files of every shape                                                      */

static void
test_default_config (void)
{
  const char *text = sy_config_default_text ();
  g_autofree char *a = NULL;
  g_autofree char *a_expected = NULL;
  g_autofree char *b = NULL;
  g_autofree char *b_expected = NULL;
  g_autofree char *c = NULL;
  g_autofree char *c_expected = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;
  g_autoptr(SyConfig) cfg = NULL;

  a = edit_ok (text, "routing.strategy", "\"fill-first\"");
  a_expected = replace_once (text, "  strategy: \"round-robin\"\n", "  strategy: fill-first\n");
  g_assert_cmpstr (a, ==, a_expected);

  b = edit_ok (a, "remote-management.secret-key", "\"s3cret\"");
  b_expected = g_strconcat (a, "remote-management:\n  secret-key: s3cret\n", NULL);
  g_assert_cmpstr (b, ==, b_expected);

  c = edit_ok (b, "api-keys", "[\"key-one\",\"key-two\"]");
  c_expected = replace_once (b, "api-keys: []\n", "api-keys:\n  - key-one\n  - key-two\n");
  g_assert_cmpstr (c, ==, c_expected);

  d = edit_ok (c, "max-body-size", NULL);
  g_assert_null (strstr (d, "max-body-size:"));
  g_assert_nonnull (strstr (d, "# Largest request body accepted from a client"));

  e = edit_ok (d, "debug", "true");
  cfg = load (e);
  g_assert_true (cfg->debug);
  g_assert_cmpstr (cfg->routing_strategy, ==, "fill-first");
  g_assert_cmpstr (cfg->api_keys[1], ==, "key-two");
  g_assert_cmpuint (cfg->max_body_size, ==, SY_DEFAULT_MAX_BODY_SIZE);
  assert_comments_kept (text, e);
}

static void
test_empty_files (void)
{
  static const struct { const char *before; const char *after; } cases[] = {
    { "", "port: 9000\n" },
    { "\n\n", "\n\nport: 9000\n" },
    { "# hello\n# world", "# hello\n# world\nport: 9000\n" },
    { "---\n", "---\nport: 9000\n" },
    { "---", "---\nport: 9000\n" },
    { "~\n", "\nport: 9000\n" },
    { "--- # doc\n# c\n", "--- # doc\n# c\nport: 9000\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = edit_ok (cases[i].before, "port", "9000");

      g_assert_cmpstr (result, ==, cases[i].after);
    }
}

static void
test_documents (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  /* new keys go inside the first document, before its end marker */
  a = edit_ok ("---\n# c\nport: 1\n...\n", "host", "\"h\"");
  g_assert_cmpstr (a, ==, "---\n# c\nport: 1\nhost: h\n...\n");
  b = edit_ok ("port: 1\n---\nport: 2\n", "host", "\"x\"");
  g_assert_cmpstr (b, ==, "port: 1\nhost: x\n---\nport: 2\n");
  c = edit_ok ("--- # start\nport: 1\n", "port", "2");
  g_assert_cmpstr (c, ==, "--- # start\nport: 2\n");
}

static void
test_crlf (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  a = edit_ok ("# c\r\nport: 1 # p\r\nrouting:\r\n  strategy: fill-first\r\n",
               "claude-api-key", "[{\"api-key\":\"k\",\"models\":[{\"name\":\"a\"}]}]");
  g_assert_cmpstr (a, ==,
                   "# c\r\nport: 1 # p\r\nrouting:\r\n  strategy: fill-first\r\n"
                   "claude-api-key:\r\n  - api-key: k\r\n    models:\r\n      - name: a\r\n");

  b = edit_ok (a, "routing.strategy", NULL);
  g_assert_cmpstr (b, ==,
                   "# c\r\nport: 1 # p\r\nrouting: {}\r\n"
                   "claude-api-key:\r\n  - api-key: k\r\n    models:\r\n      - name: a\r\n");

  c = edit_ok ("port: 1 # p\r\nhost: h\r\napi-keys:\r\n  - a\r\n", "api-keys", "[]");
  g_assert_cmpstr (c, ==, "port: 1 # p\r\nhost: h\r\napi-keys: []\r\n");
  g_clear_pointer (&c, g_free);
  c = edit_ok ("port: 1\r\n", "port", NULL);
  g_assert_cmpstr (c, ==, "");
  g_clear_pointer (&c, g_free);
  c = edit_ok ("port: 1\r\nhost: a", "routing.strategy", "\"fill-first\"");
  g_assert_cmpstr (c, ==, "port: 1\r\nhost: a\r\nrouting:\r\n  strategy: fill-first\r\n");
}

static void
test_flow_mappings (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;

  /* a flow mapping is written again whole, in block style */
  a = edit_ok ("routing: {strategy: fill-first, extra: 1} # r\nport: 1\n",
               "routing.strategy", "\"round-robin\"");
  g_assert_cmpstr (a, ==, "routing: # r\n  strategy: round-robin\n  extra: 1\nport: 1\n");
  b = edit_ok ("routing: {}\nport: 1\n", "routing.strategy", "\"fill-first\"");
  g_assert_cmpstr (b, ==, "routing:\n  strategy: fill-first\nport: 1\n");
  c = edit_ok ("tls: {enable: false, cert: a}\n", "tls.cert", NULL);
  g_assert_cmpstr (c, ==, "tls:\n  enable: false\n");

  /* the top level in flow style */
  d = edit_ok ("{port: 1}\n", "host", "\"x\"");
  g_assert_cmpstr (d, ==, "port: 1\nhost: x\n");
  e = edit_ok ("--- {port: 1}\n", "port", NULL);
  g_assert_cmpstr (e, ==, "---\n{}\n");
}

static void
test_null_parents (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  a = edit_ok ("routing:\nport: 1\n", "routing.strategy", "\"fill-first\"");
  g_assert_cmpstr (a, ==, "routing:\n  strategy: fill-first\nport: 1\n");
  b = edit_ok ("routing: ~ # later\nport: 1\n", "routing.strategy", "\"fill-first\"");
  g_assert_cmpstr (b, ==, "routing: # later\n  strategy: fill-first\nport: 1\n");
}

static void
test_unicode (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  /* byte offsets right after multi-byte characters */
  a = edit_ok ("# h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93\nhost: \"\xc3\xbcn\xc3\xaf\" # \xc3\xa7\nport: 1\n",
               "port", "2");
  g_assert_cmpstr (a, ==,
                   "# h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93\nhost: \"\xc3\xbcn\xc3\xaf\" # \xc3\xa7\nport: 2\n");

  /* a byte-order mark stays */
  b = edit_ok ("\xef\xbb\xbfport: 1\nhost: \xc3\xa9 # c\n", "host", "\"\xf0\x9f\x98\x80\"");
  g_assert_cmpstr (b, ==, "\xef\xbb\xbfport: 1\nhost: \xf0\x9f\x98\x80 # c\n");
}

static void
test_aliases (void)
{
  g_autofree char *a = NULL;

  /* a mapping reached through an alias is written out where the alias was */
  a = edit_ok ("defaults: &d\n  strategy: fill-first\nrouting: *d\n",
               "routing.strategy", "\"round-robin\"");
  g_assert_cmpstr (a, ==, "defaults: &d\n  strategy: fill-first\nrouting:\n  strategy: round-robin\n");

  /* a key that comes from a merge cannot be removed from its mapping */
  edit_fails ("base: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\n", "m.x", NULL, SY_CORE_ERROR_CONFIG_INVALID);
  /* a value whose anchor is used elsewhere */
  edit_fails ("a: &x 1\nb: *x\n", "a", "2", SY_CORE_ERROR_CONFIG_INVALID);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) nan = json_node_init_double (json_node_alloc (), NAN);
  const char * const path[] = { "x", NULL };
  g_autofree char *result = NULL;

  edit_fails ("routing: 5\n", "routing.strategy", "\"x\"", SY_CORE_ERROR_CONFIG_INVALID);
  edit_fails ("api-keys:\n  - a\n", "api-keys.x", "1", SY_CORE_ERROR_CONFIG_INVALID);
  edit_fails ("- a\n- b\n", "port", "1", SY_CORE_ERROR_CONFIG_INVALID);
  edit_fails ("a: [\n", "a", "1", SY_CORE_ERROR_CONFIG_SYNTAX);
  edit_fails ("port: 1\n\tdebug: true\n", "port", "2", SY_CORE_ERROR_CONFIG_SYNTAX);
  edit_fails ("port: 1\nhost: \xff\n", "port", "2", SY_CORE_ERROR_CONFIG_SYNTAX);
  /* the result would not load */
  edit_fails ("port: 1\n", "port", "\"abc\"", SY_CORE_ERROR_CONFIG_INVALID);
  edit_fails ("port: 1\n", "routing.strategy", "\"sideways\"", SY_CORE_ERROR_CONFIG_INVALID);

  result = sy_config_edit_set ("x: 1\n", path, nan, &error);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
  g_assert_null (result);

  /* deeper than the loader reads */
  {
    GString *deep = g_string_new (NULL);
    g_autoptr(JsonNode) value = NULL;

    for (guint i = 0; i < 100; i++)
      g_string_append (deep, "[");
    for (guint i = 0; i < 100; i++)
      g_string_append (deep, "]");
    value = parse_json (deep->str);
    g_string_free (deep, TRUE);
    g_clear_error (&error);
    result = sy_config_edit_set ("x: 1\n", path, value, &error);
    g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
    g_assert_null (result);
  }
}

static void
test_get_scalar (void)
{
  const char * const secret[] = { "remote-management", "secret-key", NULL };
  const char * const routing[] = { "routing", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;

  a = sy_config_edit_get_scalar ("remote-management:\n  secret-key: \"a\\tb\" # c\n", secret, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "a\tb");
  b = sy_config_edit_get_scalar ("remote-management:\n  secret-key: 0123\n", secret, &error);
  g_assert_cmpstr (b, ==, "0123");
  c = sy_config_edit_get_scalar ("remote-management:\n  secret-key: ~\n", secret, &error);
  g_assert_null (c);
  d = sy_config_edit_get_scalar ("routing:\n  strategy: x\n", routing, &error);
  g_assert_null (d);
  g_assert_no_error (error);
  e = sy_config_edit_get_scalar ("a: [\n", routing, &error);
  g_assert_null (e);
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX);
}

static void
test_cpa_example (void)
{
  g_autofree char *path = data_path ("cpa-example.yaml");
  g_autofree char *text = read_text (path);
  g_autofree char *current = g_strdup (text);
  g_autoptr(SyConfig) cfg = load (text);
  g_autoptr(SyConfig) final = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  static const struct { const char *path; const char *json; } edits[] = {
    { "debug", "true" },
    { "request-retry", "5" },
    { "proxy-url", "\"\"" },
    { "routing.strategy", "\"round-robin\"" },
    { "remote-management.secret-key",
      "\"$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234\"" },
    { "api-keys", "[\"k1\"]" },
    { "gemini-api-key", "[{\"api-key\":\"AIzaSy...01\",\"prefix\":\"test\"},"
                        "{\"api-key\":\"AIzaSy...03\",\"models\":[{\"name\":\"gemini-2.5-pro\","
                        "\"alias\":\"pro\"}],\"headers\":{\"X-A\":\"1\"}}]" },
    { "claude-api-key", NULL },
    { "ampcode.model-mappings", "[]" },
    { "quota-exceeded.switch-project", "false" },
    { "oauth-excluded-models.claude", NULL },
    { "streaming", NULL },
    { "tls.enable", "true" },
    { "tls.cert", "\"/etc/ssl/cert.pem\"" },
    { "remote-management.allow-remote", "true" },
    { "payload.filter", NULL },
    { "codex-api-key", "[]" },
  };

  /* every top-level value written again as it reads */
  json_object_iter_init_ordered (&iter, json_node_get_object (cfg->root));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      g_autofree char *json = json_to_string (member, FALSE);
      g_autofree char *result = NULL;

      g_test_message ("rewriting %s", name);
      result = edit_ok (text, name, json);
    }

  /* what the management API does, one edit after the other */
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      char *next;

      g_test_message ("setting %s", edits[i].path);
      next = edit_ok (current, edits[i].path, edits[i].json);
      g_free (current);
      current = next;
    }
  assert_comments_kept (text, current);
  final = load (current);
  g_assert_true (final->debug);
  g_assert_cmpint (final->request_retry, ==, 5);
  g_assert_null (final->proxy_url);
  g_assert_cmpstr (final->routing_strategy, ==, "round-robin");
  /* lines no edit touched are still there as they were */
  g_assert_nonnull (strstr (current, "\n# Claude API keys\n"));
  g_assert_nonnull (strstr (current, "\nclaude-header-defaults:\n  user-agent: \"claude-cli/2.1.63 (external, cli)\"\n"));
  g_assert_nonnull (strstr (current, "\n        \"generationConfig.responseJsonSchema\": '{\"type\":\"object\"}'\n"));
}

/* ------------------------------------------------------------------------ */
/* Files on disk                                                             */

static void
test_write_atomic (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autofree char *target_dir = g_build_filename (dir, "real", NULL);
  g_autofree char *target = g_build_filename (target_dir, "config.yaml", NULL);
  g_autofree char *text = NULL;
  GStatBuf st;

  /* a new file is private */
  g_assert_true (sy_config_write_atomic (path, "port: 1\n", 8, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  text = read_text (path);
  g_assert_cmpstr (text, ==, "port: 1\n");
  g_clear_pointer (&text, g_free);

  /* an existing file keeps its mode; no temporary file is left behind */
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  g_assert_true (sy_config_write_atomic (path, "port: 22\nhost: x\n", 17, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);
  text = read_text (path);
  g_assert_cmpstr (text, ==, "port: 22\nhost: x\n");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* a symbolic link stays a link and its target is written */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (target_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents_full (target, "old\n", -1, G_FILE_SET_CONTENTS_NONE,
                                           0604, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (target, 0604), ==, 0);
  g_assert_cmpint (symlink ("real/config.yaml", path), ==, 0);
  g_assert_true (sy_config_write_atomic (path, "new\n", 4, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  text = read_text (target);
  g_assert_cmpstr (text, ==, "new\n");
  g_clear_pointer (&text, g_free);
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0604);
  g_assert_cmpuint (count_entries (target_dir), ==, 1);

  /* a directory that does not exist */
  {
    g_autofree char *missing = g_build_filename (dir, "nope", "config.yaml", NULL);

    g_assert_false (sy_config_write_atomic (missing, "x", 1, &error));
    g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO);
    g_clear_error (&error);
  }

  rm_rf (dir);
}

/* A file (or, with @is_dir, a directory) @age_s seconds old. */
static char *
make_entry (const char *dir,
            const char *name,
            gint64      age_s,
            gboolean    is_dir)
{
  char *path = g_build_filename (dir, name, NULL);
  struct utimbuf times;

  if (is_dir)
    g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  else
    g_assert_true (g_file_set_contents (path, "left\n", -1, NULL));
  times.actime = times.modtime = (time_t) (g_get_real_time () / G_USEC_PER_SEC - age_s);
  g_assert_cmpint (g_utime (path, &times), ==, 0);
  return path;
}

static void
test_stale_temps (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *real_dir = g_build_filename (dir, "real", NULL);
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autofree char *link = g_build_filename (dir, "link.yaml", NULL);
  /* what writes killed before their rename left, a minute old or more */
  g_autofree char *dead = make_entry (dir, ".config.yaml.Ab12Cd.tmp", 120, FALSE);
  g_autofree char *dead2 = make_entry (dir, ".config.yaml.zzzzzz.tmp", 61, FALSE);
  /* a write that may be under way in another process */
  g_autofree char *young = make_entry (dir, ".config.yaml.Xy34Zw.tmp", 5, FALSE);
  /* not ours to remove, however old */
  const char *others[] = {
    "config.yaml.backup", ".config.yaml.backup", "config.yaml.Ab12Cd", ".config.yaml.Ab12Cd",
    ".config.yaml.Ab12Cd.tmp~", ".config.yaml.Ab1-Cd.tmp", ".config.yaml.Ab12C.tmp",
    ".other.yaml.Ab12Cd.tmp", "x.config.yaml.Ab12Cd.tmp",
  };
  g_autofree char *a_dir = make_entry (dir, ".config.yaml.Dir123.tmp", 120, TRUE);
  g_autofree char *behind_link = NULL;

  g_assert_true (g_file_set_contents (path, "port: 1\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    g_free (make_entry (dir, others[i], 3600, FALSE));

  g_assert_cmpuint (sy_config_remove_stale_temps (path), ==, 2);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dead2, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (young, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (a_dir, G_FILE_TEST_IS_DIR));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autofree char *other = g_build_filename (dir, others[i], NULL);

      g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
    }
  /* the config file itself, the young one, the directory, the others */
  g_assert_cmpuint (count_entries (dir), ==, 3 + G_N_ELEMENTS (others));
  g_assert_cmpuint (sy_config_remove_stale_temps (path), ==, 0);

  /* through a symbolic link: beside the target, where the writes go */
  g_assert_cmpint (g_mkdir (real_dir, 0700), ==, 0);
  g_assert_cmpint (symlink ("real/target.yaml", link), ==, 0);
  behind_link = make_entry (real_dir, ".target.yaml.Qq11Ww.tmp", 120, FALSE);
  g_free (make_entry (dir, ".link.yaml.Qq11Ww.tmp", 120, FALSE));
  g_assert_cmpuint (sy_config_remove_stale_temps (link), ==, 1);
  g_assert_false (g_file_test (behind_link, G_FILE_TEST_EXISTS));

  /* a missing directory is no error */
  {
    g_autofree char *missing = g_build_filename (dir, "nope", "config.yaml", NULL);

    g_assert_cmpuint (sy_config_remove_stale_temps (missing), ==, 0);
  }

  rm_rf (dir);
}

static void
test_edit_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) value = parse_json ("\"fill-first\"");
  const char * const key[] = { "routing", "strategy", NULL };
  gboolean changed = FALSE;

  g_assert_true (g_file_set_contents (path, sy_config_default_text (), -1, &error));
  g_assert_true (sy_config_edit_file (path, key, value, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  text = read_text (path);
  g_assert_nonnull (strstr (text, "\n  strategy: fill-first\n"));
  assert_comments_kept (sy_config_default_text (), text);

  /* the same value again: the file is not written */
  g_assert_true (sy_config_edit_file (path, key, value, &changed, &error));
  g_assert_no_error (error);
  g_assert_false (changed);

  /* an edit that would break the config leaves the file alone */
  {
    g_autoptr(JsonNode) bad = parse_json ("\"sideways\"");
    g_autofree char *after = NULL;

    g_assert_false (sy_config_edit_file (path, key, bad, &changed, &error));
    g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID);
    g_assert_false (changed);
    after = read_text (path);
    g_assert_cmpstr (after, ==, text);
  }
  rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config-edit/scalar-keeps-comment", test_scalar_keeps_comment);
  g_test_add_func ("/config-edit/scalar-layouts", test_scalar_layouts);
  g_test_add_func ("/config-edit/quoting", test_quoting);
  g_test_add_func ("/config-edit/keys-quoted", test_keys_quoted);
  g_test_add_func ("/config-edit/numbers", test_numbers);
  g_test_add_func ("/config-edit/new-keys", test_new_keys);
  g_test_add_func ("/config-edit/delete", test_delete);
  g_test_add_func ("/config-edit/lists", test_lists);
  g_test_add_func ("/config-edit/mappings", test_mappings);
  g_test_add_func ("/config-edit/upstream-entries", test_upstream_entries);
  g_test_add_func ("/config-edit/indent-style", test_indent_style);
  g_test_add_func ("/config-edit/default-config", test_default_config);
  g_test_add_func ("/config-edit/cpa-example", test_cpa_example);
  g_test_add_func ("/config-edit/empty-files", test_empty_files);
  g_test_add_func ("/config-edit/documents", test_documents);
  g_test_add_func ("/config-edit/crlf", test_crlf);
  g_test_add_func ("/config-edit/flow-mappings", test_flow_mappings);
  g_test_add_func ("/config-edit/null-parents", test_null_parents);
  g_test_add_func ("/config-edit/unicode", test_unicode);
  g_test_add_func ("/config-edit/aliases", test_aliases);
  g_test_add_func ("/config-edit/errors", test_errors);
  g_test_add_func ("/config-edit/get-scalar", test_get_scalar);
  g_test_add_func ("/config-edit/write-atomic", test_write_atomic);
  g_test_add_func ("/config-edit/stale-temps", test_stale_temps);
  g_test_add_func ("/config-edit/edit-file", test_edit_file);

  return g_test_run ();
}
