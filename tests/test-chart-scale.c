/* test-chart-scale.c: value ticks, time ticks and labels of the charts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "sy-chart-scale.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

static gint64
utc_us (int year, int month, int day, int hour, int minute)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static void
check_ticks (double min, double max, guint max_ticks, double min_step,
             double want_step, const double *want, guint n_want)
{
  g_autoptr(GArray) ticks = g_array_new (FALSE, FALSE, sizeof (double));
  double step = sy_chart_nice_ticks_full (min, max, max_ticks, min_step, ticks);

  g_assert_cmpfloat_with_epsilon (step, want_step, want_step * 1e-9);
  g_assert_cmpuint (ticks->len, ==, n_want);
  for (guint i = 0; i < n_want; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (ticks, double, i), want[i], 1e-9);
}

static void
test_nice_ticks_table (void)
{
  static const double a[] = { 0, 20, 40, 60, 80, 100 };
  static const double b[] = { 0, 500, 1000, 1500 };
  static const double c[] = { 0, 1 };
  static const double d[] = { 0, 0.1, 0.2, 0.3 };
  static const double e[] = { -10, -5, 0, 5, 10, 15 };
  static const double f[] = { 0, 1, 2, 3 };

  check_ticks (0, 96, 6, 0, 20, a, G_N_ELEMENTS (a));
  check_ticks (0, 1234, 5, 0, 500, b, G_N_ELEMENTS (b));
  /* All zero: still a scale, and counts never step by half a request. */
  check_ticks (0, 0, 5, 1, 1, c, G_N_ELEMENTS (c));
  check_ticks (0, 0.3, 4, 0, 0.1, d, G_N_ELEMENTS (d));
  check_ticks (-7, 13, 6, 0, 5, e, G_N_ELEMENTS (e));
  check_ticks (0, 3, 10, 1, 1, f, G_N_ELEMENTS (f));
  /* Reversed bounds are the same range. */
  check_ticks (96, 0, 6, 0, 20, a, G_N_ELEMENTS (a));
}

/* Any range: at most max_ticks ticks, a 1-2-5 step, covering the range,
 * evenly spaced. */
static void
test_nice_ticks_random (void)
{
  g_autoptr(GArray) ticks = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 0; i < 2000; i++)
    {
      double min = g_test_rand_double_range (-1e6, 1e6) * pow (10, g_test_rand_int_range (-6, 3));
      double max = min + g_test_rand_double_range (1e-3, 1e7);
      guint max_ticks = g_test_rand_int_range (2, 12);
      double step = sy_chart_nice_ticks (min, max, max_ticks, ticks);
      double mant = step / pow (10, floor (log10 (step)));

      g_assert_cmpuint (ticks->len, <=, min < 0 && max > 0 ? MAX (max_ticks, 3) : max_ticks);
      g_assert_cmpuint (ticks->len, >=, 2);
      g_assert_true (fabs (mant - 1) < 1e-6 || fabs (mant - 2) < 1e-6 || fabs (mant - 5) < 1e-6);
      g_assert_cmpfloat (g_array_index (ticks, double, 0), <=, min + step * 1e-6);
      g_assert_cmpfloat (g_array_index (ticks, double, ticks->len - 1), >=, max - step * 1e-6);
      for (guint j = 1; j < ticks->len; j++)
        g_assert_cmpfloat_with_epsilon (g_array_index (ticks, double, j) - g_array_index (ticks, double, j - 1),
                                        step, step * 1e-6);
    }
}

static GString *
tick_labels (GArray *ticks)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ticks->len; i++)
    {
      SyChartTimeTick *t = &g_array_index (ticks, SyChartTimeTick, i);

      g_string_append_printf (out, "%s%s%s", i ? "|" : "", t->major ? "*" : "", t->label);
    }
  return out;
}

static void
test_time_ticks_ranges (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  gint64 to = utc_us (2026, 11, 26, 21, 23);
  g_autoptr(GArray) day = sy_chart_time_ticks (to - DAY_US, to, 9, utc);
  g_autoptr(GArray) week = sy_chart_time_ticks (to - 7 * DAY_US, to, 8, utc);
  g_autoptr(GArray) month = sy_chart_time_ticks (to - 30 * DAY_US, to, 8, utc);
  g_autoptr(GArray) empty = sy_chart_time_ticks (to, to, 8, utc);
  g_autoptr(GString) s = NULL;

  /* 24 hours: every 3 h on the hour; the day change says the date. */
  s = tick_labels (day);
  g_assert_cmpstr (s->str, ==, "*Nov 26|03:00|06:00|09:00|12:00|15:00|18:00|21:00");
  g_assert_cmpint (g_array_index (day, SyChartTimeTick, 0).time_us, ==, utc_us (2026, 11, 26, 0, 0));
  g_string_free (g_steal_pointer (&s), TRUE);

  /* 7 days: midnights, weekday and day. */
  s = tick_labels (week);
  g_assert_cmpstr (s->str, ==, "Fri 20|Sat 21|Sun 22|Mon 23|Tue 24|Wed 25|Thu 26");
  g_string_free (g_steal_pointer (&s), TRUE);

  /* 30 days: Mondays; the first of a month is major. */
  s = tick_labels (month);
  g_assert_cmpstr (s->str, ==, "Nov 2|Nov 9|Nov 16|Nov 23");
  for (guint i = 0; i < month->len; i++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (
        g_array_index (month, SyChartTimeTick, i).time_us / G_USEC_PER_SEC);

      g_assert_cmpint (g_date_time_get_day_of_week (dt), ==, 1);
      g_assert_cmpint (g_date_time_get_hour (dt), ==, 0);
    }
  g_string_free (g_steal_pointer (&s), TRUE);

  g_assert_cmpuint (empty->len, ==, 0);
}

