/* sy-account-state.c: one account's live state, shared by every view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-accounts"

#include "config.h"

#include <string.h>

#include "sy-account-state.h"

typedef struct
{
  gint64          until_us;       /* 0: not cooling */
  SyFailureReason reason;
  guint           backoff_level;
  gboolean        disabled;
  double          quota;          /* -1 unknown */
  gint64          quota_reset_us;
} ModelEntry;

struct _SyAccountState
{
  GObject         parent_instance;

  char           *id;
  char           *provider;
  char           *label;
  char           *prefix;
  char           *group;
  int             priority;
  int             request_retry;
  gboolean        disable_cooling;
  gboolean        enabled;

  GHashTable     *models;         /* lower-case model -> ModelEntry* */
  double          quota;          /* account-wide remaining fraction, -1 unknown */
  gint64          quota_reset_us;

  guint64         n_requests;
  guint64         n_errors;
  char           *last_error;
  gint64          last_used_us;

  SyRefreshFunc   refresh_func;
  gpointer        refresh_data;
  GDestroyNotify  refresh_destroy;
  GPtrArray      *refresh_waiters; /* GTask*: non-NULL while a refresh runs */
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_PROVIDER,
  PROP_LABEL,
  PROP_PREFIX,
  PROP_PRIORITY,
  PROP_ENABLED,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SyAccountState, sy_account_state, G_TYPE_OBJECT)

static void
emit_changed (SyAccountState *self,
              SyAccountChange what)
{
  g_signal_emit (self, signals[CHANGED], 0, (guint) what);
}

static ModelEntry *
lookup_model (SyAccountState *self,
              const char     *model,
              gboolean        create)
{
  g_autofree char *key = g_ascii_strdown (model, -1);
  ModelEntry *entry = g_hash_table_lookup (self->models, key);

  if (entry == NULL && create)
    {
      entry = g_new0 (ModelEntry, 1);
      entry->quota = -1;
      g_hash_table_insert (self->models, g_steal_pointer (&key), entry);
    }
  return entry;
}

static void
sy_account_state_finalize (GObject *object)
{
  SyAccountState *self = SY_ACCOUNT_STATE (object);

  g_assert (self->refresh_waiters == NULL);
  if (self->refresh_destroy != NULL)
    self->refresh_destroy (self->refresh_data);
  g_hash_table_unref (self->models);
  g_free (self->id);
  g_free (self->provider);
  g_free (self->label);
  g_free (self->prefix);
  g_free (self->group);
  g_free (self->last_error);

  G_OBJECT_CLASS (sy_account_state_parent_class)->finalize (object);
}

static void
sy_account_state_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SyAccountState *self = SY_ACCOUNT_STATE (object);

  switch (prop_id)
    {
    case PROP_ID:       g_value_set_string (value, self->id); break;
    case PROP_PROVIDER: g_value_set_string (value, self->provider); break;
    case PROP_LABEL:    g_value_set_string (value, self->label); break;
    case PROP_PREFIX:   g_value_set_string (value, self->prefix); break;
    case PROP_PRIORITY: g_value_set_int (value, self->priority); break;
    case PROP_ENABLED:  g_value_set_boolean (value, self->enabled); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_account_state_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SyAccountState *self = SY_ACCOUNT_STATE (object);

  switch (prop_id)
    {
    case PROP_ID:       self->id = g_value_dup_string (value); break;
    case PROP_PROVIDER: self->provider = g_value_dup_string (value); break;
    case PROP_ENABLED:  sy_account_state_set_enabled (self, g_value_get_boolean (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_account_state_class_init (SyAccountStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_account_state_finalize;
  object_class->get_property = sy_account_state_get_property;
  object_class->set_property = sy_account_state_set_property;

  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_PROVIDER] = g_param_spec_string ("provider", NULL, NULL, NULL,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PREFIX] = g_param_spec_string ("prefix", NULL, NULL, NULL,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PRIORITY] = g_param_spec_int ("priority", NULL, NULL, G_MININT, G_MAXINT, 0,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* changed (guint what: SyAccountChange flags) */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
sy_account_state_init (SyAccountState *self)
{
  self->enabled = TRUE;
  self->request_retry = -1;
  self->quota = -1;
  self->models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SyAccountState *
sy_account_state_new (const char *id,
                      const char *provider)
{
  g_return_val_if_fail (id != NULL && provider != NULL, NULL);
  return g_object_new (SY_TYPE_ACCOUNT_STATE, "id", id, "provider", provider, NULL);
}

const char *sy_account_state_get_id (SyAccountState *self) { return self->id; }
const char *sy_account_state_get_provider (SyAccountState *self) { return self->provider; }
const char *sy_account_state_get_label (SyAccountState *self) { return self->label ? self->label : self->id; }
const char *sy_account_state_get_prefix (SyAccountState *self) { return self->prefix; }
int sy_account_state_get_priority (SyAccountState *self) { return self->priority; }
const char *sy_account_state_get_group (SyAccountState *self) { return self->group; }
int sy_account_state_get_request_retry (SyAccountState *self) { return self->request_retry; }
gboolean sy_account_state_get_disable_cooling (SyAccountState *self) { return self->disable_cooling; }
gboolean sy_account_state_get_enabled (SyAccountState *self) { return self->enabled; }
guint64 sy_account_state_get_n_requests (SyAccountState *self) { return self->n_requests; }
guint64 sy_account_state_get_n_errors (SyAccountState *self) { return self->n_errors; }
const char *sy_account_state_get_last_error (SyAccountState *self) { return self->last_error; }
gint64 sy_account_state_get_last_used (SyAccountState *self) { return self->last_used_us; }

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
sy_account_state_set_info (SyAccountState *self,
                           const char     *label,
                           const char     *prefix,
                           int             priority,
                           const char     *group,
                           int             request_retry,
                           gboolean        disable_cooling)
{
  gboolean changed = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->label, label))
    {
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LABEL]);
      changed = TRUE;
    }
  if (set_string (&self->prefix, prefix))
    {
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PREFIX]);
      changed = TRUE;
    }
  if (self->priority != priority)
    {
      self->priority = priority;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PRIORITY]);
      changed = TRUE;
    }
  changed |= set_string (&self->group, group);
  changed |= self->request_retry != request_retry || self->disable_cooling != disable_cooling;
  self->request_retry = request_retry;
  self->disable_cooling = disable_cooling;
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    emit_changed (self, SY_ACCOUNT_CHANGED_INFO);
}

