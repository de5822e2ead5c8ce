/* test-chart.c: the chart widget drawn offscreen: empty state, bars where
 * the data says, the forecast line, hover text, summary; PNGs of a few
 * charts go to $SHOT_DIR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "sy-chart.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

static GTimeZone *utc;

static gint64
utc_us (int year, int month, int day, int hour, int minute)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static void
wait_allocated (GtkWidget *widget, int width)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (gtk_widget_get_allocated_width (widget) < width || !gtk_widget_get_mapped (widget))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* An offscreen window holding @content; the chart sits at its origin
 * when @content is the chart. */
static GtkWidget *
offscreen (GtkWidget *content, GtkWidget *chart, int width, int height)
{
  GtkWidget *win = gtk_offscreen_window_new ();

  gtk_widget_set_size_request (chart, width, height);
  gtk_container_add (GTK_CONTAINER (win), content);
  gtk_widget_show_all (win);
  wait_allocated (chart, width);
  return win;
}

static cairo_surface_t *
render (GtkWidget *win, double scale)
{
  int w = gtk_widget_get_allocated_width (win);
  int h = gtk_widget_get_allocated_height (win);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                         (int) ceil (w * scale), (int) ceil (h * scale));
  cairo_t *cr;

  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  gtk_widget_draw (win, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static guint32
pixel (cairo_surface_t *s, int x, int y)
{
  unsigned char *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (s));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (s));
  return *(guint32 *) (data + y * stride + x * 4) & 0xffffff;
}

static int
distance (guint32 a, guint32 b)
{
  int d = 0;

  for (int shift = 0; shift <= 16; shift += 8)
    d = MAX (d, ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)));
  return d;
}

static guint32
rgba_pixel (const GdkRGBA *c)
{
  return ((guint32) lround (c->red * 255) << 16) | ((guint32) lround (c->green * 255) << 8)
         | (guint32) lround (c->blue * 255);
}

