/* win32-glib-shim.h: what GLib declares only when built for Windows
 *
 * For the 'win32-branches' build (tests/meson.build), which compiles the
 * G_OS_WIN32 branches against this machine's GLib: glib.h includes
 * gwin32.h only for Windows, so its declarations that those branches use
 * are repeated here, as GLib has them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Before any header (-include): in plain C types, which are GLib's
 * (gchar is char, gpointer void *). */
char *g_win32_get_package_installation_directory_of_module (void *hmodule);
