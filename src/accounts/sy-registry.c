/* sy-registry.c: accounts and the models they serve, for one config snapshot
 *
 * A registry is built once per config snapshot and never changes afterwards,
 * except for its round-robin cursors. Requests hold a reference to the
 * registry they started with, so a reload never pulls an account from under
 * a request in flight.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-accounts"

#include "config.h"

#include <string.h>

#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-model-alias.h"
#include "sy-registry.h"
#include "sy-resources.h"

struct _SyRegistry
{
  gint        ref_count;
  SyConfig   *config;
  GPtrArray  *accounts;     /* SyAccount* */
  GPtrArray  *models;       /* SyModelInfo*, in listing order */
  GHashTable *models_by_id; /* lower-case id -> SyModelInfo* (borrowed) */
  GHashTable *routes;       /* lower-case client id -> GPtrArray of SyRoute* */
  GHashTable *cursors;      /* lower-case client id -> GUINT_TO_POINTER (next) */
  SyPayloadRules *payload;  /* config's payload: rules */
  GPtrArray  *mappings;     /* Mapping*: model-mappings, in order */
  SyAccountPool *pool;      /* live account state, shared across snapshots */
  JsonNode   *catalogue;    /* the model catalogue (object): built in, or model-catalog */
  GPtrArray  *login_entries; /* SyUpstreamEntry* made for logins (owned) */
  SyModelAliases *aliases;  /* oauth-model-alias, oauth-excluded-models */
};

/* A model-mappings entry: requests for @from are served as @to. */
typedef struct
{
  char   *from;             /* lower-case, exact names */
  GRegex *regex;            /* regex: true */
  char   *to;
} Mapping;

static void
mapping_free (gpointer data)
{
  Mapping *m = data;

  g_free (m->from);
  g_clear_pointer (&m->regex, g_regex_unref);
  g_free (m->to);
  g_free (m);
}

static void
sy_account_free (SyAccount *account)
{
  g_free (account->id);
  g_free (account->provider);
  g_free (account->label);
  g_clear_object (&account->state);
  g_clear_object (&account->credential);
  g_free (account);
}

static void
sy_route_free (SyRoute *route)
{
  g_free (route->upstream_model);
  g_free (route);
}

static void
sy_model_info_free (SyModelInfo *info)
{
  g_free (info->id);
  g_free (info->owned_by);
  g_free (info->display_name);
  g_free (info->description);
  g_free (info);
}

/* "gemini-2.5-pro(8192)" -> "gemini-2.5-pro"; NULL when there is no suffix. */
char *
sy_model_strip_suffix (const char *model)
{
  const char *open;
  gsize len;

  if (model == NULL)
    return NULL;
  len = strlen (model);
  if (len < 3 || model[len - 1] != ')')
    return NULL;
  open = strrchr (model, '(');
  if (open == NULL || open == model)
    return NULL;
  return g_strndup (model, open - model);
}

static JsonNode *
builtin_catalogue (void)
{
  static JsonNode *catalogue;

  if (g_once_init_enter (&catalogue))
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonNode *root = NULL;

      bytes = g_resource_lookup_data (sy_get_resource (),
                                      "/org/switchyard/Switchyard/models.json",
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      if (bytes != NULL &&
          sy_json_parser_load (parser, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), &error))
        root = json_node_copy (json_parser_get_root (parser));
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          g_autoptr(JsonObject) empty = json_object_new ();

          g_critical ("built-in model catalogue unreadable: %s", error ? error->message : "not an object");
          g_clear_pointer (&root, json_node_unref);
          root = json_node_init_object (json_node_alloc (), empty);
        }
      g_once_init_leave (&catalogue, root);
    }

  return catalogue;
}

/* model-catalog: FILE (relative to the config's directory, '~' expanded)
 * replaces the built-in catalogue, for models newer than this build. A
 * file that cannot be used is reported and the built-in one serves. */
static JsonNode *
load_catalogue (SyConfig *config)
{
  JsonNode *setting = sy_config_lookup (config, "model-catalog");
  const char *name;
  g_autofree char *path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  JsonNode *root;

  if (setting == NULL || !JSON_NODE_HOLDS_VALUE (setting) ||
      json_node_get_value_type (setting) != G_TYPE_STRING ||
      *(name = json_node_get_string (setting)) == '\0')
    return json_node_ref (builtin_catalogue ());

  if (name[0] == '~' && (name[1] == '/' || name[1] == '\0'))
    path = g_build_filename (g_get_home_dir (), name + 1, NULL);
  else if (!g_path_is_absolute (name) && config->path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (config->path);

      path = g_build_filename (dir, name, NULL);
    }
  else
    path = g_strdup (name);

  if (!g_file_get_contents (path, &text, &length, &error) ||
      !sy_json_parser_load (parser, text, (gssize) length, &error))
    {
      g_warning ("model-catalog %s: %s; using the built-in catalogue", path, error->message);
      return json_node_ref (builtin_catalogue ());
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_warning ("model-catalog %s: not a JSON object of provider lists; using the built-in catalogue", path);
      return json_node_ref (builtin_catalogue ());
    }
  g_info ("Model catalogue from %s", path);
  return json_node_ref (root);
}

