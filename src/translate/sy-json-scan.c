/* sy-json-scan.c: a validating one-pass JSON scanner for small documents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-ir.h"
#include "sy-json-scan.h"


#define MAX_DEPTH 64

static void
skip_ws (SyJsonScan *c)
{
  while (c->pos < c->len)
    {
      char ch = c->text[c->pos];

      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
        break;
      c->pos++;
    }
}

static guint
add_tok (SyJsonScan    *c,
         SyJsonTokType  type)
{
  guint index = c->n_toks;
  SyJsonTok *tok;

  /* Once per value of every event: no GArray call, no memset. */
  if (G_UNLIKELY (index == c->allocated))
    {
      c->allocated = MAX (c->allocated * 2, 64);
      c->toks = g_renew (SyJsonTok, c->toks, c->allocated);
    }
  c->n_toks = index + 1;
  tok = &c->toks[index];
  tok->type = type;
  tok->escaped = 0;
  tok->start = tok->end = tok->count = 0;
  tok->next = index + 1;
  return index;
}

static gboolean
scan_string (SyJsonScan *c)
{
  guint index = add_tok (c, SY_JSON_TOK_STRING);
  gsize pos = c->pos + 1;   /* after the opening quote */
  gboolean escaped = FALSE;
  gboolean ascii = TRUE;

  SY_JSON_TOK (c, index)->start = pos;
  while (pos < c->len)
    {
      unsigned char ch;

      /* The run of plain ASCII between quotes and escapes (most of any
       * string) in a tight loop. */
      while (pos < c->len)
        {
          ch = (unsigned char) c->text[pos];
          if (ch == '"' || ch == '\\' || ch < 0x20 || ch >= 0x80)
            break;
          pos++;
        }
      if (pos >= c->len)
        break;
      ch = (unsigned char) c->text[pos];

      if (ch == '"')
        {
          SyJsonTok *tok = SY_JSON_TOK (c, index);

          /* Outside strings the grammar only admits ASCII: checking the
           * strings that have other bytes validates the whole chunk. */
          if (!ascii && !g_utf8_validate_len (c->text + tok->start, pos - tok->start, NULL))
            return FALSE;
          tok->end = pos;
          tok->escaped = escaped;
          tok->next = index + 1;
          c->pos = pos + 1;
          return TRUE;
        }
      if (ch < 0x20)
        return FALSE;
      if (ch >= 0x80)
        ascii = FALSE;
      else if (ch == '\\')
        {
          escaped = TRUE;
          if (++pos >= c->len)
            return FALSE;
          switch (c->text[pos])
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              break;
            case 'u':
              if (pos + 4 >= c->len ||
                  !g_ascii_isxdigit (c->text[pos + 1]) || !g_ascii_isxdigit (c->text[pos + 2]) ||
                  !g_ascii_isxdigit (c->text[pos + 3]) || !g_ascii_isxdigit (c->text[pos + 4]))
                return FALSE;
              pos += 4;
              break;
            default:
              return FALSE;
            }
        }
      pos++;
    }
  return FALSE;
}

static gboolean
scan_digits (SyJsonScan *c)
{
  gsize start = c->pos;

  while (c->pos < c->len && g_ascii_isdigit (c->text[c->pos]))
    c->pos++;
  return c->pos > start;
}

static gboolean
scan_number (SyJsonScan *c)
{
  guint index = add_tok (c, SY_JSON_TOK_NUMBER);
  gsize start = c->pos;

  if (c->text[c->pos] == '-')
    c->pos++;
  if (c->pos < c->len && c->text[c->pos] == '0')
    c->pos++;
  else if (!scan_digits (c))
    return FALSE;
  if (c->pos < c->len && c->text[c->pos] == '.')
    {
      c->pos++;
      if (!scan_digits (c))
        return FALSE;
    }
  if (c->pos < c->len && (c->text[c->pos] == 'e' || c->text[c->pos] == 'E'))
    {
      c->pos++;
      if (c->pos < c->len && (c->text[c->pos] == '+' || c->text[c->pos] == '-'))
        c->pos++;
      if (!scan_digits (c))
        return FALSE;
    }
  SY_JSON_TOK (c, index)->start = start;
  SY_JSON_TOK (c, index)->end = c->pos;
  SY_JSON_TOK (c, index)->next = index + 1;
  return TRUE;
}

