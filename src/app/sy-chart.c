/* sy-chart.c: a cairo-drawn time chart (bars or lines) for usage and quota
 *
 * One widget for both charts of the Usage & quota window: requests or
 * tokens per bucket as stacked bars (one series per model, account or
 * key), and quota left over time as lines, each with the times its window
 * reset and a dashed forecast to the moment it would run out at the
 * current burn rate. Colours come from the theme (text, grid) and from a
 * fixed palette of mid tones that read on light and dark backgrounds.
 *
 * The layout is computed from the allocation alone, so the hover text
 * (sy_chart_describe_at) and the coordinates (sy_chart_map) agree with
 * what is drawn without a draw having happened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-chart"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sy-chart.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

/* GNOME palette mid tones: blue, orange, green, purple, red, teal,
 * yellow, pink, brown. Each reads on white and on #242424. */
static const char *palette[] = {
  "#3584e4", "#ff7800", "#2ec27e", "#9141ac", "#e01b24",
  "#2190a4", "#e5a50a", "#d56199", "#986a44",
};

typedef struct
{
  char        *name;
  GdkRGBA      color;
  SyChartKind  kind;
  GArray      *points;      /* SyChartPoint, by time */
  gint64       forecast_us; /* 0: none */
  GArray      *resets;      /* gint64 */
} Series;

typedef struct
{
  int     width;
  int     height;
  double  plot_x;
  double  plot_y;
  double  plot_w;
  double  plot_h;
  double  legend_y;
  double  unit_y;
  double  y_max;
  GArray *y_ticks;          /* double */
} Layout;

struct _SyChart
{
  GtkDrawingArea    parent_instance;

  GPtrArray        *series;
  char             *title;
  char             *unit;
  char             *empty_text;
  GTimeZone        *tz;
  SyChartValueKind  value_kind;
  gint64            from_us;
  gint64            to_us;
  gint64            bucket_us;

  double            hover_x;
  gboolean          hovering;
};

G_DEFINE_FINAL_TYPE (SyChart, sy_chart, GTK_TYPE_DRAWING_AREA)

enum { PAD = 6, LEGEND_SWATCH = 10, LEGEND_GAP = 18, AXIS_GAP = 8 };

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->name);
  g_array_unref (s->points);
  g_clear_pointer (&s->resets, g_array_unref);
  g_free (s);
}

static void
layout_clear (Layout *l)
{
  g_clear_pointer (&l->y_ticks, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Layout, layout_clear)

static gboolean
has_points (SyChart *self)
{
  for (guint i = 0; i < self->series->len; i++)
    if (((Series *) g_ptr_array_index (self->series, i))->points->len > 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_kind (SyChart     *self,
          SyChartKind  kind)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->kind == kind && s->points->len > 0)
        return TRUE;
    }
  return FALSE;
}

static gint64
bucket_size (SyChart *self)
{
  gint64 best = 0;

  if (self->bucket_us > 0)
    return self->bucket_us;
  /* Unset: the smallest gap between two bars of one series. */
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->kind != SY_CHART_BARS)
        continue;
      for (guint j = 1; j < s->points->len; j++)
        {
          gint64 gap = g_array_index (s->points, SyChartPoint, j).time_us
                       - g_array_index (s->points, SyChartPoint, j - 1).time_us;

          if (gap > 0 && (best == 0 || gap < best))
            best = gap;
        }
    }
  return best > 0 ? best : HOUR_US;
}

/* Where the buckets are anchored: the first bar's start, else the range's. */
static gint64
bucket_anchor (SyChart *self)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->kind == SY_CHART_BARS && s->points->len > 0)
        return g_array_index (s->points, SyChartPoint, 0).time_us;
    }
  return self->from_us;
}

static gint64
bucket_start (SyChart *self,
              gint64   time_us)
{
  gint64 b = bucket_size (self);
  gint64 a = bucket_anchor (self);
  gint64 d = time_us - a;

  return a + (d >= 0 ? d / b : -((-d + b - 1) / b)) * b;
}

/* Stacked totals of the bars: start time (gint64) -> sum (double).
 * One pass, so a month of hourly bars stays cheap to draw. */
static GHashTable *
bar_totals (SyChart *self)
{
  GHashTable *totals = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->kind != SY_CHART_BARS)
        continue;
      for (guint j = 0; j < s->points->len; j++)
        {
          SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);
          double *sum = g_hash_table_lookup (totals, &p->time_us);

          if (sum == NULL)
            {
              sum = g_new0 (double, 1);
              g_hash_table_insert (totals, g_memdup2 (&p->time_us, sizeof p->time_us), sum);
            }
          *sum += p->value;
        }
    }
  return totals;
}

static double
data_max (SyChart *self)
{
  g_autoptr(GHashTable) totals = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  double max = 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      for (guint j = 0; j < s->points->len; j++)
        {
          SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);

          if (p->time_us < self->from_us || p->time_us > self->to_us)
            continue;
          if (s->kind == SY_CHART_BARS)
            {
              double *sum = g_hash_table_lookup (totals, &p->time_us);

              if (sum == NULL)
                {
                  sum = g_new0 (double, 1);
                  g_hash_table_insert (totals, g_memdup2 (&p->time_us, sizeof p->time_us), sum);
                }
              *sum += p->value;
              max = MAX (max, *sum);
            }
          else
            max = MAX (max, p->value);
        }
    }
  return max;
}

static PangoLayout *
text_layout (SyChart    *self,
             const char *text,
             gboolean    small)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  /* Figures of equal width, so axis labels line up. */
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  if (small)
    pango_attr_list_insert (attrs, pango_attr_scale_new (0.83));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static int
text_height (SyChart *self,
             gboolean small)
{
  g_autoptr(PangoLayout) layout = text_layout (self, "0:", small);
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  return h;
}

static char *
format_axis (SyChart *self,
             double   value,
             double   top)
{
  if (self->value_kind == SY_CHART_VALUE_PERCENT)
    return sy_chart_format_percent (value);
  return top >= 10000 ? sy_chart_format_compact (value) : sy_chart_format_count (value);
}

static char *
format_value (SyChart *self,
              double   value)
{
  if (self->value_kind == SY_CHART_VALUE_PERCENT)
    return sy_chart_format_percent (value);
  return sy_chart_format_count (value);
}