static const char *
catalogue_key (SyUpstreamKind kind)
{
  switch (kind)
    {
    case SY_UPSTREAM_CLAUDE: return "claude";
    case SY_UPSTREAM_GEMINI: return "gemini";
    case SY_UPSTREAM_VERTEX: return "vertex";
    case SY_UPSTREAM_CODEX:  return "codex-pro";
    case SY_UPSTREAM_OPENAI_COMPAT:
    default:                 return NULL;
    }
}

static const char *
default_owner (SyUpstreamKind kind)
{
  switch (kind)
    {
    case SY_UPSTREAM_CLAUDE: return "anthropic";
    case SY_UPSTREAM_GEMINI:
    case SY_UPSTREAM_VERTEX: return "google";
    case SY_UPSTREAM_CODEX:  return "openai";
    case SY_UPSTREAM_OPENAI_COMPAT:
    default:                 return NULL;
    }
}

static gboolean
is_excluded (SyUpstreamEntry *entry,
             const char      *model)
{
  g_autofree char *lower = g_ascii_strdown (model, -1);

  for (guint i = 0; entry->excluded_models && entry->excluded_models[i]; i++)
    if (sy_model_glob_match (entry->excluded_models[i], lower))
      return TRUE;
  return FALSE;
}

/* The catalogue is our own resource: json-glib's plain getters will do. */
#define CAT_STR(obj, name) json_object_get_string_member_with_default (obj, name, NULL)
#define CAT_INT(obj, name) json_object_get_int_member_with_default (obj, name, 0)

/* Routes @client_id to @account as @upstream_model; @listed puts it in the
 * model lists as well. */
static void
add_route (SyRegistry  *self,
           SyAccount   *account,
           const char  *client_id,
           const char  *upstream_model,
           gboolean     listed,
           JsonObject  *catalogue_entry)
{
  g_autofree char *key = g_ascii_strdown (client_id, -1);
  GPtrArray *routes;
  SyRoute *route;

  routes = g_hash_table_lookup (self->routes, key);
  if (routes == NULL)
    {
      routes = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_route_free);
      g_hash_table_insert (self->routes, g_strdup (key), routes);
    }
  route = g_new0 (SyRoute, 1);
  route->account = account;
  route->upstream_model = g_strdup (upstream_model);
  route->catalogue = catalogue_entry;
  g_ptr_array_add (routes, route);

  if (listed && !g_hash_table_contains (self->models_by_id, key))
    {
      SyModelInfo *info = g_new0 (SyModelInfo, 1);
      const char *owner = default_owner (account->entry->kind);

      info->id = g_strdup (client_id);
      if (catalogue_entry != NULL)
        {
          const char *s;

          if ((s = CAT_STR (catalogue_entry, "owned_by")) != NULL)
            owner = s;
          info->display_name = g_strdup (CAT_STR (catalogue_entry, "display_name"));
          if (info->display_name == NULL)
            info->display_name = g_strdup (CAT_STR (catalogue_entry, "displayName"));
          info->description = g_strdup (CAT_STR (catalogue_entry, "description"));
          info->created = CAT_INT (catalogue_entry, "created");
          info->input_token_limit = CAT_INT (catalogue_entry, "inputTokenLimit");
          if (info->input_token_limit == 0)
            info->input_token_limit = CAT_INT (catalogue_entry, "context_length");
          info->output_token_limit = CAT_INT (catalogue_entry, "outputTokenLimit");
          if (info->output_token_limit == 0)
            info->output_token_limit = CAT_INT (catalogue_entry, "max_completion_tokens");
        }
      info->owned_by = g_strdup (owner ? owner : account->provider);
      g_ptr_array_add (self->models, info);
      g_hash_table_insert (self->models_by_id, g_strdup (key), info);
    }
}

static int
compare_priority (gconstpointer a,
                  gconstpointer b)
{
  const SyRoute *ra = *(SyRoute * const *) a;
  const SyRoute *rb = *(SyRoute * const *) b;
  int pa = ra->account->entry->priority;
  int pb = rb->account->entry->priority;

  return pa > pb ? -1 : pa < pb ? 1 : 0;
}

static gboolean
json_truthy (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strcasecmp (json_node_get_string (node), "true") == 0;
  return FALSE;
}

