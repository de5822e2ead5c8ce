/* sy-gemini-schema.c: JSON schemas rewritten into what Gemini accepts
 *
 * The steps run in order over the whole schema, each at every depth
 * (translation.md §7): $ref to hints, const to enum, enums as strings,
 * hints for what will be removed, allOf merged, anyOf/oneOf and type
 * arrays flattened, unsupported keywords deleted, required pruned, and
 * for Antigravity placeholder properties added. Keys directly inside a
 * name map (properties, $defs...) are names, never keywords.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-translate"

#include "config.h"

#include <string.h>

#include "sy-gemini-schema.h"

#define PLACEHOLDER_REASON "Brief explanation of why you are calling this tool"

/* Moved into the description as "<key>: <value>" (step 6), then deleted. */
static const char * const constraint_keys[] = {
  "minLength", "maxLength", "exclusiveMinimum", "exclusiveMaximum", "pattern",
  "minItems", "maxItems", "uniqueItems", "format", "default", "examples",
};

/* Deleted in step 10, besides the constraints and every "x-" key. */
static const char * const unsupported_keys[] = {
  "$schema", "$defs", "definitions", "const", "$ref", "$id", "additionalProperties",
  "propertyNames", "patternProperties", "enumTitles", "prefill", "deprecated",
};

typedef void (*StepFunc) (JsonObject *schema,
                          gboolean    is_property,
                          gboolean    is_root,
                          gpointer    data);

/* ------------------------------------------------------------- helpers */

static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *from = json_node_get_object (node);
      JsonObject *to = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, from);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (to, name, deep_copy (member));
      copy = json_node_init_object (json_node_alloc (), to);
      json_object_unref (to);
      return copy;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *from = json_node_get_array (node);
      JsonArray *to = json_array_sized_new (json_array_get_length (from));
      guint i;

      for (i = 0; i < json_array_get_length (from); i++)
        json_array_add_element (to, deep_copy (json_array_get_element (from, i)));
      copy = json_node_init_array (json_node_alloc (), to);
      json_array_unref (to);
      return copy;
    }

  copy = json_node_copy (node);
  return copy;
}

static gboolean
is_name_map_key (const char *key)
{
  return strcmp (key, "properties") == 0 ||
         strcmp (key, "patternProperties") == 0 ||
         strcmp (key, "$defs") == 0 ||
         strcmp (key, "definitions") == 0 ||
         strcmp (key, "dependentSchemas") == 0;
}

/* Values of these keywords are data, not schemas: never walked into. */
static gboolean
is_data_key (const char *key)
{
  return strcmp (key, "enum") == 0 ||
         strcmp (key, "const") == 0 ||
         strcmp (key, "default") == 0 ||
         strcmp (key, "examples") == 0 ||
         strcmp (key, "example") == 0 ||
         strcmp (key, "required") == 0;
}

/* The member names of @object, copied (members may be removed meanwhile). */
static GPtrArray *
member_names (JsonObject *object)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    g_ptr_array_add (names, g_strdup (name));
  return names;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* A JSON scalar as text: strings as they are, numbers in their shortest
 * form, true/false/null; objects and arrays as compact JSON. */
static char *
value_to_text (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "true" : "false");
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          double value = json_node_get_double (node);

          g_ascii_formatd (buf, sizeof buf, "%.15g", value);
          if (g_ascii_strtod (buf, NULL) != value)
            g_ascii_formatd (buf, sizeof buf, "%.17g", value);
          return g_strdup (buf);
        }
    }
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  return json_to_string (node, FALSE);
}

static gboolean
is_scalar (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) || JSON_NODE_HOLDS_NULL (node);
}

/* "hint" appended to the description in parentheses, or the description. */
static void
append_hint (JsonObject *schema,
             const char *hint)
{
  const char *description = get_string (schema, "description");

  if (description != NULL && *description != '\0')
    {
      g_autofree char *text = g_strdup_printf ("%s (%s)", description, hint);
      json_object_set_string_member (schema, "description", text);
    }
  else
    json_object_set_string_member (schema, "description", hint);
}

