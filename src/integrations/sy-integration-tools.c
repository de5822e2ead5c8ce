/* sy-integration-tools.c: each tool's files and how Switchyard merges into them
 *
 * What is written follows each tool's own documentation:
 *   Claude Code  ~/.claude/settings.json      env.ANTHROPIC_BASE_URL, env.ANTHROPIC_AUTH_TOKEN
 *   Codex CLI    ~/.codex/config.toml         model_provider + [model_providers.switchyard]
 *   Gemini CLI   ~/.gemini/.env               GOOGLE_GEMINI_BASE_URL, GEMINI_API_KEY
 *                ~/.gemini/settings.json      security.auth.selectedType = "gemini-api-key"
 *   OpenCode     ~/.config/opencode/opencode.json  provider.switchyard (OpenAI-compatible)
 *   Droid        ~/.factory/settings.json     customModels[] entry per model
 *   Continue     ~/.continue/config.yaml      models[] entry per model (provider openai, apiBase)
 *   Cline        ~/.cline/data/settings/providers.json  providers["openai-compatible"]
 *                                             (baseUrl, apiKey, model), lastUsedProvider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <yaml.h>

#include "sy-integration.h"
#include "sy-json.h"
#include "sy-json-write.h"
#include "sy-toml-edit.h"

/* What the tools send as their key when Switchyard has no api-keys (they
 * refuse to start without one; Switchyard then ignores it). */
#define PLACEHOLDER_KEY "switchyard"

static const char *
client_key (const SyIntegrationContext *context)
{
  return context->api_key != NULL && *context->api_key != '\0' ? context->api_key : PLACEHOLDER_KEY;
}

/* JSON files --------------------------------------------------------------- */

#define UTF8_BOM "\xef\xbb\xbf"

/* The file's object (a new one when the file is absent or blank). The
 * reader is strict JSON: a comment or a trailing comma, which a lenient
 * reader would silently drop on the way back, is refused instead, with
 * the line and column. */
static JsonNode *
load_object (const char  *text,
             GError     **error)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (text != NULL && g_str_has_prefix (text, UTF8_BOM))
    text += strlen (UTF8_BOM);
  if (text == NULL || text[strspn (text, " \t\r\n")] == '\0')
    {
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
      return root;
    }
  root = sy_json_read (text, -1, &local);
  if (root == NULL)
    {
      gsize at = 0, line = 1, column = 1;
      const char *message = local->message;

      if (sscanf (local->message, "at byte %" G_GSIZE_FORMAT ": ", &at) == 1 &&
          (message = strstr (local->message, ": ")) != NULL)
        {
          message += 2;
          for (gsize i = 0; i < at && text[i] != '\0'; i++)
            {
              if (text[i] == '\n')
                {
                  line++;
                  column = 1;
                }
              else if (((guchar) text[i] & 0xc0) != 0x80)
                column++;
            }
        }
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("not plain JSON at line %lu, column %lu: %s"),
                   (gulong) line, (gulong) column, message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE, _("not a JSON object"));
      return NULL;
    }
  return root;
}

/* @parent's member @name as an object, made when absent; NULL (error)
 * when it is something else. */
static JsonObject *
child_object (JsonObject  *parent,
              const char  *name,
              GError     **error)
{
  JsonNode *node = json_object_get_member (parent, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      json_object_set_object_member (parent, name, json_object_new ());
      return json_object_get_object_member (parent, name);
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("\"%s\" is not an object"), name);
      return NULL;
    }
  return json_node_get_object (node);
}

/* A file whose text stays as it was when the merge changes nothing in its
 * values (the user's formatting is not rewritten for nothing). */
static char *
dump_if_changed (JsonNode   *root,
                 const char *old_text)
{
  g_autoptr(JsonNode) before = NULL;

  if (old_text != NULL && (before = load_object (old_text, NULL)) != NULL &&
      json_node_equal (before, root))
    return g_strdup (old_text);
  return sy_json_write_like (root, old_text);
}

/* Claude Code ------------------------------------------------------------- */

static char *
merge_claude_settings (const SyIntegrationContext *context,
                       const char                 *old_text,
                       GError                    **error)
{
  g_autoptr(JsonNode) root = load_object (old_text, error);
  JsonObject *env;

  if (root == NULL)
    return NULL;
  env = child_object (json_node_get_object (root), "env", error);
  if (env == NULL)
    return NULL;
  /* Claude Code adds /v1/messages itself: the bare root. */
  json_object_set_string_member (env, "ANTHROPIC_BASE_URL", context->base_url);
  json_object_set_string_member (env, "ANTHROPIC_AUTH_TOKEN", client_key (context));
  if (context->model != NULL)
    json_object_set_string_member (env, "ANTHROPIC_MODEL", context->model);
  return dump_if_changed (root, old_text);
}

