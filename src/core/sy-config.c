/* sy-config.c: config.yaml as an immutable, reference-counted snapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <yaml.h>

#include "sy-config.h"
#include "sy-core-error.h"

#define MAX_DEPTH       64        /* nesting limit (also stops alias cycles) */
#define MAX_NODES       200000    /* JSON nodes built from one document (alias bombs) */
#define MAX_FILE_SIZE   (16 * 1024 * 1024)

G_DEFINE_BOXED_TYPE (SyConfig, sy_config, sy_config_ref, sy_config_unref)

/* ------------------------------------------------------------------------ */
/* Upstream entries                                                          */

static SyUpstreamEntry *
upstream_entry_new (SyUpstreamKind kind)
{
  SyUpstreamEntry *entry = g_new0 (SyUpstreamEntry, 1);

  entry->kind = kind;
  entry->excluded_models = g_new0 (char *, 1);
  return entry;
}

static void
upstream_entry_free (gpointer data)
{
  SyUpstreamEntry *entry = data;

  if (entry == NULL)
    return;

  g_free (entry->name);
  g_free (entry->api_key);
  g_free (entry->base_url);
  g_free (entry->prefix);
  g_free (entry->proxy_url);
  for (guint i = 0; i < entry->n_headers; i++)
    {
      g_free (entry->headers[i].name);
      g_free (entry->headers[i].value);
    }
  g_free (entry->headers);
  for (guint i = 0; i < entry->n_models; i++)
    {
      g_free (entry->models[i].name);
      g_free (entry->models[i].alias);
    }
  g_free (entry->models);
  g_strfreev (entry->excluded_models);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyUpstreamEntry, upstream_entry_free)

static SyUpstreamEntry *
upstream_entry_copy (const SyUpstreamEntry *src)
{
  SyUpstreamEntry *entry = g_new0 (SyUpstreamEntry, 1);

  entry->kind = src->kind;
  entry->name = g_strdup (src->name);
  entry->api_key = g_strdup (src->api_key);
  entry->base_url = g_strdup (src->base_url);
  entry->prefix = g_strdup (src->prefix);
  entry->proxy_url = g_strdup (src->proxy_url);
  entry->priority = src->priority;
  entry->n_headers = src->n_headers;
  entry->headers = g_new0 (SyHeader, MAX (src->n_headers, 1));
  for (guint i = 0; i < src->n_headers; i++)
    {
      entry->headers[i].name = g_strdup (src->headers[i].name);
      entry->headers[i].value = g_strdup (src->headers[i].value);
    }
  entry->n_models = src->n_models;
  entry->models = g_new0 (SyModelEntry, MAX (src->n_models, 1));
  for (guint i = 0; i < src->n_models; i++)
    {
      entry->models[i].name = g_strdup (src->models[i].name);
      entry->models[i].alias = g_strdup (src->models[i].alias);
    }
  entry->excluded_models = g_strdupv (src->excluded_models);
  entry->line = src->line;
  return entry;
}

/* ------------------------------------------------------------------------ */
/* Loader state and messages                                                 */

typedef struct
{
  const char      *filename;
  yaml_document_t *doc;
  SyConfig        *cfg;
  GPtrArray       *warnings;
  GHashTable      *seen_gemini;   /* "api-key|base-url" */
  GHashTable      *seen_vertex;
  GPtrArray       *compat_keys;   /* scratch for openai-compatibility: CompatKey* */
  guint            budget;
  gsize            end_line;      /* where the text ends, 0-based (end_position) */
  gsize            end_column;
} Loader;

typedef struct
{
  char *api_key;
  char *proxy_url;
} CompatKey;

static void
compat_key_free (gpointer data)
{
  CompatKey *key = data;

  g_free (key->api_key);
  g_free (key->proxy_url);
  g_free (key);
}

/* Where @node starts, 1-based. An empty value at the end of a text without
 * a final line break (`key:` as the last bytes) starts, for libyaml, on a
 * line of its own past the text: it is at the end of the last line. */
static gulong
node_line (Loader      *l,
           yaml_node_t *node)
{
  return (gulong) MIN (node->start_mark.line, l->end_line) + 1;
}

static gulong
node_column (Loader      *l,
             yaml_node_t *node)
{
  if (node->start_mark.line > l->end_line)
    return (gulong) l->end_column + 1;
  return (gulong) node->start_mark.column + 1;
}

static void loader_error (Loader       *l,
                          GError      **error,
                          int           code,
                          yaml_node_t  *node,
                          const char   *format,
                          ...) G_GNUC_PRINTF (5, 6);

static void
loader_error (Loader       *l,
              GError      **error,
              int           code,
              yaml_node_t  *node,
              const char   *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, SY_CORE_ERROR, code, "%s:%lu:%lu: %s",
               l->filename,
               node ? node_line (l, node) : 1,
               node ? node_column (l, node) : 1,
               message);
}

static void loader_warn (Loader      *l,
                         yaml_node_t *node,
                         const char  *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
loader_warn (Loader      *l,
             yaml_node_t *node,
             const char  *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_ptr_array_add (l->warnings,
                   g_strdup_printf ("%s:%lu:%lu: %s",
                                    l->filename,
                                    node_line (l, node),
                                    node_column (l, node),
                                    message));
}

/* ------------------------------------------------------------------------ */
/* Nodes and scalars                                                         */

static inline yaml_node_t *
node_get (Loader *l,
          int     index_)
{
  return yaml_document_get_node (l->doc, index_);
}

static inline const char *
scalar_text (yaml_node_t *node)
{
  return (const char *) node->data.scalar.value;
}

static inline gboolean
scalar_is_plain (yaml_node_t *node)
{
  return node->type == YAML_SCALAR_NODE &&
         (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
          node->data.scalar.style == YAML_ANY_SCALAR_STYLE);
}

static gboolean
node_is_null (yaml_node_t *node)
{
  const char *text;

  if (node == NULL)
    return TRUE;
  if (!scalar_is_plain (node))
    return FALSE;
  text = scalar_text (node);
  return text[0] == '\0' || strcmp (text, "~") == 0 || g_ascii_strcasecmp (text, "null") == 0;
}

static gboolean
parse_yaml_int (const char *text,
                gint64     *out)
{
  const char *p = text;
  gboolean negative = FALSE;
  guint base = 10;
  guint64 value = 0;

  if (*p == '+' || *p == '-')
    negative = *p++ == '-';
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    base = 16, p += 2;
  else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
    base = 8, p += 2;
  if (*p == '\0')
    return FALSE;

  for (; *p != '\0'; p++)
    {
      int digit = g_ascii_xdigit_value (*p);

      if (digit < 0 || (guint) digit >= base)
        return FALSE;
      if (value > (G_MAXUINT64 - (guint) digit) / base)
        return FALSE;
      value = value * base + (guint) digit;
    }

  if (!negative && value > (guint64) G_MAXINT64)
    return FALSE;
  if (negative && value > (guint64) G_MAXINT64 + 1)
    return FALSE;

  if (negative)
    *out = value == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) value;
  else
    *out = (gint64) value;
  return TRUE;
}

static gboolean
parse_yaml_float (const char *text,
                  double     *out)
{
  const char *p = text;
  gboolean digits = FALSE;

  if (*p == '+' || *p == '-')
    p++;
  while (g_ascii_isdigit (*p))
    p++, digits = TRUE;
  if (*p == '.')
    {
      p++;
      while (g_ascii_isdigit (*p))
        p++, digits = TRUE;
    }
  if (!digits)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p != '\0')
    return FALSE;

  *out = g_ascii_strtod (text, NULL);
  return TRUE;
}

static gboolean
parse_yaml_bool (const char *text,
                 gboolean    lenient,
                 gboolean   *out)
{
  if (g_ascii_strcasecmp (text, "true") == 0 ||
      (lenient && (g_ascii_strcasecmp (text, "yes") == 0 || g_ascii_strcasecmp (text, "on") == 0)))
    {
      *out = TRUE;
      return TRUE;
    }
  if (g_ascii_strcasecmp (text, "false") == 0 ||
      (lenient && (g_ascii_strcasecmp (text, "no") == 0 || g_ascii_strcasecmp (text, "off") == 0)))
    {
      *out = FALSE;
      return TRUE;
    }
  return FALSE;
}

static JsonNode *
scalar_to_json (yaml_node_t *node)
{
  const char *text = scalar_text (node);
  JsonNode *json = json_node_alloc ();
  gboolean b;
  gint64 i;
  double d;

  if (!scalar_is_plain (node))
    return json_node_init_string (json, text);
  if (node_is_null (node))
    return json_node_init_null (json);
  if (parse_yaml_bool (text, FALSE, &b))
    return json_node_init_boolean (json, b);
  if (parse_yaml_int (text, &i))
    return json_node_init_int (json, i);
  if (parse_yaml_float (text, &d))
    return json_node_init_double (json, d);
  return json_node_init_string (json, text);
}

/* ------------------------------------------------------------------------ */
/* Mappings (with "<<" merge keys)                                           */

typedef struct
{
  yaml_node_t *key;
  yaml_node_t *value;
} Pair;

static gboolean
is_merge_key (yaml_node_t *key)
{
  return scalar_is_plain (key) && strcmp (scalar_text (key), "<<") == 0;
}

static gboolean collect_pairs (Loader       *l,
                               yaml_node_t  *map,
                               guint         depth,
                               GArray       *pairs,
                               GHashTable   *seen,
                               GError      **error);

