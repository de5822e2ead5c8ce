/* sy-account-state.h: one account's live state, shared by every view
 *
 * An account (an API-key entry today, an OAuth login later) has a state
 * object that outlives config snapshots: the registry of each snapshot
 * points at it, the tray, the windows and the management API read it, and
 * it is saved so cooldowns survive a restart.
 *
 * Per model it knows: available, cooling until a time (with the reason and
 * the 429 back-off level) or disabled; and the remaining quota fraction
 * when something reported one. Times are wall-clock µs from the pool's
 * SyClock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-cooldown.h"

G_BEGIN_DECLS

typedef enum
{
  SY_MODEL_AVAILABLE,
  SY_MODEL_COOLING,
  SY_MODEL_DISABLED,
} SyModelStatus;

/* What changed, for the "changed" signal. */
typedef enum
{
  SY_ACCOUNT_CHANGED_STATE    = 1 << 0,   /* cooldowns, enabled, disabled models: saved */
  SY_ACCOUNT_CHANGED_QUOTA    = 1 << 1,
  SY_ACCOUNT_CHANGED_COUNTERS = 1 << 2,   /* requests, errors, last error */
  SY_ACCOUNT_CHANGED_INFO     = 1 << 3,   /* label, priority, prefix... (config) */
} SyAccountChange;

typedef struct
{
  SyModelStatus   status;
  gint64          until_us;        /* SY_MODEL_COOLING: when it ends */
  SyFailureReason reason;          /* of the cooldown */
  guint           backoff_level;   /* 429s in a row without retry information */
  double          quota;           /* remaining fraction 0..1, -1 when unknown */
  gint64          quota_reset_us;  /* when the quota window resets, 0 when unknown */
} SyModelState;

#define SY_TYPE_ACCOUNT_STATE (sy_account_state_get_type ())
G_DECLARE_FINAL_TYPE (SyAccountState, sy_account_state, SY, ACCOUNT_STATE, GObject)

/* Refreshes the account's credentials (OAuth); completes @task with a boolean. */
typedef void (*SyRefreshFunc) (SyAccountState *state,
                               GTask          *task,
                               gpointer        user_data);

SyAccountState *sy_account_state_new            (const char     *id,
                                                 const char     *provider);

const char     *sy_account_state_get_id         (SyAccountState *self);
const char     *sy_account_state_get_provider   (SyAccountState *self);
const char     *sy_account_state_get_label      (SyAccountState *self);
const char     *sy_account_state_get_prefix     (SyAccountState *self);
int             sy_account_state_get_priority   (SyAccountState *self);
/* Accounts of one login that share quota, such as the projects of one
 * Google account; NULL when alone. */
const char     *sy_account_state_get_group      (SyAccountState *self);
/* Per-account request-retry override, -1 when the global one applies. */
int             sy_account_state_get_request_retry (SyAccountState *self);
gboolean        sy_account_state_get_disable_cooling (SyAccountState *self);
void            sy_account_state_set_info       (SyAccountState *self,
                                                 const char     *label,
                                                 const char     *prefix,
                                                 int             priority,
                                                 const char     *group,
                                                 int             request_retry,
                                                 gboolean        disable_cooling);

gboolean        sy_account_state_get_enabled    (SyAccountState *self);
void            sy_account_state_set_enabled    (SyAccountState *self,
                                                 gboolean        enabled);
void            sy_account_state_set_model_enabled (SyAccountState *self,
                                                 const char     *model,
                                                 gboolean        enabled);

/* The state of @model at @now_us (a cooldown that has ended reads as available). */
void            sy_account_state_get_model      (SyAccountState *self,
                                                 const char     *model,
                                                 gint64          now_us,
                                                 SyModelState   *out);
/* Models with any state, sorted; free with g_strfreev. */
char          **sy_account_state_list_models    (SyAccountState *self);
/* Soonest end among the account's running cooldowns, 0 when none. */
gint64          sy_account_state_get_next_recovery (SyAccountState *self,
                                                 gint64          now_us);

/* A failed request for @model: applies the cooldown the failure calls for
 * (unless cooling is disabled) and counts the error. Returns the end of
 * the cooldown, 0 when none was set. */
gint64          sy_account_state_mark_failure   (SyAccountState *self,
                                                 const char     *model,
                                                 const SyFailure *failure,
                                                 const char     *message,
                                                 gboolean        disable_cooling,
                                                 gint64          now_us);
/* A request for @model succeeded: its cooldown and back-off are cleared. */
void            sy_account_state_mark_success   (SyAccountState *self,
                                                 const char     *model,
                                                 gint64          now_us);
/* Clears the cooldowns of @model, or of every model when NULL. */
void            sy_account_state_clear_cooldowns (SyAccountState *self,
                                                 const char     *model);

/* Quota input: @fraction of the window remains (0..1) for @model, or for
 * the whole account when @model is NULL; @reset_us when the window resets
 * (0 if unknown). A fraction above zero ends a quota cooldown early. */
void            sy_account_state_report_quota   (SyAccountState *self,
                                                 const char     *model,
                                                 double          fraction,
                                                 gint64          reset_us,
                                                 gint64          now_us);
/* Readings of quota windows (SyQuotaWindow*, see sy-quota.h): each replaces
 * the account's window of the same id, and the account's and models'
 * remaining fractions follow (the lowest of the windows that meter them),
 * as sy_account_state_report_quota() does. A window read again after its
 * reset time with quota left clears the cooldown it caused. */
void            sy_account_state_update_quota_windows (SyAccountState *self,
                                                 GPtrArray      *windows,
                                                 gint64          now_us);
/* The latest reading of every window, sorted by id (SyQuotaWindow* copies,
 * free func set). */
GPtrArray      *sy_account_state_dup_quota_windows (SyAccountState *self);
/* Remaining fraction for @model (its own, else the account's), -1 when unknown. */
double          sy_account_state_get_quota      (SyAccountState *self,
                                                 const char     *model);

guint64         sy_account_state_get_n_requests (SyAccountState *self);
guint64         sy_account_state_get_n_errors   (SyAccountState *self);
const char     *sy_account_state_get_last_error (SyAccountState *self);
gint64          sy_account_state_get_last_used  (SyAccountState *self);
void            sy_account_state_count_request  (SyAccountState *self,
                                                 gint64          now_us);

/* Credential refresh (401 handling). Single flight: callers arriving while
 * a refresh runs wait for that one. */
void            sy_account_state_set_refresh_func (SyAccountState *self,
                                                 SyRefreshFunc   func,
                                                 gpointer        user_data,
                                                 GDestroyNotify  destroy);
gboolean        sy_account_state_can_refresh    (SyAccountState *self);
void            sy_account_state_refresh_async  (SyAccountState *self,
                                                 GCancellable   *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer        user_data);
gboolean        sy_account_state_refresh_finish (SyAccountState *self,
                                                 GAsyncResult   *result,
                                                 GError        **error);

/* What is saved across restarts: running cooldowns, back-off levels,
 * enabled flags. */
JsonNode       *sy_account_state_save           (SyAccountState *self,
                                                 gint64          now_us);
void            sy_account_state_restore        (SyAccountState *self,
                                                 JsonObject     *saved,
                                                 gint64          now_us);
/* Whether @saved still holds something worth keeping at @now_us. */
gboolean        sy_account_state_saved_is_live  (JsonObject     *saved,
                                                 gint64          now_us);

G_END_DECLS
