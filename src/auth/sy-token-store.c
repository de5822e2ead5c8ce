/* sy-token-store.c: where OAuth secrets and logged-in API keys are kept
 *
 * Two backends. The keyring one hands each secret to the system's store:
 * on Windows the Credential Manager and on macOS the Keychain
 * (sy-secret-os.h; their calls block, so they run in a GTask worker
 * thread, the probe included), elsewhere the Secret Service (libsecret's
 * async calls, schema org.switchyard.Switchyard.Token; libsecret is only
 * linked there). The file one keeps them all in one AES-256-GCM encrypted
 * JSON map, tokens.enc, read and rewritten whole by a worker thread.
 *
 * Operations (the open included) go through one queue and run one at a time
 * in the order they were started: the keyring calls take different numbers
 * of D-Bus round trips and the worker threads have no order of their own, so
 * without it a load started after a save could overtake it.
 *
 * tokens.enc:
 *   "SYTK" | version (1) | KDF id | salt (16) | nonce (12) | ciphertext | tag (16)
 * The 34 header bytes are the AAD, so a flipped KDF id or salt fails the tag
 * like a flipped ciphertext byte. KDF ids:
 *   0  raw 32-byte key in tokens.key (0600)
 *   1  PBKDF2-HMAC-SHA256 of $SWITCHYARD_MASTER_KEY, 600000 iterations, the salt
 *   2  raw 32-byte key kept in the keyring (provider "switchyard", account
 *      "file-key"), when the file backend was asked for and a keyring answers
 * A file is read with the key its header names. It is written with the
 * passphrase when one is set (so setting SWITCHYARD_MASTER_KEY re-encrypts
 * it at the next save), else with the raw key it already had; only a new
 * file picks the keyring (when one answered) over tokens.key, so a file
 * that was readable without a keyring stays so. A file that cannot be read
 * is never written over: the save is refused.
 *
 * Secret values never reach a log or an error message; messages name the
 * provider and account only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sy-config-edit.h"
#include "sy-json-guard.h"
#include "sy-token-store.h"

/* The keyring: the OS's own store, or the Secret Service (see the top).
 * SY_TOKEN_STORE_OS_SECRETS builds the former anywhere, for
 * tests/test-token-store-os.c and its stand-in store. */
#if defined (G_OS_WIN32) || defined (__APPLE__) || defined (SY_TOKEN_STORE_OS_SECRETS)
# define OS_SECRETS 1
# include "sy-secret-os.h"
#else
# define OS_SECRETS 0
# include <libsecret/secret.h>
#endif

#define FILE_MAGIC          "SYTK"
#define FILE_VERSION        1
#define SALT_LEN            16
#define NONCE_LEN           12
#define TAG_LEN             16
#define KEY_LEN             32
#define HEADER_LEN          (4 + 1 + 1 + SALT_LEN + NONCE_LEN)
#define KDF_OFFSET          5
#define SALT_OFFSET         6
#define NONCE_OFFSET        (SALT_OFFSET + SALT_LEN)
#define PBKDF2_ITERATIONS   600000
/* A token map is a few kilobytes; anything this big is not ours. */
#define MAX_FILE_SIZE       (16 * 1024 * 1024)

#define MASTER_KEY_ENV      "SWITCHYARD_MASTER_KEY"
#define FILE_KEY_PROVIDER   "switchyard"
#define FILE_KEY_ACCOUNT    "file-key"

typedef enum
{
  KDF_KEY_FILE = 0,
  KDF_PBKDF2   = 1,
  KDF_KEYRING  = 2,
} KdfId;