static const SyIntegrationFile claude_files[] = {
  { ".claude/settings.json", merge_claude_settings },
};

/* Codex CLI --------------------------------------------------------------- */

static char *
merge_codex_config (const SyIntegrationContext *context,
                    const char                 *old_text,
                    GError                    **error)
{
  g_autofree char *text = g_strdup (old_text != NULL ? old_text : "");
  g_autofree char *url = g_strconcat (context->base_url, "/v1", NULL);
  g_autofree char *q_url = sy_toml_quote_string (url);
  g_autoptr(GString) body = g_string_new (NULL);
  char *next;

  if (context->model != NULL)
    {
      g_autofree char *q_model = sy_toml_quote_string (context->model);

      next = sy_toml_set_top_level (text, "model", q_model, error);
      if (next == NULL)
        return NULL;
      g_free (text);
      text = next;
    }
  next = sy_toml_set_top_level (text, "model_provider", "\"switchyard\"", error);
  if (next == NULL)
    return NULL;
  g_free (text);
  text = next;

  g_string_append (body, "name = \"Switchyard\"\n");
  g_string_append_printf (body, "base_url = %s\n", q_url);
  g_string_append (body, "wire_api = \"responses\"\n");
  if (context->api_key != NULL && *context->api_key != '\0')
    {
      g_autofree char *q_key = sy_toml_quote_string (context->api_key);

      g_string_append_printf (body, "experimental_bearer_token = %s\n", q_key);
    }
  return sy_toml_set_table (text, "model_providers.switchyard", body->str, error);
}

static const SyIntegrationFile codex_files[] = {
  { ".codex/config.toml", merge_codex_config },
};

/* Gemini CLI -------------------------------------------------------------- */

/* A dotenv value, quoted when it holds what would end or change it. The
 * dotenv readers (Gemini CLI's is the npm package) take quotes without
 * escapes: a quote the value does not contain is chosen. */
static char *
dotenv_value (const char *value)
{
  if (strpbrk (value, " \t#\"'`$\\") == NULL)
    return g_strdup (value);
  if (strchr (value, '\'') == NULL)
    return g_strdup_printf ("'%s'", value);
  if (strchr (value, '"') == NULL)
    return g_strdup_printf ("\"%s\"", value);
  return g_strdup_printf ("`%s`", value);
}

/* Whether @line (no line ending) sets @name: `NAME=...`, `export NAME=...`. */
static gboolean
dotenv_sets (const char *line,
             const char *name)
{
  gsize n = strlen (name);

  while (*line == ' ' || *line == '\t')
    line++;
  if (g_str_has_prefix (line, "export ") || g_str_has_prefix (line, "export\t"))
    for (line += 7; *line == ' ' || *line == '\t'; line++)
      ;
  if (strncmp (line, name, n) != 0)
    return FALSE;
  for (line += n; *line == ' ' || *line == '\t'; line++)
    ;
  return *line == '=';
}

/* @text with @name set to @value: each line that sets it replaced (line
 * ending kept), or a line appended. */
static char *
dotenv_set (const char *text,
            const char *name,
            const char *value)
{
  GString *out = g_string_new (NULL);
  g_autofree char *quoted = dotenv_value (value);
  const char *nl0 = strchr (text, '\n');
  const char *eol = nl0 != NULL && nl0 > text && nl0[-1] == '\r' ? "\r\n" : "\n";
  const char *p = text;
  gboolean found = FALSE;

  while (*p != '\0')
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl != NULL ? (gsize) (nl - p) : strlen (p);
      g_autofree char *line = g_strndup (p, len);

      if (dotenv_sets (line, name))
        {
          gboolean cr = len > 0 && line[len - 1] == '\r';

          g_string_append_printf (out, "%s=%s%s%s", name, quoted, cr ? "\r" : "", nl != NULL ? "\n" : "");
          found = TRUE;
        }
      else
        g_string_append_len (out, p, (gssize) (len + (nl != NULL)));
      p += len + (nl != NULL);
    }
  if (!found)
    {
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append (out, eol);
      g_string_append_printf (out, "%s=%s%s", name, quoted, eol);
    }
  return g_string_free (out, FALSE);
}

