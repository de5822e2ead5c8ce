/* sy-json-write.c: JSON text for a person's own file, in that file's style
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-json.h"
#include "sy-json-write.h"

/* The old text's indent unit: the leading white space of its first
 * indented line (a tab, or up to 8 spaces); two spaces, as the tools
 * themselves write, when there is none (a new file, a one-line file). */
static char *
detect_indent (const char *text)
{
  const char *line;

  for (line = text; line != NULL; line = strchr (line, '\n'))
    {
      gsize ws;

      if (*line == '\n')
        line++;
      ws = strspn (line, " \t");
      if (ws > 0 && line[ws] != '\0' && line[ws] != '\r' && line[ws] != '\n')
        return line[0] == '\t' ? g_strdup ("\t") : g_strnfill (MIN (strspn (line, " "), 8), ' ');
    }
  return g_strdup ("  ");
}

char *
sy_json_write_like (JsonNode   *root,
                    const char *style_from)
{
  g_autofree char *indent = detect_indent (style_from);
  const char *newline = "\n";
  gboolean final_newline = TRUE;
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (root != NULL, NULL);

  if (style_from != NULL && style_from[strspn (style_from, " \t\r\n")] != '\0')
    {
      gsize len = strlen (style_from);

      if (strstr (style_from, "\r\n") != NULL)
        newline = "\r\n";
      final_newline = style_from[len - 1] == '\n';
    }
  /* A byte-order mark (some Windows editors write one) stays. */
  if (style_from != NULL && g_str_has_prefix (style_from, "\xef\xbb\xbf"))
    g_string_append (out, "\xef\xbb\xbf");
  sy_json_write_pretty (root, indent, newline, out);
  if (final_newline)
    g_string_append (out, newline);
  return g_string_free (out, FALSE);
}