#if !OS_SECRETS
static const SecretSchema token_schema = {
  "org.switchyard.Switchyard.Token", SECRET_SCHEMA_NONE,
  {
    { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};
#endif

typedef enum
{
  OP_OPEN,
  OP_SAVE,
  OP_LOAD,
  OP_DELETE,
} OpKind;

typedef struct
{
  OpKind  kind;
  char   *provider;
  char   *account;
  char   *secret;           /* OP_SAVE; wiped when freed */
} Op;

struct _SyTokenStore
{
  GObject           parent_instance;

  SyTokenStoreKind  kind;
  char             *dir;
  char             *enc_path;
  char             *key_path;

  const char       *backend;      /* "keyring" or "file" once open */
  gboolean          open_started;
  GError           *open_error;   /* why the open failed; later operations fail with it */

  GQueue            queue;        /* GTask*: operations waiting for their turn */
  gboolean          running;      /* an operation (or run_next) is under way */

  /* File backend keys. Set by the open, then used only by the one
   * operation running at a time, in its worker thread. */
  char             *passphrase;   /* $SWITCHYARD_MASTER_KEY when opened, or NULL */
  gboolean          keyring_ok;   /* a keyring answered the open's probe */
  char             *keyring_why;  /* why not, for messages */
  gboolean          have_keyring_key;
  guint8            keyring_key[KEY_LEN];
  gboolean          have_derived; /* PBKDF2 is slow on purpose: keep the last one */
  guint8            derived_salt[SALT_LEN];
  guint8            derived_key[KEY_LEN];
};

G_DEFINE_TYPE (SyTokenStore, sy_token_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (sy-token-store-error-quark, sy_token_store_error)

static void run_next (SyTokenStore *self);

/* ------------------------------------------------------------- helpers */

static void
wipe_string (gpointer data)
{
  char *text = data;

  if (text == NULL)
    return;
  OPENSSL_cleanse (text, strlen (text));
  g_free (text);
}

static void
op_free (gpointer data)
{
  Op *op = data;

  g_free (op->provider);
  g_free (op->account);
  wipe_string (op->secret);
  g_free (op);
}

static char *
map_key (const Op *op)
{
  return g_strconcat (op->provider, "/", op->account, NULL);
}

/* ------------------------------------------------------------- keyring calls */

/* Blocking keyring calls, made from worker threads: for the file's key
 * everywhere, and for every operation on Windows and macOS. A lookup that
 * finds nothing is TRUE with *secret NULL. Errors are
 * SY_TOKEN_STORE_ERROR_IO with the keyring's words only: callers say what
 * failed. @label is for the Secret Service. */

#if OS_SECRETS

static void
set_os_error (GError **error,
              char    *why)
{
  g_set_error_literal (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                       why != NULL ? why : "out of memory");
  sy_secret_os_free (why);
}

static gboolean
keyring_lookup_sync (const char  *provider,
                     const char  *account,
                     char       **secret,
                     GError     **error)
{
  char *found = NULL;
  char *why = NULL;

  *secret = NULL;
  switch (sy_secret_os_load (provider, account, &found, &why))
    {
    case SY_SECRET_OS_OK:
      /* Ours is freed with g_free(): copy, and wipe theirs. */
      *secret = g_strdup (found);
      sy_secret_os_free (found);
      return TRUE;
    case SY_SECRET_OS_NOT_FOUND:
      return TRUE;
    default:
      set_os_error (error, why);
      return FALSE;
    }
}

static gboolean
keyring_store_sync (const char  *provider,
                    const char  *account,
                    const char  *label,
                    const char  *secret,
                    GError     **error)
{
  char *why = NULL;

  if (sy_secret_os_store (provider, account, secret, &why) == SY_SECRET_OS_OK)
    return TRUE;
  set_os_error (error, why);
  return FALSE;
}

static gboolean
keyring_delete_sync (const char  *provider,
                     const char  *account,
                     GError     **error)
{
  char *why = NULL;

  if (sy_secret_os_delete (provider, account, &why) == SY_SECRET_OS_OK)
    return TRUE;
  set_os_error (error, why);
  return FALSE;
}

#else /* !OS_SECRETS */

/* The message of a libsecret or GDBus error without the remote error's
 * "GDBus.Error:org.freedesktop....:" prefix. */
static char *
plain_message (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    g_dbus_error_strip_remote_error (copy);
  return g_strdup (copy->message);
}

/* Why no keyring, in words, from what the probe ran into. */
static char *
describe_no_keyring (const GError *error)
{
  g_autofree char *message = plain_message (error);

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    return g_strdup ("no Secret Service (org.freedesktop.secrets) on the D-Bus session bus");
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
    return g_strdup_printf ("the Secret Service has no usable default collection (%s)", message);
  if (error->domain == G_IO_ERROR)
    return g_strdup_printf ("no D-Bus session bus (%s)", message);
  if (error->domain == G_DBUS_ERROR)
    return g_strdup_printf ("the Secret Service did not answer (%s)", message);
  return g_steal_pointer (&message);
}

/* libsecret's sync calls run their own main context. */
static gboolean
keyring_lookup_sync (const char  *provider,
                     const char  *account,
                     char       **secret,
                     GError     **error)
{
  g_autoptr(GError) local = NULL;
  char *found;

  *secret = NULL;
  found = secret_password_lookup_sync (&token_schema, NULL, &local,
                                       "provider", provider, "account", account, NULL);
  if (local != NULL)
    {
      g_autofree char *message = plain_message (local);

      g_set_error_literal (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO, message);
      return FALSE;
    }
  if (found != NULL)
    {
      /* Ours is freed with g_free(): copy out of libsecret's, which wipes. */
      *secret = g_strdup (found);
      secret_password_free (found);
    }
  return TRUE;
}

static gboolean
keyring_store_sync (const char  *provider,
                    const char  *account,
                    const char  *label,
                    const char  *secret,
                    GError     **error)
{
  g_autoptr(GError) local = NULL;

  secret_password_store_sync (&token_schema, SECRET_COLLECTION_DEFAULT, label, secret,
                              NULL, &local,
                              "provider", provider, "account", account, NULL);
  if (local != NULL)
    {
      g_autofree char *message = plain_message (local);

      g_set_error_literal (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO, message);
      return FALSE;
    }
  return TRUE;
}

#endif /* !OS_SECRETS */

/* ------------------------------------------------------------- crypto */

static gboolean
random_bytes (guint8  *out,
              gsize    len,
              GError **error)
{
  if (RAND_bytes (out, (int) len) != 1)
    {
      g_set_error_literal (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                           "The system's random number generator failed");
      return FALSE;
    }
  return TRUE;
}

/* AES-256-GCM over @in into @out (same length). Encrypting fills @tag;
 * decrypting checks it and returns FALSE when it does not match. */
static gboolean
aes_gcm (gboolean      encrypt,
         const guint8 *key,
         const guint8 *nonce,
         const guint8 *aad,
         gsize         aad_len,
         const guint8 *in,
         gsize         in_len,
         guint8       *out,
         guint8       *tag)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int len = 0;
  int ok;

  if (ctx == NULL)
    return FALSE;
  if (encrypt)
    ok = EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
         EVP_EncryptInit_ex (ctx, NULL, NULL, key, nonce) == 1 &&
         EVP_EncryptUpdate (ctx, NULL, &len, aad, (int) aad_len) == 1 &&
         EVP_EncryptUpdate (ctx, out, &len, in, (int) in_len) == 1 &&
         EVP_EncryptFinal_ex (ctx, out + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
  else
    ok = EVP_DecryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
         EVP_DecryptInit_ex (ctx, NULL, NULL, key, nonce) == 1 &&
         EVP_DecryptUpdate (ctx, NULL, &len, aad, (int) aad_len) == 1 &&
         EVP_DecryptUpdate (ctx, out, &len, in, (int) in_len) == 1 &&
         EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1 &&
         EVP_DecryptFinal_ex (ctx, out + len, &len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  return ok;
}

/* ------------------------------------------------------------- file keys */

static gboolean
ensure_dir (SyTokenStore  *self,
            GError       **error)
{
  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                   "Cannot create %s: %s", self->dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* tokens.key; with @create, a new random one when there is none. */
static gboolean
key_from_key_file (SyTokenStore  *self,
                   gboolean       create,
                   guint8        *key,
                   GError       **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize len = 0;
  gboolean ok;

  if (g_file_get_contents (self->key_path, &contents, &len, &local))
    {
      ok = len == KEY_LEN;
      if (ok)
        memcpy (key, contents, KEY_LEN);
      else
        g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                     "%s is not a key file (%" G_GSIZE_FORMAT " bytes, not %d)",
                     self->key_path, len, KEY_LEN);
      OPENSSL_cleanse (contents, len);
      g_free (contents);
      return ok;
    }
  if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                   "Cannot read the key file: %s", local->message);
      return FALSE;
    }
  if (!create)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                   "%s is encrypted with the key in %s, which is missing",
                   self->enc_path, self->key_path);
      return FALSE;
    }

  g_clear_error (&local);
  if (!random_bytes (key, KEY_LEN, error) || !ensure_dir (self, error))
    return FALSE;
  if (!sy_config_write_atomic (self->key_path, (const char *) key, KEY_LEN, &local))
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                   "Cannot write the key file: %s", local->message);
      return FALSE;
    }
  g_info ("Created the token file key %s", self->key_path);
  return TRUE;
}