static char *
merge_gemini_env (const SyIntegrationContext *context,
                  const char                 *old_text,
                  GError                    **error)
{
  g_autofree char *a = dotenv_set (old_text != NULL ? old_text : "", "GOOGLE_GEMINI_BASE_URL", context->base_url);
  g_autofree char *b = dotenv_set (a, "GEMINI_API_KEY", client_key (context));

  if (context->model != NULL)
    return dotenv_set (b, "GEMINI_MODEL", context->model);
  return g_steal_pointer (&b);
}

static char *
merge_gemini_settings (const SyIntegrationContext *context,
                       const char                 *old_text,
                       GError                    **error)
{
  g_autoptr(JsonNode) root = load_object (old_text, error);
  JsonObject *security, *auth;

  if (root == NULL)
    return NULL;
  /* The key, not a Google sign-in: otherwise the CLI asks to sign in. */
  if ((security = child_object (json_node_get_object (root), "security", error)) == NULL ||
      (auth = child_object (security, "auth", error)) == NULL)
    return NULL;
  json_object_set_string_member (auth, "selectedType", "gemini-api-key");
  return dump_if_changed (root, old_text);
}

static const SyIntegrationFile gemini_files[] = {
  { ".gemini/.env", merge_gemini_env },
  { ".gemini/settings.json", merge_gemini_settings },
};

/* OpenCode ---------------------------------------------------------------- */

static char *
merge_opencode (const SyIntegrationContext *context,
                const char                 *old_text,
                GError                    **error)
{
  g_autoptr(JsonNode) root = load_object (old_text, error);
  g_autofree char *url = g_strconcat (context->base_url, "/v1", NULL);
  JsonObject *top, *providers, *ours, *options, *models;

  if (root == NULL)
    return NULL;
  top = json_node_get_object (root);
  if (!json_object_has_member (top, "$schema") && old_text == NULL)
    json_object_set_string_member (top, "$schema", "https://opencode.ai/config.json");
  if ((providers = child_object (top, "provider", error)) == NULL ||
      (ours = child_object (providers, "switchyard", error)) == NULL ||
      (options = child_object (ours, "options", error)) == NULL ||
      (models = child_object (ours, "models", error)) == NULL)
    return NULL;
  json_object_set_string_member (ours, "npm", "@ai-sdk/openai-compatible");
  json_object_set_string_member (ours, "name", "Switchyard");
  json_object_set_string_member (options, "baseURL", url);
  json_object_set_string_member (options, "apiKey", client_key (context));
  if (context->model != NULL)
    {
      g_autofree char *ref = g_strconcat ("switchyard/", context->model, NULL);
      JsonObject *model = child_object (models, context->model, error);

      if (model == NULL)
        return NULL;
      json_object_set_string_member (model, "name", context->model);
      json_object_set_string_member (top, "model", ref);
    }
  return dump_if_changed (root, old_text);
}

static const SyIntegrationFile opencode_files[] = {
  { ".config/opencode/opencode.json", merge_opencode },
};

/* Factory Droid ----------------------------------------------------------- */

static char *
merge_droid (const SyIntegrationContext *context,
             const char                 *old_text,
             GError                    **error)
{
  g_autoptr(JsonNode) root = load_object (old_text, error);
  g_autofree char *url = g_strconcat (context->base_url, "/v1", NULL);
  g_autofree char *display = NULL;
  JsonObject *top, *entry = NULL;
  JsonNode *node;
  JsonArray *models;

  if (root == NULL)
    return NULL;
  if (context->model == NULL)
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("Droid lists custom models one by one: name one with --model"));
      return NULL;
    }
  top = json_node_get_object (root);
  node = json_object_get_member (top, "customModels");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    json_object_set_array_member (top, "customModels", json_array_new ());
  else if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE, _("\"customModels\" is not an array"));
      return NULL;
    }
  models = json_object_get_array_member (top, "customModels");
  /* Our entry for this model (same model, our base URL) is updated. */
  for (guint i = 0; i < json_array_get_length (models) && entry == NULL; i++)
    {
      JsonNode *item = json_array_get_element (models, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;

      if (o != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (o, "model", NULL), context->model) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (o, "baseUrl", NULL), url) == 0)
        entry = o;
    }
  if (entry == NULL)
    {
      entry = json_object_new ();
      json_array_add_object_element (models, entry);
    }
  display = g_strdup_printf ("%s [Switchyard]", context->model);
  json_object_set_string_member (entry, "model", context->model);
  json_object_set_string_member (entry, "displayName", display);
  json_object_set_string_member (entry, "baseUrl", url);
  json_object_set_string_member (entry, "apiKey", client_key (context));
  /* "openai": Droid speaks the Responses API, which Switchyard serves. */
  json_object_set_string_member (entry, "provider", "openai");
  return dump_if_changed (root, old_text);
}

