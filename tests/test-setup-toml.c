/* test-setup-toml.c: the table-level TOML editor behind the Codex setup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-toml-edit.h"

#define OURS "model_providers.switchyard"
#define BODY "name = \"Switchyard\"\nbase_url = \"http://127.0.0.1:8317/v1\"\n"

static void
check_top (const char *text,
           const char *key,
           const char *value,
           const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = sy_toml_set_top_level (text, key, value, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
}

static void
check_table (const char *text,
             const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = sy_toml_set_table (text, OURS, BODY, &error);
  g_autofree char *again = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
  /* Setting it again changes nothing. */
  again = sy_toml_set_table (out, OURS, BODY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, expected);
}

static void
test_top_level (void)
{
  /* An empty file. */
  check_top ("", "model_provider", "\"switchyard\"", "model_provider = \"switchyard\"\n");
  /* Replaced in place; comments, an array over several lines (with a
   * comment and a '=' inside) and the tables stay byte for byte. */
  check_top ("# my config\n"
             "model = \"o3\"  # old\n"
             "notify = [\n  \"a=b\", # x = y\n  \"c\",\n]\n"
             "model_provider = 'openai'\n"
             "\n[tui]\nmodel_provider = \"not top level\"\n",
             "model_provider", "\"switchyard\"",
             "# my config\n"
             "model = \"o3\"  # old\n"
             "notify = [\n  \"a=b\", # x = y\n  \"c\",\n]\n"
             "model_provider = \"switchyard\"\n"
             "\n[tui]\nmodel_provider = \"not top level\"\n");
  /* Absent: after the last top-level pair, before the tables (here the
   * last pair is a multi-line array and a quoted key). */
  check_top ("model = \"o3\"\n\"quoted key\" = [\n  1,\n  2,\n]\n\n# tables\n[profiles.x]\nmodel = \"y\"\n",
             "model_provider", "\"switchyard\"",
             "model = \"o3\"\n\"quoted key\" = [\n  1,\n  2,\n]\nmodel_provider = \"switchyard\"\n\n# tables\n[profiles.x]\nmodel = \"y\"\n");
  /* Only tables: first in the file. */
  check_top ("[a]\nx = 1\n", "model", "\"m\"", "model = \"m\"\n[a]\nx = 1\n");
  /* CRLF stays CRLF. */
  check_top ("model = \"o3\"\r\napproval = \"never\"\r\n[a]\r\nx = 1\r\n", "model", "\"m\"",
             "model = \"m\"\r\napproval = \"never\"\r\n[a]\r\nx = 1\r\n");
  check_top ("approval = \"never\"\r\n", "model", "\"m\"", "approval = \"never\"\r\nmodel = \"m\"\r\n");
  /* No newline at the end of the file. */
  check_top ("approval = \"never\"", "model", "\"m\"", "approval = \"never\"\nmodel = \"m\"\n");
  check_top ("model = \"old\"", "model", "\"m\"", "model = \"m\"");
  /* A multi-line string that looks like a table and a key inside. */
  check_top ("instructions = \"\"\"\n[not.a.table]\nmodel = \"x\"\n\"\"\"\nmodel = \"old\"\n", "model", "\"m\"",
             "instructions = \"\"\"\n[not.a.table]\nmodel = \"x\"\n\"\"\"\nmodel = \"m\"\n");
  check_top ("instructions = '''\n[x]\n'''\n", "model", "\"m\"", "instructions = '''\n[x]\n'''\nmodel = \"m\"\n");
}

