/* sy-usage-window.c: the Usage & quota window
 *
 * Two pages under one range switcher (24 hours, 7 days, 30 days). Usage:
 * totals of the range, then requests and tokens over time stacked by
 * model, account or API key, from the usage store's series query. Quota:
 * a chart per account with a line per quota window, from the quota
 * history, with the window's resets marked and the burn-rate forecast
 * drawn on to where it runs out.
 *
 * Everything is read from the core's stores on this thread's main
 * context; nothing goes over HTTP. The window reads again every half
 * minute while it is shown, a moment after an account counts a request or
 * reports quota, and when the configuration is reloaded (account names and
 * API keys may have changed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-app"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sy-account-state.h"
#include "sy-app-util.h"
#include "sy-chart.h"
#include "sy-config.h"
#include "sy-log.h"
#include "sy-quota-history.h"
#include "sy-service-logins.h"
#include "sy-usage.h"
#include "sy-usage-window.h"

#define HOUR_US          (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define DAY_US           (24 * HOUR_US)
/* While shown, the window reads the stores again this often. */
#define TICK_SECONDS     30
/* After traffic: long enough for the store to have the record. */
#define SOON_MS          1500
/* Series past this many are summed into "Other". */
#define MAX_SERIES       6

struct _SyUsageWindow
{
  GtkApplicationWindow  parent_instance;

  SyService            *service;
  GCancellable         *cancellable;    /* of the refresh in flight */
  GPtrArray            *watched;        /* SyAccountState whose "changed" we follow */
  guint                 tick_id;
  guint                 soon_id;
  guint                 n_refreshes;
  gint64                last_refresh_us;
  SyUsageRange          range;
  const char           *group;          /* "model", "account" or "key" (static) */

  GtkWidget            *error_bar;
  GtkLabel             *error_label;
  GtkWidget            *group_box;
  GtkStack             *pages;
  GtkToggleButton      *range_day;
  GtkToggleButton      *range_week;
  GtkToggleButton      *range_month;
  GtkToggleButton      *group_model;
  GtkToggleButton      *group_account;
  GtkToggleButton      *group_key;
  GtkLabel             *requests_label;
  GtkLabel             *requests_detail;
  GtkLabel             *tokens_label;
  GtkLabel             *tokens_detail;
  GtkLabel             *errors_label;
  GtkLabel             *errors_detail;
  GtkLabel             *requests_subtitle;
  GtkLabel             *tokens_subtitle;
  SyChart              *requests_chart;
  SyChart              *tokens_chart;
  GtkStack             *usage_stack;
  GtkLabel             *usage_empty_title;
  GtkLabel             *usage_empty_label;
  GtkContainer         *quota_box;
  GtkWidget            *quota_empty;
  GtkLabel             *quota_empty_title;
  GtkWidget            *quota_intro;
};

G_DEFINE_FINAL_TYPE (SyUsageWindow, sy_usage_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

enum {
  REFRESHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* -- Ranges ------------------------------------------------------------------- */

typedef struct
{
  gint64 span_us;
  gint64 step_us;
} RangeInfo;

static const RangeInfo ranges[] = {
  [SY_USAGE_RANGE_DAY]   = { DAY_US,      HOUR_US },
  [SY_USAGE_RANGE_WEEK]  = { 7 * DAY_US,  6 * HOUR_US },
  [SY_USAGE_RANGE_MONTH] = { 30 * DAY_US, DAY_US },
};

static const char *
range_phrase (SyUsageRange range)
{
  switch (range)
    {
    case SY_USAGE_RANGE_WEEK:
      return _("Last 7 days");
    case SY_USAGE_RANGE_MONTH:
      return _("Last 30 days");
    case SY_USAGE_RANGE_DAY:
    default:
      return _("Last 24 hours");
    }
}

/* -- Names of the series ------------------------------------------------------ */

/* "Claude · me@example.com", as the tray says it. */
static char *
account_name (SyService  *service,
              const char *account_id)
{
  GListModel *accounts = sy_service_get_accounts (service);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) state = g_list_model_get_item (accounts, i);
      const char *title, *label;

      if (g_strcmp0 (sy_account_state_get_id (state), account_id) != 0)
        continue;
      title = sy_app_provider_name (sy_account_state_get_provider (state));
      label = sy_account_state_get_label (state);
      if (label == NULL || *label == '\0' || g_strcmp0 (label, title) == 0)
        return g_strdup (title);
      /* "fake #1 (sk-...-one)" names its provider already. */
      if (title == NULL || g_ascii_strncasecmp (label, title, strlen (title)) == 0)
        return g_strdup (label);
      return g_strdup_printf ("%s · %s", title, label);
    }
  return g_strdup (account_id);
}

/* The usage store keeps a client key by its sy_usage_key_id(); the
 * configured keys are hashed the same way to show them masked. */
static char *
key_name (SyService  *service,
          const char *key_id)
{
  SyConfig *config = sy_service_get_config (service);

  for (guint i = 0; config != NULL && config->api_keys[i] != NULL; i++)
    {
      g_autofree char *id = sy_usage_key_id (config->api_keys[i]);

      if (strcmp (id, key_id) == 0)
        return sy_mask_secret (config->api_keys[i]);
    }
  /* A key since removed from the configuration. */
  return g_strdup_printf (_("Key %.8s…"), key_id);
}

