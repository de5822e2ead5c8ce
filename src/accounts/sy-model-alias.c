/* sy-model-alias.c: oauth-model-alias and oauth-excluded-models, per channel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "sy-model-alias.h"
#include "sy-registry.h"

typedef struct
{
  char     *name;             /* upstream id, as written (trimmed) */
  char     *alias;            /* client-visible id, as written (trimmed) */
  gboolean  fork;
  gboolean  name_has_suffix;  /* the configured name carries its own "(…)" */
} Alias;

typedef struct
{
  GPtrArray  *aliases;        /* Alias*, in config order */
  GHashTable *by_alias;       /* lower-case alias -> Alias* (borrowed) */
  GPtrArray  *excluded;       /* lower-case globs */
} Channel;

struct _SyModelAliases
{
  GHashTable *channels;       /* lower-case channel -> Channel* */
  guint       n_aliases;
  guint       n_excluded;
};

static const char * const known_channels[] = {
  "gemini-cli", "vertex", "aistudio", "antigravity", "claude", "codex", "qwen", "iflow", "kimi",
  "xai",
};

gboolean
sy_model_alias_channel_is_known (const char *channel)
{
  guint i;

  if (channel == NULL)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (known_channels); i++)
    if (g_ascii_strcasecmp (channel, known_channels[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
alias_free (gpointer data)
{
  Alias *alias = data;

  g_free (alias->name);
  g_free (alias->alias);
  g_free (alias);
}

static void
channel_free (gpointer data)
{
  Channel *channel = data;

  g_hash_table_unref (channel->by_alias);
  g_ptr_array_unref (channel->aliases);
  g_ptr_array_unref (channel->excluded);
  g_free (channel);
}

static Channel *
ensure_channel (SyModelAliases *self,
                const char     *key)
{
  Channel *channel = g_hash_table_lookup (self->channels, key);

  if (channel == NULL)
    {
      channel = g_new0 (Channel, 1);
      channel->aliases = g_ptr_array_new_with_free_func (alias_free);
      channel->by_alias = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      channel->excluded = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->channels, g_strdup (key), channel);
    }
  return channel;
}

/* Callers pass any case; the table is keyed lower-case. */
static Channel *
find_channel (const SyModelAliases *self,
              const char           *channel)
{
  g_autofree char *key = NULL;

  if (self == NULL || channel == NULL)
    return NULL;
  key = g_ascii_strdown (channel, -1);
  return g_hash_table_lookup (self->channels, key);
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

static gboolean
holds_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

/* A string member, trimmed; NULL when missing or not a string. */
static char *
trimmed_member (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!holds_string (node))
    return NULL;
  return g_strstrip (g_strdup (json_node_get_string (node)));
}

/* The channel key of a table, lower-cased and trimmed; NULL (with a
 * warning) when it names no OAuth channel. */
static char *
channel_key (const char *table,
             const char *raw,
             GPtrArray  *warnings)
{
  g_autofree char *key = g_strstrip (g_ascii_strdown (raw, -1));

  if (!sy_model_alias_channel_is_known (key))
    {
      warn (warnings, "%s: unknown channel '%s', ignored", table, raw);
      return NULL;
    }
  return g_steal_pointer (&key);
}

/* fork: a boolean, or the strings "true"/"false" (a quoted YAML value).
 * Anything else counts as false, with a warning. */
static gboolean
read_fork (JsonNode   *node,
           const char *where,
           GPtrArray  *warnings)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (holds_string (node))
    {
      g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (node)));

      if (g_ascii_strcasecmp (text, "true") == 0)
        return TRUE;
      if (g_ascii_strcasecmp (text, "false") == 0)
        return FALSE;
    }
  warn (warnings, "%s: fork is not true or false, taken as false", where);
  return FALSE;
}

