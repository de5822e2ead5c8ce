/* sy-attention.h: what in the accounts needs the user, for the tray and the notifier
 *
 * Two conditions turn the tray's icon to "attention" and are notified:
 * a login the provider refused (sign in again), and a model that no
 * account can serve right now because every enabled account that serves
 * it is cooling down for it (or has no quota left for it). Both are read
 * from the service's live account states and logins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "switchyard.h"
#include "sy-account-state.h"

G_BEGIN_DECLS

typedef struct
{
  char   *model;        /* the model's state key (its upstream name) */
  gint64  soonest_us;   /* when the first of its accounts is back, 0 when unknown */
  guint   n_accounts;   /* how many accounts serve it (all of them out) */
} SyExhaustedModel;

void       sy_exhausted_model_free        (SyExhaustedModel *model);

/* The models for which every enabled, signed-in account that serves them
 * is out at @now_us: cooling down for the model, or with no quota left
 * for it. An account serves a model when it has a state for it, or when
 * another account of its provider has one (accounts of one provider
 * serve the same catalogue) and it has not disabled the model. Sorted by
 * model; free with g_ptr_array_unref. */
GPtrArray *sy_attention_exhausted_models  (SyService        *service,
                                           gint64            now_us);
/* Whether @state belongs to a login the provider refused. */
gboolean   sy_attention_needs_login       (SyService        *service,
                                           SyAccountState   *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyExhaustedModel, sy_exhausted_model_free)

G_END_DECLS