typedef void (*LegendItemFunc) (SyChart *self, cairo_t *cr, guint index, double x, double y,
                                PangoLayout *text, int text_h);

/* The legend: series, then "Forecast" and "Reset" keys when shown.
 * Flows left to right, wrapping; returns its height. */
static int
legend_flow (SyChart *self,
             int      width,
             cairo_t *cr,
             double   top,
             LegendItemFunc draw_item)
{
  gboolean forecast = FALSE, resets = FALSE;
  double x = PAD, y = 0;
  int row_h = 0;
  guint n = self->series->len;

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      forecast |= s->forecast_us != 0;
      resets |= s->resets != NULL && s->resets->len > 0;
    }
  for (guint i = 0; i < n + 2; i++)
    {
      const char *name;
      g_autoptr(PangoLayout) text = NULL;
      int tw, th, item_w;

      if (i < n)
        name = ((Series *) g_ptr_array_index (self->series, i))->name;
      else if (i == n && forecast)
        name = C_("chart legend", "Forecast");
      else if (i == n + 1 && resets)
        name = C_("chart legend", "Reset");
      else
        continue;
      text = text_layout (self, name, TRUE);
      pango_layout_get_pixel_size (text, &tw, &th);
      item_w = LEGEND_SWATCH + 6 + tw;
      if (x > PAD && x + item_w > width - PAD)
        {
          x = PAD;
          y += row_h + 4;
        }
      row_h = MAX (row_h, th);
      if (cr != NULL)
        draw_item (self, cr, i, x, top + y, text, th);
      x += item_w + LEGEND_GAP;
    }
  return row_h > 0 ? (int) y + row_h : 0;
}

/* Plot area and value scale for the current allocation. */
static void
compute_layout (SyChart *self,
                Layout  *l)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int small_h = text_height (self, TRUE);
  int legend_h, label_w = 0, max_ticks;
  double top;

  memset (l, 0, sizeof *l);
  l->width = gtk_widget_get_allocated_width (widget);
  l->height = gtk_widget_get_allocated_height (widget);
  l->y_ticks = g_array_new (FALSE, FALSE, sizeof (double));

  legend_h = legend_flow (self, l->width, NULL, 0, NULL);
  l->legend_y = PAD;
  top = PAD + (legend_h > 0 ? legend_h + 10 : 0);
  l->unit_y = top;
  if (self->unit != NULL && *self->unit)
    top += small_h + 6;
  else
    top += small_h / 2.0;
  l->plot_y = top;
  l->plot_h = MAX (1, l->height - top - small_h - AXIS_GAP - PAD);

  max_ticks = MAX (2, (int) (l->plot_h / 34) + 1);
  if (self->value_kind == SY_CHART_VALUE_PERCENT && data_max (self) <= 100)
    {
      /* Quarters read better than the 1-2-5 steps for a share. */
      for (int q = 0; q <= 4; q += max_ticks >= 5 ? 1 : 2)
        {
          double v = q * 25.0;

          g_array_append_val (l->y_ticks, v);
        }
    }
  else
    sy_chart_nice_ticks_full (0, data_max (self), max_ticks,
                              self->value_kind == SY_CHART_VALUE_COUNT ? 1 : 0, l->y_ticks);
  l->y_max = g_array_index (l->y_ticks, double, l->y_ticks->len - 1);

  for (guint i = 0; i < l->y_ticks->len; i++)
    {
      g_autofree char *label = format_axis (self, g_array_index (l->y_ticks, double, i), l->y_max);
      g_autoptr(PangoLayout) text = text_layout (self, label, TRUE);
      int w;

      pango_layout_get_pixel_size (text, &w, NULL);
      label_w = MAX (label_w, w);
    }
  l->plot_x = PAD + label_w + AXIS_GAP;
  /* Room on the right for half a time label at the last tick. */
  l->plot_w = MAX (1, l->width - l->plot_x - PAD - 12);
}

static double
map_x (SyChart      *self,
       const Layout *l,
       gint64        t)
{
  return l->plot_x + (double) (t - self->from_us) / (double) (self->to_us - self->from_us) * l->plot_w;
}

static double
map_y (const Layout *l,
       double        v)
{
  return l->plot_y + l->plot_h - v / l->y_max * l->plot_h;
}

static gint64
unmap_x (SyChart      *self,
         const Layout *l,
         double        x)
{
  return self->from_us + (gint64) ((x - l->plot_x) / l->plot_w * (double) (self->to_us - self->from_us));
}

/* Crisp hairlines: the centre of a device pixel. */
static double
snap (cairo_t *cr,
      double   v)
{
  double sx = 1, sy = 1;

  cairo_user_to_device_distance (cr, &sx, &sy);
  return (floor (v * sx) + 0.5) / sx;
}

static double
hairline (cairo_t *cr)
{
  double sx = 1, sy = 1;

  cairo_user_to_device_distance (cr, &sx, &sy);
  return 1 / sx;
}

static void
set_color (cairo_t       *cr,
           const GdkRGBA *c,
           double         alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void
theme_colors (SyChart *self,
              GdkRGBA *fg,
              GdkRGBA *bg)
{
  GtkStyleContext *ctx = gtk_widget_get_style_context (GTK_WIDGET (self));

  gtk_style_context_get_color (ctx, gtk_style_context_get_state (ctx), fg);
  if (!gtk_style_context_lookup_color (ctx, "theme_base_color", bg))
    {
      bg->red = bg->green = bg->blue = (fg->red + fg->green + fg->blue) / 3 > 0.5 ? 0.14 : 1;
      bg->alpha = 1;
    }
}

/* The sample nearest to @t within @tol, for lines. */
static const SyChartPoint *
nearest_point (Series *s,
               gint64  t,
               gint64  tol)
{
  const SyChartPoint *best = NULL;

  for (guint j = 0; j < s->points->len; j++)
    {
      const SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);

      if (ABS (p->time_us - t) <= tol && (best == NULL || ABS (p->time_us - t) < ABS (best->time_us - t)))
        best = p;
    }
  return best;
}

