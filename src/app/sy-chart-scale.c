/* sy-chart-scale.c: axis ticks and value labels for the charts (no GTK)
 *
 * The charts show counts (requests, tokens) and percentages over 24 hours
 * to 30 days. Value ticks fall on 1-2-5 steps so the labels read as round
 * numbers; time ticks fall on local hours or local midnights so "06:00"
 * means six in the morning where the person is, across DST changes too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-chart"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sy-chart-scale.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

/* Fills @out (a GArray of double) with ticks on a 1-2-5 step covering
 * [@min, @max], at most @max_ticks of them, the step at least @min_step
 * (1 for counts, where half a request means nothing). Returns the step. */
double
sy_chart_nice_ticks_full (double  min,
                          double  max,
                          guint   max_ticks,
                          double  min_step,
                          GArray *out)
{
  static const double mult[] = { 1, 2, 5 };
  double raw, mag, step = 1, lo, hi;
  gint64 k0 = 0, k1 = 0;
  guint i;

  g_return_val_if_fail (out != NULL, 0);
  g_return_val_if_fail (g_array_get_element_size (out) == sizeof (double), 0);

  g_array_set_size (out, 0);
  if (!isfinite (min) || !isfinite (max))
    return 0;
  if (min > max)
    {
      double t = min;

      min = max;
      max = t;
    }
  /* Two ticks cannot cover a range on both sides of zero. */
  max_ticks = MAX (max_ticks, min < 0 && max > 0 ? 3 : 2);
  if (max == min)   /* all values equal, often all zero: still show a scale */
    max = min + MAX (MAX (min_step, 1), fabs (min));

  raw = (max - min) / (max_ticks - 1);
  mag = pow (10, floor (log10 (raw)));
  for (i = 0; i < 64; i++)
    {
      step = mult[i % 3] * mag * pow (10, i / 3);
      if (step < min_step)
        continue;
      k0 = (gint64) floor (min / step + 1e-9);
      k1 = (gint64) ceil (max / step - 1e-9);
      if (k1 - k0 + 1 <= (gint64) max_ticks)
        break;
    }
  /* Computed from the integer index, not by adding steps, so 0.3 stays 0.3. */
  for (gint64 k = k0; k <= k1; k++)
    {
      double v = k * step;

      if (fabs (v) < step * 1e-9)
        v = 0;
      g_array_append_val (out, v);
    }
  lo = k0 * step;
  hi = k1 * step;
  g_assert (lo <= min + step * 1e-6 && hi >= max - step * 1e-6);
  return step;
}

double
sy_chart_nice_ticks (double  min,
                     double  max,
                     guint   max_ticks,
                     GArray *out)
{
  return sy_chart_nice_ticks_full (min, max, max_ticks, 0, out);
}

static void
time_tick_clear (gpointer data)
{
  SyChartTimeTick *tick = data;

  g_clear_pointer (&tick->label, g_free);
}

static guint
julian_day (GDateTime *dt)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (dt),
                  g_date_time_get_month (dt), g_date_time_get_year (dt));
  return g_date_get_julian (&date);
}

static void
add_tick (GArray    *ticks,
          GDateTime *dt,
          gboolean   major,
          const char *format)
{
  SyChartTimeTick tick = { 0, };

  tick.time_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  tick.major = major;
  tick.label = g_date_time_format (dt, format);
  g_array_append_val (ticks, tick);
}

/* Ticks for a time axis from @from_us to @to_us (microseconds since the
 * epoch), at most @max_ticks, on local hours (1, 2, 3, 6, 12) or local
 * midnights (every day, every other day, Mondays, every other Monday).
 * Returns a GArray of SyChartTimeTick that frees its labels. */
GArray *
sy_chart_time_ticks (gint64     from_us,
                     gint64     to_us,
                     guint      max_ticks,
                     GTimeZone *tz)
{
  static const int hour_steps[] = { 1, 2, 3, 6, 12 };
  static const int day_steps[] = { 1, 2, 7, 14, 28 };
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GArray) ticks = g_array_new (FALSE, TRUE, sizeof (SyChartTimeTick));
  gint64 span = to_us - from_us;
  int hours = 0, days = 0;
  guint i;

  g_array_set_clear_func (ticks, time_tick_clear);
  if (span <= 0)
    return g_steal_pointer (&ticks);
  if (tz == NULL)
    tz = local = g_time_zone_new_local ();
  max_ticks = MAX (max_ticks, 2);

  for (i = 0; i < G_N_ELEMENTS (hour_steps) && hours == 0; i++)
    if (span / (hour_steps[i] * HOUR_US) + 1 <= max_ticks)
      hours = hour_steps[i];
  for (i = 0; i < G_N_ELEMENTS (day_steps) && hours == 0 && days == 0; i++)
    if (span / (day_steps[i] * DAY_US) + 1 <= max_ticks)
      days = day_steps[i];
  if (hours == 0 && days == 0)
    days = (int) (span / DAY_US / (max_ticks - 1)) + 1;

  if (hours > 0)
    {
      /* Walk whole hours and keep those whose local hour is on the step:
       * across a DST change the labels stay 00:00, 03:00, 06:00. */
      gint64 first = (from_us + HOUR_US - 1) / HOUR_US * HOUR_US;

      for (gint64 t = first; t <= to_us; t += HOUR_US)
        {
          g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
          g_autoptr(GDateTime) here = g_date_time_to_timezone (dt, tz);
          int h = g_date_time_get_hour (here);

          if (g_date_time_get_minute (here) != 0 || h % hours != 0)
            continue;
          if (h == 0)   /* where the day changes, the date says so */
            add_tick (ticks, here, TRUE, C_("chart axis, day", "%b %-d"));
          else
            add_tick (ticks, here, FALSE, C_("chart axis, time of day", "%H:%M"));
        }
    }
  else
    {
      g_autoptr(GDateTime) start = g_date_time_new_from_unix_utc (from_us / G_USEC_PER_SEC);
      g_autoptr(GDateTime) here = g_date_time_to_timezone (start, tz);
      g_autoptr(GDateTime) day = g_date_time_new (tz, g_date_time_get_year (here),
                                                  g_date_time_get_month (here),
                                                  g_date_time_get_day_of_month (here),
                                                  0, 0, 0);

      /* Adding days keeps local midnight whatever DST does in between. */
      for (int n = 0; n < 400; n++)
        {
          g_autoptr(GDateTime) dt = g_date_time_add_days (day, n);
          gint64 t = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
          guint jd = julian_day (dt);
          gboolean keep;

          if (t > to_us)
            break;
          if (t < from_us)
            continue;
          if (days >= 7)
            keep = g_date_time_get_day_of_week (dt) == 1 && (jd / 7) % (days / 7) == 0;
          else
            keep = jd % days == 0;
          if (keep)
            add_tick (ticks, dt, g_date_time_get_day_of_month (dt) == 1,
                      days >= 7 ? C_("chart axis, day", "%b %-d")
                                : C_("chart axis, weekday and day", "%a %-d"));
        }
    }
  return g_steal_pointer (&ticks);
}

