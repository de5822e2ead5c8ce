/* sy-config-edit.c: edits to config.yaml that keep its comments and layout
 *
 * The text is parsed into libyaml events, which carry the position of every
 * key and value; an edit then replaces as few bytes as it can: a scalar in
 * place (a comment after it stays), a block value as whole lines, a new key
 * as new lines after the last entry of its mapping. Whatever is written
 * comes from the JSON value, laid out in block style with the file's own
 * indentation and line endings. The result is loaded again and compared with
 * the intended document before it is handed back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <yaml.h>

#ifdef G_OS_UNIX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "sy-config.h"
#include "sy-config-edit.h"
#include "sy-core-error.h"

#define MAX_DEPTH      64   /* as the loader's limit */
#define MAX_LINK_HOPS  40

/* sy_config_write_atomic()'s temporary file: ".NAME.XXXXXX.tmp" beside NAME */
#define TEMP_SUFFIX    ".tmp"
/* A write takes milliseconds: a temporary file this old is a dead one's. */
#define STALE_TEMP_US  (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

/* ------------------------------------------------------------------------ */
/* The parsed text                                                           */

typedef enum
{
  NODE_SCALAR,
  NODE_SEQUENCE,
  NODE_MAPPING,
  NODE_ALIAS,
} NodeKind;

typedef struct _Node Node;

struct _Node
{
  NodeKind             kind;
  gboolean             flow;       /* a [..] or {..} collection */
  gboolean             props;      /* has an anchor or a tag */
  yaml_scalar_style_t  style;
  char                *text;       /* scalars: the value */
  gsize                start;      /* byte offset where the node (with its properties) starts */
  gsize                end;        /* byte offset after it; not used for block collections */
  gsize                column;     /* of start, in characters */
  GPtrArray           *children;   /* mapping: key, value, key, value...; sequence: items */
};

typedef struct
{
  const char *text;
  gsize       len;
  gsize      *offsets;     /* character index (libyaml's marks count characters) → byte */
  gsize       n_chars;
  GPtrArray  *nodes;       /* owns every Node */
  Node       *root;        /* NULL when the stream has no document */
  gsize       top_end;     /* where new top-level keys go */
  const char *nl;          /* the file's line ending */
  guint       step;        /* indentation of a nested mapping */
  guint       seq_indent;  /* indentation of a list under its key (0: "key:\n- a") */
} Doc;

static void
node_free (gpointer data)
{
  Node *node = data;

  g_free (node->text);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

static void
doc_clear (Doc *d)
{
  g_clear_pointer (&d->offsets, g_free);
  g_clear_pointer (&d->nodes, g_ptr_array_unref);
  d->root = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Doc, doc_clear)

static gsize
mark_offset (Doc         *d,
             yaml_mark_t  mark)
{
  return mark.index <= d->n_chars ? d->offsets[mark.index] : d->len;
}

static Node *
node_new (Doc          *d,
          NodeKind      kind,
          yaml_event_t *event)
{
  Node *node = g_new0 (Node, 1);

  node->kind = kind;
  node->start = mark_offset (d, event->start_mark);
  node->end = mark_offset (d, event->end_mark);
  node->column = event->start_mark.column;
  if (kind == NODE_SEQUENCE || kind == NODE_MAPPING)
    node->children = g_ptr_array_new ();
  g_ptr_array_add (d->nodes, node);
  return node;
}

static gboolean
next_event (yaml_parser_t  *parser,
            yaml_event_t   *event,
            GError        **error)
{
  if (yaml_parser_parse (parser, event))
    return TRUE;

  if (parser->error == YAML_MEMORY_ERROR)
    g_error ("libyaml: out of memory");
  g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX, "%lu:%lu: %s",
               (gulong) parser->problem_mark.line + 1,
               (gulong) parser->problem_mark.column + 1,
               parser->problem ? parser->problem : "invalid YAML");
  return FALSE;
}

static Node *
parse_node (Doc            *d,
            yaml_parser_t  *parser,
            yaml_event_t   *event,
            guint           depth,
            GError        **error)
{
  Node *node;
  yaml_event_type_t end_type;

  if (depth > MAX_DEPTH)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                   "%lu:%lu: nesting is too deep",
                   (gulong) event->start_mark.line + 1, (gulong) event->start_mark.column + 1);
      return NULL;
    }

  switch (event->type)
    {
    case YAML_ALIAS_EVENT:
      return node_new (d, NODE_ALIAS, event);

    case YAML_SCALAR_EVENT:
      node = node_new (d, NODE_SCALAR, event);
      node->text = g_strndup ((const char *) event->data.scalar.value, event->data.scalar.length);
      node->style = event->data.scalar.style;
      node->props = event->data.scalar.anchor != NULL || event->data.scalar.tag != NULL;
      return node;

    case YAML_SEQUENCE_START_EVENT:
      node = node_new (d, NODE_SEQUENCE, event);
      node->flow = event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
      node->props = event->data.sequence_start.anchor != NULL ||
                    event->data.sequence_start.tag != NULL;
      end_type = YAML_SEQUENCE_END_EVENT;
      break;

    case YAML_MAPPING_START_EVENT:
      node = node_new (d, NODE_MAPPING, event);
      node->flow = event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
      node->props = event->data.mapping_start.anchor != NULL ||
                    event->data.mapping_start.tag != NULL;
      end_type = YAML_MAPPING_END_EVENT;
      break;

    default:
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX,
                   "%lu:%lu: unexpected YAML event",
                   (gulong) event->start_mark.line + 1, (gulong) event->start_mark.column + 1);
      return NULL;
    }

  for (;;)
    {
      yaml_event_t child_event;
      Node *child;

      if (!next_event (parser, &child_event, error))
        return NULL;
      if (child_event.type == end_type)
        {
          node->end = mark_offset (d, child_event.end_mark);
          yaml_event_delete (&child_event);
          return node;
        }
      child = parse_node (d, parser, &child_event, depth + 1, error);
      yaml_event_delete (&child_event);
      if (child == NULL)
        return NULL;
      g_ptr_array_add (node->children, child);
    }
}

