/* sy-json.c: fast strict JSON reader and compact writer for JsonNode trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-json.h"

/*
 * The reader is a recursive-descent parser over the byte range
 * [start, end): the input need not be NUL-terminated, so every look at a
 * byte is bounded by end. Child nodes are allocated and linked into their
 * container before they are parsed, so that an object key (which
 * json_object_set_member copies) can be decoded into the shared scratch
 * buffer and forgotten, and so that on an error unreffing the root frees
 * everything built so far.
 *
 * Strings are scanned eight bytes at a time until a byte that needs a
 * closer look ('"', '\\', a control character or a non-ASCII byte); plain
 * runs are copied into the scratch buffer with memcpy, which is then handed
 * to json-glib (which makes its own copy).
 */

#define MAX_DEPTH 512

typedef struct
{
  const guchar *start;
  const guchar *p;
  const guchar *end;
  char         *buf;       /* scratch for decoded strings */
  gsize         buf_size;
  char         *stack_buf; /* buf's initial storage, not on the heap */
  guint         depth;
  GError      **error;
} Reader;

static gboolean read_value (Reader   *r,
                            JsonNode *node);

G_GNUC_PRINTF (4, 5) static gboolean
fail_at (Reader       *r,
         const guchar *where,
         int           code,
         const char   *format,
         ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (r->error, JSON_PARSER_ERROR, code, "at byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (where - r->start), msg);
  return FALSE;
}

static gboolean
fail_unexpected (Reader     *r,
                 const char *expected)
{
  if (r->p >= r->end)
    return fail_at (r, r->p, JSON_PARSER_ERROR_PARSE,
                    "unexpected end of input, expected %s", expected);
  if (*r->p >= 0x20 && *r->p < 0x7f)
    return fail_at (r, r->p, JSON_PARSER_ERROR_PARSE,
                    "unexpected '%c', expected %s", *r->p, expected);
  return fail_at (r, r->p, JSON_PARSER_ERROR_PARSE,
                  "unexpected byte 0x%02x, expected %s", *r->p, expected);
}

static inline void
skip_ws (Reader *r)
{
  const guchar *p = r->p;
  const guchar *end = r->end;

  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  r->p = p;
}

static inline void
buf_reserve (Reader *r,
             gsize   used,
             gsize   extra)
{
  if (G_UNLIKELY (used + extra > r->buf_size))
    {
      gsize size = MAX (r->buf_size * 2, used + extra);

      if (r->buf == r->stack_buf)
        r->buf = memcpy (g_malloc (size), r->buf, used);
      else
        r->buf = g_realloc (r->buf, size);
      r->buf_size = size;
    }
}

#define ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* Nonzero when one of the 8 bytes in v is '"', '\\', < 0x20 or >= 0x80. */
static inline guint64
special_bytes (guint64 v)
{
  guint64 q = v ^ (ONES * '"');
  guint64 b = v ^ (ONES * '\\');

  return (((q - ONES) & ~q) | ((b - ONES) & ~b) | (v - ONES * 0x20) | v) & HIGHS;
}

/* 1 for the bytes that end a plain run in a string: '"', '\\', control
 * characters and non-ASCII bytes. */
static const guchar string_special[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static inline int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Four hex digits at p (bounds already checked), or -1. */
static inline int
read_hex4 (const guchar *p)
{
  int a = hex_value (p[0]);
  int b = hex_value (p[1]);
  int c = hex_value (p[2]);
  int d = hex_value (p[3]);

  if ((a | b | c | d) < 0)
    return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/* Length of the valid UTF-8 sequence starting at p (*p >= 0x80), or 0. */
static inline gsize
utf8_sequence (const guchar *p,
               const guchar *end)
{
  guchar c = p[0];
  gsize avail = end - p;

  if (c < 0xc2)
    return 0;
  if (c < 0xe0)
    return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c < 0xf0)
    {
      if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
        return 0;
      if (c == 0xe0 && p[1] < 0xa0)
        return 0;           /* overlong */
      if (c == 0xed && p[1] > 0x9f)
        return 0;           /* UTF-16 surrogate */
      return 3;
    }
  if (c < 0xf5)
    {
      if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
          (p[3] & 0xc0) != 0x80)
        return 0;
      if (c == 0xf0 && p[1] < 0x90)
        return 0;           /* overlong */
      if (c == 0xf4 && p[1] > 0x8f)
        return 0;           /* above U+10FFFF */
      return 4;
    }
  return 0;
}

static inline gsize
put_utf8 (char    *out,
          gunichar c)
{
  if (c < 0x80)
    {
      out[0] = c;
      return 1;
    }
  if (c < 0x800)
    {
      out[0] = 0xc0 | (c >> 6);
      out[1] = 0x80 | (c & 0x3f);
      return 2;
    }
  if (c < 0x10000)
    {
      out[0] = 0xe0 | (c >> 12);
      out[1] = 0x80 | ((c >> 6) & 0x3f);
      out[2] = 0x80 | (c & 0x3f);
      return 3;
    }
  out[0] = 0xf0 | (c >> 18);
  out[1] = 0x80 | ((c >> 12) & 0x3f);
  out[2] = 0x80 | ((c >> 6) & 0x3f);
  out[3] = 0x80 | (c & 0x3f);
  return 4;
}

/* Decodes the escape at r->p (just after the backslash) into r->buf at
 * *used. */
static gboolean
read_escape (Reader *r,
             gsize  *used)
{
  const guchar *p = r->p;
  const guchar *esc = p - 1;
  int hi, lo = 0;
  gunichar c;

  if (p >= r->end)
    return fail_at (r, p, JSON_PARSER_ERROR_INVALID_DATA, "unterminated string");
  switch (*p)
    {
    case '"':  c = '"';  break;
    case '\\': c = '\\'; break;
    case '/':  c = '/';  break;
    case 'b':  c = '\b'; break;
    case 'f':  c = '\f'; break;
    case 'n':  c = '\n'; break;
    case 'r':  c = '\r'; break;
    case 't':  c = '\t'; break;
    case 'u':
      if (r->end - p < 5 || (hi = read_hex4 (p + 1)) < 0)
        return fail_at (r, esc, JSON_PARSER_ERROR_INVALID_DATA,
                        "invalid \\u escape, expected four hex digits");
      p += 5;
      if (hi == 0)
        hi = 0xfffd;   /* a C string cannot hold NUL: U+FFFD marks where it was */
      if (hi >= 0xdc00 && hi <= 0xdfff)
        return fail_at (r, esc, JSON_PARSER_ERROR_INVALID_DATA,
                        "lone low surrogate \\u%04X", (guint) hi);
      if (hi >= 0xd800 && hi <= 0xdbff)
        {
          if (r->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
              (lo = read_hex4 (p + 2)) < 0 || lo < 0xdc00 || lo > 0xdfff)
            return fail_at (r, esc, JSON_PARSER_ERROR_INVALID_DATA,
                            "high surrogate \\u%04X not followed by a low surrogate",
                            (guint) hi);
          p += 6;
          c = 0x10000 + (((gunichar) hi - 0xd800) << 10) + ((gunichar) lo - 0xdc00);
        }
      else
        c = hi;
      *used += put_utf8 (r->buf + *used, c);
      r->p = p;
      return TRUE;
    default:
      return fail_at (r, esc, JSON_PARSER_ERROR_INVALID_DATA, "invalid escape sequence");
    }
  r->buf[(*used)++] = c;
  r->p = p + 1;
  return TRUE;
}

/* Reads a string whose opening quote is at r->p into r->buf, NUL-terminated. */
static gboolean
read_string (Reader *r)
{
  const guchar *open = r->p;
  const guchar *end = r->end;
  const guchar *p = open + 1;
  gsize used = 0;

  for (;;)
    {
      const guchar *run = p;
      gsize n;

      /* Plain bytes, eight at a time, then one by one up to the byte
       * that stopped the wide scan; valid UTF-8 sequences stay part of
       * the run. */
      for (;;)
        {
          guint64 v;

          while (end - p >= 8)
            {
              memcpy (&v, p, 8);
              if (special_bytes (v))
                break;
              p += 8;
            }
          while (p < end && !string_special[*p])
            p++;
          if (p >= end || *p < 0x80)
            break;
          n = utf8_sequence (p, end);
          if (n == 0)
            return fail_at (r, p, JSON_PARSER_ERROR_INVALID_DATA, "invalid UTF-8 in string");
          p += n;
        }

      n = p - run;
      buf_reserve (r, used, n + 5);
      memcpy (r->buf + used, run, n);
      used += n;

      if (p >= end)
        return fail_at (r, open, JSON_PARSER_ERROR_INVALID_DATA, "unterminated string");
      if (*p == '"')
        {
          r->buf[used] = '\0';
          r->p = p + 1;
          return TRUE;
        }
      if (*p != '\\')
        return fail_at (r, p, JSON_PARSER_ERROR_INVALID_DATA,
                        "unescaped control character 0x%02x in string", *p);
      r->p = p + 1;
      if (!read_escape (r, &used))
        return FALSE;
      p = r->p;
    }
}

static inline gboolean
is_digit (guchar c)
{
  return c >= '0' && c <= '9';
}

static gboolean
read_number (Reader   *r,
             JsonNode *node)
{
  const guchar *start = r->p;
  const guchar *end = r->end;
  const guchar *p = start;
  gboolean negative = FALSE;
  gboolean integral = TRUE;
  gboolean overflow = FALSE;
  guint64 value = 0;
  char small[64];
  char *copy;
  char *stop = NULL;
  gsize len;
  double d;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  if (p >= end || !is_digit (*p))
    {
      r->p = p;
      return fail_unexpected (r, "a digit");
    }
  if (*p == '0')
    {
      p++;
      if (p < end && is_digit (*p))
        return fail_at (r, start, JSON_PARSER_ERROR_INVALID_DATA, "leading zeros in number");
    }
  else
    {
      do
        {
          guint digit = *p - '0';

          if (value > (G_MAXUINT64 - digit) / 10)
            overflow = TRUE;
          else
            value = value * 10 + digit;
          p++;
        }
      while (p < end && is_digit (*p));
    }
  if (p < end && *p == '.')
    {
      integral = FALSE;
      p++;
      if (p >= end || !is_digit (*p))
        {
          r->p = p;
          return fail_unexpected (r, "a digit after the decimal point");
        }
      while (p < end && is_digit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      integral = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !is_digit (*p))
        {
          r->p = p;
          return fail_unexpected (r, "a digit in the exponent");
        }
      while (p < end && is_digit (*p))
        p++;
    }
  r->p = p;

  if (integral && !overflow)
    {
      if (!negative && value <= (guint64) G_MAXINT64)
        {
          json_node_init_int (node, (gint64) value);
          return TRUE;
        }
      if (negative && value <= (guint64) G_MAXINT64 + 1)
        {
          json_node_init_int (node, value == (guint64) G_MAXINT64 + 1
                                    ? G_MININT64 : -(gint64) value);
          return TRUE;
        }
    }

  len = p - start;
  copy = len < sizeof small ? small : g_malloc (len + 1);
  memcpy (copy, start, len);
  copy[len] = '\0';
  d = g_ascii_strtod (copy, &stop);
  len = stop - copy;
  if (copy != small)
    g_free (copy);
  if (len != (gsize) (p - start))
    return fail_at (r, start, JSON_PARSER_ERROR_INVALID_DATA, "invalid number");
  if (!isfinite (d))
    return fail_at (r, start, JSON_PARSER_ERROR_INVALID_DATA, "number out of range");
  json_node_init_double (node, d);
  return TRUE;
}

static gboolean
read_literal (Reader     *r,
              const char *word,
              gsize       len)
{
  if ((gsize) (r->end - r->p) < len || memcmp (r->p, word, len) != 0)
    return fail_at (r, r->p, JSON_PARSER_ERROR_INVALID_BAREWORD, "invalid literal");
  r->p += len;
  return TRUE;
}

static gboolean
enter (Reader *r)
{
  if (++r->depth > MAX_DEPTH)
    return fail_at (r, r->p, JSON_PARSER_ERROR_PARSE,
                    "nesting deeper than %d levels", MAX_DEPTH);
  r->p++;
  skip_ws (r);
  return TRUE;
}

static gboolean
read_object (Reader   *r,
             JsonNode *node)
{
  JsonObject *object = json_object_new ();

  json_node_init_object (node, object);
  json_object_unref (object);
  if (!enter (r))
    return FALSE;
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      r->depth--;
      return TRUE;
    }
  for (;;)
    {
      JsonNode *child;

      if (r->p >= r->end || *r->p != '"')
        return fail_unexpected (r, "a member name");
      if (!read_string (r))
        return FALSE;
      skip_ws (r);
      if (r->p >= r->end || *r->p != ':')
        {
          if (r->p >= r->end)
            return fail_unexpected (r, "':'");
          return fail_at (r, r->p, JSON_PARSER_ERROR_MISSING_COLON, "expected ':'");
        }
      r->p++;
      skip_ws (r);
      child = json_node_alloc ();
      json_object_set_member (object, r->buf, child);
      json_node_set_parent (child, node);
      if (!read_value (r, child))
        return FALSE;
      skip_ws (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          skip_ws (r);
          if (r->p < r->end && *r->p == '}')
            return fail_at (r, r->p, JSON_PARSER_ERROR_TRAILING_COMMA,
                            "trailing comma in object");
          continue;
        }
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          r->depth--;
          return TRUE;
        }
      if (r->p >= r->end)
        return fail_unexpected (r, "',' or '}'");
      return fail_at (r, r->p, JSON_PARSER_ERROR_MISSING_COMMA, "expected ',' or '}'");
    }
}