static void
save_png (cairo_surface_t *surface, const char *name)
{
  const char *dir = g_getenv ("SHOT_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL)
    dir = g_getenv ("G_TEST_BUILDDIR");
  if (dir == NULL)
    dir = ".";
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  g_test_message ("saved %s", path);
}

static void
test_empty (void)
{
  GtkWidget *chart = sy_chart_new ();
  GtkWidget *win = offscreen (chart, chart, 600, 240);
  cairo_surface_t *s = render (win, 1);
  AtkObject *acc = gtk_widget_get_accessible (chart);
  guint32 bg = pixel (s, 2, 2);
  int inked = 0;
  g_autofree char *text = NULL;

  /* The explanation is written across the middle. */
  for (int y = 100; y < 140; y++)
    for (int x = 100; x < 500; x++)
      inked += distance (pixel (s, x, y), bg) > 40;
  g_assert_cmpint (inked, >, 200);
  /* and nothing is drawn well above it. */
  for (int y = 10; y < 60; y++)
    for (int x = 100; x < 500; x++)
      g_assert_cmpint (distance (pixel (s, x, y), bg), ==, 0);

  text = sy_chart_describe_at (SY_CHART (chart), 300, 120);
  g_assert_null (text);
  g_assert_true (g_str_has_suffix (atk_object_get_description (acc), ": no data yet"));

  cairo_surface_destroy (s);
  gtk_widget_destroy (win);
}

static SyChart *
spike_chart (gint64 from)
{
  SyChart *chart = SY_CHART (sy_chart_new ());
  SyChartPoint points[24];

  for (int h = 0; h < 24; h++)
    points[h] = (SyChartPoint) { from + h * HOUR_US, h == 14 ? 50 : 1 };
  sy_chart_set_time_zone (chart, utc);
  sy_chart_set_title (chart, "Requests per hour");
  sy_chart_set_unit (chart, "requests");
  sy_chart_set_range (chart, from, from + DAY_US);
  sy_chart_set_bucket (chart, HOUR_US);
  sy_chart_add_series (chart, "model-a", NULL, SY_CHART_BARS, points, G_N_ELEMENTS (points));
  return chart;
}

static void
test_spike (void)
{
  gint64 from = utc_us (2026, 11, 26, 0, 0);
  SyChart *chart = spike_chart (from);
  GtkWidget *win = offscreen (GTK_WIDGET (chart), GTK_WIDGET (chart), 720, 300);
  cairo_surface_t *s = render (win, 1);
  cairo_surface_t *hidpi = render (win, 2);
  GdkRGBA color;
  guint32 bg = pixel (s, 2, 2);
  double x, y, qx, qy, lx;
  g_autofree char *at_spike = NULL;
  g_autofree char *at_quiet = NULL;
  g_autofree char *off = NULL;
  g_autofree char *summary = sy_chart_dup_summary (chart);

  sy_chart_get_series_color (chart, 0, &color);
  /* The middle of the spike's bar, half way up, is the series colour; the
   * same height in a quiet hour is background. */
  g_assert_true (sy_chart_map (chart, from + 14 * HOUR_US + HOUR_US / 2, 25, &x, &y));
  g_assert_true (sy_chart_map (chart, from + 10 * HOUR_US + HOUR_US / 2, 25, &qx, &qy));
  g_assert_cmpint (distance (pixel (s, (int) x, (int) y), rgba_pixel (&color)), <=, 8);
  g_assert_cmpint (distance (pixel (s, (int) qx, (int) qy), bg), <=, 8);
  /* The bar does not reach past its value. */
  g_assert_true (sy_chart_map (chart, from + 14 * HOUR_US + HOUR_US / 2, 55, NULL, &y));
  g_assert_cmpint (distance (pixel (s, (int) x, (int) y), rgba_pixel (&color)), >, 60);
  /* Twice the pixels at scale 2, the bar in the same place. */
  g_assert_true (sy_chart_map (chart, from + 14 * HOUR_US + HOUR_US / 2, 25, &x, &y));
  g_assert_cmpint (cairo_image_surface_get_width (hidpi), ==, 2 * cairo_image_surface_get_width (s));
  g_assert_cmpint (distance (pixel (hidpi, (int) (2 * x), (int) (2 * y)), rgba_pixel (&color)), <=, 8);

  at_spike = sy_chart_describe_at (chart, x, y);
  g_assert_cmpstr (at_spike, ==, "Thu, Nov 26, 14:00 – 15:00\nmodel-a: 50");
  at_quiet = sy_chart_describe_at (chart, qx, qy);
  g_assert_cmpstr (at_quiet, ==, "Thu, Nov 26, 10:00 – 11:00\nmodel-a: 1");
  g_assert_true (sy_chart_map (chart, from, 0, &lx, NULL));
  off = sy_chart_describe_at (chart, lx - 3, qy);
  g_assert_null (off);

  g_assert_cmpstr (summary, ==, "Requests per hour, last 24 hours: 73 total, peak 50 at 14:00");
  g_assert_cmpstr (atk_object_get_description (gtk_widget_get_accessible (GTK_WIDGET (chart))), ==, summary);
  g_assert_cmpstr (atk_object_get_name (gtk_widget_get_accessible (GTK_WIDGET (chart))), ==, "Requests per hour");

  cairo_surface_destroy (s);
  cairo_surface_destroy (hidpi);
  gtk_widget_destroy (win);
}

static void
press (GtkWidget *widget, guint keyval)
{
  GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);

  event->key.window = g_object_ref (gtk_widget_get_window (widget));
  event->key.keyval = keyval;
  g_assert_true (gtk_widget_event (widget, event));
  gdk_event_free (event);
}