/* The forecast's value at @t (after the last sample), or -1. */
static double
forecast_value (Series *s,
                gint64  t)
{
  const SyChartPoint *last;

  if (s->forecast_us == 0 || s->points->len == 0)
    return -1;
  last = &g_array_index (s->points, SyChartPoint, s->points->len - 1);
  if (t <= last->time_us || s->forecast_us <= last->time_us)
    return -1;
  if (t >= s->forecast_us)
    return 0;
  return last->value * (double) (s->forecast_us - t) / (double) (s->forecast_us - last->time_us);
}

static gint64
hover_tolerance (SyChart *self)
{
  return MAX ((self->to_us - self->from_us) / 40, 1);
}

static void
draw_legend_item (SyChart     *self,
                  cairo_t     *cr,
                  guint        index,
                  double       x,
                  double       y,
                  PangoLayout *text,
                  int          text_h)
{
  GdkRGBA fg, bg;
  double cy = y + text_h / 2.0;

  theme_colors (self, &fg, &bg);
  if (index < self->series->len)
    {
      Series *s = g_ptr_array_index (self->series, index);

      set_color (cr, &s->color, 1);
      if (s->kind == SY_CHART_BARS)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, x + 2, cy - 3, 2, G_PI, 1.5 * G_PI);
          cairo_arc (cr, x + LEGEND_SWATCH - 2, cy - 3, 2, 1.5 * G_PI, 2 * G_PI);
          cairo_line_to (cr, x + LEGEND_SWATCH, cy + 5);
          cairo_line_to (cr, x, cy + 5);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      else
        {
          cairo_set_line_width (cr, 2.5);
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
          cairo_move_to (cr, x + 1, cy);
          cairo_line_to (cr, x + LEGEND_SWATCH - 1, cy);
          cairo_stroke (cr);
        }
    }
  else if (index == self->series->len)   /* forecast: a dashed line */
    {
      static const double dash[] = { 3, 2 };

      set_color (cr, &fg, 0.7);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, x, cy);
      cairo_line_to (cr, x + LEGEND_SWATCH, cy);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  else   /* reset: the mark drawn on the plot's top edge */
    {
      set_color (cr, &fg, 0.7);
      cairo_move_to (cr, x + 1, cy - 4);
      cairo_line_to (cr, x + LEGEND_SWATCH - 1, cy - 4);
      cairo_line_to (cr, x + LEGEND_SWATCH / 2.0, cy + 1);
      cairo_close_path (cr);
      cairo_fill (cr);
      cairo_rectangle (cr, x + LEGEND_SWATCH / 2.0 - 0.5, cy, 1, 5);
      cairo_fill (cr);
    }
  set_color (cr, &fg, 0.8);
  cairo_move_to (cr, x + LEGEND_SWATCH + 6, y);
  pango_cairo_show_layout (cr, text);
}

static void
bar_path (cairo_t *cr,
          double   x0,
          double   x1,
          double   y0,
          double   y1,
          gboolean round_top)
{
  double r = round_top ? MIN (3, MIN ((x1 - x0) / 3, (y0 - y1) / 2)) : 0;

  if (r < 0.5)
    {
      cairo_rectangle (cr, x0, y1, x1 - x0, y0 - y1);
      return;
    }
  cairo_new_sub_path (cr);
  cairo_move_to (cr, x0, y0);
  cairo_arc (cr, x0 + r, y1 + r, r, G_PI, 1.5 * G_PI);
  cairo_arc (cr, x1 - r, y1 + r, r, 1.5 * G_PI, 2 * G_PI);
  cairo_line_to (cr, x1, y0);
  cairo_close_path (cr);
}

