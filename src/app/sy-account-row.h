/* sy-account-row.h: one account in the Accounts window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"
#include "sy-account-state.h"

G_BEGIN_DECLS

#define SY_TYPE_ACCOUNT_ROW (sy_account_row_get_type ())

G_DECLARE_FINAL_TYPE (SyAccountRow, sy_account_row, SY, ACCOUNT_ROW, GtkListBoxRow)

/* A row showing @account (a SyAccountState of @service's accounts). It
 * follows the account's "changed" signal by itself; the window calls
 * sy_account_row_update() for what the account does not signal (a
 * cooldown running out, a login's status after a reload). Failed edits
 * are reported by the "error" signal (a message for people). */
GtkWidget      *sy_account_row_new         (SyService      *service,
                                            SyAccountState *account);
SyAccountState *sy_account_row_get_account (SyAccountRow   *self);
void            sy_account_row_update      (SyAccountRow   *self);

/* What the status line says about @account at @now_us ("Active",
 * "Cooling until 18:00 — quota exhausted", "Needs login"...), and a style
 * class for it ("success", "warning", "error", "dim-label"). */
char           *sy_account_row_describe_status (SyService      *service,
                                                SyAccountState *account,
                                                gint64          now_us,
                                                const char    **style_class);

/* An API-key account's entry in config.yaml, changed through
 * sy_service_edit_config(): its prefix (NULL or "": none) and priority, or
 * the entry removed (an openai-compatibility entry with several keys loses
 * the one key). The list holding the entry is written back whole, so
 * comments inside that list are not kept. Errors in plain words. */
gboolean        sy_account_config_set      (SyService      *service,
                                            SyAccountState *account,
                                            const char     *prefix,
                                            int             priority,
                                            GError        **error);
gboolean        sy_account_config_remove   (SyService      *service,
                                            SyAccountState *account,
                                            GError        **error);

G_END_DECLS