/* The arrow keys walk the buckets; the hover text follows. */
static void
test_keyboard (void)
{
  gint64 from = utc_us (2026, 11, 26, 0, 0);
  SyChart *chart = spike_chart (from);
  GtkWidget *win = offscreen (GTK_WIDGET (chart), GTK_WIDGET (chart), 720, 300);
  g_autofree char *none = sy_chart_dup_hover_text (chart);
  g_autofree char *end = NULL;
  g_autofree char *left = NULL;
  g_autofree char *home = NULL;
  g_autofree char *clamped = NULL;

  g_assert_null (none);
  g_assert_true (gtk_widget_get_can_focus (GTK_WIDGET (chart)));
  press (GTK_WIDGET (chart), GDK_KEY_End);
  end = sy_chart_dup_hover_text (chart);
  g_assert_cmpstr (end, ==, "Thu, Nov 26, 23:00 – 00:00\nmodel-a: 1");
  for (int i = 0; i < 9; i++)
    press (GTK_WIDGET (chart), GDK_KEY_Left);
  left = sy_chart_dup_hover_text (chart);
  g_assert_cmpstr (left, ==, "Thu, Nov 26, 14:00 – 15:00\nmodel-a: 50");
  press (GTK_WIDGET (chart), GDK_KEY_Home);
  home = sy_chart_dup_hover_text (chart);
  g_assert_cmpstr (home, ==, "Thu, Nov 26, 00:00 – 01:00\nmodel-a: 1");
  press (GTK_WIDGET (chart), GDK_KEY_Left);
  clamped = sy_chart_dup_hover_text (chart);
  g_assert_cmpstr (clamped, ==, home);

  gtk_widget_destroy (win);
}

/* Two models in one hour: stacked in order, the hover adds them up. */
static void
test_stacked (void)
{
  gint64 from = utc_us (2026, 11, 26, 0, 0);
  SyChart *chart = SY_CHART (sy_chart_new ());
  SyChartPoint a[] = { { from + 14 * HOUR_US, 30 }, { from + 15 * HOUR_US, 2 } };
  SyChartPoint b[] = { { from + 14 * HOUR_US, 20 } };
  GtkWidget *win;
  cairo_surface_t *s;
  GdkRGBA ca, cb;
  double x, y_low, y_high;
  g_autofree char *text = NULL;

  sy_chart_set_time_zone (chart, utc);
  sy_chart_set_unit (chart, "requests");
  sy_chart_set_range (chart, from, from + DAY_US);
  sy_chart_add_series (chart, "model-a", NULL, SY_CHART_BARS, a, G_N_ELEMENTS (a));
  sy_chart_add_series (chart, "model-b", NULL, SY_CHART_BARS, b, G_N_ELEMENTS (b));
  win = offscreen (GTK_WIDGET (chart), GTK_WIDGET (chart), 720, 300);
  s = render (win, 1);
  sy_chart_get_series_color (chart, 0, &ca);
  sy_chart_get_series_color (chart, 1, &cb);
  g_assert_false (gdk_rgba_equal (&ca, &cb));

  sy_chart_map (chart, from + 14 * HOUR_US + HOUR_US / 2, 15, &x, &y_low);
  sy_chart_map (chart, from + 14 * HOUR_US + HOUR_US / 2, 40, NULL, &y_high);
  g_assert_cmpint (distance (pixel (s, (int) x, (int) y_low), rgba_pixel (&ca)), <=, 8);
  g_assert_cmpint (distance (pixel (s, (int) x, (int) y_high), rgba_pixel (&cb)), <=, 8);

  /* The bucket is found from the gap between bars (no bucket was set). */
  text = sy_chart_describe_at (chart, x, y_low);
  g_assert_cmpstr (text, ==, "Thu, Nov 26, 14:00 – 15:00\nmodel-a: 30\nmodel-b: 20\nTotal: 50 requests");

  cairo_surface_destroy (s);
  gtk_widget_destroy (win);
}

static SyChart *
quota_chart (gint64 from)
{
  SyChart *chart = SY_CHART (sy_chart_new ());
  SyChartPoint points[25];

  /* 100% to 40% over twelve hours, in half hours. */
  for (int i = 0; i < 25; i++)
    points[i] = (SyChartPoint) { from + i * HOUR_US / 2, 100 - 60.0 * i / 24 };
  sy_chart_set_time_zone (chart, utc);
  sy_chart_set_title (chart, "Quota left");
  sy_chart_set_unit (chart, "% left");
  sy_chart_set_value_kind (chart, SY_CHART_VALUE_PERCENT);
  sy_chart_set_range (chart, from, from + DAY_US);
  sy_chart_add_series (chart, "Claude 5 h", NULL, SY_CHART_LINE, points, G_N_ELEMENTS (points));
  return chart;
}