static gboolean
read_array (Reader   *r,
            JsonNode *node)
{
  JsonArray *array = json_array_new ();

  json_node_init_array (node, array);
  json_array_unref (array);
  if (!enter (r))
    return FALSE;
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      r->depth--;
      return TRUE;
    }
  for (;;)
    {
      JsonNode *child = json_node_alloc ();

      json_array_add_element (array, child);
      json_node_set_parent (child, node);
      if (!read_value (r, child))
        return FALSE;
      skip_ws (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          skip_ws (r);
          if (r->p < r->end && *r->p == ']')
            return fail_at (r, r->p, JSON_PARSER_ERROR_TRAILING_COMMA,
                            "trailing comma in array");
          continue;
        }
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          r->depth--;
          return TRUE;
        }
      if (r->p >= r->end)
        return fail_unexpected (r, "',' or ']'");
      return fail_at (r, r->p, JSON_PARSER_ERROR_MISSING_COMMA, "expected ',' or ']'");
    }
}

/* Parses the value at r->p (whitespace already skipped) into node, a fresh
 * json_node_alloc() node already linked into its parent. */
static gboolean
read_value (Reader   *r,
            JsonNode *node)
{
  if (r->p >= r->end)
    return fail_unexpected (r, "a value");

  switch (*r->p)
    {
    case '"':
      if (!read_string (r))
        return FALSE;
      json_node_init_string (node, r->buf);
      return TRUE;
    case '{':
      return read_object (r, node);
    case '[':
      return read_array (r, node);
    case 't':
      if (!read_literal (r, "true", 4))
        return FALSE;
      json_node_init_boolean (node, TRUE);
      return TRUE;
    case 'f':
      if (!read_literal (r, "false", 5))
        return FALSE;
      json_node_init_boolean (node, FALSE);
      return TRUE;
    case 'n':
      if (!read_literal (r, "null", 4))
        return FALSE;
      json_node_init_null (node);
      return TRUE;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return read_number (r, node);
    default:
      if ((*r->p >= 'a' && *r->p <= 'z') || (*r->p >= 'A' && *r->p <= 'Z'))
        return fail_at (r, r->p, JSON_PARSER_ERROR_INVALID_BAREWORD, "invalid literal");
      return fail_unexpected (r, "a value");
    }
}

