/* test-secret-os.c: the portable helpers of the OS secret stores
 *
 * Entry names and the UTF-8 <-> UTF-16 conversion the Windows Credential
 * Manager backend relies on, checked here where Windows is not (its calls
 * themselves are wincred-check.c's).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sy-secret-os.h"

/* {"refresh_token":"ключ-🔑-秘密"} */
#define UNICODE_SECRET  "{\"refresh_token\":\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xf0\x9f\x94\x91-\xe7\xa7\x98\xe5\xaf\x86\"}"

static void
assert_units (const uint16_t *units,
              size_t          n_units,
              const uint16_t *expected,
              size_t          n_expected)
{
  g_assert_nonnull (units);
  g_assert_cmpuint (n_units, ==, n_expected);
  g_assert_cmpmem (units, (n_units + 1) * sizeof *units,
                   expected, (n_expected + 1) * sizeof *expected);
}

static void
test_entry_name (void)
{
  char *name;

  name = sy_secret_os_entry_name ("Switchyard/", "claude", "me@example.com");
  g_assert_cmpstr (name, ==, "Switchyard/claude/me@example.com");
  free (name);

  /* The Keychain's account: no prefix. */
  name = sy_secret_os_entry_name ("", "codex", "claude:1a2b3c4d");
  g_assert_cmpstr (name, ==, "codex/claude:1a2b3c4d");
  free (name);

  /* Providers have no '/', so one in the account still reads one way. */
  name = sy_secret_os_entry_name ("Switchyard/", "gemini", "team/bob");
  g_assert_cmpstr (name, ==, "Switchyard/gemini/team/bob");
  free (name);

  name = sy_secret_os_entry_name ("Switchyard/", "switchyard", "file-key");
  g_assert_cmpstr (name, ==, "Switchyard/switchyard/file-key");
  free (name);

  g_assert_null (sy_secret_os_entry_name ("Switchyard/", "bad/provider", "bob"));
  g_assert_null (sy_secret_os_entry_name ("Switchyard/", "", "bob"));
  g_assert_null (sy_secret_os_entry_name ("Switchyard/", "claude", ""));
  g_assert_null (sy_secret_os_entry_name ("Switchyard/", NULL, "bob"));
  g_assert_null (sy_secret_os_entry_name ("Switchyard/", "claude", NULL));
  g_assert_null (sy_secret_os_entry_name (NULL, "claude", "bob"));
}

static void
test_to_utf16 (void)
{
  static const uint16_t ascii[] = { 'S', 'y', '/', 'a', 0 };
  /* é (2 bytes), € (3 bytes), 🔑 U+1F511 (4 bytes: a surrogate pair),
   * U+FFFF and U+10FFFF, the last of each range. */
  static const uint16_t mixed[] = { 0x00e9, 0x20ac, 0xd83d, 0xdd11, 0xffff, 0xdbff, 0xdfff, 0 };
  static const uint16_t empty[] = { 0 };
  uint16_t *units;
  size_t n_units = 12345;

  units = sy_secret_os_utf8_to_utf16 ("Sy/a", &n_units);
  assert_units (units, n_units, ascii, 4);
  free (units);

  units = sy_secret_os_utf8_to_utf16 ("\xc3\xa9" "\xe2\x82\xac" "\xf0\x9f\x94\x91"
                                      "\xef\xbf\xbf" "\xf4\x8f\xbf\xbf", &n_units);
  assert_units (units, n_units, mixed, 7);
  free (units);

  units = sy_secret_os_utf8_to_utf16 ("", &n_units);
  assert_units (units, n_units, empty, 0);
  free (units);

  /* The count is optional. */
  units = sy_secret_os_utf8_to_utf16 ("Sy/a", NULL);
  assert_units (units, 4, ascii, 4);
  free (units);
}