static gboolean
key_from_passphrase (SyTokenStore  *self,
                     const guint8  *salt,
                     guint8        *key,
                     GError       **error)
{
  if (self->passphrase == NULL)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                   "%s is encrypted with a passphrase: set " MASTER_KEY_ENV,
                   self->enc_path);
      return FALSE;
    }
  if (!self->have_derived || memcmp (self->derived_salt, salt, SALT_LEN) != 0)
    {
      self->have_derived = FALSE;
      if (PKCS5_PBKDF2_HMAC (self->passphrase, (int) strlen (self->passphrase),
                             salt, SALT_LEN, PBKDF2_ITERATIONS, EVP_sha256 (),
                             KEY_LEN, self->derived_key) != 1)
        {
          g_set_error_literal (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                               "Cannot derive a key from " MASTER_KEY_ENV);
          return FALSE;
        }
      memcpy (self->derived_salt, salt, SALT_LEN);
      self->have_derived = TRUE;
    }
  memcpy (key, self->derived_key, KEY_LEN);
  return TRUE;
}

/* The file key kept in the keyring. Looked up here, in the worker thread,
 * with the blocking keyring calls; with @create, a new one is stored when
 * the keyring has none. Looking up again right before creating keeps two
 * stores from replacing each other's key (not across processes racing on
 * the very first write). */
static gboolean
key_from_keyring (SyTokenStore  *self,
                  gboolean       create,
                  guint8        *key,
                  GError       **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *label = NULL;
  char *text = NULL;
  guchar *raw;
  gsize len = 0;
  gboolean ok;

  if (self->have_keyring_key)
    {
      memcpy (key, self->keyring_key, KEY_LEN);
      return TRUE;
    }
  if (!self->keyring_ok)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                   "%s is encrypted with a key kept in the keyring, and there is no keyring: %s",
                   self->enc_path, self->keyring_why ? self->keyring_why : "not probed");
      return FALSE;
    }

  if (!keyring_lookup_sync (FILE_KEY_PROVIDER, FILE_KEY_ACCOUNT, &text, &local))
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                   "Cannot get the key of %s from the keyring: %s", self->enc_path, local->message);
      return FALSE;
    }
  if (text != NULL)
    {
      raw = g_base64_decode (text, &len);
      wipe_string (text);
      if (len != KEY_LEN)
        {
          OPENSSL_cleanse (raw, len);
          g_free (raw);
          g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                       "The keyring's key for %s is not a %d-byte key", self->enc_path, KEY_LEN);
          return FALSE;
        }
      memcpy (self->keyring_key, raw, KEY_LEN);
      OPENSSL_cleanse (raw, len);
      g_free (raw);
    }
  else if (!create)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                   "%s is encrypted with a key kept in the keyring, and the keyring has none",
                   self->enc_path);
      return FALSE;
    }
  else
    {
      if (!random_bytes (self->keyring_key, KEY_LEN, error))
        return FALSE;
      text = g_base64_encode (self->keyring_key, KEY_LEN);
      label = g_strdup_printf ("Switchyard: key of %s", self->enc_path);
      ok = keyring_store_sync (FILE_KEY_PROVIDER, FILE_KEY_ACCOUNT, label, text, &local);
      wipe_string (text);
      if (!ok)
        {
          OPENSSL_cleanse (self->keyring_key, KEY_LEN);
          g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                       "Cannot keep the key of %s in the keyring: %s", self->enc_path,
                       local->message);
          return FALSE;
        }
      g_info ("Keeping the key of %s in the keyring", self->enc_path);
    }
  self->have_keyring_key = TRUE;
  memcpy (key, self->keyring_key, KEY_LEN);
  return TRUE;
}

