/* sy-tray.h: the tray icon, whatever shows it
 *
 * The one seam between the menu (a GMenuModel and the actions it names)
 * and the panel. A StatusNotifierItem through libayatana-appindicator
 * when a StatusNotifierWatcher owns its name on the session bus, else a
 * GtkStatusIcon (XEmbed trays, and builds without AppIndicator). The
 * backend follows the watcher as it comes and goes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  SY_TRAY_STATUS_RUNNING,
  SY_TRAY_STATUS_STOPPED,
  SY_TRAY_STATUS_ATTENTION,    /* the proxy runs, but an account needs a look */
  SY_TRAY_STATUS_ERROR,        /* the proxy could not listen */
} SyTrayStatus;

typedef enum
{
  SY_TRAY_BACKEND_NONE,        /* not decided yet (the bus has not answered) */
  SY_TRAY_BACKEND_APPINDICATOR,
  SY_TRAY_BACKEND_STATUS_ICON,
} SyTrayBackend;

#define SY_TYPE_TRAY_STATUS (sy_tray_status_get_type ())
GType sy_tray_status_get_type (void);

#define SY_TYPE_TRAY (sy_tray_get_type ())
G_DECLARE_FINAL_TYPE (SyTray, sy_tray, SY, TRAY, GObject)

/* @id names the item on the bus ("switchyard"). The menu's items name
 * actions in the groups of @groups: a prefix ("tray", "app") then a
 * GActionGroup, NULL-terminated. */
SyTray        *sy_tray_new          (const char   *id,
                                     GMenuModel   *menu,
                                     const char   *first_prefix,
                                     ...) G_GNUC_NULL_TERMINATED;
void           sy_tray_set_status   (SyTray       *self,
                                     SyTrayStatus  status);
SyTrayStatus   sy_tray_get_status   (SyTray       *self);
void           sy_tray_set_tooltip  (SyTray       *self,
                                     const char   *tooltip);
SyTrayBackend  sy_tray_get_backend  (SyTray       *self);
/* The icon name shown for @status. */
const char    *sy_tray_status_icon_name (SyTrayStatus status);

G_END_DECLS
