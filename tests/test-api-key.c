/* test-api-key.c: which client keys are accepted, and from where
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-api-key.h"

static const char *
lookup (gpointer    data,
        const char *name)
{
  const char * const *pairs = data;

  for (guint i = 0; pairs[i] != NULL; i += 2)
    if (g_ascii_strcasecmp (pairs[i], name) == 0)
      return pairs[i + 1];
  return NULL;
}

static void
test_table (void)
{
  const char *keys[] = { "alpha-key", "beta-key", NULL };
  struct {
    const char     *headers[7];
    const char     *query_key;
    SyApiKeyResult  expect;
    const char     *matched;
  } cases[] = {
    { { NULL }, NULL, SY_API_KEY_MISSING, NULL },
    { { "Authorization", "Bearer alpha-key", NULL }, NULL, SY_API_KEY_OK, "alpha-key" },
    { { "Authorization", "bearer   beta-key  ", NULL }, NULL, SY_API_KEY_OK, "beta-key" },
    { { "Authorization", "beta-key", NULL }, NULL, SY_API_KEY_OK, "beta-key" },
    { { "Authorization", "Basic alpha-key", NULL }, NULL, SY_API_KEY_INVALID, NULL },
    { { "Authorization", "Bearer wrong", NULL }, NULL, SY_API_KEY_INVALID, NULL },
    { { "x-api-key", "alpha-key", NULL }, NULL, SY_API_KEY_OK, "alpha-key" },
    { { "X-Goog-Api-Key", "beta-key", NULL }, NULL, SY_API_KEY_OK, "beta-key" },
    { { NULL }, "alpha-key", SY_API_KEY_OK, "alpha-key" },
    { { NULL }, "nope", SY_API_KEY_INVALID, NULL },
    /* A wrong bearer does not hide a right x-api-key. */
    { { "Authorization", "Bearer wrong", "x-api-key", "beta-key", NULL }, NULL, SY_API_KEY_OK, "beta-key" },
    { { "x-api-key", "", NULL }, NULL, SY_API_KEY_MISSING, NULL },
    { { "x-api-key", "alpha-ke", NULL }, NULL, SY_API_KEY_INVALID, NULL },
    { { "x-api-key", "alpha-key2", NULL }, NULL, SY_API_KEY_INVALID, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
      const char *matched = NULL;

      if (cases[i].query_key)
        g_hash_table_insert (query, (char *) "key", (char *) cases[i].query_key);
      g_assert_cmpint (sy_api_key_check (keys, lookup, (gpointer) cases[i].headers, query, &matched),
                       ==, cases[i].expect);
      g_assert_cmpstr (matched, ==, cases[i].matched);
    }
}

static void
test_no_keys (void)
{
  const char *keys[] = { NULL };
  const char *headers[] = { NULL };

  g_assert_cmpint (sy_api_key_check (keys, lookup, headers, NULL, NULL), ==, SY_API_KEY_OK);
}

static void
test_equal (void)
{
  g_assert_true (sy_api_key_equal ("abc", "abc"));
  g_assert_false (sy_api_key_equal ("abc", "abd"));
  g_assert_false (sy_api_key_equal ("abc", "abcd"));
  g_assert_false (sy_api_key_equal ("abc", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api-key/table", test_table);
  g_test_add_func ("/api-key/no-keys", test_no_keys);
  g_test_add_func ("/api-key/equal", test_equal);
  return g_test_run ();
}