static char *
series_name (SyUsageWindow *self,
             const char    *group)
{
  if (g_str_equal (self->group, "account"))
    return group != NULL ? account_name (self->service, group) : g_strdup (_("No account"));
  if (g_str_equal (self->group, "key"))
    return group != NULL ? key_name (self->service, group) : g_strdup (_("No key"));
  return g_strdup (group != NULL ? group : _("Unknown model"));
}

/* -- Numbers ------------------------------------------------------------------ */

static char *
format_count (gint64 n)
{
  /* Digits grouped as the locale does. */
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

static void
set_total (GtkLabel   *label,
           const char *format,
           gint64      n)
{
  g_autofree char *number = format_count (n);
  g_autofree char *escaped = g_markup_escape_text (number, -1);
  g_autofree char *big = g_strdup_printf ("<span size=\"xx-large\" weight=\"bold\">%s</span>", escaped);
  g_autofree char *markup = NULL;

  /* The format is a translated "%s request(s)": the number is markup. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  markup = g_strdup_printf (format, big);
#pragma GCC diagnostic pop
  gtk_label_set_markup (label, markup);
}

/* -- Applying answers ----------------------------------------------------------- */

typedef struct
{
  char   *name;
  gint64  requests;
  GArray *requests_points;   /* SyChartPoint */
  GArray *tokens_points;
} Group;

static void
group_free (Group *g)
{
  g_free (g->name);
  g_array_unref (g->requests_points);
  g_array_unref (g->tokens_points);
  g_free (g);
}

static Group *
group_new (char *name)
{
  Group *g = g_new0 (Group, 1);

  g->name = name;
  g->requests_points = g_array_new (FALSE, FALSE, sizeof (SyChartPoint));
  g->tokens_points = g_array_new (FALSE, FALSE, sizeof (SyChartPoint));
  return g;
}

static int
group_cmp (gconstpointer a,
           gconstpointer b)
{
  const Group *ga = *(Group * const *) a, *gb = *(Group * const *) b;

  if (ga->requests != gb->requests)
    return ga->requests < gb->requests ? 1 : -1;
  return g_strcmp0 (ga->name, gb->name);
}

/* Adds @value at @t, summing with a point already there ("Other"). */
static void
add_point (GArray *points,
           gint64  t,
           double  value)
{
  SyChartPoint p = { t, value };

  for (guint i = 0; i < points->len; i++)
    if (g_array_index (points, SyChartPoint, i).time_us == t)
      {
        g_array_index (points, SyChartPoint, i).value += value;
        return;
      }
  g_array_append_val (points, p);
}

static gint64
int_member (JsonObject *o,
            const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  return json_node_get_int (node);
}

static JsonArray *
array_member (JsonObject *o,
              const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
step_phrase (gint64 step_us)
{
  if (step_us >= DAY_US)
    return _("per day");
  if (step_us >= 6 * HOUR_US)
    return _("per 6 hours");
  return _("per hour");
}

static const char *
group_phrase (const char *group)
{
  if (g_str_equal (group, "account"))
    return _("By account");
  if (g_str_equal (group, "key"))
    return _("By API key");
  return _("By model");
}

/* Nothing in the range: say what will appear, and where clients go. */
static void
show_empty (SyUsageWindow *self)
{
  g_autofree char *url = sy_service_dup_url (self->service);
  g_autofree char *body = NULL;
  const char *title;

  switch (self->range)
    {
    case SY_USAGE_RANGE_WEEK:
      title = _("No requests in the last 7 days");
      break;
    case SY_USAGE_RANGE_MONTH:
      title = _("No requests in the last 30 days");
      break;
    case SY_USAGE_RANGE_DAY:
    default:
      title = _("No requests in the last 24 hours");
      break;
    }
  if (url != NULL)
    /* TRANSLATORS: %s is the proxy's address, http://127.0.0.1:8317 */
    body = g_strdup_printf (_("Usage appears here after the first request through Switchyard: "
                              "point a client at %s to start."), url);
  else
    body = g_strdup (_("Usage appears here after the first request through Switchyard."));
  gtk_label_set_text (self->usage_empty_title, title);
  gtk_label_set_text (self->usage_empty_label, body);
}

static void
show_error (SyUsageWindow *self,
            const char    *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (self->error_bar, message != NULL);
}

static void
apply_usage (SyUsageWindow *self,
             JsonNode      *answer,
             gint64         from_us,
             gint64         to_us,
             gint64         step_us)
{
  JsonObject *root = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  JsonArray *series = array_member (root, "series");
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  gint64 requests = 0, failed = 0, input = 0, output = 0;
  Group *other = NULL;
  g_autofree char *title = NULL;
  g_autofree char *tokens_title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tokens_subtitle = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *detail = NULL;

  if (root != NULL)
    {
      /* A daily step widens the range to whole UTC days. */
      from_us = json_object_get_int_member_with_default (root, "from", from_us);
      to_us = json_object_get_int_member_with_default (root, "to", to_us);
    }

  for (guint i = 0; series != NULL && i < json_array_get_length (series); i++)
    {
      JsonNode *node = json_array_get_element (series, i);
      JsonObject *s;
      JsonNode *group_node;
      JsonArray *points;
      Group *g;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      s = json_node_get_object (node);
      group_node = json_object_get_member (s, "group");
      g = group_new (series_name (self, group_node != NULL && JSON_NODE_HOLDS_VALUE (group_node)
                                          ? json_node_get_string (group_node) : NULL));
      points = array_member (s, "points");
      for (guint j = 0; points != NULL && j < json_array_get_length (points); j++)
        {
          JsonNode *pn = json_array_get_element (points, j);
          JsonObject *p;
          gint64 t, n, in, out;

          if (!JSON_NODE_HOLDS_OBJECT (pn))
            continue;
          p = json_node_get_object (pn);
          t = int_member (p, "t");
          n = int_member (p, "requests");
          in = int_member (p, "input_tokens");
          out = int_member (p, "output_tokens");
          g->requests += n;
          requests += n;
          failed += int_member (p, "failed");
          input += in;
          output += out;
          add_point (g->requests_points, t, n);
          add_point (g->tokens_points, t, in + out);
        }
      g_ptr_array_add (groups, g);
    }
  g_ptr_array_sort (groups, group_cmp);

  /* The biggest at the bottom of the stack, the long tail summed. */
  sy_chart_clear (self->requests_chart);
  sy_chart_clear (self->tokens_chart);
  for (guint i = 0; i < groups->len; i++)
    {
      Group *g = g_ptr_array_index (groups, i);

      if (groups->len > MAX_SERIES + 1 && i >= MAX_SERIES)
        {
          if (other == NULL)
            other = group_new (g_strdup (_("Other")));
          for (guint j = 0; j < g->requests_points->len; j++)
            {
              SyChartPoint *p = &g_array_index (g->requests_points, SyChartPoint, j);
              SyChartPoint *q = &g_array_index (g->tokens_points, SyChartPoint, j);

              add_point (other->requests_points, p->time_us, p->value);
              add_point (other->tokens_points, q->time_us, q->value);
            }
          continue;
        }
      sy_chart_add_series (self->requests_chart, g->name, NULL, SY_CHART_BARS,
                           (SyChartPoint *) (void *) g->requests_points->data, g->requests_points->len);
      sy_chart_add_series (self->tokens_chart, g->name, NULL, SY_CHART_BARS,
                           (SyChartPoint *) (void *) g->tokens_points->data, g->tokens_points->len);
    }
  if (other != NULL)
    {
      sy_chart_add_series (self->requests_chart, other->name, NULL, SY_CHART_BARS,
                           (SyChartPoint *) (void *) other->requests_points->data, other->requests_points->len);
      sy_chart_add_series (self->tokens_chart, other->name, NULL, SY_CHART_BARS,
                           (SyChartPoint *) (void *) other->tokens_points->data, other->tokens_points->len);
      group_free (other);
    }

  /* TRANSLATORS: a chart's title, e.g. "Requests per hour" */
  title = g_strdup_printf (_("Requests %s"), step_phrase (step_us));
  /* TRANSLATORS: a chart's title, e.g. "Tokens per hour" */
  tokens_title = g_strdup_printf (_("Tokens %s"), step_phrase (step_us));
  /* TRANSLATORS: under a chart: "By model, per hour" */
  subtitle = g_strdup_printf (_("%s, %s"), group_phrase (self->group), step_phrase (step_us));
  /* TRANSLATORS: under a chart: "By model, per hour · input and output" */
  tokens_subtitle = g_strdup_printf (_("%s, %s · input and output"), group_phrase (self->group),
                                     step_phrase (step_us));
  gtk_label_set_text (self->requests_subtitle, subtitle);
  gtk_label_set_text (self->tokens_subtitle, tokens_subtitle);
  empty = g_strdup (_("No requests in this range.\nUsage appears here after the first request through Switchyard."));
  for (guint c = 0; c < 2; c++)
    {
      SyChart *chart = c == 0 ? self->requests_chart : self->tokens_chart;

      sy_chart_set_title (chart, c == 0 ? title : tokens_title);
      sy_chart_set_unit (chart, c == 0 ? _("requests") : _("tokens"));
      sy_chart_set_range (chart, from_us, to_us);
      sy_chart_set_bucket (chart, step_us);
      sy_chart_set_empty_text (chart, empty);
    }

  set_total (self->requests_label, ngettext ("%s request", "%s requests", requests), requests);
  set_total (self->tokens_label, ngettext ("%s token", "%s tokens", input + output), input + output);
  set_total (self->errors_label, ngettext ("%s error", "%s errors", failed), failed);
  if (requests == 0)
    detail = g_strdup (range_phrase (self->range));
  else if (g_str_equal (self->group, "account"))
    detail = g_strdup_printf (ngettext ("%s · %u account", "%s · %u accounts", groups->len),
                              range_phrase (self->range), groups->len);
  else if (g_str_equal (self->group, "key"))
    detail = g_strdup_printf (ngettext ("%s · %u API key", "%s · %u API keys", groups->len),
                              range_phrase (self->range), groups->len);
  else
    detail = g_strdup_printf (ngettext ("%s · %u model", "%s · %u models", groups->len),
                              range_phrase (self->range), groups->len);
  gtk_label_set_text (self->requests_detail, detail);
  g_clear_pointer (&detail, g_free);
  {
    g_autofree char *in = format_count (input);
    g_autofree char *out = format_count (output);

    /* TRANSLATORS: input and output tokens, "8,000 in · 4,345 out" */
    detail = g_strdup_printf (_("%s in · %s out"), in, out);
    gtk_label_set_text (self->tokens_detail, detail);
    g_clear_pointer (&detail, g_free);
  }
  if (requests == 0)
    detail = g_strdup ("");
  else if (failed == 0)
    detail = g_strdup (_("Every request succeeded"));
  else
    /* TRANSLATORS: "7% of requests failed" */
    detail = g_strdup_printf (_("%d%% of requests failed"), (int) ceil (100.0 * failed / requests));
  gtk_label_set_text (self->errors_detail, detail);

  if (requests == 0)
    show_empty (self);
  gtk_stack_set_visible_child_name (self->usage_stack, requests == 0 ? "empty" : "charts");
}

/* -- Quota ------------------------------------------------------------------------ */

typedef struct
{
  char    *account;
  char    *window;
  gint64   exhausted_us;
} Forecast;

static void
forecast_free (Forecast *f)
{
  g_free (f->account);
  g_free (f->window);
  g_free (f);
}

static gint64
find_forecast (GPtrArray  *forecasts,
               const char *account,
               const char *window)
{
  for (guint i = 0; i < forecasts->len; i++)
    {
      Forecast *f = g_ptr_array_index (forecasts, i);

      if (g_strcmp0 (f->account, account) == 0 && g_strcmp0 (f->window, window) == 0)
        return f->exhausted_us;
    }
  return 0;
}

static void
remove_child (GtkWidget *widget,
              gpointer   user_data)
{
  gtk_widget_destroy (widget);
}

/* "5-hour: 62% left, resets 18:00, runs out around 16:40" */
static char *
describe_window (const char *name,
                 JsonArray  *points,
                 gint64      exhausted_us,
                 gint64      now_us)
{
  JsonObject *last = json_array_get_object_element (points, json_array_get_length (points) - 1);
  gint64 reset = int_member (last, "reset_at");
  GString *line = g_string_new (NULL);
  JsonNode *remaining = json_object_get_member (last, "remaining");

  g_string_append (line, name);
  if (remaining != NULL && JSON_NODE_HOLDS_VALUE (remaining))
    /* TRANSLATORS: a quota window's share left, "62% left" */
    g_string_append_printf (line, _(": %d%% left"), (int) lround (json_node_get_double (remaining) * 100));
  if (reset > now_us)
    {
      g_autofree char *at = sy_app_format_time (reset, now_us);

      g_string_append_printf (line, _(", resets %s"), at);
    }
  if (exhausted_us > now_us)
    {
      g_autofree char *at = sy_app_format_time (exhausted_us, now_us);

      g_string_append_printf (line, _(", runs out around %s"), at);
    }
  return g_string_free (line, FALSE);
}

static GtkWidget *
quota_card (SyUsageWindow *self,
            JsonObject    *account,
            GPtrArray     *forecasts,
            gint64         from_us,
            gint64         to_us,
            gint64         now_us)
{
  const char *id = json_object_get_string_member_with_default (account, "account", NULL);
  JsonArray *windows = array_member (account, "windows");
  g_autofree char *name = account_name (self->service, id);
  g_autofree char *markup = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(SyChart) chart = g_object_ref_sink (SY_CHART (sy_chart_new ()));
  GtkWidget *box, *heading, *sub;
  guint n_series = 0;

  /* TRANSLATORS: a chart's title, e.g. "Quota left, Claude · me@example.com" */
  {
    g_autofree char *title = g_strdup_printf (_("Quota left, %s"), name);

    sy_chart_set_title (chart, title);
  }
  /* xgettext:no-c-format */
  sy_chart_set_unit (chart, _("% left"));
  sy_chart_set_value_kind (chart, SY_CHART_VALUE_PERCENT);
  sy_chart_set_range (chart, from_us, to_us);
  sy_chart_set_empty_text (chart, _("No quota readings in this range"));

  for (guint i = 0; windows != NULL && i < json_array_get_length (windows); i++)
    {
      JsonObject *w = json_array_get_object_element (windows, i);
      const char *wid = json_object_get_string_member_with_default (w, "id", NULL);
      const char *label = json_object_get_string_member_with_default (w, "label", NULL);
      const char *model = json_object_get_string_member_with_default (w, "model", NULL);
      JsonArray *points = array_member (w, "points");
      g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (SyChartPoint));
      g_autoptr(GArray) resets = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autofree char *series = NULL;
      g_autofree char *line = NULL;
      gint64 exhausted;
      guint index;

      if (w == NULL || points == NULL || json_array_get_length (points) == 0)
        continue;
      if (label == NULL || *label == '\0')
        label = wid != NULL ? wid : _("Quota");
      series = model != NULL && strstr (label, model) == NULL ? g_strdup_printf ("%s (%s)", label, model)
                                                              : g_strdup (label);
      for (guint j = 0; j < json_array_get_length (points); j++)
        {
          JsonObject *p = json_array_get_object_element (points, j);
          JsonNode *remaining = p != NULL ? json_object_get_member (p, "remaining") : NULL;
          gint64 reset;
          SyChartPoint point;
          gboolean seen = FALSE;

          if (remaining == NULL || !JSON_NODE_HOLDS_VALUE (remaining))
            continue;
          point = (SyChartPoint) { int_member (p, "t"), 100 * json_node_get_double (remaining) };
          g_array_append_val (values, point);
          /* Each run of the window ends at its reset: one mark per run,
           * its time wobbling by a few seconds between readings. */
          reset = int_member (p, "reset_at");
          if (reset <= 0 || reset < from_us || reset > to_us)
            continue;
          for (guint k = 0; k < resets->len && !seen; k++)
            seen = ABS (g_array_index (resets, gint64, k) - reset) <= SY_QUOTA_RESET_SLACK_US;
          if (!seen)
            g_array_append_val (resets, reset);
        }
      if (values->len == 0)
        continue;
      /* One reading is no line: it stands until the next one, so while
       * its run lasts it is carried on to now. */
      if (values->len == 1 && g_array_index (values, SyChartPoint, 0).time_us < now_us
          && int_member (json_array_get_object_element (points, json_array_get_length (points) - 1),
                         "reset_at") > now_us)
        {
          SyChartPoint point = { now_us, g_array_index (values, SyChartPoint, 0).value };

          g_array_append_val (values, point);
        }
      index = sy_chart_add_series (chart, series, NULL, SY_CHART_LINE,
                                   (SyChartPoint *) (void *) values->data, values->len);
      n_series++;
      if (resets->len > 0)
        sy_chart_set_resets (chart, index, (gint64 *) (void *) resets->data, resets->len);
      exhausted = find_forecast (forecasts, id, wid);
      if (exhausted > now_us)
        sy_chart_set_forecast (chart, index, exhausted);
      line = describe_window (series, points, exhausted, now_us);
      if (lines->len > 0)
        g_string_append_c (lines, '\n');
      g_string_append (lines, line);
    }
  if (n_series == 0)
    return NULL;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  heading = gtk_label_new (NULL);
  sub = gtk_label_new (lines->str);
  markup = g_markup_printf_escaped ("<b>%s</b>", name);
  gtk_label_set_markup (GTK_LABEL (heading), markup);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_xalign (GTK_LABEL (sub), 0);
  gtk_label_set_line_wrap (GTK_LABEL (sub), TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (sub), "dim-label");
  gtk_widget_set_margin_bottom (sub, 6);
  gtk_widget_set_size_request (GTK_WIDGET (chart), -1, 240);
  gtk_widget_set_name (box, id);
  gtk_container_add (GTK_CONTAINER (box), heading);
  gtk_container_add (GTK_CONTAINER (box), sub);
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (chart));
  gtk_widget_show_all (box);
  return box;
}

static void
apply_quota (SyUsageWindow *self,
             JsonNode      *answer,
             GPtrArray     *forecasts,
             gint64         from_us,
             gint64         to_us,
             gint64         now_us)
{
  JsonObject *root = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  JsonArray *accounts = array_member (root, "accounts");
  gboolean any = FALSE;

  GListModel *model = sy_service_get_accounts (self->service);
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();

  /* In the order of the configuration (the history sorts by id); accounts
   * since removed last. */
  for (guint i = 0; i <= g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SyAccountState) state = i < g_list_model_get_n_items (model) ? g_list_model_get_item (model, i) : NULL;

      for (guint j = 0; accounts != NULL && j < json_array_get_length (accounts); j++)
        {
          JsonNode *node = json_array_get_element (accounts, j);
          const char *id;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          id = json_object_get_string_member_with_default (json_node_get_object (node), "account", NULL);
          if (state != NULL ? g_strcmp0 (id, sy_account_state_get_id (state)) == 0
                            : !g_ptr_array_find (ordered, json_node_get_object (node), NULL))
            g_ptr_array_add (ordered, json_node_get_object (node));
        }
    }

  gtk_container_foreach (self->quota_box, remove_child, NULL);
  for (guint i = 0; i < ordered->len; i++)
    {
      GtkWidget *card = quota_card (self, g_ptr_array_index (ordered, i), forecasts, from_us, to_us, now_us);

      if (card == NULL)
        continue;
      gtk_container_add (self->quota_box, card);
      any = TRUE;
    }
  switch (self->range)
    {
    case SY_USAGE_RANGE_WEEK:
      gtk_label_set_text (self->quota_empty_title, _("No quota readings in the last 7 days"));
      break;
    case SY_USAGE_RANGE_MONTH:
      gtk_label_set_text (self->quota_empty_title, _("No quota readings in the last 30 days"));
      break;
    case SY_USAGE_RANGE_DAY:
    default:
      gtk_label_set_text (self->quota_empty_title, _("No quota readings in the last 24 hours"));
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->quota_box), any);
  gtk_widget_set_visible (self->quota_intro, any);
  gtk_widget_set_visible (self->quota_empty, !any);
}