void
sy_account_state_set_enabled (SyAccountState *self,
                              gboolean        enabled)
{
  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ENABLED]);
  emit_changed (self, SY_ACCOUNT_CHANGED_STATE);
}

void
sy_account_state_set_model_enabled (SyAccountState *self,
                                    const char     *model,
                                    gboolean        enabled)
{
  ModelEntry *entry = lookup_model (self, model, TRUE);

  if (entry->disabled == !enabled)
    return;
  entry->disabled = !enabled;
  emit_changed (self, SY_ACCOUNT_CHANGED_STATE);
}

void
sy_account_state_get_model (SyAccountState *self,
                            const char     *model,
                            gint64          now_us,
                            SyModelState   *out)
{
  ModelEntry *entry = lookup_model (self, model, FALSE);

  memset (out, 0, sizeof *out);
  out->quota = sy_account_state_get_quota (self, model);
  out->quota_reset_us = self->quota_reset_us;
  if (entry == NULL)
    return;
  if (entry->quota >= 0)
    out->quota_reset_us = entry->quota_reset_us;
  out->backoff_level = entry->backoff_level;
  if (entry->disabled)
    out->status = SY_MODEL_DISABLED;
  else if (entry->until_us > now_us)
    {
      out->status = SY_MODEL_COOLING;
      out->until_us = entry->until_us;
      out->reason = entry->reason;
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
sy_account_state_list_models (SyAccountState *self)
{
  guint n = 0;
  char **models = (char **) g_hash_table_get_keys_as_array (self->models, &n);
  char **copy = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (models[i]);
  g_free (models);
  qsort (copy, n, sizeof (char *), compare_strings);
  return copy;
}

gint64
sy_account_state_get_next_recovery (SyAccountState *self,
                                    gint64          now_us)
{
  GHashTableIter iter;
  gpointer value;
  gint64 soonest = 0;

  g_hash_table_iter_init (&iter, self->models);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ModelEntry *entry = value;

      if (entry->until_us > now_us && (soonest == 0 || entry->until_us < soonest))
        soonest = entry->until_us;
    }
  return soonest;
}

gint64
sy_account_state_mark_failure (SyAccountState  *self,
                               const char      *model,
                               const SyFailure *failure,
                               const char      *message,
                               gboolean         disable_cooling,
                               gint64           now_us)
{
  ModelEntry *entry;
  gint64 cooldown;
  guint level;

  self->n_errors++;
  if (message != NULL)
    set_string (&self->last_error, message);
  else
    {
      g_autofree char *text = g_strdup_printf ("HTTP %u (%s)", failure->status,
                                               sy_failure_reason_to_string (failure->reason));

      set_string (&self->last_error, text);
    }

  if (failure->marks_nothing || failure->reason == SY_FAILURE_NONE ||
      disable_cooling || self->disable_cooling)
    {
      emit_changed (self, SY_ACCOUNT_CHANGED_COUNTERS);
      return 0;
    }

  entry = lookup_model (self, model, TRUE);
  cooldown = sy_failure_cooldown_us (failure, entry->backoff_level, &level);
  entry->backoff_level = level;
  if (cooldown <= 0)
    {
      emit_changed (self, SY_ACCOUNT_CHANGED_COUNTERS | SY_ACCOUNT_CHANGED_STATE);
      return 0;
    }
  entry->until_us = now_us + cooldown;
  entry->reason = failure->reason;
  g_info ("%s: %s cooling for %" G_GINT64_FORMAT " s (%s, HTTP %u)", self->id, model,
          (cooldown + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC,
          sy_failure_reason_to_string (failure->reason), failure->status);
  emit_changed (self, SY_ACCOUNT_CHANGED_COUNTERS | SY_ACCOUNT_CHANGED_STATE);
  return entry->until_us;
}

void
sy_account_state_mark_success (SyAccountState *self,
                               const char     *model,
                               gint64          now_us)
{
  ModelEntry *entry = lookup_model (self, model, FALSE);
  gboolean cleared = entry != NULL && (entry->until_us != 0 || entry->backoff_level != 0);

  if (cleared)
    {
      if (entry->until_us > now_us)
        g_info ("%s: %s answered again: cooldown ended early", self->id, model);
      entry->until_us = 0;
      entry->backoff_level = 0;
      entry->reason = SY_FAILURE_NONE;
      emit_changed (self, SY_ACCOUNT_CHANGED_STATE);
    }
}

void
sy_account_state_count_request (SyAccountState *self,
                                gint64          now_us)
{
  self->n_requests++;
  self->last_used_us = now_us;
  emit_changed (self, SY_ACCOUNT_CHANGED_COUNTERS);
}

static gboolean
clear_entry (ModelEntry *entry,
             gboolean    quota_only)
{
  if (entry->until_us == 0 && entry->backoff_level == 0)
    return FALSE;
  if (quota_only && entry->reason != SY_FAILURE_QUOTA)
    return FALSE;
  entry->until_us = 0;
  entry->backoff_level = 0;
  entry->reason = SY_FAILURE_NONE;
  return TRUE;
}

void
sy_account_state_clear_cooldowns (SyAccountState *self,
                                  const char     *model)
{
  gboolean changed = FALSE;

  if (model != NULL)
    {
      ModelEntry *entry = lookup_model (self, model, FALSE);

      changed = entry != NULL && clear_entry (entry, FALSE);
    }
  else
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->models);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        changed |= clear_entry (value, FALSE);
    }
  if (changed)
    emit_changed (self, SY_ACCOUNT_CHANGED_STATE);
}