static gboolean
only_blanks (const char *p,
             const char *end)
{
  for (; p < end; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
      return FALSE;
  return TRUE;
}

static gsize
line_start (Doc   *d,
            gsize  pos)
{
  while (pos > 0 && d->text[pos - 1] != '\n')
    pos--;
  return pos;
}

/* The '\n' that ends @pos's line, or the end of the text. */
static gsize
line_end (Doc   *d,
          gsize  pos)
{
  const char *nl = memchr (d->text + pos, '\n', d->len - pos);

  return nl != NULL ? (gsize) (nl - d->text) : d->len;
}

/* The end of @pos's line without its line break. */
static gsize
line_content_end (Doc   *d,
                  gsize  pos)
{
  gsize end = line_end (d, pos);

  if (end > pos && end < d->len && d->text[end - 1] == '\r')
    end--;
  return end;
}

/* The start of the line after @pos's. */
static gsize
next_line (Doc   *d,
           gsize  pos)
{
  gsize end = line_end (d, pos);

  return end < d->len ? end + 1 : d->len;
}

static void
detect_indent (Doc  *d,
               Node *node)
{
  if (node->kind == NODE_MAPPING && !node->flow)
    {
      for (guint i = 0; i + 1 < node->children->len; i += 2)
        {
          Node *key = node->children->pdata[i];
          Node *value = node->children->pdata[i + 1];

          if (value->kind == NODE_MAPPING && !value->flow && value->children->len > 0)
            {
              Node *first = value->children->pdata[0];

              if (first->column > key->column && first->column - key->column <= 8 &&
                  (d->step == 0 || first->column - key->column < d->step))
                d->step = (guint) (first->column - key->column);
            }
          else if (value->kind == NODE_SEQUENCE && !value->flow && !value->props &&
                   d->seq_indent == G_MAXUINT && value->column >= key->column &&
                   value->column - key->column <= 8)
            d->seq_indent = (guint) (value->column - key->column);
        }
    }
  if (node->children != NULL)
    for (guint i = 0; i < node->children->len; i++)
      detect_indent (d, node->children->pdata[i]);
}

static gboolean
node_is_null (Node *node)
{
  /* as the loader: a tag or an anchor does not make it less null */
  if (node->kind != NODE_SCALAR ||
      (node->style != YAML_PLAIN_SCALAR_STYLE && node->style != YAML_ANY_SCALAR_STYLE))
    return FALSE;
  return node->text[0] == '\0' || strcmp (node->text, "~") == 0 ||
         g_ascii_strcasecmp (node->text, "null") == 0;
}

static gboolean
is_block_scalar (Node *node)
{
  return node->kind == NODE_SCALAR &&
         (node->style == YAML_LITERAL_SCALAR_STYLE || node->style == YAML_FOLDED_SCALAR_STYLE);
}

static gboolean
is_block_collection (Node *node)
{
  return (node->kind == NODE_MAPPING || node->kind == NODE_SEQUENCE) && !node->flow;
}

/* Where the node's own text ends: block collections end with their last
 * child, block scalars with their last non-blank character. */
static gsize
content_end (Doc  *d,
             Node *node)
{
  gsize end = node->end;

  if (is_block_collection (node))
    {
      if (node->children->len == 0)
        return node->start;
      return content_end (d, node->children->pdata[node->children->len - 1]);
    }
  if (is_block_scalar (node))
    {
      while (end > node->start && g_ascii_isspace (d->text[end - 1]))
        end--;
    }
  return end;
}

static gboolean
doc_parse (Doc         *d,
           const char  *text,
           GError     **error)
{
  yaml_parser_t parser;
  yaml_event_t event;
  const char *p;
  const char *nl;
  gsize i = 0;
  gsize doc_end;
  gboolean ok = FALSE;

  memset (d, 0, sizeof *d);
  d->seq_indent = G_MAXUINT;
  d->text = text;
  d->len = strlen (text);
  d->nodes = g_ptr_array_new_with_free_func (node_free);
  if (!g_utf8_validate_len (text, d->len, NULL))
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX,
                           "the text is not valid UTF-8");
      return FALSE;
    }

  /* libyaml skips a byte-order mark and counts characters from there */
  p = text;
  if (d->len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  d->n_chars = (gsize) g_utf8_strlen (p, (gssize) (text + d->len - p));
  d->offsets = g_new (gsize, d->n_chars + 1);
  for (; p < text + d->len; p = g_utf8_next_char (p))
    d->offsets[i++] = (gsize) (p - text);
  d->offsets[i] = d->len;

  nl = memchr (text, '\n', d->len);
  d->nl = nl != NULL && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
  d->top_end = d->len;

  if (!yaml_parser_initialize (&parser))
    g_error ("yaml_parser_initialize: out of memory");
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, d->len);

  /* Only the first document counts (as for the loader). */
  if (!next_event (&parser, &event, error))
    goto out;
  yaml_event_delete (&event);
  if (!next_event (&parser, &event, error))
    goto out;
  if (event.type == YAML_STREAM_END_EVENT)
    {
      yaml_event_delete (&event);
      ok = TRUE;
      goto out;
    }
  yaml_event_delete (&event);

  if (!next_event (&parser, &event, error))
    goto out;
  d->root = parse_node (d, &parser, &event, 0, error);
  yaml_event_delete (&event);
  if (d->root == NULL)
    goto out;

  if (!next_event (&parser, &event, error))
    goto out;
  /* The end of the document is where "..." or the next "---" is, or the
   * end of the text (after trailing comments) when neither follows. */
  doc_end = mark_offset (d, event.start_mark);
  yaml_event_delete (&event);
  /* (never before the document's own last line) */
  if (!only_blanks (text + doc_end, text + d->len))
    d->top_end = MAX (line_start (d, doc_end), next_line (d, content_end (d, d->root)));

  detect_indent (d, d->root);
  ok = TRUE;

