/* sy-settings-window.h: the Settings window
 *
 * Address and routing of the proxy, the client API keys, where tokens are
 * kept, starting at login, notifications, the config file and importing
 * CLIProxyAPI's auth files. Every change goes through
 * sy_service_edit_config(); a hand edit of config.yaml shows here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_SETTINGS_WINDOW (sy_settings_window_get_type ())
G_DECLARE_FINAL_TYPE (SySettingsWindow, sy_settings_window, SY, SETTINGS_WINDOW, GtkApplicationWindow)

GtkWidget *sy_settings_window_new           (SyService        *service);
/* What choosing @dir in "Import from CLIProxyAPI" does: imports its auth
 * files and says how it went in the window. */
void       sy_settings_window_import_folder (SySettingsWindow *self,
                                             const char       *dir);

/* A new client key: "sk-sy-" and 32 base64url characters (24 random
 * bytes from a CSPRNG). */
char      *sy_settings_generate_api_key     (void);
/* A key as a list shows it: "sk-sy-AbCd…wXyZ" (ten characters and the last
 * four; shorter keys less). */
char      *sy_settings_mask_api_key         (const char       *key);

G_END_DECLS
