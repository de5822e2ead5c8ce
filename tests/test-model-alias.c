/* test-model-alias.c: oauth-model-alias listing and resolution, oauth-excluded-models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-model-alias.h"

/* The config as the YAML loader hands it over, written with ' for ". */
static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup (text);

  g_strdelimit (json, "'", '"');
  if (!json_parser_load_from_data (parser, json, -1, &error))
    g_error ("%s: %s", json, error->message);
  return json_node_copy (json_parser_get_root (parser));
}

static SyModelAliases *
aliases_from (const char *alias_json,
              const char *excluded_json,
              GPtrArray  *warnings)
{
  g_autoptr(JsonNode) alias = alias_json ? parse (alias_json) : NULL;
  g_autoptr(JsonNode) excluded = excluded_json ? parse (excluded_json) : NULL;

  return sy_model_aliases_new (alias, excluded, warnings);
}

/* The listing as "a,b,c" ("" when empty). */
static char *
list (const SyModelAliases *aliases,
      const char           *channel,
      const char           *upstream_id)
{
  g_autoptr(GPtrArray) ids = sy_model_aliases_list (aliases, channel, upstream_id);

  g_assert_nonnull (ids);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

#define assert_list(aliases, channel, id, expected) \
  G_STMT_START { \
    g_autofree char *got_ = list ((aliases), (channel), (id)); \
    g_assert_cmpstr (got_, ==, (expected)); \
  } G_STMT_END

#define assert_resolve(aliases, channel, model, expected) \
  G_STMT_START { \
    g_autofree char *got_ = sy_model_aliases_resolve ((aliases), (channel), (model)); \
    g_assert_cmpstr (got_, ==, (expected)); \
  } G_STMT_END

static gboolean
has_warning (GPtrArray  *warnings,
             const char *needle)
{
  guint i;

  for (i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static const char *table =
  "{'antigravity':["
  "   {'name':'gemini-3-pro-high','alias':'gemini-3-pro-preview','fork':false},"
  "   {'name':'gemini-2.5-flash','alias':'flash','fork':true},"
  "   {'name':'gemini-2.5-flash','alias':'Flash-Latest'},"
  "   {'name':'claude-sonnet-4-5-thinking','alias':'sonnet-a'},"
  "   {'name':'claude-sonnet-4-5-thinking','alias':'sonnet-b'},"
  "   {'name':'claude-opus-4-5(16384)','alias':'opus-pinned'},"
  "   {'name':'gemini-3-flash','alias':'g3f(low)'}],"
  " 'codex':[{'name':'gpt-5','alias':'gpt-5-mine','fork':'true'},"
  "          {'name':'gpt-5-codex','alias':'codex-mine','fork':'false'}]}";

static void
test_list (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyModelAliases) aliases = aliases_from (table, NULL, warnings);

  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_false (sy_model_aliases_is_empty (aliases));

  /* Without fork the alias replaces the upstream id. */
  assert_list (aliases, "antigravity", "gemini-3-pro-high", "gemini-3-pro-preview");
  /* One fork: true among a name's entries keeps the original, first, and
   * every alias follows in config order (as written). */
  assert_list (aliases, "antigravity", "gemini-2.5-flash", "gemini-2.5-flash,flash,Flash-Latest");
  /* Several aliases without fork: all of them, no original. */
  assert_list (aliases, "antigravity", "claude-sonnet-4-5-thinking", "sonnet-a,sonnet-b");
  /* The upstream id is matched ignoring case; the original keeps its own spelling. */
  assert_list (aliases, "antigravity", "GEMINI-3-PRO-HIGH", "gemini-3-pro-preview");
  assert_list (aliases, "antigravity", "Gemini-2.5-Flash", "Gemini-2.5-Flash,flash,Flash-Latest");
  /* A model without aliases lists itself. */
  assert_list (aliases, "antigravity", "gemini-2.5-pro", "gemini-2.5-pro");
  /* fork as a string. */
  assert_list (aliases, "codex", "gpt-5", "gpt-5,gpt-5-mine");
  assert_list (aliases, "codex", "gpt-5-codex", "codex-mine");
  /* Other channels do not see the antigravity table; the channel is
   * matched ignoring case. */
  assert_list (aliases, "gemini-cli", "gemini-3-pro-high", "gemini-3-pro-high");
  assert_list (aliases, "claude", "claude-sonnet-4-5-thinking", "claude-sonnet-4-5-thinking");
  assert_list (aliases, "AntiGravity", "gemini-3-pro-high", "gemini-3-pro-preview");
  assert_list (aliases, NULL, "gemini-3-pro-high", "gemini-3-pro-high");
}

static void
test_resolve (void)
{
  g_autoptr(SyModelAliases) aliases = aliases_from (table, NULL, NULL);

  assert_resolve (aliases, "antigravity", "gemini-3-pro-preview", "gemini-3-pro-high");
  /* Case-insensitive; the configured name is returned as written. */
  assert_resolve (aliases, "antigravity", "Gemini-3-PRO-Preview", "gemini-3-pro-high");
  assert_resolve (aliases, "antigravity", "flash-latest", "gemini-2.5-flash");
  assert_resolve (aliases, "antigravity", "FLASH", "gemini-2.5-flash");
  assert_resolve (aliases, "ANTIGRAVITY", "sonnet-b", "claude-sonnet-4-5-thinking");
  assert_resolve (aliases, "codex", "gpt-5-mine", "gpt-5");

  /* The request's thinking suffix is carried over, verbatim... */
  assert_resolve (aliases, "antigravity", "gemini-3-pro-preview(high)", "gemini-3-pro-high(high)");
  assert_resolve (aliases, "antigravity", "Sonnet-A(8192)", "claude-sonnet-4-5-thinking(8192)");
  /* ...unless the configured name pins its own. */
  assert_resolve (aliases, "antigravity", "opus-pinned(low)", "claude-opus-4-5(16384)");
  assert_resolve (aliases, "antigravity", "opus-pinned", "claude-opus-4-5(16384)");
  /* An alias written with a suffix matches as a whole; the suffix is its own. */
  assert_resolve (aliases, "antigravity", "G3F(LOW)", "gemini-3-flash");
  assert_resolve (aliases, "antigravity", "g3f(high)", NULL);
  assert_resolve (aliases, "antigravity", "g3f", NULL);

  /* Not an alias: upstream names, unknown ids, and other channels. */
  assert_resolve (aliases, "antigravity", "gemini-3-pro-high", NULL);
  assert_resolve (aliases, "antigravity", "gemini-3-pro-preview-x", NULL);
  assert_resolve (aliases, "antigravity", "unknown(high)", NULL);
  assert_resolve (aliases, "codex", "gemini-3-pro-preview", NULL);
  assert_resolve (aliases, "gemini-cli", "flash", NULL);
  assert_resolve (aliases, "nope", "flash", NULL);
  assert_resolve (aliases, NULL, "flash", NULL);
  assert_resolve (aliases, "antigravity", NULL, NULL);
}

static void
test_sanitise (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyModelAliases) aliases = aliases_from (
    "{'Claude':["
    "   {'name':'','alias':'empty-name'},"                    /* 0: empty name */
    "   {'name':'claude-opus-4-5','alias':'  '},"             /* 1: blank alias */
    "   {'name':'claude-opus-4-5','alias':'CLAUDE-OPUS-4-5'},"/* 2: name == alias */
    "   {'name':'claude-opus-4-5','alias':'opus'},"           /* 3: kept */
    "   {'name':'claude-haiku-4-5','alias':'OPUS'},"          /* 4: duplicate alias */
    "   {'name':42,'alias':'numbered'},"                      /* 5: name a number */
    "   {'alias':'nameless'},"                                /* 6: no name */
    "   'just-a-string',"                                     /* 7: not a mapping */
    "   {'name':' claude-haiku-4-5 ','alias':' haiku ','fork':'yes'}]," /* 8: trimmed; bad fork */
    " 'gemini':[{'name':'gemini-2.5-pro','alias':'pro'}],"     /* unknown channel */
    " 'kimi':{'name':'kimi-k2','alias':'k2'},"                 /* list not a list */
    " 'qwen':null,"                                           /* nothing, quietly */
    " 'antigravity':[{'name':'gemini-2.5-pro','alias':'opus'}]}", /* same alias elsewhere: fine */
    NULL, warnings);

  g_assert_nonnull (aliases);
  g_assert_cmpuint (warnings->len, ==, 10);
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[0]: name and alias must be non-empty"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[1]: name and alias must be non-empty"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[2]: alias 'CLAUDE-OPUS-4-5' is the name itself"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[4]: alias 'OPUS' is already defined"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[5]: name and alias must be non-empty"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[6]: name and alias must be non-empty"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[7]: not a mapping"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.Claude[8]: fork is not true or false"));
  g_assert_true (has_warning (warnings, "oauth-model-alias: unknown channel 'gemini'"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.kimi: not a list"));

  /* The channel key was lower-cased; the first 'opus' won. */
  assert_resolve (aliases, "claude", "opus", "claude-opus-4-5");
  assert_resolve (aliases, "claude", "Opus", "claude-opus-4-5");
  assert_list (aliases, "claude", "claude-opus-4-5", "opus");
  /* Dropped entries left nothing behind. */
  assert_resolve (aliases, "claude", "empty-name", NULL);
  assert_resolve (aliases, "claude", "numbered", NULL);
  assert_resolve (aliases, "claude", "nameless", NULL);
  assert_resolve (aliases, "claude", "CLAUDE-OPUS-4-5", NULL);
  assert_resolve (aliases, "kimi", "k2", NULL);
  assert_resolve (aliases, "gemini", "pro", NULL);
  /* Name and alias are trimmed; an unreadable fork counts as false, so the
   * alias replaces the original (the duplicate 'OPUS' did not join it). */
  assert_resolve (aliases, "claude", "haiku", "claude-haiku-4-5");
  assert_list (aliases, "claude", "claude-haiku-4-5", "haiku");
  /* The same alias on another channel is its own entry. */
  assert_resolve (aliases, "antigravity", "opus", "gemini-2.5-pro");
}

static void
test_wrong_types (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyModelAliases) a = aliases_from ("['claude']", "'gemini-2.5-*'", warnings);
  g_autoptr(SyModelAliases) b = aliases_from ("{'codex':'gpt-5'}", "{'codex':'gpt-5*','xai':[7,'',null]}",
                                              warnings);

  g_assert_true (sy_model_aliases_is_empty (a));
  g_assert_true (sy_model_aliases_is_empty (b));
  g_assert_cmpuint (warnings->len, ==, 7);
  g_assert_true (has_warning (warnings, "oauth-model-alias: not a mapping of channels"));
  g_assert_true (has_warning (warnings, "oauth-excluded-models: not a mapping of channels"));
  g_assert_true (has_warning (warnings, "oauth-model-alias.codex: not a list"));
  g_assert_true (has_warning (warnings, "oauth-excluded-models.codex: not a list"));
  g_assert_true (has_warning (warnings, "oauth-excluded-models.xai[0]"));
  g_assert_true (has_warning (warnings, "oauth-excluded-models.xai[1]"));
  g_assert_true (has_warning (warnings, "oauth-excluded-models.xai[2]"));
  assert_list (b, "codex", "gpt-5", "gpt-5");
  g_assert_false (sy_model_aliases_is_excluded (b, "codex", "gpt-5"));
}