/* -- Refreshing ------------------------------------------------------------------- */

typedef struct
{
  SyUsageWindow *self;
  GCancellable  *cancellable;
  gint64         now_us;
  gint64         from_us;
  gint64         to_us;
  gint64         step_us;
  gint64         quota_from_us;
  gint64         quota_to_us;
  JsonNode      *usage;
  char          *usage_error;
  JsonNode      *quota;
  GPtrArray     *forecasts;
  guint          pending;
} Refresh;

static void
refresh_free (Refresh *op)
{
  g_object_unref (op->self);
  g_object_unref (op->cancellable);
  g_clear_pointer (&op->usage, json_node_unref);
  g_clear_pointer (&op->quota, json_node_unref);
  g_free (op->usage_error);
  g_ptr_array_unref (op->forecasts);
  g_free (op);
}

static void
refresh_done (Refresh *op)
{
  SyUsageWindow *self = op->self;

  if (!g_cancellable_is_cancelled (op->cancellable))
    {
      show_error (self, op->usage_error);
      apply_usage (self, op->usage, op->from_us, op->to_us, op->step_us);
      apply_quota (self, op->quota, op->forecasts, op->quota_from_us, op->quota_to_us, op->now_us);
      self->n_refreshes++;
      self->last_refresh_us = g_get_monotonic_time ();
      if (self->cancellable == op->cancellable)
        g_clear_object (&self->cancellable);
      g_signal_emit (self, signals[REFRESHED], 0);
    }
  refresh_free (op);
}