static gboolean
file_key (SyTokenStore  *self,
          guint8         kdf,
          const guint8  *salt,
          gboolean       create,
          guint8        *key,
          GError       **error)
{
  switch (kdf)
    {
    case KDF_KEY_FILE:
      return key_from_key_file (self, create, key, error);
    case KDF_PBKDF2:
      return key_from_passphrase (self, salt, key, error);
    case KDF_KEYRING:
      return key_from_keyring (self, create, key, error);
    default:
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                   "%s names an unknown key derivation (%u)", self->enc_path, kdf);
      return FALSE;
    }
}

/* ------------------------------------------------------------- tokens.enc */

/* The decrypted map, empty when there is no file yet. @header (HEADER_LEN
 * bytes) receives the file's header, all zero without a file. */
static JsonObject *
file_read_map (SyTokenStore  *self,
               guint8        *header,
               GError       **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *data = NULL;
  guint8 key[KEY_LEN];
  guint8 *plain = NULL;
  gsize len = 0;
  gsize cipher_len;
  gboolean ok;
  JsonNode *root;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  memset (header, 0, HEADER_LEN);
  if (!g_file_get_contents (self->enc_path, &data, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return json_object_new ();
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                   "Cannot read the token file: %s", local->message);
      return NULL;
    }
  if (memcmp (data, FILE_MAGIC, MIN (len, 4)) != 0)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                   "%s is not a Switchyard token file", self->enc_path);
      return NULL;
    }
  if (len < HEADER_LEN + TAG_LEN)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                   "%s is cut short (%" G_GSIZE_FORMAT " bytes)", self->enc_path, len);
      return NULL;
    }
  if ((guint8) data[4] != FILE_VERSION)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                   "%s has format version %u, this Switchyard reads version %d",
                   self->enc_path, (guint8) data[4], FILE_VERSION);
      return NULL;
    }
  if (len > MAX_FILE_SIZE)
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                   "%s is too large for a token file", self->enc_path);
      return NULL;
    }
  if (!file_key (self, (guint8) data[KDF_OFFSET], (const guint8 *) data + SALT_OFFSET,
                 FALSE, key, error))
    return NULL;

  cipher_len = len - HEADER_LEN - TAG_LEN;
  plain = g_malloc (cipher_len + 1);
  ok = aes_gcm (FALSE, key, (const guint8 *) data + NONCE_OFFSET,
                (const guint8 *) data, HEADER_LEN,
                (const guint8 *) data + HEADER_LEN, cipher_len, plain,
                (guint8 *) data + len - TAG_LEN);
  OPENSSL_cleanse (key, sizeof key);
  if (!ok)
    {
      OPENSSL_cleanse (plain, cipher_len);
      g_free (plain);
      /* GCM cannot tell a wrong key from changed bytes. */
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_BAD_KEY,
                   "Cannot decrypt %s: %s, or the file was changed",
                   self->enc_path,
                   data[KDF_OFFSET] == KDF_PBKDF2 ? "wrong " MASTER_KEY_ENV " passphrase"
                   : data[KDF_OFFSET] == KDF_KEYRING ? "the keyring holds another key"
                   : "tokens.key is not its key");
      return NULL;
    }
  memcpy (header, data, HEADER_LEN);

  parser = json_parser_new ();
  ok = sy_json_parser_load (parser, (const char *) plain, cipher_len, NULL);
  OPENSSL_cleanse (plain, cipher_len);
  g_free (plain);
  root = ok ? json_parser_get_root (parser) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                   "%s decrypts to something other than a token map", self->enc_path);
      return NULL;
    }
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &member))
    if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
      {
        g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_CORRUPT,
                     "%s decrypts to a token map with a non-string entry", self->enc_path);
        return NULL;
      }
  return json_object_ref (json_node_get_object (root));
}

/* The header for the next write, and its key (see the top of the file).
 * A passphrase keeps the file's salt, so its derived key stays cached. */
