/* translate-test-util.c: JSON and SSE helpers shared by the translation tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "translate-test-util.h"

char *
tt_data_path (const char *relative_path)
{
  const char *base = g_getenv ("SY_TRANSLATE_DATA");

  g_assert_nonnull (base);
  return g_build_filename (base, relative_path, NULL);
}

JsonNode *
tt_load_json (const char *relative_path)
{
  g_autofree char *path = tt_data_path (relative_path);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_node_copy (json_parser_get_root (parser));
}

JsonNode *
tt_parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("cannot parse %s: %s", text, error->message);
  return json_node_copy (json_parser_get_root (parser));
}

char *
tt_to_string (JsonNode *node,
              gboolean  pretty)
{
  if (node == NULL)
    return g_strdup ("(null)");
  return json_to_string (node, pretty);
}

static gboolean
equal_at (JsonNode   *a,
          JsonNode   *b,
          const char *path,
          char      **where)
{
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    goto differ;

  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;

    case JSON_NODE_VALUE:
      {
        GType ta = json_node_get_value_type (a);
        GType tb = json_node_get_value_type (b);
        gboolean na = ta == G_TYPE_INT64 || ta == G_TYPE_DOUBLE;
        gboolean nb = tb == G_TYPE_INT64 || tb == G_TYPE_DOUBLE;

        if (na && nb)
          {
            if (json_node_get_double (a) == json_node_get_double (b))
              return TRUE;
            goto differ;
          }
        if (ta != tb)
          goto differ;
        if (ta == G_TYPE_STRING && g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0)
          return TRUE;
        if (ta == G_TYPE_BOOLEAN && json_node_get_boolean (a) == json_node_get_boolean (b))
          return TRUE;
        goto differ;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *xa = json_node_get_array (a);
        JsonArray *xb = json_node_get_array (b);
        guint i;

        if (json_array_get_length (xa) != json_array_get_length (xb))
          goto differ;
        for (i = 0; i < json_array_get_length (xa); i++)
          {
            g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);

            if (!equal_at (json_array_get_element (xa, i), json_array_get_element (xb, i), sub, where))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *oa = json_node_get_object (a);
        JsonObject *ob = json_node_get_object (b);
        g_autoptr(GList) members = json_object_get_members (oa);
        GList *l;

        for (l = members; l != NULL; l = l->next)
          {
            g_autofree char *sub = g_strdup_printf ("%s.%s", path, (const char *) l->data);

            if (!json_object_has_member (ob, l->data))
              {
                if (where)
                  *where = g_strdup_printf ("%s (only in the first)", sub);
                return FALSE;
              }
            if (!equal_at (json_object_get_member (oa, l->data),
                           json_object_get_member (ob, l->data), sub, where))
              return FALSE;
          }
        g_list_free (members);
        members = json_object_get_members (ob);
        for (l = members; l != NULL; l = l->next)
          if (!json_object_has_member (oa, l->data))
            {
              if (where)
                *where = g_strdup_printf ("%s.%s (only in the second)", path, (const char *) l->data);
              return FALSE;
            }
        return TRUE;
      }

    default:
      break;
    }

differ:
  if (where)
    *where = g_strdup (*path ? path : "(root)");
  return FALSE;
}

gboolean
tt_json_equal (JsonNode *a,
               JsonNode *b,
               char    **where)
{
  if (a == NULL || b == NULL)
    {
      if (where && a != b)
        *where = g_strdup ("(root is NULL)");
      return a == b;
    }
  return equal_at (a, b, "", where);
}

void
tt_assert_json_equal_impl (JsonNode   *actual,
                           JsonNode   *expected,
                           const char *file,
                           int         line)
{
  g_autofree char *where = NULL;

  if (!tt_json_equal (actual, expected, &where))
    {
      g_autofree char *a = tt_to_string (actual, TRUE);
      g_autofree char *e = tt_to_string (expected, TRUE);
      g_autofree char *msg = g_strdup_printf ("JSON differs at %s\n--- actual\n%s\n--- expected\n%s",
                                              where, a, e);

      g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, msg);
    }
}

void
tt_frame_free (TtFrame *frame)
{
  g_free (frame->event);
  g_free (frame->data);
  g_free (frame);
}

GPtrArray *
tt_sse_parse (const char *text,
              gsize       len)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) tt_frame_free);
  g_autofree char *copy = g_strndup (text, len);
  g_auto(GStrv) blocks = NULL;
  char *p;
  guint i;

  /* Normalise CRLF, then split on blank lines. */
  for (p = copy; *p; p++)
    if (*p == '\r')
      *p = '\n';
  blocks = g_strsplit (copy, "\n\n", -1);
  for (i = 0; blocks[i] != NULL; i++)
    {
      g_auto(GStrv) lines = g_strsplit (blocks[i], "\n", -1);
      g_autoptr(GString) data = NULL;
      char *event = NULL;
      guint j;

      for (j = 0; lines[j] != NULL; j++)
        {
          const char *line = lines[j];

          if (g_str_has_prefix (line, "event:"))
            {
              g_free (event);
              event = g_strdup (g_strstrip (lines[j] + 6));
            }
          else if (g_str_has_prefix (line, "data:"))
            {
              const char *v = line + 5;

              if (*v == ' ')
                v++;
              if (data == NULL)
                data = g_string_new (v);
              else
                {
                  g_string_append_c (data, '\n');
                  g_string_append (data, v);
                }
            }
        }
      if (data != NULL || event != NULL)
        {
          TtFrame *frame = g_new0 (TtFrame, 1);

          frame->event = event;
          frame->data = data ? g_string_free (g_steal_pointer (&data), FALSE) : g_strdup ("");
          g_ptr_array_add (frames, frame);
        }
    }
  return frames;
}
