/* sy-secret-os.h: the operating system's own secret store, in plain C
 *
 * The token store's keyring on Windows (sy-secret-wincred.c: the Credential
 * Manager) and macOS (sy-secret-keychain.c: the Keychain). Each file
 * implements the same five functions with its OS's headers only, without
 * GLib, so that it compiles (and can be checked) on its own. The calls
 * block: the token store makes them from its worker thread, one at a time.
 *
 * Secrets are NUL-terminated UTF-8 text, keyed by (provider, account);
 * provider is not empty and has no '/', account is not empty. Strings
 * handed out (secrets, error messages) come from malloc(): free them with
 * sy_secret_os_free(), which wipes them first.
 *
 * The helpers below (sy-secret-os-util.c) are portable C and are also
 * built, and tested, where neither store exists.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results of load; store, delete and available use OK and ERROR only. */
#define SY_SECRET_OS_OK          0
#define SY_SECRET_OS_NOT_FOUND   1
#define SY_SECRET_OS_ERROR     (-1)

/* ------------------------------------------------------ the store, per OS */

/* The store's name for messages: "the Windows Credential Manager", … */
const char *sy_secret_os_name      (void);

/* OK when secrets can be kept there beyond this session; ERROR, with why
 * in *error_out (when not NULL), otherwise. */
int         sy_secret_os_available (char       **error_out);

/* Creates or replaces the secret. ERROR with *error_out saying why, for
 * example a secret larger than the store takes. */
int         sy_secret_os_store     (const char  *provider,
                                    const char  *account,
                                    const char  *secret,
                                    char       **error_out);

/* OK with the secret in *secret_out, NOT_FOUND when there is none, or
 * ERROR with *error_out (also when what is kept is not UTF-8 text). */
int         sy_secret_os_load      (const char  *provider,
                                    const char  *account,
                                    char       **secret_out,
                                    char       **error_out);

/* OK when the secret is gone, also when there was none. */
int         sy_secret_os_delete    (const char  *provider,
                                    const char  *account,
                                    char       **error_out);

/* ------------------------------------------------------- portable helpers */

#if defined (__GNUC__) || defined (__clang__)
# define SY_SECRET_OS_PRINTF(f, a) __attribute__ ((format (printf, f, a)))
#else
# define SY_SECRET_OS_PRINTF(f, a)
#endif

/* "<prefix><provider>/<account>", the name an entry is kept under, or
 * NULL when the names are not acceptable (see the top) or memory ran out. */
char     *sy_secret_os_entry_name    (const char     *prefix,
                                      const char     *provider,
                                      const char     *account);

/* UTF-8 to UTF-16 code units (the machine's byte order), terminated by a 0
 * unit; *n_units_out (when not NULL) counts the units before it. NULL for
 * text that is not UTF-8 (overlong forms, surrogates, beyond U+10FFFF,
 * cut short) and when memory ran out. */
uint16_t *sy_secret_os_utf8_to_utf16 (const char     *text,
                                      size_t         *n_units_out);

/* UTF-16 to NUL-terminated UTF-8: @n_units units, or up to the first 0
 * unit when @n_units is (size_t) -1. NULL for an unpaired surrogate, a 0
 * unit within @n_units, and when memory ran out. */
char     *sy_secret_os_utf16_to_utf8 (const uint16_t *text,
                                      size_t          n_units);

/* Whether @len bytes are UTF-8 text without a NUL byte. */
int       sy_secret_os_text_valid    (const char     *text,
                                      size_t          len);

/* malloc()ed like sprintf() would print it; NULL when memory ran out. */
char     *sy_secret_os_printf        (const char     *format,
                                      ...) SY_SECRET_OS_PRINTF (1, 2);

/* Zeroes @len bytes in a way the compiler keeps. */
void      sy_secret_os_wipe          (void           *data,
                                      size_t          len);

/* Wipes and frees a string from the functions above; NULL is fine. */
void      sy_secret_os_free          (char           *text);

/* Sets *error_out (when not NULL) to @message, or frees it; returns
 * SY_SECRET_OS_ERROR, for "return sy_secret_os_fail (…)". */
int       sy_secret_os_fail          (char          **error_out,
                                      char           *message);

#ifdef __cplusplus
}
#endif