/* model-mappings: [{from, to, regex}], already checked by the config loader. */
static GPtrArray *
load_mappings (JsonNode *list)
{
  GPtrArray *mappings = g_ptr_array_new_with_free_func (mapping_free);

  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return mappings;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (list), i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *from = o ? json_object_get_string_member_with_default (o, "from", NULL) : NULL;
      const char *to = o ? json_object_get_string_member_with_default (o, "to", NULL) : NULL;
      Mapping *m;

      if (from == NULL || *from == '\0' || to == NULL || *to == '\0')
        continue;
      m = g_new0 (Mapping, 1);
      m->to = g_strdup (to);
      if (json_truthy (json_object_get_member (o, "regex")))
        {
          m->regex = g_regex_new (from, G_REGEX_CASELESS, 0, NULL);
          if (m->regex == NULL)
            {
              mapping_free (m);
              continue;
            }
        }
      else
        m->from = g_ascii_strdown (from, -1);
      g_ptr_array_add (mappings, m);
    }
  return mappings;
}

/* The catalogue entry of @kind named @name, or NULL. */
static JsonObject *
find_in_catalogue (JsonObject     *catalogue,
                   SyUpstreamKind  kind,
                   const char     *name)
{
  const char *key = catalogue_key (kind);
  JsonNode *list_node;
  JsonArray *models;

  if (key == NULL || !json_object_has_member (catalogue, key))
    return NULL;
  list_node = json_object_get_member (catalogue, key);
  if (!JSON_NODE_HOLDS_ARRAY (list_node))
    return NULL;
  models = json_node_get_array (list_node);
  for (guint m = 0; m < json_array_get_length (models); m++)
    {
      JsonNode *mn = json_array_get_element (models, m);
      JsonObject *mo = JSON_NODE_HOLDS_OBJECT (mn) ? json_node_get_object (mn) : NULL;
      const char *id = mo ? CAT_STR (mo, "id") : NULL;
      const char *full = mo ? CAT_STR (mo, "name") : NULL;

      if (id == NULL && full != NULL)
        id = g_str_has_prefix (full, "models/") ? full + strlen ("models/") : full;
      if (id != NULL && g_ascii_strcasecmp (id, name) == 0)
        return mo;
    }
  return NULL;
}

/* A model reaches the table unprefixed and, with a prefix, as "prefix/model". */
static void
register_model (SyRegistry *self,
                SyAccount  *account,
                const char *client_id,
                const char *upstream_model,
                gboolean    listed,
                JsonObject *catalogue_entry)
{
  SyUpstreamEntry *entry = account->entry;

  if (entry->prefix != NULL && *entry->prefix != '\0')
    {
      g_autofree char *prefixed = g_strdup_printf ("%s/%s", entry->prefix, client_id);

      add_route (self, account, prefixed, upstream_model, listed, catalogue_entry);
      if (self->config->force_model_prefix && g_strcmp0 (entry->prefix, client_id) != 0)
        return;
    }
  add_route (self, account, client_id, upstream_model, listed, catalogue_entry);
}

/* An id that stays the same while the entry's key and endpoint do, whatever
 * happens to the entries around it: reordering the config keeps each
 * account's cooldowns. Identical entries get "#2", "#3"... */
static char *
account_id (SyUpstreamEntry *entry,
            const char      *provider,
            GHashTable      *seen)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *kind = sy_upstream_kind_to_string (entry->kind);
  char *id;
  guint n;

  g_checksum_update (sum, (const guchar *) kind, strlen (kind) + 1);
  g_checksum_update (sum, (const guchar *) provider, strlen (provider) + 1);
  if (entry->api_key != NULL)
    g_checksum_update (sum, (const guchar *) entry->api_key, strlen (entry->api_key) + 1);
  if (entry->base_url != NULL)
    g_checksum_update (sum, (const guchar *) entry->base_url, strlen (entry->base_url));
  id = g_strdup_printf ("%s:%.8s", provider, g_checksum_get_string (sum));
  n = GPOINTER_TO_UINT (g_hash_table_lookup (seen, id)) + 1;
  g_hash_table_replace (seen, g_strdup (id), GUINT_TO_POINTER (n));
  if (n > 1)
    {
      char *numbered = g_strdup_printf ("%s#%u", id, n);

      g_free (id);
      id = numbered;
    }
  return id;
}

SyRegistry *
sy_registry_new (SyConfig *config)
{
  g_autoptr(SyAccountPool) pool = sy_account_pool_new (NULL);

  return sy_registry_new_with_pool (config, pool);
}

SyRegistry *
sy_registry_new_with_pool (SyConfig      *config,
                           SyAccountPool *pool)
{
  return sy_registry_new_full (config, pool, NULL);
}

static void
login_entry_free (gpointer data)
{
  SyUpstreamEntry *entry = data;

  g_free (entry->base_url);
  g_free (entry->prefix);
  g_free (entry->proxy_url);
  for (guint i = 0; i < entry->n_headers; i++)
    {
      g_free (entry->headers[i].name);
      g_free (entry->headers[i].value);
    }
  g_free (entry->headers);
  g_strfreev (entry->excluded_models);
  g_free (entry);
}