static const SyIntegrationFile droid_files[] = {
  { ".factory/settings.json", merge_droid },
};

/* Continue ---------------------------------------------------------------- */

/* @value as a YAML double-quoted scalar. */
static char *
yaml_quote (const char *value)
{
  GString *out = g_string_new ("\"");

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02X", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static const char *
yaml_scalar (yaml_document_t *doc,
             yaml_node_t     *map,
             const char      *key)
{
  if (map == NULL || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
    {
      yaml_node_t *k = yaml_document_get_node (doc, pair->key);
      yaml_node_t *v = yaml_document_get_node (doc, pair->value);

      if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp ((char *) k->data.scalar.value, key) == 0)
        return v != NULL && v->type == YAML_SCALAR_NODE ? (const char *) v->data.scalar.value : NULL;
    }
  return NULL;
}

/* Whether @text is YAML whose top level is a mapping (or empty) and, when
 * @name is given, whose `models` list has an entry @name with @url. */
static gboolean
continue_check (const char *text,
                const char *name,
                const char *url)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_node_t *root, *models = NULL;
  gboolean ok = FALSE;

  if (!yaml_parser_initialize (&parser))
    return FALSE;
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, strlen (text));
  if (!yaml_parser_load (&parser, &doc))
    {
      yaml_parser_delete (&parser);
      return FALSE;
    }
  root = yaml_document_get_root_node (&doc);
  if (root == NULL)
    ok = name == NULL;
  else if (root->type == YAML_MAPPING_NODE)
    {
      if (name == NULL)
        ok = TRUE;
      for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
           name != NULL && pair < root->data.mapping.pairs.top; pair++)
        {
          yaml_node_t *k = yaml_document_get_node (&doc, pair->key);

          if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp ((char *) k->data.scalar.value, "models") == 0)
            models = yaml_document_get_node (&doc, pair->value);
        }
      if (models != NULL && models->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *item = models->data.sequence.items.start; item < models->data.sequence.items.top; item++)
          {
            yaml_node_t *entry = yaml_document_get_node (&doc, *item);

            if (g_strcmp0 (yaml_scalar (&doc, entry, "name"), name) == 0 &&
                g_strcmp0 (yaml_scalar (&doc, entry, "apiBase"), url) == 0)
              ok = TRUE;
          }
    }
  yaml_document_delete (&doc);
  yaml_parser_delete (&parser);
  return ok;
}

static gboolean
blank_or_comment (const char *line)
{
  line += strspn (line, " \t\r");
  return *line == '\0' || *line == '\n' || *line == '#';
}

/* Continue's config.yaml: our entry in the top-level `models` block list,
 * replaced when it is there (by its name), else added after the last
 * entry. Line-level, like the TOML editor; the result is read back with
 * libyaml and must hold the entry, else the file is left alone. */