static gboolean
scan_literal (SyJsonScan      *c,
              const char *word,
              SyJsonTokType     type)
{
  gsize n = strlen (word);
  guint index;

  if (c->len - c->pos < n || memcmp (c->text + c->pos, word, n) != 0)
    return FALSE;
  index = add_tok (c, type);
  SY_JSON_TOK (c, index)->next = index + 1;
  c->pos += n;
  return TRUE;
}

static gboolean scan_value (SyJsonScan *c,
                                  int    depth);

static gboolean
scan_container (SyJsonScan *c,
                int    depth)
{
  gboolean object = c->text[c->pos] == '{';
  char close = object ? '}' : ']';
  guint index = add_tok (c, object ? SY_JSON_TOK_OBJECT : SY_JSON_TOK_ARRAY);
  guint32 count = 0;

  if (depth >= MAX_DEPTH)
    return FALSE;
  SY_JSON_TOK (c, index)->start = c->pos;
  c->pos++;
  skip_ws (c);
  if (c->pos < c->len && c->text[c->pos] == close)
    c->pos++;
  else
    for (;;)
      {
        if (object)
          {
            if (c->pos >= c->len || c->text[c->pos] != '"' || !scan_string (c))
              return FALSE;
            skip_ws (c);
            if (c->pos >= c->len || c->text[c->pos] != ':')
              return FALSE;
            c->pos++;
          }
        if (!scan_value (c, depth + 1))
          return FALSE;
        count++;
        skip_ws (c);
        if (c->pos >= c->len)
          return FALSE;
        if (c->text[c->pos] == close)
          {
            c->pos++;
            break;
          }
        if (c->text[c->pos] != ',')
          return FALSE;
        c->pos++;
        skip_ws (c);
      }
  SY_JSON_TOK (c, index)->count = count;
  SY_JSON_TOK (c, index)->end = c->pos;
  SY_JSON_TOK (c, index)->next = c->n_toks;
  return TRUE;
}

static gboolean
scan_value (SyJsonScan *c,
            int    depth)
{
  skip_ws (c);
  if (c->pos >= c->len)
    return FALSE;
  switch (c->text[c->pos])
    {
    case '{':
    case '[':
      return scan_container (c, depth);
    case '"':
      return scan_string (c);
    case 't':
      return scan_literal (c, "true", SY_JSON_TOK_TRUE);
    case 'f':
      return scan_literal (c, "false", SY_JSON_TOK_FALSE);
    case 'n':
      return scan_literal (c, "null", SY_JSON_TOK_NULL);
    default:
      if (c->text[c->pos] == '-' || g_ascii_isdigit (c->text[c->pos]))
        return scan_number (c);
      return FALSE;
    }
}

/* Reads one JSON text; FALSE if it is not exactly one valid value. */
gboolean
sy_json_scan_read (SyJsonScan      *c,
                   const char *text,
                   gsize       len)
{
  c->text = text;
  c->len = len;
  c->pos = 0;
  c->n_toks = 0;
  if (len > G_MAXUINT32 || !scan_value (c, 0))
    return FALSE;
  skip_ws (c);
  return c->pos == c->len;
}

static guint
hex_value (char ch)
{
  return g_ascii_xdigit_value (ch);
}

/* Appends the unescaped text of a STRING token to @out. */
void
sy_json_scan_append_string (SyJsonScan   *c,
                            guint    index,
                            GString *out)
{
  const SyJsonTok *tok = SY_JSON_TOK (c, index);
  const char *p = c->text + tok->start;
  const char *end = c->text + tok->end;
  const char *run = p;

  if (!tok->escaped)
    {
      g_string_append_len (out, p, end - p);
      return;
    }
  while (p < end)
    {
      gunichar u;

      if (*p != '\\')
        {
          p++;
          continue;
        }
      g_string_append_len (out, run, p - run);
      p++;
      switch (*p)
        {
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          u = hex_value (p[1]) << 12 | hex_value (p[2]) << 8 | hex_value (p[3]) << 4 | hex_value (p[4]);
          p += 4;
          if (u >= 0xd800 && u < 0xdc00 && end - p >= 7 && p[1] == '\\' && p[2] == 'u')
            {
              gunichar low = hex_value (p[3]) << 12 | hex_value (p[4]) << 8 | hex_value (p[5]) << 4 | hex_value (p[6]);

              if (low >= 0xdc00 && low < 0xe000)
                {
                  u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                  p += 6;
                }
            }
          if (u >= 0xd800 && u < 0xe000)
            u = 0xfffd;   /* a lone surrogate */
          g_string_append_unichar (out, u);
          break;
        default:          /* '"', '\\', '/' */
          g_string_append_c (out, *p);
          break;
        }
      p++;
      run = p;
    }
  g_string_append_len (out, run, end - run);
}