void
sy_account_state_report_quota (SyAccountState *self,
                               const char     *model,
                               double          fraction,
                               gint64          reset_us,
                               gint64          now_us)
{
  SyAccountChange what = SY_ACCOUNT_CHANGED_QUOTA;
  gboolean recovered = FALSE;

  fraction = CLAMP (fraction, 0.0, 1.0);
  if (model != NULL)
    {
      ModelEntry *entry = lookup_model (self, model, TRUE);

      entry->quota = fraction;
      entry->quota_reset_us = reset_us;
      if (fraction > 0 && entry->until_us > now_us)
        recovered = clear_entry (entry, TRUE);
    }
  else
    {
      GHashTableIter iter;
      gpointer value;

      self->quota = fraction;
      self->quota_reset_us = reset_us;
      g_hash_table_iter_init (&iter, self->models);
      while (fraction > 0 && g_hash_table_iter_next (&iter, NULL, &value))
        {
          ModelEntry *entry = value;

          /* A model with its own reading is judged by that one. */
          if (entry->quota < 0 && entry->until_us > now_us)
            recovered |= clear_entry (entry, TRUE);
        }
    }
  if (recovered)
    {
      g_info ("%s: quota reading shows %s recovered: cooldown cleared", self->id,
              model ? model : "the account");
      what |= SY_ACCOUNT_CHANGED_STATE;
    }
  emit_changed (self, what);
}

double
sy_account_state_get_quota (SyAccountState *self,
                            const char     *model)
{
  ModelEntry *entry = model ? lookup_model (self, model, FALSE) : NULL;

  if (entry != NULL && entry->quota >= 0)
    return entry->quota;
  return self->quota;
}

/* Refresh ---------------------------------------------------------------- */

void
sy_account_state_set_refresh_func (SyAccountState *self,
                                   SyRefreshFunc   func,
                                   gpointer        user_data,
                                   GDestroyNotify  destroy)
{
  if (self->refresh_destroy != NULL)
    self->refresh_destroy (self->refresh_data);
  self->refresh_func = func;
  self->refresh_data = user_data;
  self->refresh_destroy = destroy;
}

