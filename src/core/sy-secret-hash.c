/* sy-secret-hash.c: bcrypt hashes and constant-time comparison of secrets
 *
 * bcrypt comes from libxcrypt. The management key is kept in config.yaml
 * only as its hash, as CLIProxyAPI does: a plaintext key found there at
 * load is replaced by its hash (cost 10).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>

#include "sy-config-edit.h"
#include "sy-core-error.h"
#include "sy-secret-hash.h"

#define BCRYPT_LENGTH  60
#define BCRYPT_COST    10

gboolean
sy_secret_is_bcrypt (const char *s)
{
  int cost;

  if (s == NULL || strlen (s) != BCRYPT_LENGTH)
    return FALSE;
  if (s[0] != '$' || s[1] != '2' || (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') ||
      s[3] != '$' || !g_ascii_isdigit (s[4]) || !g_ascii_isdigit (s[5]) || s[6] != '$')
    return FALSE;
  cost = (s[4] - '0') * 10 + (s[5] - '0');
  if (cost < 4 || cost > 31)
    return FALSE;
  for (guint i = 7; i < BCRYPT_LENGTH; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '.' && s[i] != '/')
      return FALSE;
  return TRUE;
}

typedef struct crypt_data CryptData;

/* crypt_rn() keeps a copy of the passphrase in @data: wiped and freed. */
static void
crypt_data_free (CryptData *data)
{
  OPENSSL_cleanse (data, sizeof *data);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CryptData, crypt_data_free)

/**
 * sy_secret_bcrypt_hash:
 * @plain: the secret (bcrypt uses its first 72 bytes)
 * @error: return location for a %G_IO_ERROR
 *
 * Returns: (transfer full): a "$2b$10$..." hash, or %NULL
 */
char *
sy_secret_bcrypt_hash (const char  *plain,
                       GError     **error)
{
  g_autoptr(CryptData) data = g_new0 (CryptData, 1);
  char *setting;
  const char *hashed;
  int errsv;

  g_return_val_if_fail (plain != NULL, NULL);

  /* a random salt from the system's entropy */
  errno = 0;
  setting = crypt_gensalt_ra ("$2b$", BCRYPT_COST, NULL, 0);
  if (setting == NULL)
    {
      errsv = errno ? errno : EINVAL;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot make a bcrypt salt: %s", g_strerror (errsv));
      return NULL;
    }
  errno = 0;
  hashed = crypt_rn (plain, setting, data, sizeof *data);
  errsv = errno ? errno : EINVAL;
  free (setting);
  if (hashed == NULL || !sy_secret_is_bcrypt (hashed))
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "bcrypt failed: %s", g_strerror (errsv));
      return NULL;
    }
  return g_strdup (hashed);
}

gboolean
sy_secret_bcrypt_verify (const char *hash,
                         const char *plain)
{
  g_autoptr(CryptData) data = NULL;
  const char *computed;

  if (plain == NULL || !sy_secret_is_bcrypt (hash))
    return FALSE;

  data = g_new0 (CryptData, 1);
  computed = crypt_rn (plain, hash, data, sizeof *data);
  return computed != NULL && strlen (computed) == BCRYPT_LENGTH &&
         CRYPTO_memcmp (computed, hash, BCRYPT_LENGTH) == 0;
}

static void
digest (const char *s,
        guint8      out[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (checksum, (const guchar *) s, (gssize) strlen (s));
  g_checksum_get_digest (checksum, out, &len);
}

gboolean
sy_secret_equal (const char *a,
                 const char *b)
{
  guint8 da[32];
  guint8 db[32];

  if (a == NULL || b == NULL)
    return FALSE;
  /* fixed-size digests: the comparison takes as long for any two strings */
  digest (a, da);
  digest (b, db);
  return CRYPTO_memcmp (da, db, sizeof da) == 0;
}

static void
wipe_string (char *s)
{
  if (s != NULL)
    OPENSSL_cleanse (s, strlen (s));
  g_free (s);
}

typedef char WipedString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WipedString, wipe_string)

/**
 * sy_config_hash_secret_in_file:
 * @path: the config file
 * @changed: (out) (optional): whether the file was rewritten
 * @error: return location for a %SY_CORE_ERROR (or a %G_IO_ERROR from bcrypt)
 *
 * The key is trimmed before it is hashed, as the loader trims strings (and
 * HTTP trims the header the key comes in).
 */
gboolean
sy_config_hash_secret_in_file (const char  *path,
                               gboolean    *changed,
                               GError     **error)
{
  static const char * const key_path[] = { "remote-management", "secret-key", NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(WipedString) text = NULL;
  g_autoptr(WipedString) secret = NULL;
  g_autoptr(WipedString) trimmed = NULL;
  g_autoptr(WipedString) edited = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *hash = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, FALSE);

  if (changed != NULL)
    *changed = FALSE;
  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO, "%s", local_error->message);
      return FALSE;
    }
  if (memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX,
                   "%s: the file contains a NUL byte", path);
      return FALSE;
    }

  if ((secret = sy_config_edit_get_scalar (text, key_path, &local_error)) == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_set_error (error, local_error->domain, local_error->code, "%s: %s",
                   path, local_error->message);
      return FALSE;
    }
  /* a copy (g_strstrip() would move the secret and leave bytes of it
   * past the new end, out of the wipe's reach) */
  {
    const char *start = secret;
    const char *end = secret + strlen (secret);

    while (g_ascii_isspace (*start))
      start++;
    while (end > start && g_ascii_isspace (end[-1]))
      end--;
    trimmed = g_strndup (start, (gsize) (end - start));
  }
  if (trimmed[0] == '\0' || sy_secret_is_bcrypt (trimmed))
    return TRUE;

  if ((hash = sy_secret_bcrypt_hash (trimmed, error)) == NULL)
    return FALSE;
  value = json_node_init_string (json_node_alloc (), hash);
  if ((edited = sy_config_edit_set (text, key_path, value, &local_error)) == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s",
                   path, local_error->message);
      return FALSE;
    }
  if (!sy_config_write_atomic (path, edited, strlen (edited), error))
    return FALSE;
  if (changed != NULL)
    *changed = TRUE;
  return TRUE;
}
