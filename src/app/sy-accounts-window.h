/* sy-accounts-window.h: the Accounts window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_ACCOUNTS_WINDOW (sy_accounts_window_get_type ())

G_DECLARE_FINAL_TYPE (SyAccountsWindow, sy_accounts_window, SY, ACCOUNTS_WINDOW, GtkApplicationWindow)

/* Every account of @service, one SyAccountRow each, live. */
GtkWidget *sy_accounts_window_new        (SyService        *service);
/* The list (rows are SyAccountRow, in the service's order). */
GtkListBox *sy_accounts_window_get_list  (SyAccountsWindow *self);
/* Shows @message in the window's error bar. */
void       sy_accounts_window_show_error (SyAccountsWindow *self,
                                          const char       *message);

G_END_DECLS
