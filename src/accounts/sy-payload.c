/* sy-payload.c: payload rules, edits to upstream request bodies per model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sy-json-guard.h"
#include "sy-payload.h"
#include "sy-registry.h"

typedef enum
{
  RULE_DEFAULT,
  RULE_OVERRIDE,
  RULE_FILTER,
} RuleKind;

typedef struct
{
  GPatternSpec *name;
  char         *protocol;   /* NULL = any */
} ModelMatch;

typedef struct
{
  char     *path;
  JsonNode *value;          /* NULL for filter */
} Param;

typedef struct
{
  RuleKind  kind;
  GArray   *models;         /* ModelMatch */
  GArray   *params;         /* Param, in the order written */
} Rule;

struct _SyPayloadRules
{
  GPtrArray *rules;         /* Rule*, in application order */
};

/* ------------------------------------------------------------------ JSON */

static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          json_object_set_member (object, name, deep_copy (member));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, object);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *from = json_node_get_array (node);
        JsonArray *array = json_array_sized_new (json_array_get_length (from));
        guint i;

        for (i = 0; i < json_array_get_length (from); i++)
          json_array_add_element (array, deep_copy (json_array_get_element (from, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, array);
        return copy;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

/* An array index segment: a non-negative integer, or -1 (append). */
static gboolean
parse_index (const char *segment,
             gint64     *index)
{
  char *end = NULL;

  if (strcmp (segment, "-1") == 0)
    {
      *index = -1;
      return TRUE;
    }
  if (!g_ascii_isdigit (*segment))
    return FALSE;
  *index = g_ascii_strtoll (segment, &end, 10);
  return end != NULL && *end == '\0';
}

static JsonNode *
child (JsonNode   *node,
       const char *segment)
{
  gint64 index;

  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_member (json_node_get_object (node), segment);
  if (JSON_NODE_HOLDS_ARRAY (node) && parse_index (segment, &index) && index >= 0 &&
      index < json_array_get_length (json_node_get_array (node)))
    return json_array_get_element (json_node_get_array (node), index);
  return NULL;
}

JsonNode *
sy_json_path_get (JsonNode   *root,
                  const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);
  JsonNode *node = root;
  guint i;

  for (i = 0; node != NULL && segments[i] != NULL; i++)
    node = child (node, segments[i]);
  return node;
}

/* Puts @value (owned) at @segment of container @node; for arrays, -1 or
 * the length appends. */
static gboolean
put (JsonNode   *node,
     const char *segment,
     JsonNode   *value)
{
  gint64 index;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_set_member (json_node_get_object (node), segment, value);
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node) && parse_index (segment, &index))
    {
      JsonArray *array = json_node_get_array (node);
      guint len = json_array_get_length (array);

      if (index == -1 || index == len)
        {
          json_array_add_element (array, value);
          return TRUE;
        }
      if (index < len)
        {
          /* json-glib has no replace: rebuild around the element. */
          JsonArray *rebuilt = json_array_sized_new (len);
          guint i;

          for (i = 0; i < len; i++)
            json_array_add_element (rebuilt, i == index ? value
                                                        : json_node_ref (json_array_get_element (array, i)));
          json_node_take_array (node, rebuilt);
          return TRUE;
        }
    }
  json_node_unref (value);
  return FALSE;
}

gboolean
sy_json_path_set (JsonNode   *root,
                  const char *path,
                  JsonNode   *value)
{
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);
  JsonNode *node = root;
  guint n = g_strv_length (segments);
  guint i;

  if (n == 0 || !(JSON_NODE_HOLDS_OBJECT (root) || JSON_NODE_HOLDS_ARRAY (root)))
    return FALSE;
  for (i = 0; i + 1 < n; i++)
    {
      JsonNode *next = child (node, segments[i]);
      gint64 index;

      if (next == NULL || !(JSON_NODE_HOLDS_OBJECT (next) || JSON_NODE_HOLDS_ARRAY (next)))
        {
          /* Missing (or a scalar in the way): make the container the next
           * segment needs. */
          if (parse_index (segments[i + 1], &index))
            {
              next = json_node_new (JSON_NODE_ARRAY);
              json_node_take_array (next, json_array_new ());
            }
          else
            {
              next = json_node_new (JSON_NODE_OBJECT);
              json_node_take_object (next, json_object_new ());
            }
          if (!put (node, segments[i], json_node_ref (next)))
            {
              json_node_unref (next);
              return FALSE;
            }
          json_node_unref (next);
          /* put() may have rebuilt an array: look the container up again. */
          next = child (node, segments[i]);
          if (next == NULL)
            return FALSE;
        }
      node = next;
    }
  return put (node, segments[n - 1], deep_copy (value));
}