/* Share of samples along the forecast segment that are not background. */
static double
forecast_ink (SyChart *chart, cairo_surface_t *s, gint64 from, guint32 bg)
{
  int inked = 0, n = 0;

  for (gint64 t = from + 13 * HOUR_US; t <= from + 19 * HOUR_US; t += 5 * 60 * G_USEC_PER_SEC, n++)
    {
      double v = 40.0 * (double) (from + 20 * HOUR_US - t) / (8.0 * HOUR_US);
      double x, y;

      sy_chart_map (chart, t, v, &x, &y);
      inked += distance (pixel (s, (int) x, (int) y), bg) > 40;
    }
  return (double) inked / n;
}

static void
test_forecast (void)
{
  gint64 from = utc_us (2026, 11, 26, 0, 0);
  SyChart *chart = quota_chart (from);
  GtkWidget *win = offscreen (GTK_WIDGET (chart), GTK_WIDGET (chart), 720, 300);
  cairo_surface_t *before = render (win, 1);
  cairo_surface_t *after;
  gint64 resets[] = { from + 5 * HOUR_US, from + 10 * HOUR_US };
  guint32 bg = pixel (before, 2, 2);
  double ink_before, ink_after, x, y;
  g_autofree char *hover = NULL;
  g_autofree char *at_reset = NULL;
  g_autofree char *summary = NULL;

  ink_before = forecast_ink (chart, before, from, bg);
  sy_chart_set_forecast (chart, 0, from + 20 * HOUR_US);
  sy_chart_set_resets (chart, 0, resets, G_N_ELEMENTS (resets));
  after = render (win, 1);
  ink_after = forecast_ink (chart, after, from, bg);
  g_test_message ("forecast ink: %.2f before, %.2f after", ink_before, ink_after);
  /* Nothing there without a forecast; a dashed line with one: mostly ink,
   * with gaps. */
  g_assert_cmpfloat (ink_before, ==, 0);
  g_assert_cmpfloat (ink_after, >, 0.3);
  g_assert_cmpfloat (ink_after, <, 0.95);

  sy_chart_map (chart, from + 16 * HOUR_US, 20, &x, &y);
  hover = sy_chart_describe_at (chart, x, y);
  g_assert_true (g_str_has_suffix (hover, "\nClaude 5 h: ~20% (forecast)"));
  sy_chart_map (chart, from + 5 * HOUR_US, 50, &x, &y);
  at_reset = sy_chart_describe_at (chart, x, y);
  g_assert_cmpstr (at_reset, ==, "Thu, Nov 26, 05:00\nClaude 5 h: 75%\nClaude 5 h: reset Thu, Nov 26, 05:00");

  summary = sy_chart_dup_summary (chart);
  g_assert_cmpstr (summary, ==, "Quota left, last 24 hours: Claude 5 h: 40% now, runs out around Thu, Nov 26, 20:00");

  cairo_surface_destroy (before);
  cairo_surface_destroy (after);
  gtk_widget_destroy (win);
}

/* The PNGs: charts as they would sit in the window, with a heading. */
static GtkWidget *
card (const char *title, const char *subtitle, GtkWidget *chart)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *heading = gtk_label_new (NULL);
  GtkWidget *sub = gtk_label_new (subtitle);
  g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", title);

  gtk_label_set_markup (GTK_LABEL (heading), markup);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_xalign (GTK_LABEL (sub), 0);
  gtk_style_context_add_class (gtk_widget_get_style_context (sub), "dim-label");
  gtk_widget_set_margin_bottom (sub, 8);
  g_object_set (box, "margin", 18, NULL);
  gtk_container_add (GTK_CONTAINER (box), heading);
  gtk_container_add (GTK_CONTAINER (box), sub);
  gtk_container_add (GTK_CONTAINER (box), chart);
  return box;
}

/* Moves the pointer over @chart at @time_us, as a motion event would. */
static void
hover (GtkWidget *chart, gint64 time_us)
{
  GdkEvent *event = gdk_event_new (GDK_MOTION_NOTIFY);
  double x, y;

  g_assert_true (sy_chart_map (SY_CHART (chart), time_us, 0, &x, &y));
  event->motion.window = g_object_ref (gtk_widget_get_window (chart));
  event->motion.x = x;
  event->motion.y = y - 40;
  gtk_widget_event (chart, event);
  gdk_event_free (event);
}