static gboolean
merge_from (Loader       *l,
            yaml_node_t  *src,
            guint         depth,
            GArray       *pairs,
            GHashTable   *seen,
            yaml_node_t  *where,
            GError      **error)
{
  g_autoptr(GArray) inner = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr(GHashTable) inner_seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (src == NULL || src->type != YAML_MAPPING_NODE)
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, src ? src : where,
                    "'<<' must merge a mapping or a list of mappings");
      return FALSE;
    }
  if (!collect_pairs (l, src, depth + 1, inner, inner_seen, error))
    return FALSE;
  for (guint i = 0; i < inner->len; i++)
    {
      Pair *pair = &g_array_index (inner, Pair, i);
      const char *name = scalar_text (pair->key);

      if (g_hash_table_contains (seen, name))
        continue;
      g_hash_table_add (seen, (gpointer) name);
      g_array_append_val (pairs, *pair);
    }
  return TRUE;
}

static gboolean
collect_pairs (Loader       *l,
               yaml_node_t  *map,
               guint         depth,
               GArray       *pairs,
               GHashTable   *seen,
               GError      **error)
{
  g_autoptr(GHashTable) first = g_hash_table_new (g_str_hash, g_str_equal);

  if (depth > MAX_DEPTH)
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, map, "nesting is too deep");
      return FALSE;
    }

  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
    {
      yaml_node_t *key = node_get (l, p->key);
      yaml_node_t *value = node_get (l, p->value);
      yaml_node_t *dup;
      Pair pair = { key, value };

      if (key == NULL || key->type != YAML_SCALAR_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, key ? key : map,
                        "mapping keys must be plain strings");
          return FALSE;
        }
      if (is_merge_key (key))
        continue;
      if ((dup = g_hash_table_lookup (first, scalar_text (key))) != NULL)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, key,
                        "duplicate key '%s' (first defined at line %lu)",
                        scalar_text (key), node_line (l, dup));
          return FALSE;
        }
      g_hash_table_insert (first, (gpointer) scalar_text (key), key);
      g_hash_table_add (seen, (gpointer) scalar_text (key));
      g_array_append_val (pairs, pair);
    }

  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
    {
      yaml_node_t *key = node_get (l, p->key);
      yaml_node_t *value = node_get (l, p->value);

      if (!is_merge_key (key))
        continue;
      if (value != NULL && value->type == YAML_SEQUENCE_NODE)
        {
          for (yaml_node_item_t *it = value->data.sequence.items.start;
               it < value->data.sequence.items.top; it++)
            if (!merge_from (l, node_get (l, *it), depth, pairs, seen, key, error))
              return FALSE;
        }
      else if (!merge_from (l, value, depth, pairs, seen, key, error))
        return FALSE;
    }

  return TRUE;
}

static GArray *
mapping_pairs (Loader       *l,
               yaml_node_t  *map,
               GError      **error)
{
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!collect_pairs (l, map, 0, pairs, seen, error))
    return NULL;
  return g_steal_pointer (&pairs);
}

/* ------------------------------------------------------------------------ */
/* YAML → JSON                                                               */

static JsonNode *
yaml_to_json (Loader       *l,
              yaml_node_t  *node,
              guint         depth,
              GError      **error)
{
  if (node == NULL)
    return json_node_init_null (json_node_alloc ());

  if (depth > MAX_DEPTH)
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, node, "nesting is too deep");
      return NULL;
    }
  if (l->budget == 0)
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, node,
                    "the document expands to too many values through aliases");
      return NULL;
    }
  l->budget--;

  switch (node->type)
    {
    case YAML_SCALAR_NODE:
      return scalar_to_json (node);

    case YAML_SEQUENCE_NODE:
      {
        g_autoptr(JsonArray) array = json_array_new ();

        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++)
          {
            JsonNode *child = yaml_to_json (l, node_get (l, *it), depth + 1, error);

            if (child == NULL)
              return NULL;
            json_array_add_element (array, child);
          }
        return json_node_init_array (json_node_alloc (), array);
      }

    case YAML_MAPPING_NODE:
      {
        g_autoptr(JsonObject) object = json_object_new ();
        g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
        g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

        if (!collect_pairs (l, node, depth, pairs, seen, error))
          return NULL;

        for (guint i = 0; i < pairs->len; i++)
          {
            Pair *pair = &g_array_index (pairs, Pair, i);
            JsonNode *child = yaml_to_json (l, pair->value, depth + 1, error);

            if (child == NULL)
              return NULL;
            json_object_set_member (object, scalar_text (pair->key), child);
          }
        return json_node_init_object (json_node_alloc (), object);
      }

    case YAML_NO_NODE:
    default:
      return json_node_init_null (json_node_alloc ());
    }
}

/* ------------------------------------------------------------------------ */
/* Typed values                                                              */

static gboolean
get_bool (Loader       *l,
          yaml_node_t  *value,
          const char   *what,
          gboolean     *out,
          GError      **error)
{
  gboolean b;

  if (node_is_null (value))
    return TRUE;
  if (!scalar_is_plain (value) || !parse_yaml_bool (scalar_text (value), TRUE, &b))
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                    "'%s' must be true or false", what);
      return FALSE;
    }
  if (out != NULL)
    *out = b;
  return TRUE;
}

static gboolean
get_int (Loader       *l,
         yaml_node_t  *value,
         const char   *what,
         int           min,
         int           max,
         int          *out,
         GError      **error)
{
  gint64 i;

  if (node_is_null (value))
    return TRUE;
  if (!scalar_is_plain (value) || !parse_yaml_int (scalar_text (value), &i) || i < min || i > max)
    {
      if (min == G_MININT && max == G_MAXINT)
        loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                      "'%s' must be an integer", what);
      else if (min == 0 && max == G_MAXINT)
        loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                      "'%s' must be an integer of 0 or more", what);
      else if (min == 1 && max == G_MAXINT)
        loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                      "'%s' must be a positive integer", what);
      else
        loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                      "'%s' must be an integer from %d to %d", what, min, max);
      return FALSE;
    }
  if (out != NULL)
    *out = (int) i;
  return TRUE;
}

/* Any scalar is accepted as a string (as Go's yaml does for string fields);
 * the result is trimmed. NULL is returned in *out for a null value. */
static gboolean
get_string (Loader       *l,
            yaml_node_t  *value,
            const char   *what,
            char        **out,
            GError      **error)
{
  *out = NULL;
  if (node_is_null (value))
    return TRUE;
  if (value->type != YAML_SCALAR_NODE)
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                    "'%s' must be a string", what);
      return FALSE;
    }
  *out = g_strstrip (g_strdup (scalar_text (value)));
  return TRUE;
}

/* Appends trimmed, non-empty strings to @out (may be NULL: validate only). */
static gboolean
get_string_list (Loader       *l,
                 yaml_node_t  *value,
                 const char   *what,
                 GPtrArray    *out,
                 GError      **error)
{
  if (node_is_null (value))
    return TRUE;
  if (value->type != YAML_SEQUENCE_NODE)
    goto bad;

  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      char *s;

      if (node_is_null (item))
        continue;
      if (item->type != YAML_SCALAR_NODE)
        {
          value = item;
          goto bad;
        }
      s = g_strstrip (g_strdup (scalar_text (item)));
      if (out != NULL && s[0] != '\0')
        g_ptr_array_add (out, s);
      else
        g_free (s);
    }
  return TRUE;

bad:
  loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                "'%s' must be a list of strings", what);
  return FALSE;
}

static gboolean
check_container (Loader        *l,
                 yaml_node_t   *value,
                 const char    *what,
                 yaml_node_type_t type,
                 GError       **error)
{
  if (node_is_null (value) || value->type == type)
    return TRUE;
  loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                type == YAML_MAPPING_NODE ? "'%s' must be a mapping" : "'%s' must be a list",
                what);
  return FALSE;
}

