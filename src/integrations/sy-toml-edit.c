/* sy-toml-edit.c: table-level edits to a TOML file that keep every other byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "sy-toml-edit.h"

G_DEFINE_QUARK (sy-toml-edit-error-quark, sy_toml_edit_error)

typedef enum
{
  ITEM_TRIVIA,    /* a blank line or a comment */
  ITEM_HEADER,    /* [table] or [[array.of.tables]] */
  ITEM_PAIR,      /* key = value, the value perhaps over several lines */
} ItemKind;

typedef struct
{
  ItemKind  kind;
  gsize     start;
  gsize     end;        /* after the line ending (or the end of the text) */
  gboolean  array;      /* a [[header]] */
  char     *name;       /* the header's or the key's dotted name, normalised */
} Item;

static void
item_clear (gpointer data)
{
  Item *item = data;

  g_free (item->name);
}

/* The line ending to write: the file's first one, "\n" when it has none. */
static const char *
file_eol (const char *text)
{
  const char *nl = strchr (text, '\n');

  return nl != NULL && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Past the end of the line at @p (its "\n" included). */
static gsize
line_end (const char *text,
          gsize       p)
{
  const char *nl = strchr (text + p, '\n');

  return nl != NULL ? (gsize) (nl - text) + 1 : strlen (text);
}

/* Past a quoted string at @p (which is at its opening quote), multi-line
 * forms included; 0 when it does not end. */
static gsize
skip_string (const char *text,
             gsize       p)
{
  char q = text[p];
  gboolean basic = q == '"';

  if (text[p + 1] == q && text[p + 2] == q)
    {
      const char delim[4] = { q, q, q, '\0' };

      p += 3;
      for (;;)
        {
          if (text[p] == '\0')
            return 0;
          if (basic && text[p] == '\\' && text[p + 1] != '\0')
            {
              p += 2;
              continue;
            }
          if (strncmp (text + p, delim, 3) == 0)
            {
              p += 3;
              /* Up to two more quotes belong to the string ("""a""""). */
              while (text[p] == q)
                p++;
              return p;
            }
          p++;
        }
    }
  for (p++; text[p] != q; p++)
    {
      if (text[p] == '\0' || text[p] == '\n')
        return 0;
      if (basic && text[p] == '\\' && text[p + 1] != '\0' && text[p + 1] != '\n')
        p++;
    }
  return p + 1;
}

/* A key or header name as "a.b.c": blanks around the dots gone, quotes
 * taken off simple quoted parts. */
static char *
normalise_name (const char *text,
                gsize       start,
                gsize       end)
{
  GString *out = g_string_new (NULL);
  gsize p = start;

  while (p < end)
    {
      char c = text[p];

      if (c == ' ' || c == '\t')
        p++;
      else if (c == '"' || c == '\'')
        {
          gsize close = skip_string (text, p);

          if (close == 0 || close > end)
            close = end;
          g_string_append_len (out, text + p + 1, (gssize) (close - p - 2));
          p = close;
        }
      else
        {
          g_string_append_c (out, c);
          p++;
        }
    }
  return g_string_free (out, FALSE);
}

static gboolean
syntax_error (GError    **error,
              const char *text,
              gsize       p,
              const char *what)
{
  guint line = 1;

  for (gsize i = 0; i < p && text[i] != '\0'; i++)
    if (text[i] == '\n')
      line++;
  g_set_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_SYNTAX,
               _("config.toml line %u: %s"), line, what);
  return FALSE;
}