static void
shoot (GtkWidget *content, GtkWidget *chart, const char *name, gint64 hover_us)
{
  GtkWidget *win = offscreen (content, chart, 760, 300);
  cairo_surface_t *s;

  if (hover_us != 0)
    hover (chart, hover_us);
  s = render (win, 1);

  save_png (s, name);
  cairo_surface_destroy (s);
  gtk_widget_destroy (win);
}

static GtkWidget *
requests_by_model (gint64 to)
{
  static const char *models[] = { "claude-sonnet-4-5", "gpt-5-codex", "gemini-2.5-pro", "kimi-k2" };
  static const double weight[] = { 1.0, 0.6, 0.35, 0.15 };
  GtkWidget *chart = sy_chart_new ();
  gint64 from = to - DAY_US;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  sy_chart_set_time_zone (SY_CHART (chart), utc);
  sy_chart_set_title (SY_CHART (chart), "Requests per hour");
  sy_chart_set_unit (SY_CHART (chart), "requests");
  sy_chart_set_range (SY_CHART (chart), from, to);
  sy_chart_set_bucket (SY_CHART (chart), HOUR_US);
  for (guint m = 0; m < G_N_ELEMENTS (models); m++)
    {
      SyChartPoint points[24];

      for (int h = 0; h < 24; h++)
        {
          gint64 t = from + h * HOUR_US;
          int hour = (int) ((t / HOUR_US) % 24);
          /* A working day: quiet at night, busy late morning and afternoon. */
          double day = hour >= 8 && hour <= 19 ? 1 - pow ((hour - 13.5) / 7.0, 2) : 0.05;

          points[h] = (SyChartPoint) { t, round (weight[m] * (4 + 80 * day) * g_rand_double_range (rand, 0.6, 1.3)) };
        }
      sy_chart_add_series (SY_CHART (chart), models[m], NULL, SY_CHART_BARS, points, 24);
    }
  return chart;
}

static GtkWidget *
tokens_by_account (gint64 to)
{
  static const char *accounts[] = { "me@example.com", "work@example.org", "Codex · team" };
  GtkWidget *chart = sy_chart_new ();
  gint64 from = to - 7 * DAY_US;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  sy_chart_set_time_zone (SY_CHART (chart), utc);
  sy_chart_set_title (SY_CHART (chart), "Tokens per 6 hours");
  sy_chart_set_unit (SY_CHART (chart), "tokens");
  sy_chart_set_range (SY_CHART (chart), from, to);
  sy_chart_set_bucket (SY_CHART (chart), 6 * HOUR_US);
  for (guint a = 0; a < G_N_ELEMENTS (accounts); a++)
    {
      SyChartPoint points[28];

      for (int i = 0; i < 28; i++)
        {
          int slot = i % 4;
          double busy = slot == 0 ? 0.05 : slot == 3 ? 0.4 : 1;

          points[i] = (SyChartPoint) { from + i * 6 * HOUR_US,
                                       round (busy * g_rand_double_range (rand, 2e5, 1.6e6) / (a + 1)) };
        }
      sy_chart_add_series (SY_CHART (chart), accounts[a], NULL, SY_CHART_BARS, points, 28);
    }
  return chart;
}

/* Two five-hour windows: each drains, resets to 100%; the current one
 * has a forecast. The range runs six hours into the future. */
