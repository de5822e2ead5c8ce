/* sy-tray-private.h: the tray's insides, for its tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-tray.h"

G_BEGIN_DECLS

/* The status icon while it is the backend, else NULL. */
GtkStatusIcon *_sy_tray_get_status_icon    (SyTray        *self);
/* The menu both backends show. */
GtkMenu       *_sy_tray_get_menu           (SyTray        *self);
/* @status's symbolic icon drawn in @color at @size pixels, as the status
 * icon shows it where GTK does not style the tray (Windows); NULL when
 * the icon is not found. */
GdkPixbuf     *_sy_tray_render_status_icon (SyTrayStatus   status,
                                            const GdkRGBA *color,
                                            int            size);

G_END_DECLS