JsonNode *
sy_json_read (const char *text,
              gssize      len,
              GError    **error)
{
  Reader r;
  char stack_buf[256];
  JsonNode *root;
  gboolean ok;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 0)
    len = strlen (text);

  r.start = (const guchar *) text;
  r.p = r.start;
  r.end = r.start + len;
  r.depth = 0;
  r.error = error;

  /* Most strings fit a small stack buffer; buf_reserve moves to the heap
   * for longer ones. */
  r.buf = stack_buf;
  r.buf_size = sizeof stack_buf;
  r.stack_buf = stack_buf;

  root = json_node_alloc ();
  skip_ws (&r);
  ok = read_value (&r, root);
  if (ok)
    {
      skip_ws (&r);
      if (r.p < r.end)
        ok = fail_at (&r, r.p, JSON_PARSER_ERROR_PARSE, "unexpected data after the value");
    }
  if (r.buf != stack_buf)
    g_free (r.buf);
  if (!ok)
    {
      json_node_unref (root);
      return NULL;
    }
  return root;
}

/* ---------------------------------------------------------------- writer */

/*
 * The writer appends straight into the GString's buffer: out_room makes
 * sure n more bytes (and a terminator) fit, the caller writes them and
 * advances out->len. The buffer is NUL-terminated once, at the end.
 */

