/* sy-settings-window.h: the Settings window
 *
 * Address and routing of the proxy, the client API keys, where tokens are
 * kept, starting at login, notifications, the config file and importing
 * CLIProxyAPI's auth files, and connecting coding tools (sy-integration.h)
 * to the proxy. Every change goes through
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

/* The "Coding tools" section without its dialogs: what Connect would
 * write for tool @id (a unified diff, "" when it already uses Switchyard),
 * Connect itself, and Disconnect (@force: even when a file changed since
 * setup; otherwise SY_INTEGRATION_ERROR_CHANGED). The tools are pointed at
 * http://127.0.0.1:PORT with the config's first client key, as
 * `switchyard setup` does; @model may be NULL (required by droid and
 * continue). The rows update. */
char      *sy_settings_window_dup_preview     (SySettingsWindow *self,
                                               const char       *id,
                                               const char       *model,
                                               GError          **error);
gboolean   sy_settings_window_connect_tool    (SySettingsWindow *self,
                                               const char       *id,
                                               const char       *model,
                                               GError          **error);
gboolean   sy_settings_window_disconnect_tool (SySettingsWindow *self,
                                               const char       *id,
                                               gboolean          force,
                                               GError          **error);

/* A new client key: "sk-sy-" and 32 base64url characters (24 random
 * bytes from a CSPRNG). */
char      *sy_settings_generate_api_key     (void);
/* A key as a list shows it: "sk-sy-AbCd…wXyZ" (ten characters and the last
 * four; shorter keys less). */
char      *sy_settings_mask_api_key         (const char       *key);

G_END_DECLS