static gboolean
file_new_header (SyTokenStore  *self,
                 const guint8  *old_header,
                 guint8        *header,
                 guint8        *key,
                 GError       **error)
{
  g_autoptr(GError) local = NULL;
  gboolean had_file = memcmp (old_header, FILE_MAGIC, 4) == 0;

  memcpy (header, FILE_MAGIC, 4);
  header[4] = FILE_VERSION;
  if (!random_bytes (header + NONCE_OFFSET, NONCE_LEN, error))
    return FALSE;

  if (self->passphrase != NULL)
    {
      header[KDF_OFFSET] = KDF_PBKDF2;
      if (had_file && old_header[KDF_OFFSET] == KDF_PBKDF2)
        memcpy (header + SALT_OFFSET, old_header + SALT_OFFSET, SALT_LEN);
      else if (!random_bytes (header + SALT_OFFSET, SALT_LEN, error))
        return FALSE;
      return key_from_passphrase (self, header + SALT_OFFSET, key, error);
    }

  /* The salt is unused by raw keys; random all the same. */
  if (!random_bytes (header + SALT_OFFSET, SALT_LEN, error))
    return FALSE;
  if (had_file && old_header[KDF_OFFSET] == KDF_KEYRING)
    {
      header[KDF_OFFSET] = KDF_KEYRING;
      return key_from_keyring (self, FALSE, key, error);
    }
  if (!had_file && self->keyring_ok)
    {
      header[KDF_OFFSET] = KDF_KEYRING;
      if (key_from_keyring (self, TRUE, key, &local))
        return TRUE;
      g_info ("%s; using %s instead", local->message, self->key_path);
      self->keyring_ok = FALSE;
      g_free (self->keyring_why);
      self->keyring_why = g_strdup (local->message);
    }
  header[KDF_OFFSET] = KDF_KEY_FILE;
  return key_from_key_file (self, TRUE, key, error);
}

static gboolean
file_write_map (SyTokenStore  *self,
                JsonObject    *map,
                const guint8  *old_header,
                GError       **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) local = NULL;
  guint8 key[KEY_LEN];
  char *plain;
  gsize plain_len = 0;
  guint8 *data;
  gsize len;
  gboolean ok;

  if (!ensure_dir (self, error))
    return FALSE;
  json_node_set_object (root, map);
  json_generator_set_root (generator, root);
  plain = json_generator_to_data (generator, &plain_len);

  len = HEADER_LEN + plain_len + TAG_LEN;
  data = g_malloc (len);
  ok = file_new_header (self, old_header, data, key, error);
  if (ok)
    {
      ok = aes_gcm (TRUE, key, data + NONCE_OFFSET, data, HEADER_LEN,
                    (const guint8 *) plain, plain_len, data + HEADER_LEN,
                    data + len - TAG_LEN);
      if (!ok)
        g_set_error_literal (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                             "Cannot encrypt the token map");
    }
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (plain, plain_len);
  g_free (plain);

  /* Replaced whole, never in place: a kill at any moment leaves the old
   * map or the new one (and a temporary file the next open removes). */
  if (ok && !sy_config_write_atomic (self->enc_path, (const char *) data, len, &local))
    {
      g_set_error (error, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                   "Cannot write the token file: %s", local->message);
      ok = FALSE;
    }
  g_free (data);
  return ok;
}