typedef struct
{
  Refresh  *op;
  Forecast *forecast;
} ForecastCall;

static void
on_forecast_call (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ForecastCall *call = user_data;
  Refresh *op = call->op;
  gint64 exhausted = 0;

  if (sy_quota_history_forecast_finish (SY_QUOTA_HISTORY (source), result, &exhausted, NULL))
    call->forecast->exhausted_us = exhausted;
  g_free (call);
  if (--op->pending == 0)
    refresh_done (op);
}

static void
on_quota (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Refresh *op = user_data;
  g_autoptr(GError) error = NULL;
  JsonArray *accounts;

  op->quota = sy_quota_history_query_finish (SY_QUOTA_HISTORY (source), result, &error);
  if (op->quota == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot read the quota history: %s", error->message);
      refresh_done (op);
      return;
    }
  /* A forecast per window; the charts wait for all of them. */
  accounts = JSON_NODE_HOLDS_OBJECT (op->quota) ? array_member (json_node_get_object (op->quota), "accounts") : NULL;
  op->pending = 1;
  for (guint i = 0; accounts != NULL && i < json_array_get_length (accounts); i++)
    {
      JsonObject *a = json_array_get_object_element (accounts, i);
      JsonArray *windows = a != NULL ? array_member (a, "windows") : NULL;

      for (guint j = 0; windows != NULL && j < json_array_get_length (windows); j++)
        {
          JsonObject *w = json_array_get_object_element (windows, j);
          ForecastCall *call;
          Forecast *f;

          if (w == NULL || !json_object_has_member (w, "id"))
            continue;
          f = g_new0 (Forecast, 1);
          f->account = g_strdup (json_object_get_string_member_with_default (a, "account", NULL));
          f->window = g_strdup (json_object_get_string_member_with_default (w, "id", NULL));
          g_ptr_array_add (op->forecasts, f);
          call = g_new0 (ForecastCall, 1);
          call->op = op;
          call->forecast = f;
          op->pending++;
          sy_quota_history_forecast_async (SY_QUOTA_HISTORY (source), f->account, f->window, op->now_us,
                                           op->cancellable, on_forecast_call, call);
        }
    }
  if (--op->pending == 0)
    refresh_done (op);
}

