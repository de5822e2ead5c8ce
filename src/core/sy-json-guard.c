/* sy-json-guard.c: json-glib's parser, kept to one value of bounded depth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
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

/* The code unit of the escape backslash-u-XXXX at @at, or -1 when there is
 * none there. */
static gint
unicode_escape (const char *data,
                gsize       n,
                gsize       at)
{
  gint unit = 0;

  if (at + 6 > n || data[at] != '\\' || data[at + 1] != 'u')
    return -1;
  for (gsize k = at + 2; k < at + 6; k++)
    {
      if (!g_ascii_isxdigit (data[k]))
        return -1;
      unit = unit * 16 + g_ascii_xdigit_value (data[k]);
    }
  return unit;
}

/* The length of the escape at @at (a backslash): 2, 6 for a code unit, 12
 * for a surrogate pair; 0 when JSON has no such escape. json-glib 1.6 does
 * not read a malformed escape as JSON would: after a surrogate without its
 * other half it takes one more byte, or two from a backslash, as part of
 * the pair (a closing quote too), so the string would end for json-glib
 * elsewhere than for this scan, and what this scan took for text it would
 * parse as structure, out of the depth count. A high half followed by a
 * backslash-u that is not a low half it refuses, leaking the string read
 * so far. So every escape must be JSON's, and surrogates must come in
 * whole pairs. */
static gsize
escape_length (const char *data,
               gsize       n,
               gsize       at)
{
  gint unit, low;

  if (at + 1 >= n)
    return 0;
  if (data[at + 1] != '\0' && strchr ("\"\\/bfnrt", data[at + 1]) != NULL)
    return 2;
  unit = unicode_escape (data, n, at);
  if (unit < 0xd800 || unit > 0xdfff)
    return unit < 0 ? 0 : 6;
  low = unicode_escape (data, n, at + 6);
  if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff)
    return 12;
  return 0;
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
          /* To the closing quote, over the escapes. */
          for (i++; i < n && data[i] != '"'; i++)
            if (data[i] == '\\')
              {
                gsize skip = escape_length (data, n, i);

                if (skip == 0)
                  {
                    g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                                 "not JSON: invalid escape in a string at byte %" G_GSIZE_FORMAT, i);
                    return FALSE;
                  }
                i += skip - 1;
              }
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

gboolean
sy_json_node_to_int64 (JsonNode *node,
                       gint64   *value)
{
  double d;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
    return FALSE;
  /* -2^63 and 2^63 are exact doubles; NaN fails both comparisons. */
  d = trunc (json_node_get_double (node));
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
    return FALSE;
  *value = (gint64) d;
  return TRUE;
}
