/* sy-account-state.c: one account's live state, shared by every view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-accounts"

#include "config.h"

#include <string.h>

#include "sy-account-state.h"
#include "sy-json-guard.h"
#include "sy-quota.h"

/* Saved quota windows without a reset time are kept this long. */
#define WINDOW_KEEP_US (G_GINT64_CONSTANT (7) * 24 * 3600 * G_USEC_PER_SEC)

typedef struct
{
  gint64          until_us;       /* 0: not cooling */
  SyFailureReason reason;
  guint           backoff_level;
  gboolean        disabled;
  double          quota;          /* -1 unknown */
  gint64          quota_reset_us;
  gboolean        quota_from_windows; /* quota was derived from the windows */
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
  gboolean        quota_from_windows;
  GHashTable     *windows;        /* id -> SyQuotaWindow*: the latest reading of each */

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

static double model_quota (SyAccountState *self,
                           const char     *model,
                           gint64         *reset_us);

static void
sy_account_state_finalize (GObject *object)
{
  SyAccountState *self = SY_ACCOUNT_STATE (object);

  g_assert (self->refresh_waiters == NULL);
  if (self->refresh_destroy != NULL)
    self->refresh_destroy (self->refresh_data);
  g_hash_table_unref (self->models);
  g_hash_table_unref (self->windows);
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
  self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) sy_quota_window_free);
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
  out->quota = model_quota (self, model, &out->quota_reset_us);
  if (entry == NULL)
    return;
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

/* Stores a reading of @fraction for @model (NULL: the account). With
 * @recover, a fraction above zero ends the quota cooldowns it covers; returns
 * whether one ended. */
static gboolean
store_quota (SyAccountState *self,
             const char     *model,
             double          fraction,
             gint64          reset_us,
             gboolean        recover,
             gint64          now_us)
{
  gboolean recovered = FALSE;

  if (model != NULL)
    {
      ModelEntry *entry = lookup_model (self, model, TRUE);

      entry->quota = fraction;
      entry->quota_reset_us = reset_us;
      entry->quota_from_windows = FALSE;
      if (recover && fraction > 0 && entry->until_us > now_us)
        recovered = clear_entry (entry, TRUE);
    }
  else
    {
      GHashTableIter iter;
      gpointer value;

      self->quota = fraction;
      self->quota_reset_us = reset_us;
      self->quota_from_windows = FALSE;
      g_hash_table_iter_init (&iter, self->models);
      while (recover && fraction > 0 && g_hash_table_iter_next (&iter, NULL, &value))
        {
          ModelEntry *entry = value;

          /* A model with its own reading is judged by that one. */
          if (entry->quota < 0 && entry->until_us > now_us)
            recovered |= clear_entry (entry, TRUE);
        }
    }
  return recovered;
}

void
sy_account_state_report_quota (SyAccountState *self,
                               const char     *model,
                               double          fraction,
                               gint64          reset_us,
                               gint64          now_us)
{
  SyAccountChange what = SY_ACCOUNT_CHANGED_QUOTA;

  if (store_quota (self, model, CLAMP (fraction, 0.0, 1.0), reset_us, TRUE, now_us))
    {
      g_info ("%s: quota reading shows %s recovered: cooldown cleared", self->id,
              model ? model : "the account");
      what |= SY_ACCOUNT_CHANGED_STATE;
    }
  emit_changed (self, what);
}

/* The lowest remaining fraction among @self's windows that meter @model
 * (NULL: the windows of the whole account), -1 when none does. */
static double
lowest_window (SyAccountState *self,
               const char     *model,
               gint64         *reset_us)
{
  GHashTableIter iter;
  gpointer value;
  double lowest = -1;

  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SyQuotaWindow *window = value;

      if (window->remaining < 0 || (model == NULL) != (window->model == NULL) ||
          (model != NULL && !sy_quota_window_meters (window, model)))
        continue;
      if (lowest < 0 || window->remaining < lowest)
        {
          lowest = window->remaining;
          *reset_us = window->reset_us;
        }
    }
  return lowest;
}

/* The fraction that applies to @model and when it resets: the model's own
 * reading, else the lowest of the model windows no entry took up yet
 * (patterns such as "*sonnet*") and the account's, else the account's. */
static double
model_quota (SyAccountState *self,
             const char     *model,
             gint64         *reset_us)
{
  ModelEntry *entry = model ? lookup_model (self, model, FALSE) : NULL;
  gint64 own_reset = 0;
  double own;

  if (entry != NULL && entry->quota >= 0)
    {
      *reset_us = entry->quota_reset_us;
      return entry->quota;
    }
  own = model != NULL ? lowest_window (self, model, &own_reset) : -1;
  if (own >= 0 && (self->quota < 0 || own < self->quota))
    {
      *reset_us = own_reset;
      return own;
    }
  *reset_us = self->quota_reset_us;
  return self->quota;
}