/* Runs in a worker thread, one operation at a time. */
static void
file_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SyTokenStore *self = source_object;
  Op *op = task_data;
  g_autoptr(JsonObject) map = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = map_key (op);
  guint8 header[HEADER_LEN];

  if (g_task_return_error_if_cancelled (task))
    return;

  map = file_read_map (self, header, &error);
  if (map == NULL)
    {
      if (op->kind != OP_LOAD)
        g_prefix_error (&error, "Not %s the secret of %s/%s: ",
                        op->kind == OP_SAVE ? "saving" : "deleting",
                        op->provider, op->account);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (op->kind)
    {
    case OP_LOAD:
      if (json_object_has_member (map, key))
        g_task_return_pointer (task, g_strdup (json_object_get_string_member (map, key)),
                               wipe_string);
      else
        g_task_return_new_error (task, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND,
                                 "No secret for %s/%s", op->provider, op->account);
      break;

    case OP_SAVE:
      json_object_set_string_member (map, key, op->secret);
      if (file_write_map (self, map, header, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      break;

    case OP_DELETE:
      if (!json_object_has_member (map, key))
        g_task_return_boolean (task, TRUE);
      else
        {
          json_object_remove_member (map, key);
          if (file_write_map (self, map, header, &error))
            g_task_return_boolean (task, TRUE);
          else
            g_task_return_error (task, g_steal_pointer (&error));
        }
      break;

    case OP_OPEN:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------- the queue */

/* @task is done (returned): on to the next operation. */
static void
op_finished (GTask *task)
{
  g_autoptr(SyTokenStore) self = g_object_ref (g_task_get_source_object (task));

  g_object_unref (task);
  run_next (self);
}

static void
return_same (GTask    *task,
             gpointer  result,
             GError   *error)
{
  Op *op = g_task_get_task_data (task);

  if (error != NULL)
    g_task_return_error (task, error);
  else if (op->kind == OP_LOAD)
    g_task_return_pointer (task, result, wipe_string);
  else
    g_task_return_boolean (task, TRUE);
}

static void
worker_op_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer value = NULL;

  if (op->kind == OP_LOAD)
    value = g_task_propagate_pointer (G_TASK (result), &error);
  else
    g_task_propagate_boolean (G_TASK (result), &error);
  return_same (task, value, error);
  op_finished (task);
}

/* @task's operation, done by @func in a worker thread. */
static void
worker_start (SyTokenStore    *self,
              GTask           *task,
              GTaskThreadFunc  func)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GTask) worker = g_task_new (self, cancellable, worker_op_done, task);

  /* The worker's result is passed on as it is; @task applies the usual
   * cancellation rule. */
  g_task_set_check_cancellable (worker, FALSE);
  g_task_set_task_data (worker, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (worker, func);
}

static void
file_start (SyTokenStore *self,
            GTask        *task)
{
  worker_start (self, task, file_worker);
}

#if OS_SECRETS

/* Runs in a worker thread, one operation at a time: the OS's calls block
 * (macOS may be asking the user whether we may read the item). */
static void
keyring_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Op *op = task_data;
  g_autoptr(GError) error = NULL;
  char *secret = NULL;
  gboolean ok = FALSE;

  if (g_task_return_error_if_cancelled (task))
    return;

  switch (op->kind)
    {
    case OP_SAVE:
      ok = keyring_store_sync (op->provider, op->account, NULL, op->secret, &error);
      break;
    case OP_LOAD:
      ok = keyring_lookup_sync (op->provider, op->account, &secret, &error);
      break;
    case OP_DELETE:
      ok = keyring_delete_sync (op->provider, op->account, &error);
      break;
    case OP_OPEN:
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    g_task_return_new_error (task, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                             "Keyring: cannot %s the secret of %s/%s: %s",
                             op->kind == OP_SAVE ? "save" : op->kind == OP_LOAD ? "read" : "delete",
                             op->provider, op->account, error->message);
  else if (op->kind != OP_LOAD)
    g_task_return_boolean (task, TRUE);
  else if (secret != NULL)
    g_task_return_pointer (task, secret, wipe_string);
  else
    g_task_return_new_error (task, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND,
                             "No secret for %s/%s", op->provider, op->account);
}

static void
keyring_start (SyTokenStore *self,
               GTask        *task)
{
  worker_start (self, task, keyring_worker);
}

#else /* !OS_SECRETS */

static void
keyring_op_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  char *secret = NULL;

  switch (op->kind)
    {
    case OP_SAVE:
      secret_password_store_finish (result, &error);
      break;
    case OP_LOAD:
      secret = secret_password_lookup_finish (result, &error);
      break;
    case OP_DELETE:
      /* FALSE without an error: there was nothing to delete. */
      secret_password_clear_finish (result, &error);
      break;
    case OP_OPEN:
    default:
      g_assert_not_reached ();
    }

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = plain_message (error);

      g_clear_error (&error);
      error = g_error_new (SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                           "Keyring: cannot %s the secret of %s/%s: %s",
                           op->kind == OP_SAVE ? "save" : op->kind == OP_LOAD ? "read" : "delete",
                           op->provider, op->account, message);
    }
  if (error == NULL && op->kind == OP_LOAD && secret == NULL)
    error = g_error_new (SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NOT_FOUND,
                         "No secret for %s/%s", op->provider, op->account);
  if (secret != NULL)
    {
      /* Ours is freed with g_free(): copy out of libsecret's, which wipes. */
      return_same (task, g_strdup (secret), error);
      secret_password_free (secret);
    }
  else
    return_same (task, NULL, error);
  op_finished (task);
}

static void
keyring_start (SyTokenStore *self,
               GTask        *task)
{
  Op *op = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *label = NULL;

  switch (op->kind)
    {
    case OP_SAVE:
      label = g_strdup_printf ("Switchyard: %s %s", op->provider, op->account);
      secret_password_store (&token_schema, SECRET_COLLECTION_DEFAULT, label, op->secret,
                             cancellable, keyring_op_done, task,
                             "provider", op->provider, "account", op->account, NULL);
      break;
    case OP_LOAD:
      secret_password_lookup (&token_schema, cancellable, keyring_op_done, task,
                              "provider", op->provider, "account", op->account, NULL);
      break;
    case OP_DELETE:
      secret_password_clear (&token_schema, cancellable, keyring_op_done, task,
                             "provider", op->provider, "account", op->account, NULL);
      break;
    case OP_OPEN:
    default:
      g_assert_not_reached ();
    }
}

#endif /* !OS_SECRETS */

static void open_start (SyTokenStore *self, GTask *task);

/* Starts the next queued operation; the store stays "running" meanwhile,
 * so an operation started from a callback waits for its turn. */
static void
run_next (SyTokenStore *self)
{
  g_autoptr(SyTokenStore) keep G_GNUC_UNUSED = g_object_ref (self);  /* through callbacks */
  GTask *task;
  Op *op;

  self->running = TRUE;
  while ((task = g_queue_pop_head (&self->queue)) != NULL)
    {
      op = g_task_get_task_data (task);
      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          continue;
        }
      if (op->kind == OP_OPEN)
        {
          open_start (self, task);
          return;
        }
      if (self->open_error != NULL)
        {
          g_task_return_error (task, g_error_copy (self->open_error));
          g_object_unref (task);
          continue;
        }
      if (g_strcmp0 (self->backend, "keyring") == 0)
        keyring_start (self, task);
      else
        file_start (self, task);
      return;
    }
  self->running = FALSE;
}

static void
enqueue (SyTokenStore *self,
         GTask        *task)
{
  g_queue_push_tail (&self->queue, task);
  if (!self->running)
    run_next (self);
}

/* ------------------------------------------------------------- opening */

#if OS_SECRETS

/* The probe: can the OS's store keep secrets for this user? Asked in a
 * worker thread (the calls block); errors come back as
 * SY_TOKEN_STORE_ERROR_NO_KEYRING naming the cause (cancellation as
 * itself, by the task). */
