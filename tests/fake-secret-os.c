/* fake-secret-os.c: an in-memory stand-in for the OS secret store
 *
 * Implements sy-secret-os.h the way sy-secret-wincred.c and
 * sy-secret-keychain.c do (malloc()ed strings, NOT_FOUND, refusals with
 * a reason), so test-token-store-os.c can run the token store's Windows
 * and macOS code here. Each call sleeps a little, at random, as a real
 * store may block, and notes whether it was made from the main thread
 * (it must not be).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fake-secret-os.h"
#include "sy-secret-os.h"

static GMutex      lock;
static GHashTable *entries;          /* "<provider>/<account>" -> secret */
static char       *unavailable_why;  /* NULL: available */
static size_t      max_secret = (size_t) -1;
static GThread    *main_thread;
static guint       main_thread_calls;
static guint       n_calls;

void
fake_secret_os_reset (void)
{
  g_mutex_lock (&lock);
  g_clear_pointer (&entries, g_hash_table_unref);
  entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_clear_pointer (&unavailable_why, g_free);
  max_secret = (size_t) -1;
  main_thread = g_thread_self ();
  main_thread_calls = 0;
  n_calls = 0;
  g_mutex_unlock (&lock);
}

void
fake_secret_os_set_unavailable (const char *why)
{
  g_mutex_lock (&lock);
  g_free (unavailable_why);
  unavailable_why = g_strdup (why);
  g_mutex_unlock (&lock);
}

void
fake_secret_os_set_max_secret (size_t max)
{
  g_mutex_lock (&lock);
  max_secret = max;
  g_mutex_unlock (&lock);
}

char *
fake_secret_os_peek (const char *provider,
                     const char *account)
{
  g_autofree char *name = g_strconcat (provider, "/", account, NULL);
  char *secret;

  g_mutex_lock (&lock);
  secret = g_strdup (g_hash_table_lookup (entries, name));
  g_mutex_unlock (&lock);
  return secret;
}

guint
fake_secret_os_count (void)
{
  guint n;

  g_mutex_lock (&lock);
  n = g_hash_table_size (entries);
  g_mutex_unlock (&lock);
  return n;
}

guint
fake_secret_os_main_thread_calls (void)
{
  return g_atomic_int_get (&main_thread_calls);
}

guint
fake_secret_os_calls (void)
{
  return g_atomic_int_get (&n_calls);
}

/* Every call: blocks a while, and counts. */
static void
enter (void)
{
  g_atomic_int_inc (&n_calls);
  if (g_thread_self () == main_thread)
    g_atomic_int_inc (&main_thread_calls);
  g_usleep (g_random_int_range (0, 3000));
}

const char *
sy_secret_os_name (void)
{
  return "the stand-in store";
}

int
sy_secret_os_available (char **error_out)
{
  int rc = SY_SECRET_OS_OK;

  enter ();
  g_mutex_lock (&lock);
  if (unavailable_why != NULL)
    rc = sy_secret_os_fail (error_out, sy_secret_os_printf ("%s", unavailable_why));
  g_mutex_unlock (&lock);
  return rc;
}

int
sy_secret_os_store (const char  *provider,
                    const char  *account,
                    const char  *secret,
                    char       **error_out)
{
  char *name = sy_secret_os_entry_name ("", provider, account);
  int rc = SY_SECRET_OS_OK;

  enter ();
  if (name == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("not a provider and account name"));
  g_mutex_lock (&lock);
  if (strlen (secret) > max_secret)
    rc = sy_secret_os_fail (error_out,
                            sy_secret_os_printf ("the secret is %lu bytes, at most %lu fit",
                                                 (unsigned long) strlen (secret),
                                                 (unsigned long) max_secret));
  else
    g_hash_table_insert (entries, g_strdup (name), g_strdup (secret));
  g_mutex_unlock (&lock);
  free (name);
  return rc;
}

int
sy_secret_os_load (const char  *provider,
                   const char  *account,
                   char       **secret_out,
                   char       **error_out)
{
  char *name = sy_secret_os_entry_name ("", provider, account);
  const char *secret;
  int rc = SY_SECRET_OS_NOT_FOUND;

  enter ();
  *secret_out = NULL;
  if (name == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("not a provider and account name"));
  g_mutex_lock (&lock);
  secret = g_hash_table_lookup (entries, name);
  if (secret != NULL)
    {
      /* The caller frees it with free(), as it would the OS's copy. */
      *secret_out = strdup (secret);
      rc = SY_SECRET_OS_OK;
    }
  g_mutex_unlock (&lock);
  free (name);
  return rc;
}

int
sy_secret_os_delete (const char  *provider,
                     const char  *account,
                     char       **error_out)
{
  char *name = sy_secret_os_entry_name ("", provider, account);

  enter ();
  if (name == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("not a provider and account name"));
  g_mutex_lock (&lock);
  g_hash_table_remove (entries, name);
  g_mutex_unlock (&lock);
  free (name);
  return SY_SECRET_OS_OK;
}