static void
test_excluded (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyModelAliases) aliases = aliases_from (
    "{'gemini-cli':[{'name':'gemini-2.5-pro','alias':'pro','fork':true},"
    "               {'name':'gemini-3-pro','alias':'three'}]}",
    "{'Gemini-CLI':['GEMINI-2.5-*','*-Preview','*lite*','gemini-3-pro'],"
    " 'codex':['gpt-5'],"
    " 'openai':['*']}",
    warnings);

  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_true (has_warning (warnings, "oauth-excluded-models: unknown channel 'openai'"));

  /* Prefix, suffix, infix, exact; patterns and ids compared lower-case. */
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-2.5-pro"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "Gemini-2.5-Flash"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-3-pro-preview"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "GEMINI-3-FLASH-PREVIEW"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-2.0-flash-lite-001"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "lite"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "gemini-cli", "Gemini-3-Pro"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "GEMINI-CLI", "gemini-3-pro"));
  /* Near misses. */
  g_assert_false (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-2.0-flash"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-3-pro-high"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-3-preview-x"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "gemini-cli", "my-gemini-2.5-pro"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "gemini-cli", "gemini-2.5"));
  /* Exact means exact; and each channel has its own list. */
  g_assert_true (sy_model_aliases_is_excluded (aliases, "codex", "gpt-5"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "codex", "gpt-5-codex"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "antigravity", "gemini-2.5-pro"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "gemini-cli", NULL));

  /* An excluded upstream id lists nothing, not even its aliases (fork or not). */
  assert_list (aliases, "gemini-cli", "gemini-2.5-pro", "");
  assert_list (aliases, "gemini-cli", "gemini-3-pro", "");
  assert_list (aliases, "gemini-cli", "gemini-2.5-flash", "");
  assert_list (aliases, "codex", "gpt-5", "");
  assert_list (aliases, "codex", "gpt-5-codex", "gpt-5-codex");
  assert_list (aliases, "antigravity", "gemini-2.5-pro", "gemini-2.5-pro");
}