static void
draw_empty (SyChart *self,
            cairo_t *cr,
            int      width,
            int      height)
{
  g_autoptr(PangoLayout) text = text_layout (self, self->empty_text, FALSE);
  GdkRGBA fg, bg;
  int tw, th;

  theme_colors (self, &fg, &bg);
  pango_layout_set_width (text, (int) (width * 0.8) * PANGO_SCALE);
  pango_layout_set_wrap (text, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (text, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (text, &tw, &th);

  /* A faint baseline says "this is where the chart will be". */
  set_color (cr, &fg, 0.15);
  cairo_set_line_width (cr, hairline (cr));
  cairo_move_to (cr, PAD, snap (cr, height - PAD - 8));
  cairo_line_to (cr, width - PAD, snap (cr, height - PAD - 8));
  cairo_stroke (cr);

  /* A small bar glyph above the text, as GNOME empty states have an icon. */
  {
    static const double bar_h[] = { 14, 26, 19 };
    double gx = width / 2.0 - 16, gy = (height - th) / 2.0 - 10;

    set_color (cr, &fg, 0.18);
    for (guint i = 0; i < G_N_ELEMENTS (bar_h); i++)
      {
        bar_path (cr, gx + i * 12, gx + i * 12 + 8, gy, gy - bar_h[i], TRUE);
        cairo_fill (cr);
      }
  }

  set_color (cr, &fg, 0.55);
  /* Centred within the layout's width, which is centred in the widget. */
  cairo_move_to (cr, width * 0.1, (height - th) / 2.0 + 4);
  pango_cairo_show_layout (cr, text);
}

static void
draw_axes (SyChart      *self,
           cairo_t      *cr,
           const Layout *l,
           const GdkRGBA *fg)
{
  g_autoptr(GArray) ticks = NULL;
  double last_right = -1;
  int max_ticks = MAX (2, (int) (l->plot_w / 90) + 1);

  cairo_set_line_width (cr, hairline (cr));

  /* Values: gridlines across the plot, labels right-aligned at the left. */
  for (guint i = 0; i < l->y_ticks->len; i++)
    {
      double v = g_array_index (l->y_ticks, double, i);
      double y = snap (cr, map_y (l, v));
      g_autofree char *label = format_axis (self, v, l->y_max);
      g_autoptr(PangoLayout) text = text_layout (self, label, TRUE);
      int tw, th;

      set_color (cr, fg, v == 0 ? 0.3 : 0.1);
      cairo_move_to (cr, l->plot_x, y);
      cairo_line_to (cr, l->plot_x + l->plot_w, y);
      cairo_stroke (cr);

      pango_layout_get_pixel_size (text, &tw, &th);
      set_color (cr, fg, 0.6);
      cairo_move_to (cr, l->plot_x - AXIS_GAP - tw, map_y (l, v) - th / 2.0);
      pango_cairo_show_layout (cr, text);
    }

  /* Time: faint verticals, labels centred below; a label that would
   * overlap the one before is left out. */
  ticks = sy_chart_time_ticks (self->from_us, self->to_us, max_ticks, self->tz);
  for (guint i = 0; i < ticks->len; i++)
    {
      SyChartTimeTick *tick = &g_array_index (ticks, SyChartTimeTick, i);
      double x = map_x (self, l, tick->time_us);
      g_autoptr(PangoLayout) text = text_layout (self, tick->label, TRUE);
      double lx;
      int tw, th;

      set_color (cr, fg, tick->major ? 0.12 : 0.06);
      cairo_move_to (cr, snap (cr, x), l->plot_y);
      cairo_line_to (cr, snap (cr, x), l->plot_y + l->plot_h);
      cairo_stroke (cr);

      set_color (cr, fg, 0.3);
      cairo_move_to (cr, snap (cr, x), l->plot_y + l->plot_h);
      cairo_line_to (cr, snap (cr, x), l->plot_y + l->plot_h + 4);
      cairo_stroke (cr);

      pango_layout_get_pixel_size (text, &tw, &th);
      lx = CLAMP (x - tw / 2.0, 0, l->width - tw);
      if (lx < last_right + 8)
        continue;
      last_right = lx + tw;
      set_color (cr, fg, tick->major ? 0.8 : 0.6);
      cairo_move_to (cr, lx, l->plot_y + l->plot_h + AXIS_GAP - 2);
      pango_cairo_show_layout (cr, text);
    }
}

static void
draw_bars (SyChart      *self,
           cairo_t      *cr,
           const Layout *l)
{
  g_autoptr(GHashTable) base = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) totals = bar_totals (self);
  gint64 size = bucket_size (self);
  double width = map_x (self, l, self->from_us + size) - map_x (self, l, self->from_us);
  double gap = width >= 4 ? MIN (width * 0.18, 6) / 2 : 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->kind != SY_CHART_BARS)
        continue;
      for (guint j = 0; j < s->points->len; j++)
        {
          SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);
          double *below = g_hash_table_lookup (base, &p->time_us);
          double total, x0, x1, y0, y1;

          if (p->value <= 0)
            continue;
          if (below == NULL)
            {
              below = g_new0 (double, 1);
              g_hash_table_insert (base, g_memdup2 (&p->time_us, sizeof p->time_us), below);
            }
          total = *(double *) g_hash_table_lookup (totals, &p->time_us);
          x0 = map_x (self, l, p->time_us) + gap;
          x1 = map_x (self, l, p->time_us + size) - gap;
          y0 = map_y (l, *below);
          y1 = map_y (l, *below + p->value);
          *below += p->value;
          /* A thin gap above a segment with another stacked on it. */
          if (*below < total - 1e-9 && y0 - y1 > 3)
            y1 += 1;
          set_color (cr, &s->color, 1);
          bar_path (cr, x0, MAX (x1, x0 + 1), y0, y1, *below >= total - 1e-9);
          cairo_fill (cr);
        }
    }
}

static void
draw_line (SyChart      *self,
           cairo_t      *cr,
           const Layout *l,
           Series       *s,
           guint         n_lines)
{
  static const double dash[] = { 5, 4 };
  cairo_pattern_t *fill;
  const SyChartPoint *first, *last;

  if (s->points->len == 0)
    return;
  first = &g_array_index (s->points, SyChartPoint, 0);
  last = &g_array_index (s->points, SyChartPoint, s->points->len - 1);

  /* The area below, tinted and fading towards the baseline. */
  for (guint j = 0; j < s->points->len; j++)
    {
      SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);

      cairo_line_to (cr, map_x (self, l, p->time_us), map_y (l, p->value));
    }
  cairo_line_to (cr, map_x (self, l, last->time_us), map_y (l, 0));
  cairo_line_to (cr, map_x (self, l, first->time_us), map_y (l, 0));
  cairo_close_path (cr);
  fill = cairo_pattern_create_linear (0, l->plot_y, 0, l->plot_y + l->plot_h);
  /* Fainter when lines overlap, so the tints do not mix into mud. */
  cairo_pattern_add_color_stop_rgba (fill, 0, s->color.red, s->color.green, s->color.blue,
                                     n_lines > 1 ? 0.10 : 0.22);
  cairo_pattern_add_color_stop_rgba (fill, 1, s->color.red, s->color.green, s->color.blue, 0.0);
  cairo_set_source (cr, fill);
  cairo_fill (cr);
  cairo_pattern_destroy (fill);

  for (guint j = 0; j < s->points->len; j++)
    {
      SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);

      cairo_line_to (cr, map_x (self, l, p->time_us), map_y (l, p->value));
    }
  set_color (cr, &s->color, 1);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);

  if (s->forecast_us > last->time_us)
    {
      double ex = map_x (self, l, s->forecast_us), ey = map_y (l, 0);

      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, map_x (self, l, last->time_us), map_y (l, last->value));
      cairo_line_to (cr, ex, ey);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (ex <= l->plot_x + l->plot_w)
        {
          cairo_arc (cr, ex, ey, 3.5, 0, 2 * G_PI);
          cairo_stroke (cr);
        }
    }
}

static void
draw_resets (SyChart      *self,
             cairo_t      *cr,
             const Layout *l,
             Series       *s)
{
  if (s->resets == NULL)
    return;
  for (guint j = 0; j < s->resets->len; j++)
    {
      double x = map_x (self, l, g_array_index (s->resets, gint64, j));

      if (x < l->plot_x || x > l->plot_x + l->plot_w)
        continue;
      set_color (cr, &s->color, 0.45);
      cairo_set_line_width (cr, hairline (cr));
      cairo_move_to (cr, snap (cr, x), l->plot_y);
      cairo_line_to (cr, snap (cr, x), l->plot_y + l->plot_h);
      cairo_stroke (cr);
      set_color (cr, &s->color, 1);
      cairo_move_to (cr, x - 4, l->plot_y - 5);
      cairo_line_to (cr, x + 4, l->plot_y - 5);
      cairo_line_to (cr, x, l->plot_y);
      cairo_close_path (cr);
      cairo_fill (cr);
    }
}

static char *
time_of_day (SyChart *self,
             gint64   time_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) here = g_date_time_to_timezone (utc, self->tz);

  return g_date_time_format (here, C_("chart axis, time of day", "%H:%M"));
}