static void
out_grow (GString *out,
          gsize    n)
{
  gsize len = out->len;

  g_string_set_size (out, len + n);
  out->len = len;
}

static inline char *
out_room (GString *out,
          gsize    n)
{
  if (G_UNLIKELY (out->len + n >= out->allocated_len))
    out_grow (out, n);
  return out->str + out->len;
}

static inline void
out_c (GString *out,
       char     c)
{
  out_room (out, 1)[0] = c;
  out->len++;
}

static inline void
out_mem (GString    *out,
         const void *mem,
         gsize       n)
{
  memcpy (out_room (out, n), mem, n);
  out->len += n;
}

/* Nonzero when one of the 8 bytes in v is '"', '\\' or < 0x20. */
static inline guint64
escape_bytes (guint64 v)
{
  guint64 q = v ^ (ONES * '"');
  guint64 b = v ^ (ONES * '\\');

  return ((q - ONES) & ~q & HIGHS) | ((b - ONES) & ~b & HIGHS) |
         ((v - ONES * 0x20) & ~v & HIGHS);
}

static inline gboolean
needs_escape (guchar c)
{
  return c < 0x20 || c == '"' || c == '\\';
}

static void
write_string_len (GString    *out,
                  const char *str,
                  gsize       len)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p = (const guchar *) str;
  const guchar *end = p + len;

  out_room (out, (end - p) + 2);
  out_c (out, '"');
  for (;;)
    {
      const guchar *run = p;
      char *q;

      while (end - p >= 8)
        {
          guint64 v;

          memcpy (&v, p, 8);
          if (escape_bytes (v))
            break;
          p += 8;
        }
      while (p < end && !needs_escape (*p))
        p++;
      if (p != run)
        out_mem (out, run, p - run);
      if (p == end)
        break;

      q = out_room (out, 6);
      q[0] = '\\';
      switch (*p)
        {
        case '"':  q[1] = '"';  out->len += 2; break;
        case '\\': q[1] = '\\'; out->len += 2; break;
        case '\b': q[1] = 'b';  out->len += 2; break;
        case '\f': q[1] = 'f';  out->len += 2; break;
        case '\n': q[1] = 'n';  out->len += 2; break;
        case '\r': q[1] = 'r';  out->len += 2; break;
        case '\t': q[1] = 't';  out->len += 2; break;
        default:
          q[1] = 'u';
          q[2] = '0';
          q[3] = '0';
          q[4] = hex[*p >> 4];
          q[5] = hex[*p & 0xf];
          out->len += 6;
          break;
        }
      p++;
    }
  out_c (out, '"');
}

