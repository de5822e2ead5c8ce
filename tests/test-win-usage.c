/* test-win-usage.c: the Usage & quota window over a core with usage
 *
 * A started service's usage store is filled with records over the last
 * hours (three models, two accounts, two client keys, some failures) and
 * a few days ago, its quota history with two runs of a five-hour window;
 * the window's totals, series and quota chart must say what was put in,
 * follow the range and grouping switchers, explain an empty store, and
 * pick up a request made through the proxy without being asked to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <gtk/gtk.h>

#include "app-test-util.h"
#include "fake-upstream.h"
#include "http-test-util.h"
#include "sy-account-state.h"
#include "sy-chart.h"
#include "sy-log.h"
#include "sy-quota.h"
#include "sy-quota-history.h"
#include "sy-service-logins.h"
#include "sy-usage.h"
#include "sy-usage-window.h"

#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define MIN_US  (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

#define CLIENT_ONE "sk-client-one-0000"
#define CLIENT_TWO "sk-client-two-1111"

#define CONFIG \
  "api-keys:\n" \
  "  - " CLIENT_ONE "\n" \
  "  - " CLIENT_TWO "\n" \
  "openai-compatibility:\n" \
  "  - name: Fake\n" \
  "    base-url: \"%s/v1\"\n" \
  "    api-key-entries:\n" \
  "      - api-key: sk-upstream-one\n" \
  "      - api-key: sk-upstream-two\n" \
  "    models:\n" \
  "      - name: echo\n"

static const char *models[] = { "claude-sonnet-4-5", "gpt-5-codex", "gemini-2.5-pro" };

#define N_RECENT 42
#define N_FAILED 5   /* i % 9 == 0 */
#define N_OLD    8

typedef struct
{
  FakeUpstream   *upstream;
  AppTestService  t;
  char           *accounts[2];
  gint64          now;
  gint64          base;       /* the first record's hour */
  gint64          old;        /* the old records' start, three days back */
  GtkWidget      *win;
} Fixture;