static void
draw_forecast_label (SyChart      *self,
                     cairo_t      *cr,
                     const Layout *l,
                     Series       *s)
{
  g_autofree char *when = NULL;
  g_autofree char *label = NULL;
  g_autoptr(PangoLayout) text = NULL;
  double ex;
  int tw, th;

  if (s->forecast_us == 0 || s->points->len == 0)
    return;
  ex = map_x (self, l, s->forecast_us);
  if (ex > l->plot_x + l->plot_w || ex < l->plot_x)
    return;
  when = time_of_day (self, s->forecast_us);
  /* Translators: where the forecast line reaches zero, e.g. "empty ~18:40" */
  label = g_strdup_printf (_("empty ~%s"), when);
  text = text_layout (self, label, TRUE);
  pango_layout_get_pixel_size (text, &tw, &th);
  set_color (cr, &s->color, 1);
  /* Above the baseline, ending just left of the circle at zero. */
  cairo_move_to (cr, MAX (l->plot_x + 2, ex - tw - 8), map_y (l, 0) - th - 4);
  pango_cairo_show_layout (cr, text);
}

static void
draw_hover (SyChart      *self,
            cairo_t      *cr,
            const Layout *l,
            const GdkRGBA *fg,
            const GdkRGBA *bg,
            gboolean      behind)
{
  gint64 t;

  if (!self->hovering || self->hover_x < l->plot_x || self->hover_x > l->plot_x + l->plot_w)
    return;
  t = unmap_x (self, l, self->hover_x);
  if (behind && has_kind (self, SY_CHART_BARS))
    {
      gint64 b = bucket_start (self, t);
      double x0 = map_x (self, l, b), x1 = map_x (self, l, b + bucket_size (self));

      set_color (cr, fg, 0.07);
      cairo_rectangle (cr, x0, l->plot_y, x1 - x0, l->plot_h);
      cairo_fill (cr);
    }
  if (!behind && has_kind (self, SY_CHART_LINE))
    {
      set_color (cr, fg, 0.35);
      cairo_set_line_width (cr, hairline (cr));
      cairo_move_to (cr, snap (cr, self->hover_x), l->plot_y);
      cairo_line_to (cr, snap (cr, self->hover_x), l->plot_y + l->plot_h);
      cairo_stroke (cr);
      for (guint i = 0; i < self->series->len; i++)
        {
          Series *s = g_ptr_array_index (self->series, i);
          const SyChartPoint *p;

          if (s->kind != SY_CHART_LINE)
            continue;
          p = nearest_point (s, t, hover_tolerance (self));
          if (p == NULL)
            continue;
          cairo_arc (cr, map_x (self, l, p->time_us), map_y (l, p->value), 4.5, 0, 2 * G_PI);
          set_color (cr, bg, 1);
          cairo_fill_preserve (cr);
          set_color (cr, &s->color, 1);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }
    }
}

static gboolean
sy_chart_draw (GtkWidget *widget,
               cairo_t   *cr)
{
  SyChart *self = SY_CHART (widget);
  GtkStyleContext *ctx = gtk_widget_get_style_context (widget);
  g_auto(Layout) l = { 0, };
  g_autoptr(PangoLayout) unit = NULL;
  GdkRGBA fg, bg;
  int width = gtk_widget_get_allocated_width (widget);
  int height = gtk_widget_get_allocated_height (widget);
  guint n_lines = 0;

  gtk_render_background (ctx, cr, 0, 0, width, height);
  theme_colors (self, &fg, &bg);
  if (!has_points (self) || self->to_us <= self->from_us)
    {
      draw_empty (self, cr, width, height);
      return GDK_EVENT_PROPAGATE;
    }

  compute_layout (self, &l);
  legend_flow (self, width, cr, l.legend_y, draw_legend_item);
  if (self->unit != NULL && *self->unit)
    {
      unit = text_layout (self, self->unit, TRUE);
      set_color (cr, &fg, 0.6);
      cairo_move_to (cr, PAD, l.unit_y);
      pango_cairo_show_layout (cr, unit);
    }
  draw_axes (self, cr, &l, &fg);
  draw_hover (self, cr, &l, &fg, &bg, TRUE);

  cairo_save (cr);
  /* Line widths and markers may stick out of the plot a little. */
  cairo_rectangle (cr, l.plot_x, l.plot_y - 6, l.plot_w + 6, l.plot_h + 12);
  cairo_clip (cr);
  draw_bars (self, cr, &l);
  for (guint i = 0; i < self->series->len; i++)
    n_lines += ((Series *) g_ptr_array_index (self->series, i))->kind == SY_CHART_LINE;
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->kind == SY_CHART_LINE)
        draw_line (self, cr, &l, s, n_lines);
      draw_resets (self, cr, &l, s);
    }
  cairo_restore (cr);
  for (guint i = 0; i < self->series->len; i++)
    draw_forecast_label (self, cr, &l, g_ptr_array_index (self->series, i));
  draw_hover (self, cr, &l, &fg, &bg, FALSE);
  if (gtk_widget_has_visible_focus (widget))
    gtk_render_focus (ctx, cr, 1, 1, width - 2, height - 2);
  return GDK_EVENT_PROPAGATE;
}

/* The hover text at (@x, @y) in widget coordinates: the bucket (or the
 * moment) and each series' value there, one per line; NULL off the plot
 * or when there is nothing to describe. */