/* Cuts @text into logical lines. */
static GArray *
scan (const char  *text,
      GError     **error)
{
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (Item));
  gsize len = strlen (text);
  gsize pos = 0;

  g_array_set_clear_func (items, item_clear);
  while (pos < len)
    {
      Item item = { ITEM_TRIVIA, pos, 0, FALSE, NULL };
      gsize p = pos;

      while (text[p] == ' ' || text[p] == '\t')
        p++;
      if (text[p] == '\0' || text[p] == '\n' || text[p] == '#' ||
          (text[p] == '\r' && text[p + 1] == '\n'))
        item.end = line_end (text, p);
      else if (text[p] == '[')
        {
          gsize name_start;

          item.kind = ITEM_HEADER;
          item.array = text[p + 1] == '[';
          p += item.array ? 2 : 1;
          name_start = p;
          while (text[p] != ']')
            {
              if (text[p] == '\0' || text[p] == '\n')
                return syntax_error (error, text, pos, _("a table header without its ']'")), NULL;
              if (text[p] == '"' || text[p] == '\'')
                {
                  p = skip_string (text, p);
                  if (p == 0)
                    return syntax_error (error, text, pos, _("an unterminated string")), NULL;
                }
              else
                p++;
            }
          item.name = normalise_name (text, name_start, p);
          item.end = line_end (text, p);
        }
      else
        {
          gsize key_start = p;
          int depth = 0;

          item.kind = ITEM_PAIR;
          while (text[p] != '=')
            {
              if (text[p] == '\0' || text[p] == '\n')
                return syntax_error (error, text, pos, _("a line that is neither a table nor a key = value")), NULL;
              if (text[p] == '"' || text[p] == '\'')
                {
                  p = skip_string (text, p);
                  if (p == 0)
                    return syntax_error (error, text, pos, _("an unterminated string")), NULL;
                }
              else
                p++;
            }
          item.name = normalise_name (text, key_start, p);
          /* The value: strings, nested arrays and inline tables, comments
           * (allowed between an array's lines), up to the line ending
           * where nothing is open. */
          for (p++; ; )
            {
              char c = text[p];

              if (c == '\0')
                {
                  if (depth > 0)
                    {
                      g_free (item.name);
                      return syntax_error (error, text, pos, _("an array or inline table without its end")), NULL;
                    }
                  item.end = p;
                  break;
                }
              if (c == '\n' && depth == 0)
                {
                  item.end = p + 1;
                  break;
                }
              if (c == '"' || c == '\'')
                {
                  gsize close = skip_string (text, p);

                  if (close == 0)
                    {
                      g_free (item.name);
                      return syntax_error (error, text, pos, _("an unterminated string")), NULL;
                    }
                  p = close;
                  continue;
                }
              if (c == '#')
                {
                  while (text[p] != '\0' && text[p] != '\n')
                    p++;
                  continue;
                }
              if (c == '[' || c == '{')
                depth++;
              else if ((c == ']' || c == '}') && depth > 0)
                depth--;
              p++;
            }
        }
      g_array_append_val (items, item);
      pos = item.end;
    }
  return g_steal_pointer (&items);
}

