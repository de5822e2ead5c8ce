/* sy-secret-keychain.c: secrets in the macOS Keychain
 *
 * UNTESTED: written from Apple's documentation of the SecItem API; no
 * build here compiles it (it needs the macOS SDK). Keep it small.
 *
 * One generic password item (kSecClassGenericPassword) per secret, service
 * "Switchyard", account "<provider>/<account>", labelled "Switchyard:
 * <provider> <account>" for Keychain Access. The item's data is the
 * secret's UTF-8 bytes. Items go to the user's default (login) keychain:
 * the data protection keychain would need an entitlement that a program
 * run from a terminal does not have. macOS may ask the user whether this
 * program may read an item, for example after an update changed its
 * signature; the call blocks until they answer, which is why the token
 * store makes these calls from its worker thread.
 *
 * Plain C with CoreFoundation and Security.framework only (see
 * sy-secret-os.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>
#include <Security/Security.h>

#include "sy-secret-os.h"

#define SERVICE  "Switchyard"

const char *
sy_secret_os_name (void)
{
  return "the macOS Keychain";
}

/* A CFString as malloc()ed UTF-8, or NULL. */
static char *
utf8_of (CFStringRef string)
{
  CFIndex size;
  char *text;

  if (string == NULL)
    return NULL;
  size = CFStringGetMaximumSizeForEncoding (CFStringGetLength (string), kCFStringEncodingUTF8);
  if (size == kCFNotFound || size < 0)
    return NULL;
  text = malloc ((size_t) size + 1);
  if (text != NULL && !CFStringGetCString (string, text, size + 1, kCFStringEncodingUTF8))
    {
      free (text);
      text = NULL;
    }
  return text;
}

/* Why a SecItem call failed with @status, in words. */
static char *
describe (OSStatus status)
{
  CFStringRef string;
  char *text;
  char *message;

  switch (status)
    {
    case errSecInteractionNotAllowed:
      return sy_secret_os_printf ("the keychain is locked and cannot ask to be unlocked "
                                  "here (no user interface, e.g. over SSH) (OSStatus %d)",
                                  (int) status);
    case errSecNoSuchKeychain:
    case errSecNotAvailable:
      return sy_secret_os_printf ("there is no default keychain (OSStatus %d)", (int) status);
    default:
      break;
    }
  string = SecCopyErrorMessageString (status, NULL);
  text = utf8_of (string);
  if (string != NULL)
    CFRelease (string);
  if (text != NULL && *text != '\0')
    message = sy_secret_os_printf ("%s (OSStatus %d)", text, (int) status);
  else
    message = sy_secret_os_printf ("Keychain error %d", (int) status);
  free (text);
  return message;
}

/* The query naming the item of (@provider, @account), or NULL with
 * *error_out set. Release with CFRelease(). */
static CFMutableDictionaryRef
query_for (const char  *provider,
           const char  *account,
           char       **error_out)
{
  CFMutableDictionaryRef query;
  CFStringRef name_string;
  char *name;

  name = sy_secret_os_entry_name ("", provider, account);
  if (name == NULL)
    {
      sy_secret_os_fail (error_out, sy_secret_os_printf ("not a provider and account name"));
      return NULL;
    }
  /* NULL for text that is not UTF-8. */
  name_string = CFStringCreateWithCString (kCFAllocatorDefault, name, kCFStringEncodingUTF8);
  free (name);
  if (name_string == NULL)
    {
      sy_secret_os_fail (error_out, sy_secret_os_printf ("the account name is not UTF-8"));
      return NULL;
    }
  query = CFDictionaryCreateMutable (kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks,
                                     &kCFTypeDictionaryValueCallBacks);
  if (query != NULL)
    {
      CFDictionarySetValue (query, kSecClass, kSecClassGenericPassword);
      CFDictionarySetValue (query, kSecAttrService, CFSTR (SERVICE));
      CFDictionarySetValue (query, kSecAttrAccount, name_string);
    }
  else
    sy_secret_os_fail (error_out, sy_secret_os_printf ("out of memory"));
  CFRelease (name_string);
  return query;
}

int
sy_secret_os_available (char **error_out)
{
  CFMutableDictionaryRef query;
  OSStatus status;

  /* A search for any item of ours: it reaches the default keychain
   * without reading a secret (so without asking the user). */
  query = CFDictionaryCreateMutable (kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks,
                                     &kCFTypeDictionaryValueCallBacks);
  if (query == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("out of memory"));
  CFDictionarySetValue (query, kSecClass, kSecClassGenericPassword);
  CFDictionarySetValue (query, kSecAttrService, CFSTR (SERVICE));
  CFDictionarySetValue (query, kSecMatchLimit, kSecMatchLimitOne);
  status = SecItemCopyMatching (query, NULL);
  CFRelease (query);
  if (status != errSecSuccess && status != errSecItemNotFound)
    return sy_secret_os_fail (error_out, describe (status));
  return SY_SECRET_OS_OK;
}

