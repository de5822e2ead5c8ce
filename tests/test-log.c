/* test-log.c: secrets never reach a log line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-log.h"

static void
test_mask (void)
{
  g_autofree char *a = sy_mask_secret ("sk-abcdefghijklmnop1234");
  g_autofree char *b = sy_mask_secret ("short");

  g_assert_cmpstr (a, ==, "sk-...1234");
  g_assert_cmpstr (b, ==, "***");
}

static void
test_registered (void)
{
  g_autofree char *out = NULL;

  sy_log_add_secret ("my-registered-secret-value");
  out = sy_log_mask_secrets ("key=my-registered-secret-value and again my-registered-secret-value.");
  g_assert_null (strstr (out, "my-registered-secret-value"));
  g_assert_nonnull (strstr (out, "my-...alue"));
  sy_log_clear_secrets ();
}

/* Two holders of one secret: masked until the last lets it go. */
static void
test_registered_holders (void)
{
  const char *text = "value zq9-holder-secret-zq9 here";

  sy_log_add_secret ("zq9-holder-secret-zq9");
  sy_log_add_secret ("zq9-holder-secret-zq9");
  sy_log_remove_secret ("zq9-holder-secret-zq9");
  {
    g_autofree char *out = sy_log_mask_secrets (text);

    g_assert_null (strstr (out, "holder-secret"));
  }
  sy_log_remove_secret ("zq9-holder-secret-zq9");
  sy_log_remove_secret ("zq9-holder-secret-zq9");   /* once too often: harmless */
  {
    g_autofree char *out = sy_log_mask_secrets (text);

    g_assert_cmpstr (out, ==, text);
  }
  sy_log_clear_secrets ();
}

static void
test_shapes (void)
{
  struct { const char *in; const char *secret; } cases[] = {
    { "Authorization: Bearer sk-ant-oat01-AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAA" },
    { "key AIzaSyA1234567890abcdefghijklmnop", "SyA1234567890abcdefghijklmnop" },
    { "token ya29.a0AfH6SMBxxxxxxxxxxxxxxxxxxx end", "a0AfH6SMBxxxxxxxxxxxxxxxxxxx" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = sy_log_mask_secrets (cases[i].in);
      g_assert_null (strstr (out, cases[i].secret));
    }

  /* Words that merely contain a prefix stay as they are. */
  {
    g_autofree char *out = sy_log_mask_secrets ("task-queue-management-handler ok");
    g_assert_cmpstr (out, ==, "task-queue-management-handler ok");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/log/mask", test_mask);
  g_test_add_func ("/log/registered", test_registered);
  g_test_add_func ("/log/registered-holders", test_registered_holders);
  g_test_add_func ("/log/shapes", test_shapes);
  return g_test_run ();
}