char *
sy_toml_quote_string (const char *value)
{
  GString *out = g_string_new ("\"");

  for (const char *p = value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if ((guchar) *p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04X", (guint) (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Whether the item ends in a line ending (the last line of a file may not). */
static gboolean
ends_line (const char *text,
           const Item *item)
{
  return item->end > item->start && text[item->end - 1] == '\n';
}

char *
sy_toml_set_top_level (const char  *text,
                       const char  *key,
                       const char  *value_toml,
                       GError     **error)
{
  g_autoptr(GArray) items = scan (text, error);
  const char *eol = file_eol (text);
  GString *out;
  guint first_header;
  int found = -1;
  int last_pair = -1;

  if (items == NULL)
    return NULL;
  for (first_header = 0; first_header < items->len; first_header++)
    {
      Item *item = &g_array_index (items, Item, first_header);

      if (item->kind == ITEM_HEADER)
        break;
      if (item->kind != ITEM_PAIR)
        continue;
      last_pair = (int) first_header;
      if (found < 0 && strcmp (item->name, key) == 0)
        found = (int) first_header;
      else if (g_str_has_prefix (item->name, key) && item->name[strlen (key)] == '.')
        {
          /* Translators: a key Switchyard sets, then the table header using it */
          g_set_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_UNSUPPORTED,
                       _("config.toml uses %s as a table (%s); not changed"), key, item->name);
          return NULL;
        }
    }

  out = g_string_new (NULL);
  if (found >= 0)
    {
      Item *item = &g_array_index (items, Item, found);

      g_string_append_len (out, text, (gssize) item->start);
      g_string_append_printf (out, "%s = %s%s", key, value_toml, ends_line (text, item) ? eol : "");
      g_string_append (out, text + item->end);
    }
  else if (last_pair >= 0)
    {
      Item *item = &g_array_index (items, Item, last_pair);

      g_string_append_len (out, text, (gssize) item->end);
      if (!ends_line (text, item))
        g_string_append (out, eol);
      g_string_append_printf (out, "%s = %s%s", key, value_toml, eol);
      g_string_append (out, text + item->end);
    }
  else
    {
      g_string_append_printf (out, "%s = %s%s", key, value_toml, eol);
      g_string_append (out, text);
    }
  return g_string_free (out, FALSE);
}

/* Whether @full is @name or inside it (@name.something). */
static gboolean
name_within (const char *full,
             const char *name)
{
  gsize n = strlen (name);

  return strncmp (full, name, n) == 0 && (full[n] == '\0' || full[n] == '.');
}

/* @body with its line endings as @eol. */
static void
append_lines (GString    *out,
              const char *body,
              const char *eol)
{
  for (const char *p = body; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append (out, eol);
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }
}

char *
sy_toml_set_table (const char  *text,
                   const char  *name,
                   const char  *body,
                   GError     **error)
{
  g_autoptr(GArray) items = scan (text, error);
  const char *eol = file_eol (text);
  g_autofree gboolean *drop = NULL;
  GString *out;
  const char *table = "";
  int target = -1;
  int target_last = -1;

  if (items == NULL)
    return NULL;
  drop = g_new0 (gboolean, items->len);

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      g_autofree char *full = NULL;

      if (item->kind == ITEM_HEADER)
        {
          table = item->name;
          if (name_within (item->name, name) && item->array)
            {
              g_set_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_UNSUPPORTED,
                           _("config.toml has [[%s]], an array of tables; not changed"), item->name);
              return NULL;
            }
          if (target < 0 && strcmp (item->name, name) == 0)
            target = target_last = (int) i;
          continue;
        }
      if (item->kind != ITEM_PAIR)
        continue;
      full = *table != '\0' ? g_strconcat (table, ".", item->name, NULL) : g_strdup (item->name);
      if (target >= 0 && strcmp (table, name) == 0)
        target_last = (int) i;
      else if (name_within (table, name))
        continue;   /* a pair of a sub-table ([name.x]): valid as it is */
      else if (name_within (full, name))
        drop[i] = TRUE;
      else if (name_within (name, full))
        {
          /* Translators: a table name, then the dotted key that sets it inline */
          g_set_error (error, SY_TOML_EDIT_ERROR, SY_TOML_EDIT_ERROR_UNSUPPORTED,
                       _("config.toml sets %s inline (%s = ...); not changed"), name, full);
          return NULL;
        }
    }

  out = g_string_new (NULL);
  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);

      if ((int) i == target)
        {
          g_string_append_printf (out, "[%s]%s", name, eol);
          append_lines (out, body, eol);
          i = (guint) target_last;
          continue;
        }
      if (!drop[i])
        g_string_append_len (out, text + item->start, (gssize) (item->end - item->start));
    }
  if (target < 0)
    {
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append (out, eol);
      if (out->len > 0 && !g_str_has_suffix (out->str, "\n\n") && !g_str_has_suffix (out->str, "\n\r\n"))
        g_string_append (out, eol);
      g_string_append_printf (out, "[%s]%s", name, eol);
      append_lines (out, body, eol);
    }
  return g_string_free (out, FALSE);
}