out:
  yaml_parser_delete (&parser);
  /* what a file without nested values gets: the layout of the default config */
  if (d->step == 0)
    d->step = 2;
  if (d->seq_indent == G_MAXUINT)
    d->seq_indent = d->step;
  return ok;
}

/* The pair of @map whose key is @name: the index of the key, or -1. */
static int
find_pair (Node       *map,
           const char *name)
{
  for (guint i = 0; i + 1 < map->children->len; i += 2)
    {
      Node *key = map->children->pdata[i];

      if (key->kind == NODE_SCALAR && strcmp (key->text, name) == 0)
        return (int) i;
    }
  return -1;
}

/* The ':' after a key. */
static gboolean
find_colon (Doc     *d,
            Node    *key,
            gsize   *colon,
            GError **error)
{
  gsize p = key->end;

  while (p < d->len && (d->text[p] == ' ' || d->text[p] == '\t'))
    p++;
  if (p < d->len && d->text[p] == ':')
    {
      *colon = p;
      return TRUE;
    }
  g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
               "cannot edit '%s': its ':' is not on the key's line", key->text);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Writing values                                                            */

static gboolean
is_word (const char *s,
         const char * const *words)
{
  for (; *words != NULL; words++)
    if (g_ascii_strcasecmp (s, *words) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @s must be quoted to read back as the same string. The rule is
 * deliberately wider than YAML's: anything another reader could take for a
 * null, a boolean (YAML 1.1's yes/no/on/off too), a number, a date or an
 * indicator is quoted. */
static gboolean
needs_quotes (const char *s)
{
  static const char * const words[] = {
    "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
    ".inf", "-.inf", "+.inf", ".nan", NULL
  };
  gsize len = strlen (s);
  const char *p;

  if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || is_word (s, words))
    return TRUE;
  if (g_ascii_isdigit (s[0]) ||
      ((s[0] == '-' || s[0] == '+' || s[0] == '.') && (g_ascii_isdigit (s[1]) || s[1] == '.')))
    return TRUE;
  if (strchr ("?:,[]{}#&*!|>'\"%@`=<+", s[0]) != NULL)
    return TRUE;
  if (s[0] == '-' && (s[1] == '\0' || s[1] == ' ' || s[1] == '-'))
    return TRUE;
  if (s[len - 1] == ':')
    return TRUE;

  for (p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        return TRUE;
      if (c == ':' && p[1] == ' ')
        return TRUE;
      if (c == ' ' && p[1] == '#')
        return TRUE;
      if (c >= 0x80)
        {
          gunichar u = g_utf8_get_char (p);

          if (u <= 0x9f || u == 0x2028 || u == 0x2029 || u == 0xfeff || !g_unichar_isprint (u))
            return TRUE;
        }
    }
  return FALSE;
}

static void
append_quoted (GString    *out,
               const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      guchar c = (guchar) *p;
      gunichar u;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); continue;
        case '\\': g_string_append (out, "\\\\"); continue;
        case '\n': g_string_append (out, "\\n"); continue;
        case '\t': g_string_append (out, "\\t"); continue;
        case '\r': g_string_append (out, "\\r"); continue;
        default: break;
        }
      if (c < 0x20 || c == 0x7f)
        {
          g_string_append_printf (out, "\\x%02x", c);
          continue;
        }
      if (c < 0x80)
        {
          g_string_append_c (out, (char) c);
          continue;
        }
      u = g_utf8_get_char (p);
      if (u <= 0x9f || u == 0x2028 || u == 0x2029 || u == 0xfeff || !g_unichar_isprint (u))
        {
          if (u <= 0xffff)
            g_string_append_printf (out, "\\u%04x", (guint) u);
          else
            g_string_append_printf (out, "\\U%08x", (guint) u);
        }
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  g_string_append_c (out, '"');
}

static void
append_string (GString    *out,
               const char *s)
{
  if (needs_quotes (s))
    append_quoted (out, s);
  else
    g_string_append (out, s);
}

