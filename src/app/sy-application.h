/* sy-application.h: the desktop front
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_APPLICATION (sy_application_get_type ())

G_DECLARE_FINAL_TYPE (SyApplication, sy_application, SY, APPLICATION, GtkApplication)

/* The app over @service (not started: the first activation starts it),
 * owning io.github.switchyard.Switchyard once registered. */
SyApplication *sy_application_new        (SyService     *service);
SyService *sy_application_get_service    (SyApplication *self);
/* Shows the window @name ("accounts", "mappings", "usage", "settings",
 * "logs"), made the first time; NULL for an unknown name. */
GtkWindow *sy_application_present_window (SyApplication *self,
                                          const char    *name);

/* Runs the app until Quit; -1 without a display. @argv: the program and
 * GApplication's options only (--gapplication-service). */
int sy_application_run (SyService *service,
                        int        argc,
                        char     **argv);

G_END_DECLS
