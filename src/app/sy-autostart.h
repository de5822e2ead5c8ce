/* sy-autostart.h: starting the app when the user logs in (XDG autostart)
 *
 * A desktop entry in $XDG_CONFIG_HOME/autostart: the session starts
 * `switchyard` at login while it is there. On macOS a LaunchAgent instead
 * (sy-autostart-launchd.h), on Windows a value in the user's Run registry
 * key (sy-autostart-win32.h). In a Flatpak the Background portal is asked
 * first (sy-autostart-portal.h); the entry then only records the choice.
 * No GTK here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_AUTOSTART_FILE_NAME "io.github.switchyard.Switchyard.desktop"

/* $XDG_CONFIG_HOME/autostart/io.github.switchyard.Switchyard.desktop */
char     *sy_autostart_get_path    (void);
/* The entry is there and not switched off in it (Hidden=true or
 * X-GNOME-Autostart-enabled=false, as a session's settings may write). */
gboolean  sy_autostart_get_enabled (void);
/* Writes the entry (atomically) or removes it; removing an absent one
 * succeeds. */
gboolean  sy_autostart_set_enabled (gboolean   enabled,
                                    GError   **error);

G_END_DECLS