char *
sy_chart_describe_at (SyChart *self,
                      double   x,
                      double   y)
{
  g_auto(Layout) l = { 0, };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *header = NULL;
  gint64 t, tol;
  guint bars = 0;
  double total = 0;

  g_return_val_if_fail (SY_IS_CHART (self), NULL);

  if (!has_points (self) || self->to_us <= self->from_us)
    return NULL;
  compute_layout (self, &l);
  if (x < l.plot_x || x > l.plot_x + l.plot_w || y < 0 || y > l.height)
    return NULL;
  t = unmap_x (self, &l, x);
  tol = hover_tolerance (self);

  if (has_kind (self, SY_CHART_BARS))
    {
      gint64 size = bucket_size (self);
      gint64 b = bucket_start (self, t);

      header = sy_chart_format_bucket (b, size, self->tz);
      for (guint i = 0; i < self->series->len; i++)
        {
          Series *s = g_ptr_array_index (self->series, i);
          double v = 0;
          g_autofree char *value = NULL;

          if (s->kind != SY_CHART_BARS)
            continue;
          for (guint j = 0; j < s->points->len; j++)
            {
              SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);

              if (p->time_us >= b && p->time_us < b + size)
                v += p->value;
            }
          if (v == 0)
            continue;
          value = format_value (self, v);
          g_string_append_printf (out, "\n%s: %s", s->name, value);
          total += v;
          bars++;
        }
      if (bars != 1)
        {
          g_autofree char *value = format_value (self, total);

          if (self->unit != NULL)
            /* Translators: the sum of a bar, e.g. "Total: 1,234 requests" */
            g_string_append_printf (out, "\n%s %s %s", C_("chart hover", "Total:"), value, self->unit);
          else
            g_string_append_printf (out, "\n%s %s", C_("chart hover", "Total:"), value);
        }
    }

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      const SyChartPoint *p;
      double f;

      if (s->kind != SY_CHART_LINE)
        continue;
      p = nearest_point (s, t, tol);
      f = forecast_value (s, t);
      if (f >= 0 && (p == NULL || t > p->time_us + tol / 4))
        {
          g_autofree char *value = format_value (self, f);

          if (header == NULL)
            header = sy_chart_format_time (t, self->tz);
          /* Translators: a forecast value in the hover, e.g. "~40% (forecast)" */
          g_string_append_printf (out, "\n%s: ~%s %s", s->name, value, C_("chart hover", "(forecast)"));
        }
      else if (p != NULL)
        {
          g_autofree char *value = format_value (self, p->value);

          if (header == NULL)
            header = sy_chart_format_time (p->time_us, self->tz);
          g_string_append_printf (out, "\n%s: %s", s->name, value);
        }
      if (s->resets != NULL)
        for (guint j = 0; j < s->resets->len; j++)
          {
            gint64 r = g_array_index (s->resets, gint64, j);

            if (fabs (map_x (self, &l, r) - x) <= 4)
              {
                g_autofree char *when = sy_chart_format_time (r, self->tz);

                /* Translators: a quota window reset in the hover */
                g_string_append_printf (out, "\n%s: %s %s", s->name, C_("chart hover", "reset"), when);
              }
          }
    }

  if (header == NULL)
    return NULL;
  g_string_prepend (out, header);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
range_phrase (SyChart *self)
{
  gint64 span = self->to_us - self->from_us;

  if (span <= 2 * DAY_US)
    {
      int hours = (int) ((span + HOUR_US / 2) / HOUR_US);

      return g_strdup_printf (ngettext ("last %d hour", "last %d hours", hours), hours);
    }
  else
    {
      int days = (int) ((span + DAY_US / 2) / DAY_US);

      return g_strdup_printf (ngettext ("last %d day", "last %d days", days), days);
    }
}

/* One sentence about the data, for the accessible description: totals
 * and the peak for bars, the latest value and the forecast for lines. */
