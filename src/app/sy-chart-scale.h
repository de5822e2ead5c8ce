/* sy-chart-scale.h: axis ticks and value labels for the charts (no GTK)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64    time_us;
  char     *label;   /* local time, e.g. "14:00", "Thu 26", "Nov 23" */
  gboolean  major;   /* a day starts here: drawn a little stronger */
} SyChartTimeTick;

double   sy_chart_nice_ticks      (double      min,
                                   double      max,
                                   guint       max_ticks,
                                   GArray     *out);
double   sy_chart_nice_ticks_full (double      min,
                                   double      max,
                                   guint       max_ticks,
                                   double      min_step,
                                   GArray     *out);
GArray  *sy_chart_time_ticks      (gint64      from_us,
                                   gint64      to_us,
                                   guint       max_ticks,
                                   GTimeZone  *tz);
char    *sy_chart_format_count    (double      value);
char    *sy_chart_format_compact  (double      value);
char    *sy_chart_format_percent  (double      value);
char    *sy_chart_format_time     (gint64      time_us,
                                   GTimeZone  *tz);
char    *sy_chart_format_bucket   (gint64      start_us,
                                   gint64      bucket_us,
                                   GTimeZone  *tz);

G_END_DECLS