static void
read_alias (SyModelAliases *self,
            Channel        *channel,
            JsonNode       *node,
            const char     *where,
            GPtrArray      *warnings)
{
  JsonObject *object;
  g_autofree char *name = NULL;
  g_autofree char *alias = NULL;
  g_autofree char *key = NULL;
  g_autofree char *base = NULL;
  Alias *entry;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      warn (warnings, "%s: not a mapping, ignored", where);
      return;
    }
  object = json_node_get_object (node);
  name = trimmed_member (object, "name");
  alias = trimmed_member (object, "alias");
  if (name == NULL || alias == NULL || *name == '\0' || *alias == '\0')
    {
      warn (warnings, "%s: name and alias must be non-empty strings, ignored", where);
      return;
    }
  if (g_ascii_strcasecmp (name, alias) == 0)
    {
      warn (warnings, "%s: alias '%s' is the name itself, ignored", where, alias);
      return;
    }
  key = g_ascii_strdown (alias, -1);
  if (g_hash_table_contains (channel->by_alias, key))
    {
      warn (warnings, "%s: alias '%s' is already defined on this channel, ignored", where, alias);
      return;
    }

  entry = g_new0 (Alias, 1);
  entry->fork = read_fork (json_object_get_member (object, "fork"), where, warnings);
  base = sy_model_strip_suffix (name);
  entry->name_has_suffix = base != NULL;
  entry->name = g_steal_pointer (&name);
  entry->alias = g_steal_pointer (&alias);
  g_ptr_array_add (channel->aliases, entry);
  g_hash_table_insert (channel->by_alias, g_steal_pointer (&key), entry);
  self->n_aliases++;
}

static void
read_excluded (SyModelAliases *self,
               Channel        *channel,
               JsonNode       *node,
               const char     *where,
               GPtrArray      *warnings)
{
  g_autofree char *pattern = NULL;

  if (holds_string (node))
    pattern = g_strstrip (g_ascii_strdown (json_node_get_string (node), -1));
  if (pattern == NULL || *pattern == '\0')
    {
      warn (warnings, "%s: not a non-empty string, ignored", where);
      return;
    }
  g_ptr_array_add (channel->excluded, g_steal_pointer (&pattern));
  self->n_excluded++;
}

typedef void (*ReadItem) (SyModelAliases *self,
                          Channel        *channel,
                          JsonNode       *node,
                          const char     *where,
                          GPtrArray      *warnings);

/* @setting (a mapping of channel -> list): each item of each known
 * channel's list goes to @read_item. */
static void
read_channels (SyModelAliases *self,
               JsonNode       *root,
               const char     *setting,
               ReadItem        read_item,
               GPtrArray      *warnings)
{
  JsonObjectIter iter;
  const char *raw;
  JsonNode *list;

  if (root == NULL || JSON_NODE_HOLDS_NULL (root))
    return;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      warn (warnings, "%s: not a mapping of channels, ignored", setting);
      return;
    }

  json_object_iter_init_ordered (&iter, json_node_get_object (root));
  while (json_object_iter_next_ordered (&iter, &raw, &list))
    {
      g_autofree char *key = NULL;
      Channel *channel;
      guint i;

      if (list == NULL || JSON_NODE_HOLDS_NULL (list))
        continue;
      key = channel_key (setting, raw, warnings);
      if (key == NULL)
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          warn (warnings, "%s.%s: not a list, ignored", setting, raw);
          continue;
        }
      /* Two spellings of one channel ("Claude", "claude") share a table. */
      channel = ensure_channel (self, key);
      for (i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        {
          g_autofree char *where = g_strdup_printf ("%s.%s[%u]", setting, raw, i);

          read_item (self, channel, json_array_get_element (json_node_get_array (list), i),
                     where, warnings);
        }
    }
}

SyModelAliases *
sy_model_aliases_new (JsonNode  *oauth_model_alias,
                      JsonNode  *oauth_excluded_models,
                      GPtrArray *warnings)
{
  SyModelAliases *self = g_new0 (SyModelAliases, 1);

  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, channel_free);
  read_channels (self, oauth_model_alias, "oauth-model-alias", read_alias, warnings);
  read_channels (self, oauth_excluded_models, "oauth-excluded-models", read_excluded, warnings);
  return self;
}