char *
sy_chart_dup_summary (SyChart *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *range = NULL;
  const char *title;

  g_return_val_if_fail (SY_IS_CHART (self), NULL);

  range = range_phrase (self);
  title = self->title != NULL ? self->title : C_("chart", "Chart");
  g_string_append_printf (out, "%s, %s:", title, range);
  if (!has_points (self))
    {
      g_string_append_printf (out, " %s", C_("chart summary", "no data yet"));
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  if (has_kind (self, SY_CHART_BARS))
    {
      g_autoptr(GHashTable) totals = bar_totals (self);
      gint64 size = bucket_size (self);
      double total = 0, peak = -1;
      gint64 peak_at = 0;
      g_autofree char *total_s = NULL;
      g_autofree char *peak_s = NULL;
      g_autofree char *when = NULL;

      for (guint i = 0; i < self->series->len; i++)
        {
          Series *s = g_ptr_array_index (self->series, i);

          if (s->kind != SY_CHART_BARS)
            continue;
          for (guint j = 0; j < s->points->len; j++)
            {
              SyChartPoint *p = &g_array_index (s->points, SyChartPoint, j);
              double sum = *(double *) g_hash_table_lookup (totals, &p->time_us);

              total += p->value;
              if (sum > peak || (sum == peak && p->time_us < peak_at))
                {
                  peak = sum;
                  peak_at = p->time_us;
                }
            }
        }
      total_s = format_value (self, total);
      peak_s = format_value (self, peak);
      if (size < DAY_US)
        when = time_of_day (self, peak_at);
      else
        when = sy_chart_format_bucket (peak_at, DAY_US, self->tz);
      /* Translators: e.g. " 1,234 total, peak 96 at 14:00" */
      g_string_append_printf (out, _(" %s total, peak %s at %s"), total_s, peak_s, when);
    }

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      SyChartPoint *last;
      g_autofree char *value = NULL;

      if (s->kind != SY_CHART_LINE || s->points->len == 0)
        continue;
      last = &g_array_index (s->points, SyChartPoint, s->points->len - 1);
      value = format_value (self, last->value);
      if (out->str[out->len - 1] != ':')
        g_string_append_c (out, ';');
      /* Translators: a line's latest value, e.g. " Claude 5 h: 62% now" */
      g_string_append_printf (out, _(" %s: %s now"), s->name, value);
      if (s->forecast_us > last->time_us)
        {
          g_autofree char *when = sy_chart_format_time (s->forecast_us, self->tz);

          /* Translators: when the forecast reaches zero */
          g_string_append_printf (out, _(", runs out around %s"), when);
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
update_accessible (SyChart *self)
{
  AtkObject *accessible = gtk_widget_get_accessible (GTK_WIDGET (self));
  g_autofree char *summary = sy_chart_dup_summary (self);

  atk_object_set_name (accessible, self->title != NULL ? self->title : C_("chart", "Chart"));
  atk_object_set_description (accessible, summary);
}

static void
changed (SyChart *self)
{
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
sy_chart_query_tooltip (GtkWidget  *widget,
                        int         x,
                        int         y,
                        gboolean    keyboard,
                        GtkTooltip *tooltip)
{
  SyChart *self = SY_CHART (widget);
  g_autofree char *text = keyboard ? sy_chart_dup_hover_text (self) : sy_chart_describe_at (self, x, y);
  g_autofree char *head = NULL;
  g_autofree char *markup = NULL;
  char *nl;

  if (text == NULL)
    return FALSE;
  nl = strchr (text, '\n');
  if (nl != NULL)
    *nl = '\0';
  head = g_markup_escape_text (text, -1);
  if (nl != NULL)
    {
      g_autofree char *rest = g_markup_escape_text (nl + 1, -1);

      markup = g_strdup_printf ("<b>%s</b>\n%s", head, rest);
    }
  else
    markup = g_strdup_printf ("<b>%s</b>", head);
  gtk_tooltip_set_markup (tooltip, markup);
  /* Asked again once the pointer leaves this bucket (or these pixels). */
  {
    g_auto(Layout) l = { 0, };
    GdkRectangle area;

    compute_layout (self, &l);
    if (keyboard)
      x = (int) self->hover_x;
    if (has_kind (self, SY_CHART_BARS))
      {
        gint64 b = bucket_start (self, unmap_x (self, &l, x));

        area.x = (int) floor (map_x (self, &l, b));
        area.width = MAX (1, (int) ceil (map_x (self, &l, b + bucket_size (self))) - area.x);
      }
    else
      {
        area.x = x - 2;
        area.width = 4;
      }
    area.y = (int) l.plot_y;
    area.height = (int) l.plot_h;
    gtk_tooltip_set_tip_area (tooltip, &area);
  }
  return TRUE;
}

/* What the tooltip shows for the hovered bucket or moment, whether the
 * pointer or the arrow keys put it there; NULL when nothing is hovered. */
char *
sy_chart_dup_hover_text (SyChart *self)
{
  g_auto(Layout) l = { 0, };

  g_return_val_if_fail (SY_IS_CHART (self), NULL);

  if (!self->hovering || !has_points (self))
    return NULL;
  compute_layout (self, &l);
  return sy_chart_describe_at (self, self->hover_x, l.plot_y + l.plot_h / 2);
}

/* Left and Right step through the buckets (or, for lines, fortieths of
 * the range), Home and End jump to the ends: the keyboard's hover. */
static gboolean
sy_chart_key_press_event (GtkWidget   *widget,
                          GdkEventKey *event)
{
  SyChart *self = SY_CHART (widget);
  g_auto(Layout) l = { 0, };
  gboolean bars;
  gint64 step, t;

  if (!has_points (self) || self->to_us <= self->from_us)
    return GDK_EVENT_PROPAGATE;
  if (event->keyval != GDK_KEY_Left && event->keyval != GDK_KEY_Right && event->keyval != GDK_KEY_KP_Left
      && event->keyval != GDK_KEY_KP_Right && event->keyval != GDK_KEY_Home && event->keyval != GDK_KEY_End)
    return GDK_EVENT_PROPAGATE;

  compute_layout (self, &l);
  bars = has_kind (self, SY_CHART_BARS);
  step = bars ? bucket_size (self) : hover_tolerance (self);
  if (event->keyval == GDK_KEY_Home)
    t = self->from_us;
  else if (event->keyval == GDK_KEY_End || !self->hovering)
    t = self->to_us - 1;
  else
    {
      t = unmap_x (self, &l, self->hover_x);
      t += (event->keyval == GDK_KEY_Left || event->keyval == GDK_KEY_KP_Left) ? -step : step;
      t = CLAMP (t, self->from_us, self->to_us - 1);
    }
  if (bars)   /* the middle of the bucket, clamped into the range */
    t = CLAMP (bucket_start (self, t) + step / 2, self->from_us, self->to_us - 1);
  self->hovering = TRUE;
  self->hover_x = map_x (self, &l, t);
  gtk_widget_queue_draw (widget);
  gtk_widget_trigger_tooltip_query (widget);
  return GDK_EVENT_STOP;
}

static gboolean
sy_chart_button_press_event (GtkWidget      *widget,
                             GdkEventButton *event)
{
  gtk_widget_grab_focus (widget);
  return GDK_EVENT_PROPAGATE;
}

static gboolean
sy_chart_focus_out_event (GtkWidget     *widget,
                          GdkEventFocus *event)
{
  SY_CHART (widget)->hovering = FALSE;
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_PROPAGATE;
}

static gboolean
sy_chart_motion_notify_event (GtkWidget      *widget,
                              GdkEventMotion *event)
{
  SyChart *self = SY_CHART (widget);

  self->hovering = TRUE;
  self->hover_x = event->x;
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_PROPAGATE;
}

static gboolean
sy_chart_leave_notify_event (GtkWidget        *widget,
                             GdkEventCrossing *event)
{
  SyChart *self = SY_CHART (widget);

  self->hovering = FALSE;
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_PROPAGATE;
}

static void
sy_chart_get_preferred_height (GtkWidget *widget,
                               int       *minimum,
                               int       *natural)
{
  *minimum = 120;
  *natural = 240;
}

static void
sy_chart_get_preferred_width (GtkWidget *widget,
                              int       *minimum,
                              int       *natural)
{
  *minimum = 240;
  *natural = 600;
}

static void
sy_chart_finalize (GObject *object)
{
  SyChart *self = SY_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->unit, g_free);
  g_clear_pointer (&self->empty_text, g_free);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  G_OBJECT_CLASS (sy_chart_parent_class)->finalize (object);
}

static void
sy_chart_class_init (SyChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sy_chart_finalize;
  widget_class->draw = sy_chart_draw;
  widget_class->query_tooltip = sy_chart_query_tooltip;
  widget_class->motion_notify_event = sy_chart_motion_notify_event;
  widget_class->leave_notify_event = sy_chart_leave_notify_event;
  widget_class->key_press_event = sy_chart_key_press_event;
  widget_class->button_press_event = sy_chart_button_press_event;
  widget_class->focus_out_event = sy_chart_focus_out_event;
  widget_class->get_preferred_width = sy_chart_get_preferred_width;
  widget_class->get_preferred_height = sy_chart_get_preferred_height;
  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, ATK_ROLE_CHART);
}

static void
sy_chart_init (SyChart *self)
{
  gint64 now = g_get_real_time ();

  self->series = g_ptr_array_new_with_free_func (series_free);
  self->empty_text = g_strdup (_("No requests in this range yet — they appear here as they happen"));
  self->tz = g_time_zone_new_local ();
  self->to_us = now;
  self->from_us = now - DAY_US;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_can_focus (GTK_WIDGET (self), TRUE);
  gtk_widget_add_events (GTK_WIDGET (self), GDK_POINTER_MOTION_MASK | GDK_LEAVE_NOTIFY_MASK
                                            | GDK_BUTTON_PRESS_MASK | GDK_KEY_PRESS_MASK);
  update_accessible (self);
}

GtkWidget *
sy_chart_new (void)
{
  return g_object_new (SY_TYPE_CHART, NULL);
}

/* The accessible name, and the start of the summary: "Requests per hour". */
void
sy_chart_set_title (SyChart    *self,
                    const char *title)
{
  g_return_if_fail (SY_IS_CHART (self));

  g_free (self->title);
  self->title = g_strdup (title);
  changed (self);
}

/* Shown above the value axis and after totals: "requests", "% left". */
void
sy_chart_set_unit (SyChart    *self,
                   const char *unit)
{
  g_return_if_fail (SY_IS_CHART (self));

  g_free (self->unit);
  self->unit = g_strdup (unit);
  changed (self);
}

void
sy_chart_set_value_kind (SyChart          *self,
                         SyChartValueKind  kind)
{
  g_return_if_fail (SY_IS_CHART (self));

  self->value_kind = kind;
  changed (self);
}

/* What the chart says while it has no data. */
void
sy_chart_set_empty_text (SyChart    *self,
                         const char *text)
{
  g_return_if_fail (SY_IS_CHART (self));
  g_return_if_fail (text != NULL);

  g_free (self->empty_text);
  self->empty_text = g_strdup (text);
  changed (self);
}

/* Where the time labels are local to; NULL: the system's zone. */
void
sy_chart_set_time_zone (SyChart   *self,
                        GTimeZone *tz)
{
  g_return_if_fail (SY_IS_CHART (self));

  g_clear_pointer (&self->tz, g_time_zone_unref);
  self->tz = tz != NULL ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  changed (self);
}

/* The time axis, microseconds since the epoch. */
void
sy_chart_set_range (SyChart *self,
                    gint64   from_us,
                    gint64   to_us)
{
  g_return_if_fail (SY_IS_CHART (self));
  g_return_if_fail (to_us > from_us);

  self->from_us = from_us;
  self->to_us = to_us;
  changed (self);
}

/* The width of a bar; 0: the smallest gap between two bars. */
void
sy_chart_set_bucket (SyChart *self,
                     gint64   bucket_us)
{
  g_return_if_fail (SY_IS_CHART (self));
  g_return_if_fail (bucket_us >= 0);

  self->bucket_us = bucket_us;
  changed (self);
}

void
sy_chart_clear (SyChart *self)
{
  g_return_if_fail (SY_IS_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  changed (self);
}

static int
point_cmp (gconstpointer a,
           gconstpointer b)
{
  const SyChartPoint *pa = a, *pb = b;

  return (pa->time_us > pb->time_us) - (pa->time_us < pb->time_us);
}

/* Adds a series; @color NULL takes the next palette colour. The points
 * are copied and sorted by time. Returns the series' index. */
guint
sy_chart_add_series (SyChart            *self,
                     const char         *name,
                     const GdkRGBA      *color,
                     SyChartKind         kind,
                     const SyChartPoint *points,
                     gsize               n_points)
{
  Series *s;

  g_return_val_if_fail (SY_IS_CHART (self), 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (points != NULL || n_points == 0, 0);

  s = g_new0 (Series, 1);
  s->name = g_strdup (name);
  s->kind = kind;
  if (color != NULL)
    s->color = *color;
  else
    gdk_rgba_parse (&s->color, palette[self->series->len % G_N_ELEMENTS (palette)]);
  s->points = g_array_sized_new (FALSE, FALSE, sizeof (SyChartPoint), n_points);
  if (n_points > 0)
    g_array_append_vals (s->points, points, n_points);
  g_array_sort (s->points, point_cmp);
  g_ptr_array_add (self->series, s);
  changed (self);
  return self->series->len - 1;
}

/* A dashed line from the series' last sample down to zero at
 * @zero_at_us: where the quota runs out at the current burn rate.
 * 0 removes it. */
void
sy_chart_set_forecast (SyChart *self,
                       guint    series,
                       gint64   zero_at_us)
{
  g_return_if_fail (SY_IS_CHART (self));
  g_return_if_fail (series < self->series->len);

  ((Series *) g_ptr_array_index (self->series, series))->forecast_us = zero_at_us;
  changed (self);
}

/* Marks where the series' quota window reset. */
void
sy_chart_set_resets (SyChart      *self,
                     guint         series,
                     const gint64 *times_us,
                     gsize         n_times)
{
  Series *s;

  g_return_if_fail (SY_IS_CHART (self));
  g_return_if_fail (series < self->series->len);
  g_return_if_fail (times_us != NULL || n_times == 0);

  s = g_ptr_array_index (self->series, series);
  g_clear_pointer (&s->resets, g_array_unref);
  s->resets = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_times);
  if (n_times > 0)
    g_array_append_vals (s->resets, times_us, n_times);
  changed (self);
}

guint
sy_chart_get_n_series (SyChart *self)
{
  g_return_val_if_fail (SY_IS_CHART (self), 0);

  return self->series->len;
}

void
sy_chart_get_series_color (SyChart *self,
                           guint    series,
                           GdkRGBA *color)
{
  g_return_if_fail (SY_IS_CHART (self));
  g_return_if_fail (series < self->series->len);

  *color = ((Series *) g_ptr_array_index (self->series, series))->color;
}

/* Widget coordinates of (@time_us, @value) with the current allocation;
 * FALSE when the chart is empty (then there is no plot). */
gboolean
sy_chart_map (SyChart *self,
              gint64   time_us,
              double   value,
              double  *x,
              double  *y)
{
  g_auto(Layout) l = { 0, };

  g_return_val_if_fail (SY_IS_CHART (self), FALSE);

  if (!has_points (self) || self->to_us <= self->from_us)
    return FALSE;
  compute_layout (self, &l);
  if (x != NULL)
    *x = map_x (self, &l, time_us);
  if (y != NULL)
    *y = map_y (&l, value);
  return TRUE;
}