static gboolean
parse_size (const char *text,
            guint64    *out)
{
  static const struct { const char *unit; guint64 factor; } units[] = {
    { "", 1 }, { "b", 1 },
    { "k", 1024 }, { "kb", 1000 }, { "kib", 1024 },
    { "m", 1024 * 1024 }, { "mb", 1000 * 1000 }, { "mib", 1024 * 1024 },
    { "g", 1024 * 1024 * 1024 }, { "gb", 1000 * 1000 * 1000 }, { "gib", 1024 * 1024 * 1024 },
  };
  const char *p = text;
  guint64 number = 0;
  gboolean digits = FALSE;

  while (g_ascii_isspace (*p))
    p++;
  for (; g_ascii_isdigit (*p); p++)
    {
      guint digit = (guint) (*p - '0');

      if (number > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      number = number * 10 + digit;
      digits = TRUE;
    }
  if (!digits)
    return FALSE;
  while (g_ascii_isspace (*p))
    p++;

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      gsize n = strlen (units[i].unit);
      const char *rest = p + n;

      if (g_ascii_strncasecmp (p, units[i].unit, n) != 0)
        continue;
      while (g_ascii_isspace (*rest))
        rest++;
      if (*rest != '\0')
        continue;
      if (number > G_MAXUINT64 / units[i].factor)
        return FALSE;
      *out = number * units[i].factor;
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Schema                                                                    */

typedef enum
{
  T_ANY,       /* anything; kept in root only */
  T_BOOL,
  T_INT,
  T_STRING,    /* char* slot, NULL when unset */
  T_STRLIST,   /* validated only */
  T_MAP,       /* mapping; `children` (optional) checks its keys */
  T_LIST,      /* sequence; validated only */
  T_SIZE,      /* guint64 slot: bytes or "32MiB" */
  T_CUSTOM,
} FieldType;

typedef struct _Field Field;

typedef gboolean (*FieldFunc) (Loader       *l,
                               const char   *what,
                               yaml_node_t  *value,
                               gpointer      target,
                               GError      **error);

struct _Field
{
  const char  *name;
  FieldType    type;
  gssize       offset;     /* into target; -1 = not stored (root only) */
  int          min;
  int          max;
  const Field *children;
  FieldFunc    func;
};

#define F_ROOT(n, t)            { n, t, -1, 0, 0, NULL, NULL }
#define F_BOOL(n, s, m)         { n, T_BOOL, G_STRUCT_OFFSET (s, m), 0, 0, NULL, NULL }
#define F_INT(n, s, m, lo, hi)  { n, T_INT, G_STRUCT_OFFSET (s, m), lo, hi, NULL, NULL }
#define F_STR(n, s, m)          { n, T_STRING, G_STRUCT_OFFSET (s, m), 0, 0, NULL, NULL }
#define F_MAP(n, c)             { n, T_MAP, -1, 0, 0, c, NULL }
#define F_CUSTOM(n, f)          { n, T_CUSTOM, -1, 0, 0, NULL, f }
#define F_END                   { NULL, T_ANY, -1, 0, 0, NULL, NULL }

static gboolean parse_fields (Loader       *l,
                              yaml_node_t  *map,
                              const Field  *fields,
                              const char   *prefix,
                              gpointer      target,
                              GError      **error);

/* The Damerau-Levenshtein distance (optimal string alignment) between a and
 * b, ASCII case folded, or limit + 1 when it is more than limit: the
 * suggestion for an unknown key only needs to know which names are close,
 * and a file full of unknown keys must not cost a full table per pair. */
#define EDIT_MAX 64

static guint
edit_distance_within (const char *a,
                      const char *b,
                      guint       limit)
{
  gsize la = strlen (a), lb = strlen (b);
  guint rows[3][EDIT_MAX + 1];
  guint *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
  guint last_min = 0;

  if (la > EDIT_MAX || lb > EDIT_MAX || (la > lb ? la - lb : lb - la) > limit)
    return limit + 1;

  for (gsize j = 0; j <= lb; j++)
    prev[j] = (guint) j;

  for (gsize i = 1; i <= la; i++)
    {
      guint *tmp;
      guint row_min;

      cur[0] = row_min = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          guint v = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);

          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            v = MIN (v, prev2[j - 2] + 1);
          cur[j] = v;
          row_min = MIN (row_min, v);
        }
      /* A cell comes from the row above, or by a transposition from the
       * row two above plus one: so no later cell is below
       * MIN (this row's minimum, the last row's minimum + 1). */
      if (MIN (row_min, last_min + 1) > limit)
        return limit + 1;
      last_min = row_min;
      tmp = prev2, prev2 = prev, prev = cur, cur = tmp;
    }
  return MIN (prev[lb], limit + 1);
}

static void
warn_unknown_key (Loader      *l,
                  yaml_node_t *key,
                  const Field *fields)
{
  const char *name = scalar_text (key);
  const char *best = NULL;
  gsize len = strlen (name);
  guint limit = len < 4 ? 1 : len < 9 ? 2 : 3;
  guint best_distance = limit + 1;

  /* The first of the closest names, if one is within the limit. */
  for (const Field *f = fields; f->name != NULL && best_distance > 0; f++)
    {
      guint d = edit_distance_within (name, f->name, best_distance - 1);

      if (d < best_distance)
        best_distance = d, best = f->name;
    }

  if (best != NULL)
    loader_warn (l, key, "unknown key '%s', did you mean '%s'?", name, best);
  else
    loader_warn (l, key, "unknown key '%s'", name);
}

static gboolean
parse_field (Loader       *l,
             const Field  *f,
             const char   *what,
             yaml_node_t  *value,
             gpointer      target,
             GError      **error)
{
  switch (f->type)
    {
    case T_ANY:
      return TRUE;

    case T_BOOL:
      return get_bool (l, value, what,
                       f->offset >= 0 ? &G_STRUCT_MEMBER (gboolean, target, f->offset) : NULL,
                       error);

    case T_INT:
      return get_int (l, value, what,
                      f->min == 0 && f->max == 0 ? G_MININT : f->min,
                      f->min == 0 && f->max == 0 ? G_MAXINT : f->max,
                      f->offset >= 0 ? &G_STRUCT_MEMBER (int, target, f->offset) : NULL,
                      error);

    case T_STRING:
      {
        char *s = NULL;

        if (!get_string (l, value, what, &s, error))
          return FALSE;
        if (f->offset >= 0 && s != NULL)
          {
            char **slot = G_STRUCT_MEMBER_P (target, f->offset);

            g_free (*slot);
            *slot = s;
          }
        else
          g_free (s);
        return TRUE;
      }

    case T_STRLIST:
      return get_string_list (l, value, what, NULL, error);

    case T_MAP:
      if (!check_container (l, value, what, YAML_MAPPING_NODE, error))
        return FALSE;
      if (f->children != NULL && !node_is_null (value))
        return parse_fields (l, value, f->children, what, target, error);
      return TRUE;

    case T_LIST:
      return check_container (l, value, what, YAML_SEQUENCE_NODE, error);

    case T_SIZE:
      {
        guint64 size = 0;
        gint64 i;

        if (node_is_null (value))
          return TRUE;
        if (value->type == YAML_SCALAR_NODE)
          {
            if (scalar_is_plain (value) && parse_yaml_int (scalar_text (value), &i))
              size = i > 0 ? (guint64) i : 0;
            else if (!parse_size (scalar_text (value), &size))
              size = 0;
          }
        if (size > 0)
          {
            G_STRUCT_MEMBER (guint64, target, f->offset) = size;
            return TRUE;
          }
        loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                      "'%s' must be a positive size in bytes, such as 33554432 or \"32MiB\"",
                      what);
        return FALSE;
      }

    case T_CUSTOM:
      return f->func (l, what, value, target, error);

    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_fields (Loader       *l,
              yaml_node_t  *map,
              const Field  *fields,
              const char   *prefix,
              gpointer      target,
              GError      **error)
{
  g_autoptr(GArray) pairs = mapping_pairs (l, map, error);

  if (pairs == NULL)
    return FALSE;

  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = &g_array_index (pairs, Pair, i);
      const char *name = scalar_text (pair->key);
      const Field *f;

      for (f = fields; f->name != NULL; f++)
        if (strcmp (f->name, name) == 0)
          break;

      if (f->name == NULL)
        {
          warn_unknown_key (l, pair->key, fields);
          continue;
        }

      if (prefix != NULL)
        {
          g_autofree char *what = g_strconcat (prefix, ".", name, NULL);

          if (!parse_field (l, f, what, pair->value, target, error))
            return FALSE;
        }
      else if (!parse_field (l, f, name, pair->value, target, error))
        return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Custom fields                                                             */

static gboolean
field_host (Loader       *l,
            const char   *what,
            yaml_node_t  *value,
            gpointer      target,
            GError      **error)
{
  SyConfig *cfg = target;
  char *s = NULL;

  if (!get_string (l, value, what, &s, error))
    return FALSE;
  if (s != NULL)
    {
      g_free (cfg->host);
      cfg->host = s;
    }
  return TRUE;
}

static gboolean
field_auth_dir (Loader       *l,
                const char   *what,
                yaml_node_t  *value,
                gpointer      target,
                GError      **error)
{
  SyConfig *cfg = target;
  g_autofree char *s = NULL;

  if (!get_string (l, value, what, &s, error))
    return FALSE;
  g_clear_pointer (&cfg->auth_dir, g_free);
  if (s == NULL || s[0] == '\0')
    return TRUE;
  if (s[0] == '~' && (s[1] == '\0' || s[1] == '/' || s[1] == G_DIR_SEPARATOR))
    cfg->auth_dir = g_build_filename (g_get_home_dir (), s[1] ? s + 2 : NULL, NULL);
  else
    cfg->auth_dir = g_steal_pointer (&s);
  return TRUE;
}

static gboolean
field_api_keys (Loader       *l,
                const char   *what,
                yaml_node_t  *value,
                gpointer      target,
                GError      **error)
{
  SyConfig *cfg = target;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *unique;

  if (!get_string_list (l, value, what, keys, error))
    return FALSE;

  unique = g_ptr_array_new ();
  for (guint i = 0; i < keys->len; i++)
    {
      char *key = g_ptr_array_index (keys, i);

      if (g_hash_table_add (seen, key))
        g_ptr_array_add (unique, g_strdup (key));
    }
  g_ptr_array_add (unique, NULL);

  g_strfreev (cfg->api_keys);
  cfg->api_keys = (char **) g_ptr_array_free (unique, FALSE);
  return TRUE;
}

static gboolean
field_routing_strategy (Loader       *l,
                        const char   *what,
                        yaml_node_t  *value,
                        gpointer      target,
                        GError      **error)
{
  SyConfig *cfg = target;
  g_autofree char *s = NULL;
  const char *normal;

  if (!get_string (l, value, what, &s, error))
    return FALSE;
  if (s == NULL || s[0] == '\0')
    return TRUE;

  if (g_ascii_strcasecmp (s, "round-robin") == 0 ||
      g_ascii_strcasecmp (s, "roundrobin") == 0 ||
      g_ascii_strcasecmp (s, "rr") == 0)
    normal = "round-robin";
  else if (g_ascii_strcasecmp (s, "fill-first") == 0 ||
           g_ascii_strcasecmp (s, "fillfirst") == 0 ||
           g_ascii_strcasecmp (s, "ff") == 0)
    normal = "fill-first";
  else
    {
      loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, value,
                    "'%s' must be 'round-robin' or 'fill-first'", what);
      return FALSE;
    }

  g_free (cfg->routing_strategy);
  cfg->routing_strategy = g_strdup (normal);
  return TRUE;
}

static gboolean
field_prefix (Loader       *l,
              const char   *what,
              yaml_node_t  *value,
              gpointer      target,
              GError      **error)
{
  SyUpstreamEntry *entry = target;
  g_autofree char *s = NULL;
  const char *start;
  gsize len;

  if (!get_string (l, value, what, &s, error))
    return FALSE;
  g_clear_pointer (&entry->prefix, g_free);
  if (s == NULL)
    return TRUE;

  start = s;
  while (*start == '/')
    start++;
  len = strlen (start);
  while (len > 0 && start[len - 1] == '/')
    len--;
  if (len == 0)
    return TRUE;
  if (memchr (start, '/', len) != NULL)
    {
      loader_warn (l, value, "'%s' must be a single path segment without '/', ignored", what);
      return TRUE;
    }
  entry->prefix = g_strndup (start, len);
  return TRUE;
}

static gboolean
field_headers (Loader       *l,
               const char   *what,
               yaml_node_t  *value,
               gpointer      target,
               GError      **error)
{
  SyUpstreamEntry *entry = target;
  g_autoptr(GArray) pairs = NULL;
  g_autoptr(GArray) headers = NULL;

  if (node_is_null (value))
    return TRUE;
  if (!check_container (l, value, what, YAML_MAPPING_NODE, error))
    return FALSE;
  if ((pairs = mapping_pairs (l, value, error)) == NULL)
    return FALSE;

  headers = g_array_new (TRUE, TRUE, sizeof (SyHeader));
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = &g_array_index (pairs, Pair, i);
      g_autofree char *name = g_strstrip (g_strdup (scalar_text (pair->key)));
      g_autofree char *val = NULL;
      SyHeader header;

      if (!node_is_null (pair->value) && pair->value->type != YAML_SCALAR_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, pair->value,
                        "'%s' values must be strings", what);
          for (guint j = 0; j < headers->len; j++)
            {
              g_free (g_array_index (headers, SyHeader, j).name);
              g_free (g_array_index (headers, SyHeader, j).value);
            }
          return FALSE;
        }
      if (!node_is_null (pair->value))
        val = g_strstrip (g_strdup (scalar_text (pair->value)));
      if (name[0] == '\0' || val == NULL || val[0] == '\0')
        continue;
      header.name = g_steal_pointer (&name);
      header.value = g_steal_pointer (&val);
      g_array_append_val (headers, header);
    }

  for (guint i = 0; i < entry->n_headers; i++)
    {
      g_free (entry->headers[i].name);
      g_free (entry->headers[i].value);
    }
  g_free (entry->headers);
  entry->n_headers = headers->len;
  entry->headers = (SyHeader *) (void *) g_array_free (g_steal_pointer (&headers), FALSE);
  return TRUE;
}