static void
write_string (GString    *out,
              const char *str)
{
  write_string_len (out, str, strlen (str));
}

void
sy_json_append_string (GString    *out,
                       const char *text,
                       gsize       len)
{
  write_string_len (out, text, len);
}

static void
write_int (GString *out,
           gint64   value)
{
  char buf[24];
  char *q = buf + sizeof buf;
  guint64 u = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      *--q = '0' + u % 10;
      u /= 10;
    }
  while (u != 0);
  if (value < 0)
    *--q = '-';
  out_mem (out, q, buf + sizeof buf - q);
}

static void
write_double (GString *out,
              double   value)
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  guint i;

  if (!isfinite (value))
    {
      out_mem (out, "null", 4);
      return;
    }
  /* Whole numbers below 10^15 are written exactly by %.15g anyway. */
  if (value == floor (value) && fabs (value) < 1e15 && value != 0.0)
    {
      write_int (out, (gint64) value);
      out_mem (out, ".0", 2);
      return;
    }
  /* The shortest of 15, 16 or 17 significant digits that reads back
   * exactly; 17 always does. */
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], value);
      if (i == G_N_ELEMENTS (formats) - 1 || g_ascii_strtod (buf, NULL) == value)
        break;
    }
  out_mem (out, buf, strlen (buf));
  /* Keep it a double when read back. */
  if (strpbrk (buf, ".eE") == NULL)
    out_mem (out, ".0", 2);
}

