/* test-secret.c: secrets are wiped before they are released
 *
 * Freed memory is never read here: each helper is given memory that stays
 * alive past the call (a second reference to a GByteArray, a GString that
 * is only emptied, a free function that looks before it lets go), and the
 * test checks that the secret's bytes are gone from it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-secret"

#include "config.h"

#include <string.h>

#include "sy-secret.h"

#define SECRET "rt-canary-0123456789abcdefghij"

static gboolean
all_zero (const guint8 *data,
          gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] != 0)
      return FALSE;
  return TRUE;
}

static void
test_wipe (void)
{
  char buffer[] = "x" SECRET "y";

  sy_secret_wipe (buffer + 1, strlen (SECRET));
  g_assert_cmpint (buffer[0], ==, 'x');
  g_assert_true (all_zero ((const guint8 *) buffer + 1, strlen (SECRET)));
  g_assert_cmpint (buffer[1 + strlen (SECRET)], ==, 'y');
  /* Nothing to wipe is no crash. */
  sy_secret_wipe (NULL, 10);
  sy_secret_wipe (buffer, 0);
  g_assert_cmpint (buffer[0], ==, 'x');
}

/* The free function sees the buffer before it goes: already wiped. */
typedef struct
{
  guint8   *data;
  gsize     len;
  gboolean  called;
  gboolean  zero_when_freed;
} Release;

static Release *current_release;

static void
release_record (gpointer data)
{
  g_assert_true (data == current_release->data);
  current_release->called = TRUE;
  current_release->zero_when_freed = all_zero (current_release->data, current_release->len);
  g_free (data);
}

static void
test_free_full (void)
{
  Release r = { 0 };

  r.data = (guint8 *) g_strdup (SECRET);
  r.len = strlen (SECRET);
  current_release = &r;
  sy_secret_free_full (r.data, r.len, release_record);
  g_assert_true (r.called);
  g_assert_true (r.zero_when_freed);
  current_release = NULL;
}

/* A GString only emptied: all of its buffer is zero, past the text too
 * (what a truncate cut off is still in the buffer otherwise). */
static void
test_string_wipe (void)
{
  GString *str = g_string_new (SECRET SECRET);
  char *buffer;
  gsize allocated;

  g_string_truncate (str, 4);
  buffer = str->str;
  allocated = str->allocated_len;
  /* Before: the cut text is still there. */
  g_assert_cmpmem (buffer + 5, 8, SECRET + 5, 8);

  sy_secret_string_wipe (str);
  g_assert_true (str->str == buffer);
  g_assert_cmpuint (str->len, ==, 0);
  g_assert_true (all_zero ((const guint8 *) buffer, allocated));
  /* Still a GString. */
  g_string_append (str, "ok");
  g_assert_cmpstr (str->str, ==, "ok");
  sy_secret_string_free (str);
  sy_secret_string_free (NULL);
}

/* A byte array someone else still holds: its bytes are wiped all the
 * same (a token answer is not needed once read). */
static void
test_byte_array (void)
{
  GByteArray *array = g_byte_array_new ();

  g_byte_array_append (array, (const guint8 *) SECRET, strlen (SECRET));
  g_byte_array_ref (array);
  sy_secret_byte_array_unref (array);
  g_assert_cmpuint (array->len, ==, strlen (SECRET));
  g_assert_true (all_zero (array->data, array->len));
  g_byte_array_unref (array);
  sy_secret_byte_array_unref (NULL);
}

/* A GBytes of a secret is wiped when its last reference goes, not before:
 * a transfer may still be sending it. */
static void
test_bytes (void)
{
  GByteArray *backing = g_byte_array_new ();
  GBytes *bytes;

  g_byte_array_append (backing, (const guint8 *) SECRET, strlen (SECRET));
  bytes = sy_secret_bytes_new_full (backing->data, backing->len, (GDestroyNotify) g_byte_array_unref,
                                    g_byte_array_ref (backing));
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), SECRET, strlen (SECRET));

  g_bytes_ref (bytes);                     /* a second holder */
  g_bytes_unref (bytes);
  g_assert_cmpmem (backing->data, backing->len, SECRET, strlen (SECRET));

  g_bytes_unref (bytes);                   /* the last one */
  g_assert_true (all_zero (backing->data, backing->len));
  g_byte_array_unref (backing);            /* ours; the GBytes' went with it */

  /* The g_malloc()ed form: no way to look after, but no leak and no
   * double free either (ASan's setup says so). */
  g_bytes_unref (sy_secret_bytes_new_take (g_strdup (SECRET), strlen (SECRET)));
}

/* Strings: sy_secret_clear() sets NULL; the free functions take NULL. */
static void
test_strings (void)
{
  char *text = g_strdup (SECRET);
  char **strv = g_strsplit ("Authorization: Bearer " SECRET ",x-api-key: " SECRET, ",", -1);

  sy_secret_clear (&text);
  g_assert_null (text);
  sy_secret_clear (&text);
  sy_secret_free (NULL);
  sy_secret_strfreev (strv);
  sy_secret_strfreev (NULL);
  {
    sy_autowipe char *scoped = g_strdup (SECRET);

    g_assert_cmpstr (scoped, ==, SECRET);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secret/wipe", test_wipe);
  g_test_add_func ("/secret/free-full", test_free_full);
  g_test_add_func ("/secret/string-wipe", test_string_wipe);
  g_test_add_func ("/secret/byte-array", test_byte_array);
  g_test_add_func ("/secret/bytes", test_bytes);
  g_test_add_func ("/secret/strings", test_strings);

  return g_test_run ();
}
