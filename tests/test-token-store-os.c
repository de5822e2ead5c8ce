/* test-token-store-os.c: the token store's keyring as on Windows and macOS
 *
 * sy-token-store.c built with SY_TOKEN_STORE_OS_SECRETS, its keyring
 * calls going to fake-secret-os.c instead of the Credential Manager or the
 * Keychain: the probe, the operations in the worker thread and their
 * order, refusals, and the file backend's key kept in that store. What the
 * real stores do with the calls is wincred-check.c's (and, for the
 * Keychain, untested).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fake-secret-os.h"
#include "token-store-sync.h"

#define MASTER_KEY_ENV  "SWITCHYARD_MASTER_KEY"
/* {"refresh_token":"ключ-🔑-秘密"} */
#define UNICODE_SECRET  "{\"refresh_token\":\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xf0\x9f\x94\x91-\xe7\xa7\x98\xe5\xaf\x86\"}"

typedef struct
{
  char *top;     /* the temporary directory */
  char *dir;     /* the store's directory, below it, not there yet */
  char *enc;     /* dir/tokens.enc */
  char *key;     /* dir/tokens.key */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->top = g_dir_make_tmp ("sy-token-store-os-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->top, "switchyard", NULL);
  f->enc = g_build_filename (f->dir, "tokens.enc", NULL);
  f->key = g_build_filename (f->dir, "tokens.key", NULL);
  g_unsetenv (MASTER_KEY_ENV);
  fake_secret_os_reset ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* The store's calls block: never on the main loop's thread. */
  g_assert_cmpuint (fake_secret_os_main_thread_calls (), ==, 0);
  rm_rf (f->top);
  g_free (f->top);
  g_free (f->dir);
  g_free (f->enc);
  g_free (f->key);
}

static void
test_auto_uses_os (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "keyring");
  /* The probe was a call. */
  g_assert_cmpuint (fake_secret_os_calls (), ==, 1);

  assert_absent (store, "claude", "alice");
  g_assert_true (store_save (store, "claude", "alice", "first", &error));
  g_assert_no_error (error);
  g_assert_true (store_save (store, "claude", "alice", UNICODE_SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (store_save (store, "gemini", "alice", "other", &error));
  g_assert_no_error (error);

  /* Kept under "<provider>/<account>", the latest one. */
  kept = fake_secret_os_peek ("claude", "alice");
  g_assert_cmpstr (kept, ==, UNICODE_SECRET);
  g_assert_cmpuint (fake_secret_os_count (), ==, 2);
  assert_loads (store, "claude", "alice", UNICODE_SECRET);
  assert_loads (store, "gemini", "alice", "other");
  assert_absent (store, "claude", "bob");

  g_assert_true (store_delete (store, "claude", "alice", &error));
  g_assert_no_error (error);
  assert_absent (store, "claude", "alice");
  /* Deleting again: nothing to delete is fine. */
  g_assert_true (store_delete (store, "claude", "alice", &error));
  g_assert_no_error (error);
  assert_loads (store, "gemini", "alice", "other");

  /* The keyring backend writes no file. */
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
}

static void
test_keyring_kind (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_KEYRING, f->dir);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "keyring");
  g_assert_true (store_save (store, "codex", "user-1", "s", &error));
  g_assert_no_error (error);
  assert_loads (store, "codex", "user-1", "s");
}

/* A secret the store refuses: the reason reaches the caller with who it
 * was for, and the secret kept before stays. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (17, 'x');

  g_assert_true (store_save (store, "codex", "bob", "small", &error));
  g_assert_no_error (error);
  fake_secret_os_set_max_secret (16);
  g_assert_false (store_save (store, "codex", "bob", big, &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==,
                   "Keyring: cannot save the secret of codex/bob: "
                   "the secret is 17 bytes, at most 16 fit");
  /* The secret never reaches the message. */
  g_assert_null (strstr (error->message, big));
  assert_loads (store, "codex", "bob", "small");
}

/* No store for this session: AUTO keeps tokens in the file (its key in
 * tokens.key), KEYRING fails saying why. */
