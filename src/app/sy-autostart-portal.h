/* sy-autostart-portal.h: starting at login from a sandbox (Background portal)
 *
 * Inside a Flatpak the session never reads the sandbox's autostart
 * directory: the app asks xdg-desktop-portal's Background portal instead,
 * which writes (or removes) the host's autostart entry for it. Plain GDBus,
 * no libportal, no GTK.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The command the portal's autostart entry runs (in the app's sandbox). */
#define SY_AUTOSTART_PORTAL_COMMAND "switchyard"

/* TRUE in a Flatpak sandbox (/.flatpak-info exists). $SWITCHYARD_AUTOSTART
 * overrides it: "portal" (another sandbox with the portal) or "file" (the
 * XDG entry). */
gboolean  sy_autostart_portal_wanted  (void);

/* Asks the Background portal on @bus (NULL: the session bus) to start
 * SY_AUTOSTART_PORTAL_COMMAND at login (@autostart TRUE) or no longer
 * (FALSE), and waits for its answer: the portal may ask the user first.
 * FALSE with @error when there is no portal (a GDBus error), the request
 * was refused (G_IO_ERROR_PERMISSION_DENIED), dismissed
 * (G_IO_ERROR_CANCELLED), failed (G_IO_ERROR_FAILED) or got no answer in
 * two minutes (G_IO_ERROR_TIMED_OUT). Iterates a private main context
 * only: the caller's context does not run meanwhile. */
gboolean  sy_autostart_portal_request (GDBusConnection  *bus,
                                       gboolean          autostart,
                                       GError          **error);

G_END_DECLS
