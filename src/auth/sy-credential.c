/* sy-credential.c: one logged-in account: who it is, and its tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-credential.h"
#include "sy-json-guard.h"
#include "sy-log.h"
#include "sy-secret.h"

struct _SyCredential
{
  GObject             parent_instance;

  char               *id;
  char               *provider;
  char               *email;
  char               *label;
  char               *prefix;
  int                 priority;
  gboolean            enabled;
  GHashTable         *extras;         /* name -> value */

  char               *access_token;
  char               *refresh_token;
  char               *id_token;
  gint64              expires_us;
  gint64              last_refresh_us;

  SyCredentialStatus  status;
  char               *status_reason;
};

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyCredential, sy_credential, G_TYPE_OBJECT)

static void
wipe (char **secret)
{
  if (*secret != NULL)
    {
      /* Replaced or freed: the log masking need not look for it any more
       * (its list would otherwise grow with every renewal). */
      sy_log_remove_secret (*secret);
      /* Tokens do not linger in freed memory (a memset() before the free
       * is a dead store the compiler may drop). */
      sy_secret_clear (secret);
    }
}

static void
sy_credential_finalize (GObject *object)
{
  SyCredential *self = SY_CREDENTIAL (object);

  g_free (self->id);
  g_free (self->provider);
  g_free (self->email);
  g_free (self->label);
  g_free (self->prefix);
  g_hash_table_unref (self->extras);
  wipe (&self->access_token);
  wipe (&self->refresh_token);
  wipe (&self->id_token);
  g_free (self->status_reason);

  G_OBJECT_CLASS (sy_credential_parent_class)->finalize (object);
}

static void
sy_credential_class_init (SyCredentialClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_credential_finalize;

  /* Anything changed: metadata, tokens or status. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_credential_init (SyCredential *self)
{
  self->enabled = TRUE;
  self->extras = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* A token in: the log writer masks it wherever it turns up (an upstream
 * error echoing it, say), a second line of defence, until wipe(). */
static void
set_token (char       **field,
           const char  *value)
{
  wipe (field);
  *field = g_strdup (value);
  sy_log_add_secret (*field);
}

static void
emit_changed (SyCredential *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static char *
make_id (const char *provider,
         const char *identity)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) "login", 6);
  g_checksum_update (sum, (const guchar *) provider, strlen (provider) + 1);
  g_checksum_update (sum, (const guchar *) identity, strlen (identity));
  return g_strdup_printf ("%s:%.8s", provider, g_checksum_get_string (sum));
}

SyCredential *
sy_credential_new (const char *provider,
                   const char *email,
                   const char *identity)
{
  SyCredential *self;

  g_return_val_if_fail (provider != NULL && *provider != '\0', NULL);

  self = g_object_new (SY_TYPE_CREDENTIAL, NULL);
  self->provider = g_strdup (provider);
  self->email = g_strdup (email);
  self->id = make_id (provider, identity ? identity : email ? email : "");
  return self;
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *o,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = json_object_get_member (o, name);
  gint64 value;

  return sy_json_node_to_int64 (node, &value) ? value : fallback;
}

SyCredential *
sy_credential_new_from_json (JsonObject  *meta,
                             GError     **error)
{
  const char *id = member_string (meta, "id");
  const char *provider = member_string (meta, "provider");
  JsonNode *enabled = json_object_get_member (meta, "enabled");
  JsonNode *extras = json_object_get_member (meta, "extra");
  SyCredential *self;

  if (id == NULL || provider == NULL || *provider == '\0' || !g_str_has_prefix (id, provider))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "account entry without a valid id and provider");
      return NULL;
    }
  self = g_object_new (SY_TYPE_CREDENTIAL, NULL);
  self->id = g_strdup (id);
  self->provider = g_strdup (provider);
  self->email = g_strdup (member_string (meta, "email"));
  self->label = g_strdup (member_string (meta, "label"));
  self->prefix = g_strdup (member_string (meta, "prefix"));
  self->priority = (int) CLAMP (member_int (meta, "priority", 0), G_MININT, G_MAXINT);
  if (enabled != NULL && JSON_NODE_HOLDS_VALUE (enabled) && json_node_get_value_type (enabled) == G_TYPE_BOOLEAN)
    self->enabled = json_node_get_boolean (enabled);
  if (g_strcmp0 (member_string (meta, "status"), "needs-login") == 0)
    {
      self->status = SY_CREDENTIAL_NEEDS_LOGIN;
      self->status_reason = g_strdup (member_string (meta, "status_reason"));
    }
  if (extras != NULL && JSON_NODE_HOLDS_OBJECT (extras))
    {
      GList *names = json_object_get_members (json_node_get_object (extras));

      for (GList *l = names; l != NULL; l = l->next)
        {
          const char *value = member_string (json_node_get_object (extras), l->data);

          if (value != NULL)
            g_hash_table_replace (self->extras, g_strdup (l->data), g_strdup (value));
        }
      g_list_free (names);
    }
  return self;
}