/* Pretty output's layout; NULL: compact. */
typedef struct
{
  const char *indent;
  const char *newline;
} Layout;

static void
write_break (GString      *out,
             const Layout *layout,
             guint         depth)
{
  g_string_append (out, layout->newline);
  while (depth-- > 0)
    g_string_append (out, layout->indent);
}

static void
write_node (GString      *out,
            JsonNode     *node,
            const Layout *layout,
            guint         depth)
{
  switch (node == NULL ? JSON_NODE_NULL : JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        if (object == NULL)
          {
            out_mem (out, "null", 4);
            return;
          }
        out_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              out_c (out, ',');
            first = FALSE;
            if (layout != NULL)
              write_break (out, layout, depth + 1);
            write_string (out, name);
            if (layout != NULL)
              out_mem (out, ": ", 2);
            else
              out_c (out, ':');
            write_node (out, member, layout, depth + 1);
          }
        /* An empty object stays "{}" in either layout. */
        if (layout != NULL && !first)
          write_break (out, layout, depth);
        out_c (out, '}');
      }
      return;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint i, n;

        if (array == NULL)
          {
            out_mem (out, "null", 4);
            return;
          }
        n = json_array_get_length (array);
        out_c (out, '[');
        for (i = 0; i < n; i++)
          {
            if (i > 0)
              out_c (out, ',');
            if (layout != NULL)
              write_break (out, layout, depth + 1);
            write_node (out, json_array_get_element (array, i), layout, depth + 1);
          }
        if (layout != NULL && n > 0)
          write_break (out, layout, depth);
        out_c (out, ']');
      }
      return;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          write_int (out, json_node_get_int (node));
          return;
        case G_TYPE_DOUBLE:
          write_double (out, json_node_get_double (node));
          return;
        case G_TYPE_BOOLEAN:
          if (json_node_get_boolean (node))
            out_mem (out, "true", 4);
          else
            out_mem (out, "false", 5);
          return;
        case G_TYPE_STRING:
          {
            const char *str = json_node_get_string (node);

            if (str != NULL)
              write_string (out, str);
            else
              out_mem (out, "null", 4);
          }
          return;
        default:
          out_mem (out, "null", 4);
          return;
        }

    case JSON_NODE_NULL:
    default:
      out_mem (out, "null", 4);
      return;
    }
}

void
sy_json_write_to (JsonNode *node,
                  GString  *out)
{
  g_return_if_fail (out != NULL);

  write_node (out, node, NULL, 0);
  out_room (out, 0)[0] = '\0';
}

void
sy_json_write_pretty (JsonNode   *node,
                      const char *indent,
                      const char *newline,
                      GString    *out)
{
  Layout layout = { indent, newline };

  g_return_if_fail (indent != NULL && newline != NULL && out != NULL);

  write_node (out, node, &layout, 0);
  out_room (out, 0)[0] = '\0';
}

char *
sy_json_write (JsonNode *node,
               gsize    *len)
{
  GString *out = g_string_sized_new (256);

  write_node (out, node, NULL, 0);
  out_room (out, 0)[0] = '\0';
  if (len != NULL)
    *len = out->len;
  return g_string_free (out, FALSE);
}

void
sy_json_append_uint (GString *out,
                     guint64  value)
{
  char digits[24];
  int n = sizeof digits;

  do
    {
      digits[--n] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value > 0);
  g_string_append_len (out, digits + n, (gssize) (sizeof digits - n));
}