static void
read_quota (Refresh *op)
{
  SyQuotaHistory *history = sy_service_get_quota_history (op->self->service);

  if (history == NULL || g_cancellable_is_cancelled (op->cancellable))
    {
      refresh_done (op);
      return;
    }
  sy_quota_history_query_async (history, NULL, NULL, op->quota_from_us, op->quota_to_us,
                                op->cancellable, on_quota, op);
}

static void
on_series (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Refresh *op = user_data;
  g_autoptr(GError) error = NULL;

  op->usage = sy_usage_store_query_series_finish (SY_USAGE_STORE (source), result, &error);
  if (op->usage == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (op->usage_error);
      op->usage_error = g_strdup_printf (_("The usage could not be read: %s"), error->message);
    }
  read_quota (op);
}

static void
on_flushed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refresh *op = user_data;
  SyUsageStore *store = SY_USAGE_STORE (source);

  /* A failed flush (PostgreSQL away) still leaves what is committed to show. */
  sy_usage_store_flush_finish (store, result, NULL);
  if (g_cancellable_is_cancelled (op->cancellable))
    {
      refresh_done (op);
      return;
    }
  sy_usage_store_query_series_async (store, op->from_us, op->to_us, op->step_us, op->self->group,
                                     op->cancellable, on_series, op);
}