static void
clear_object (JsonObject *object)
{
  g_autoptr(GPtrArray) names = member_names (object);
  guint i;

  for (i = 0; i < names->len; i++)
    json_object_remove_member (object, g_ptr_array_index (names, i));
}

/* Replaces the members of @object by those of @from (a detached copy). */
static void
replace_object (JsonObject *object,
                JsonObject *from)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  clear_object (object);
  json_object_iter_init_ordered (&iter, from);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    json_object_set_member (object, name, json_node_ref (member));
}

static gboolean
string_array_contains (JsonArray  *array,
                       const char *text)
{
  guint i;

  for (i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Drops @name from the "required" array of @schema (removed when empty). */
static void
required_remove (JsonObject *schema,
                 const char *name)
{
  JsonArray *required = get_array (schema, "required");
  JsonArray *kept;
  guint i;

  if (required == NULL || !string_array_contains (required, name))
    return;

  kept = json_array_new ();
  for (i = 0; i < json_array_get_length (required); i++)
    {
      JsonNode *node = json_array_get_element (required, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          strcmp (json_node_get_string (node), name) == 0)
        continue;
      json_array_add_element (kept, json_node_copy (node));
    }
  if (json_array_get_length (kept) == 0)
    {
      json_array_unref (kept);
      json_object_remove_member (schema, "required");
    }
  else
    json_object_set_array_member (schema, "required", kept);
}

/* --------------------------------------------------------------- walker */

static void walk (JsonObject *schema,
                  gboolean    is_property,
                  gboolean    is_root,
                  StepFunc    pre,
                  StepFunc    post,
                  gpointer    data);

static void
walk_children (JsonObject *schema,
               StepFunc    pre,
               StepFunc    post,
               gpointer    data)
{
  g_autoptr(GPtrArray) names = member_names (schema);
  guint i;

  for (i = 0; i < names->len; i++)
    {
      const char *key = g_ptr_array_index (names, i);
      JsonNode *value = json_object_get_member (schema, key);

      if (value == NULL || is_data_key (key))
        continue;

      if (is_name_map_key (key) && JSON_NODE_HOLDS_OBJECT (value))
        {
          JsonObject *map = json_node_get_object (value);
          g_autoptr(GPtrArray) props = member_names (map);
          gboolean properties = strcmp (key, "properties") == 0;
          guint j;

          for (j = 0; j < props->len; j++)
            {
              JsonObject *child = get_object (map, g_ptr_array_index (props, j));

              if (child != NULL)
                walk (child, properties, FALSE, pre, post, data);
            }
        }
      else if (JSON_NODE_HOLDS_OBJECT (value))
        walk (json_node_get_object (value), FALSE, FALSE, pre, post, data);
      else if (JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *array = json_node_get_array (value);
          guint j;

          for (j = 0; j < json_array_get_length (array); j++)
            {
              JsonNode *element = json_array_get_element (array, j);

              if (JSON_NODE_HOLDS_OBJECT (element))
                walk (json_node_get_object (element), FALSE, FALSE, pre, post, data);
            }
        }
    }
}

static void
walk (JsonObject *schema,
      gboolean    is_property,
      gboolean    is_root,
      StepFunc    pre,
      StepFunc    post,
      gpointer    data)
{
  /* Nodes may be rewritten in place by a step: keep this one alive. */
  json_object_ref (schema);
  if (pre != NULL)
    pre (schema, is_property, is_root, data);
  walk_children (schema, pre, post, data);
  if (post != NULL)
    post (schema, is_property, is_root, data);
  json_object_unref (schema);
}

/* ------------------------------------------------------- steps 1 to 6 */

static void
step_hints (JsonObject *schema,
            gboolean    is_property,
            gboolean    is_root,
            gpointer    data)
{
  const char *ref = get_string (schema, "$ref");
  JsonArray *enum_values;
  JsonNode *additional;
  guint i;

  /* 1: a reference becomes an object described by the name it pointed to. */
  if (ref != NULL)
    {
      const char *slash = strrchr (ref, '/');
      const char *name = slash != NULL ? slash + 1 : ref;
      const char *description = get_string (schema, "description");
      g_autofree char *text = NULL;

      if (description != NULL && *description != '\0')
        text = g_strdup_printf ("%s (See: %s)", description, name);
      else
        text = g_strdup_printf ("See: %s", name);
      clear_object (schema);
      json_object_set_string_member (schema, "type", "object");
      json_object_set_string_member (schema, "description", text);
      return;
    }

  /* 2: const is a one-value enum. */
  if (json_object_has_member (schema, "const") && !json_object_has_member (schema, "enum"))
    {
      JsonArray *values = json_array_new ();

      json_array_add_element (values, deep_copy (json_object_get_member (schema, "const")));
      json_object_set_array_member (schema, "enum", values);
    }

  /* 3, 4: enum values as strings, the type a string; a short list as a hint. */
  enum_values = get_array (schema, "enum");
  if (enum_values != NULL)
    {
      JsonArray *strings = json_array_new ();
      guint n = json_array_get_length (enum_values);

      for (i = 0; i < n; i++)
        {
          g_autofree char *text = value_to_text (json_array_get_element (enum_values, i));
          json_array_add_string_element (strings, text);
        }
      json_object_set_array_member (schema, "enum", strings);
      json_object_set_string_member (schema, "type", "string");

      if (n >= 2 && n <= 10)
        {
          g_autoptr(GString) hint = g_string_new ("Allowed: ");

          for (i = 0; i < n; i++)
            {
              if (i > 0)
                g_string_append (hint, ", ");
              g_string_append (hint, json_array_get_string_element (strings, i));
            }
          append_hint (schema, hint->str);
        }
    }

  /* 5 */
  additional = json_object_get_member (schema, "additionalProperties");
  if (additional != NULL && JSON_NODE_HOLDS_VALUE (additional) &&
      json_node_get_value_type (additional) == G_TYPE_BOOLEAN &&
      !json_node_get_boolean (additional))
    append_hint (schema, "No extra properties allowed");

  /* 6: scalar constraints Gemini ignores or rejects. */
  for (i = 0; i < G_N_ELEMENTS (constraint_keys); i++)
    {
      JsonNode *value = json_object_get_member (schema, constraint_keys[i]);
      g_autofree char *text = NULL;
      g_autofree char *hint = NULL;

      if (value == NULL || !is_scalar (value))
        continue;
      text = value_to_text (value);
      hint = g_strdup_printf ("%s: %s", constraint_keys[i], text);
      append_hint (schema, hint);
    }
}

/* ---------------------------------------------------------- step 7 */

static void
merge_properties (JsonObject *into,
                  JsonObject *from)
{
  JsonObject *props = get_object (into, "properties");
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (props == NULL)
    {
      props = json_object_new ();
      json_object_set_object_member (into, "properties", props);
    }

  json_object_iter_init_ordered (&iter, from);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    if (!json_object_has_member (props, name))
      json_object_set_member (props, name, deep_copy (member));
}

static void
merge_required (JsonObject *into,
                JsonArray  *from)
{
  JsonArray *required = get_array (into, "required");
  guint i;

  if (required == NULL)
    {
      required = json_array_new ();
      json_object_set_array_member (into, "required", required);
    }

  for (i = 0; i < json_array_get_length (from); i++)
    {
      JsonNode *node = json_array_get_element (from, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          !string_array_contains (required, json_node_get_string (node)))
        json_array_add_string_element (required, json_node_get_string (node));
    }
}

static void
step_all_of (JsonObject *schema,
             gboolean    is_property,
             gboolean    is_root,
             gpointer    data)
{
  JsonArray *all_of = get_array (schema, "allOf");
  guint i;

  if (all_of == NULL)
    return;

  json_array_ref (all_of);
  json_object_remove_member (schema, "allOf");
  for (i = 0; i < json_array_get_length (all_of); i++)
    {
      JsonNode *element = json_array_get_element (all_of, i);
      JsonObject *item, *props;
      JsonArray *required;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      item = json_node_get_object (element);
      if ((props = get_object (item, "properties")) != NULL)
        merge_properties (schema, props);
      if ((required = get_array (item, "required")) != NULL)
        merge_required (schema, required);
    }
  json_array_unref (all_of);
}

/* ---------------------------------------------------------- step 8 */

/* What an alternative is, for the "Accepts:" hint and the choice:
 * objects 3, arrays 2, other types 1, null 0. NULL name if untyped. */
static int
alternative_score (JsonObject  *item,
                   const char **type_name)
{
  const char *type = get_string (item, "type");
  JsonArray *types = get_array (item, "type");

  if (type == NULL && types != NULL)
    {
      guint i;

      for (i = 0; i < json_array_get_length (types) && type == NULL; i++)
        {
          JsonNode *node = json_array_get_element (types, i);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
              g_strcmp0 (json_node_get_string (node), "null") != 0)
            type = json_node_get_string (node);
        }
    }

  if (g_strcmp0 (type, "object") == 0 || json_object_has_member (item, "properties"))
    {
      *type_name = type != NULL ? type : "object";
      return 3;
    }
  if (g_strcmp0 (type, "array") == 0 || json_object_has_member (item, "items"))
    {
      *type_name = type != NULL ? type : "array";
      return 2;
    }
  *type_name = type != NULL && *type != '\0' ? type : NULL;
  if (type != NULL && *type != '\0' && strcmp (type, "null") != 0)
    return 1;
  return 0;
}

static void
flatten_union (JsonObject *schema,
               const char *key)
{
  JsonArray *items = get_array (schema, key);
  JsonObject *props;
  JsonObject *best = NULL;
  int best_score = -1;
  g_autoptr(GPtrArray) types = NULL;
  g_autofree char *parent_description = NULL;
  JsonNode *selected;
  JsonObject *chosen;
  guint i;

  if (items == NULL || json_array_get_length (items) == 0)
    return;

  /* An object schema that already lists its properties keeps them; the
   * alternatives only contribute properties it lacks. */
  props = get_object (schema, "properties");
  if (props != NULL)
    {
      for (i = 0; i < json_array_get_length (items); i++)
        {
          JsonNode *element = json_array_get_element (items, i);
          JsonObject *branch_props;

          if (JSON_NODE_HOLDS_OBJECT (element) &&
              (branch_props = get_object (json_node_get_object (element), "properties")) != NULL)
            merge_properties (schema, branch_props);
        }
      json_object_remove_member (schema, key);
      return;
    }

  types = g_ptr_array_new ();
  for (i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *element = json_array_get_element (items, i);
      const char *type_name = NULL;
      int score;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      score = alternative_score (json_node_get_object (element), &type_name);
      if (type_name != NULL)
        g_ptr_array_add (types, (gpointer) type_name);
      if (score > best_score)
        {
          best_score = score;
          best = json_node_get_object (element);
        }
    }
  if (best == NULL)
    {
      json_object_remove_member (schema, key);
      return;
    }

  parent_description = g_strdup (get_string (schema, "description"));
  {
    g_autoptr(JsonNode) best_node = json_node_init_object (json_node_alloc (), best);
    selected = deep_copy (best_node);
  }
  chosen = json_node_get_object (selected);

  if (parent_description != NULL && *parent_description != '\0')
    {
      const char *child = get_string (chosen, "description");
      g_autofree char *text = NULL;

      if (child != NULL && *child != '\0')
        text = g_strdup_printf ("%s (%s)", parent_description, child);
      else
        text = g_strdup (parent_description);
      json_object_set_string_member (chosen, "description", text);
    }

  if (types->len > 1)
    {
      g_autoptr(GString) hint = g_string_new ("Accepts: ");

      for (i = 0; i < types->len; i++)
        {
          if (i > 0)
            g_string_append (hint, " | ");
          g_string_append (hint, g_ptr_array_index (types, i));
        }
      append_hint (chosen, hint->str);
    }

  replace_object (schema, chosen);
  json_node_unref (selected);
}

static void
step_unions (JsonObject *schema,
             gboolean    is_property,
             gboolean    is_root,
             gpointer    data)
{
  flatten_union (schema, "anyOf");
  flatten_union (schema, "oneOf");
}

/* ---------------------------------------------------------- step 9 */

/* Flattens a type array; TRUE if it allowed null. */
static gboolean
flatten_type_array (JsonObject *schema)
{
  JsonArray *types = get_array (schema, "type");
  g_autoptr(GPtrArray) non_null = NULL;
  g_autofree char *first = NULL;
  gboolean has_null = FALSE;
  guint i;

  if (types == NULL || json_array_get_length (types) == 0)
    return FALSE;

  non_null = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < json_array_get_length (types); i++)
    {
      g_autofree char *text = value_to_text (json_array_get_element (types, i));

      if (strcmp (text, "null") == 0)
        has_null = TRUE;
      else if (*text != '\0')
        g_ptr_array_add (non_null, g_steal_pointer (&text));
    }

  first = g_strdup (non_null->len > 0 ? g_ptr_array_index (non_null, 0) : "string");
  json_object_set_string_member (schema, "type", first);

  if (non_null->len > 1)
    {
      g_autoptr(GString) hint = g_string_new ("Accepts: ");

      for (i = 0; i < non_null->len; i++)
        {
          if (i > 0)
            g_string_append (hint, " | ");
          g_string_append (hint, g_ptr_array_index (non_null, i));
        }
      append_hint (schema, hint->str);
    }
  return has_null;
}

