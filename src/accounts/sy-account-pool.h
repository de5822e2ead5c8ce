/* sy-account-pool.h: every account's live state, as one observable list
 *
 * The pool outlives config snapshots. Each registry built from a snapshot
 * syncs it: accounts that still exist keep their state object (and so
 * their cooldowns and counters), new ones are added, gone ones removed.
 * It is a GListModel of SyAccountState in config order, for the windows
 * and the management API.
 *
 * With a state file, cooldowns and enabled flags are saved (atomically,
 * shortly after they change) and restored at start.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sy-account-state.h"
#include "sy-clock.h"

G_BEGIN_DECLS

#define SY_TYPE_ACCOUNT_POOL (sy_account_pool_get_type ())
G_DECLARE_FINAL_TYPE (SyAccountPool, sy_account_pool, SY, ACCOUNT_POOL, GObject)

SyAccountPool  *sy_account_pool_new            (SyClock       *clock);
SyClock        *sy_account_pool_get_clock      (SyAccountPool *self);
/* Tests: time that moves when told to. */
void            sy_account_pool_set_clock      (SyAccountPool *self,
                                                SyClock       *clock);
gint64          sy_account_pool_now            (SyAccountPool *self);

SyAccountState *sy_account_pool_lookup         (SyAccountPool *self,
                                                const char    *id);
/* Makes the pool hold exactly @states' ids, in that order: existing states
 * are kept (returned in @states in place of the caller's new ones), others
 * added, the rest removed. @states: SyAccountState*, replaced in place. */
void            sy_account_pool_sync           (SyAccountPool *self,
                                                GPtrArray     *states);

/* Saves to @path (NULL: no saving) and restores what it holds. */
gboolean        sy_account_pool_set_state_file (SyAccountPool *self,
                                                const char    *path,
                                                GError       **error);
/* Writes pending changes now (synchronously). */
gboolean        sy_account_pool_flush          (SyAccountPool *self,
                                                GError       **error);

G_END_DECLS