static const Field model_fields[] = {
  F_STR ("name", SyModelEntry, name),
  F_STR ("alias", SyModelEntry, alias),
  F_END
};

static const Field compat_model_fields[] = {
  F_STR ("name", SyModelEntry, name),
  F_STR ("alias", SyModelEntry, alias),
  F_ROOT ("thinking", T_ANY),
  F_END
};

static gboolean
field_models (Loader       *l,
              const char   *what,
              yaml_node_t  *value,
              gpointer      target,
              GError      **error)
{
  SyUpstreamEntry *entry = target;
  const Field *fields = entry->kind == SY_UPSTREAM_OPENAI_COMPAT ? compat_model_fields : model_fields;
  g_autoptr(GArray) models = NULL;
  gboolean ok = TRUE;

  if (node_is_null (value))
    return TRUE;
  if (!check_container (l, value, what, YAML_SEQUENCE_NODE, error))
    return FALSE;

  models = g_array_new (TRUE, TRUE, sizeof (SyModelEntry));
  for (yaml_node_item_t *it = value->data.sequence.items.start;
       ok && it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      SyModelEntry model = { NULL, NULL };

      if (node_is_null (item))
        continue;
      if (item->type != YAML_MAPPING_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entries must be mappings with 'name' and 'alias'", what);
          ok = FALSE;
          break;
        }
      ok = parse_fields (l, item, fields, NULL, &model, error);
      if (ok && (model.name == NULL || model.name[0] == '\0'))
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "model entry without 'name'");
          ok = FALSE;
        }
      if (model.alias != NULL && model.alias[0] == '\0')
        g_clear_pointer (&model.alias, g_free);
      if (ok)
        g_array_append_val (models, model);
      else
        {
          g_free (model.name);
          g_free (model.alias);
        }
    }

  if (!ok)
    {
      for (guint i = 0; i < models->len; i++)
        {
          g_free (g_array_index (models, SyModelEntry, i).name);
          g_free (g_array_index (models, SyModelEntry, i).alias);
        }
      return FALSE;
    }

  for (guint i = 0; i < entry->n_models; i++)
    {
      g_free (entry->models[i].name);
      g_free (entry->models[i].alias);
    }
  g_free (entry->models);
  entry->n_models = models->len;
  entry->models = (SyModelEntry *) (void *) g_array_free (g_steal_pointer (&models), FALSE);
  return TRUE;
}

static gboolean
field_excluded_models (Loader       *l,
                       const char   *what,
                       yaml_node_t  *value,
                       gpointer      target,
                       GError      **error)
{
  SyUpstreamEntry *entry = target;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *out;

  if (!get_string_list (l, value, what, list, error))
    return FALSE;

  out = g_ptr_array_new ();
  for (guint i = 0; i < list->len; i++)
    {
      char *lower = g_utf8_strdown (g_ptr_array_index (list, i), -1);

      if (g_hash_table_contains (seen, lower))
        {
          g_free (lower);
          continue;
        }
      g_ptr_array_add (out, lower);
      g_hash_table_add (seen, lower);
    }
  g_ptr_array_add (out, NULL);

  g_strfreev (entry->excluded_models);
  entry->excluded_models = (char **) g_ptr_array_free (out, FALSE);
  return TRUE;
}

typedef struct
{
  char     *from;
  char     *to;
  gboolean  regex;
} ModelMapping;

static const Field model_mapping_fields[] = {
  F_STR ("from", ModelMapping, from),
  F_STR ("to", ModelMapping, to),
  F_BOOL ("regex", ModelMapping, regex),
  F_END
};

static gboolean
field_model_mappings (Loader       *l,
                      const char   *what,
                      yaml_node_t  *value,
                      gpointer      target,
                      GError      **error)
{
  if (node_is_null (value))
    return TRUE;
  if (!check_container (l, value, what, YAML_SEQUENCE_NODE, error))
    return FALSE;

  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      ModelMapping mapping = { NULL, NULL, FALSE };
      gboolean ok;

      if (node_is_null (item))
        continue;
      if (item->type != YAML_MAPPING_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entries must be mappings with 'from' and 'to'", what);
          return FALSE;
        }

      ok = parse_fields (l, item, model_mapping_fields, what, &mapping, error);
      if (ok && (mapping.from == NULL || mapping.from[0] == '\0'))
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entry without 'from'", what);
          ok = FALSE;
        }
      else if (ok && (mapping.to == NULL || mapping.to[0] == '\0'))
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entry without 'to'", what);
          ok = FALSE;
        }
      else if (ok && mapping.regex)
        {
          g_autoptr(GRegex) regex = g_regex_new (mapping.from, 0, 0, NULL);

          if (regex == NULL)
            {
              loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                            "'%s' entry: 'from' is not a valid regular expression", what);
              ok = FALSE;
            }
        }

      g_free (mapping.from);
      g_free (mapping.to);
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Provider lists                                                            */

#define ENTRY_COMMON_FIELDS                                             \
  F_STR ("api-key", SyUpstreamEntry, api_key),                          \
  F_INT ("priority", SyUpstreamEntry, priority, G_MININT, G_MAXINT),    \
  F_CUSTOM ("prefix", field_prefix),                                    \
  F_STR ("base-url", SyUpstreamEntry, base_url),                        \
  F_STR ("proxy-url", SyUpstreamEntry, proxy_url),                      \
  F_CUSTOM ("headers", field_headers),                                  \
  F_CUSTOM ("models", field_models),                                    \
  F_CUSTOM ("excluded-models", field_excluded_models)

static const Field cloak_fields[] = {
  F_ROOT ("mode", T_STRING),
  F_ROOT ("strict-mode", T_BOOL),
  F_ROOT ("sensitive-words", T_STRLIST),
  F_ROOT ("cache-user-id", T_BOOL),
  F_END
};

static const Field claude_entry_fields[] = {
  ENTRY_COMMON_FIELDS,
  F_MAP ("cloak", cloak_fields),
  F_ROOT ("experimental-cch-signing", T_BOOL),
  F_END
};

static const Field codex_entry_fields[] = {
  ENTRY_COMMON_FIELDS,
  F_ROOT ("websockets", T_BOOL),
  F_END
};

static const Field plain_entry_fields[] = {
  ENTRY_COMMON_FIELDS,
  F_END
};

static const char *
kind_list_name (SyUpstreamKind kind)
{
  switch (kind)
    {
    case SY_UPSTREAM_CLAUDE: return "claude-api-key";
    case SY_UPSTREAM_GEMINI: return "gemini-api-key";
    case SY_UPSTREAM_CODEX: return "codex-api-key";
    case SY_UPSTREAM_VERTEX: return "vertex-api-key";
    case SY_UPSTREAM_OPENAI_COMPAT: return "openai-compatibility";
    default: return "?";
    }
}