static void
test_to_utf16_refuses (void)
{
  static const char *const bad[] = {
    "\xc0\xaf",              /* overlong '/' */
    "\xc1\xbf",              /* overlong */
    "\xe0\x80\xaf",          /* overlong, three bytes */
    "\xf0\x80\x80\xaf",      /* overlong, four bytes */
    "\xed\xa0\x80",          /* U+D800, a surrogate */
    "\xed\xbf\xbf",          /* U+DFFF */
    "\xf4\x90\x80\x80",      /* U+110000 */
    "\xf5\x80\x80\x80",      /* no such lead byte */
    "\xff",
    "\x80",                  /* a continuation on its own */
    "ok\xe2\x82",            /* cut short */
    "\xe2\x82x",             /* not a continuation */
    "\xf0\x9f\x94",          /* cut short, four bytes */
  };
  size_t n_units = 7;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("case %u", i);
      g_assert_null (sy_secret_os_utf8_to_utf16 (bad[i], &n_units));
      g_assert_false (sy_secret_os_text_valid (bad[i], strlen (bad[i])));
    }
  /* Left alone on failure. */
  g_assert_cmpuint (n_units, ==, 7);
  g_assert_null (sy_secret_os_utf8_to_utf16 (NULL, &n_units));
}

static void
test_to_utf8 (void)
{
  static const uint16_t key[] = { 'k', 0xd83d, 0xdd11, 0x79d8, 0 };
  static const uint16_t with_nul[] = { 'a', 0, 'b' };
  char *text;

  text = sy_secret_os_utf16_to_utf8 (key, 4);
  g_assert_cmpstr (text, ==, "k\xf0\x9f\x94\x91\xe7\xa7\x98");
  free (text);

  /* (size_t) -1: up to the 0 unit. */
  text = sy_secret_os_utf16_to_utf8 (key, (size_t) -1);
  g_assert_cmpstr (text, ==, "k\xf0\x9f\x94\x91\xe7\xa7\x98");
  free (text);

  /* Only the units asked for. */
  text = sy_secret_os_utf16_to_utf8 (key, 1);
  g_assert_cmpstr (text, ==, "k");
  free (text);

  text = sy_secret_os_utf16_to_utf8 (key, 0);
  g_assert_cmpstr (text, ==, "");
  free (text);

  text = sy_secret_os_utf16_to_utf8 (with_nul, 1);
  g_assert_cmpstr (text, ==, "a");
  free (text);
  g_assert_null (sy_secret_os_utf16_to_utf8 (with_nul, 3));
}

static void
test_to_utf8_refuses (void)
{
  static const uint16_t lone_high_last[] = { 'a', 0xd83d, 0 };
  static const uint16_t lone_high[] = { 0xd83d, 'a', 0 };
  static const uint16_t lone_low[] = { 'a', 0xdd11, 0 };
  static const uint16_t reversed[] = { 0xdd11, 0xd83d, 0 };
  static const uint16_t pair[] = { 0xd83d, 0xdd11, 0 };

  g_assert_null (sy_secret_os_utf16_to_utf8 (lone_high_last, (size_t) -1));
  g_assert_null (sy_secret_os_utf16_to_utf8 (lone_high, (size_t) -1));
  g_assert_null (sy_secret_os_utf16_to_utf8 (lone_low, (size_t) -1));
  g_assert_null (sy_secret_os_utf16_to_utf8 (reversed, 2));
  /* A pair cut in two by the length. */
  g_assert_null (sy_secret_os_utf16_to_utf8 (pair, 1));
  g_assert_null (sy_secret_os_utf16_to_utf8 (NULL, 0));
}

/* Texts, and every scalar value at once, there and back; the units are
 * what GLib makes of the same text. */