static void
probe_worker (GTask        *probe,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  char *why = NULL;

  if (sy_secret_os_available (&why) == SY_SECRET_OS_OK)
    g_task_return_boolean (probe, TRUE);
  else
    g_task_return_new_error (probe, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING,
                             "No keyring (%s): %s", sy_secret_os_name (),
                             why != NULL ? why : "out of memory");
  sy_secret_os_free (why);
}

static void
probe_keyring_async (SyTokenStore        *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) probe = g_task_new (self, cancellable, callback, user_data);

  g_task_run_in_thread (probe, probe_worker);
}

#else /* !OS_SECRETS */

/* The probe: is there a Secret Service with a default collection we can
 * use? Errors come back as SY_TOKEN_STORE_ERROR_NO_KEYRING naming the cause
 * (cancellation as itself). */
typedef struct
{
  SecretService    *service;
  SecretCollection *collection;
} Probe;

static void
probe_free (gpointer data)
{
  Probe *probe = data;

  g_clear_object (&probe->service);
  g_clear_object (&probe->collection);
  g_free (probe);
}

static void
probe_fail (GTask  *probe,
            GError *error)
{
  g_autofree char *why = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (probe, error);
      g_object_unref (probe);
      return;
    }
  why = describe_no_keyring (error);
  g_error_free (error);
  g_task_return_new_error (probe, SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING,
                           "No keyring: %s", why);
  g_object_unref (probe);
}

static void
probe_unlocked (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *probe = user_data;
  GError *error = NULL;
  int n;

  n = secret_service_unlock_finish (SECRET_SERVICE (source), result, NULL, &error);
  if (error != NULL)
    probe_fail (probe, error);
  else if (n < 1)
    probe_fail (probe, g_error_new_literal (SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING,
                                            "the default keyring is locked and was not unlocked"));
  else
    {
      g_task_return_boolean (probe, TRUE);
      g_object_unref (probe);
    }
}

static void
probe_got_collection (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *probe = user_data;
  Probe *data = g_task_get_task_data (probe);
  GError *error = NULL;
  GList list = { 0 };

  data->collection = secret_collection_for_alias_finish (result, &error);
  if (error != NULL)
    {
      probe_fail (probe, error);
      return;
    }
  if (data->collection == NULL)
    {
      probe_fail (probe, g_error_new_literal (SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_NO_KEYRING,
                                              "the Secret Service has no default collection"));
      return;
    }
  if (!secret_collection_get_locked (data->collection))
    {
      g_task_return_boolean (probe, TRUE);
      g_object_unref (probe);
      return;
    }
  /* Locked: the service prompts for the password if it can; a prompt that
   * cannot be shown fails or is dismissed, and then there is no keyring. */
  list.data = data->collection;
  secret_service_unlock (data->service, &list, g_task_get_cancellable (probe), probe_unlocked, probe);
}

static void
probe_got_service (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *probe = user_data;
  Probe *data = g_task_get_task_data (probe);
  GError *error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (data->service == NULL)
    {
      probe_fail (probe, error);
      return;
    }
  secret_collection_for_alias (data->service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               g_task_get_cancellable (probe), probe_got_collection, probe);
}

static void
probe_keyring_async (SyTokenStore        *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *probe = g_task_new (self, cancellable, callback, user_data);

  g_task_set_task_data (probe, g_new0 (Probe, 1), probe_free);
  /* Opening a session is a real round trip: it fails when the bus has no
   * Secret Service, where a bare proxy would not. */
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, probe_got_service, probe);
}

#endif /* !OS_SECRETS */

static void
open_probed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  SyTokenStore *self = SY_TOKEN_STORE (source);
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (self->kind == SY_TOKEN_STORE_FILE)
        {
          self->keyring_ok = TRUE;
          self->backend = "file";
        }
      else
        self->backend = "keyring";
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->open_error = g_error_new (SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                                      "The token store was not opened: %s", error->message);
    }
  else if (self->kind == SY_TOKEN_STORE_KEYRING)
    {
      self->open_error = g_error_copy (error);
    }
  else
    {
      if (self->kind == SY_TOKEN_STORE_AUTO)
        g_info ("%s: keeping tokens in %s", error->message, self->enc_path);
      self->keyring_why = g_strdup (error->message);
      self->backend = "file";
      g_clear_error (&error);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  op_finished (task);
}

static void
open_start (SyTokenStore *self,
            GTask        *task)
{
  const char *passphrase = g_getenv (MASTER_KEY_ENV);

  if (passphrase != NULL && *passphrase != '\0')
    self->passphrase = g_strdup (passphrase);
  sy_config_remove_stale_temps (self->enc_path);
  sy_config_remove_stale_temps (self->key_path);

  /* FILE probes too: a file written with the keyring's key is read with
   * it, even when a passphrase is preferred for writing now. */
  probe_keyring_async (self, g_task_get_cancellable (task), open_probed, task);
}

/* ------------------------------------------------------------- GObject */

static void
sy_token_store_finalize (GObject *object)
{
  SyTokenStore *self = SY_TOKEN_STORE (object);

  g_assert (g_queue_is_empty (&self->queue));
  g_free (self->dir);
  g_free (self->enc_path);
  g_free (self->key_path);
  g_clear_error (&self->open_error);
  wipe_string (self->passphrase);
  g_free (self->keyring_why);
  OPENSSL_cleanse (self->keyring_key, sizeof self->keyring_key);
  OPENSSL_cleanse (self->derived_key, sizeof self->derived_key);

  G_OBJECT_CLASS (sy_token_store_parent_class)->finalize (object);
}