static void
normalise_entry_urls (SyUpstreamEntry *entry)
{
  if (entry->base_url != NULL)
    {
      gsize len = strlen (entry->base_url);

      while (len > 0 && entry->base_url[len - 1] == '/')
        entry->base_url[--len] = '\0';
      if (len == 0)
        g_clear_pointer (&entry->base_url, g_free);
    }
  if (entry->proxy_url != NULL && entry->proxy_url[0] == '\0')
    g_clear_pointer (&entry->proxy_url, g_free);
  if (entry->api_key != NULL && entry->api_key[0] == '\0')
    g_clear_pointer (&entry->api_key, g_free);
}

/* Takes ownership of @entry; returns FALSE if it was dropped. */
static gboolean
add_upstream (Loader          *l,
              yaml_node_t     *where,
              SyUpstreamEntry *entry)
{
  g_autoptr(SyUpstreamEntry) owned = entry;
  const char *list = kind_list_name (entry->kind);
  GHashTable *seen = NULL;

  normalise_entry_urls (entry);

  if (entry->api_key == NULL)
    {
      loader_warn (l, where, "%s entry without api-key ignored", list);
      return FALSE;
    }
  if (entry->kind == SY_UPSTREAM_CODEX && entry->base_url == NULL)
    {
      loader_warn (l, where, "%s entry without base-url ignored", list);
      return FALSE;
    }

  if (entry->kind == SY_UPSTREAM_GEMINI)
    seen = l->seen_gemini;
  else if (entry->kind == SY_UPSTREAM_VERTEX)
    seen = l->seen_vertex;
  if (seen != NULL)
    {
      char *id = g_strconcat (entry->api_key, "|", entry->base_url ? entry->base_url : "", NULL);

      if (!g_hash_table_add (seen, id))
        {
          loader_warn (l, where, "duplicate %s entry (same api-key and base-url) ignored", list);
          return FALSE;
        }
    }

  g_ptr_array_add (l->cfg->upstreams, g_steal_pointer (&owned));
  return TRUE;
}

static gboolean
parse_provider_list (Loader          *l,
                     SyUpstreamKind   kind,
                     const char      *what,
                     yaml_node_t     *value,
                     GError         **error)
{
  const Field *fields;

  if (node_is_null (value))
    return TRUE;
  if (!check_container (l, value, what, YAML_SEQUENCE_NODE, error))
    return FALSE;

  fields = kind == SY_UPSTREAM_CLAUDE ? claude_entry_fields :
           kind == SY_UPSTREAM_CODEX ? codex_entry_fields : plain_entry_fields;

  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      g_autoptr(SyUpstreamEntry) entry = NULL;

      if (node_is_null (item))
        continue;
      if (item->type != YAML_MAPPING_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entries must be mappings with an 'api-key'", what);
          return FALSE;
        }

      entry = upstream_entry_new (kind);
      entry->line = (guint) node_line (l, item);
      if (!parse_fields (l, item, fields, NULL, entry, error))
        return FALSE;
      add_upstream (l, item, g_steal_pointer (&entry));
    }

  return TRUE;
}

#define PROVIDER_FIELD(fn, kind)                                       \
  static gboolean                                                      \
  fn (Loader       *l,                                                 \
      const char   *what,                                              \
      yaml_node_t  *value,                                             \
      gpointer      target,                                            \
      GError      **error)                                             \
  {                                                                    \
    return parse_provider_list (l, kind, what, value, error);          \
  }

PROVIDER_FIELD (field_claude_keys, SY_UPSTREAM_CLAUDE)
PROVIDER_FIELD (field_gemini_keys, SY_UPSTREAM_GEMINI)
PROVIDER_FIELD (field_codex_keys, SY_UPSTREAM_CODEX)
PROVIDER_FIELD (field_vertex_keys, SY_UPSTREAM_VERTEX)

static gboolean
field_legacy_gemini_keys (Loader       *l,
                          const char   *what,
                          yaml_node_t  *value,
                          gpointer      target,
                          GError      **error)
{
  if (!get_string_list (l, value, what, NULL, error))
    return FALSE;
  if (node_is_null (value))
    return TRUE;

  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      SyUpstreamEntry *entry;

      if (node_is_null (item))
        continue;
      entry = upstream_entry_new (SY_UPSTREAM_GEMINI);
      entry->api_key = g_strstrip (g_strdup (scalar_text (item)));
      entry->line = (guint) node_line (l, item);
      add_upstream (l, item, entry);
    }
  return TRUE;
}

/* openai-compatibility */

static const Field compat_key_fields[] = {
  F_STR ("api-key", CompatKey, api_key),
  F_STR ("proxy-url", CompatKey, proxy_url),
  F_END
};

