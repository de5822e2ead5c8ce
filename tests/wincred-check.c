/* wincred-check.c: sy-secret-wincred.c against a real Credential Manager
 *
 * Plain C for the MinGW-w64 cross compiler (no GLib there): the
 * 'wincred-compile' test builds it with warnings as errors, and runs it
 * when wine is there; on Windows it is the 'wincred' test. It prints TAP
 * (the store's checks skipped when this session has no Credential
 * Manager) and exits 1 when a check fails. Its credentials are named after the process id and
 * deleted again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "sy-secret-os.h"

#define PROVIDER   "switchyard-test"
/* "bob-ключ@example.com": the account name crosses to UTF-16 and back. */
#define ACCOUNT    "bob-\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87@example.com"
/* {"refresh_token":"ключ-🔑-秘密"} */
#define SECRET     "{\"refresh_token\":\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xf0\x9f\x94\x91-\xe7\xa7\x98\xe5\xaf\x86\"}"
#define MAX_BLOB   (5 * 512)

static int n_checks;
static int n_failed;

static void
check (int         ok,
       const char *what,
       const char *detail)
{
  n_checks++;
  if (!ok)
    n_failed++;
  printf ("%s %d - %s%s%s\n", ok ? "ok" : "not ok", n_checks, what,
          detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* A secret of @len bytes: 'a'..'z' over and over. */
static char *
filled (size_t len)
{
  char *text = malloc (len + 1);
  size_t i;

  if (text == NULL)
    abort ();
  for (i = 0; i < len; i++)
    text[i] = (char) ('a' + i % 26);
  text[len] = '\0';
  return text;
}

int
main (void)
{
  char account[128];
  char *error = NULL;
  char *secret = NULL;
  char *big;
  int rc;

  snprintf (account, sizeof account, "%lu-" ACCOUNT, (unsigned long) GetCurrentProcessId ());

  check (strstr (sy_secret_os_name (), "Credential Manager") != NULL,
         "the store has its name", NULL);

  /* Refused before Windows is asked, so it holds wherever this runs. */
  big = filled (MAX_BLOB + 1);
  rc = sy_secret_os_store (PROVIDER, account, big, &error);
  check (rc == SY_SECRET_OS_ERROR && error != NULL && strstr (error, "2561 bytes") != NULL &&
         strstr (error, "2560") != NULL, "a secret over 2560 bytes is refused, saying so", error);
  sy_secret_os_free (error);
  error = NULL;
  free (big);

  rc = sy_secret_os_store ("bad/provider", account, "x", &error);
  check (rc == SY_SECRET_OS_ERROR && error != NULL, "a provider with '/' is refused", error);
  sy_secret_os_free (error);
  error = NULL;

  rc = sy_secret_os_store (PROVIDER, "not \xc0\xaf UTF-8", "x", &error);
  check (rc == SY_SECRET_OS_ERROR && error != NULL,
         "an account that is not UTF-8 is refused", error);
  sy_secret_os_free (error);
  error = NULL;

  if (sy_secret_os_available (&error) != SY_SECRET_OS_OK)
    {
      printf ("ok %d # SKIP no Credential Manager in this session: %s\n1..%d\n",
              n_checks + 1, error != NULL ? error : "?", n_checks + 1);
      sy_secret_os_free (error);
      return n_failed > 0 ? 1 : 0;
    }

  /* Nothing there yet. */
  rc = sy_secret_os_load (PROVIDER, account, &secret, &error);
  check (rc == SY_SECRET_OS_NOT_FOUND && secret == NULL,
         "a secret never stored is not found", error);
  sy_secret_os_free (error);
  error = NULL;

  rc = sy_secret_os_store (PROVIDER, account, "first", &error);
  check (rc == SY_SECRET_OS_OK, "store", error);
  sy_secret_os_free (error);
  error = NULL;

  rc = sy_secret_os_store (PROVIDER, account, SECRET, &error);
  check (rc == SY_SECRET_OS_OK, "store again, replacing it", error);
  sy_secret_os_free (error);
  error = NULL;

  rc = sy_secret_os_load (PROVIDER, account, &secret, &error);
  check (rc == SY_SECRET_OS_OK && secret != NULL && strcmp (secret, SECRET) == 0,
         "load gives the last secret stored, byte for byte", error);
  sy_secret_os_free (secret);
  secret = NULL;
  sy_secret_os_free (error);
  error = NULL;

  /* Another account of the same provider is another credential. */
  rc = sy_secret_os_load (PROVIDER, "someone-else", &secret, &error);
  check (rc == SY_SECRET_OS_NOT_FOUND, "another account is not found", error);
  sy_secret_os_free (error);
  error = NULL;

  big = filled (MAX_BLOB);
  rc = sy_secret_os_store (PROVIDER, account, big, &error);
  check (rc == SY_SECRET_OS_OK, "a secret of exactly 2560 bytes is stored", error);
  sy_secret_os_free (error);
  error = NULL;
  rc = sy_secret_os_load (PROVIDER, account, &secret, &error);
  check (rc == SY_SECRET_OS_OK && secret != NULL && strcmp (secret, big) == 0,
         "and loads back whole", error);
  sy_secret_os_free (secret);
  secret = NULL;
  sy_secret_os_free (error);
  error = NULL;
  free (big);

  rc = sy_secret_os_delete (PROVIDER, account, &error);
  check (rc == SY_SECRET_OS_OK, "delete", error);
  sy_secret_os_free (error);
  error = NULL;

  rc = sy_secret_os_load (PROVIDER, account, &secret, &error);
  check (rc == SY_SECRET_OS_NOT_FOUND && secret == NULL, "a deleted secret is not found", error);
  sy_secret_os_free (error);
  error = NULL;

  rc = sy_secret_os_delete (PROVIDER, account, &error);
  check (rc == SY_SECRET_OS_OK, "deleting what is not there is fine", error);
  sy_secret_os_free (error);

  printf ("1..%d\n", n_checks);
  return n_failed > 0 ? 1 : 0;
}