static void
test_glob_backtracking (void)
{
  g_autoptr(SyModelAliases) aliases = aliases_from (
    NULL, "{'qwen':['a*b*c','**x','*-*-*z']}", NULL);

  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "abc"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "a-b-b-c-c"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "aXbYbZc"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "qwen", "a-b-b-c-d"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "qwen", "acb"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "x"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "xxx"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "--z"));
  g_assert_true (sy_model_aliases_is_excluded (aliases, "qwen", "q-w-e-n-z"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "qwen", "-z"));
  g_assert_false (sy_model_aliases_is_excluded (aliases, "qwen", "q-w-e-n-zy"));
}

static void
test_empty (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyModelAliases) none = sy_model_aliases_new (NULL, NULL, warnings);
  g_autoptr(SyModelAliases) nulls = aliases_from ("null", "null", warnings);
  g_autoptr(SyModelAliases) hollow = aliases_from ("{'claude':[]}", "{'codex':[]}", warnings);

  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_true (sy_model_aliases_is_empty (none));
  g_assert_true (sy_model_aliases_is_empty (nulls));
  g_assert_true (sy_model_aliases_is_empty (hollow));
  g_assert_true (sy_model_aliases_is_empty (NULL));

  assert_list (none, "antigravity", "gemini-3-pro-high", "gemini-3-pro-high");
  assert_list (NULL, "antigravity", "gemini-3-pro-high", "gemini-3-pro-high");
  assert_list (none, "antigravity", NULL, "");
  assert_resolve (none, "antigravity", "gemini-3-pro-preview", NULL);
  assert_resolve (NULL, "antigravity", "gemini-3-pro-preview", NULL);
  g_assert_false (sy_model_aliases_is_excluded (none, "gemini-cli", "gemini-2.5-pro"));
  g_assert_false (sy_model_aliases_is_excluded (NULL, "gemini-cli", "gemini-2.5-pro"));

  /* Exclusions alone make a table non-empty. */
  {
    g_autoptr(SyModelAliases) only_excluded = aliases_from (NULL, "{'kimi':['k1*']}", NULL);

    g_assert_false (sy_model_aliases_is_empty (only_excluded));
  }
}