/* The unescaped text of a STRING token in @scratch (overwritten), or NULL
 * if @index is not a string. */
const char *
sy_json_scan_string (SyJsonScan   *c,
                     int      index,
                     GString *scratch)
{
  if (index < 0 || SY_JSON_TOK (c, index)->type != SY_JSON_TOK_STRING)
    return NULL;
  g_string_truncate (scratch, 0);
  sy_json_scan_append_string (c, index, scratch);
  return scratch->str;
}

static gboolean
key_is (SyJsonScan      *c,
        guint       index,
        const char *key,
        gsize       key_len)
{
  const SyJsonTok *tok = SY_JSON_TOK (c, index);
  g_autoptr(GString) unescaped = NULL;

  if (!tok->escaped)
    return tok->end - tok->start == key_len && memcmp (c->text + tok->start, key, key_len) == 0;
  unescaped = g_string_new (NULL);
  sy_json_scan_append_string (c, index, unescaped);
  return unescaped->len == key_len && memcmp (unescaped->str, key, key_len) == 0;
}

int
sy_json_scan_member (SyJsonScan *c,
                     int         object,
                     const char *key)
{
  gsize key_len = strlen (key);
  guint index;
  guint32 i;

  if (object < 0 || SY_JSON_TOK (c, object)->type != SY_JSON_TOK_OBJECT)
    return -1;
  index = object + 1;
  for (i = 0; i < SY_JSON_TOK (c, object)->count; i++)
    {
      guint value = index + 1;

      if (key_is (c, index, key, key_len))
        return (int) value;
      index = SY_JSON_TOK (c, value)->next;
    }
  return -1;
}

int
sy_json_scan_get (SyJsonScan *c,
                  int         object,
                  const char *key)
{
  int value = sy_json_scan_member (c, object, key);

  return value >= 0 && SY_JSON_TOK (c, value)->type == SY_JSON_TOK_NULL ? -1 : value;
}

int
sy_json_scan_get_typed (SyJsonScan      *c,
                        int         object,
                        const char *key,
                        SyJsonTokType     type)
{
  int index = sy_json_scan_get (c, object, key);

  return index >= 0 && SY_JSON_TOK (c, index)->type == type ? index : -1;
}

/* Elements of an array: first = sy_json_scan_first (c, a), then sy_json_scan_after (c, e). */
int
sy_json_scan_first (SyJsonScan *c,
                    int    array)
{
  if (array < 0 || SY_JSON_TOK (c, array)->count == 0)
    return -1;
  return array + 1;
}

int
sy_json_scan_after (SyJsonScan *c,
                    int    array,
                    int    element)
{
  guint next = SY_JSON_TOK (c, element)->next;

  return next < SY_JSON_TOK (c, array)->next ? (int) next : -1;
}

/* An integral number (1, 1.0, 1e3), as json-glib reads them. */
gboolean
sy_json_scan_int (SyJsonScan  *c,
                  int     index,
                  gint64 *value)
{
  const SyJsonTok *tok;
  char buf[64];
  gsize n;
  double d;

  if (index < 0 || SY_JSON_TOK (c, index)->type != SY_JSON_TOK_NUMBER)
    return FALSE;
  tok = SY_JSON_TOK (c, index);
  n = tok->end - tok->start;
  if (n >= sizeof buf)
    return FALSE;
  memcpy (buf, c->text + tok->start, n);
  buf[n] = '\0';
  if (strpbrk (buf, ".eE") == NULL)
    {
      *value = g_ascii_strtoll (buf, NULL, 10);
      return TRUE;
    }
  d = g_ascii_strtod (buf, NULL);
  return sy_ir_int_from_double (d, value);
}

void
sy_json_scan_init (SyJsonScan *c)
{
  memset (c, 0, sizeof *c);
}

void
sy_json_scan_clear (SyJsonScan *c)
{
  g_clear_pointer (&c->toks, g_free);
  c->n_toks = c->allocated = 0;
}
