/* sy-secret.c: wiping secrets from memory before they are released
 *
 * The one place that knows how to overwrite a secret's bytes: every holder
 * of a token, a key or a token request frees it through these, so a change
 * of method (an explicit_bzero, a locked page) is one change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sy-secret.h"

void
sy_secret_wipe (gpointer data,
                gsize    len)
{
  if (data != NULL && len > 0)
    OPENSSL_cleanse (data, len);
}

void
sy_secret_free (gpointer text)
{
  if (text == NULL)
    return;
  sy_secret_wipe (text, strlen (text));
  g_free (text);
}

void
sy_secret_clear (char **text)
{
  char *old = *text;

  *text = NULL;
  sy_secret_free (old);
}

void
sy_secret_autoclear (void *pp)
{
  sy_secret_clear ((char **) pp);
}

void
sy_secret_strfreev (char **strv)
{
  if (strv == NULL)
    return;
  for (char **s = strv; *s != NULL; s++)
    sy_secret_wipe (*s, strlen (*s));
  g_strfreev (strv);
}

void
sy_secret_free_full (gpointer       data,
                     gsize          len,
                     GDestroyNotify free_func)
{
  sy_secret_wipe (data, len);
  if (data != NULL && free_func != NULL)
    free_func (data);
}

void
sy_secret_string_wipe (GString *str)
{
  /* Past len the buffer may still hold what a g_string_truncate() cut. */
  sy_secret_wipe (str->str, str->allocated_len);
  g_string_truncate (str, 0);
}

void
sy_secret_string_free (GString *str)
{
  if (str == NULL)
    return;
  sy_secret_string_wipe (str);
  g_string_free (str, TRUE);
}

void
sy_secret_byte_array_unref (GByteArray *array)
{
  if (array == NULL)
    return;
  sy_secret_wipe (array->data, array->len);
  g_byte_array_unref (array);
}

typedef struct
{
  gpointer       data;
  gsize          len;
  GDestroyNotify free_func;
  gpointer       user_data;
} WipeOnFree;

static void
wipe_on_free (gpointer user_data)
{
  WipeOnFree *w = user_data;

  sy_secret_wipe (w->data, w->len);
  if (w->free_func != NULL)
    w->free_func (w->user_data);
  g_free (w);
}

GBytes *
sy_secret_bytes_new_full (gpointer       data,
                          gsize          len,
                          GDestroyNotify free_func,
                          gpointer       user_data)
{
  WipeOnFree *w = g_new (WipeOnFree, 1);

  w->data = data;
  w->len = len;
  w->free_func = free_func;
  w->user_data = user_data;
  /* Not g_bytes_new_take(): GLib may then hand the buffer to a caller of
   * g_bytes_unref_to_data(), or (newer versions) keep small data inline
   * and free it unwiped. A free function of its own is always called. */
  return g_bytes_new_with_free_func (data, len, wipe_on_free, w);
}

GBytes *
sy_secret_bytes_new_take (gpointer data,
                          gsize    len)
{
  return sy_secret_bytes_new_full (data, len, g_free, data);
}
