/* sy-secret.h: wiping secrets (tokens, keys, token requests) from memory
 *
 * What holds a secret is overwritten before it is released, so that a
 * token does not linger in freed heap memory (a core dump, a later
 * allocation's uninitialised bytes, swap). The overwrite is
 * OPENSSL_cleanse(), which the compiler may not drop as a dead store the
 * way it may drop a memset() before free().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Overwrites @len bytes at @data with zeros (NULL or 0: nothing). */
void   sy_secret_wipe            (gpointer     data,
                                  gsize        len);

/* Wipes the NUL-terminated @text, then g_free()s it. NULL-safe; a
 * GDestroyNotify for hash tables and pointer arrays of secrets. */
void   sy_secret_free            (gpointer     text);

/* sy_secret_free (*text) and *text = NULL. */
void   sy_secret_clear           (char       **text);

/* Wipes every string of the NULL-terminated @strv, then frees it. */
void   sy_secret_strfreev        (char       **strv);

/* Wipes @len bytes at @data, then calls @free_func on it (when not NULL). */
void   sy_secret_free_full       (gpointer       data,
                                  gsize          len,
                                  GDestroyNotify free_func);

/* Empties @str and wipes all of its buffer (the allocated length, not only
 * the text: an append that moved it left nothing behind, but a truncate
 * did). @str stays usable. */
void   sy_secret_string_wipe     (GString     *str);

/* sy_secret_string_wipe(), then g_string_free(). NULL-safe. */
void   sy_secret_string_free     (GString     *str);

/* Wipes the bytes of @array, then drops the reference (the bytes are
 * wiped even when others still hold the array: only for arrays whose
 * content is not needed once this holder is done). NULL-safe. */
void   sy_secret_byte_array_unref (GByteArray *array);

/* A GBytes of @data (g_malloc()ed, taken) that wipes it when its last
 * reference goes, whoever drops it: for request bodies handed to
 * transfers and logs that keep their own references. */
GBytes *sy_secret_bytes_new_take (gpointer      data,
                                  gsize         len);

/* The same for @data owned by @user_data: when the last reference goes,
 * @len bytes at @data are wiped, then @free_func (@user_data) runs. */
GBytes *sy_secret_bytes_new_full (gpointer       data,
                                  gsize          len,
                                  GDestroyNotify free_func,
                                  gpointer       user_data);

/* A char * that is sy_secret_free()d when it goes out of scope, as
 * g_autofree frees: sy_autowipe char *bearer = g_strdup_printf (...); */
void   sy_secret_autoclear       (void        *pp);
#define sy_autowipe __attribute__ ((cleanup (sy_secret_autoclear)))

G_END_DECLS