static void
sy_token_store_class_init (SyTokenStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_token_store_finalize;
}

static void
sy_token_store_init (SyTokenStore *self)
{
  g_queue_init (&self->queue);
}

SyTokenStore *
sy_token_store_new (SyTokenStoreKind  kind,
                    const char       *dir)
{
  SyTokenStore *self;

  g_return_val_if_fail (kind <= SY_TOKEN_STORE_FILE, NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  self = g_object_new (SY_TYPE_TOKEN_STORE, NULL);
  self->kind = kind;
  self->dir = g_strdup (dir);
  self->enc_path = g_build_filename (dir, "tokens.enc", NULL);
  self->key_path = g_build_filename (dir, "tokens.key", NULL);
  return self;
}

SyTokenStoreKind
sy_token_store_kind_from_string (const char *text,
                                 gboolean   *ok)
{
  static const SyTokenStoreKind kinds[] = {
    SY_TOKEN_STORE_AUTO, SY_TOKEN_STORE_KEYRING, SY_TOKEN_STORE_FILE,
  };
  guint i;

  for (i = 0; text != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (g_ascii_strcasecmp (text, sy_token_store_kind_to_string (kinds[i])) == 0)
      {
        if (ok != NULL)
          *ok = TRUE;
        return kinds[i];
      }
  if (ok != NULL)
    *ok = FALSE;
  return SY_TOKEN_STORE_AUTO;
}

const char *
sy_token_store_kind_to_string (SyTokenStoreKind kind)
{
  switch (kind)
    {
    case SY_TOKEN_STORE_KEYRING: return "keyring";
    case SY_TOKEN_STORE_FILE:    return "file";
    case SY_TOKEN_STORE_AUTO:
    default:                     return "auto";
    }
}

const char *
sy_token_store_get_backend (SyTokenStore *self)
{
  g_return_val_if_fail (SY_IS_TOKEN_STORE (self), NULL);

  return self->backend;
}

const char *
sy_token_store_get_dir (SyTokenStore *self)
{
  g_return_val_if_fail (SY_IS_TOKEN_STORE (self), NULL);

  return self->dir;
}

/* ------------------------------------------------------------- operations */

static GTask *
op_task_new (SyTokenStore        *self,
             OpKind               kind,
             const char          *provider,
             const char          *account,
             const char          *secret,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data,
             gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  op->kind = kind;
  op->provider = g_strdup (provider);
  op->account = g_strdup (account);
  op->secret = g_strdup (secret);
  g_task_set_task_data (task, op, op_free);
  return task;
}

void
sy_token_store_open_async (SyTokenStore        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (SY_IS_TOKEN_STORE (self));
  g_return_if_fail (!self->open_started);

  self->open_started = TRUE;
  enqueue (self, op_task_new (self, OP_OPEN, NULL, NULL, NULL, cancellable, callback,
                              user_data, sy_token_store_open_async));
}

gboolean
sy_token_store_open_finish (SyTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_token_store_open_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
check_names (const char *provider,
             const char *account)
{
  g_return_val_if_fail (provider != NULL && *provider != '\0', FALSE);
  g_return_val_if_fail (strchr (provider, '/') == NULL, FALSE);
  g_return_val_if_fail (account != NULL && *account != '\0', FALSE);
  return TRUE;
}

static void
start_op (SyTokenStore        *self,
          OpKind               kind,
          const char          *provider,
          const char          *account,
          const char          *secret,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  if (!self->open_started)
    {
      g_task_report_new_error (self, callback, user_data, source_tag,
                               SY_TOKEN_STORE_ERROR, SY_TOKEN_STORE_ERROR_IO,
                               "The token store is not open");
      return;
    }
  enqueue (self, op_task_new (self, kind, provider, account, secret, cancellable, callback,
                              user_data, source_tag));
}

void
sy_token_store_save_async (SyTokenStore        *self,
                           const char          *provider,
                           const char          *account,
                           const char          *secret,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (SY_IS_TOKEN_STORE (self));
  g_return_if_fail (check_names (provider, account));
  g_return_if_fail (secret != NULL && g_utf8_validate (secret, -1, NULL));

  start_op (self, OP_SAVE, provider, account, secret, cancellable, callback, user_data,
            sy_token_store_save_async);
}

gboolean
sy_token_store_save_finish (SyTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_token_store_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_token_store_load_async (SyTokenStore        *self,
                           const char          *provider,
                           const char          *account,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (SY_IS_TOKEN_STORE (self));
  g_return_if_fail (check_names (provider, account));

  start_op (self, OP_LOAD, provider, account, NULL, cancellable, callback, user_data,
            sy_token_store_load_async);
}

char *
sy_token_store_load_finish (SyTokenStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_token_store_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_token_store_delete_async (SyTokenStore        *self,
                             const char          *provider,
                             const char          *account,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (SY_IS_TOKEN_STORE (self));
  g_return_if_fail (check_names (provider, account));

  start_op (self, OP_DELETE, provider, account, NULL, cancellable, callback, user_data,
            sy_token_store_delete_async);
}

gboolean
sy_token_store_delete_finish (SyTokenStore  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_token_store_delete_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