static void
step_type_arrays (JsonObject *schema,
                  gboolean    is_property,
                  gboolean    is_root,
                  gpointer    data)
{
  JsonObject *props = get_object (schema, "properties");
  g_autoptr(GPtrArray) names = NULL;
  guint i;

  /* Properties are handled by their parent, which owns "required";
   * children were already visited (post-order) except for this. */
  if (props != NULL)
    {
      names = member_names (props);
      for (i = 0; i < names->len; i++)
        {
          const char *name = g_ptr_array_index (names, i);
          JsonObject *child = get_object (props, name);

          if (child != NULL && flatten_type_array (child))
            {
              append_hint (child, "(nullable)");
              required_remove (schema, name);
            }
        }
    }

  if (!is_property)
    flatten_type_array (schema);
}

/* --------------------------------------------------------- step 10, 11 */

static void
step_delete (JsonObject *schema,
             gboolean    is_property,
             gboolean    is_root,
             gpointer    data)
{
  SyGeminiSchemaVariant variant = GPOINTER_TO_INT (data);
  g_autoptr(GPtrArray) names = member_names (schema);
  guint i;

  for (i = 0; i < names->len; i++)
    {
      const char *key = g_ptr_array_index (names, i);
      gboolean drop = g_str_has_prefix (key, "x-");
      guint j;

      for (j = 0; !drop && j < G_N_ELEMENTS (constraint_keys); j++)
        drop = strcmp (key, constraint_keys[j]) == 0;
      for (j = 0; !drop && j < G_N_ELEMENTS (unsupported_keys); j++)
        drop = strcmp (key, unsupported_keys[j]) == 0;
      if (!drop && variant == SY_GEMINI_SCHEMA_PLAIN)
        drop = strcmp (key, "nullable") == 0 || strcmp (key, "title") == 0;
      if (drop)
        json_object_remove_member (schema, key);
    }

  if (variant == SY_GEMINI_SCHEMA_PLAIN)
    {
      JsonObject *props = get_object (schema, "properties");
      JsonObject *reason;

      if (props != NULL && json_object_has_member (props, "_"))
        {
          json_object_remove_member (props, "_");
          required_remove (schema, "_");
        }
      if (props != NULL && json_object_get_size (props) == 1 &&
          (reason = get_object (props, "reason")) != NULL &&
          g_strcmp0 (get_string (reason, "description"), PLACEHOLDER_REASON) == 0)
        {
          json_object_remove_member (props, "reason");
          required_remove (schema, "reason");
        }
    }
}