static void
test_unavailable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(SyTokenStore) keyring = NULL;
  g_autoptr(GError) error = NULL;

  fake_secret_os_set_unavailable ("this logon session has no credential store");

  store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "file");
  g_assert_true (store_save (store, "claude", "alice", "s1", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "alice", "s1");
  g_assert_true (g_file_test (f->enc, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (f->key, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (fake_secret_os_count (), ==, 0);

  keyring = sy_token_store_new (SY_TOKEN_STORE_KEYRING, f->dir);
  g_assert_false (store_open (keyring, &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING);
  g_assert_cmpstr (error->message, ==,
                   "No keyring (the stand-in store): this logon session has no credential store");
  g_assert_null (sy_token_store_get_backend (keyring));
  g_clear_error (&error);
  /* Later calls fail the same way. */
  g_assert_false (store_save (keyring, "claude", "alice", "s2", &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING);
}

/* FILE with the store there: a new tokens.enc gets its key kept in the
 * store, not in tokens.key, and a later store reads it with that key. */
static void
test_file_key_in_os (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SyTokenStore) first = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(SyTokenStore) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree guchar *raw = NULL;
  gsize len = 0;

  g_assert_cmpstr (sy_token_store_get_backend (first), ==, "file");
  g_assert_true (store_save (first, "gemini", "user-2", UNICODE_SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (f->enc, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (f->key, G_FILE_TEST_EXISTS));

  key = fake_secret_os_peek ("switchyard", "file-key");
  g_assert_nonnull (key);
  raw = g_base64_decode (key, &len);
  g_assert_cmpuint (len, ==, 32);
  /* Only the key is there: the tokens are in the file. */
  g_assert_cmpuint (fake_secret_os_count (), ==, 1);

  second = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (second, "gemini", "user-2", UNICODE_SECRET);
}

typedef struct
{
  GString *order;
  guint    pending;
  char    *loaded[3];
  GError  *errors[3];
} Ordering;

typedef struct
{
  Ordering *o;
  guint     index;
  int       load;   /* which loaded[] slot, or -1 */
} Call;

static void
ordering_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Call *call = user_data;
  SyTokenStore *store = SY_TOKEN_STORE (source);
  g_autoptr(GError) error = NULL;

  g_string_append_printf (call->o->order, "%u ", call->index);
  if (call->load >= 0)
    call->o->loaded[call->load] = sy_token_store_load_finish (store, result,
                                                              &call->o->errors[call->load]);
  else if (call->index == 0)
    g_assert_true (sy_token_store_open_finish (store, result, &error));
  else if (g_task_get_source_tag (G_TASK (result)) == sy_token_store_delete_async)
    g_assert_true (sy_token_store_delete_finish (store, result, &error));
  else
    g_assert_true (sy_token_store_save_finish (store, result, &error));
  g_assert_no_error (error);
  call->o->pending--;
}

/* Everything started at once, the open included, each call blocking for a
 * random while: each sees the ones started before it, and the callbacks
 * come in that order. */
static void
test_ordering (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = sy_token_store_new (SY_TOKEN_STORE_AUTO, f->dir);
  Ordering o = { g_string_new (NULL), 8, { NULL }, { NULL } };
  Call calls[8];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      calls[i].o = &o;
      calls[i].index = i;
      calls[i].load = -1;
    }
  calls[2].load = 0;
  calls[4].load = 1;
  calls[6].load = 2;

  sy_token_store_open_async (store, NULL, ordering_done, &calls[0]);
  sy_token_store_save_async (store, "claude", "a", "1", NULL, ordering_done, &calls[1]);
  sy_token_store_load_async (store, "claude", "a", NULL, ordering_done, &calls[2]);
  sy_token_store_save_async (store, "claude", "a", "2", NULL, ordering_done, &calls[3]);
  sy_token_store_load_async (store, "claude", "a", NULL, ordering_done, &calls[4]);
  sy_token_store_delete_async (store, "claude", "a", NULL, ordering_done, &calls[5]);
  sy_token_store_load_async (store, "claude", "a", NULL, ordering_done, &calls[6]);
  sy_token_store_save_async (store, "claude", "b", "3", NULL, ordering_done, &calls[7]);
  g_assert_cmpstr (o.order->str, ==, "");
  while (o.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "keyring");
  g_assert_cmpstr (o.order->str, ==, "0 1 2 3 4 5 6 7 ");
  g_assert_no_error (o.errors[0]);
  g_assert_cmpstr (o.loaded[0], ==, "1");
  g_assert_no_error (o.errors[1]);
  g_assert_cmpstr (o.loaded[1], ==, "2");
  g_assert_error (o.errors[2], SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND);
  g_assert_null (o.loaded[2]);
  assert_loads (store, "claude", "b", "3");

  for (i = 0; i < 3; i++)
    {
      g_free (o.loaded[i]);
      g_clear_error (&o.errors[i]);
    }
  g_string_free (o.order, TRUE);
}

/* A save cancelled while it waits behind a load is skipped, and never
 * reaches the store; the load after it still runs. */
static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(GAsyncResult) loaded = NULL;
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *again = NULL;

  sy_token_store_load_async (store, "claude", "alice", NULL, sync_got_result, &first);
  sy_token_store_save_async (store, "claude", "alice", "never", cancellable,
                             sync_got_result, &saved);
  sy_token_store_load_async (store, "claude", "alice", NULL, sync_got_result, &loaded);
  g_cancellable_cancel (cancellable);

  secret = sy_token_store_load_finish (store, sync_wait (&first), &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (sy_token_store_save_finish (store, sync_wait (&saved), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  again = sy_token_store_load_finish (store, sync_wait (&loaded), &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND);
  g_assert_null (again);
  g_assert_cmpuint (fake_secret_os_count (), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/token-store-os/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("auto-uses-os", test_auto_uses_os);
  ADD ("keyring-kind", test_keyring_kind);
  ADD ("refused", test_refused);
  ADD ("unavailable", test_unavailable);
  ADD ("file-key-in-os", test_file_key_in_os);
  ADD ("ordering", test_ordering);
  ADD ("cancelled", test_cancelled);
#undef ADD

  return g_test_run ();
}