static char *
merge_continue (const SyIntegrationContext *context,
                const char                 *old_text,
                GError                    **error)
{
  g_autofree char *url = g_strconcat (context->base_url, "/v1", NULL);
  g_autofree char *name = NULL;
  g_autofree char *q_name = NULL, *q_model = NULL, *q_url = NULL, *q_key = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) item = g_string_new (NULL);
  GString *out;
  const char *p;
  const char *eol = "\n";
  int models = -1, block_end = -1, last_content = -1, ours_start = -1, ours_end = -1;
  guint indent = 2;
  gboolean indent_known = FALSE;

  if (context->model == NULL)
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("Continue lists models one by one: name one with --model"));
      return NULL;
    }
  name = g_strdup_printf ("%s (Switchyard)", context->model);
  q_name = yaml_quote (name);
  q_model = yaml_quote (context->model);
  q_url = yaml_quote (url);
  q_key = yaml_quote (client_key (context));

  if (old_text == NULL || old_text[strspn (old_text, " \t\r\n")] == '\0')
    return g_strdup_printf ("name: Local Config\nversion: 1.0.0\nschema: v1\nmodels:\n"
                            "  - name: %s\n    provider: openai\n    model: %s\n"
                            "    apiBase: %s\n    apiKey: %s\n", q_name, q_model, q_url, q_key);
  if (!continue_check (old_text, NULL, NULL))
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE, _("not a YAML mapping"));
      return NULL;
    }

  for (p = old_text; *p != '\0'; )
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl != NULL ? (gsize) (nl - p) + 1 : strlen (p);

      g_ptr_array_add (lines, g_strndup (p, len));
      p += len;
    }
  if (strstr (old_text, "\r\n") != NULL)
    eol = "\r\n";

  /* The block after `models:` at column 0: indented lines, `- ` lines at
   * column 0, blank lines and comments. */
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = lines->pdata[i];

      if (models < 0)
        {
          if (g_str_has_prefix (line, "models:"))
            {
              if (!blank_or_comment (line + 7))
                {
                  g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                               _("`models` is not written as a block list; not changed"));
                  return NULL;
                }
              models = (int) i;
              block_end = (int) i + 1;
              last_content = (int) i;
            }
          continue;
        }
      if (blank_or_comment (line))
        continue;
      if (line[0] != ' ' && line[0] != '\t' && !g_str_has_prefix (line, "- ") && strcmp (line, "-\n") != 0)
        break;
      block_end = (int) i + 1;
      last_content = (int) i;
      if (!indent_known)
        {
          indent = (guint) strspn (line, " ");
          indent_known = TRUE;
        }
    }

  /* Our entry: from its `- ` line to the next entry's or the block's end. */
  for (int i = models + 1; models >= 0 && i < block_end; i++)
    {
      const char *line = lines->pdata[i];
      gboolean starts = strspn (line, " ") == indent && line[indent] == '-';

      if (starts && ours_start >= 0 && ours_end < 0)
        ours_end = i;
      if (starts && ours_start < 0)
        {
          const char *rest = line + indent + 1 + strspn (line + indent + 1, " ");
          g_autofree char *want = g_strdup_printf ("name: %s", q_name);

          if (g_str_has_prefix (rest, want))
            ours_start = i;
        }
    }
  if (ours_start >= 0 && ours_end < 0)
    ours_end = last_content + 1;
  /* Comments and blank lines before the next entry stay with it. */
  while (ours_start >= 0 && ours_end - 1 > ours_start && blank_or_comment (lines->pdata[ours_end - 1]))
    ours_end--;

  g_string_append_printf (item, "%*s- name: %s%s", indent, "", q_name, eol);
  g_string_append_printf (item, "%*s  provider: openai%s", indent, "", eol);
  g_string_append_printf (item, "%*s  model: %s%s", indent, "", q_model, eol);
  g_string_append_printf (item, "%*s  apiBase: %s%s", indent, "", q_url, eol);
  g_string_append_printf (item, "%*s  apiKey: %s%s", indent, "", q_key, eol);

  out = g_string_new (NULL);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = lines->pdata[i];

      if ((int) i == ours_start)
        g_string_append (out, item->str);
      if (ours_start >= 0 && (int) i >= ours_start && (int) i < ours_end)
        continue;
      g_string_append (out, line);
      if (ours_start < 0 && models >= 0 && (int) i == last_content)
        {
          if (!g_str_has_suffix (line, "\n"))
            g_string_append (out, eol);
          g_string_append (out, item->str);
        }
    }
  if (models < 0)
    {
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append (out, eol);
      g_string_append_printf (out, "models:%s", eol);
      g_string_append (out, item->str);
    }
  if (!continue_check (out->str, name, url))
    {
      g_string_free (out, TRUE);
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("its `models` list is written in a form this editor leaves alone; not changed"));
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static const SyIntegrationFile continue_files[] = {
  { ".continue/config.yaml", merge_continue },
};

/* Cline ------------------------------------------------------------------- */

/* Cline's id for its "OpenAI Compatible" provider. */
#define CLINE_PROVIDER "openai-compatible"

/* Now as Cline writes its timestamps (JavaScript's toISOString). */
static char *
cline_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *seconds = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (now) / 1000);
}

static gboolean
cline_time_ok (JsonNode *node)
{
  g_autoptr(GDateTime) parsed = NULL;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  text = json_node_get_string (node);
  parsed = g_date_time_new_from_iso8601 (text, NULL);
  return parsed != NULL && g_str_has_suffix (text, "Z");
}