static gboolean
field_compat_key_entries (Loader       *l,
                          const char   *what,
                          yaml_node_t  *value,
                          gpointer      target,
                          GError      **error)
{
  if (node_is_null (value))
    return TRUE;
  if (!check_container (l, value, what, YAML_SEQUENCE_NODE, error))
    return FALSE;

  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      CompatKey *key;

      if (node_is_null (item))
        continue;
      if (item->type != YAML_MAPPING_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entries must be mappings with an 'api-key'", what);
          return FALSE;
        }
      key = g_new0 (CompatKey, 1);
      g_ptr_array_add (l->compat_keys, key);
      if (!parse_fields (l, item, compat_key_fields, NULL, key, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
field_compat_legacy_keys (Loader       *l,
                          const char   *what,
                          yaml_node_t  *value,
                          gpointer      target,
                          GError      **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  if (!get_string_list (l, value, what, keys, error))
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      CompatKey *key = g_new0 (CompatKey, 1);

      key->api_key = g_strdup (g_ptr_array_index (keys, i));
      g_ptr_array_add (l->compat_keys, key);
    }
  return TRUE;
}

static const Field compat_fields[] = {
  F_STR ("name", SyUpstreamEntry, name),
  F_INT ("priority", SyUpstreamEntry, priority, G_MININT, G_MAXINT),
  F_CUSTOM ("prefix", field_prefix),
  F_STR ("base-url", SyUpstreamEntry, base_url),
  F_CUSTOM ("headers", field_headers),
  F_CUSTOM ("api-key-entries", field_compat_key_entries),
  F_CUSTOM ("api-keys", field_compat_legacy_keys),
  F_CUSTOM ("models", field_models),
  F_END
};

static gboolean
field_openai_compat (Loader       *l,
                     const char   *what,
                     yaml_node_t  *value,
                     gpointer      target,
                     GError      **error)
{
  if (node_is_null (value))
    return TRUE;
  if (!check_container (l, value, what, YAML_SEQUENCE_NODE, error))
    return FALSE;

  for (yaml_node_item_t *it = value->data.sequence.items.start;
       it < value->data.sequence.items.top; it++)
    {
      yaml_node_t *item = node_get (l, *it);
      g_autoptr(SyUpstreamEntry) tmpl = NULL;
      g_autoptr(GPtrArray) keys = NULL;

      if (node_is_null (item))
        continue;
      if (item->type != YAML_MAPPING_NODE)
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entries must be mappings with 'name' and 'base-url'", what);
          return FALSE;
        }

      tmpl = upstream_entry_new (SY_UPSTREAM_OPENAI_COMPAT);
      tmpl->line = (guint) node_line (l, item);
      keys = l->compat_keys = g_ptr_array_new_with_free_func (compat_key_free);
      if (!parse_fields (l, item, compat_fields, NULL, tmpl, error))
        {
          l->compat_keys = NULL;
          return FALSE;
        }
      l->compat_keys = NULL;

      if (tmpl->name == NULL || tmpl->name[0] == '\0')
        {
          loader_error (l, error, SY_CORE_ERROR_CONFIG_INVALID, item,
                        "'%s' entry without 'name'", what);
          return FALSE;
        }
      else
        {
          char *lower = g_utf8_strdown (tmpl->name, -1);

          g_free (tmpl->name);
          tmpl->name = lower;
        }

      normalise_entry_urls (tmpl);
      if (tmpl->base_url == NULL)
        {
          loader_warn (l, item, "%s entry without base-url ignored", what);
          continue;
        }

      if (keys->len == 0)
        {
          g_ptr_array_add (l->cfg->upstreams, g_steal_pointer (&tmpl));
          continue;
        }

      for (guint i = 0; i < keys->len; i++)
        {
          CompatKey *key = g_ptr_array_index (keys, i);
          SyUpstreamEntry *entry = upstream_entry_copy (tmpl);

          entry->api_key = g_steal_pointer (&key->api_key);
          entry->proxy_url = g_steal_pointer (&key->proxy_url);
          normalise_entry_urls (entry);
          g_ptr_array_add (l->cfg->upstreams, entry);
        }
    }

  return TRUE;
}

/* Top level */

static const Field tls_fields[] = {
  F_ROOT ("enable", T_BOOL),
  F_ROOT ("cert", T_STRING),
  F_ROOT ("key", T_STRING),
  F_END
};

static const Field remote_management_fields[] = {
  F_ROOT ("allow-remote", T_BOOL),
  F_ROOT ("secret-key", T_STRING),
  F_ROOT ("disable-control-panel", T_BOOL),
  F_ROOT ("disable-auto-update-panel", T_BOOL),
  F_ROOT ("panel-github-repository", T_STRING),
  F_ROOT ("allowed-origins", T_STRLIST),   /* Switchyard: CORS for these web origins */
  F_END
};

static const Field pprof_fields[] = {
  F_ROOT ("enable", T_BOOL),
  F_ROOT ("addr", T_STRING),
  F_END
};

static const Field quota_exceeded_fields[] = {
  F_ROOT ("switch-project", T_BOOL),
  F_ROOT ("switch-preview-model", T_BOOL),
  F_ROOT ("antigravity-credits", T_BOOL),
  F_END
};

/* endpoints: {<provider>: {api, auth, usage}}: where each service's API and login
 * live (tests and enterprise gateways point them elsewhere). */
static const Field endpoint_fields[] = {
  F_ROOT ("api", T_STRING),
  F_ROOT ("auth", T_STRING),
  F_ROOT ("fallbacks", T_ANY),   /* Antigravity: more API bases, tried in order */
  F_ROOT ("usage", T_STRING),    /* where the quota reader asks (default: api) */
  F_END
};

static const Field endpoints_fields[] = {
  F_MAP ("claude", endpoint_fields),
  F_MAP ("codex", endpoint_fields),
  F_MAP ("antigravity", endpoint_fields),
  F_MAP ("gemini-cli", endpoint_fields),
  F_MAP ("kimi", endpoint_fields),
  F_MAP ("xai", endpoint_fields),
  F_MAP ("vertex", endpoint_fields),
  F_END
};

static const Field routing_fields[] = {
  F_CUSTOM ("strategy", field_routing_strategy),
  F_END
};

static const Field streaming_fields[] = {
  F_INT ("keepalive-seconds", SyConfig, streaming_keepalive_seconds, G_MININT, G_MAXINT),
  F_INT ("bootstrap-retries", SyConfig, streaming_bootstrap_retries, G_MININT, G_MAXINT),
  F_END
};

static const Field claude_header_defaults_fields[] = {
  F_ROOT ("user-agent", T_STRING),
  F_ROOT ("package-version", T_STRING),
  F_ROOT ("runtime-version", T_STRING),
  F_ROOT ("os", T_STRING),
  F_ROOT ("arch", T_STRING),
  F_ROOT ("timeout", T_STRING),
  F_ROOT ("stabilize-device-profile", T_BOOL),
  F_END
};

static const Field codex_header_defaults_fields[] = {
  F_ROOT ("user-agent", T_STRING),
  F_ROOT ("beta-features", T_STRING),
  F_END
};

static const Field ampcode_fields[] = {
  F_ROOT ("upstream-url", T_STRING),
  F_ROOT ("upstream-api-key", T_STRING),
  F_ROOT ("upstream-api-keys", T_ANY),
  F_ROOT ("restrict-management-to-localhost", T_BOOL),
  F_CUSTOM ("model-mappings", field_model_mappings),
  F_ROOT ("force-model-mappings", T_BOOL),
  F_END
};

static const Field payload_fields[] = {
  F_ROOT ("default", T_LIST),
  F_ROOT ("default-raw", T_LIST),
  F_ROOT ("override", T_LIST),
  F_ROOT ("override-raw", T_LIST),
  F_ROOT ("filter", T_LIST),
  F_END
};

static const Field client_limit_fields[] = {
  F_INT ("requests-per-minute", SyClientLimit, requests_per_minute, 0, G_MAXINT),
  F_INT ("concurrent-requests", SyClientLimit, concurrent_requests, 0, G_MAXINT),
  F_END
};

/* client-limits.keys: { "<client key>": {requests-per-minute, concurrent-requests} } */
static gboolean
field_client_limit_keys (Loader       *l,
                         const char   *what,
                         yaml_node_t  *value,
                         gpointer      target,
                         GError      **error)
{
  SyConfig *cfg = target;
  g_autoptr(GArray) pairs = NULL;
  g_autoptr(GArray) limits = g_array_new (FALSE, TRUE, sizeof (SyClientLimit));

  if (!check_container (l, value, what, YAML_MAPPING_NODE, error))
    return FALSE;
  if (node_is_null (value))
    return TRUE;
  if ((pairs = mapping_pairs (l, value, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = &g_array_index (pairs, Pair, i);
      SyClientLimit limit = { NULL, -1, -1 };
      /* Not the key itself: it is a secret. */
      g_autofree char *where = g_strdup_printf ("%s[%u]", what, i);

      if (!check_container (l, pair->value, where, YAML_MAPPING_NODE, error) ||
          (!node_is_null (pair->value) &&
           !parse_fields (l, pair->value, client_limit_fields, where, &limit, error)))
        {
          for (guint j = 0; j < limits->len; j++)
            g_free (g_array_index (limits, SyClientLimit, j).key);
          return FALSE;
        }
      limit.key = g_strstrip (g_strdup (scalar_text (pair->key)));
      g_array_append_val (limits, limit);
    }
  for (guint j = 0; j < cfg->n_client_limit_keys; j++)
    g_free (cfg->client_limit_keys[j].key);
  g_free (cfg->client_limit_keys);
  cfg->n_client_limit_keys = limits->len;
  cfg->client_limit_keys = (SyClientLimit *) (gpointer) g_array_free (g_steal_pointer (&limits), FALSE);
  return TRUE;
}

static const Field client_limits_fields[] = {
  F_INT ("requests-per-minute", SyConfig, client_requests_per_minute, 0, G_MAXINT),
  F_INT ("concurrent-requests", SyConfig, client_concurrent_requests, 0, G_MAXINT),
  F_CUSTOM ("keys", field_client_limit_keys),
  F_END
};

static const Field top_fields[] = {
  F_CUSTOM ("host", field_host),
  F_INT ("port", SyConfig, port, 0, 65535),
  F_MAP ("tls", tls_fields),
  F_MAP ("remote-management", remote_management_fields),
  F_CUSTOM ("auth-dir", field_auth_dir),
  F_CUSTOM ("api-keys", field_api_keys),
  F_BOOL ("debug", SyConfig, debug),
  F_MAP ("pprof", pprof_fields),
  F_BOOL ("commercial-mode", SyConfig, commercial_mode),
  F_BOOL ("logging-to-file", SyConfig, logging_to_file),
  F_INT ("logs-max-total-size-mb", SyConfig, logs_max_total_size_mb, G_MININT, G_MAXINT),
  F_INT ("error-logs-max-files", SyConfig, error_logs_max_files, G_MININT, G_MAXINT),
  F_BOOL ("usage-statistics-enabled", SyConfig, usage_statistics_enabled),
  F_STR ("proxy-url", SyConfig, proxy_url),
  F_BOOL ("force-model-prefix", SyConfig, force_model_prefix),
  F_BOOL ("passthrough-headers", SyConfig, passthrough_headers),
  F_INT ("request-retry", SyConfig, request_retry, G_MININT, G_MAXINT),
  F_INT ("max-retry-credentials", SyConfig, max_retry_credentials, G_MININT, G_MAXINT),
  F_INT ("max-retry-interval", SyConfig, max_retry_interval, G_MININT, G_MAXINT),
  F_BOOL ("disable-cooling", SyConfig, disable_cooling),
  F_INT ("auth-auto-refresh-workers", SyConfig, auth_auto_refresh_workers, G_MININT, G_MAXINT),
  F_MAP ("quota-exceeded", quota_exceeded_fields),
  F_MAP ("routing", routing_fields),
  F_BOOL ("ws-auth", SyConfig, ws_auth),
  F_BOOL ("enable-gemini-cli-endpoint", SyConfig, enable_gemini_cli_endpoint),
  F_INT ("nonstream-keepalive-interval", SyConfig, nonstream_keepalive_interval, G_MININT, G_MAXINT),
  F_MAP ("streaming", streaming_fields),
  F_BOOL ("request-log", SyConfig, request_log),
  F_BOOL ("antigravity-signature-cache-enabled", SyConfig, antigravity_signature_cache_enabled),
  F_BOOL ("antigravity-signature-bypass-strict", SyConfig, antigravity_signature_bypass_strict),
  F_CUSTOM ("gemini-api-key", field_gemini_keys),
  F_CUSTOM ("codex-api-key", field_codex_keys),
  F_CUSTOM ("claude-api-key", field_claude_keys),
  F_CUSTOM ("vertex-api-key", field_vertex_keys),
  F_MAP ("claude-header-defaults", claude_header_defaults_fields),
  F_MAP ("codex-header-defaults", codex_header_defaults_fields),
  F_CUSTOM ("openai-compatibility", field_openai_compat),
  F_MAP ("ampcode", ampcode_fields),
  F_MAP ("oauth-model-alias", NULL),
  F_MAP ("oauth-excluded-models", NULL),
  F_MAP ("payload", payload_fields),
  /* legacy */
  F_CUSTOM ("generative-language-api-key", field_legacy_gemini_keys),
  F_ROOT ("amp-upstream-url", T_STRING),
  F_ROOT ("amp-upstream-api-key", T_STRING),
  F_ROOT ("amp-restrict-management-to-localhost", T_BOOL),
  F_CUSTOM ("amp-model-mappings", field_model_mappings),
  /* Switchyard */
  { "max-body-size", T_SIZE, G_STRUCT_OFFSET (SyConfig, max_body_size), 0, 0, NULL, NULL },
  F_INT ("upstream-connect-timeout", SyConfig, upstream_connect_timeout, 1, G_MAXINT),
  F_INT ("upstream-idle-timeout", SyConfig, upstream_idle_timeout, 0, G_MAXINT),
  F_CUSTOM ("model-mappings", field_model_mappings),
  F_ROOT ("model-catalog", T_STRING),
  F_MAP ("endpoints", endpoints_fields),
  F_ROOT ("token-store", T_STRING),
  F_ROOT ("quota-refresh-interval", T_INT),  /* seconds; sy-quota-poller.c */
  F_ROOT ("usage-store", T_STRING),
  F_ROOT ("usage-store-dsn", T_STRING),
  { "usage-retention-days", T_INT, -1, 0, G_MAXINT, NULL, NULL },
  F_ROOT ("logs-dir", T_STRING),
  F_ROOT ("desktop-notifications", T_BOOL),  /* the tray app; sy-notifier.c */
  F_MAP ("client-limits", client_limits_fields),
  F_INT ("request-header-timeout", SyConfig, request_header_timeout, 0, G_MAXINT),
  F_INT ("request-body-timeout", SyConfig, request_body_timeout, 0, G_MAXINT),
  F_END
};

/* ------------------------------------------------------------------------ */
/* Construction                                                              */

static SyConfig *
config_alloc (void)
{
  SyConfig *self = g_new0 (SyConfig, 1);

  self->ref_count = 1;
  self->host = g_strdup ("127.0.0.1");
  self->port = SY_DEFAULT_PORT;
  self->api_keys = g_new0 (char *, 1);
  self->routing_strategy = g_strdup ("round-robin");
  self->max_body_size = SY_DEFAULT_MAX_BODY_SIZE;
  self->upstream_connect_timeout = 30;
  self->upstream_idle_timeout = 600;
  self->upstreams = g_ptr_array_new_with_free_func (upstream_entry_free);
  self->error_logs_max_files = 10;
  self->auth_auto_refresh_workers = 16;
  self->antigravity_signature_cache_enabled = TRUE;
  self->usage_statistics_enabled = TRUE;   /* on by default: the charts need it */
  self->request_header_timeout = 30;
  self->request_body_timeout = 60;
  return self;
}

static void
config_finish (SyConfig *self)
{
  if (self->proxy_url != NULL && self->proxy_url[0] == '\0')
    g_clear_pointer (&self->proxy_url, g_free);
  if (self->request_retry < 0)
    self->request_retry = 0;
  if (self->max_retry_credentials < 0)
    self->max_retry_credentials = 0;
  if (self->max_retry_interval < 0)
    self->max_retry_interval = 0;
  if (self->streaming_keepalive_seconds < 0)
    self->streaming_keepalive_seconds = 0;
  if (self->streaming_bootstrap_retries < 0)
    self->streaming_bootstrap_retries = 0;
  if (self->nonstream_keepalive_interval < 0)
    self->nonstream_keepalive_interval = 0;
  if (self->logs_max_total_size_mb < 0)
    self->logs_max_total_size_mb = 0;
  if (self->error_logs_max_files < 0)
    self->error_logs_max_files = 10;
  if (self->auth_auto_refresh_workers <= 0)
    self->auth_auto_refresh_workers = 16;
  if (self->root == NULL)
    {
      g_autoptr(JsonObject) empty = json_object_new ();
      self->root = json_node_init_object (json_node_alloc (), empty);
    }
  if (self->warnings == NULL)
    self->warnings = g_new0 (char *, 1);
}

/* Where @data ends: its last line (counted as libyaml counts them: "\r\n",
 * "\r", "\n" and the Unicode line breaks) and the bytes on it, 0-based. */
static void
end_position (const char *data,
              gsize       len,
              gsize      *line,
              gsize      *column)
{
  *line = 0;
  *column = 0;
  for (gsize i = 0; i < len; i++)
    {
      gsize width = 0;

      if (data[i] == '\r')
        width = i + 1 < len && data[i + 1] == '\n' ? 2 : 1;
      else if (data[i] == '\n')
        width = 1;
      else if (len - i >= 2 && memcmp (data + i, "\xc2\x85", 2) == 0)
        width = 2;
      else if (len - i >= 3 && (memcmp (data + i, "\xe2\x80\xa8", 3) == 0 ||
                                memcmp (data + i, "\xe2\x80\xa9", 3) == 0))
        width = 3;
      if (width > 0)
        {
          (*line)++;
          *column = 0;
          i += width - 1;
        }
      else
        (*column)++;
    }
}

static void
set_syntax_error (yaml_parser_t  *parser,
                  const char     *filename,
                  const char     *data,
                  gsize           len,
                  GError        **error)
{
  gsize line = parser->problem_mark.line;
  gsize column = parser->problem_mark.column;
  const char *problem = parser->problem ? parser->problem : "invalid YAML";

  if (parser->error == YAML_MEMORY_ERROR)
    problem = "out of memory";

  if (parser->error == YAML_READER_ERROR)
    {
      gsize offset = MIN (parser->problem_offset, len);

      line = 0;
      column = 0;
      for (gsize i = 0; i < offset; i++)
        {
          if (data[i] == '\n')
            line++, column = 0;
          else
            column++;
        }
    }
  else
    {
      gsize last_line;
      gsize last_column;

      /* At the end of a text without a final line break, libyaml starts
       * a line of its own: the problem is at the end of the last one. */
      end_position (data, len, &last_line, &last_column);
      if (line > last_line)
        {
          line = last_line;
          column = last_column;
        }
    }

  if (parser->context != NULL && parser->error != YAML_READER_ERROR)
    g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX,
                 "%s:%lu:%lu: %s %s at line %lu column %lu",
                 filename, (gulong) line + 1, (gulong) column + 1, problem,
                 parser->context,
                 (gulong) parser->context_mark.line + 1,
                 (gulong) parser->context_mark.column + 1);
  else
    g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_SYNTAX,
                 "%s:%lu:%lu: %s", filename, (gulong) line + 1, (gulong) column + 1, problem);
}

/**
 * sy_config_new_from_data:
 * @data: YAML text
 * @len: length of @data, or -1 if NUL-terminated
 * @filename: (nullable): name used in messages, "<string>" when NULL
 * @error: return location for an error in %SY_CORE_ERROR
 *
 * Returns: (transfer full): a new snapshot, or %NULL
 */
SyConfig *
sy_config_new_from_data (const char  *data,
                         gssize       len,
                         const char  *filename,
                         GError     **error)
{
  g_autoptr(SyConfig) cfg = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GHashTable) seen_gemini = NULL;
  g_autoptr(GHashTable) seen_vertex = NULL;
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_node_t *top;
  gsize digest_len = sizeof cfg->sha256;
  gboolean ok = TRUE;
  Loader l = { 0 };

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (len < 0)
    len = (gssize) strlen (data);
  if (filename == NULL)
    filename = "<string>";

  cfg = config_alloc ();
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) data, len);
  g_checksum_get_digest (checksum, cfg->sha256, &digest_len);

  if (!yaml_parser_initialize (&parser))
    g_error ("yaml_parser_initialize: out of memory");
  yaml_parser_set_input_string (&parser, (const unsigned char *) data, (size_t) len);
  if (!yaml_parser_load (&parser, &doc))
    {
      set_syntax_error (&parser, filename, data, (gsize) len, error);
      yaml_parser_delete (&parser);
      return NULL;
    }
  yaml_parser_delete (&parser);

  warnings = g_ptr_array_new_with_free_func (g_free);
  seen_gemini = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  seen_vertex = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  l.filename = filename;
  l.doc = &doc;
  l.cfg = cfg;
  l.warnings = warnings;
  l.seen_gemini = seen_gemini;
  l.seen_vertex = seen_vertex;
  l.budget = MAX_NODES;
  end_position (data, (gsize) len, &l.end_line, &l.end_column);

  top = yaml_document_get_root_node (&doc);
  if (top != NULL && !node_is_null (top))
    {
      if (top->type != YAML_MAPPING_NODE)
        {
          loader_error (&l, error, SY_CORE_ERROR_CONFIG_INVALID, top,
                        "the top level must be a mapping of keys to values");
          ok = FALSE;
        }
      else if ((cfg->root = yaml_to_json (&l, top, 0, error)) == NULL)
        ok = FALSE;
      else
        ok = parse_fields (&l, top, top_fields, NULL, cfg, error);
    }

  yaml_document_delete (&doc);
  if (!ok)
    return NULL;

  g_ptr_array_add (warnings, NULL);
  cfg->warnings = (char **) g_ptr_array_free (g_steal_pointer (&warnings), FALSE);
  config_finish (cfg);
  return g_steal_pointer (&cfg);
}