double
sy_account_state_get_quota (SyAccountState *self,
                            const char     *model)
{
  gint64 reset_us;

  return model_quota (self, model, &reset_us);
}

/* The remaining fractions follow the windows: the account's is the lowest
 * of its account windows, a model's the lowest of the account's and of the
 * windows that meter the model. A fraction set by report_quota() stays
 * until windows say otherwise. */
static void
derive_quota (SyAccountState *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 account_reset = 0;
  double account = lowest_window (self, NULL, &account_reset);

  if (account >= 0)
    {
      store_quota (self, NULL, account, account_reset, FALSE, 0);
      self->quota_from_windows = TRUE;
    }
  else if (self->quota_from_windows)
    {
      self->quota = -1;
      self->quota_reset_us = 0;
      self->quota_from_windows = FALSE;
    }

  /* A window for one named model gives it an entry, so it shows in the
   * model list and lookups find it without going through the windows. */
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SyQuotaWindow *window = value;

      if (window->model != NULL && strchr (window->model, '*') == NULL)
        lookup_model (self, window->model, TRUE);
    }

  g_hash_table_iter_init (&iter, self->models);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ModelEntry *entry = value;
      gint64 own_reset = 0;
      double own = lowest_window (self, key, &own_reset);

      if (own >= 0)
        {
          if (account >= 0 && account < own)
            {
              own = account;
              own_reset = account_reset;
            }
          /* Cooldowns end only when a window comes back (below). */
          store_quota (self, key, own, own_reset, FALSE, 0);
          entry->quota_from_windows = TRUE;
        }
      else if (entry->quota_from_windows)
        {
          entry->quota = -1;
          entry->quota_reset_us = 0;
          entry->quota_from_windows = FALSE;
        }
    }
}

static gboolean
is_exhausted (const SyQuotaWindow *window)
{
  return window->remaining >= 0 && window->remaining < 1e-9;
}

/* An exhausted window @old read again as @now: back when quota is left and
 * the reading comes after the old reset time (or names another one, so the
 * window has moved on; or the old one named none). */
static gboolean
came_back (const SyQuotaWindow *old,
           const SyQuotaWindow *now)
{
  if (!is_exhausted (old) || !(now->remaining > 0))
    return FALSE;
  return old->reset_us == 0 || now->observed_us >= old->reset_us ||
         (now->reset_us != 0 && now->reset_us > old->reset_us + SY_QUOTA_RESET_SLACK_US);
}

/* Ends the quota cooldowns of the models @window meters, unless another
 * window still has them at zero. */
static gboolean
clear_after_recovery (SyAccountState      *self,
                      const SyQuotaWindow *window,
                      gint64               now_us)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean cleared = FALSE;

  g_hash_table_iter_init (&iter, self->models);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ModelEntry *entry = value;
      gint64 reset_us;

      if (entry->until_us <= now_us || entry->reason != SY_FAILURE_QUOTA ||
          !sy_quota_window_meters (window, key))
        continue;
      if (model_quota (self, key, &reset_us) == 0.0)
        continue;
      if (clear_entry (entry, TRUE))
        {
          g_info ("%s: quota window %s is back: %s cooldown cleared", self->id, window->id,
                  (const char *) key);
          cleared = TRUE;
        }
    }
  return cleared;
}

/* Windows past their reset time say nothing any more: they go. The
 * exhausted ones among them are added to @back. Returns whether any went. */
static gboolean
drop_expired (SyAccountState *self,
              GPtrArray      *back,
              gint64          now_us)
{
  GHashTableIter iter;
  gpointer value;
  gboolean dropped = FALSE;

  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SyQuotaWindow *window = value;

      if (window->reset_us == 0 || window->reset_us > now_us)
        continue;
      if (back != NULL && is_exhausted (window))
        g_ptr_array_add (back, sy_quota_window_copy (window));
      g_hash_table_iter_remove (&iter);
      dropped = TRUE;
    }
  return dropped;
}

/* Keeps @window (a copy) unless a newer reading of it is kept already;
 * an exhausted one that came back is added to @back. */
static gboolean
keep_window (SyAccountState      *self,
             const SyQuotaWindow *window,
             GPtrArray           *back)
{
  SyQuotaWindow *old;

  if (window == NULL || window->id == NULL)
    return FALSE;
  old = g_hash_table_lookup (self->windows, window->id);
  if (old != NULL && old->observed_us > window->observed_us)
    return FALSE;
  if (old != NULL && back != NULL && came_back (old, window))
    g_ptr_array_add (back, sy_quota_window_copy (window));
  g_hash_table_replace (self->windows, g_strdup (window->id), sy_quota_window_copy (window));
  return TRUE;
}

