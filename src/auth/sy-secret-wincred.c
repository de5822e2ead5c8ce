/* sy-secret-wincred.c: secrets in the Windows Credential Manager
 *
 * One generic credential (CRED_TYPE_GENERIC) per secret, with the target
 * name "Switchyard/<provider>/<account>" and the account as its user name,
 * so Control Panel > Credential Manager > Windows Credentials lists them
 * readably. They are kept for this user on this machine
 * (CRED_PERSIST_LOCAL_MACHINE), not roamed to other machines with a
 * roaming profile: a refresh token renewed on one would leave the others a
 * spent copy.
 *
 * The blob is the secret's UTF-8 bytes, no NUL. Tools that show passwords
 * store UTF-16 there; our secrets are JSON text that no one types, and
 * UTF-8 halves it for a store that takes at most 5 * 512 bytes a
 * credential. A larger secret is refused before calling Windows, with a
 * message saying so. Names are UTF-16 for the W functions.
 *
 * Plain C with the Windows headers only (see sy-secret-os.h); links with
 * advapi32. tests/wincred-check.c drives it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wincred.h>

#include "sy-secret-os.h"

/* CRED_MAX_CREDENTIAL_BLOB_SIZE since Windows 7. MinGW-w64's wincred.h
 * still has the Windows XP value (512), so it is not taken from there. */
#define MAX_BLOB         (5 * 512)
#define TARGET_PREFIX    "Switchyard/"

_Static_assert (sizeof (WCHAR) == sizeof (uint16_t), "WCHAR is a UTF-16 code unit");

const char *
sy_secret_os_name (void)
{
  return "the Windows Credential Manager";
}

/* Why a Credential Manager call failed with @code, in words. */
static char *
describe (DWORD code)
{
  WCHAR *buffer = NULL;
  char *text = NULL;
  char *message;
  size_t len;

  if (code == ERROR_NO_SUCH_LOGON_SESSION)
    return sy_secret_os_printf ("this logon session has no credential store "
                                "(a service, or a network logon) (error %lu)",
                                (unsigned long) code);

  if (FormatMessageW (FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                      FORMAT_MESSAGE_IGNORE_INSERTS,
                      NULL, code, 0, (LPWSTR) &buffer, 0, NULL) > 0)
    {
      text = sy_secret_os_utf16_to_utf8 ((const uint16_t *) buffer, (size_t) -1);
      LocalFree (buffer);
    }
  if (text != NULL)
    {
      /* System messages end with ".\r\n". */
      len = strlen (text);
      while (len > 0 && strchr (" .\r\n", text[len - 1]) != NULL)
        text[--len] = '\0';
    }
  if (text != NULL && *text != '\0')
    message = sy_secret_os_printf ("%s (error %lu)", text, (unsigned long) code);
  else
    message = sy_secret_os_printf ("Windows error %lu", (unsigned long) code);
  free (text);
  return message;
}

/* The credential's target name in UTF-16, or NULL with *error_out set. */
static uint16_t *
target_for (const char  *provider,
            const char  *account,
            char       **error_out)
{
  char *name = sy_secret_os_entry_name (TARGET_PREFIX, provider, account);
  uint16_t *target;
  size_t n_units = 0;

  if (name == NULL)
    {
      sy_secret_os_fail (error_out, sy_secret_os_printf ("not a provider and account name"));
      return NULL;
    }
  target = sy_secret_os_utf8_to_utf16 (name, &n_units);
  free (name);
  if (target == NULL)
    {
      sy_secret_os_fail (error_out, sy_secret_os_printf ("the account name is not UTF-8"));
      return NULL;
    }
  if (n_units > CRED_MAX_GENERIC_TARGET_NAME_LENGTH)
    {
      free (target);
      sy_secret_os_fail (error_out,
                         sy_secret_os_printf ("the account name is too long for a credential "
                                              "(%lu characters, at most %lu)",
                                              (unsigned long) n_units,
                                              (unsigned long) CRED_MAX_GENERIC_TARGET_NAME_LENGTH));
      return NULL;
    }
  return target;
}