int
sy_secret_os_store (const char  *provider,
                    const char  *account,
                    const char  *secret,
                    char       **error_out)
{
  CFMutableDictionaryRef query;
  CFMutableDictionaryRef update = NULL;
  CFDataRef data = NULL;
  CFStringRef label = NULL;
  char *label_text;
  OSStatus status = errSecAllocate;

  if (secret == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("no secret"));
  query = query_for (provider, account, error_out);
  if (query == NULL)
    return SY_SECRET_OS_ERROR;

  /* No copy of the secret: the CFData points into ours. */
  data = CFDataCreateWithBytesNoCopy (kCFAllocatorDefault, (const UInt8 *) secret,
                                      (CFIndex) strlen (secret), kCFAllocatorNull);
  label_text = sy_secret_os_printf ("Switchyard: %s %s", provider, account);
  if (label_text != NULL)
    label = CFStringCreateWithCString (kCFAllocatorDefault, label_text, kCFStringEncodingUTF8);
  free (label_text);
  update = CFDictionaryCreateMutable (kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks,
                                      &kCFTypeDictionaryValueCallBacks);
  if (data != NULL && label != NULL && update != NULL)
    {
      CFDictionarySetValue (update, kSecValueData, data);
      CFDictionarySetValue (query, kSecValueData, data);
      CFDictionarySetValue (query, kSecAttrLabel, label);
      status = SecItemAdd (query, NULL);
      if (status == errSecDuplicateItem)
        {
          /* SecItemUpdate() takes the item's query without the new data. */
          CFDictionaryRemoveValue (query, kSecValueData);
          CFDictionaryRemoveValue (query, kSecAttrLabel);
          status = SecItemUpdate (query, update);
        }
    }

  if (update != NULL)
    CFRelease (update);
  if (label != NULL)
    CFRelease (label);
  CFRelease (query);
  if (data != NULL)
    CFRelease (data);
  if (status != errSecSuccess)
    return sy_secret_os_fail (error_out, describe (status));
  return SY_SECRET_OS_OK;
}

int
sy_secret_os_load (const char  *provider,
                   const char  *account,
                   char       **secret_out,
                   char       **error_out)
{
  CFMutableDictionaryRef query;
  CFTypeRef result = NULL;
  OSStatus status;
  CFIndex len;
  char *secret;

  *secret_out = NULL;
  query = query_for (provider, account, error_out);
  if (query == NULL)
    return SY_SECRET_OS_ERROR;
  CFDictionarySetValue (query, kSecReturnData, kCFBooleanTrue);
  CFDictionarySetValue (query, kSecMatchLimit, kSecMatchLimitOne);
  status = SecItemCopyMatching (query, &result);
  CFRelease (query);
  if (status == errSecItemNotFound)
    return SY_SECRET_OS_NOT_FOUND;
  if (status != errSecSuccess)
    {
      if (result != NULL)
        CFRelease (result);
      return sy_secret_os_fail (error_out, describe (status));
    }
  if (result == NULL || CFGetTypeID (result) != CFDataGetTypeID ())
    {
      if (result != NULL)
        CFRelease (result);
      return sy_secret_os_fail (error_out, sy_secret_os_printf ("the keychain answered "
                                                                "without the item's data"));
    }

  len = CFDataGetLength ((CFDataRef) result);
  secret = malloc ((size_t) len + 1);
  if (secret != NULL)
    {
      CFDataGetBytes ((CFDataRef) result, CFRangeMake (0, len), (UInt8 *) secret);
      secret[len] = '\0';
    }
  CFRelease (result);
  if (secret == NULL)
    return sy_secret_os_fail (error_out, sy_secret_os_printf ("out of memory"));
  /* Written by something else under our name. */
  if (!sy_secret_os_text_valid (secret, (size_t) len))
    {
      sy_secret_os_wipe (secret, (size_t) len);
      free (secret);
      return sy_secret_os_fail (error_out,
                                sy_secret_os_printf ("the keychain item holds something other "
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
  CFMutableDictionaryRef query;
  OSStatus status;

  query = query_for (provider, account, error_out);
  if (query == NULL)
    return SY_SECRET_OS_ERROR;
  status = SecItemDelete (query);
  CFRelease (query);
  if (status != errSecSuccess && status != errSecItemNotFound)
    return sy_secret_os_fail (error_out, describe (status));
  return SY_SECRET_OS_OK;
}