gboolean
sy_json_path_remove (JsonNode   *root,
                     const char *path)
{
  g_autofree char *parent_path = NULL;
  const char *last = strrchr (path, '.');
  JsonNode *parent;
  gint64 index;

  if (last != NULL)
    {
      parent_path = g_strndup (path, last - path);
      parent = sy_json_path_get (root, parent_path);
      last++;
    }
  else
    {
      parent = root;
      last = path;
    }
  if (parent == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT (parent) && json_object_has_member (json_node_get_object (parent), last))
    {
      json_object_remove_member (json_node_get_object (parent), last);
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (parent) && parse_index (last, &index) && index >= 0 &&
      index < json_array_get_length (json_node_get_array (parent)))
    {
      json_array_remove_element (json_node_get_array (parent), index);
      return TRUE;
    }
  return FALSE;
}

/* ----------------------------------------------------------------- rules */

static void
model_match_clear (gpointer data)
{
  ModelMatch *m = data;

  g_clear_pointer (&m->name, g_pattern_spec_free);
  g_clear_pointer (&m->protocol, g_free);
}

static void
param_clear (gpointer data)
{
  Param *p = data;

  g_clear_pointer (&p->path, g_free);
  g_clear_pointer (&p->value, json_node_unref);
}

static void
rule_free (gpointer data)
{
  Rule *rule = data;

  g_array_unref (rule->models);
  g_array_unref (rule->params);
  g_free (rule);
}

