/* sy-autostart-launchd.h: starting the app at login on macOS (a LaunchAgent)
 *
 * ~/Library/LaunchAgents/io.github.switchyard.Switchyard.plist, loaded by
 * launchd at login, runs `open -b io.github.switchyard.Switchyard`: Launch
 * Services finds the bundle wherever it is (moved, renamed, updated), and
 * the app starts as if opened from Finder. Plain GLib file writing, so it
 * is built and tested on every system; sy-autostart.c uses it on macOS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_AUTOSTART_LAUNCHD_LABEL "io.github.switchyard.Switchyard"

/* @home/Library/LaunchAgents/io.github.switchyard.Switchyard.plist */
char     *sy_autostart_launchd_get_path    (const char  *home);
/* The property list written (XML, as launchd.plist(5) describes). */
char     *sy_autostart_launchd_plist       (void);
/* The agent is there and not turned off (Disabled = true in it). */
gboolean  sy_autostart_launchd_get_enabled (const char  *home);
/* Writes the agent (atomically, 0644 as launchd wants) or removes it;
 * removing an absent one succeeds. */
gboolean  sy_autostart_launchd_set_enabled (const char  *home,
                                            gboolean     enabled,
                                            GError     **error);

/* Shared by the file-based entries (this one and XDG autostart): writes
 * @text to @path atomically with @file_mode, making its folder with
 * @dir_mode, or with @text NULL removes it (an absent one is fine). Errors
 * carry the system's own words. */
gboolean  sy_autostart_file_set            (const char  *path,
                                            const char  *text,
                                            int          dir_mode,
                                            int          file_mode,
                                            GError     **error);

G_END_DECLS
