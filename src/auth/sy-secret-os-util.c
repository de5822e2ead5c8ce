/* sy-secret-os-util.c: names, UTF-16 and strings for the OS secret stores
 *
 * Portable C, no GLib and no OS headers: sy-secret-wincred.c and
 * sy-secret-keychain.c use it on their systems, test-secret-os.c checks it
 * everywhere. The Credential Manager's W functions take UTF-16; converting
 * here, rather than with MultiByteToWideChar(), is what lets the rules
 * (strict UTF-8 in, no lone surrogates out) be tested where Windows is not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sy-secret-os.h"

/* Error messages are a line or two; this only stops a runaway. */
#define MAX_MESSAGE  (64 * 1024)

char *
sy_secret_os_entry_name (const char *prefix,
                         const char *provider,
                         const char *account)
{
  size_t prefix_len, provider_len, account_len;
  char *name;

  if (prefix == NULL || provider == NULL || account == NULL ||
      *provider == '\0' || *account == '\0' || strchr (provider, '/') != NULL)
    return NULL;
  prefix_len = strlen (prefix);
  provider_len = strlen (provider);
  account_len = strlen (account);

  name = malloc (prefix_len + provider_len + 1 + account_len + 1);
  if (name == NULL)
    return NULL;
  memcpy (name, prefix, prefix_len);
  memcpy (name + prefix_len, provider, provider_len);
  name[prefix_len + provider_len] = '/';
  memcpy (name + prefix_len + provider_len + 1, account, account_len + 1);
  return name;
}

/* One code point from @s (@avail bytes there): its length, or 0 when the
 * bytes are not UTF-8. The second-byte ranges rule out overlong forms,
 * UTF-16 surrogates (U+D800..U+DFFF) and anything past U+10FFFF. */
static size_t
utf8_next (const unsigned char *s,
           size_t               avail,
           uint32_t            *code_point)
{
  unsigned char lo = 0x80, hi = 0xbf;
  size_t len, i;
  uint32_t c;

  if (avail == 0)
    return 0;
  if (s[0] < 0x80)
    {
      *code_point = s[0];
      return 1;
    }
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    {
      len = 2;
      c = s[0] & 0x1f;
    }
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    {
      len = 3;
      c = s[0] & 0x0f;
      if (s[0] == 0xe0)
        lo = 0xa0;
      else if (s[0] == 0xed)
        hi = 0x9f;
    }
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    {
      len = 4;
      c = s[0] & 0x07;
      if (s[0] == 0xf0)
        lo = 0x90;
      else if (s[0] == 0xf4)
        hi = 0x8f;
    }
  else
    return 0;

  if (avail < len || s[1] < lo || s[1] > hi)
    return 0;
  for (i = 1; i < len; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      c = (c << 6) | (s[i] & 0x3f);
    }
  *code_point = c;
  return len;
}

uint16_t *
sy_secret_os_utf8_to_utf16 (const char *text,
                            size_t     *n_units_out)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t len, pos, n_units = 0, step;
  uint16_t *out;
  uint32_t c = 0;

  if (text == NULL)
    return NULL;
  len = strlen (text);
  /* Never more units than bytes. */
  if (len >= SIZE_MAX / sizeof (uint16_t))
    return NULL;

  for (pos = 0; pos < len; pos += step)
    {
      step = utf8_next (s + pos, len - pos, &c);
      if (step == 0)
        return NULL;
      n_units += c >= 0x10000 ? 2 : 1;
    }

  out = malloc ((n_units + 1) * sizeof (uint16_t));
  if (out == NULL)
    return NULL;
  n_units = 0;
  for (pos = 0; pos < len; pos += step)
    {
      step = utf8_next (s + pos, len - pos, &c);
      if (c >= 0x10000)
        {
          c -= 0x10000;
          out[n_units++] = (uint16_t) (0xd800 | (c >> 10));
          out[n_units++] = (uint16_t) (0xdc00 | (c & 0x3ff));
        }
      else
        out[n_units++] = (uint16_t) c;
    }
  out[n_units] = 0;
  if (n_units_out != NULL)
    *n_units_out = n_units;
  return out;
}