static gboolean
is_inline (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_size (json_node_get_object (node)) == 0;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  return TRUE;
}

static gboolean
append_double (GString  *out,
               double    value,
               GError  **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                           "a number in the config must be finite");
      return FALSE;
    }
  /* The shortest form that reads back as the same double. */
  for (int digits = 1; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
  return TRUE;
}

/* A scalar, [] or {} */
static gboolean
append_inline (GString   *out,
               JsonNode  *node,
               GError   **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      return TRUE;
    case JSON_NODE_OBJECT:
      g_string_append (out, "{}");
      return TRUE;
    case JSON_NODE_ARRAY:
      g_string_append (out, "[]");
      return TRUE;
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      return TRUE;
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;
    case G_TYPE_DOUBLE:
      return append_double (out, json_node_get_double (node), error);
    case G_TYPE_STRING:
      if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
        break;
      append_string (out, json_node_get_string (node));
      return TRUE;
    default:
      break;
    }
  g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                       "the value cannot be written to the config");
  return FALSE;
}

static void
append_indent (GString *out,
               gsize    column)
{
  for (gsize i = 0; i < column; i++)
    g_string_append_c (out, ' ');
}

static gboolean render_children (Doc       *d,
                                 GString   *out,
                                 JsonNode  *node,
                                 gsize      column,
                                 GError   **error);

/* "key: value" or "key:" and the value's lines below it. */
static gboolean
render_entry (Doc         *d,
              GString     *out,
              const char  *key,
              JsonNode    *value,
              gsize        column,
              gboolean     indent_first,
              GError     **error)
{
  if (!g_utf8_validate (key, -1, NULL))
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                           "a key is not valid UTF-8");
      return FALSE;
    }
  if (indent_first)
    append_indent (out, column);
  append_string (out, key);
  g_string_append_c (out, ':');
  if (is_inline (value))
    {
      g_string_append_c (out, ' ');
      if (!append_inline (out, value, error))
        return FALSE;
      g_string_append (out, d->nl);
      return TRUE;
    }
  g_string_append (out, d->nl);
  return render_children (d, out, value,
                          column + (JSON_NODE_HOLDS_OBJECT (value) ? d->step : d->seq_indent),
                          error);
}

/* "- item"; a mapping or a list as an item starts on the dash's line. */
static gboolean
render_item (Doc       *d,
             GString   *out,
             JsonNode  *item,
             gsize      column,
             gboolean   indent_first,
             GError   **error)
{
  if (indent_first)
    append_indent (out, column);
  g_string_append (out, "- ");
  if (is_inline (item))
    {
      if (!append_inline (out, item, error))
        return FALSE;
      g_string_append (out, d->nl);
      return TRUE;
    }

  if (JSON_NODE_HOLDS_OBJECT (item))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;
      gboolean first = TRUE;

      json_object_iter_init_ordered (&iter, json_node_get_object (item));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          if (!render_entry (d, out, name, member, column + 2, !first, error))
            return FALSE;
          first = FALSE;
        }
      return TRUE;
    }

  for (guint i = 0; i < json_array_get_length (json_node_get_array (item)); i++)
    if (!render_item (d, out, json_array_get_element (json_node_get_array (item), i),
                      column + 2, i > 0, error))
      return FALSE;
  return TRUE;
}

/* The lines of a non-empty mapping or list, starting at @column. */
static gboolean
render_children (Doc       *d,
                 GString   *out,
                 JsonNode  *node,
                 gsize      column,
                 GError   **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        if (!render_entry (d, out, name, member, column, TRUE, error))
          return FALSE;
      return TRUE;
    }

  for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
    if (!render_item (d, out, json_array_get_element (json_node_get_array (node), i),
                      column, TRUE, error))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* JSON helpers                                                              */

static JsonNode *
json_deep_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (object, name, json_deep_copy (member));
      return json_node_init_object (json_node_alloc (), object);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *src = json_node_get_array (node);
      g_autoptr(JsonArray) array = json_array_sized_new (json_array_get_length (src));

      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (array, json_deep_copy (json_array_get_element (src, i)));
      return json_node_init_array (json_node_alloc (), array);
    }
  return json_node_copy (node);
}

/* Whether @node nests deeper than @limit (the loader would refuse it; and
 * the writers here recurse). */
static gboolean
json_too_deep (JsonNode *node,
               guint     limit)
{
  if (limit == 0)
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (json_too_deep (member, limit - 1))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (json_too_deep (json_array_get_element (array, i), limit - 1))
          return TRUE;
    }
  return FALSE;
}

/* { path[0]: { path[1]: ... value } }, or a copy of @value for an empty path */
static JsonNode *
json_nested (const char * const *path,
             JsonNode           *value)
{
  g_autoptr(JsonObject) object = NULL;

  if (path[0] == NULL)
    return json_deep_copy (value);
  object = json_object_new ();
  json_object_set_member (object, path[0], json_nested (path + 1, value));
  return json_node_init_object (json_node_alloc (), object);
}

/* The same edit on a JSON document: a null or missing parent becomes a
 * mapping, any other non-mapping parent is an error. */
