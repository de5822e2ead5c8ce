/* sy-chart.h: a cairo-drawn time chart (bars or lines) for usage and quota
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "sy-chart-scale.h"

G_BEGIN_DECLS

#define SY_TYPE_CHART (sy_chart_get_type ())

G_DECLARE_FINAL_TYPE (SyChart, sy_chart, SY, CHART, GtkDrawingArea)

typedef enum
{
  SY_CHART_BARS,   /* one bar per bucket; bar series stack */
  SY_CHART_LINE,   /* samples joined by a line, the area below tinted */
} SyChartKind;

typedef enum
{
  SY_CHART_VALUE_COUNT,     /* 1,234 (axis: 12k) */
  SY_CHART_VALUE_PERCENT,   /* 62%, axis 0-100% */
} SyChartValueKind;

typedef struct
{
  gint64 time_us;   /* bars: the bucket's start */
  double value;
} SyChartPoint;

GtkWidget  *sy_chart_new             (void);
void        sy_chart_set_title       (SyChart            *self,
                                      const char         *title);
void        sy_chart_set_unit        (SyChart            *self,
                                      const char         *unit);
void        sy_chart_set_value_kind  (SyChart            *self,
                                      SyChartValueKind    kind);
void        sy_chart_set_empty_text  (SyChart            *self,
                                      const char         *text);
void        sy_chart_set_time_zone   (SyChart            *self,
                                      GTimeZone          *tz);
void        sy_chart_set_range       (SyChart            *self,
                                      gint64              from_us,
                                      gint64              to_us);
void        sy_chart_set_bucket      (SyChart            *self,
                                      gint64              bucket_us);
void        sy_chart_clear           (SyChart            *self);
guint       sy_chart_add_series      (SyChart            *self,
                                      const char         *name,
                                      const GdkRGBA      *color,
                                      SyChartKind         kind,
                                      const SyChartPoint *points,
                                      gsize               n_points);
void        sy_chart_set_forecast    (SyChart            *self,
                                      guint               series,
                                      gint64              zero_at_us);
void        sy_chart_set_resets      (SyChart            *self,
                                      guint               series,
                                      const gint64       *times_us,
                                      gsize               n_times);
guint       sy_chart_get_n_series    (SyChart            *self);
void        sy_chart_get_series_color (SyChart           *self,
                                      guint               series,
                                      GdkRGBA            *color);
gboolean    sy_chart_map             (SyChart            *self,
                                      gint64              time_us,
                                      double              value,
                                      double             *x,
                                      double             *y);
char       *sy_chart_describe_at     (SyChart            *self,
                                      double              x,
                                      double              y);
char       *sy_chart_dup_hover_text  (SyChart            *self);
char       *sy_chart_dup_summary     (SyChart            *self);

G_END_DECLS