char *
sy_secret_os_utf16_to_utf8 (const uint16_t *text,
                            size_t          n_units)
{
  size_t i, out_len = 0;
  unsigned char *out;
  uint32_t c;

  if (text == NULL)
    return NULL;
  if (n_units == (size_t) -1)
    for (n_units = 0; text[n_units] != 0; n_units++)
      ;
  /* At most three bytes a unit (a pair makes four from two). */
  if (n_units > (SIZE_MAX - 1) / 3)
    return NULL;
  out = malloc (n_units * 3 + 1);
  if (out == NULL)
    return NULL;

  for (i = 0; i < n_units; i++)
    {
      c = text[i];
      if (c == 0 || (c >= 0xdc00 && c <= 0xdfff))
        goto invalid;
      if (c >= 0xd800 && c <= 0xdbff)
        {
          if (i + 1 >= n_units || text[i + 1] < 0xdc00 || text[i + 1] > 0xdfff)
            goto invalid;
          c = 0x10000 + ((c - 0xd800) << 10) + (text[i + 1] - 0xdc00);
          i++;
        }

      if (c < 0x80)
        out[out_len++] = (unsigned char) c;
      else if (c < 0x800)
        {
          out[out_len++] = (unsigned char) (0xc0 | (c >> 6));
          out[out_len++] = (unsigned char) (0x80 | (c & 0x3f));
        }
      else if (c < 0x10000)
        {
          out[out_len++] = (unsigned char) (0xe0 | (c >> 12));
          out[out_len++] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
          out[out_len++] = (unsigned char) (0x80 | (c & 0x3f));
        }
      else
        {
          out[out_len++] = (unsigned char) (0xf0 | (c >> 18));
          out[out_len++] = (unsigned char) (0x80 | ((c >> 12) & 0x3f));
          out[out_len++] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
          out[out_len++] = (unsigned char) (0x80 | (c & 0x3f));
        }
    }
  out[out_len] = '\0';
  return (char *) out;

invalid:
  sy_secret_os_wipe (out, out_len);
  free (out);
  return NULL;
}

int
sy_secret_os_text_valid (const char *text,
                         size_t      len)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t pos = 0, step;
  uint32_t c = 0;

  if (text == NULL)
    return 0;
  while (pos < len)
    {
      step = utf8_next (s + pos, len - pos, &c);
      if (step == 0 || c == 0)
        return 0;
      pos += step;
    }
  return 1;
}

char *
sy_secret_os_printf (const char *format,
                     ...)
{
  size_t size = 256;
  va_list args;
  char *text;
  int n;

  /* Grows until it fits; also right with a vsnprintf() that answers -1
   * instead of the length it needed (old Windows C runtimes). */
  for (;;)
    {
      text = malloc (size);
      if (text == NULL)
        return NULL;
      va_start (args, format);
      n = vsnprintf (text, size, format, args);
      va_end (args);
      if (n >= 0 && (size_t) n < size)
        return text;
      free (text);
      if (size >= MAX_MESSAGE)
        return NULL;
      size = n >= 0 ? (size_t) n + 1 : size * 2;
    }
}

void
sy_secret_os_wipe (void   *data,
                   size_t  len)
{
  volatile unsigned char *p = data;

  while (len-- > 0)
    *p++ = 0;
}

void
sy_secret_os_free (char *text)
{
  if (text == NULL)
    return;
  sy_secret_os_wipe (text, strlen (text));
  free (text);
}

int
sy_secret_os_fail (char **error_out,
                   char  *message)
{
  if (error_out != NULL)
    *error_out = message;
  else
    free (message);
  return SY_SECRET_OS_ERROR;
}