static void
test_channels (void)
{
  static const char * const known[] = {
    "gemini-cli", "vertex", "aistudio", "antigravity", "claude", "codex", "qwen", "iflow", "kimi", "xai",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (known); i++)
    g_assert_true (sy_model_alias_channel_is_known (known[i]));
  g_assert_true (sy_model_alias_channel_is_known ("Claude"));
  /* API-key providers and compat names are not OAuth channels. */
  g_assert_false (sy_model_alias_channel_is_known ("gemini"));
  g_assert_false (sy_model_alias_channel_is_known ("openai-compatibility"));
  g_assert_false (sy_model_alias_channel_is_known ("amp"));
  g_assert_false (sy_model_alias_channel_is_known (""));
  g_assert_false (sy_model_alias_channel_is_known (NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-alias/list", test_list);
  g_test_add_func ("/model-alias/resolve", test_resolve);
  g_test_add_func ("/model-alias/sanitise", test_sanitise);
  g_test_add_func ("/model-alias/wrong-types", test_wrong_types);
  g_test_add_func ("/model-alias/excluded", test_excluded);
  g_test_add_func ("/model-alias/glob-backtracking", test_glob_backtracking);
  g_test_add_func ("/model-alias/empty", test_empty);
  g_test_add_func ("/model-alias/channels", test_channels);
  return g_test_run ();
}