static gboolean
json_set_path (JsonNode            *node,
               const char * const  *path,
               JsonNode            *value,
               GError             **error)
{
  for (guint i = 0; path[i] != NULL; i++)
    {
      JsonObject *object = json_node_get_object (node);
      JsonNode *child;

      if (path[i + 1] == NULL)
        {
          if (value != NULL)
            json_object_set_member (object, path[i], json_deep_copy (value));
          else if (json_object_has_member (object, path[i]))
            json_object_remove_member (object, path[i]);
          return TRUE;
        }

      child = json_object_get_member (object, path[i]);
      if (child == NULL || JSON_NODE_HOLDS_NULL (child))
        {
          if (value == NULL)
            return TRUE;
          json_object_set_member (object, path[i], json_nested (path + i + 1, value));
          return TRUE;
        }
      if (!JSON_NODE_HOLDS_OBJECT (child))
        {
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                       "'%s' is not a mapping", path[i]);
          return FALSE;
        }
      node = child;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Edits                                                                     */

typedef struct
{
  gsize       start;
  gsize       end;
  const char *with;
} Splice;

/* @text with the ranges replaced; NULL when they overlap or are out of
 * order (a layout the edits above do not expect). */
static char *
apply_splices (Doc           *d,
               const Splice  *splices,
               guint          n,
               GError       **error)
{
  GString *out;
  gsize at = 0;

  for (guint i = 0; i < n; i++)
    {
      if (splices[i].start < at || splices[i].end < splices[i].start || splices[i].end > d->len)
        {
          g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                               "cannot edit the config in place: its layout is not supported");
          return NULL;
        }
      at = splices[i].end;
    }

  out = g_string_sized_new (d->len + 256);
  at = 0;
  for (guint i = 0; i < n; i++)
    {
      g_string_append_len (out, d->text + at, (gssize) (splices[i].start - at));
      g_string_append (out, splices[i].with);
      at = splices[i].end;
    }
  g_string_append_len (out, d->text + at, (gssize) (d->len - at));
  return g_string_free (out, FALSE);
}

static char *
splice1 (Doc         *d,
         gsize        start,
         gsize        end,
         const char  *with,
         GError     **error)
{
  Splice s = { start, end, with };

  return apply_splices (d, &s, 1, error);
}

static char *
splice2 (Doc         *d,
         gsize        start1,
         gsize        end1,
         const char  *with1,
         gsize        start2,
         gsize        end2,
         const char  *with2,
         GError     **error)
{
  Splice s[2] = { { start1, end1, with1 }, { start2, end2, with2 } };

  return apply_splices (d, s, 2, error);
}

/* What goes at the end of the text must start on a line of its own. */
static const char *
line_break_before (Doc   *d,
                   gsize  pos)
{
  return pos > 0 && d->text[pos - 1] != '\n' ? d->nl : "";
}

/* Whether the line at @pos holds only blanks or a comment. */
static gboolean
line_is_comment (Doc   *d,
                 gsize  pos)
{
  gsize end = line_content_end (d, pos);

  while (pos < end && (d->text[pos] == ' ' || d->text[pos] == '\t'))
    pos++;
  return pos == end || d->text[pos] == '#';
}

static char *
replace_value (Doc       *d,
               Node      *key,
               Node      *value,
               JsonNode  *json,
               GError   **error)
{
  g_autoptr(GString) rendered = g_string_new (NULL);
  g_autofree char *with = NULL;
  gboolean new_inline = is_inline (json);
  gsize colon, end, region;

  if (!find_colon (d, key, &colon, error))
    return NULL;

  if (new_inline)
    {
      if (!append_inline (rendered, json, error))
        return NULL;
    }
  else
    {
      gboolean object = JSON_NODE_HOLDS_OBJECT (json);
      gsize column = key->column + (object ? d->step : d->seq_indent);

      /* A block value of the same kind keeps its indentation. */
      if (object && value->kind == NODE_MAPPING && is_block_collection (value) &&
          value->children->len > 0)
        column = ((Node *) value->children->pdata[0])->column;
      else if (!object && value->kind == NODE_SEQUENCE && is_block_collection (value) &&
               !value->props)
        column = value->column;
      if (!render_children (d, rendered, json, column, error))
        return NULL;
    }

  end = content_end (d, value);
  region = next_line (d, end);

  if (is_block_collection (value))
    {
      /* Keep the key's line and the comments right under it. */
      gsize first = next_line (d, colon);

      while (first < region && line_is_comment (d, first))
        first = next_line (d, first);
      first = MIN (first, region);
      if (!new_inline)
        return splice1 (d, first, region, rendered->str, error);
      with = g_strconcat (" ", rendered->str, NULL);
      if (value->props)
        return splice2 (d, colon + 1, line_content_end (d, colon), with, first, region, "", error);
      return splice2 (d, colon + 1, colon + 1, with, first, region, "", error);
    }

  if (is_block_scalar (value))
    {
      if (new_inline)
        with = g_strconcat (" ", rendered->str, d->nl, NULL);
      else
        with = g_strconcat (d->nl, rendered->str, NULL);
      return splice1 (d, colon + 1, region, with, error);
    }

  /* A value on the key's line: a scalar (maybe continued on later lines),
   * an alias, a flow collection, or nothing. */
  if (new_inline)
    {
      if (value->start >= value->end)
        {
          with = g_strconcat (" ", rendered->str, NULL);
          return splice1 (d, colon + 1, colon + 1, with, error);
        }
      return splice1 (d, value->start, value->end, rendered->str, error);
    }
  with = g_strconcat (line_break_before (d, region), rendered->str, NULL);
  return splice2 (d, colon + 1, MAX (colon + 1, value->end), "", region, region, with, error);
}