void
sy_account_state_update_quota_windows (SyAccountState *self,
                                       GPtrArray      *windows,
                                       gint64          now_us)
{
  g_autoptr(GPtrArray) back = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  SyAccountChange what = SY_ACCOUNT_CHANGED_QUOTA;
  gboolean changed = FALSE;

  g_return_if_fail (SY_IS_ACCOUNT_STATE (self));

  for (guint i = 0; windows != NULL && i < windows->len; i++)
    changed |= keep_window (self, g_ptr_array_index (windows, i), back);
  changed |= drop_expired (self, back, now_us);
  if (!changed)
    return;

  derive_quota (self);
  for (guint i = 0; i < back->len; i++)
    if (clear_after_recovery (self, g_ptr_array_index (back, i), now_us))
      what |= SY_ACCOUNT_CHANGED_STATE;
  emit_changed (self, what);
}

static int
compare_windows (gconstpointer a,
                 gconstpointer b)
{
  const SyQuotaWindow *wa = *(SyQuotaWindow * const *) a;
  const SyQuotaWindow *wb = *(SyQuotaWindow * const *) b;

  return strcmp (wa->id, wb->id);
}

GPtrArray *
sy_account_state_dup_quota_windows (SyAccountState *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SY_IS_ACCOUNT_STATE (self), copy);

  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (copy, sy_quota_window_copy (value));
  g_ptr_array_sort (copy, compare_windows);
  return copy;
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

/* A saved window still says something at @now_us: it has not reset yet,
 * or (with no reset time) it is recent. */
static gboolean
window_is_live (gint64 reset_us,
                gint64 observed_us,
                gint64 now_us)
{
  return reset_us != 0 ? reset_us > now_us : now_us - observed_us < WINDOW_KEEP_US;
}

JsonNode *
sy_account_state_save (SyAccountState *self,
                       gint64          now_us)
{
  g_autoptr(JsonObject) saved = json_object_new ();
  g_autoptr(JsonObject) models = json_object_new ();
  g_autoptr(JsonArray) windows = NULL;
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

  /* The windows, so the quota shows from the start: those still current. */
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SyQuotaWindow *window = value;

      if (!window_is_live (window->reset_us, window->observed_us, now_us))
        continue;
      if (windows == NULL)
        windows = json_array_new ();
      json_array_add_element (windows, sy_quota_window_to_json (window));
    }
  if (windows != NULL)
    json_object_set_array_member (saved, "quota_windows", g_steal_pointer (&windows));
  return json_node_init_object (json_node_alloc (), saved);
}

static gint64
member_int (JsonObject *o,
            const char *name)
{
  JsonNode *node = json_object_get_member (o, name);
  gint64 value;

  return sy_json_node_to_int64 (node, &value) ? value : 0;
}

/* A member in seconds, in microseconds; 0 when it is not a number or
 * microseconds would not fit. */
static gint64
member_seconds_us (JsonObject *o,
                   const char *name)
{
  gint64 seconds = member_int (o, name);

  if (seconds > G_MAXINT64 / G_USEC_PER_SEC || seconds < G_MININT64 / G_USEC_PER_SEC)
    return 0;
  return seconds * G_USEC_PER_SEC;
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
  JsonNode *windows = json_object_get_member (saved, "quota_windows");
  GList *names = models ? json_object_get_members (models) : NULL;
  SyAccountChange what = SY_ACCOUNT_CHANGED_STATE;

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
        until = member_seconds_us (m, "until");
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

  if (windows != NULL && JSON_NODE_HOLDS_ARRAY (windows))
    {
      JsonArray *array = json_node_get_array (windows);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autoptr(SyQuotaWindow) window = sy_quota_window_from_json (json_array_get_element (array, i));

          if (window != NULL && window_is_live (window->reset_us, window->observed_us, now_us) &&
              keep_window (self, window, NULL))
            what |= SY_ACCOUNT_CHANGED_QUOTA;
        }
      if (what & SY_ACCOUNT_CHANGED_QUOTA)
        derive_quota (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ENABLED]);
  emit_changed (self, what);
}

gboolean
sy_account_state_saved_is_live (JsonObject *saved,
                                gint64      now_us)
{
  JsonObject *models = member_object (saved, "models");
  JsonNode *windows;
  GList *names;
  gboolean live = FALSE;

  if (json_object_has_member (saved, "enabled") && !member_true (saved, "enabled"))
    return TRUE;
  names = models ? json_object_get_members (models) : NULL;
  for (GList *l = names; l != NULL && !live; l = l->next)
    {
      JsonObject *m = member_object (models, l->data);

      live = m != NULL && (member_true (m, "disabled") ||
                           MAX (member_int (m, "until_us"), member_seconds_us (m, "until")) > now_us);
    }
  g_list_free (names);
  windows = json_object_get_member (saved, "quota_windows");
  if (!live && windows != NULL && JSON_NODE_HOLDS_ARRAY (windows))
    {
      JsonArray *array = json_node_get_array (windows);

      for (guint i = 0; i < json_array_get_length (array) && !live; i++)
        {
          g_autoptr(SyQuotaWindow) window = sy_quota_window_from_json (json_array_get_element (array, i));

          live = window != NULL && window_is_live (window->reset_us, window->observed_us, now_us);
        }
    }
  return live;
}