static void
test_roundtrip (void)
{
  g_autoptr(GString) all = g_string_new (NULL);
  const char *texts[] = {
    "Switchyard/claude/me@example.com",
    UNICODE_SECRET,
    "Switchyard/gemini/bob-\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87@example.com",
    NULL,
  };
  uint16_t *units;
  char *back;
  size_t n_units = 0;
  gunichar c;
  guint i;

  for (c = 1; c <= 0x10ffff; c++)
    if (c < 0xd800 || c > 0xdfff)
      g_string_append_unichar (all, c);
  texts[G_N_ELEMENTS (texts) - 1] = all->str;

  for (i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree gunichar2 *glib_units = NULL;
      glong glib_n = 0;

      units = sy_secret_os_utf8_to_utf16 (texts[i], &n_units);
      glib_units = g_utf8_to_utf16 (texts[i], -1, NULL, &glib_n, NULL);
      g_assert_nonnull (glib_units);
      assert_units (units, n_units, glib_units, (size_t) glib_n);
      back = sy_secret_os_utf16_to_utf8 (units, n_units);
      g_assert_true (g_strcmp0 (back, texts[i]) == 0);
      g_assert_true (sy_secret_os_text_valid (texts[i], strlen (texts[i])));
      free (back);
      free (units);
    }
  /* 0x10ffff - 0x800 scalar values, those past U+FFFF as two units. */
  g_assert_cmpuint (n_units, ==, (0xffff - 0x800) + 2 * 0x100000);
}

static void
test_text_valid (void)
{
  g_assert_true (sy_secret_os_text_valid (UNICODE_SECRET, strlen (UNICODE_SECRET)));
  g_assert_true (sy_secret_os_text_valid ("", 0));
  /* Only @len bytes are looked at. */
  g_assert_true (sy_secret_os_text_valid ("ab\xff", 2));
  g_assert_false (sy_secret_os_text_valid ("ab\xff", 3));
  /* A NUL is not text: the secret would be cut there. */
  g_assert_false (sy_secret_os_text_valid ("a\0b", 3));
  /* A character cut by the length. */
  g_assert_false (sy_secret_os_text_valid ("\xe2\x82\xac", 2));
  g_assert_false (sy_secret_os_text_valid (NULL, 0));
}

static void
test_strings (void)
{
  char *error = NULL;
  char *text;
  char *long_text;
  char buffer[5] = "abcd";

  text = sy_secret_os_printf ("the secret is %lu bytes, at most %d", 3000UL, 2560);
  g_assert_cmpstr (text, ==, "the secret is 3000 bytes, at most 2560");
  sy_secret_os_free (text);

  /* Longer than the first try's buffer. */
  long_text = g_strnfill (1000, 'x');
  text = sy_secret_os_printf ("<%s>", long_text);
  g_assert_cmpuint (strlen (text), ==, 1002);
  g_assert_true (text[0] == '<' && text[1001] == '>' && text[500] == 'x');
  sy_secret_os_free (text);
  g_free (long_text);

  sy_secret_os_wipe (buffer, 3);
  g_assert_cmpmem (buffer, 5, "\0\0\0d", 5);

  g_assert_cmpint (sy_secret_os_fail (&error, sy_secret_os_printf ("why %d", 1)), ==,
                   SY_SECRET_OS_ERROR);
  g_assert_cmpstr (error, ==, "why 1");
  sy_secret_os_free (error);
  /* Without a place for it the message is freed (the leak checker looks). */
  g_assert_cmpint (sy_secret_os_fail (NULL, sy_secret_os_printf ("dropped")), ==,
                   SY_SECRET_OS_ERROR);
  sy_secret_os_free (NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secret-os/entry-name", test_entry_name);
  g_test_add_func ("/secret-os/to-utf16", test_to_utf16);
  g_test_add_func ("/secret-os/to-utf16-refuses", test_to_utf16_refuses);
  g_test_add_func ("/secret-os/to-utf8", test_to_utf8);
  g_test_add_func ("/secret-os/to-utf8-refuses", test_to_utf8_refuses);
  g_test_add_func ("/secret-os/roundtrip", test_roundtrip);
  g_test_add_func ("/secret-os/text-valid", test_text_valid);
  g_test_add_func ("/secret-os/strings", test_strings);

  return g_test_run ();
}