JsonObject *
sy_credential_to_json (SyCredential *self)
{
  JsonObject *meta = json_object_new ();
  g_autoptr(JsonObject) extras = json_object_new ();
  g_autoptr(GList) names = g_hash_table_get_keys (self->extras);

  json_object_set_string_member (meta, "id", self->id);
  json_object_set_string_member (meta, "provider", self->provider);
  if (self->email != NULL)
    json_object_set_string_member (meta, "email", self->email);
  if (self->label != NULL)
    json_object_set_string_member (meta, "label", self->label);
  if (self->prefix != NULL)
    json_object_set_string_member (meta, "prefix", self->prefix);
  json_object_set_int_member (meta, "priority", self->priority);
  json_object_set_boolean_member (meta, "enabled", self->enabled);
  if (self->status == SY_CREDENTIAL_NEEDS_LOGIN)
    {
      json_object_set_string_member (meta, "status", "needs-login");
      if (self->status_reason != NULL)
        json_object_set_string_member (meta, "status_reason", self->status_reason);
    }
  names = g_list_sort (names, (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_string_member (extras, l->data, g_hash_table_lookup (self->extras, l->data));
  json_object_set_object_member (meta, "extra", g_steal_pointer (&extras));
  return meta;
}

char *
sy_credential_dup_secret (SyCredential *self)
{
  g_autoptr(JsonObject) secret = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  if (self->access_token != NULL)
    json_object_set_string_member (secret, "access_token", self->access_token);
  if (self->refresh_token != NULL)
    json_object_set_string_member (secret, "refresh_token", self->refresh_token);
  if (self->id_token != NULL)
    json_object_set_string_member (secret, "id_token", self->id_token);
  json_object_set_int_member (secret, "expires_us", self->expires_us);
  json_object_set_int_member (secret, "last_refresh_us", self->last_refresh_us);
  node = json_node_init_object (json_node_alloc (), secret);
  return json_to_string (node, FALSE);
}

gboolean
sy_credential_set_secret (SyCredential  *self,
                          const char    *secret,
                          GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (!sy_json_parser_load (parser, secret, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      /* Say which account, never what the text was. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the stored tokens of %s are not readable", self->id);
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  set_token (&self->access_token, member_string (o, "access_token"));
  set_token (&self->refresh_token, member_string (o, "refresh_token"));
  set_token (&self->id_token, member_string (o, "id_token"));
  self->expires_us = member_int (o, "expires_us", 0);
  self->last_refresh_us = member_int (o, "last_refresh_us", 0);
  emit_changed (self);
  return TRUE;
}

const char *sy_credential_get_id (SyCredential *self) { return self->id; }
const char *sy_credential_get_provider (SyCredential *self) { return self->provider; }
const char *sy_credential_get_email (SyCredential *self) { return self->email; }
const char *sy_credential_get_prefix (SyCredential *self) { return self->prefix; }
int sy_credential_get_priority (SyCredential *self) { return self->priority; }
gboolean sy_credential_get_enabled (SyCredential *self) { return self->enabled; }
const char *sy_credential_get_access_token (SyCredential *self) { return self->access_token; }
const char *sy_credential_get_refresh_token (SyCredential *self) { return self->refresh_token; }
const char *sy_credential_get_id_token (SyCredential *self) { return self->id_token; }
gint64 sy_credential_get_expires (SyCredential *self) { return self->expires_us; }
gint64 sy_credential_get_last_refresh (SyCredential *self) { return self->last_refresh_us; }
SyCredentialStatus sy_credential_get_status (SyCredential *self) { return self->status; }
const char *sy_credential_get_status_reason (SyCredential *self) { return self->status_reason; }

const char *
sy_credential_get_label (SyCredential *self)
{
  if (self->label != NULL)
    return self->label;
  return self->email ? self->email : self->id;
}

static void
replace (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = value && *value ? g_strdup (value) : NULL;
}

void
sy_credential_set_label (SyCredential *self,
                         const char   *label)
{
  replace (&self->label, label);
  emit_changed (self);
}

void
sy_credential_set_prefix (SyCredential *self,
                          const char   *prefix)
{
  replace (&self->prefix, prefix);
  emit_changed (self);
}

void
sy_credential_set_priority (SyCredential *self,
                            int           priority)
{
  self->priority = priority;
  emit_changed (self);
}

void
sy_credential_set_enabled (SyCredential *self,
                           gboolean      enabled)
{
  self->enabled = !!enabled;
  emit_changed (self);
}

const char *
sy_credential_get_extra (SyCredential *self,
                         const char   *name)
{
  return g_hash_table_lookup (self->extras, name);
}

void
sy_credential_set_extra (SyCredential *self,
                         const char   *name,
                         const char   *value)
{
  if (value == NULL)
    g_hash_table_remove (self->extras, name);
  else
    g_hash_table_replace (self->extras, g_strdup (name), g_strdup (value));
  emit_changed (self);
}

void
sy_credential_set_tokens (SyCredential *self,
                          const char   *access_token,
                          const char   *refresh_token,
                          const char   *id_token,
                          gint64        expires_us,
                          gint64        now_us)
{
  set_token (&self->access_token, access_token);
  if (refresh_token != NULL)
    set_token (&self->refresh_token, refresh_token);
  if (id_token != NULL)
    set_token (&self->id_token, id_token);
  self->expires_us = expires_us;
  self->last_refresh_us = now_us;
  self->status = SY_CREDENTIAL_OK;
  g_clear_pointer (&self->status_reason, g_free);
  emit_changed (self);
}

void
sy_credential_set_status (SyCredential       *self,
                          SyCredentialStatus  status,
                          const char         *reason)
{
  self->status = status;
  replace (&self->status_reason, reason);
  emit_changed (self);
}
