/* sy-secret-hash.h: bcrypt hashes and constant-time comparison of secrets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @s is a bcrypt hash: "$2a$", "$2b$" or "$2y$", a cost of 04 to 31,
 * "$" and 53 characters of bcrypt's base64 (60 in all). */
gboolean  sy_secret_is_bcrypt            (const char  *s);

/* A "$2b$10$..." hash of @plain with a fresh salt. */
char     *sy_secret_bcrypt_hash          (const char  *plain,
                                          GError     **error);

/* Whether @plain hashes to @hash ("$2a$", "$2b$" or "$2y$"); FALSE for
 * anything that is not a bcrypt hash. */
gboolean  sy_secret_bcrypt_verify        (const char  *hash,
                                          const char  *plain);

/* @a == @b in a time that depends on neither (their SHA-256 digests are
 * compared); FALSE when either is NULL. */
gboolean  sy_secret_equal                (const char  *a,
                                          const char  *b);

/* When remote-management.secret-key in the config file @path is set and is
 * not a bcrypt hash, writes its hash in its place (the rest of the file is
 * kept as it is). */
gboolean  sy_config_hash_secret_in_file  (const char  *path,
                                          gboolean    *changed,
                                          GError     **error);

G_END_DECLS
