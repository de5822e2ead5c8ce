/* sy-logs-window.h: the Logs window: the engine's log, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_LOGS_WINDOW (sy_logs_window_get_type ())

G_DECLARE_FINAL_TYPE (SyLogsWindow, sy_logs_window, SY, LOGS_WINDOW, GtkApplicationWindow)

/* The most lines the window keeps by default (its "max-lines"); older
 * ones are dropped. */
#define SY_LOGS_WINDOW_MAX_LINES 5000

GtkWidget *sy_logs_window_new               (SyService     *service);
/* Writes the diagnostics bundle (sy_service_build_diagnostics()) to
 * @file, replacing it, and says so in the window (or the error, in plain
 * words). What "Save diagnostics bundle…" does with the file chosen. */
gboolean   sy_logs_window_save_diagnostics  (SyLogsWindow  *self,
                                             GFile         *file,
                                             GError       **error);
/* The lines the view shows now (the filter applied), one per line. */
char      *sy_logs_window_dup_visible_text  (SyLogsWindow  *self);

G_END_DECLS