static char *
read_file (const char  *path,
           gsize       *len,
           GError     **error)
{
  g_autoptr(GString) buf = g_string_new (NULL);
  FILE *fp;
  char chunk[8192];
  int saved_errno = 0;

  fp = g_fopen (path, "rb");
  if (fp == NULL)
    {
      saved_errno = errno;
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  for (;;)
    {
      size_t n = fread (chunk, 1, sizeof chunk, fp);

      if (n > 0)
        g_string_append_len (buf, chunk, (gssize) n);
      if (buf->len > MAX_FILE_SIZE)
        {
          fclose (fp);
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                       "%s: file is larger than %d MiB", path, MAX_FILE_SIZE / (1024 * 1024));
          return NULL;
        }
      if (n < sizeof chunk)
        {
          if (ferror (fp))
            saved_errno = errno ? errno : EIO;
          break;
        }
    }
  fclose (fp);

  if (saved_errno != 0)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  *len = buf->len;
  return g_string_free (g_steal_pointer (&buf), FALSE);
}

/**
 * sy_config_new_from_file:
 * @path: the config file
 * @error: return location for an error in %SY_CORE_ERROR
 *
 * Returns: (transfer full): a new snapshot, or %NULL
 */
SyConfig *
sy_config_new_from_file (const char  *path,
                         GError     **error)
{
  g_autofree char *data = NULL;
  SyConfig *cfg;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if ((data = read_file (path, &len, error)) == NULL)
    return NULL;
  if ((cfg = sy_config_new_from_data (data, (gssize) len, path, error)) == NULL)
    return NULL;
  cfg->path = g_strdup (path);
  return cfg;
}

