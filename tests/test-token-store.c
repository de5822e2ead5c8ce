/* test-token-store.c: the token store's file backend, and the keyring probe
 * where there is no session bus
 *
 * main() takes the session bus away before GIO ever looks for it, so the
 * FILE stores here never reach the keyring of whoever runs the tests (they
 * would keep their key there). The keyring itself is test-keyring.c's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <libsecret/secret.h>

#include "token-store-sync.h"

#define MASTER_KEY_ENV  "SWITCHYARD_MASTER_KEY"
#define HEADER_LEN      34
#define TAG_LEN         16
#define KDF_OFFSET      5
#define NONCE_OFFSET    22
#define NO_RUNTIME_DIR  "/nonexistent/sy-test-token-store"

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

  f->top = g_dir_make_tmp ("sy-token-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->top, "config", "switchyard", NULL);
  f->enc = g_build_filename (f->dir, "tokens.enc", NULL);
  f->key = g_build_filename (f->dir, "tokens.key", NULL);
  if (g_getenv (MASTER_KEY_ENV) != NULL)
    g_unsetenv (MASTER_KEY_ENV);
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
  if (g_getenv (MASTER_KEY_ENV) != NULL)
    g_unsetenv (MASTER_KEY_ENV);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
write_bytes (const char *path,
             const void *data,
             gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, data, len, &error));
  g_assert_no_error (error);
}

static guint
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gsize n = strlen (needle);
  gsize i;

  for (i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* A save that must be refused with @code, leaving tokens.enc as it was. */
static void
assert_save_refused (SyTokenStore *store,
                     const char   *path,
                     GQuark        domain,
                     int           code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = read_bytes (path);
  g_autoptr(GBytes) after = NULL;

  g_assert_false (store_save (store, "claude", "new", "must-not-be-written", &error));
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, "claude/new"));
  g_assert_null (strstr (error->message, "must-not-be-written"));
  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

/* ------------------------------------------------------------- tests */

static void
test_kind_from_string (void)
{
  gboolean ok = FALSE;

  g_assert_cmpint (sy_token_store_kind_from_string ("auto", &ok), ==, SY_TOKEN_STORE_AUTO);
  g_assert_true (ok);
  g_assert_cmpint (sy_token_store_kind_from_string ("keyring", &ok), ==, SY_TOKEN_STORE_KEYRING);
  g_assert_true (ok);
  g_assert_cmpint (sy_token_store_kind_from_string ("File", &ok), ==, SY_TOKEN_STORE_FILE);
  g_assert_true (ok);
  g_assert_cmpint (sy_token_store_kind_from_string ("vault", &ok), ==, SY_TOKEN_STORE_AUTO);
  g_assert_false (ok);
  ok = TRUE;
  g_assert_cmpint (sy_token_store_kind_from_string ("", &ok), ==, SY_TOKEN_STORE_AUTO);
  g_assert_false (ok);
  ok = TRUE;
  sy_token_store_kind_from_string (NULL, &ok);
  g_assert_false (ok);
  g_assert_cmpstr (sy_token_store_kind_to_string (SY_TOKEN_STORE_KEYRING), ==, "keyring");
  g_assert_cmpstr (sy_token_store_kind_to_string (SY_TOKEN_STORE_FILE), ==, "file");
}

