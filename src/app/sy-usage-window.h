/* sy-usage-window.h: the Usage & quota window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_USAGE_WINDOW (sy_usage_window_get_type ())

G_DECLARE_FINAL_TYPE (SyUsageWindow, sy_usage_window, SY, USAGE_WINDOW, GtkApplicationWindow)

typedef enum
{
  SY_USAGE_RANGE_DAY,     /* the last 24 hours, per hour */
  SY_USAGE_RANGE_WEEK,    /* the last 7 days, per 6 hours */
  SY_USAGE_RANGE_MONTH,   /* the last 30 days, per day */
} SyUsageRange;

GtkWidget *sy_usage_window_new          (SyService     *service);

/* What the usage charts show: the range, and the grouping of the series
 * ("model", "account" or "key"). Setting them moves the switchers, which
 * query again. */
void       sy_usage_window_set_range    (SyUsageWindow *self,
                                         SyUsageRange   range);
SyUsageRange sy_usage_window_get_range  (SyUsageWindow *self);
void       sy_usage_window_set_group    (SyUsageWindow *self,
                                         const char    *group);
const char *sy_usage_window_get_group   (SyUsageWindow *self);

/* Queries the usage store and the quota history again (as the periodic
 * refresh does); "refreshed" is emitted once the charts show the answers. */
void       sy_usage_window_refresh      (SyUsageWindow *self);
/* How many refreshes have completed: tests wait for it to move. */
guint      sy_usage_window_get_n_refreshes (SyUsageWindow *self);

G_END_DECLS