gboolean
sy_account_state_can_refresh (SyAccountState *self)
{
  return self->refresh_func != NULL;
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyAccountState *self = SY_ACCOUNT_STATE (source);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->refresh_waiters);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  g_info ("%s: credential refresh %s%s%s", self->id, ok ? "done" : "failed",
          ok ? "" : ": ", ok ? "" : error->message);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (ok)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_error_copy (error));
    }
}

void
sy_account_state_refresh_async (SyAccountState      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, sy_account_state_refresh_async);
  if (self->refresh_func == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "account %s has no credentials to refresh", self->id);
      return;
    }
  if (self->refresh_waiters != NULL)
    {
      g_ptr_array_add (self->refresh_waiters, g_steal_pointer (&task));
      return;
    }
  self->refresh_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->refresh_waiters, g_steal_pointer (&task));
  {
    g_autoptr(GTask) inner = g_task_new (self, NULL, on_refreshed, NULL);

    self->refresh_func (self, inner, self->refresh_data);
  }
}

gboolean
sy_account_state_refresh_finish (SyAccountState *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Saving ------------------------------------------------------------------ */

static SyFailureReason
reason_from_string (const char *text)
{
  for (SyFailureReason r = SY_FAILURE_NONE; r <= SY_FAILURE_TRANSIENT; r++)
    if (g_strcmp0 (sy_failure_reason_to_string (r), text) == 0)
      return r;
  return SY_FAILURE_NONE;
}

JsonNode *
sy_account_state_save (SyAccountState *self,
                       gint64          now_us)
{
  g_autoptr(JsonObject) saved = json_object_new ();
  g_autoptr(JsonObject) models = json_object_new ();
  GHashTableIter iter;
  gpointer key, value;

  json_object_set_boolean_member (saved, "enabled", self->enabled);
  g_hash_table_iter_init (&iter, self->models);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ModelEntry *entry = value;
      JsonObject *m;

      if (!entry->disabled && entry->until_us <= now_us && entry->backoff_level == 0)
        continue;
      m = json_object_new ();
      if (entry->disabled)
        json_object_set_boolean_member (m, "disabled", TRUE);
      if (entry->until_us > now_us)
        {
          json_object_set_int_member (m, "until", entry->until_us / G_USEC_PER_SEC);
          json_object_set_int_member (m, "until_us", entry->until_us);
          json_object_set_string_member (m, "reason", sy_failure_reason_to_string (entry->reason));
        }
      if (entry->backoff_level != 0)
        json_object_set_int_member (m, "backoff_level", entry->backoff_level);
      json_object_set_object_member (models, key, m);
    }
  json_object_set_object_member (saved, "models", g_steal_pointer (&models));
  return json_node_init_object (json_node_alloc (), saved);
}

static gint64
member_int (JsonObject *o,
            const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return 0;
  return json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node)
                                                         : (gint64) json_node_get_double (node);
}

static gboolean
member_true (JsonObject *o,
             const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static JsonObject *
member_object (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

void
sy_account_state_restore (SyAccountState *self,
                          JsonObject     *saved,
                          gint64          now_us)
{
  JsonObject *models = member_object (saved, "models");
  JsonNode *enabled = json_object_get_member (saved, "enabled");
  GList *names = models ? json_object_get_members (models) : NULL;

  if (enabled != NULL && JSON_NODE_HOLDS_VALUE (enabled) &&
      json_node_get_value_type (enabled) == G_TYPE_BOOLEAN)
    self->enabled = json_node_get_boolean (enabled);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *m = member_object (models, l->data);
      gint64 until;
      ModelEntry *entry;

      if (m == NULL)
        continue;
      until = member_int (m, "until_us");
      if (until == 0)
        until = member_int (m, "until") * G_USEC_PER_SEC;
      entry = lookup_model (self, l->data, TRUE);
      entry->disabled = member_true (m, "disabled");
      entry->backoff_level = (guint) CLAMP (member_int (m, "backoff_level"), 0, 64);
      if (until > now_us)
        {
          entry->until_us = until;
          entry->reason = reason_from_string (json_object_get_string_member_with_default (m, "reason", NULL));
        }
    }
  g_list_free (names);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ENABLED]);
  emit_changed (self, SY_ACCOUNT_CHANGED_STATE);
}

gboolean
sy_account_state_saved_is_live (JsonObject *saved,
                                gint64      now_us)
{
  JsonObject *models = member_object (saved, "models");
  GList *names;
  gboolean live = FALSE;

  if (json_object_has_member (saved, "enabled") && !member_true (saved, "enabled"))
    return TRUE;
  names = models ? json_object_get_members (models) : NULL;
  for (GList *l = names; l != NULL && !live; l = l->next)
    {
      JsonObject *m = member_object (models, l->data);

      live = m != NULL && (member_true (m, "disabled") ||
                           MAX (member_int (m, "until_us"), member_int (m, "until") * G_USEC_PER_SEC) > now_us);
    }
  g_list_free (names);
  return live;
}