/* A login's own proxy and extra headers (set through the management API or
 * carried over from an auth file): "proxy_url", and "headers" as a JSON
 * object of strings. */
static void
login_entry_extras (SyUpstreamEntry *entry,
                    SyCredential    *credential)
{
  const char *proxy = sy_credential_get_extra (credential, "proxy_url");
  const char *headers = sy_credential_get_extra (credential, "headers");
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object;
  g_autoptr(GList) names = NULL;
  guint n = 0;

  if (proxy != NULL && *proxy != '\0')
    entry->proxy_url = g_strdup (proxy);
  if (headers == NULL)
    return;
  parser = json_parser_new ();
  if (!sy_json_parser_load (parser, headers, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  names = json_object_get_members (object);
  entry->headers = g_new0 (SyHeader, g_list_length (names));
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        continue;
      entry->headers[n].name = g_strdup (l->data);
      entry->headers[n].value = g_strdup (json_node_get_string (value));
      n++;
    }
  entry->n_headers = n;
}

/* Which upstream kind serves a login of each provider (-1: none yet), and
 * its list in the catalogue. */
static const struct
{
  const char *provider;
  int         kind;
  const char *catalogue;   /* Codex: "codex-" + the plan */
} login_kinds[] = {
  { "claude",      SY_UPSTREAM_CLAUDE, "claude" },
  { "codex",       SY_UPSTREAM_CODEX,  "codex-" },
  { "antigravity", SY_UPSTREAM_ANTIGRAVITY, "antigravity" },
  { "gemini-cli",  SY_UPSTREAM_GEMINI_CLI, "gemini-cli" },
  { "kimi",        SY_UPSTREAM_KIMI,   "kimi" },
  { "xai",         SY_UPSTREAM_XAI,    "xai" },
  { "vertex",      SY_UPSTREAM_VERTEX, "vertex" },
};

static int
login_kind (const char *provider,
            const char **catalogue)
{
  for (guint i = 0; i < G_N_ELEMENTS (login_kinds); i++)
    if (g_strcmp0 (login_kinds[i].provider, provider) == 0)
      {
        *catalogue = login_kinds[i].catalogue;
        return login_kinds[i].kind;
      }
  return -1;
}

/* A login as an account: the provider's catalogue (its plan's list for
 * Codex), through oauth-excluded-models and oauth-model-alias. A Gemini
 * CLI login serving several projects ("project_id" "p1,p2") is one account
 * per project, "<login id>/<project>", all sharing the login's credential
 * and entry; the caller groups them. */
static void
add_login (SyRegistry   *self,
           SyCredential *credential)
{
  const char *provider = sy_credential_get_provider (credential);
  const char *catalogue_key = NULL;
  int kind = login_kind (provider, &catalogue_key);
  g_autofree char *plan_key = NULL;
  g_auto(GStrv) projects = NULL;
  const char *project_list;
  SyUpstreamEntry *entry;
  JsonArray *models;

  if (kind < 0)
    {
      g_info ("%s: %s logins are not served yet", sy_credential_get_id (credential), provider);
      return;
    }
  entry = g_new0 (SyUpstreamEntry, 1);
  entry->kind = kind;
  entry->base_url = sy_config_endpoint (self->config, provider, "api", NULL);
  entry->prefix = g_strdup (sy_credential_get_prefix (credential));
  entry->priority = sy_credential_get_priority (credential);
  login_entry_extras (entry, credential);
  /* The login's own exclusions (carried over from an auth file's
   * excluded_models: one glob per line), lower-cased like the config's. */
  {
    const char *own = sy_credential_get_extra (credential, "excluded_models");
    g_auto(GStrv) lines = own ? g_strsplit (own, "\n", -1) : NULL;
    g_autoptr(GPtrArray) globs = g_ptr_array_new ();

    for (guint i = 0; lines && lines[i]; i++)
      if (*g_strstrip (lines[i]) != '\0')
        g_ptr_array_add (globs, g_ascii_strdown (lines[i], -1));
    g_ptr_array_add (globs, NULL);
    entry->excluded_models = (char **) g_ptr_array_free (g_steal_pointer (&globs), FALSE);
  }
  g_ptr_array_add (self->login_entries, entry);

  project_list = sy_credential_get_extra (credential, "project_id");
  if (kind == SY_UPSTREAM_GEMINI_CLI && project_list != NULL && strchr (project_list, ',') != NULL)
    {
      projects = g_strsplit (project_list, ",", -1);
      for (guint p = 0; projects[p] != NULL; p++)
        g_strstrip (projects[p]);
    }

  /* Codex lists the models of the login's plan (pro when unknown). */
  if (g_str_has_suffix (catalogue_key, "-"))
    {
      const char *plan = sy_credential_get_extra (credential, "plan");

      plan_key = g_strconcat (catalogue_key, plan && *plan ? plan : "pro", NULL);
      if (sy_registry_get_catalogue (self, plan_key) == NULL)
        {
          g_free (plan_key);
          plan_key = g_strconcat (catalogue_key, "pro", NULL);
        }
      catalogue_key = plan_key;
    }
  models = sy_registry_get_catalogue (self, catalogue_key);
  for (guint p = 0; p == 0 || (projects != NULL && projects[p] != NULL); p++)
    {
      SyAccount *account;

      if (projects != NULL &&
          (*projects[p] == '\0' || g_strv_contains ((const char * const *) projects + p + 1, projects[p])))
        continue;
      account = g_new0 (SyAccount, 1);
      account->entry = entry;
      account->provider = g_strdup (provider);
      account->credential = g_object_ref (credential);
      if (projects != NULL)
        {
          account->id = g_strdup_printf ("%s/%s", sy_credential_get_id (credential), projects[p]);
          account->label = g_strdup_printf ("%s (%s)", sy_credential_get_label (credential), projects[p]);
        }
      else
        {
          account->id = g_strdup (sy_credential_get_id (credential));
          account->label = g_strdup (sy_credential_get_label (credential));
        }
      g_ptr_array_add (self->accounts, account);

      for (guint m = 0; models != NULL && m < json_array_get_length (models); m++)
        {
          JsonNode *mn = json_array_get_element (models, m);
          JsonObject *mo = JSON_NODE_HOLDS_OBJECT (mn) ? json_node_get_object (mn) : NULL;
          const char *id = mo ? CAT_STR (mo, "id") : NULL;
          g_autoptr(GPtrArray) ids = NULL;

          if (id == NULL || is_excluded (entry, id))
            continue;
          ids = sy_model_aliases_list (self->aliases, provider, id);
          for (guint a = 0; a < ids->len; a++)
            register_model (self, account, g_ptr_array_index (ids, a), id, TRUE, mo);
        }
    }
}

JsonArray *
sy_registry_get_catalogue (SyRegistry *self,
                           const char *key)
{
  JsonObject *catalogue = json_node_get_object (self->catalogue);
  JsonNode *list;

  if (key == NULL || !json_object_has_member (catalogue, key))
    return NULL;
  list = json_object_get_member (catalogue, key);
  return JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;
}

SyRegistry *
sy_registry_new_full (SyConfig      *config,
                      SyAccountPool *pool,
                      GPtrArray     *credentials)
{
  SyRegistry *self;
  JsonObject *catalogue;
  g_autoptr(GHashTable) counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (SY_IS_ACCOUNT_POOL (pool), NULL);

  self = g_new0 (SyRegistry, 1);
  self->pool = g_object_ref (pool);
  self->login_entries = g_ptr_array_new_with_free_func (login_entry_free);
  self->catalogue = load_catalogue (config);
  catalogue = json_node_get_object (self->catalogue);
  self->ref_count = 1;
  self->config = sy_config_ref (config);
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_account_free);
  self->models = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_model_info_free);
  self->models_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  self->cursors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

    self->payload = sy_payload_rules_new (sy_config_lookup (config, "payload"), warnings);
    /* Applied to OAuth accounts (API-key entries have their own models
     * lists); parsed here so a mistake is reported at load. */
    self->aliases = sy_model_aliases_new (sy_config_lookup (config, "oauth-model-alias"),
                                          sy_config_lookup (config, "oauth-excluded-models"), warnings);
    for (guint i = 0; i < warnings->len; i++)
      g_warning ("%s", (const char *) g_ptr_array_index (warnings, i));
  }
  self->mappings = load_mappings (sy_config_lookup (config, "model-mappings"));

  for (guint i = 0; config->upstreams && i < config->upstreams->len; i++)
    {
      SyUpstreamEntry *entry = g_ptr_array_index (config->upstreams, i);
      SyAccount *account = g_new0 (SyAccount, 1);
      const char *list = entry->kind == SY_UPSTREAM_OPENAI_COMPAT
                         ? entry->name : sy_upstream_kind_to_string (entry->kind);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counters, list));

      g_hash_table_replace (counters, g_strdup (list), GUINT_TO_POINTER (n + 1));
      account->entry = entry;
      account->provider = g_strdup (list);
      account->id = account_id (entry, list, seen);
      {
        /* Short keys mask to "***", which tells no one anything. */
        g_autofree char *masked = entry->api_key && strlen (entry->api_key) >= 12
                                  ? sy_mask_secret (entry->api_key) : NULL;

        if (entry->kind == SY_UPSTREAM_OPENAI_COMPAT)
          account->label = g_strdup_printf ("%s #%u%s%s%s", entry->name, n + 1,
                                            masked ? " (" : "", masked ? masked : "", masked ? ")" : "");
        else
          account->label = g_strdup_printf ("%s-api-key #%u%s%s%s", sy_upstream_kind_to_string (entry->kind),
                                            n + 1, masked ? " (" : "", masked ? masked : "", masked ? ")" : "");
      }
      account->state = sy_account_pool_lookup (pool, account->id);
      if (account->state != NULL)
        g_object_ref (account->state);
      else
        account->state = sy_account_state_new (account->id, account->provider);
      sy_account_state_set_info (account->state, account->label, entry->prefix, entry->priority,
                                 NULL, -1, FALSE);
      g_ptr_array_add (states, g_object_ref (account->state));
      g_ptr_array_add (self->accounts, account);

      if (entry->n_models > 0)
        {
          for (guint m = 0; m < entry->n_models; m++)
            {
              const SyModelEntry *me = &entry->models[m];
              const char *client_id = me->alias && *me->alias ? me->alias : me->name;
              JsonObject *known;

              if (is_excluded (entry, me->name) || is_excluded (entry, client_id))
                continue;
              known = find_in_catalogue (catalogue, entry->kind, me->name);

              register_model (self, account, client_id, me->name, TRUE, known);
              /* The upstream name is accepted too (as in CLIProxyAPI), under the
               * same prefix rules, but only the alias is listed. */
              if (g_ascii_strcasecmp (client_id, me->name) != 0)
                register_model (self, account, me->name, me->name, FALSE, known);
            }
        }
      else if (catalogue_key (entry->kind) != NULL &&
               json_object_has_member (catalogue, catalogue_key (entry->kind)))
        {
          JsonNode *list_node = json_object_get_member (catalogue, catalogue_key (entry->kind));
          JsonArray *models = JSON_NODE_HOLDS_ARRAY (list_node) ? json_node_get_array (list_node) : NULL;

          for (guint m = 0; models && m < json_array_get_length (models); m++)
            {
              JsonNode *mn = json_array_get_element (models, m);
              JsonObject *mo = JSON_NODE_HOLDS_OBJECT (mn) ? json_node_get_object (mn) : NULL;
              const char *id = mo ? CAT_STR (mo, "id") : NULL;
              const char *name;

              if (id == NULL && mo != NULL && (name = CAT_STR (mo, "name")) != NULL)
                id = g_str_has_prefix (name, "models/") ? name + strlen ("models/") : name;
              if (id == NULL || is_excluded (entry, id))
                continue;
              register_model (self, account, id, id, TRUE, mo);
            }
        }
    }

  for (guint i = 0; credentials != NULL && i < credentials->len; i++)
    {
      SyCredential *credential = g_ptr_array_index (credentials, i);
      const char *login = sy_credential_get_id (credential);
      guint first = self->accounts->len;

      add_login (self, credential);
      for (guint a = first; a < self->accounts->len; a++)
        {
          SyAccount *account = g_ptr_array_index (self->accounts, a);
          /* The projects of one login share its quota: a group, for
           * quota-exceeded.switch-project. */
          const char *group = g_strcmp0 (account->id, login) != 0 ? login : NULL;

          account->state = sy_account_pool_lookup (pool, account->id);
          if (account->state != NULL)
            g_object_ref (account->state);
          else
            account->state = sy_account_state_new (account->id, account->provider);
          sy_account_state_set_info (account->state, account->label, account->entry->prefix,
                                     account->entry->priority, group, -1, FALSE);
          g_ptr_array_add (states, g_object_ref (account->state));
        }
    }

  /* Higher priority first; config order within a priority (stable sort). */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->routes);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_sort (value, compare_priority);
  }

  sy_account_pool_sync (pool, states);

  /* Mapped names are served as their targets: list the exact ones too. */
  for (guint i = 0; i < self->mappings->len; i++)
    {
      Mapping *m = g_ptr_array_index (self->mappings, i);
      g_autofree char *target = g_ascii_strdown (m->to, -1);
      SyModelInfo *to = g_hash_table_lookup (self->models_by_id, target);
      SyModelInfo *info;

      if (m->from == NULL || to == NULL || g_hash_table_contains (self->models_by_id, m->from))
        continue;
      info = g_new0 (SyModelInfo, 1);
      info->id = g_strdup (m->from);
      info->owned_by = g_strdup (to->owned_by);
      info->display_name = g_strdup (to->display_name);
      info->description = g_strdup (to->description);
      info->created = to->created;
      info->input_token_limit = to->input_token_limit;
      info->output_token_limit = to->output_token_limit;
      g_ptr_array_add (self->models, info);
      g_hash_table_insert (self->models_by_id, g_strdup (m->from), info);
    }

  return self;
}

