/* sy-config-monitor.h: watch config.yaml and hand out new snapshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-config.h"

G_BEGIN_DECLS

#define SY_TYPE_CONFIG_MONITOR (sy_config_monitor_get_type ())

G_DECLARE_FINAL_TYPE (SyConfigMonitor, sy_config_monitor, SY, CONFIG_MONITOR, GObject)

/* Signals:
 *   "changed" (SyConfig *config): a new valid snapshot whose contents differ
 *   "failed"  (GError *error): the file changed but does not parse; keep the old one
 */
SyConfigMonitor *sy_config_monitor_new          (const char       *path,
                                                 const guint8     *current_sha256,
                                                 GError          **error);
void             sy_config_monitor_set_delay    (SyConfigMonitor  *self,
                                                 guint             debounce_ms);

G_END_DECLS