static GtkWidget *
quota_over_time (gint64 now)
{
  static const char *names[] = { "Claude · me@example.com", "Codex · work@example.org" };
  static const double rate[] = { 14, 9 };   /* % per hour while working */
  GtkWidget *chart = sy_chart_new ();
  gint64 from = now - 18 * HOUR_US;

  sy_chart_set_time_zone (SY_CHART (chart), utc);
  sy_chart_set_title (SY_CHART (chart), "Quota left, 5-hour windows");
  sy_chart_set_unit (SY_CHART (chart), "% left");
  sy_chart_set_value_kind (SY_CHART (chart), SY_CHART_VALUE_PERCENT);
  sy_chart_set_range (SY_CHART (chart), from, now + 6 * HOUR_US);
  for (guint a = 0; a < G_N_ELEMENTS (names); a++)
    {
      g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (SyChartPoint));
      g_autoptr(GArray) resets = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 window_start = from - (a + 1) * 3 * HOUR_US / 2;
      double left = 100;
      guint index;

      for (gint64 t = from; t <= now; t += 15 * 60 * G_USEC_PER_SEC)
        {
          SyChartPoint p;
          int hour = (int) ((t / HOUR_US) % 24);
          double busy = hour >= 8 && hour <= 20 ? 1 : 0.1;

          if (t >= window_start + 5 * HOUR_US)
            {
              window_start += 5 * HOUR_US;
              g_array_append_val (resets, window_start);
              /* The sample at the reset itself shows the drop. */
              p = (SyChartPoint) { window_start, left };
              g_array_append_val (points, p);
              left = 100;
              p = (SyChartPoint) { window_start, left };
              g_array_append_val (points, p);
              if (t == window_start)
                continue;
            }
          left = MAX (0, left - rate[a] * busy / 4 * (0.7 + 0.6 * ((t / (15 * 60 * G_USEC_PER_SEC)) % 3) / 2.0));
          p = (SyChartPoint) { t, left };
          g_array_append_val (points, p);
        }
      index = sy_chart_add_series (SY_CHART (chart), names[a], NULL, SY_CHART_LINE,
                                   (SyChartPoint *) (void *) points->data, points->len);
      sy_chart_set_resets (SY_CHART (chart), index, (gint64 *) (void *) resets->data, resets->len);
      /* Burn rate of the last hour carried forward. */
      {
        SyChartPoint *last = &g_array_index (points, SyChartPoint, points->len - 1);
        gint64 hour_ago = last->time_us - HOUR_US;
        double then = last->value;

        for (guint i = 0; i < points->len; i++)
          if (g_array_index (points, SyChartPoint, i).time_us == hour_ago)
            then = g_array_index (points, SyChartPoint, i).value;
        if (then > last->value)
          sy_chart_set_forecast (SY_CHART (chart), index,
                                 last->time_us + (gint64) (last->value / (then - last->value) * HOUR_US));
      }
    }
  return chart;
}

static void
shoot_all (gboolean dark)
{
  gint64 now = utc_us (2026, 11, 26, 15, 45);
  const char *suffix = dark ? "-dark" : "";
  g_autofree char *n1 = g_strdup_printf ("chart-requests-24h%s.png", suffix);
  g_autofree char *n2 = g_strdup_printf ("chart-tokens-7d%s.png", suffix);
  g_autofree char *n3 = g_strdup_printf ("chart-quota%s.png", suffix);
  g_autofree char *n4 = g_strdup_printf ("chart-empty%s.png", suffix);
  GtkWidget *chart;

  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", dark, NULL);

  chart = requests_by_model (utc_us (2026, 11, 26, 17, 0));
  shoot (card ("Requests", "By model, last 24 hours", chart), chart, n1, utc_us (2026, 11, 26, 14, 30));
  chart = tokens_by_account (utc_us (2026, 11, 27, 0, 0));
  shoot (card ("Tokens", "By account, last 7 days", chart), chart, n2, 0);
  chart = quota_over_time (now);
  shoot (card ("Quota", "Remaining per account and window, with resets and forecast", chart), chart, n3, now - 2 * HOUR_US);
  chart = sy_chart_new ();
  shoot (card ("Requests", "By model, last 24 hours", chart), chart, n4, 0);

  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
}

static void
test_screenshots (void)
{
  shoot_all (FALSE);
  shoot_all (TRUE);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  utc = g_time_zone_new_utc ();
  g_test_add_func ("/chart/empty", test_empty);
  g_test_add_func ("/chart/spike", test_spike);
  g_test_add_func ("/chart/keyboard", test_keyboard);
  g_test_add_func ("/chart/stacked", test_stacked);
  g_test_add_func ("/chart/forecast", test_forecast);
  g_test_add_func ("/chart/screenshots", test_screenshots);
  return g_test_run ();
}