/* Across the end of summer time (Europe/Berlin, 2026-10-25 03:00 CEST
 * becomes 02:00 CET) the ticks stay on local hours and local midnights. */
static void
test_time_ticks_dst (void)
{
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(GArray) hours = NULL;
  g_autoptr(GArray) days = NULL;
  gint64 from = utc_us (2026, 10, 24, 12, 0);

  if (berlin == NULL)
    {
      g_test_skip ("no Europe/Berlin in the time zone database");
      return;
    }
  hours = sy_chart_time_ticks (from, from + DAY_US, 9, berlin);
  for (guint i = 0; i < hours->len; i++)
    {
      g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc (
        g_array_index (hours, SyChartTimeTick, i).time_us / G_USEC_PER_SEC);
      g_autoptr(GDateTime) here = g_date_time_to_timezone (u, berlin);

      g_assert_cmpint (g_date_time_get_hour (here) % 3, ==, 0);
      g_assert_cmpint (g_date_time_get_minute (here), ==, 0);
    }
  /* 15:00 ... 12:00 local: the night has one hour more, the count holds. */
  g_assert_cmpuint (hours->len, ==, 8);
  g_assert_cmpstr (g_array_index (hours, SyChartTimeTick, 3).label, ==, "Oct 25");
  g_assert_cmpstr (g_array_index (hours, SyChartTimeTick, 4).label, ==, "03:00");
  /* 00:00 to 03:00 local on that night is 4 real hours. */
  g_assert_cmpint (g_array_index (hours, SyChartTimeTick, 4).time_us
                   - g_array_index (hours, SyChartTimeTick, 3).time_us, ==, 4 * HOUR_US);

  days = sy_chart_time_ticks (from - 3 * DAY_US, from + 4 * DAY_US, 8, berlin);
  g_assert_cmpuint (days->len, ==, 7);
  for (guint i = 0; i < days->len; i++)
    {
      g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc (
        g_array_index (days, SyChartTimeTick, i).time_us / G_USEC_PER_SEC);
      g_autoptr(GDateTime) here = g_date_time_to_timezone (u, berlin);

      g_assert_cmpint (g_date_time_get_hour (here), ==, 0);
    }
}

static void
test_format_values (void)
{
  static const struct { double v; const char *count, *compact; } table[] = {
    { 0, "0", "0" },
    { 7, "7", "7" },
    { 950, "950", "950" },
    { 999.6, "1,000", "1,000" },
    { 1000, "1,000", "1k" },
    { 1234, "1,234", "1.2k" },
    { 12000, "12,000", "12k" },
    { 15400, "15,400", "15k" },
    { 1234567, "1,234,567", "1.2M" },
    { 3000000, "3,000,000", "3M" },
    { 1.1e9, "1,100,000,000", "1.1B" },
    { -1500, "-1,500", "-1.5k" },
    { 12.5, "12.5", "12.5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *count = sy_chart_format_count (table[i].v);
      g_autofree char *compact = sy_chart_format_compact (table[i].v);

      g_assert_cmpstr (count, ==, table[i].count);
      g_assert_cmpstr (compact, ==, table[i].compact);
    }
}

static void
test_format_percent_and_time (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *p1 = sy_chart_format_percent (62.4);
  g_autofree char *p2 = sy_chart_format_percent (0.5);
  g_autofree char *p3 = sy_chart_format_percent (100);
  g_autofree char *hour = sy_chart_format_bucket (utc_us (2026, 11, 26, 14, 0), HOUR_US, utc);
  g_autofree char *day = sy_chart_format_bucket (utc_us (2026, 11, 26, 0, 0), DAY_US, utc);
  g_autofree char *week = sy_chart_format_bucket (utc_us (2026, 11, 23, 0, 0), 7 * DAY_US, utc);
  g_autofree char *moment = sy_chart_format_time (utc_us (2026, 11, 26, 18, 40), utc);

  g_assert_cmpstr (p1, ==, "62%");
  g_assert_cmpstr (p2, ==, "0.5%");
  g_assert_cmpstr (p3, ==, "100%");
  g_assert_cmpstr (hour, ==, "Thu, Nov 26, 14:00 – 15:00");
  g_assert_cmpstr (day, ==, "Thu, Nov 26");
  g_assert_cmpstr (week, ==, "Nov 23 – Nov 29");
  g_assert_cmpstr (moment, ==, "Thu, Nov 26, 18:40");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chart-scale/nice-ticks/table", test_nice_ticks_table);
  g_test_add_func ("/chart-scale/nice-ticks/random", test_nice_ticks_random);
  g_test_add_func ("/chart-scale/time-ticks/ranges", test_time_ticks_ranges);
  g_test_add_func ("/chart-scale/time-ticks/dst", test_time_ticks_dst);
  g_test_add_func ("/chart-scale/format/values", test_format_values);
  g_test_add_func ("/chart-scale/format/percent-time", test_format_percent_and_time);
  return g_test_run ();
}