static void
warn (GPtrArray  *warnings,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
warn (GPtrArray  *warnings,
      const char *format,
      ...)
{
  va_list args;

  if (warnings == NULL)
    return;
  va_start (args, format);
  g_ptr_array_add (warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

static Rule *
read_rule (JsonNode   *node,
           const char *list,
           guint       position,
           RuleKind    kind,
           gboolean    raw,
           GPtrArray  *warnings)
{
  g_autoptr(GArray) models = g_array_new (FALSE, TRUE, sizeof (ModelMatch));
  g_autoptr(GArray) params = g_array_new (FALSE, TRUE, sizeof (Param));
  JsonObject *object;
  JsonNode *models_node;
  JsonNode *params_node;
  Rule *rule;
  guint i;

  g_array_set_clear_func (models, model_match_clear);
  g_array_set_clear_func (params, param_clear);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      warn (warnings, "payload.%s[%u]: not a mapping, ignored", list, position);
      return NULL;
    }
  object = json_node_get_object (node);
  models_node = json_object_get_member (object, "models");
  params_node = json_object_get_member (object, "params");

  for (i = 0; models_node != NULL && JSON_NODE_HOLDS_ARRAY (models_node) &&
              i < json_array_get_length (json_node_get_array (models_node)); i++)
    {
      JsonNode *m = json_array_get_element (json_node_get_array (models_node), i);
      ModelMatch match = { 0 };
      const char *name = NULL;
      const char *protocol = NULL;

      if (JSON_NODE_HOLDS_OBJECT (m))
        {
          name = json_object_get_string_member_with_default (json_node_get_object (m), "name", NULL);
          protocol = json_object_get_string_member_with_default (json_node_get_object (m), "protocol", NULL);
        }
      if (name == NULL || *name == '\0')
        continue;
      match.name = g_pattern_spec_new (name);
      match.protocol = protocol && *protocol ? g_ascii_strdown (protocol, -1) : NULL;
      g_array_append_val (models, match);
    }
  if (models->len == 0)
    {
      warn (warnings, "payload.%s[%u]: no models, ignored", list, position);
      return NULL;
    }

  if (kind == RULE_FILTER)
    {
      for (i = 0; params_node != NULL && JSON_NODE_HOLDS_ARRAY (params_node) &&
                  i < json_array_get_length (json_node_get_array (params_node)); i++)
        {
          JsonNode *p = json_array_get_element (json_node_get_array (params_node), i);
          Param param = { 0 };

          if (!JSON_NODE_HOLDS_VALUE (p) || json_node_get_value_type (p) != G_TYPE_STRING)
            continue;
          param.path = g_strdup (json_node_get_string (p));
          g_array_append_val (params, param);
        }
    }
  else if (params_node != NULL && JSON_NODE_HOLDS_OBJECT (params_node))
    {
      JsonObjectIter iter;
      const char *path;
      JsonNode *value;

      json_object_iter_init_ordered (&iter, json_node_get_object (params_node));
      while (json_object_iter_next_ordered (&iter, &path, &value))
        {
          Param param = { 0 };

          if (raw)
            {
              g_autoptr(JsonParser) parser = json_parser_new ();

              if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING ||
                  !sy_json_parser_load (parser, json_node_get_string (value), -1, NULL) ||
                  json_parser_get_root (parser) == NULL)
                {
                  warn (warnings, "payload.%s[%u]: '%s' is not valid JSON text, ignored",
                        list, position, path);
                  continue;
                }
              param.value = deep_copy (json_parser_get_root (parser));
            }
          else
            param.value = deep_copy (value);
          param.path = g_strdup (path);
          g_array_append_val (params, param);
        }
    }
  if (params->len == 0)
    {
      warn (warnings, "payload.%s[%u]: no params, ignored", list, position);
      return NULL;
    }

  rule = g_new0 (Rule, 1);
  rule->kind = kind;
  rule->models = g_steal_pointer (&models);
  rule->params = g_steal_pointer (&params);
  return rule;
}

SyPayloadRules *
sy_payload_rules_new (JsonNode  *payload,
                      GPtrArray *warnings)
{
  static const struct { const char *list; RuleKind kind; gboolean raw; } order[] = {
    { "default", RULE_DEFAULT, FALSE },
    { "default-raw", RULE_DEFAULT, TRUE },
    { "override", RULE_OVERRIDE, FALSE },
    { "override-raw", RULE_OVERRIDE, TRUE },
    { "filter", RULE_FILTER, FALSE },
  };
  SyPayloadRules *rules = g_new0 (SyPayloadRules, 1);
  guint i, j;

  rules->rules = g_ptr_array_new_with_free_func (rule_free);
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return rules;

  for (i = 0; i < G_N_ELEMENTS (order); i++)
    {
      JsonNode *list = json_object_get_member (json_node_get_object (payload), order[i].list);

      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        continue;
      for (j = 0; j < json_array_get_length (json_node_get_array (list)); j++)
        {
          Rule *rule = read_rule (json_array_get_element (json_node_get_array (list), j),
                                  order[i].list, j, order[i].kind, order[i].raw, warnings);

          if (rule != NULL)
            g_ptr_array_add (rules->rules, rule);
        }
    }
  return rules;
}

void
sy_payload_rules_free (SyPayloadRules *rules)
{
  if (rules == NULL)
    return;
  g_ptr_array_unref (rules->rules);
  g_free (rules);
}

gboolean
sy_payload_rules_is_empty (const SyPayloadRules *rules)
{
  return rules == NULL || rules->rules->len == 0;
}

/* Matched against the upstream model, the client model without its
 * reasoning suffix, and the client model as written. */
static gboolean
rule_matches (const Rule *rule,
              const char *protocol,
              const char *upstream_model,
              const char *client_model,
              const char *client_base)
{
  guint i;

  for (i = 0; i < rule->models->len; i++)
    {
      const ModelMatch *m = &g_array_index (rule->models, ModelMatch, i);

      if (m->protocol != NULL && g_strcmp0 (m->protocol, protocol) != 0)
        continue;
      if ((upstream_model && g_pattern_spec_match_string (m->name, upstream_model)) ||
          (client_base && g_pattern_spec_match_string (m->name, client_base)) ||
          (client_model && g_pattern_spec_match_string (m->name, client_model)))
        return TRUE;
    }
  return FALSE;
}

gboolean
sy_payload_rules_match (const SyPayloadRules *rules,
                        const char           *protocol,
                        const char           *upstream_model,
                        const char           *client_model)
{
  g_autofree char *client_base = sy_model_strip_suffix (client_model);   /* NULL: no suffix */
  guint i;

  if (rules == NULL)
    return FALSE;
  for (i = 0; i < rules->rules->len; i++)
    if (rule_matches (g_ptr_array_index (rules->rules, i), protocol, upstream_model,
                      client_model, client_base))
      return TRUE;
  return FALSE;
}

guint
sy_payload_rules_apply (const SyPayloadRules *rules,
                        JsonObject           *body,
                        gboolean              envelope,
                        const char           *protocol,
                        const char           *upstream_model,
                        const char           *client_model)
{
  g_autofree char *client_base = sy_model_strip_suffix (client_model);   /* NULL: no suffix */
  g_autoptr(GHashTable) defaulted = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *target = body;
  guint changed = 0;
  guint i, j;

  if (rules == NULL || rules->rules->len == 0)
    return 0;
  if (envelope)
    {
      JsonNode *request = json_object_get_member (body, "request");

      if (request == NULL || !JSON_NODE_HOLDS_OBJECT (request))
        return 0;
      target = json_node_get_object (request);
    }
  root = json_node_init_object (json_node_alloc (), target);
  defaulted = g_hash_table_new (g_str_hash, g_str_equal);

  for (i = 0; i < rules->rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (rules->rules, i);

      if (!rule_matches (rule, protocol, upstream_model, client_model, client_base))
        continue;
      for (j = 0; j < rule->params->len; j++)
        {
          const Param *param = &g_array_index (rule->params, Param, j);

          switch (rule->kind)
            {
            case RULE_DEFAULT:
              /* The first default for a path wins; one the body has stays. */
              if (g_hash_table_contains (defaulted, param->path) ||
                  sy_json_path_get (root, param->path) != NULL)
                break;
              if (sy_json_path_set (root, param->path, param->value))
                {
                  g_hash_table_add (defaulted, param->path);
                  changed++;
                }
              break;
            case RULE_OVERRIDE:
              if (sy_json_path_set (root, param->path, param->value))
                changed++;
              break;
            case RULE_FILTER:
            default:
              if (sy_json_path_remove (root, param->path))
                changed++;
              break;
            }
        }
    }
  return changed;
}