static char *
delete_pair (Doc     *d,
             Node    *key,
             Node    *value,
             GError **error)
{
  gsize start = line_start (d, key->start);
  gsize end = content_end (d, value);

  if (only_blanks (d->text + start, d->text + key->start))
    return splice1 (d, start, next_line (d, end), "", error);
  /* Something else starts the line ("- key: ..."): keep the line break. */
  return splice1 (d, key->start, line_content_end (d, end), "", error);
}

static char *
append_pair (Doc         *d,
             gsize        pos,
             gsize        column,
             const char  *name,
             JsonNode    *json,
             GError     **error)
{
  g_autoptr(GString) rendered = g_string_new (line_break_before (d, pos));

  if (!render_entry (d, rendered, name, json, column, TRUE, error))
    return NULL;
  return splice1 (d, pos, pos, rendered->str, error);
}

/* The document's JSON at path[0..n) (all mappings), from the loaded config. */
static JsonNode *
json_at (SyConfig           *before,
         const char * const *path,
         guint               n)
{
  JsonNode *node = before->root;

  for (guint i = 0; i < n && node != NULL; i++)
    node = JSON_NODE_HOLDS_OBJECT (node) ?
           json_object_get_member (json_node_get_object (node), path[i]) : NULL;
  return node;
}

/* A value that is a mapping in the document but not written as a block
 * mapping (flow style, an alias): edited as JSON and written again whole.
 * @key is NULL for the top level. */
static char *
edit_whole (Doc                *d,
            SyConfig           *before,
            Node               *key,
            Node               *value,
            const char * const *path,
            guint               depth,
            JsonNode           *json,
            GError            **error)
{
  g_autoptr(JsonNode) edited = NULL;
  g_autoptr(GString) rendered = NULL;
  JsonNode *current;
  gsize start;

  current = before != NULL ? json_at (before, path, depth) : NULL;
  if (current == NULL || !JSON_NODE_HOLDS_OBJECT (current))
    {
      g_autofree char *dotted = g_strjoinv (".", (char **) path);

      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                   "cannot edit '%s': the config does not load", dotted);
      return NULL;
    }
  edited = json_deep_copy (current);
  if (!json_set_path (edited, path + depth, json, error))
    return NULL;
  if (json_node_equal (edited, current))
    return g_strdup (d->text);
  if (key != NULL)
    return replace_value (d, key, value, edited, error);

  /* the top level itself */
  rendered = g_string_new (NULL);
  start = line_start (d, value->start);
  if (!only_blanks (d->text + start, d->text + value->start))
    {
      /* after "---" on its line */
      g_string_append (rendered, d->nl);
      start = value->start;
      while (d->text[start - 1] == ' ' || d->text[start - 1] == '\t')
        start--;
    }
  if (is_inline (edited))
    g_string_append (rendered, "{}");
  else
    {
      if (!render_children (d, rendered, edited, 0, error))
        return NULL;
      g_string_truncate (rendered, rendered->len - strlen (d->nl));
    }
  return splice1 (d, start, value->end, rendered->str, error);
}

static char *
edit_doc (Doc                *d,
          SyConfig           *before,
          const char * const *path,
          JsonNode           *json,
          GError            **error)
{
  Node *map = d->root;
  Node *parent_key = NULL;

  if (map == NULL || node_is_null (map))
    {
      g_autoptr(JsonNode) nested = NULL;
      g_autoptr(GString) rendered = NULL;

      if (json == NULL)
        return g_strdup (d->text);
      nested = json_nested (path + 1, json);
      rendered = g_string_new (line_break_before (d, d->top_end));
      if (!render_entry (d, rendered, path[0], nested, 0, TRUE, error))
        return NULL;
      if (map != NULL && map->start < map->end)
        return splice2 (d, map->start, map->end, "", d->top_end, d->top_end, rendered->str, error);
      return splice1 (d, d->top_end, d->top_end, rendered->str, error);
    }
  if (map->kind != NODE_MAPPING)
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                           "the top level of the config is not a mapping");
      return NULL;
    }
  if (map->flow)
    return edit_whole (d, before, NULL, map, path, 0, json, error);

  for (guint i = 0; path[i] != NULL; i++)
    {
      int index_ = find_pair (map, path[i]);
      Node *key;
      Node *value;

      if (index_ < 0)
        {
          g_autoptr(JsonNode) nested = NULL;
          gsize pos;

          if (json == NULL)
            return g_strdup (d->text);
          nested = json_nested (path + i + 1, json);
          pos = map == d->root ? d->top_end : next_line (d, content_end (d, map));
          return append_pair (d, pos, ((Node *) map->children->pdata[0])->column,
                              path[i], nested, error);
        }

      key = map->children->pdata[index_];
      value = map->children->pdata[index_ + 1];

      if (path[i + 1] == NULL)
        {
          if (json != NULL)
            return replace_value (d, key, value, json, error);
          if (map != d->root && map->children->len == 2)
            {
              /* its mapping would be left empty, which reads as null */
              g_autoptr(JsonObject) object = json_object_new ();
              g_autoptr(JsonNode) empty = json_node_init_object (json_node_alloc (), object);

              return replace_value (d, parent_key, map, empty, error);
            }
          return delete_pair (d, key, value, error);
        }

      if (value->kind == NODE_MAPPING && !value->flow)
        {
          parent_key = key;
          map = value;
          continue;
        }
      if (node_is_null (value))
        {
          g_autoptr(JsonNode) nested = NULL;

          if (json == NULL)
            return g_strdup (d->text);
          nested = json_nested (path + i + 1, json);
          return replace_value (d, key, value, nested, error);
        }
      if (value->kind == NODE_MAPPING || value->kind == NODE_ALIAS)
        return edit_whole (d, before, key, value, path, i + 1, json, error);
      if (json == NULL)
        return g_strdup (d->text);
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                   "'%s' is not a mapping", path[i]);
      return NULL;
    }
  g_return_val_if_reached (NULL);
}

