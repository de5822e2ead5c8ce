/* test-secret-hash.c: bcrypt, constant-time comparison, the management key in config.yaml
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-secret-hash"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "sy-config.h"
#include "sy-core-error.h"
#include "sy-secret-hash.h"

/* Published bcrypt test vectors (Openwall's crypt_blowfish test suite, and
 * the example of the bcrypt Wikipedia article), made by other
 * implementations than the one under test. */
static const struct
{
  const char *hash;
  const char *plain;
} vectors[] = {
  { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U" },
  { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*" },
  { "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U" },
  { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", "" },
  { "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "chars after 72 are ignored" },
  { "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3" },
  { "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3" },
  { "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "abc123xyz" },
};

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sy-test-secret-hash-XXXXXX", &error);

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

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
}

/* remote-management.secret-key as the loader reads it */
static char *
stored_secret (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConfig) cfg = sy_config_new_from_file (path, &error);
  JsonNode *node;

  g_assert_no_error (error);
  node = sy_config_lookup (cfg, "remote-management.secret-key");
  g_assert_nonnull (node);
  return g_strdup (json_node_get_string (node));
}

/* ------------------------------------------------------------------------ */

static void
test_is_bcrypt (void)
{
  static const char * const not_bcrypt[] = {
    "",
    "secret",
    "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",   /* the buggy variant */
    "$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
    "$2a$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
    "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",   /* cost too low */
    "$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",   /* too high */
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",    /* 59 */
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",  /* 61 */
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",   /* not base64 */
    " $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
    "$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0",                            /* MD5-crypt */
    "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",   /* SHA-256-crypt */
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    g_assert_true (sy_secret_is_bcrypt (vectors[i].hash));
  for (guint i = 0; i < G_N_ELEMENTS (not_bcrypt); i++)
    g_assert_false (sy_secret_is_bcrypt (not_bcrypt[i]));
  g_assert_false (sy_secret_is_bcrypt (NULL));
}

static void
test_vectors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *wrong = g_strconcat (vectors[i].plain, "x", NULL);

      g_test_message ("vector %u", i);
      g_assert_true (sy_secret_bcrypt_verify (vectors[i].hash, vectors[i].plain));
      if (strlen (vectors[i].plain) < 72)
        g_assert_false (sy_secret_bcrypt_verify (vectors[i].hash, wrong));
      g_assert_false (sy_secret_bcrypt_verify (vectors[i].hash, "U*"));
    }

  /* bcrypt reads 72 bytes: what follows does not count */
  g_assert_true (sy_secret_bcrypt_verify (vectors[4].hash,
                                          "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                          "something else"));
}

static void
test_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = sy_secret_bcrypt_hash ("correct horse", &error);
  g_autofree char *b = NULL;
  g_autofree char *as_2a = NULL;
  g_autofree char *as_2y = NULL;
  g_autofree char *tampered = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (a, "$2b$10$"));
  g_assert_true (sy_secret_is_bcrypt (a));
  g_assert_true (sy_secret_bcrypt_verify (a, "correct horse"));
  g_assert_false (sy_secret_bcrypt_verify (a, "correct horse "));
  g_assert_false (sy_secret_bcrypt_verify (a, "Correct horse"));
  g_assert_false (sy_secret_bcrypt_verify (a, ""));
  g_assert_false (sy_secret_bcrypt_verify (a, NULL));

  /* a fresh salt each time */
  b = sy_secret_bcrypt_hash ("correct horse", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (sy_secret_bcrypt_verify (b, "correct horse"));

  /* $2a$ and $2y$ hash a short ASCII secret as $2b$ does (what other
   * implementations, Go's among them, write) */
  as_2a = g_strdup (a);
  as_2a[2] = 'a';
  as_2y = g_strdup (a);
  as_2y[2] = 'y';
  g_assert_true (sy_secret_bcrypt_verify (as_2a, "correct horse"));
  g_assert_true (sy_secret_bcrypt_verify (as_2y, "correct horse"));
  g_assert_false (sy_secret_bcrypt_verify (as_2a, "wrong horse"));

  /* one character of the digest changed */
  tampered = g_strdup (a);
  tampered[59] = tampered[59] == 'a' ? 'b' : 'a';
  g_assert_false (sy_secret_bcrypt_verify (tampered, "correct horse"));

  /* the empty secret hashes like any other */
  g_clear_pointer (&b, g_free);
  b = sy_secret_bcrypt_hash ("", &error);
  g_assert_no_error (error);
  g_assert_true (sy_secret_bcrypt_verify (b, ""));
  g_assert_false (sy_secret_bcrypt_verify (b, " "));
}

static void
test_verify_not_bcrypt (void)
{
  /* a stored plaintext key never matches, not even itself */
  g_assert_false (sy_secret_bcrypt_verify ("secret", "secret"));
  g_assert_false (sy_secret_bcrypt_verify ("", ""));
  g_assert_false (sy_secret_bcrypt_verify (NULL, "secret"));
  /* other crypt(3) schemes are refused although libxcrypt knows them:
   * this is MD5-crypt of "password" (openssl passwd -1) */
  g_assert_false (sy_secret_bcrypt_verify ("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "password"));
  /* the buggy $2x$ variant */
  g_assert_false (sy_secret_bcrypt_verify ("$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                                           "U*U"));
}

static void
test_equal (void)
{
  g_assert_true (sy_secret_equal ("secret", "secret"));
  g_assert_true (sy_secret_equal ("", ""));
  g_assert_false (sy_secret_equal ("secret", "secreT"));
  g_assert_false (sy_secret_equal ("secret", "secret2"));
  g_assert_false (sy_secret_equal ("secret", "secre"));
  g_assert_false (sy_secret_equal ("secret", ""));
  g_assert_false (sy_secret_equal (NULL, "secret"));
  g_assert_false (sy_secret_equal ("secret", NULL));
  g_assert_false (sy_secret_equal (NULL, NULL));
}

static const char config_text[] =
  "# Switchyard configuration\n"
  "port: 8317\n"
  "\n"
  "# Management API\n"
  "remote-management:\n"
  "  allow-remote: false   # local only\n"
  "  secret-key: \"plain-secret\"   # hashed on load\n"
  "  disable-control-panel: true\n"
  "\n"
  "# the end\n";

static void
test_hash_in_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *expected = NULL;
  gboolean changed = FALSE;
  GStatBuf st;

  write_text (path, config_text);
  g_assert_true (sy_config_hash_secret_in_file (path, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);

  hash = stored_secret (path);
  g_assert_true (sy_secret_is_bcrypt (hash));
  g_assert_true (g_str_has_prefix (hash, "$2b$10$"));
  g_assert_true (sy_secret_bcrypt_verify (hash, "plain-secret"));
  g_assert_false (sy_secret_bcrypt_verify (hash, "plain-secreT"));

  /* only the value changed: comments, blank lines, other keys stay */
  text = read_text (path);
  g_assert_null (strstr (text, "plain-secret"));
  expected = g_strdup_printf ("# Switchyard configuration\n"
                              "port: 8317\n"
                              "\n"
                              "# Management API\n"
                              "remote-management:\n"
                              "  allow-remote: false   # local only\n"
                              "  secret-key: %s   # hashed on load\n"
                              "  disable-control-panel: true\n"
                              "\n"
                              "# the end\n", hash);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  /* a hash stays as it is */
  g_assert_true (sy_config_hash_secret_in_file (path, &changed, &error));
  g_assert_no_error (error);
  g_assert_false (changed);
  again = read_text (path);
  g_assert_cmpstr (again, ==, text);

  rm_rf (dir);
}

static void
test_hash_in_file_cases (void)
{
  static const struct
  {
    const char *text;
    const char *secret;    /* what the hash must verify; NULL: file unchanged */
  } cases[] = {
    { "port: 1\n", NULL },
    { "", NULL },
    { "remote-management:\n  allow-remote: true\n", NULL },
    { "remote-management:\n  secret-key: \"\"\n", NULL },
    { "remote-management:\n  secret-key:\n", NULL },
    { "remote-management:\n  secret-key: \"   \"\n", NULL },
    { "remote-management:\n  secret-key: "
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n", NULL },
    { "remote-management:\n  secret-key: \"  padded  \"\n", "padded" },
    { "remote-management:\n  secret-key: 0123 # digits\n", "0123" },
    { "remote-management: {secret-key: flow}\n", "flow" },
    { "remote-management:\r\n  secret-key: crlf\r\n", "crlf" },
  };
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gboolean changed = TRUE;

      g_test_message ("case %u", i);
      write_text (path, cases[i].text);
      g_assert_true (sy_config_hash_secret_in_file (path, &changed, &error));
      g_assert_no_error (error);
      text = read_text (path);
      if (cases[i].secret == NULL)
        {
          g_assert_false (changed);
          g_assert_cmpstr (text, ==, cases[i].text);
        }
      else
        {
          g_autofree char *hash = stored_secret (path);

          g_assert_true (changed);
          g_assert_true (sy_secret_bcrypt_verify (hash, cases[i].secret));
        }
    }

  rm_rf (dir);
}

static void
test_hash_in_file_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "config.yaml", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.yaml", NULL);
  g_autofree char *text = NULL;
  gboolean changed = TRUE;

  g_assert_false (sy_config_hash_secret_in_file (missing, &changed, &error));
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO);
  g_assert_false (changed);
  g_clear_error (&error);

  write_text (path, "remote-management:\n  secret-key: [unclosed\n");
  g_assert_false (sy_config_hash_secret_in_file (path, &changed, &error));
  g_assert_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX);
  text = read_text (path);
  g_assert_cmpstr (text, ==, "remote-management:\n  secret-key: [unclosed\n");

  rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secret-hash/is-bcrypt", test_is_bcrypt);
  g_test_add_func ("/secret-hash/vectors", test_vectors);
  g_test_add_func ("/secret-hash/hash", test_hash);
  g_test_add_func ("/secret-hash/verify-not-bcrypt", test_verify_not_bcrypt);
  g_test_add_func ("/secret-hash/equal", test_equal);
  g_test_add_func ("/secret-hash/hash-in-file", test_hash_in_file);
  g_test_add_func ("/secret-hash/hash-in-file-cases", test_hash_in_file_cases);
  g_test_add_func ("/secret-hash/hash-in-file-errors", test_hash_in_file_errors);

  return g_test_run ();
}