SyRegistry *
sy_registry_ref (SyRegistry *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
sy_registry_unref (SyRegistry *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;

  sy_payload_rules_free (self->payload);
  sy_model_aliases_free (self->aliases);
  json_node_unref (self->catalogue);
  g_ptr_array_unref (self->mappings);
  g_hash_table_unref (self->cursors);
  g_hash_table_unref (self->routes);
  g_hash_table_unref (self->models_by_id);
  g_ptr_array_unref (self->models);
  g_ptr_array_unref (self->accounts);
  g_ptr_array_unref (self->login_entries);
  g_object_unref (self->pool);
  sy_config_unref (self->config);
  g_free (self);
}

const SyModelAliases *
sy_registry_get_model_aliases (SyRegistry *self)
{
  return self->aliases;
}

SyAccountPool *
sy_registry_get_pool (SyRegistry *self)
{
  return self->pool;
}

const SyPayloadRules *
sy_registry_get_payload_rules (SyRegistry *self)
{
  return self->payload;
}

SyConfig *
sy_registry_get_config (SyRegistry *self)
{
  return self->config;
}

GPtrArray *
sy_registry_get_accounts (SyRegistry *self)
{
  return self->accounts;
}

GPtrArray *
sy_registry_get_models (SyRegistry *self)
{
  return self->models;
}

const SyModelInfo *
sy_registry_find_model (SyRegistry *self,
                        const char *model)
{
  g_autofree char *key = NULL;

  if (model == NULL)
    return NULL;
  key = g_ascii_strdown (model, -1);
  return g_hash_table_lookup (self->models_by_id, key);
}

gboolean
sy_registry_is_servable (SyRegistry *self,
                         const char *model,
                         gint64      now_us)
{
  GPtrArray *routes = sy_registry_lookup (self, model);

  for (guint i = 0; routes != NULL && i < routes->len; i++)
    {
      SyRoute *route = g_ptr_array_index (routes, i);
      g_autofree char *key = sy_route_model_key (route);
      SyModelState ms;

      if (!sy_account_is_usable (route->account))
        continue;
      sy_account_state_get_model (route->account->state, key, now_us, &ms);
      if (ms.status == SY_MODEL_AVAILABLE ||
          (ms.status == SY_MODEL_COOLING &&
           (ms.reason == SY_FAILURE_QUOTA || ms.reason == SY_FAILURE_TRANSIENT)))
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
sy_registry_list_servable (SyRegistry *self,
                           gint64      now_us)
{
  GPtrArray *list = g_ptr_array_sized_new (self->models->len);

  for (guint i = 0; i < self->models->len; i++)
    {
      SyModelInfo *info = g_ptr_array_index (self->models, i);

      if (sy_registry_is_servable (self, info->id, now_us))
        g_ptr_array_add (list, info);
    }
  return list;
}

/* The routes serving @model (case-insensitive; a thinking suffix "(…)" is
 * ignored for routing), or NULL. Borrowed. */
GPtrArray *
sy_registry_lookup (SyRegistry *self,
                    const char *model)
{
  g_autofree char *key = NULL;
  g_autofree char *base = NULL;
  GPtrArray *routes;

  if (model == NULL || *model == '\0')
    return NULL;

  key = g_ascii_strdown (model, -1);
  base = sy_model_strip_suffix (key);

  /* model-mappings come first: the client's name is served as the target
   * (when the target is served at all). */
  for (guint i = 0; i < self->mappings->len; i++)
    {
      Mapping *m = g_ptr_array_index (self->mappings, i);
      const char *name = base ? base : key;

      if (m->regex ? g_regex_match (m->regex, name, 0, NULL) : strcmp (m->from, name) == 0)
        {
          g_autofree char *target = g_ascii_strdown (m->to, -1);
          g_autofree char *target_base = sy_model_strip_suffix (target);

          routes = g_hash_table_lookup (self->routes, target_base ? target_base : target);
          if (routes != NULL)
            return routes;
          break;
        }
    }

  routes = g_hash_table_lookup (self->routes, key);
  if (routes == NULL && base != NULL)
    routes = g_hash_table_lookup (self->routes, base);
  return routes;
}

char *
sy_registry_preview_model (SyRegistry *self,
                           const char *model)
{
  g_autofree char *base = sy_model_strip_suffix (model);
  g_autofree char *stem = NULL;
  const char *suffix = base ? model + strlen (base) : "";

  stem = g_ascii_strdown (base ? base : model, -1);
  for (guint i = 0; i < self->models->len; i++)
    {
      SyModelInfo *info = g_ptr_array_index (self->models, i);
      g_autofree char *id = g_ascii_strdown (info->id, -1);

      if (g_str_has_prefix (id, stem) && g_str_has_prefix (id + strlen (stem), "-preview") &&
          g_hash_table_contains (self->routes, id))
        return g_strconcat (info->id, suffix, NULL);
    }
  return NULL;
}

gboolean
sy_account_is_usable (const SyAccount *account)
{
  if (!sy_account_state_get_enabled (account->state))
    return FALSE;
  return account->credential == NULL ||
         (sy_credential_get_enabled (account->credential) &&
          sy_credential_get_status (account->credential) != SY_CREDENTIAL_NEEDS_LOGIN);
}

char *
sy_account_auth_index (const char *account_id)
{
  char *digest;

  g_return_val_if_fail (account_id != NULL, NULL);

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, account_id, -1);
  digest[16] = '\0';
  return digest;
}

char *
sy_route_model_key (const SyRoute *route)
{
  char *base = sy_model_strip_suffix (route->upstream_model);

  return base ? base : g_strdup (route->upstream_model);
}

/* Quota headroom in twentieths: readings that close count as a tie, which
 * routing.strategy then settles. No reading counts as full. */
static int
headroom (SyRoute    *route,
          const char *model)
{
  double quota = sy_account_state_get_quota (route->account->state, model);

  return (int) ((quota < 0 ? 1.0 : quota) * 20.0 + 1e-9);
}

SyRoute *
sy_registry_pick (SyRegistry *self,
                  const char *model,
                  GPtrArray  *routes,
                  GHashTable *tried,
                  const char *prefer_group,
                  const char *avoid_group,
                  gint64      now_us,
                  SyPickInfo *info)
{
  g_autoptr(GPtrArray) ready = g_ptr_array_new ();
  g_autoptr(GArray) room = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean grouped = FALSE;
  int best_priority = G_MININT;
  int best_room = -1;
  guint n = 0;
  SyRoute *picked;

  memset (info, 0, sizeof *info);
  if (routes == NULL)
    return NULL;

  for (guint i = 0; i < routes->len; i++)
    {
      SyRoute *route = g_ptr_array_index (routes, i);
      SyAccountState *state = route->account->state;
      g_autofree char *key = NULL;
      const char *group;
      SyModelState ms;

      if (tried != NULL && g_hash_table_contains (tried, route))
        continue;
      group = sy_account_state_get_group (state);
      if (avoid_group != NULL && g_strcmp0 (group, avoid_group) == 0)
        continue;
      if (!sy_account_is_usable (route->account))
        {
          info->n_disabled++;
          continue;
        }
      key = sy_route_model_key (route);
      sy_account_state_get_model (state, key, now_us, &ms);
      if (ms.status == SY_MODEL_DISABLED)
        {
          info->n_disabled++;
          continue;
        }
      if (ms.status == SY_MODEL_COOLING)
        {
          info->n_cooling++;
          if (info->soonest_us == 0 || ms.until_us < info->soonest_us)
            {
              info->soonest_us = ms.until_us;
              info->reason = ms.reason;
            }
          continue;
        }
      /* With a preferred group present, only its accounts compete. */
      if (prefer_group != NULL && g_strcmp0 (group, prefer_group) == 0 && !grouped)
        {
          grouped = TRUE;
          g_ptr_array_set_size (ready, 0);
          g_array_set_size (room, 0);
          best_priority = G_MININT;
          best_room = -1;
        }
      else if (grouped && g_strcmp0 (group, prefer_group) != 0)
        continue;
      {
        int r = headroom (route, key);

        g_ptr_array_add (ready, route);
        g_array_append_val (room, r);
        best_priority = MAX (best_priority, route->account->entry->priority);
      }
    }
  if (ready->len == 0)
    return NULL;

  /* The top priority, then the most headroom within it. */
  for (guint i = 0; i < ready->len; i++)
    if (((SyRoute *) g_ptr_array_index (ready, i))->account->entry->priority == best_priority)
      best_room = MAX (best_room, g_array_index (room, int, i));
  for (guint i = 0; i < ready->len; i++)
    {
      SyRoute *route = g_ptr_array_index (ready, i);

      if (route->account->entry->priority == best_priority && g_array_index (room, int, i) == best_room)
        g_ptr_array_index (ready, n++) = route;
    }
  g_ptr_array_set_size (ready, n);

  if (n == 1 || g_strcmp0 (self->config->routing_strategy, "fill-first") == 0)
    picked = g_ptr_array_index (ready, 0);
  else
    {
      /* One cursor per model, whatever reasoning suffix a request carries. */
      g_autofree char *base = sy_model_strip_suffix (model);
      g_autofree char *cursor_key = g_ascii_strdown (base ? base : model, -1);
      guint next = GPOINTER_TO_UINT (g_hash_table_lookup (self->cursors, cursor_key));

      if (g_hash_table_size (self->cursors) > 4096)
        g_hash_table_remove_all (self->cursors);
      g_hash_table_replace (self->cursors, g_steal_pointer (&cursor_key), GUINT_TO_POINTER (next + 1));
      picked = g_ptr_array_index (ready, next % n);
    }
  return picked;
}