/**
 * sy_config_edit_set:
 * @text: config.yaml as text
 * @path: NULL-terminated list of keys, at least one
 * @value: (nullable): the new value; %NULL removes the key
 * @error: return location for a %SY_CORE_ERROR
 *
 * Returns: (transfer full): the edited text, or %NULL
 */
char *
sy_config_edit_set (const char         *text,
                    const char * const *path,
                    JsonNode           *value,
                    GError            **error)
{
  g_auto(Doc) d = { 0 };
  g_auto(Doc) check = { 0 };
  g_autoptr(SyConfig) before = NULL;
  g_autoptr(SyConfig) after = NULL;
  g_autoptr(JsonNode) expected = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *result = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (value != NULL && json_too_deep (value, MAX_DEPTH))
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                           "the value is nested too deeply");
      return NULL;
    }
  if (!doc_parse (&d, text, error))
    return NULL;
  before = sy_config_new_from_data (text, -1, NULL, NULL);

  if ((result = edit_doc (&d, before, path, value, error)) == NULL)
    return NULL;

  /* Read it back: the edit must be the only change (and an edit that
   * changes nothing must be right too: a key from a merge stays). */
  if (strcmp (result, text) == 0)
    after = before != NULL ? sy_config_ref (before) : NULL;
  else
    {
      if (!doc_parse (&check, result, &local_error))
        {
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                       "the edited config does not parse: %s", local_error->message);
          return NULL;
        }
      if (before == NULL)
        return g_steal_pointer (&result);
      after = sy_config_new_from_data (result, -1, NULL, &local_error);
      if (after == NULL)
        {
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                       "the edited config would not load: %s", local_error->message);
          return NULL;
        }
    }
  if (before == NULL)
    return g_steal_pointer (&result);
  expected = json_deep_copy (before->root);
  if (!json_set_path (expected, path, value, error))
    return NULL;
  if (!json_node_equal (expected, after->root))
    {
      g_autofree char *dotted = g_strjoinv (".", (char **) path);

      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_INVALID,
                   "cannot edit '%s' in place: the result does not read back as intended "
                   "(an alias, a merge key or the file's layout is in the way)",
                   dotted);
      return NULL;
    }
  return g_steal_pointer (&result);
}

/**
 * sy_config_edit_get_scalar:
 * @text: config.yaml as text
 * @path: NULL-terminated list of keys, at least one
 * @error: return location for a %SY_CORE_ERROR_CONFIG_SYNTAX error
 *
 * Returns: (transfer full) (nullable): the scalar's text, or %NULL
 */
char *
sy_config_edit_get_scalar (const char         *text,
                           const char * const *path,
                           GError            **error)
{
  g_auto(Doc) d = { 0 };
  Node *node;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] != NULL, NULL);

  if (!doc_parse (&d, text, error))
    return NULL;
  node = d.root;
  for (guint i = 0; path[i] != NULL; i++)
    {
      int index_;

      if (node == NULL || node->kind != NODE_MAPPING)
        return NULL;
      if ((index_ = find_pair (node, path[i])) < 0)
        return NULL;
      node = node->children->pdata[index_ + 1];
    }
  return node->kind == NODE_SCALAR && !node_is_null (node) ? g_strdup (node->text) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */

static gboolean
set_io_error (GError     **error,
              const char  *path,
              int          errsv)
{
  g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO, "%s: %s", path, g_strerror (errsv));
  return FALSE;
}

gboolean
sy_config_edit_file (const char         *file,
                     const char * const *path,
                     JsonNode           *value,
                     gboolean           *changed,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  gsize len;

  g_return_val_if_fail (file != NULL, FALSE);

  if (changed != NULL)
    *changed = FALSE;
  if (!g_file_get_contents (file, &text, &len, &local_error))
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO, "%s", local_error->message);
      return FALSE;
    }
  if (memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX,
                   "%s: the file contains a NUL byte", file);
      return FALSE;
    }
  if ((edited = sy_config_edit_set (text, path, value, &local_error)) == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s",
                   file, local_error->message);
      return FALSE;
    }
  if (strcmp (edited, text) == 0)
    return TRUE;
  if (!sy_config_write_atomic (file, edited, strlen (edited), error))
    return FALSE;
  if (changed != NULL)
    *changed = TRUE;
  return TRUE;
}