/**
 * sy_config_new_default:
 *
 * Returns: (transfer full): a snapshot with every default, as for an empty file
 */
SyConfig *
sy_config_new_default (void)
{
  SyConfig *cfg = sy_config_new_from_data ("", 0, NULL, NULL);

  g_assert (cfg != NULL);
  return cfg;
}

SyConfig *
sy_config_ref (SyConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->ref_count > 0, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
sy_config_unref (SyConfig *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_free (self->path);
  g_free (self->host);
  g_strfreev (self->api_keys);
  g_free (self->routing_strategy);
  g_free (self->proxy_url);
  g_free (self->auth_dir);
  g_clear_pointer (&self->upstreams, g_ptr_array_unref);
  g_clear_pointer (&self->root, json_node_unref);
  g_strfreev (self->warnings);
  for (guint i = 0; i < self->n_client_limit_keys; i++)
    g_free (self->client_limit_keys[i].key);
  g_free (self->client_limit_keys);
  g_free (self);
}

void
sy_config_client_limits (SyConfig   *self,
                         const char *key,
                         int        *requests_per_minute,
                         int        *concurrent_requests)
{
  *requests_per_minute = self->client_requests_per_minute;
  *concurrent_requests = self->client_concurrent_requests;
  for (guint i = 0; key != NULL && i < self->n_client_limit_keys; i++)
    if (strcmp (self->client_limit_keys[i].key, key) == 0)
      {
        if (self->client_limit_keys[i].requests_per_minute >= 0)
          *requests_per_minute = self->client_limit_keys[i].requests_per_minute;
        if (self->client_limit_keys[i].concurrent_requests >= 0)
          *concurrent_requests = self->client_limit_keys[i].concurrent_requests;
        return;
      }
}

/**
 * sy_config_lookup:
 * @self: a #SyConfig
 * @dotted_path: keys separated by '.', e.g. "streaming.keepalive-seconds";
 *   a numeric segment indexes a list
 *
 * Returns: (transfer none) (nullable): the node, or %NULL when absent
 */
JsonNode *
sy_config_lookup (SyConfig   *self,
                  const char *dotted_path)
{
  g_auto(GStrv) parts = NULL;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (dotted_path != NULL, NULL);

  node = self->root;
  if (dotted_path[0] == '\0')
    return node;

  parts = g_strsplit (dotted_path, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *object = json_node_get_object (node);

          if (!json_object_has_member (object, parts[i]))
            return NULL;
          node = json_object_get_member (object, parts[i]);
        }
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint64 index_;

          if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT, &index_, NULL) ||
              index_ >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, (guint) index_);
        }
      else
        return NULL;
    }

  return node;
}

JsonNode *
sy_config_ampcode (SyConfig   *self,
                   const char *key)
{
  static const char * const legacy[] = {
    "upstream-url", "upstream-api-key", "restrict-management-to-localhost", "model-mappings",
  };
  g_autofree char *dotted = g_strconcat ("ampcode.", key, NULL);
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  node = sy_config_lookup (self, dotted);
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    return node;
  for (guint i = 0; i < G_N_ELEMENTS (legacy); i++)
    if (strcmp (key, legacy[i]) == 0)
      {
        g_autofree char *old = g_strconcat ("amp-", key, NULL);

        node = sy_config_lookup (self, old);
        return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
      }
  return NULL;
}

char *
sy_config_endpoint (SyConfig   *self,
                    const char *provider,
                    const char *which,
                    const char *fallback)
{
  g_autofree char *path = g_strdup_printf ("endpoints.%s.%s", provider, which);
  JsonNode *node = self ? sy_config_lookup (self, path) : NULL;
  char *url;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      *json_node_get_string (node) == '\0')
    return g_strdup (fallback);
  url = g_strdup (json_node_get_string (node));
  while (*url && g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  return url;
}

/**
 * sy_host_is_loopback:
 * @host: a host name or address ("[::1]" brackets allowed)
 *
 * Returns: %TRUE for "localhost" and loopback addresses (127.0.0.0/8, ::1,
 *   and 127.0.0.0/8 mapped into IPv6, as a dual-stack listener sees IPv4
 *   clients: ::ffff:127.0.0.1);
 *   %FALSE for "" (all interfaces) and everything else
 */
gboolean
sy_host_is_loopback (const char *name)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *host = NULL;
  gsize len;

  if (name == NULL || name[0] == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (name, "localhost") == 0)
    return TRUE;

  host = g_strdup (name);
  len = strlen (host);
  if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
    {
      memmove (host, host + 1, len - 2);
      host[len - 2] = '\0';
    }

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return FALSE;
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
      const guint8 *bytes = g_inet_address_to_bytes (address);

      if (memcmp (bytes, mapped, sizeof mapped) == 0)
        return bytes[12] == 127;
    }
  return g_inet_address_get_is_loopback (address);
}

const char *
sy_upstream_kind_to_string (SyUpstreamKind kind)
{
  switch (kind)
    {
    case SY_UPSTREAM_CLAUDE: return "claude";
    case SY_UPSTREAM_GEMINI: return "gemini";
    case SY_UPSTREAM_CODEX: return "codex";
    case SY_UPSTREAM_OPENAI_COMPAT: return "openai-compatibility";
    case SY_UPSTREAM_VERTEX: return "vertex";
    case SY_UPSTREAM_GEMINI_CLI: return "gemini-cli";
    case SY_UPSTREAM_ANTIGRAVITY: return "antigravity";
    case SY_UPSTREAM_KIMI: return "kimi";
    case SY_UPSTREAM_XAI: return "xai";
    case SY_UPSTREAM_N_KINDS:
    default: return "unknown";
    }
}

static const char default_text[] =
  "# Switchyard configuration\n"
  "#\n"
  "# Switchyard re-reads this file as soon as it changes; a broken edit is\n"
  "# reported and the previous settings stay in effect. The keys are those of\n"
  "# CLIProxyAPI's config.yaml, so an existing one can be used as is.\n"
  "\n"
  "# Address to listen on. 127.0.0.1 keeps the proxy private to this machine;\n"
  "# \"\" listens on all interfaces.\n"
  "host: \"127.0.0.1\"\n"
  "\n"
  "# Port to listen on.\n"
  "port: 8317\n"
  "\n"
  "# Keys clients must send (Authorization: Bearer KEY, x-api-key or x-goog-api-key).\n"
  "# An empty list lets every client in, so it is only allowed while host is a\n"
  "# loopback address such as 127.0.0.1.\n"
  "api-keys: []\n"
  "#  - \"replace-with-a-long-random-string\"\n"
  "\n"
  "# Verbose logging.\n"
  "debug: false\n"
  "\n"
  "# Which account serves a request when several can:\n"
  "# round-robin spreads the load, fill-first uses one until it cools down.\n"
  "routing:\n"
  "  strategy: \"round-robin\"\n"
  "\n"
  "# Largest request body accepted from a client: bytes, or with a unit\n"
  "# (KiB, MiB, GiB, or KB, MB, GB).\n"
  "max-body-size: \"32MiB\"\n"
  "\n"
  "# ---------------------------------------------------------------------------\n"
  "# Upstream API keys, used next to the accounts you log in with.\n"
  "# Uncomment a block and put in your own key.\n"
  "\n"
  "# claude-api-key:\n"
  "#   - api-key: \"sk-ant-REPLACE-ME\"\n"
  "#     # base-url: \"https://api.anthropic.com\"\n"
  "#     # prefix: \"work\"            # serve its models as work/<model> too\n"
  "#     # models:                    # only these models, under these names\n"
  "#     #   - name: \"claude-sonnet-4-5-20250929\"\n"
  "#     #     alias: \"sonnet\"\n"
  "\n"
  "# gemini-api-key:\n"
  "#   - api-key: \"AIza-REPLACE-ME\"\n"
  "#     # excluded-models: [\"gemini-1.5-*\"]\n"
  "\n"
  "# codex-api-key:\n"
  "#   - api-key: \"sk-REPLACE-ME\"\n"
  "#     base-url: \"https://api.openai.com/v1\"   # required for codex keys\n"
  "\n"
  "# openai-compatibility:\n"
  "#   - name: \"openrouter\"\n"
  "#     base-url: \"https://openrouter.ai/api/v1\"\n"
  "#     api-key-entries:\n"
  "#       - api-key: \"sk-or-REPLACE-ME\"\n"
  "#     models:\n"
  "#       - name: \"moonshotai/kimi-k2\"\n"
  "#         alias: \"kimi-k2\"\n";

const char *
sy_config_default_text (void)
{
  return default_text;
}

char *
sy_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "switchyard", "config.yaml", NULL);
}

/**
 * sy_config_ensure_file:
 * @path: the config file
 * @created: (out) (optional): whether the file was written
 * @error: return location for a %SY_CORE_ERROR_CONFIG_IO error
 *
 * Writes sy_config_default_text() to @path (mode 0600, parent directories
 * 0700) unless the file exists.
 */
gboolean
sy_config_ensure_file (const char  *path,
                       gboolean    *created,
                       GError     **error)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (created != NULL)
    *created = FALSE;

  if (g_lstat (path, &st) == 0)
    return TRUE;
  if (errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!g_file_set_contents_full (path, default_text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_CONFIG_IO,
                   "%s: %s", path, local_error->message);
      return FALSE;
    }

  if (created != NULL)
    *created = TRUE;
  return TRUE;
}
