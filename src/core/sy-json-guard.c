/* sy-json-guard.c: json-glib's parser, kept to one value of bounded depth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-json-guard.h"

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
is_structural (char c)
{
  return c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':' || c == '"';
}

/* What JSON has outside strings besides structure and white space: numbers,
 * true, false, null (letters, to leave json-glib the message of a bare
 * word). json-glib also takes comments and single-quoted strings, inside
 * which brackets would hide from this count: they are refused. */
static gboolean
is_word (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';
}

gboolean
sy_json_guard_check (const char  *data,
                     gssize       len,
                     guint        max_depth,
                     GError     **error)
{
  gsize n = len < 0 ? strlen (data) : (gsize) len;
  gsize i = 0;
  guint depth = 0;
  gboolean value_done = FALSE;

  /* json-glib skips a byte order mark. */
  if (n >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < n && is_space (data[i]))
    i++;

  while (i < n && !value_done)
    {
      char c = data[i];

      if (!is_space (c) && !is_structural (c) && !is_word (c))
        {
          g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                       "not JSON: unexpected character at byte %" G_GSIZE_FORMAT, i);
          return FALSE;
        }
      if (c == '"')
        {
          /* To the closing quote; an escape takes the next byte along. */
          for (i++; i < n && data[i] != '"'; i++)
            if (data[i] == '\\')
              i++;
          i++;
          value_done = depth == 0;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "JSON nested deeper than %u levels at byte %" G_GSIZE_FORMAT, max_depth, i);
              return FALSE;
            }
          i++;
        }
      else if (c == ']' || c == '}')
        {
          /* One too many: not JSON, json-glib says so. */
          if (depth == 0)
            return TRUE;
          depth--;
          i++;
          value_done = depth == 0;
        }
      else if (depth == 0 && !is_space (c))
        {
          /* A number, true, false, null or a bare word at the top. */
          while (i < n && is_word (data[i]))
            i++;
          value_done = TRUE;
        }
      else
        i++;
    }

  while (i < n && is_space (data[i]))
    i++;
  if (value_done && i < n)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                   "unexpected content after the JSON value at byte %" G_GSIZE_FORMAT, i);
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_json_parser_load (JsonParser  *parser,
                     const char  *data,
                     gssize       len,
                     GError     **error)
{
  if (!sy_json_guard_check (data, len, SY_JSON_MAX_DEPTH, error))
    return FALSE;
  return json_parser_load_from_data (parser, data, len, error);
}