/* Cline's providers.json (CLI 3.x, @cline/core): {version: 1,
 * lastUsedProvider, modes, providers: {ID: {settings, updatedAt,
 * tokenSource}}}. Cline reads the whole file through a schema and treats
 * a file that fails it as empty, so what is written has every member the
 * schema requires. One entry per provider id, so the OpenAI-compatible
 * one is Switchyard's; the other providers stay. */
static char *
merge_cline (const SyIntegrationContext *context,
             const char                 *old_text,
             GError                    **error)
{
  g_autoptr(JsonNode) root = load_object (old_text, error);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *url = g_strconcat (context->base_url, "/v1", NULL);
  JsonObject *top, *providers, *entry, *settings;
  JsonNode *version, *stamp;

  if (root == NULL)
    return NULL;
  if (context->model == NULL)
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("Cline keeps one model per provider: name one with --model"));
      return NULL;
    }
  top = json_node_get_object (root);
  version = json_object_get_member (top, "version");
  if (version != NULL && !(JSON_NODE_HOLDS_VALUE (version) &&
                           json_node_get_value_type (version) == G_TYPE_INT64 &&
                           json_node_get_int (version) == 1))
    {
      g_set_error (error, SY_INTEGRATION_ERROR, SY_INTEGRATION_ERROR_PARSE,
                   _("its \"version\" is not 1, the only one this setup knows; not changed"));
      return NULL;
    }
  if (version == NULL)
    json_object_set_int_member (top, "version", 1);
  json_object_set_string_member (top, "lastUsedProvider", CLINE_PROVIDER);
  if (child_object (top, "modes", error) == NULL ||
      (providers = child_object (top, "providers", error)) == NULL ||
      (entry = child_object (providers, CLINE_PROVIDER, error)) == NULL)
    return NULL;
  /* As text: json_node_copy () would share the object. */
  if (json_object_has_member (entry, "settings"))
    before = sy_json_write_like (json_object_get_member (entry, "settings"), NULL);
  if ((settings = child_object (entry, "settings", error)) == NULL)
    return NULL;
  json_object_set_string_member (settings, "provider", CLINE_PROVIDER);
  json_object_set_string_member (settings, "apiKey", client_key (context));
  json_object_set_string_member (settings, "model", context->model);
  json_object_set_string_member (settings, "baseUrl", url);
  /* The time only when the settings change, so that setting up again
   * changes nothing; or when it is not one Cline's schema takes (an ISO
   * 8601 time in UTC, "Z"), which would make Cline drop the whole file. */
  after = sy_json_write_like (json_object_get_member (entry, "settings"), NULL);
  stamp = json_object_get_member (entry, "updatedAt");
  if (g_strcmp0 (before, after) != 0 || !cline_time_ok (stamp))
    {
      g_autofree char *now = cline_now ();

      json_object_set_string_member (entry, "updatedAt", now);
    }
  if (!json_object_has_member (entry, "tokenSource"))
    json_object_set_string_member (entry, "tokenSource", "manual");
  return dump_if_changed (root, old_text);
}

static const SyIntegrationFile cline_files[] = {
  { ".cline/data/settings/providers.json", merge_cline },
};

/* The list ---------------------------------------------------------------- */

static const SyIntegration tools[] = {
  { "claude-code", "Claude Code", claude_files, G_N_ELEMENTS (claude_files) },
  { "codex", "Codex CLI", codex_files, G_N_ELEMENTS (codex_files) },
  { "gemini-cli", "Gemini CLI", gemini_files, G_N_ELEMENTS (gemini_files) },
  { "opencode", "OpenCode", opencode_files, G_N_ELEMENTS (opencode_files) },
  { "droid", "Factory Droid", droid_files, G_N_ELEMENTS (droid_files) },
  { "continue", "Continue", continue_files, G_N_ELEMENTS (continue_files) },
  { "cline", "Cline", cline_files, G_N_ELEMENTS (cline_files) },
};

static const SyIntegration * const tool_list[] = {
  &tools[0], &tools[1], &tools[2], &tools[3], &tools[4], &tools[5], &tools[6], NULL,
};

const SyIntegration * const *
sy_integrations (void)
{
  return tool_list;
}

const SyIntegration *
sy_integration_lookup (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    if (g_strcmp0 (tools[i].id, id) == 0)
      return &tools[i];
  return NULL;
}
