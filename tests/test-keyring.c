/* test-keyring.c: the token store against a real Secret Service
 *
 * Runs inside tests/headless-session.sh: a private session bus with an
 * unlocked gnome-keyring, and no X server, so nothing can prompt. The
 * secrets are looked up with libsecret directly, on the schema the store
 * documents, to see where they really went.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsecret/secret.h>

#include "token-store-sync.h"

#define KDF_OFFSET  5

static const SecretSchema schema = {
  "org.switchyard.Switchyard.Token", SECRET_SCHEMA_NONE,
  {
    { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

typedef struct
{
  char *top;
  char *dir;
  char *enc;
  char *key;
} Fixture;

/* What the Secret Service holds for (@provider, @account), or NULL. */
static char *
keyring_lookup (const char *provider,
                const char *account)
{
  g_autoptr(GError) error = NULL;
  char *found = secret_password_lookup_sync (&schema, NULL, &error,
                                             "provider", provider, "account", account, NULL);
  char *copy;

  g_assert_no_error (error);
  copy = g_strdup (found);
  secret_password_free (found);
  return copy;
}

static void
keyring_clear (const char *provider,
               const char *account)
{
  g_autoptr(GError) error = NULL;

  secret_password_clear_sync (&schema, NULL, &error, "provider", provider, "account", account, NULL);
  g_assert_no_error (error);
}