void
sy_model_aliases_free (SyModelAliases *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->channels);
  g_free (self);
}

gboolean
sy_model_aliases_is_empty (const SyModelAliases *self)
{
  return self == NULL || (self->n_aliases == 0 && self->n_excluded == 0);
}

/* '*' matches any run of characters (none included); everything else
 * matches itself. Both sides lower-case. */
gboolean
sy_model_glob_match (const char *pattern,
            const char *text)
{
  const char *after_star = NULL;   /* pattern just past the last '*' */
  const char *retry = NULL;        /* where that '*' resumes in text */

  for (;;)
    {
      if (*pattern == '*')
        {
          after_star = ++pattern;
          retry = text;
        }
      else if (*text == '\0')
        return *pattern == '\0';
      else if (*pattern == *text)
        {
          pattern++;
          text++;
        }
      else if (after_star != NULL)
        {
          /* Let the last '*' swallow one more character and try again. */
          pattern = after_star;
          text = ++retry;
        }
      else
        return FALSE;
    }
}

gboolean
sy_model_aliases_is_excluded (const SyModelAliases *self,
                              const char           *channel,
                              const char           *upstream_id)
{
  Channel *c = find_channel (self, channel);
  g_autofree char *lower = NULL;
  guint i;

  if (c == NULL || upstream_id == NULL || c->excluded->len == 0)
    return FALSE;
  lower = g_ascii_strdown (upstream_id, -1);
  for (i = 0; i < c->excluded->len; i++)
    if (sy_model_glob_match (g_ptr_array_index (c->excluded, i), lower))
      return TRUE;
  return FALSE;
}

GPtrArray *
sy_model_aliases_list (const SyModelAliases *self,
                       const char           *channel,
                       const char           *upstream_id)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  Channel *c = find_channel (self, channel);
  gboolean keep_original = FALSE;
  guint n_aliases = 0;
  guint i;

  if (upstream_id == NULL || sy_model_aliases_is_excluded (self, channel, upstream_id))
    return ids;

  for (i = 0; c != NULL && i < c->aliases->len; i++)
    {
      Alias *a = g_ptr_array_index (c->aliases, i);

      if (g_ascii_strcasecmp (a->name, upstream_id) == 0)
        {
          n_aliases++;
          keep_original |= a->fork;
        }
    }
  /* The original goes first: a client that used it keeps finding it at the
   * top, and the aliases read as its variants. */
  if (n_aliases == 0 || keep_original)
    g_ptr_array_add (ids, g_strdup (upstream_id));
  for (i = 0; n_aliases > 0 && i < c->aliases->len; i++)
    {
      Alias *a = g_ptr_array_index (c->aliases, i);

      if (g_ascii_strcasecmp (a->name, upstream_id) == 0)
        g_ptr_array_add (ids, g_strdup (a->alias));
    }
  return ids;
}

char *
sy_model_aliases_resolve (const SyModelAliases *self,
                          const char           *channel,
                          const char           *model)
{
  Channel *c = find_channel (self, channel);
  g_autofree char *base = NULL;
  g_autofree char *key = NULL;
  Alias *a;

  if (c == NULL || model == NULL)
    return NULL;

  base = sy_model_strip_suffix (model);
  key = g_ascii_strdown (base != NULL ? base : model, -1);
  a = g_hash_table_lookup (c->by_alias, key);
  if (a == NULL)
    {
      if (base == NULL)
        return NULL;
      /* An alias written with a suffix ("x(high)") is a name of its own:
       * the suffix belongs to the alias, not to the request. */
      g_free (key);
      key = g_ascii_strdown (model, -1);
      a = g_hash_table_lookup (c->by_alias, key);
      return a != NULL ? g_strdup (a->name) : NULL;
    }
  /* A suffix in the config pins the thinking level; the request's only
   * applies when the config leaves it open. */
  if (base == NULL || a->name_has_suffix)
    return g_strdup (a->name);
  return g_strconcat (a->name, model + strlen (base), NULL);
}