int
sy_secret_os_available (char **error_out)
{
  DWORD persist[CRED_TYPE_MAXIMUM];

  memset (persist, 0, sizeof persist);
  if (!CredGetSessionTypes (CRED_TYPE_MAXIMUM, persist))
    return sy_secret_os_fail (error_out, describe (GetLastError ()));
  /* NONE: no credential store at all; SESSION: gone at logoff. */
  if (persist[CRED_TYPE_GENERIC] < CRED_PERSIST_LOCAL_MACHINE)
    return sy_secret_os_fail (error_out,
                              sy_secret_os_printf (persist[CRED_TYPE_GENERIC] == CRED_PERSIST_NONE
                                                   ? "this logon session has no credential store"
                                                   : "this logon session keeps credentials only "
                                                     "until it ends"));
  return SY_SECRET_OS_OK;
}

int
sy_secret_os_store (const char  *provider,
                    const char  *account,
                    const char  *secret,
                    char       **error_out)
{
  CREDENTIALW credential;
  uint16_t *target;
  uint16_t *user;
  size_t secret_len, user_len = 0;
  DWORD code = 0;

  if (secret == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("no secret"));
  secret_len = strlen (secret);
  if (secret_len > MAX_BLOB)
    return sy_secret_os_fail (error_out,
                              sy_secret_os_printf ("the secret is %lu bytes, and the Windows "
                                                   "Credential Manager keeps at most %d bytes "
                                                   "a credential: use the file token store "
                                                   "(token-store: file)",
                                                   (unsigned long) secret_len, MAX_BLOB));
  target = target_for (provider, account, error_out);
  if (target == NULL)
    return SY_SECRET_OS_ERROR;
  /* Only shown in Credential Manager: left out when Windows would refuse it. */
  user = sy_secret_os_utf8_to_utf16 (account, &user_len);
  if (user != NULL && user_len > CRED_MAX_USERNAME_LENGTH)
    {
      free (user);
      user = NULL;
    }

  memset (&credential, 0, sizeof credential);
  credential.Type = CRED_TYPE_GENERIC;
  credential.TargetName = (LPWSTR) target;
  credential.Comment = (LPWSTR) L"Switchyard sign-in tokens";
  credential.CredentialBlobSize = (DWORD) secret_len;
  credential.CredentialBlob = secret_len > 0 ? (LPBYTE) secret : NULL;
  credential.Persist = CRED_PERSIST_LOCAL_MACHINE;
  credential.UserName = (LPWSTR) user;
  if (!CredWriteW (&credential, 0))
    code = GetLastError ();
  free (target);
  free (user);
  if (code != 0)
    return sy_secret_os_fail (error_out, describe (code));
  return SY_SECRET_OS_OK;
}

int
sy_secret_os_load (const char  *provider,
                   const char  *account,
                   char       **secret_out,
                   char       **error_out)
{
  PCREDENTIALW credential = NULL;
  uint16_t *target;
  char *secret;
  DWORD code = 0;
  size_t len;

  *secret_out = NULL;
  target = target_for (provider, account, error_out);
  if (target == NULL)
    return SY_SECRET_OS_ERROR;
  if (!CredReadW ((LPCWSTR) target, CRED_TYPE_GENERIC, 0, &credential))
    code = GetLastError ();
  free (target);
  if (code == ERROR_NOT_FOUND)
    return SY_SECRET_OS_NOT_FOUND;
  if (code != 0)
    return sy_secret_os_fail (error_out, describe (code));

  len = credential->CredentialBlobSize;
  secret = malloc (len + 1);
  if (secret != NULL)
    {
      if (len > 0)
        memcpy (secret, credential->CredentialBlob, len);
      secret[len] = '\0';
    }
  if (len > 0)
    SecureZeroMemory (credential->CredentialBlob, len);
  CredFree (credential);

  if (secret == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("out of memory"));
  /* Written by something else under our name. */
  if (!sy_secret_os_text_valid (secret, len))
    {
      sy_secret_os_wipe (secret, len);
      free (secret);
      return sy_secret_os_fail (error_out,
                                sy_secret_os_printf ("the credential holds something other "
                                                     "than UTF-8 text"));
    }
  *secret_out = secret;
  return SY_SECRET_OS_OK;
}

int
sy_secret_os_delete (const char  *provider,
                     const char  *account,
                     char       **error_out)
{
  uint16_t *target;
  DWORD code = 0;

  target = target_for (provider, account, error_out);
  if (target == NULL)
    return SY_SECRET_OS_ERROR;
  if (!CredDeleteW ((LPCWSTR) target, CRED_TYPE_GENERIC, 0))
    code = GetLastError ();
  free (target);
  if (code != 0 && code != ERROR_NOT_FOUND)
    return sy_secret_os_fail (error_out, describe (code));
  return SY_SECRET_OS_OK;
}