#ifdef G_OS_UNIX
/* The file a chain of symbolic links ends at (which may not exist yet). */
static char *
resolve_links (const char  *path,
               GError     **error)
{
  g_autofree char *current = g_strdup (path);

  for (guint hops = 0; hops < MAX_LINK_HOPS; hops++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *target = NULL;
      GStatBuf st;

      if (g_lstat (current, &st) != 0)
        {
          if (errno == ENOENT)
            return g_steal_pointer (&current);
          set_io_error (error, current, errno);
          return NULL;
        }
      if (!S_ISLNK (st.st_mode))
        return g_steal_pointer (&current);
      if ((target = g_file_read_link (current, &local_error)) == NULL)
        {
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO, "%s", local_error->message);
          return NULL;
        }
      if (!g_path_is_absolute (target))
        {
          g_autofree char *dir = g_path_get_dirname (current);

          g_free (current);
          current = g_build_filename (dir, target, NULL);
        }
      else
        {
          g_free (current);
          current = g_steal_pointer (&target);
        }
    }
  set_io_error (error, path, ELOOP);
  return NULL;
}

static gboolean
write_all (int          fd,
           const char  *text,
           gsize        len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, text, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      text += n;
      len -= (gsize) n;
    }
  return TRUE;
}
#endif

/**
 * sy_config_write_atomic:
 * @path: the file; a symbolic link is followed and its target replaced
 * @text: the new contents
 * @len: the length of @text
 * @error: return location for a %SY_CORE_ERROR_CONFIG_IO error
 */
gboolean
sy_config_write_atomic (const char  *path,
                        const char  *text,
                        gsize        len,
                        GError     **error)
{
#ifdef G_OS_UNIX
  g_autofree char *target = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  struct stat st;
  gboolean exists;
  mode_t mode = 0600;
  int fd;
  int dir_fd;
  int errsv;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if ((target = resolve_links (path, error)) == NULL)
    return FALSE;
  exists = stat (target, &st) == 0;
  if (!exists && errno != ENOENT)
    return set_io_error (error, target, errno);
  if (exists)
    mode = st.st_mode & 07777;

  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  /* A name no one else uses: sy_config_remove_stale_temps() removes what a
   * write killed before its rename left */
  tmp = g_strdup_printf ("%s/.%s.XXXXXX" TEMP_SUFFIX, dir, base);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_io_error (error, tmp, errno);

  /* the owner too when root edits someone else's file (failures do not
   * matter: the mode is what keeps the secrets private) */
  if (exists && st.st_uid != geteuid () && geteuid () == 0 && fchown (fd, st.st_uid, st.st_gid) != 0)
    g_debug ("%s: cannot keep the owner: %s", target, g_strerror (errno));
  if (fchmod (fd, mode) != 0 || !write_all (fd, text, len) || fsync (fd) != 0)
    {
      errsv = errno;
      close (fd);
      g_unlink (tmp);
      return set_io_error (error, target, errsv);
    }
  if (close (fd) != 0)
    {
      errsv = errno;
      g_unlink (tmp);
      return set_io_error (error, target, errsv);
    }
  if (g_rename (tmp, target) != 0)
    {
      errsv = errno;
      g_unlink (tmp);
      return set_io_error (error, target, errsv);
    }

  /* make the rename itself durable */
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  return TRUE;
#else
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;
  int mode = 0600;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_stat (path, &st) == 0)
    mode = st.st_mode & 0777;
  if (!g_file_set_contents_full (path, text, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 mode, &local_error))
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
#endif
}

/* ".NAME.XXXXXX.tmp", the X letters or digits as g_mkstemp() makes them */
static gboolean
is_temp_of (const char *name,
            const char *base)
{
  gsize base_len = strlen (base);

  if (strlen (name) != 1 + base_len + 1 + 6 + strlen (TEMP_SUFFIX) ||
      name[0] != '.' || strncmp (name + 1, base, base_len) != 0 || name[1 + base_len] != '.')
    return FALSE;
  name += 1 + base_len + 1;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isalnum (name[i]))
      return FALSE;
  return strcmp (name + 6, TEMP_SUFFIX) == 0;
}

/**
 * sy_config_remove_stale_temps:
 * @path: a file written with sy_config_write_atomic()
 *
 * Returns: how many temporary files were removed
 */
guint
sy_config_remove_stale_temps (const char *path)
{
  g_autofree char *target = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GDir) listing = NULL;
  gint64 now = g_get_real_time ();
  const char *name;
  guint removed = 0;

  g_return_val_if_fail (path != NULL, 0);

#ifdef G_OS_UNIX
  if ((target = resolve_links (path, NULL)) == NULL)
    return 0;
#else
  target = g_strdup (path);
#endif
  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  if ((listing = g_dir_open (dir, 0, NULL)) == NULL)
    return 0;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *temp = NULL;
      GStatBuf st;

      if (!is_temp_of (name, base))
        continue;
      temp = g_build_filename (dir, name, NULL);
      /* A younger one may be another process's write under way (a sign-in
       * from the command line while the service runs). */
      if (g_lstat (temp, &st) != 0 || !S_ISREG (st.st_mode) ||
          now - (gint64) st.st_mtime * G_USEC_PER_SEC < STALE_TEMP_US)
        continue;
#ifdef G_OS_UNIX
      if (st.st_uid != geteuid ())
        continue;
#endif
      if (g_unlink (temp) == 0)
        {
          g_info ("Removed %s, left by a write that was cut short", temp);
          removed++;
        }
    }
  return removed;
}