static char *
keyring_label (const char *provider,
               const char *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = secret_attributes_build (&schema, "provider", provider,
                                                               "account", account, NULL);
  GList *items = secret_service_search_sync (NULL, &schema, attributes, SECRET_SEARCH_NONE,
                                             NULL, &error);
  char *label;

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  label = secret_item_get_label (items->data);
  g_list_free_full (items, g_object_unref);
  return label;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->top = g_dir_make_tmp ("sy-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->top, "switchyard", NULL);
  f->enc = g_build_filename (f->dir, "tokens.enc", NULL);
  f->key = g_build_filename (f->dir, "tokens.key", NULL);
  if (g_getenv ("SWITCHYARD_MASTER_KEY") != NULL)
    g_unsetenv ("SWITCHYARD_MASTER_KEY");
  /* The file key is one item for every store: start without it. */
  if (data != NULL)
    keyring_clear ("switchyard", "file-key");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  rm_rf (f->top);
  g_free (f->top);
  g_free (f->dir);
  g_free (f->enc);
  g_free (f->key);
  if (g_getenv ("SWITCHYARD_MASTER_KEY") != NULL)
    g_unsetenv ("SWITCHYARD_MASTER_KEY");
  if (data != NULL)
    keyring_clear ("switchyard", "file-key");
}

static void
test_auto (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *held = NULL;
  g_autofree char *label = NULL;

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "keyring");
  assert_absent (store, "claude", "auto-alice");

  g_assert_true (store_save (store, "claude", "auto-alice", "{\"access_token\":\"K1\"}", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "auto-alice", "{\"access_token\":\"K1\"}");
  held = keyring_lookup ("claude", "auto-alice");
  g_assert_cmpstr (held, ==, "{\"access_token\":\"K1\"}");
  label = keyring_label ("claude", "auto-alice");
  g_assert_cmpstr (label, ==, "Switchyard: claude auto-alice");

  /* Overwritten in place: still one item. */
  g_assert_true (store_save (store, "claude", "auto-alice", "{\"access_token\":\"K2\"}", &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, g_free);
  held = keyring_lookup ("claude", "auto-alice");
  g_assert_cmpstr (held, ==, "{\"access_token\":\"K2\"}");
  g_clear_pointer (&label, g_free);
  label = keyring_label ("claude", "auto-alice");

  /* Nothing on disk. */
  g_assert_false (g_file_test (f->enc, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));

  g_assert_true (store_delete (store, "claude", "auto-alice", &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, g_free);
  held = keyring_lookup ("claude", "auto-alice");
  g_assert_null (held);
  assert_absent (store, "claude", "auto-alice");
  g_assert_true (store_delete (store, "claude", "auto-alice", &error));
  g_assert_no_error (error);
}

static void
test_explicit (Fixture       *f,
               gconstpointer  data)
{
  static const char *unicode = "{\"key\":\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xf0\x9f\x94\x91\"}";
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_KEYRING, f->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *held = NULL;

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "keyring");
  g_assert_true (store_save (store, "gemini", "bob@example.com", unicode, &error));
  g_assert_no_error (error);
  g_assert_true (store_save (store, "codex", "bob@example.com", "codex-secret", &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* Another store object sees them; keyed by provider and account. */
  store = store_new_open (SY_TOKEN_STORE_KEYRING, f->dir);
  assert_loads (store, "gemini", "bob@example.com", unicode);
  assert_loads (store, "codex", "bob@example.com", "codex-secret");
  held = keyring_lookup ("gemini", "bob@example.com");
  g_assert_cmpstr (held, ==, unicode);

  g_assert_true (store_delete (store, "gemini", "bob@example.com", &error));
  g_assert_no_error (error);
  assert_absent (store, "gemini", "bob@example.com");
  assert_loads (store, "codex", "bob@example.com", "codex-secret");
  g_assert_true (store_delete (store, "codex", "bob@example.com", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
}

/* Started together, without waiting: each call sees the ones before it. */
static void
test_ordering (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = sy_token_store_new (SY_TOKEN_STORE_KEYRING, f->dir);
  g_autoptr(GAsyncResult) opened = NULL;
  g_autoptr(GAsyncResult) saved1 = NULL;
  g_autoptr(GAsyncResult) loaded1 = NULL;
  g_autoptr(GAsyncResult) saved2 = NULL;
  g_autoptr(GAsyncResult) loaded2 = NULL;
  g_autoptr(GAsyncResult) deleted = NULL;
  g_autoptr(GAsyncResult) loaded3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  sy_token_store_open_async (store, NULL, sync_got_result, &opened);
  sy_token_store_save_async (store, "claude", "order", "one", NULL, sync_got_result, &saved1);
  sy_token_store_load_async (store, "claude", "order", NULL, sync_got_result, &loaded1);
  sy_token_store_save_async (store, "claude", "order", "two", NULL, sync_got_result, &saved2);
  sy_token_store_load_async (store, "claude", "order", NULL, sync_got_result, &loaded2);
  sy_token_store_delete_async (store, "claude", "order", NULL, sync_got_result, &deleted);
  sy_token_store_load_async (store, "claude", "order", NULL, sync_got_result, &loaded3);

  /* The last one done means all are (they finish in order). */
  third = sy_token_store_load_finish (store, sync_wait (&loaded3), &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND);
  g_assert_null (third);
  g_clear_error (&error);
  g_assert_nonnull (opened);
  g_assert_true (sy_token_store_open_finish (store, opened, &error));
  g_assert_no_error (error);
  g_assert_true (sy_token_store_save_finish (store, saved1, &error));
  g_assert_no_error (error);
  first = sy_token_store_load_finish (store, loaded1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, "one");
  g_assert_true (sy_token_store_save_finish (store, saved2, &error));
  g_assert_no_error (error);
  second = sy_token_store_load_finish (store, loaded2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "two");
  g_assert_true (sy_token_store_delete_finish (store, deleted, &error));
  g_assert_no_error (error);
}

/* FILE asked for, a keyring there: the tokens go to tokens.enc, its key to
 * the keyring instead of tokens.key. */
static void
test_file_key_in_keyring (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *held = NULL;
  g_autofree char *file_key = NULL;
  g_autofree guchar *raw = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *secret = NULL;
  gsize len = 0;

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "file");
  g_assert_true (store_save (store, "claude", "filed", "{\"access_token\":\"F1\"}", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "filed", "{\"access_token\":\"F1\"}");
  g_clear_object (&store);

  g_assert_true (g_file_get_contents (f->enc, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 34 + 16);
  g_assert_cmpuint ((guint8) contents[KDF_OFFSET], ==, 2);
  g_assert_false (g_file_test (f->key, G_FILE_TEST_EXISTS));
  held = keyring_lookup ("claude", "filed");
  g_assert_null (held);
  file_key = keyring_lookup ("switchyard", "file-key");
  g_assert_nonnull (file_key);
  raw = g_base64_decode (file_key, &len);
  g_assert_cmpuint (len, ==, 32);

  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (store, "claude", "filed", "{\"access_token\":\"F1\"}");
  g_clear_object (&store);

  /* The keyring's key gone: the file cannot be read, nor written over. */
  keyring_clear ("switchyard", "file-key");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (f->enc, &contents, &len, &error));
  g_assert_no_error (error);
  before = g_bytes_new_take (g_steal_pointer (&contents), len);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "filed", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_nonnull (strstr (error->message, "keyring"));
  g_clear_error (&error);
  g_assert_false (store_save (store, "claude", "other", "x", &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_true (g_file_get_contents (f->enc, &contents, &len, NULL));
  after = g_bytes_new_take (g_steal_pointer (&contents), len);
  g_assert_true (g_bytes_equal (before, after));
  g_clear_pointer (&file_key, g_free);
  file_key = keyring_lookup ("switchyard", "file-key");
  g_assert_null (file_key);
}

/* A file made with tokens.key (here by a subprocess that has no bus) keeps
 * it when a keyring shows up: it stays readable without one. */
static void
test_key_file_kept (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *file_key = NULL;
  gsize len = 0;

  if (g_test_subprocess ())
    {
      g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
      g_unsetenv ("DISPLAY");
      store = store_new_open (SY_TOKEN_STORE_FILE, g_getenv ("SY_TEST_STORE_DIR"));
      g_assert_true (store_save (store, "claude", "kept", "k0", &error));
      g_assert_no_error (error);
      return;
    }

  keyring_clear ("switchyard", "file-key");
  g_setenv ("SY_TEST_STORE_DIR", f->dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_assert_true (g_file_test (f->key, G_FILE_TEST_IS_REGULAR));

  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (store, "claude", "kept", "k0");
  g_assert_true (store_save (store, "claude", "kept2", "k1", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "kept2", "k1");
  g_assert_true (g_file_get_contents (f->enc, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint ((guint8) contents[KDF_OFFSET], ==, 0);
  file_key = keyring_lookup ("switchyard", "file-key");
  g_assert_null (file_key);
}

/* A passphrase still wins over the keyring for FILE. */
static void
test_file_passphrase (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *file_key = NULL;
  gsize len = 0;

  g_setenv ("SWITCHYARD_MASTER_KEY", "keyring or not", TRUE);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_assert_true (store_save (store, "claude", "pp", "p", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "pp", "p");
  g_assert_true (g_file_get_contents (f->enc, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint ((guint8) contents[KDF_OFFSET], ==, 1);
  file_key = keyring_lookup ("switchyard", "file-key");
  g_assert_null (file_key);
  g_assert_false (g_file_test (f->key, G_FILE_TEST_EXISTS));
}

/* Locked, and no way to prompt for the password (no X server, no
 * prompter on the bus): as good as no keyring. Last: nothing here can
 * unlock the collection again. */
static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;
  GList list = { 0 };

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  list.data = collection;
  g_assert_cmpint (secret_service_lock_sync (service, &list, NULL, NULL, &error), ==, 1);
  g_assert_no_error (error);

  store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "file");
  g_clear_object (&store);

  store = sy_token_store_new (SY_TOKEN_STORE_KEYRING, f->dir);
  g_assert_false (store_open (store, &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message, "locked"));
}

/* The same session without gnome-keyring: a bus, but no Secret Service. */
static void
test_absent (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = sy_token_store_new (SY_TOKEN_STORE_KEYRING, f->dir);
  g_assert_false (store_open (store, &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message, "org.freedesktop.secrets"));
  g_clear_error (&error);
  g_clear_object (&store);

  store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "file");
  g_assert_true (store_save (store, "claude", "alice", "s", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "alice", "s");
  g_assert_true (g_file_test (f->enc, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (f->key, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&store);

  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (store, "claude", "alice", "s");
}

int
main (int    argc,
      char **argv)
{
  GDBusConnection *bus;
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      /* Never the keyring of whoever runs this by hand. */
      g_print ("1..0 # SKIP no session bus: run it inside tests/headless-session.sh\n");
      return 0;
    }

#define ADD(path, fn, keyring) \
  g_test_add ("/keyring/" path, Fixture, keyring, fixture_set_up, fn, fixture_tear_down)
  if (g_getenv ("HEADLESS_NO_KEYRING") != NULL)
    ADD ("absent", test_absent, NULL);
  else
    {
      ADD ("auto", test_auto, "keyring");
      ADD ("explicit", test_explicit, "keyring");
      ADD ("ordering", test_ordering, "keyring");
      ADD ("file-key-in-keyring", test_file_key_in_keyring, "keyring");
      ADD ("file-passphrase", test_file_passphrase, "keyring");
      /* No bus use before the test body: its subprocess has no bus. */
      ADD ("key-file-kept", test_key_file_kept, NULL);
      ADD ("locked", test_locked, "keyring");
    }
#undef ADD
  rc = g_test_run ();

  /* For leak checkers: drop libsecret's cached service, close the bus and
   * dispatch what its worker already queued. */
  secret_service_disconnect ();
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus != NULL)
    {
      g_dbus_connection_close_sync (bus, NULL, NULL);
      g_object_unref (bus);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return rc;
}