/* ---------------------------------------------------------- step 12 */

static void
step_required (JsonObject *schema,
               gboolean    is_property,
               gboolean    is_root,
               gpointer    data)
{
  JsonArray *required = get_array (schema, "required");
  JsonObject *props = get_object (schema, "properties");
  JsonArray *kept;
  guint i;

  if (required == NULL)
    return;

  kept = json_array_new ();
  for (i = 0; i < json_array_get_length (required); i++)
    {
      JsonNode *node = json_array_get_element (required, i);

      if (props != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING &&
          json_object_has_member (props, json_node_get_string (node)))
        json_array_add_element (kept, json_node_copy (node));
    }
  if (json_array_get_length (kept) == 0)
    {
      json_array_unref (kept);
      json_object_remove_member (schema, "required");
    }
  else
    json_object_set_array_member (schema, "required", kept);
}

/* ---------------------------------------------------------- step 13 */

static void
step_placeholder (JsonObject *schema,
                  gboolean    is_property,
                  gboolean    is_root,
                  gpointer    data)
{
  JsonNode *props_node;
  JsonArray *required;

  if (g_strcmp0 (get_string (schema, "type"), "object") != 0)
    return;

  props_node = json_object_get_member (schema, "properties");
  required = get_array (schema, "required");

  if (props_node == NULL ||
      (JSON_NODE_HOLDS_OBJECT (props_node) &&
       json_object_get_size (json_node_get_object (props_node)) == 0))
    {
      JsonObject *props = json_object_new ();
      JsonObject *reason = json_object_new ();
      JsonArray *names = json_array_new ();

      json_object_set_string_member (reason, "type", "string");
      json_object_set_string_member (reason, "description", PLACEHOLDER_REASON);
      json_object_set_object_member (props, "reason", reason);
      json_object_set_object_member (schema, "properties", props);
      json_array_add_string_element (names, "reason");
      json_object_set_array_member (schema, "required", names);
      return;
    }

  if (!is_root && JSON_NODE_HOLDS_OBJECT (props_node) &&
      (required == NULL || json_array_get_length (required) == 0))
    {
      JsonObject *props = json_node_get_object (props_node);
      JsonArray *names = json_array_new ();

      if (!json_object_has_member (props, "_"))
        {
          JsonObject *flag = json_object_new ();

          json_object_set_string_member (flag, "type", "boolean");
          json_object_set_object_member (props, "_", flag);
        }
      json_array_add_string_element (names, "_");
      json_object_set_array_member (schema, "required", names);
    }
}

/* ---------------------------------------------------------------- API */

JsonNode *
sy_gemini_schema_clean (JsonNode              *schema,
                        SyGeminiSchemaVariant  variant)
{
  JsonNode *copy;
  JsonObject *root;
  gpointer data = GINT_TO_POINTER (variant);

  if (schema == NULL)
    return NULL;

  copy = deep_copy (schema);
  if (!JSON_NODE_HOLDS_OBJECT (copy))
    return copy;
  root = json_node_get_object (copy);

  walk (root, FALSE, TRUE, step_hints, NULL, data);
  walk (root, FALSE, TRUE, NULL, step_all_of, data);
  walk (root, FALSE, TRUE, NULL, step_unions, data);
  walk (root, FALSE, TRUE, NULL, step_type_arrays, data);
  walk (root, FALSE, TRUE, step_delete, NULL, data);
  walk (root, FALSE, TRUE, step_required, NULL, data);
  if (variant == SY_GEMINI_SCHEMA_PLACEHOLDER)
    walk (root, FALSE, TRUE, NULL, step_placeholder, data);

  return copy;
}