static void
test_top_level_errors (void)
{
  g_autoptr(GError) error = NULL;
  char *out;

  /* A dotted key makes "model" a table: left alone. */
  out = sy_toml_set_top_level ("model.name = \"x\"\n", "model", "\"m\"", &error);
  g_assert_null (out);
  g_assert_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* Broken files are not edited. */
  out = sy_toml_set_top_level ("a = [1,\n2\n", "model", "\"m\"", &error);
  g_assert_null (out);
  g_assert_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_SYNTAX);
  g_clear_error (&error);
  out = sy_toml_set_top_level ("a = \"open\n", "model", "\"m\"", &error);
  g_assert_null (out);
  g_assert_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_SYNTAX);
  g_clear_error (&error);
  out = sy_toml_set_top_level ("[a\nx = 1\n", "model", "\"m\"", &error);
  g_assert_null (out);
  g_assert_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_SYNTAX);
}

static void
test_table (void)
{
  /* Absent: appended after a blank line. */
  check_table ("", "[" OURS "]\n" BODY);
  check_table ("model = \"o3\"\n", "model = \"o3\"\n\n[" OURS "]\n" BODY);
  check_table ("model = \"o3\"", "model = \"o3\"\n\n[" OURS "]\n" BODY);
  check_table ("model = \"o3\"\n\n", "model = \"o3\"\n\n[" OURS "]\n" BODY);
  check_table ("a = 1\r\n", "a = 1\r\n\r\n[" OURS "]\r\n"
               "name = \"Switchyard\"\r\nbase_url = \"http://127.0.0.1:8317/v1\"\r\n");
  /* Present: the header and its pairs replaced where they are; the
   * comment and blank line after its last pair, the other provider and
   * the sub-table stay. */
  check_table ("model_provider = \"switchyard\"\n\n"
               "[model_providers.other]\nname = \"Other\"\n\n"
               "[ model_providers . \"switchyard\" ]  # ours\n"
               "name = \"Old\"\n# a note\nbase_url = \"http://old\"\nhttp_headers = {\n}\n"
               "\n# about mcp\n[mcp_servers.x]\ncommand = \"y\"\n"
               "[model_providers.switchyard.query_params]\napi-version = \"1\"\n",
               "model_provider = \"switchyard\"\n\n"
               "[model_providers.other]\nname = \"Other\"\n\n"
               "[" OURS "]\n" BODY
               "\n# about mcp\n[mcp_servers.x]\ncommand = \"y\"\n"
               "[model_providers.switchyard.query_params]\napi-version = \"1\"\n");
  /* Present at the end without a final newline. */
  check_table ("x = 1\n[" OURS "]\nname = \"Old\"", "x = 1\n[" OURS "]\n" BODY);
  /* Pairs elsewhere that define the same table go (two definitions
   * would not load); everything else stays. */
  check_table ("model_providers.switchyard.name = \"dotted\"\nmodel = \"o3\"\n"
               "[model_providers]\nswitchyard.base_url = \"x\"\nother.name = \"keep\"\n",
               "model = \"o3\"\n"
               "[model_providers]\nother.name = \"keep\"\n\n[" OURS "]\n" BODY);
}

static void
test_table_errors (void)
{
  g_autoptr(GError) error = NULL;
  char *out;

  out = sy_toml_set_table ("model_providers = { switchyard = { name = \"x\" } }\n", OURS, BODY, &error);
  g_assert_null (out);
  g_assert_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  out = sy_toml_set_table ("[[model_providers.switchyard]]\nname = \"x\"\n", OURS, BODY, &error);
  g_assert_null (out);
  g_assert_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_UNSUPPORTED);
}

static void
test_quote (void)
{
  g_autofree char *a = sy_toml_quote_string ("plain");
  g_autofree char *b = sy_toml_quote_string ("a\"b\\c\nd\x01");

  g_assert_cmpstr (a, ==, "\"plain\"");
  g_assert_cmpstr (b, ==, "\"a\\\"b\\\\c\\nd\\u0001\"");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/setup/toml/top-level", test_top_level);
  g_test_add_func ("/setup/toml/top-level-errors", test_top_level_errors);
  g_test_add_func ("/setup/toml/table", test_table);
  g_test_add_func ("/setup/toml/table-errors", test_table_errors);
  g_test_add_func ("/setup/toml/quote", test_quote);
  return g_test_run ();
}