void
sy_usage_window_refresh (SyUsageWindow *self)
{
  const RangeInfo *info;
  SyUsageStore *store;
  SyConfig *config;
  Refresh *op;

  g_return_if_fail (SY_IS_USAGE_WINDOW (self));
  /* Switchers set while the template is built. */
  if (self->service == NULL)
    return;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  info = &ranges[self->range];
  op = g_new0 (Refresh, 1);
  op->self = g_object_ref (self);
  op->cancellable = g_object_ref (self->cancellable);
  op->forecasts = g_ptr_array_new_with_free_func ((GDestroyNotify) forecast_free);
  op->now_us = g_get_real_time ();
  /* Whole buckets, the current one last. */
  op->to_us = (op->now_us / info->step_us + 1) * info->step_us;
  op->from_us = op->to_us - info->span_us;
  op->step_us = info->step_us;
  /* The quota charts look ahead a little, for the forecast and the next
   * reset. */
  op->quota_from_us = op->now_us - info->span_us;
  op->quota_to_us = op->now_us + info->span_us / 6;

  store = sy_service_get_usage (self->service);
  config = sy_service_get_config (self->service);
  if (config != NULL && !config->usage_statistics_enabled)
    op->usage_error = g_strdup (_("New requests are not being counted: usage-statistics-enabled is "
                                  "false in config.yaml. What was counted before still shows."));
  if (store == NULL)
    {
      g_free (op->usage_error);
      op->usage_error = g_strdup (_("Usage is not being recorded: the usage database could not be opened. "
                                    "The log says why."));
      read_quota (op);
      return;
    }
  sy_usage_store_flush_async (store, op->cancellable, on_flushed, op);
}