static void
test_not_open (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = sy_token_store_new (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;

  g_assert_null (sy_token_store_get_backend (store));
  g_assert_cmpstr (sy_token_store_get_dir (store), ==, f->dir);
  g_assert_false (store_save (store, "claude", "alice", "s", &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
}

static void
test_file_roundtrip (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) key = NULL;
  const guint8 *header;

  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "file");
  /* Opening, reading and deleting nothing write nothing. */
  assert_absent (store, "claude", "alice");
  g_assert_true (store_delete (store, "claude", "alice", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));

  g_assert_true (store_save (store, "claude", "alice", "{\"access_token\":\"A1\"}", &error));
  g_assert_no_error (error);
  g_assert_true (store_save (store, "gemini", "bob@example.com", UNICODE_SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (store_save (store, "claude", "carol", "c", &error));
  g_assert_no_error (error);

  assert_loads (store, "claude", "alice", "{\"access_token\":\"A1\"}");
  assert_loads (store, "gemini", "bob@example.com", UNICODE_SECRET);
  assert_loads (store, "claude", "carol", "c");
  /* Keyed by both: same account name, other provider. */
  assert_absent (store, "gemini", "alice");

  g_assert_true (store_save (store, "claude", "alice", "{\"access_token\":\"A2\"}", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "alice", "{\"access_token\":\"A2\"}");
  assert_loads (store, "claude", "carol", "c");

  g_assert_true (store_delete (store, "claude", "carol", &error));
  g_assert_no_error (error);
  assert_absent (store, "claude", "carol");
  g_assert_true (store_delete (store, "claude", "carol", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "alice", "{\"access_token\":\"A2\"}");
  assert_loads (store, "gemini", "bob@example.com", UNICODE_SECRET);

  /* On disk: encrypted, header as documented, private modes. */
  raw = read_bytes (f->enc);
  header = g_bytes_get_data (raw, NULL);
  g_assert_cmpuint (g_bytes_get_size (raw), >, HEADER_LEN + TAG_LEN);
  g_assert_cmpmem (header, 4, "SYTK", 4);
  g_assert_cmpuint (header[4], ==, 1);
  g_assert_cmpuint (header[KDF_OFFSET], ==, 0);
  g_assert_false (bytes_contain (raw, "A2"));
  g_assert_false (bytes_contain (raw, "access_token"));
  g_assert_false (bytes_contain (raw, "bob@example.com"));
  key = read_bytes (f->key);
  g_assert_cmpuint (g_bytes_get_size (key), ==, 32);
  g_assert_cmpuint (mode_of (f->enc), ==, 0600);
  g_assert_cmpuint (mode_of (f->key), ==, 0600);
  g_assert_cmpuint (mode_of (f->dir), ==, 0700);
}

static void
test_file_persist (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SyTokenStore) first = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(SyTokenStore) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GBytes) key = NULL;

  g_assert_true (store_save (first, "codex", "user-1", "t1", &error));
  g_assert_no_error (error);
  g_assert_true (store_save (first, "gemini", "user-2", UNICODE_SECRET, &error));
  g_assert_no_error (error);
  g_clear_object (&first);
  key = read_bytes (f->key);
  before = read_bytes (f->enc);

  second = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (second, "codex", "user-1", "t1");
  assert_loads (second, "gemini", "user-2", UNICODE_SECRET);

  /* Saving the same value again writes a new nonce (and so new bytes),
   * with the same key. */
  g_assert_true (store_save (second, "codex", "user-1", "t1", &error));
  g_assert_no_error (error);
  after = read_bytes (f->enc);
  g_assert_cmpuint (g_bytes_get_size (before), ==, g_bytes_get_size (after));
  g_assert_true (memcmp ((const guint8 *) g_bytes_get_data (before, NULL) + NONCE_OFFSET,
                         (const guint8 *) g_bytes_get_data (after, NULL) + NONCE_OFFSET,
                         12) != 0);
  g_clear_pointer (&before, g_bytes_unref);
  before = read_bytes (f->key);
  g_assert_true (g_bytes_equal (key, before));

  g_assert_true (store_delete (second, "codex", "user-1", &error));
  g_assert_no_error (error);
  g_clear_object (&second);
  second = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_absent (second, "codex", "user-1");
  assert_loads (second, "gemini", "user-2", UNICODE_SECRET);
}

static void
test_passphrase (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *secret = NULL;

  g_setenv (MASTER_KEY_ENV, "correct horse battery staple", TRUE);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_assert_true (store_save (store, "claude", "alice", "{\"access_token\":\"P1\"}", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "alice", "{\"access_token\":\"P1\"}");
  g_clear_object (&store);

  raw = read_bytes (f->enc);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (raw, NULL))[KDF_OFFSET], ==, 1);
  g_assert_false (bytes_contain (raw, "P1"));
  g_assert_false (g_file_test (f->key, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (mode_of (f->enc), ==, 0600);

  /* The passphrase is read when a store opens. */
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_setenv (MASTER_KEY_ENV, "Tr0ub4dor&3", TRUE);
  assert_loads (store, "claude", "alice", "{\"access_token\":\"P1\"}");
  g_clear_object (&store);

  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "alice", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_nonnull (strstr (error->message, MASTER_KEY_ENV));
  g_assert_null (secret);
  g_clear_error (&error);
  assert_save_refused (store, f->enc, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_clear_object (&store);

  if (g_getenv (MASTER_KEY_ENV) != NULL)
    g_unsetenv (MASTER_KEY_ENV);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "alice", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_nonnull (strstr (error->message, MASTER_KEY_ENV));
  g_clear_error (&error);
  assert_save_refused (store, f->enc, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_false (g_file_test (f->key, G_FILE_TEST_EXISTS));
}

/* A file is read with the key its header names and written with the one
 * preferred now: setting a passphrase re-encrypts a tokens.key file. */
static void
test_passphrase_takes_over (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *secret = NULL;

  g_assert_true (store_save (store, "claude", "alice", "k1", &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  g_setenv (MASTER_KEY_ENV, "a passphrase", TRUE);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (store, "claude", "alice", "k1");
  g_assert_true (store_save (store, "codex", "bob", "k2", &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  raw = read_bytes (f->enc);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (raw, NULL))[KDF_OFFSET], ==, 1);

  if (g_getenv (MASTER_KEY_ENV) != NULL)
    g_unsetenv (MASTER_KEY_ENV);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "alice", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
}

/* Flipped bytes anywhere: an error, never a crash, and no save over it. */
static void
test_tampered (Fixture       *f,
               gconstpointer  data)
{
  static const struct
  {
    gsize  offset;           /* from the start; G_MAXSIZE: the last byte */
    guint8 value;            /* 0: flip the low bit instead */
    int    code;
  } cases[] = {
    { HEADER_LEN + 3, 0, SY_TOKEN_STORE_ERROR_BAD_KEY },   /* ciphertext */
    { G_MAXSIZE, 0, SY_TOKEN_STORE_ERROR_BAD_KEY },        /* tag */
    { NONCE_OFFSET, 0, SY_TOKEN_STORE_ERROR_BAD_KEY },     /* nonce */
    { 9, 0, SY_TOKEN_STORE_ERROR_BAD_KEY },                /* salt (AAD) */
    { 0, 'X', SY_TOKEN_STORE_ERROR_CORRUPT },              /* magic */
    { 4, 2, SY_TOKEN_STORE_ERROR_CORRUPT },                /* version */
    { KDF_OFFSET, 7, SY_TOKEN_STORE_ERROR_CORRUPT },       /* unknown KDF */
  };
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  guint i;

  g_assert_true (store_save (store, "claude", "alice", "{\"access_token\":\"T\"}", &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  good = read_bytes (f->enc);

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = 0;
      g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (good, &len), g_bytes_get_size (good));
      gsize at = cases[i].offset == G_MAXSIZE ? len - 1 : cases[i].offset;
      g_autofree char *secret = NULL;

      g_test_message ("case %u: byte %" G_GSIZE_FORMAT, i, at);
      if (cases[i].value != 0)
        bytes[at] = cases[i].value;
      else
        bytes[at] ^= 1;
      write_bytes (f->enc, bytes, len);

      store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
      secret = store_load (store, "claude", "alice", &error);
      g_assert_error (error, SY_TOKEN_STORE_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, "tokens.enc"));
      g_assert_null (secret);
      g_clear_error (&error);
      assert_save_refused (store, f->enc, SY_TOKEN_STORE_ERROR, cases[i].code);
      g_assert_false (store_delete (store, "claude", "alice", &error));
      g_assert_error (error, SY_TOKEN_STORE_ERROR, cases[i].code);
      g_clear_error (&error);
      g_clear_object (&store);
    }

  /* Put back, it reads again. */
  write_bytes (f->enc, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  assert_loads (store, "claude", "alice", "{\"access_token\":\"T\"}");
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  gsize lengths[5];
  guint i;

  g_assert_true (store_save (store, "claude", "alice", "{\"access_token\":\"T\"}", &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  good = read_bytes (f->enc);

  lengths[0] = 0;
  lengths[1] = 3;
  lengths[2] = 20;                          /* inside the header */
  lengths[3] = HEADER_LEN + TAG_LEN - 1;    /* no room for a tag */
  lengths[4] = g_bytes_get_size (good) - 1; /* the tag cut short */
  for (i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *secret = NULL;
      int code = i == 4 ? SY_TOKEN_STORE_ERROR_BAD_KEY : SY_TOKEN_STORE_ERROR_CORRUPT;

      g_test_message ("truncated to %" G_GSIZE_FORMAT " bytes", lengths[i]);
      write_bytes (f->enc, g_bytes_get_data (good, NULL), lengths[i]);
      store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
      secret = store_load (store, "claude", "alice", &error);
      g_assert_error (error, SY_TOKEN_STORE_ERROR, code);
      g_assert_null (secret);
      g_clear_error (&error);
      assert_save_refused (store, f->enc, SY_TOKEN_STORE_ERROR, code);
      g_clear_object (&store);
    }
}

static void
test_key_file_missing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;

  g_assert_true (store_save (store, "claude", "alice", "k", &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* Without its key file: refused, and no new key made up. */
  g_assert_cmpint (g_remove (f->key), ==, 0);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "alice", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_nonnull (strstr (error->message, "tokens.key"));
  g_clear_error (&error);
  assert_save_refused (store, f->enc, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_assert_false (g_file_test (f->key, G_FILE_TEST_EXISTS));
  g_clear_object (&store);

  /* Another key, of the wrong size, then of the right size. */
  write_bytes (f->key, "short", 5);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "alice", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  g_clear_error (&error);
  g_clear_object (&store);

  write_bytes (f->key, "0123456789abcdef0123456789abcdef", 32);
  store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  secret = store_load (store, "claude", "alice", &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
  assert_save_refused (store, f->enc, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY);
}

typedef struct
{
  GString   *order;     /* the index of each callback, in the order they ran */
  guint      pending;
  char      *loaded[3];
  GError    *errors[3];
} Ordering;

typedef struct
{
  Ordering *o;
  guint     index;
  int       load;       /* slot in loaded/errors, -1 for other calls */
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

/* Everything started at once, the open included: each call sees the ones
 * started before it, and the callbacks come in that order. */
static void
test_ordering (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = sy_token_store_new (SY_TOKEN_STORE_FILE, f->dir);
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
  /* Nothing has completed yet: no callback runs from inside a call. */
  g_assert_cmpstr (o.order->str, ==, "");
  while (o.pending > 0)
    g_main_context_iteration (NULL, TRUE);

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

/* A call cancelled while it waits is skipped; the next ones still run. */
static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = store_new_open (SY_TOKEN_STORE_FILE, f->dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(GAsyncResult) loaded = NULL;
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;


  /* The first load keeps the queue busy while the save waits behind it. */
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
  secret = sy_token_store_load_finish (store, sync_wait (&loaded), &error);
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND);
  g_assert_null (secret);
  g_assert_false (g_file_test (f->enc, G_FILE_TEST_EXISTS));
}

/* Run in a subprocess: GIO keeps its first idea of the session bus. */
static void
no_session_bus (void)
{
  /* No address, no X11 to autolaunch one from, no $XDG_RUNTIME_DIR/bus. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  g_setenv ("XDG_RUNTIME_DIR", NO_RUNTIME_DIR, TRUE);
}

static void
test_auto_without_bus (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  no_session_bus ();
  store = store_new_open (SY_TOKEN_STORE_AUTO, f->dir);
  g_assert_cmpstr (sy_token_store_get_backend (store), ==, "file");
  g_assert_true (store_save (store, "claude", "alice", "s1", &error));
  g_assert_no_error (error);
  assert_loads (store, "claude", "alice", "s1");
  g_assert_true (g_file_test (f->enc, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (f->key, G_FILE_TEST_IS_REGULAR));
}

static void
test_keyring_without_bus (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SyTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  no_session_bus ();
  store = sy_token_store_new (SY_TOKEN_STORE_KEYRING, f->dir);
  g_assert_false (store_open (store, &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "D-Bus"));
  g_assert_null (sy_token_store_get_backend (store));
  g_clear_error (&error);

  /* Later calls fail the same way, and no file appears. */
  g_assert_false (store_save (store, "claude", "alice", "s1", &error));
  g_assert_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* No session bus for anything here (see the top of the file). */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  g_setenv ("XDG_RUNTIME_DIR", NO_RUNTIME_DIR, TRUE);

  g_test_add_func ("/token-store/kind-from-string", test_kind_from_string);
#define ADD(path, fn) \
  g_test_add ("/token-store/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("not-open", test_not_open);
  ADD ("file/roundtrip", test_file_roundtrip);
  ADD ("file/persist", test_file_persist);
  ADD ("file/passphrase", test_passphrase);
  ADD ("file/passphrase-takes-over", test_passphrase_takes_over);
  ADD ("file/tampered", test_tampered);
  ADD ("file/truncated", test_truncated);
  ADD ("file/key-file-missing", test_key_file_missing);
  ADD ("ordering", test_ordering);
  ADD ("cancelled", test_cancelled);
  ADD ("auto-without-bus", test_auto_without_bus);
  ADD ("keyring-without-bus", test_keyring_without_bus);
#undef ADD
  rc = g_test_run ();
  secret_service_disconnect ();
  return rc;
}