static char *
key_id (const char *key)
{
  char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  digest[16] = '\0';
  return digest;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_usage_flushed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_assert_true (sy_usage_store_flush_finish (SY_USAGE_STORE (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static void
on_quota_flushed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_assert_true (sy_quota_history_flush_finish (SY_QUOTA_HISTORY (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *yaml = NULL;
  GListModel *accounts;

  f->upstream = fake_upstream_new ();
  yaml = g_strdup_printf (CONFIG, fake_upstream_get_url (f->upstream));
  app_test_service_init (&f->t, yaml);
  accounts = sy_service_get_accounts (f->t.service);
  g_assert_cmpuint (g_list_model_get_n_items (accounts), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);

      f->accounts[i] = g_strdup (sy_account_state_get_id (state));
    }
  f->now = g_get_real_time ();
  f->base = (f->now / HOUR_US - 5) * HOUR_US;
  {
    /* An hour into a (local) 6-hour bucket, so that the old records share
     * one bucket of the week and one day of the month, whatever the time. */
    g_autoptr(GDateTime) then = g_date_time_new_from_unix_local ((f->now - 3 * DAY_US) / G_USEC_PER_SEC);
    g_autoptr(GDateTime) start = g_date_time_new_local (g_date_time_get_year (then),
                                                        g_date_time_get_month (then),
                                                        g_date_time_get_day_of_month (then),
                                                        g_date_time_get_hour (then) / 6 * 6 + 1, 0, 0);

    f->old = g_date_time_to_unix (start) * G_USEC_PER_SEC;
  }
  g_assert_nonnull (sy_service_get_usage (f->t.service));
  g_assert_nonnull (sy_service_get_quota_history (f->t.service));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->win, gtk_widget_destroy);
  app_test_service_clear (&f->t);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_free (f->accounts[0]);
  g_free (f->accounts[1]);
}

/* Record i of the recent ones: hour i % 5 after base, model i % 3,
 * account i % 2, key one for three in four, a failure when i % 9 == 0. */
static SyUsageRecord
recent_record (Fixture *f,
               int      i,
               char    *key_one,
               char    *key_two)
{
  SyUsageRecord r = { 0 };

  r.time_us = f->base + (i % 5) * HOUR_US + i * MIN_US;
  r.key_id = i % 4 < 3 ? key_one : key_two;
  r.key_label = "sk-...";
  r.account_id = f->accounts[i % 2];
  r.provider = "openai-compatibility";
  r.model_asked = (char *) models[i % 3];
  r.model_served = (char *) models[i % 3];
  r.client_format = "openai";
  r.upstream_format = "openai";
  r.status = i % 9 == 0 ? 500 : 200;
  r.latency_us = 800 * 1000;
  r.input_tokens = 100 + i;
  r.output_tokens = 20;
  return r;
}

static void
populate (Fixture *f)
{
  SyUsageStore *store = sy_service_get_usage (f->t.service);
  SyQuotaHistory *history = sy_service_get_quota_history (f->t.service);
  g_autofree char *key_one = key_id (CLIENT_ONE);
  g_autofree char *key_two = key_id (CLIENT_TWO);
  gint64 first_reset = f->now - 4 * HOUR_US - 10 * MIN_US;
  gboolean usage_done = FALSE, quota_done = FALSE;

  for (int i = 0; i < N_RECENT; i++)
    {
      SyUsageRecord r = recent_record (f, i, key_one, key_two);

      sy_usage_store_add (store, &r);
    }
  /* Three days ago: only the 7- and 30-day ranges see them. */
  for (int i = 0; i < N_OLD; i++)
    {
      SyUsageRecord r = recent_record (f, 1, key_one, key_two);

      r.time_us = f->old + i * MIN_US;
      r.model_asked = r.model_served = "kimi-k2";
      sy_usage_store_add (store, &r);
    }

  /* The five-hour window of the first account: a run that ended at
   * first_reset, then the current one, draining fast (it runs out before
   * it resets). */
  for (int i = 0; i <= 12; i++)
    {
      g_autoptr(SyQuotaWindow) w = sy_quota_window_new ("five-hour", "5-hour", NULL, 0.9 - 0.05 * i,
                                                       first_reset, 5 * HOUR_US,
                                                       first_reset - 5 * HOUR_US + i * 20 * MIN_US,
                                                       SY_QUOTA_SOURCE_HEADERS);

      sy_quota_history_add (history, f->accounts[0], w);
    }
  for (int i = 0; i <= 12; i++)
    {
      g_autoptr(SyQuotaWindow) w = sy_quota_window_new ("five-hour", "5-hour", NULL, 1.0 - 0.07 * i,
                                                       f->now + 90 * MIN_US, 5 * HOUR_US,
                                                       f->now - 4 * HOUR_US + i * 20 * MIN_US,
                                                       SY_QUOTA_SOURCE_HEADERS);

      sy_quota_history_add (history, f->accounts[0], w);
    }

  /* Its seven-day window, slowly; and the second account's five-hour
   * window, with too few readings for a forecast. */
  for (int i = 0; i <= 24; i++)
    {
      g_autoptr(SyQuotaWindow) w = sy_quota_window_new ("seven-day", "7-day", NULL, 0.82 - 0.01 * i,
                                                       f->now + 3 * DAY_US, 7 * 24 * HOUR_US,
                                                       f->now - 20 * HOUR_US + i * 50 * MIN_US,
                                                       SY_QUOTA_SOURCE_HEADERS);

      sy_quota_history_add (history, f->accounts[0], w);
    }
  {
    g_autoptr(SyQuotaWindow) w = sy_quota_window_new ("five-hour", "5-hour", NULL, 0.64, f->now + 3 * HOUR_US,
                                                     5 * HOUR_US, f->now - 30 * MIN_US,
                                                     SY_QUOTA_SOURCE_HEADERS);

    sy_quota_history_add (history, f->accounts[1], w);
  }

  sy_usage_store_flush_async (store, NULL, on_usage_flushed, &usage_done);
  sy_quota_history_flush_async (history, NULL, on_quota_flushed, &quota_done);
  g_assert_true (app_test_spin_until (is_true, &usage_done, 10000));
  g_assert_true (app_test_spin_until (is_true, &quota_done, 10000));
}

typedef struct
{
  SyUsageWindow *win;
  guint          before;
} RefreshWait;

static gboolean
refreshed (gpointer data)
{
  RefreshWait *w = data;

  return sy_usage_window_get_n_refreshes (w->win) > w->before;
}

/* Runs @change (may be NULL: wait for the first answer) and waits until
 * the window shows the stores' next answer. */
#define AFTER_REFRESH(win, change) \
  G_STMT_START { \
    RefreshWait w_ = { SY_USAGE_WINDOW (win), sy_usage_window_get_n_refreshes (SY_USAGE_WINDOW (win)) }; \
    change; \
    g_assert_true (app_test_spin_until (refreshed, &w_, 10000)); \
    app_test_spin_for (50); \
  } G_STMT_END

static const char *
label_text (GtkWidget  *win,
            const char *name)
{
  GtkWidget *label = app_test_find_named (win, name);

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

static SyChart *
chart_named (GtkWidget  *root,
             const char *name)
{
  GtkWidget *chart = name ? app_test_find_named (root, name) : app_test_find (root, SY_TYPE_CHART, NULL);

  g_assert_true (SY_IS_CHART (chart));
  return SY_CHART (chart);
}

/* The hover text of @chart's bucket at @t (a little above the axis). */
static char *
describe (SyChart *chart,
          gint64   t)
{
  double x, y;

  g_assert_true (sy_chart_map (chart, t, 0, &x, &y));
  return sy_chart_describe_at (chart, x, y - 2);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("\"%s\" not in \"%s\"", needle, haystack ? haystack : "(null)");
}

/* The hovers above may have left a tooltip up: on an X server without a
 * compositor it would show in the picture. */
static char *
screenshot (GtkWidget  *win,
            const char *name)
{
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (gtk_window_get_window_type (l->data) == GTK_WINDOW_POPUP)
      gtk_widget_hide (l->data);
  g_list_free (toplevels);
  app_test_spin_for (100);
  return app_test_screenshot (win, name);
}

static GtkWidget *
open_window (Fixture *f)
{
  GtkWidget *win = sy_usage_window_new (f->t.service);

  AFTER_REFRESH (win, app_test_show (win));
  return win;
}

static void
test_data (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *key_one = key_id (CLIENT_ONE);
  g_autofree char *key_two = key_id (CLIENT_TWO);
  g_autofree char *mask_one = sy_mask_secret (CLIENT_ONE);
  g_autofree char *mask_two = sy_mask_secret (CLIENT_TWO);
  g_autofree char *expect_tokens = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *hover = NULL;
  g_autofree char *shot = NULL;
  gint64 tokens = 0;
  int per_model[3] = { 0 };
  SyChart *requests, *tokens_chart;
  GtkWidget *quota_card;
  GtkStack *pages;

  populate (f);
  for (int i = 0; i < N_RECENT; i++)
    {
      SyUsageRecord r = recent_record (f, i, key_one, key_two);

      tokens += r.input_tokens + r.output_tokens;
      if (i % 5 == 0)   /* the records of the first hour */
        per_model[i % 3]++;
    }
  f->win = open_window (f);

  /* The totals are the records'. */
  g_assert_cmpstr (label_text (f->win, "requests_label"), ==, "42 requests");
  g_assert_cmpstr (label_text (f->win, "errors_label"), ==, "5 errors");
  expect_tokens = g_strdup_printf ("%" G_GINT64_FORMAT " tokens", tokens);
  g_assert_cmpstr (label_text (f->win, "tokens_label"), ==, expect_tokens);
  g_assert_cmpstr (label_text (f->win, "requests_detail"), ==, "Last 24 hours · 3 models");
  g_assert_cmpstr (label_text (f->win, "errors_detail"), ==, "12% of requests failed");
  g_assert_cmpstr (label_text (f->win, "requests_subtitle"), ==, "By model, per hour");

  /* A series per model, stacked; the hour of the first records holds
   * what was put there. */
  requests = chart_named (f->win, "requests_chart");
  tokens_chart = chart_named (f->win, "tokens_chart");
  g_assert_cmpuint (sy_chart_get_n_series (requests), ==, 3);
  g_assert_cmpuint (sy_chart_get_n_series (tokens_chart), ==, 3);
  summary = sy_chart_dup_summary (requests);
  assert_contains (summary, "Requests per hour");
  assert_contains (summary, "42 total");
  hover = describe (requests, f->base + HOUR_US / 2);
  for (guint m = 0; m < 3; m++)
    {
      g_autofree char *line = g_strdup_printf ("%s: %d", models[m], per_model[m]);

      assert_contains (hover, line);
    }
  g_clear_pointer (&hover, g_free);
  shot = screenshot (f->win, "usage-window.png");

  /* By account: two series, named as the accounts are. */
  AFTER_REFRESH (f->win, sy_usage_window_set_group (SY_USAGE_WINDOW (f->win), "account"));
  g_assert_cmpstr (sy_usage_window_get_group (SY_USAGE_WINDOW (f->win)), ==, "account");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (app_test_find_named (f->win, "group_account"))));
  g_assert_cmpuint (sy_chart_get_n_series (requests), ==, 2);
  g_assert_cmpstr (label_text (f->win, "requests_detail"), ==, "Last 24 hours · 2 accounts");
  hover = describe (requests, f->base + HOUR_US / 2);
  assert_contains (hover, "fake #1 (sk-...-one): ");
  assert_contains (hover, "fake #2 (sk-...-two): ");
  g_assert_null (strstr (hover, "claude-sonnet"));
  g_clear_pointer (&hover, g_free);

  /* By key, through the button as a person would: the keys masked as
   * the configuration has them. */
  AFTER_REFRESH (f->win, gtk_button_clicked (GTK_BUTTON (app_test_find_named (f->win, "group_key"))));
  g_assert_cmpstr (sy_usage_window_get_group (SY_USAGE_WINDOW (f->win)), ==, "key");
  g_assert_cmpuint (sy_chart_get_n_series (requests), ==, 2);
  hover = describe (requests, f->base + HOUR_US / 2);
  assert_contains (hover, mask_one);
  g_assert_null (strstr (hover, CLIENT_ONE));
  g_clear_pointer (&hover, g_free);
  hover = describe (requests, f->base + 3 * HOUR_US + HOUR_US / 2);
  assert_contains (hover, mask_two);
  g_clear_pointer (&hover, g_free);

  /* Seven days: the old records count, in 6-hour buckets. */
  AFTER_REFRESH (f->win, gtk_button_clicked (GTK_BUTTON (app_test_find_named (f->win, "range_week"))));
  g_assert_cmpint (sy_usage_window_get_range (SY_USAGE_WINDOW (f->win)), ==, SY_USAGE_RANGE_WEEK);
  g_assert_cmpstr (label_text (f->win, "requests_label"), ==, "50 requests");
  g_assert_cmpstr (label_text (f->win, "requests_subtitle"), ==, "By API key, per 6 hours");
  AFTER_REFRESH (f->win, sy_usage_window_set_group (SY_USAGE_WINDOW (f->win), "model"));
  g_assert_cmpuint (sy_chart_get_n_series (requests), ==, 4);
  g_clear_pointer (&summary, g_free);
  summary = sy_chart_dup_summary (requests);
  assert_contains (summary, "50 total");
  hover = describe (requests, f->old + 5 * MIN_US);
  assert_contains (hover, "kimi-k2: 8");
  g_clear_pointer (&hover, g_free);

  /* Thirty days, per day: the same fifty. */
  AFTER_REFRESH (f->win, sy_usage_window_set_range (SY_USAGE_WINDOW (f->win), SY_USAGE_RANGE_MONTH));
  g_assert_cmpstr (label_text (f->win, "requests_label"), ==, "50 requests");
  g_assert_cmpstr (label_text (f->win, "requests_subtitle"), ==, "By model, per day");

  /* The quota page: the first account's window, its reset marked, the
   * forecast before the next reset. The grouping does not apply there. */
  AFTER_REFRESH (f->win, sy_usage_window_set_range (SY_USAGE_WINDOW (f->win), SY_USAGE_RANGE_DAY));
  pages = GTK_STACK (app_test_find_named (f->win, "pages"));
  gtk_stack_set_visible_child_name (pages, "quota");
  app_test_spin_for (400);
  g_assert_false (gtk_widget_get_visible (app_test_find_named (f->win, "group_box")));
  g_assert_false (gtk_widget_get_visible (app_test_find_named (f->win, "quota_empty")));
  quota_card = app_test_find_named (f->win, f->accounts[0]);
  g_assert_nonnull (quota_card);
  g_assert_nonnull (app_test_find (quota_card, GTK_TYPE_LABEL, "fake #1 (sk-...-one)"));
  g_assert_nonnull (app_test_find (quota_card, GTK_TYPE_LABEL,
                                   "5-hour: 16% left, resets *, runs out around *\n7-day: 58% left, resets *"));
  /* In the configuration's order. */
  {
    g_autoptr(GList) cards = gtk_container_get_children (GTK_CONTAINER (app_test_find_named (f->win, "quota_box")));

    g_assert_cmpuint (g_list_length (cards), ==, 2);
    g_assert_true (cards->data == quota_card);
  }
  /* The second account: one reading, no forecast. */
  g_assert_nonnull (app_test_find (app_test_find_named (f->win, f->accounts[1]), GTK_TYPE_LABEL,
                                   "5-hour: 64% left, resets *"));
  g_assert_null (app_test_find (app_test_find_named (f->win, f->accounts[1]), GTK_TYPE_LABEL, "*runs out*"));
  /* Before any hover: a tooltip window would show in the picture. */
  g_clear_pointer (&shot, g_free);
  shot = screenshot (f->win, "usage-quota.png");
  {
    SyChart *quota = chart_named (quota_card, NULL);
    double x, y;

    g_assert_cmpuint (sy_chart_get_n_series (quota), ==, 2);
    g_clear_pointer (&summary, g_free);
    summary = sy_chart_dup_summary (quota);
    assert_contains (summary, "5-hour: 16% now, runs out around");
    /* The past reset is marked where it happened. */
    g_assert_true (sy_chart_map (quota, f->now - 4 * HOUR_US - 10 * MIN_US, 50, &x, &y));
    hover = sy_chart_describe_at (quota, x, y);
    assert_contains (hover, "5-hour: reset");
    g_clear_pointer (&hover, g_free);
  }
  gtk_stack_set_visible_child_name (pages, "usage");
  app_test_spin_for (400);
  g_assert_true (gtk_widget_get_visible (app_test_find_named (f->win, "group_box")));
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *shot = NULL;
  g_autofree char *summary = NULL;
  GtkStack *usage_stack;
  SyChart *requests;

  f->win = open_window (f);
  usage_stack = GTK_STACK (app_test_find_named (f->win, "usage_stack"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (usage_stack), ==, "empty");
  g_assert_cmpstr (label_text (f->win, "usage_empty_title"), ==, "No requests in the last 24 hours");
  g_assert_true (g_pattern_match_simple ("Usage appears here after the first request through Switchyard:"
                                         " point a client at http://127.0.0.1:* to start.",
                                         label_text (f->win, "usage_empty_label")));
  g_assert_cmpstr (label_text (f->win, "requests_label"), ==, "0 requests");
  requests = chart_named (f->win, "requests_chart");
  g_assert_cmpuint (sy_chart_get_n_series (requests), ==, 0);
  summary = sy_chart_dup_summary (requests);
  g_assert_true (g_str_has_suffix (summary, "no data yet"));
  g_assert_false (gtk_widget_get_visible (app_test_find_named (f->win, "error_bar")));
  g_assert_true (gtk_widget_get_visible (app_test_find_named (f->win, "quota_empty")));
  g_assert_nonnull (app_test_find (f->win, GTK_TYPE_LABEL, "Quota appears here once *"));
  g_assert_cmpstr (label_text (f->win, "quota_empty_title"), ==, "No quota readings in the last 24 hours");
  g_assert_false (gtk_widget_get_visible (app_test_find_named (f->win, "quota_intro")));
  shot = screenshot (f->win, "usage-empty.png");
  gtk_stack_set_visible_child_name (GTK_STACK (app_test_find_named (f->win, "pages")), "quota");
  app_test_spin_for (400);
  g_clear_pointer (&shot, g_free);
  shot = screenshot (f->win, "usage-quota-empty.png");
  gtk_stack_set_visible_child_name (GTK_STACK (app_test_find_named (f->win, "pages")), "usage");

  /* The range switcher says which range is empty. */
  AFTER_REFRESH (f->win, sy_usage_window_set_range (SY_USAGE_WINDOW (f->win), SY_USAGE_RANGE_MONTH));
  g_assert_cmpstr (label_text (f->win, "usage_empty_title"), ==, "No requests in the last 30 days");
}

static gboolean
shows_one_request (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (label_text (f->win, "requests_label"), "1 request") == 0;
}

/* A request through the proxy appears without a refresh being asked for;
 * a reload of the configuration reads again (a key's new name). */
static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *base = sy_service_dup_url (f->t.service);
  g_autofree char *url = g_strconcat (base, "/v1/chat/completions", NULL);
  g_autofree char *yaml = NULL;
  g_autofree char *hover = NULL;
  g_autofree char *mask_three = NULL;
  const char *headers[] = { "Authorization: Bearer " CLIENT_ONE, NULL };
  const char *chat = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  g_auto(HttpResponse) r = { 0 };
  SyChart *requests;

  f->win = open_window (f);
  g_assert_cmpstr (label_text (f->win, "requests_label"), ==, "0 requests");

  http_request (session, "POST", url, "application/json", chat, strlen (chat), headers, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (fake_upstream_get_n_requests (f->upstream), ==, 1);
  if (!app_test_spin_until (shows_one_request, f, 10000))
    g_error ("the request did not appear:\n%s", app_test_dump (f->win));
  app_test_spin_for (50);
  requests = chart_named (f->win, "requests_chart");
  g_assert_cmpuint (sy_chart_get_n_series (requests), ==, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (app_test_find_named (f->win, "usage_stack"))),
                   ==, "charts");
  hover = describe (requests, g_get_real_time ());
  assert_contains (hover, "echo: 1");
  g_clear_pointer (&hover, g_free);

  /* F5 reads again. */
  {
    GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);

    event->key.window = g_object_ref (gtk_widget_get_window (f->win));
    event->key.keyval = GDK_KEY_F5;
    AFTER_REFRESH (f->win, g_assert_true (gtk_widget_event (f->win, event)));
    gdk_event_free (event);
  }

  /* By key: the request's key; after a hand edit that drops it from the
   * configuration, it is named by its id instead. */
  AFTER_REFRESH (f->win, sy_usage_window_set_group (SY_USAGE_WINDOW (f->win), "key"));
  hover = describe (requests, g_get_real_time ());
  mask_three = sy_mask_secret (CLIENT_ONE);
  assert_contains (hover, mask_three);
  g_clear_pointer (&hover, g_free);
  yaml = g_strdup_printf ("api-keys:\n  - " CLIENT_TWO "\n"
                          "openai-compatibility:\n  - name: Fake\n    base-url: \"%s/v1\"\n"
                          "    api-key-entries:\n      - api-key: sk-upstream-one\n"
                          "      - api-key: sk-upstream-two\n    models:\n      - name: echo\n",
                          fake_upstream_get_url (f->upstream));
  AFTER_REFRESH (f->win, app_test_rewrite_config (&f->t, yaml));
  hover = describe (requests, g_get_real_time ());
  g_assert_null (strstr (hover, mask_three));
  assert_contains (hover, "Key ");
  g_assert_false (gtk_widget_get_visible (app_test_find_named (f->win, "error_bar")));

  /* Counting turned off by hand: the window says so in plain words. */
  g_clear_pointer (&yaml, g_free);
  yaml = g_strdup_printf ("usage-statistics-enabled: false\n"
                          "openai-compatibility:\n  - name: Fake\n    base-url: \"%s/v1\"\n"
                          "    api-key-entries:\n      - api-key: sk-upstream-one\n    models:\n      - name: echo\n",
                          fake_upstream_get_url (f->upstream));
  AFTER_REFRESH (f->win, app_test_rewrite_config (&f->t, yaml));
  g_assert_true (gtk_widget_get_visible (app_test_find_named (f->win, "error_bar")));
  g_assert_true (g_str_has_prefix (label_text (f->win, "error_label"), "New requests are not being counted"));
  g_assert_cmpstr (label_text (f->win, "requests_label"), ==, "1 request");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add ("/win-usage/data", Fixture, NULL, fixture_set_up, test_data, fixture_tear_down);
  g_test_add ("/win-usage/empty", Fixture, NULL, fixture_set_up, test_empty, fixture_tear_down);
  g_test_add ("/win-usage/live", Fixture, NULL, fixture_set_up, test_live, fixture_tear_down);
  return g_test_run ();
}