guint
sy_usage_window_get_n_refreshes (SyUsageWindow *self)
{
  g_return_val_if_fail (SY_IS_USAGE_WINDOW (self), 0);
  return self->n_refreshes;
}

static gboolean
on_tick (gpointer user_data)
{
  sy_usage_window_refresh (SY_USAGE_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_soon (gpointer user_data)
{
  SyUsageWindow *self = user_data;

  self->soon_id = 0;
  sy_usage_window_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_account_changed (SyAccountState *state,
                    guint           what,
                    SyUsageWindow  *self)
{
  if ((what & (SY_ACCOUNT_CHANGED_COUNTERS | SY_ACCOUNT_CHANGED_QUOTA)) == 0)
    return;
  if (self->soon_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->soon_id = g_timeout_add (SOON_MS, on_soon, self);
}

static void
unwatch_accounts (SyUsageWindow *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched, i), self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
on_accounts_changed (GListModel    *accounts,
                     guint          position,
                     guint          removed,
                     guint          added,
                     SyUsageWindow *self)
{
  unwatch_accounts (self);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      SyAccountState *state = g_list_model_get_item (accounts, i);

      g_signal_connect (state, "changed", G_CALLBACK (on_account_changed), self);
      g_ptr_array_add (self->watched, state);
    }
}

static void
on_reloaded (SyService     *service,
             guint          generation,
             SyUsageWindow *self)
{
  sy_usage_window_refresh (self);
}

/* -- Switchers ----------------------------------------------------------------------- */

static void
on_range_toggled (SyUsageWindow   *self,
                  GtkToggleButton *button)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  if (button == self->range_week)
    self->range = SY_USAGE_RANGE_WEEK;
  else if (button == self->range_month)
    self->range = SY_USAGE_RANGE_MONTH;
  else
    self->range = SY_USAGE_RANGE_DAY;
  sy_usage_window_refresh (self);
}

static void
on_group_toggled (SyUsageWindow   *self,
                  GtkToggleButton *button)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  if (button == self->group_account)
    self->group = "account";
  else if (button == self->group_key)
    self->group = "key";
  else
    self->group = "model";
  sy_usage_window_refresh (self);
}

static void
on_page_changed (SyUsageWindow *self)
{
  if (self->group_box == NULL)
    return;
  /* The grouping is the usage charts' only. */
  gtk_widget_set_visible (self->group_box,
                          g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "quota") != 0);
}

static void
on_refresh_clicked (SyUsageWindow *self)
{
  sy_usage_window_refresh (self);
}

void
sy_usage_window_set_range (SyUsageWindow *self,
                           SyUsageRange   range)
{
  GtkToggleButton *buttons[] = { self->range_day, self->range_week, self->range_month };

  g_return_if_fail (SY_IS_USAGE_WINDOW (self));
  g_return_if_fail ((guint) range < G_N_ELEMENTS (buttons));
  gtk_toggle_button_set_active (buttons[range], TRUE);
}

