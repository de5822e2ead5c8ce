/* sy-app-util.h: small things every window of the desktop app uses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The application's icon, in the resources and installed into hicolor. */
#define SY_APP_ICON_NAME "io.github.switchyard.Switchyard"

/* Registers the app's resources (the windows' templates, the icons) and
 * puts the icons on GTK's icon path: once, from any class_init that loads
 * a template and from the tray. */
void        sy_app_ensure_resources (void);

/* The short name of a provider for lines and lists ("Claude", "Codex",
 * "Grok"), the login's title for the others. */
const char *sy_app_provider_name    (const char *provider);

/* A moment for a line: "18:00" within a day of @now_us, "Fri 18:00"
 * later, in local time. */
char       *sy_app_format_time      (gint64      when_us,
                                     gint64      now_us);

G_END_DECLS