/* Digits in groups of three with the locale's separator; "," where the
 * locale has none (the C locale), which is what English readers expect. */
char *
sy_chart_format_count (double value)
{
  const struct lconv *lc = localeconv ();
  const char *sep = lc->thousands_sep != NULL && *lc->thousands_sep ? lc->thousands_sep : ",";
  g_autofree char *digits = NULL;
  GString *out = g_string_new (NULL);
  double rounded = round (value);
  gboolean fraction = fabs (value - rounded) >= 0.05 && fabs (value) < 100;
  gsize len, i;

  if (!isfinite (value))
    return g_string_free (g_string_append (out, "–"), FALSE);
  if (fraction)   /* an average or a rate: one decimal is enough */
    {
      g_string_printf (out, "%.1f", value);
      return g_string_free (out, FALSE);
    }
  if (rounded < 0)
    g_string_append_c (out, '-');
  digits = g_strdup_printf ("%.0f", fabs (rounded));
  len = strlen (digits);
  for (i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, sep);
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/* Short labels for axes: 950, 1.2k, 12k, 3.4M, 1.1B. */
char *
sy_chart_format_compact (double value)
{
  static const struct { double scale; const char *suffix; } units[] = {
    /* Translators: number suffixes for billions, millions, thousands */
    { 1e9, NC_("chart number suffix", "B") },
    { 1e6, NC_("chart number suffix", "M") },
    { 1e3, NC_("chart number suffix", "k") },
  };
  double a = fabs (value);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (units); i++)
    if (a >= units[i].scale)
      {
        double v = value / units[i].scale;
        const char *suffix = g_dpgettext2 (NULL, "chart number suffix", units[i].suffix);

        if (fabs (v) < 10 && fabs (v - round (v)) >= 0.05)
          return g_strdup_printf ("%.1f%s", v, suffix);
        return g_strdup_printf ("%.0f%s", round (v), suffix);
      }
  return sy_chart_format_count (value);
}

char *
sy_chart_format_percent (double value)
{
  if (value > 0 && value < 1)
    /* Translators: a percentage, e.g. "0.5%" */
    return g_strdup_printf (_("%.1f%%"), value);
  /* Translators: a percentage, e.g. "62%" */
  return g_strdup_printf (_("%.0f%%"), round (value));
}

static GDateTime *
local_time (gint64     time_us,
            GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GTimeZone) local = NULL;

  if (tz == NULL)
    tz = local = g_time_zone_new_local ();
  return g_date_time_to_timezone (utc, tz);
}

/* "Thu, Nov 26, 14:05": a moment, for a line chart's hover. */
char *
sy_chart_format_time (gint64     time_us,
                      GTimeZone *tz)
{
  g_autoptr(GDateTime) dt = local_time (time_us, tz);

  return g_date_time_format (dt, C_("chart hover, moment", "%a, %b %-d, %H:%M"));
}

/* "Thu, Nov 26, 14:00 – 15:00", or "Thu, Nov 26" for a day, or
 * "Nov 23 – Nov 30" for a longer bucket: the hover header of a bar. */
char *
sy_chart_format_bucket (gint64     start_us,
                        gint64     bucket_us,
                        GTimeZone *tz)
{
  g_autoptr(GDateTime) start = local_time (start_us, tz);
  g_autoptr(GDateTime) end = local_time (start_us + bucket_us, tz);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (bucket_us < DAY_US)
    {
      a = g_date_time_format (start, C_("chart hover, bucket start", "%a, %b %-d, %H:%M"));
      b = g_date_time_format (end, C_("chart hover, bucket end", "%H:%M"));
    }
  else if (bucket_us == DAY_US)
    return g_date_time_format (start, C_("chart hover, day", "%a, %b %-d"));
  else
    {
      g_autoptr(GDateTime) last = g_date_time_add_seconds (end, -1);

      a = g_date_time_format (start, C_("chart hover, day", "%b %-d"));
      b = g_date_time_format (last, C_("chart hover, day", "%b %-d"));
    }
  /* Translators: a span of time, e.g. "14:00 – 15:00" */
  return g_strdup_printf (_("%s – %s"), a, b);
}