SyUsageRange
sy_usage_window_get_range (SyUsageWindow *self)
{
  g_return_val_if_fail (SY_IS_USAGE_WINDOW (self), SY_USAGE_RANGE_DAY);
  return self->range;
}

void
sy_usage_window_set_group (SyUsageWindow *self,
                           const char    *group)
{
  g_return_if_fail (SY_IS_USAGE_WINDOW (self));
  if (g_strcmp0 (group, "account") == 0)
    gtk_toggle_button_set_active (self->group_account, TRUE);
  else if (g_strcmp0 (group, "key") == 0)
    gtk_toggle_button_set_active (self->group_key, TRUE);
  else
    gtk_toggle_button_set_active (self->group_model, TRUE);
}

const char *
sy_usage_window_get_group (SyUsageWindow *self)
{
  g_return_val_if_fail (SY_IS_USAGE_WINDOW (self), NULL);
  return self->group;
}

/* -- Object ------------------------------------------------------------------------ */

static void
sy_usage_window_map (GtkWidget *widget)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (widget);

  GTK_WIDGET_CLASS (sy_usage_window_parent_class)->map (widget);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (TICK_SECONDS, on_tick, self);
  /* Shown again after a while: what happened meanwhile. */
  if (self->n_refreshes > 0 && self->cancellable == NULL
      && g_get_monotonic_time () - self->last_refresh_us > 5 * G_USEC_PER_SEC)
    sy_usage_window_refresh (self);
}

static void
sy_usage_window_unmap (GtkWidget *widget)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->soon_id, g_source_remove);
  GTK_WIDGET_CLASS (sy_usage_window_parent_class)->unmap (widget);
}

/* F5 and Ctrl+R read again, as in a browser. */
static gboolean
sy_usage_window_key_press_event (GtkWidget   *widget,
                                 GdkEventKey *event)
{
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();

  if ((event->keyval == GDK_KEY_F5 && mods == 0)
      || ((event->keyval == GDK_KEY_r || event->keyval == GDK_KEY_R) && mods == GDK_CONTROL_MASK))
    {
      sy_usage_window_refresh (SY_USAGE_WINDOW (widget));
      return GDK_EVENT_STOP;
    }
  return GTK_WIDGET_CLASS (sy_usage_window_parent_class)->key_press_event (widget, event);
}

static void
sy_usage_window_constructed (GObject *object)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (object);
  GListModel *accounts;

  G_OBJECT_CLASS (sy_usage_window_parent_class)->constructed (object);

  g_return_if_fail (self->service != NULL);
  accounts = sy_service_get_accounts (self->service);
  g_signal_connect_object (accounts, "items-changed", G_CALLBACK (on_accounts_changed), self, 0);
  on_accounts_changed (accounts, 0, 0, 0, self);
  g_signal_connect_object (self->service, "reloaded", G_CALLBACK (on_reloaded), self, 0);
  on_page_changed (self);
  sy_usage_window_refresh (self);
}

static void
sy_usage_window_dispose (GObject *object)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->soon_id, g_source_remove);
  if (self->watched != NULL)
    unwatch_accounts (self);
  G_OBJECT_CLASS (sy_usage_window_parent_class)->dispose (object);
}

static void
sy_usage_window_finalize (GObject *object)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (object);

  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (sy_usage_window_parent_class)->finalize (object);
}

static void
sy_usage_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_usage_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyUsageWindow *self = SY_USAGE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_usage_window_class_init (SyUsageWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sy_usage_window_constructed;
  object_class->dispose = sy_usage_window_dispose;
  object_class->finalize = sy_usage_window_finalize;
  object_class->get_property = sy_usage_window_get_property;
  object_class->set_property = sy_usage_window_set_property;
  widget_class->map = sy_usage_window_map;
  widget_class->unmap = sy_usage_window_unmap;
  widget_class->key_press_event = sy_usage_window_key_press_event;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, SY_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The charts and totals show a fresh answer of the stores. */
  signals[REFRESHED] = g_signal_new ("refreshed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (SY_TYPE_CHART);
  sy_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-usage-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, error_bar);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, group_box);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, range_day);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, range_week);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, range_month);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, group_model);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, group_account);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, group_key);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, requests_label);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, requests_detail);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, tokens_label);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, tokens_detail);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, errors_label);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, errors_detail);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, requests_subtitle);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, tokens_subtitle);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, requests_chart);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, tokens_chart);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, usage_stack);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, usage_empty_title);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, usage_empty_label);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, quota_box);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, quota_empty);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, quota_empty_title);
  gtk_widget_class_bind_template_child (widget_class, SyUsageWindow, quota_intro);
  gtk_widget_class_bind_template_callback (widget_class, on_range_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_group_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
}

static void
sy_usage_window_init (SyUsageWindow *self)
{
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->range = SY_USAGE_RANGE_DAY;
  self->group = "model";
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sy_usage_window_new (SyService *service)
{
  g_return_val_if_fail (SY_IS_SERVICE (service), NULL);
  return g_object_new (SY_TYPE_USAGE_WINDOW, "service", service, NULL);
}
