/* sy-api-key.c: client API keys
 *
 * Candidates, in order: Authorization (Bearer, or the whole value when it
 * has another scheme), X-Goog-Api-Key, X-Api-Key, ?key=, ?auth_token=.
 * The first candidate that equals a configured key wins. Comparison hashes
 * both sides and compares the digests in constant time, so neither the
 * content nor the length of a key leaks through timing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-server"

#include "config.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "sy-api-key.h"

gboolean
sy_api_key_equal (const char *a,
                  const char *b)
{
  guint8 da[SHA256_DIGEST_LENGTH];
  guint8 db[SHA256_DIGEST_LENGTH];

  if (a == NULL || b == NULL)
    return FALSE;

  SHA256 ((const guint8 *) a, strlen (a), da);
  SHA256 ((const guint8 *) b, strlen (b), db);
  return CRYPTO_memcmp (da, db, sizeof da) == 0;
}

static gboolean
matches_any (const char * const *keys,
             const char         *candidate,
             const char        **matched)
{
  gboolean found = FALSE;

  /* Walk every key, so the time does not tell which one matched. */
  for (guint i = 0; keys[i] != NULL; i++)
    if (sy_api_key_equal (keys[i], candidate) && !found)
      {
        found = TRUE;
        if (matched != NULL)
          *matched = keys[i];
      }
  return found;
}

SyApiKeyResult
sy_api_key_check (const char * const *keys,
                  SyHeaderLookup      header,
                  gpointer            header_data,
                  GHashTable         *query,
                  const char        **matched)
{
  g_autofree char *bearer = NULL;
  const char *candidates[5] = { NULL };
  const char *auth;
  gboolean any = FALSE;

  if (matched != NULL)
    *matched = NULL;
  if (keys == NULL || keys[0] == NULL)
    return SY_API_KEY_OK;

  auth = header (header_data, "Authorization");
  if (auth != NULL)
    {
      const char *space = strchr (auth, ' ');

      if (space != NULL && g_ascii_strncasecmp (auth, "bearer", space - auth) == 0 &&
          space - auth == 6)
        bearer = g_strstrip (g_strdup (space + 1));
      else
        bearer = g_strstrip (g_strdup (auth));
      candidates[0] = bearer;
    }
  candidates[1] = header (header_data, "X-Goog-Api-Key");
  candidates[2] = header (header_data, "X-Api-Key");
  if (query != NULL)
    {
      candidates[3] = g_hash_table_lookup (query, "key");
      candidates[4] = g_hash_table_lookup (query, "auth_token");
    }

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      if (candidates[i] == NULL || *candidates[i] == '\0')
        continue;
      any = TRUE;
      if (matches_any (keys, candidates[i], matched))
        return SY_API_KEY_OK;
    }

  return any ? SY_API_KEY_INVALID : SY_API_KEY_MISSING;
}
