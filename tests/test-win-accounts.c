/* test-win-accounts.c: the Accounts window on a live core
 *
 * A service from a config.yaml with API-key accounts (two Claude keys
 * and an OpenAI-compatible one, all on a fake upstream) and a signed-in
 * Claude account added as an import would add it; quota windows and a
 * cooldown are reported through the accounts' state. The window must
 * show them, and its switch, prefix edit and remove must change the core
 * (the proxy's routing, config.yaml, accounts.json). Runs in
 * tests/headless-session.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "app-test-util.h"
#include "fake-upstream.h"
#include "sy-account-row.h"
#include "sy-accounts-window.h"
#include "sy-quota.h"
#include "sy-service-logins.h"

#define SEC ((gint64) G_USEC_PER_SEC)
#define KEY_A "sk-ant-api03-aaaa-0001"
#define KEY_B "sk-ant-api03-bbbb-0002"
#define KEY_C "sk-ant-api03-cccc-0003"
#define KEY_OR "sk-or-v1-test-0000001"

typedef struct
{
  AppTestService  t;
  FakeUpstream   *upstream;
  GtkWidget      *window;
  char           *login_id;     /* the signed-in account's id */
} Fixture;

static char *
config_text (FakeUpstream *upstream,
             gboolean      third_key)
{
  const char *url = fake_upstream_get_url (upstream);

  return g_strdup_printf ("token-store: file\n"
                          "quota-refresh-interval: 0\n"
                          "# Nothing reaches the real services.\n"
                          "endpoints:\n"
                          "  claude:\n"
                          "    api: %s\n"
                          "    auth: %s\n"
                          "claude-api-key:\n"
                          "  - api-key: " KEY_A "\n"
                          "    base-url: %s\n"
                          "    prefix: work\n"
                          "    priority: 2\n"
                          "    models:\n"
                          "      - name: test-model\n"
                          "  - api-key: " KEY_B "\n"
                          "    base-url: %s\n"
                          "    models:\n"
                          "      - name: test-model\n"
                          "%s%s%s"
                          "openai-compatibility:\n"
                          "  - name: OpenRouter\n"
                          "    base-url: %s/v1\n"
                          "    api-key-entries:\n"
                          "      - api-key: " KEY_OR "\n"
                          "    models:\n"
                          "      - name: gpt-4o-mini\n",
                          url, url, url, url,
                          third_key ? "  - api-key: " KEY_C "\n    base-url: " : "",
                          third_key ? url : "",
                          third_key ? "\n" : "",
                          url);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
fixture_init (Fixture *f)
{
  g_autofree char *yaml = NULL;
  g_autoptr(SyCredential) credential = sy_credential_new ("claude", "me@example.com", "acct-uuid-1");
  g_autoptr(SyCredential) added = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  memset (f, 0, sizeof *f);
  f->upstream = fake_upstream_new ();
  yaml = config_text (f->upstream, FALSE);
  app_test_service_init (&f->t, yaml);
  app_test_load_logins (&f->t);

  sy_credential_set_tokens (credential, "sk-ant-oat01-fake", "sk-ant-ort01-fake", NULL,
                            g_get_real_time () + 10 * 3600 * SEC, g_get_real_time ());
  sy_credential_set_extra (credential, "plan", "max");
  sy_service_add_login_async (f->t.service, credential, NULL, on_done, &result);
  g_assert_true (app_test_spin_until (is_set, &result, 10000));
  added = sy_service_add_login_finish (f->t.service, result, &error);
  g_assert_no_error (error);
  f->login_id = g_strdup (sy_credential_get_id (added));
  g_assert_nonnull (sy_service_lookup_login (f->t.service, f->login_id));
}

static void
fixture_clear (Fixture *f)
{
  GList *toplevels = gtk_window_list_toplevels ();

  /* Dialogs left open by a failed assertion go with the window. */
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (GTK_IS_MESSAGE_DIALOG (l->data))
      gtk_widget_destroy (l->data);
  g_list_free (toplevels);
  g_clear_pointer (&f->window, gtk_widget_destroy);
  app_test_service_clear (&f->t);
  g_clear_pointer (&f->upstream, fake_upstream_free);
  g_clear_pointer (&f->login_id, g_free);
}

static SyAccountState *
find_account (Fixture    *f,
              const char *label_glob)
{
  GListModel *accounts = sy_service_get_accounts (f->t.service);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) account = g_list_model_get_item (accounts, i);

      if (g_pattern_match_simple (label_glob, sy_account_state_get_label (account)))
        return account;   /* the pool keeps it */
    }
  g_error ("no account labelled %s", label_glob);
  return NULL;
}

static SyAccountState *
login_account (Fixture *f)
{
  GListModel *accounts = sy_service_get_accounts (f->t.service);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) account = g_list_model_get_item (accounts, i);

      if (sy_service_lookup_login (f->t.service, sy_account_state_get_id (account)) != NULL)
        return account;
    }
  g_error ("no signed-in account");
  return NULL;
}

static guint
n_rows (Fixture *f)
{
  GtkListBox *list = sy_accounts_window_get_list (SY_ACCOUNTS_WINDOW (f->window));
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (list));

  return g_list_length (rows);
}

static SyAccountRow *
find_row (Fixture        *f,
          SyAccountState *account)
{
  GtkListBox *list = sy_accounts_window_get_list (SY_ACCOUNTS_WINDOW (f->window));
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (list));

  for (GList *l = rows; l != NULL; l = l->next)
    if (SY_IS_ACCOUNT_ROW (l->data) && sy_account_row_get_account (l->data) == account)
      return l->data;
  return NULL;
}

static void
assert_text (GtkWidget  *root,
             const char *pattern)
{
  if (app_test_find (root, GTK_TYPE_LABEL, pattern) == NULL)
    {
      g_autofree char *dump = app_test_dump (root);

      g_error ("no label matches \"%s\" in:\n%s", pattern, dump);
    }
}

typedef struct
{
  GtkWidget  *root;
  const char *pattern;
} TextWait;

static gboolean
has_text (gpointer data)
{
  TextWait *w = data;

  return app_test_find (w->root, GTK_TYPE_LABEL, w->pattern) != NULL;
}

/* Rows update in an idle: waits for @pattern to show, then asserts it. */
static void
wait_text (GtkWidget  *root,
           const char *pattern)
{
  TextWait w = { root, pattern };

  app_test_spin_until (has_text, &w, 3000);
  assert_text (root, pattern);
}

static void
open_window (Fixture *f)
{
  f->window = sy_accounts_window_new (f->t.service);
  gtk_window_resize (GTK_WINDOW (f->window), 760, 600);
  app_test_show (f->window);
}

static guint
chat (Fixture    *f,
      const char *model)
{
  g_autofree char *body = g_strdup_printf ("{\"model\":\"%s\",\"max_tokens\":16,"
                                           "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", model);

  return app_test_request (&f->t, "POST", "/v1/messages", body, NULL);
}

/* Quota windows on the login and a cooldown on the second key: what the
 * rows say about each. */
static void
test_shows_accounts (void)
{
  Fixture f;
  SyAccountState *login;
  SyAccountState *key_b;
  SyFailure failure = { 429, SY_FAILURE_QUOTA, 90 * 60 * SEC, FALSE, FALSE };
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_quota_window_free);
  gint64 now = g_get_real_time ();
  g_autofree char *shot = NULL;
  GtkWidget *relogin;
  GVariant *target;

  fixture_init (&f);
  login = login_account (&f);
  key_b = find_account (&f, "claude-api-key #2*");
  g_ptr_array_add (windows, sy_quota_window_new ("five_hour", "5-hour", NULL, 0.62, now + 3 * 3600 * SEC,
                                                 5 * 3600 * SEC, now, SY_QUOTA_SOURCE_HEADERS));
  g_ptr_array_add (windows, sy_quota_window_new ("seven_day", "Weekly", NULL, 0.08, now + 20 * 3600 * SEC,
                                                 7 * 24 * 3600 * SEC, now, SY_QUOTA_SOURCE_HEADERS));
  sy_account_state_update_quota_windows (login, windows, now);
  sy_account_state_mark_failure (key_b, "test-model", &failure, "rate limited", FALSE, now);
  sy_account_state_set_enabled (find_account (&f, "openrouter*"), FALSE);

  open_window (&f);
  g_assert_cmpuint (n_rows (&f), ==, 4);
  g_assert_cmpuint (n_rows (&f), ==, g_list_model_get_n_items (sy_service_get_accounts (f.t.service)));

  /* The login: e-mail, plan, quota bars with their text, active. */
  {
    GtkWidget *row = GTK_WIDGET (find_row (&f, login));

    g_assert_nonnull (row);
    assert_text (row, "me@example.com");
    assert_text (row, "Claude · signed in · Max plan");
    assert_text (row, "Active");
    assert_text (row, "5-hour");
    assert_text (row, "62% left · resets *");
    assert_text (row, "Weekly");
    assert_text (row, "8% left · resets *");
    g_assert_nonnull (app_test_find (row, GTK_TYPE_LEVEL_BAR, "5-hour: 62% left*"));
    /* Re-login asks the application to sign in to Claude again. */
    relogin = app_test_find_named (row, "relogin_button");
    g_assert_nonnull (relogin);
    g_assert_true (gtk_widget_get_visible (relogin));
    g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (relogin)), ==, "app.login");
    target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (relogin));
    g_assert_nonnull (target);
    g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "claude");
  }
  /* The first key: prefix and priority from config.yaml; no re-login. */
  {
    GtkWidget *row = GTK_WIDGET (find_row (&f, find_account (&f, "claude-api-key #1*")));

    assert_text (row, "Claude · API key · prefix work/ · priority 2");
    assert_text (row, "Active");
    g_assert_false (gtk_widget_get_visible (app_test_find_named (row, "relogin_button")));
  }
  /* The second key cools with its reason and model. */
  assert_text (GTK_WIDGET (find_row (&f, key_b)), "Cooling until *quota used up (test-model)");
  /* The OpenAI-compatible one is off, and its switch says so. */
  {
    GtkWidget *row = GTK_WIDGET (find_row (&f, find_account (&f, "openrouter*")));

    assert_text (row, "Disabled");
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (app_test_find_named (row, "enabled_switch"))));
  }

  /* Live: the cooldown ends, a quota reading comes in. */
  sy_account_state_clear_cooldowns (key_b, NULL);
  g_ptr_array_set_size (windows, 0);
  g_ptr_array_add (windows, sy_quota_window_new ("five_hour", "5-hour", NULL, 0.40, now + 3 * 3600 * SEC,
                                                 5 * 3600 * SEC, now, SY_QUOTA_SOURCE_HEADERS));
  sy_account_state_update_quota_windows (login, windows, now);
  wait_text (GTK_WIDGET (find_row (&f, key_b)), "Active");
  wait_text (GTK_WIDGET (find_row (&f, login)), "40% left · resets *");

  /* The provider refuses the login's refresh token: the row says so at
   * once, and again Active when it is signed in again. */
  {
    SyCredential *credential = sy_service_lookup_login (f.t.service, f.login_id);

    sy_credential_set_status (credential, SY_CREDENTIAL_NEEDS_LOGIN, "invalid_grant");
    wait_text (GTK_WIDGET (find_row (&f, login)), "Needs login*");
    sy_credential_set_status (credential, SY_CREDENTIAL_OK, NULL);
    wait_text (GTK_WIDGET (find_row (&f, login)), "Active");
  }

  /* Back to the busier picture for the screenshot. */
  sy_account_state_mark_failure (key_b, "test-model", &failure, "rate limited", FALSE, now);
  g_ptr_array_set_size (windows, 0);
  g_ptr_array_add (windows, sy_quota_window_new ("five_hour", "5-hour", NULL, 0.62, now + 3 * 3600 * SEC,
                                                 5 * 3600 * SEC, now, SY_QUOTA_SOURCE_HEADERS));
  sy_account_state_update_quota_windows (login, windows, now);
  g_ptr_array_set_size (windows, 0);
  g_ptr_array_add (windows, sy_quota_window_new ("requests", "Requests", NULL, 0.21, now + 40 * SEC,
                                                 60 * SEC, now, SY_QUOTA_SOURCE_HEADERS));
  sy_account_state_update_quota_windows (find_account (&f, "claude-api-key #1*"), windows, now);
  app_test_spin_for (100);
  shot = app_test_screenshot (f.window, "accounts-window.png");
  fixture_clear (&f);
}

typedef struct
{
  const char *path;
  const char *id;
} StateWait;

/* The state file holds @id with "enabled": false. */
static gboolean
state_saved_disabled (gpointer data)
{
  StateWait *w = data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *accounts;
  JsonObject *account;

  if (!json_parser_load_from_file (parser, w->path, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (accounts = json_object_get_object_member (json_node_get_object (root), "accounts")) == NULL
      || !json_object_has_member (accounts, w->id)
      || (account = json_object_get_object_member (accounts, w->id)) == NULL)
    return FALSE;
  return json_object_has_member (account, "enabled") && !json_object_get_boolean_member (account, "enabled");
}

/* The switch turns the account off in the core: the proxy stops sending
 * it requests. */
static void
test_switch_disables (void)
{
  Fixture f;
  SyAccountState *key_a;
  GtkWidget *sw;
  guint a_before;
  guint b_before;

  fixture_init (&f);
  key_a = find_account (&f, "claude-api-key #1*");
  open_window (&f);

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (chat (&f, "test-model"), ==, 200);
  /* The first key has the higher priority: it serves them all. */
  g_assert_cmpuint (fake_upstream_count_key (f.upstream, KEY_A), ==, 4);
  g_assert_cmpuint (fake_upstream_count_key (f.upstream, KEY_B), ==, 0);

  sw = app_test_find_named (GTK_WIDGET (find_row (&f, key_a)), "enabled_switch");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sw)));
  gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
  g_assert_false (sy_account_state_get_enabled (key_a));
  wait_text (GTK_WIDGET (find_row (&f, key_a)), "Disabled");

  a_before = fake_upstream_count_key (f.upstream, KEY_A);
  b_before = fake_upstream_count_key (f.upstream, KEY_B);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (chat (&f, "test-model"), ==, 200);
  g_assert_cmpuint (fake_upstream_count_key (f.upstream, KEY_A), ==, a_before);
  g_assert_cmpuint (fake_upstream_count_key (f.upstream, KEY_B), ==, b_before + 4);

  /* Saved for the next start: the state file says so within its delay. */
  {
    g_autofree char *state_path = g_build_filename (f.t.dir, "state.json", NULL);
    StateWait sw_wait = { state_path, sy_account_state_get_id (key_a) };

    g_assert_true (app_test_spin_until (state_saved_disabled, &sw_wait, 5000));
  }

  /* Switched back on from the core, the row follows. */
  sy_account_state_set_enabled (key_a, TRUE);
  wait_text (GTK_WIDGET (find_row (&f, key_a)), "Active");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sw)));
  fixture_clear (&f);
}

typedef struct
{
  Fixture    *f;
  const char *prefix;
} PrefixWait;

static gboolean
login_has_prefix (gpointer data)
{
  PrefixWait *w = data;
  SyAccountState *account = login_account (w->f);

  return g_strcmp0 (sy_account_state_get_prefix (account), w->prefix) == 0;
}

static void
edit_row (GtkWidget  *row,
          const char *prefix,
          int         priority)
{
  GtkWidget *edit = app_test_find_named (row, "edit_button");

  g_assert_nonnull (edit);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (edit), TRUE);
  gtk_entry_set_text (GTK_ENTRY (app_test_find_named (row, "prefix_entry")), prefix);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (app_test_find_named (row, "priority_spin")), priority);
  gtk_button_clicked (GTK_BUTTON (app_test_find_named (row, "apply_button")));
}

/* Prefix and priority: an API-key account's through config.yaml (the
 * proxy then serves prefix/model from it), a login's through its
 * credential. */
static void
test_prefix_edit (void)
{
  Fixture f;
  SyAccountState *key_b;
  g_autofree char *text = NULL;
  PrefixWait w;
  guint before;

  fixture_init (&f);
  key_b = find_account (&f, "claude-api-key #2*");
  open_window (&f);
  g_assert_cmpuint (chat (&f, "home/test-model"), !=, 200);

  edit_row (GTK_WIDGET (find_row (&f, key_b)), "home", 5);
  g_assert_true (g_file_get_contents (f.t.config_path, &text, NULL, NULL));
  g_test_message ("config.yaml after the edit:\n%s", text);
  g_assert_nonnull (strstr (text, "prefix: home"));
  g_assert_nonnull (strstr (text, "priority: 5"));
  /* The rest of the file is as it was. */
  g_assert_nonnull (strstr (text, "# Nothing reaches the real services."));
  g_assert_nonnull (strstr (text, "prefix: work"));
  /* The state object stays across the reload, with the new settings. */
  g_assert_true (find_account (&f, "claude-api-key #2*") == key_b);
  g_assert_cmpstr (sy_account_state_get_prefix (key_b), ==, "home");
  g_assert_cmpint (sy_account_state_get_priority (key_b), ==, 5);
  wait_text (GTK_WIDGET (find_row (&f, key_b)), "Claude · API key · prefix home/ · priority 5");
  before = fake_upstream_count_key (f.upstream, KEY_B);
  g_assert_cmpuint (chat (&f, "home/test-model"), ==, 200);
  g_assert_cmpuint (fake_upstream_count_key (f.upstream, KEY_B), ==, before + 1);

  /* The login. */
  edit_row (GTK_WIDGET (find_row (&f, login_account (&f))), "team", 3);
  w.f = &f;
  w.prefix = "team";
  g_assert_true (app_test_spin_until (login_has_prefix, &w, 5000));
  g_assert_cmpstr (sy_credential_get_prefix (sy_service_lookup_login (f.t.service, f.login_id)), ==, "team");
  g_assert_cmpint (sy_credential_get_priority (sy_service_lookup_login (f.t.service, f.login_id)), ==, 3);
  g_assert_cmpint (sy_account_state_get_priority (login_account (&f)), ==, 3);
  wait_text (GTK_WIDGET (find_row (&f, login_account (&f))), "*prefix team/ · priority 3");

  /* A prefix with a space is refused in the window, nothing changes. */
  edit_row (GTK_WIDGET (find_row (&f, key_b)), "two words", 5);
  g_assert_cmpstr (sy_account_state_get_prefix (key_b), ==, "home");
  assert_text (f.window, "A prefix is one word*");
  /* The settings stay open under the row, the error above the list. */
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (app_test_find_named (GTK_WIDGET (find_row (&f, key_b)),
                                                                                   "edit_revealer"))));
  app_test_spin_for (400);
  g_free (app_test_screenshot (f.window, "accounts-window-edit.png"));
  fixture_clear (&f);
}

static GtkDialog *
find_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkDialog *dialog = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (GTK_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      dialog = l->data;
  g_list_free (toplevels);
  return dialog;
}

static gboolean
login_gone (gpointer data)
{
  Fixture *f = data;

  return sy_service_lookup_login (f->t.service, f->login_id) == NULL;
}

static void
click_remove (GtkWidget *row,
              int        response)
{
  GtkDialog *dialog;

  gtk_button_clicked (GTK_BUTTON (app_test_find_named (row, "remove_button")));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (app_test_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "Remove *?"));
  gtk_dialog_response (dialog, response);
  g_assert_null (find_dialog ());
}

/* Remove asks first; then the login is signed out (accounts.json loses
 * it) and an API key leaves config.yaml; their rows go. */
static void
test_remove (void)
{
  Fixture f;
  g_autofree char *accounts_file = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *text = NULL;

  fixture_init (&f);
  open_window (&f);
  g_assert_cmpuint (n_rows (&f), ==, 4);

  /* Cancel keeps it. */
  click_remove (GTK_WIDGET (find_row (&f, login_account (&f))), GTK_RESPONSE_CANCEL);
  app_test_spin_for (100);
  g_assert_nonnull (sy_service_lookup_login (f.t.service, f.login_id));
  g_assert_cmpuint (n_rows (&f), ==, 4);

  click_remove (GTK_WIDGET (find_row (&f, login_account (&f))), GTK_RESPONSE_ACCEPT);
  g_assert_true (app_test_spin_until (login_gone, &f, 5000));
  app_test_spin_for (50);
  g_assert_cmpuint (n_rows (&f), ==, 3);
  g_assert_null (app_test_find (f.window, GTK_TYPE_LABEL, "me@example.com"));
  accounts_file = g_build_filename (f.t.dir, "accounts.json", NULL);
  if (g_file_get_contents (accounts_file, &accounts, NULL, NULL))
    g_assert_null (strstr (accounts, "me@example.com"));

  /* An API key. */
  click_remove (GTK_WIDGET (find_row (&f, find_account (&f, "claude-api-key #2*"))), GTK_RESPONSE_ACCEPT);
  app_test_spin_for (50);
  g_assert_cmpuint (n_rows (&f), ==, 2);
  g_assert_true (g_file_get_contents (f.t.config_path, &text, NULL, NULL));
  g_assert_null (strstr (text, KEY_B));
  g_assert_nonnull (strstr (text, KEY_A));
  g_assert_nonnull (strstr (text, KEY_OR));
  fixture_clear (&f);
}

/* A reload that rebuilds the list while "Remove?" is open: the question
 * goes with its row, rather than stay with buttons that do nothing. */
static void
test_remove_dialog_reload (void)
{
  Fixture f;
  g_autofree char *yaml = NULL;
  GtkDialog *dialog;

  fixture_init (&f);
  open_window (&f);
  gtk_button_clicked (GTK_BUTTON (app_test_find_named (GTK_WIDGET (find_row (&f, find_account (&f, "claude-api-key #2*"))),
                                                       "remove_button")));
  dialog = find_dialog ();
  g_assert_nonnull (dialog);

  yaml = config_text (f.upstream, TRUE);
  app_test_rewrite_config (&f.t, yaml);
  app_test_spin_for (100);
  g_assert_cmpuint (n_rows (&f), ==, 5);
  g_assert_null (find_dialog ());
  /* Nothing was removed. */
  assert_text (f.window, "claude-api-key #2*");
  fixture_clear (&f);
}

/* An imported Vertex service account is a login with no sign-in to
 * start again: its row offers no re-login (the login window could only
 * fail). */
static void
test_vertex_no_relogin (void)
{
  Fixture f;
  g_autoptr(SyCredential) credential = sy_credential_new ("vertex", "sa@proj.iam.gserviceaccount.com",
                                                          "sa@proj.iam.gserviceaccount.com");
  g_autoptr(SyCredential) added = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *accounts;
  GtkWidget *row = NULL;

  fixture_init (&f);
  sy_credential_set_extra (credential, "project_id", "proj");
  sy_credential_set_extra (credential, "location", "us-central1");
  sy_credential_set_tokens (credential, "ya29.fake", "{}", NULL,
                            g_get_real_time () + 10 * 3600 * SEC, g_get_real_time ());
  sy_service_add_login_async (f.t.service, credential, NULL, on_done, &result);
  g_assert_true (app_test_spin_until (is_set, &result, 10000));
  added = sy_service_add_login_finish (f.t.service, result, &error);
  g_assert_no_error (error);
  open_window (&f);

  accounts = sy_service_get_accounts (f.t.service);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(SyAccountState) account = g_list_model_get_item (accounts, i);

      if (g_strcmp0 (sy_account_state_get_provider (account), "vertex") == 0)
        row = GTK_WIDGET (find_row (&f, account));
    }
  g_assert_nonnull (row);
  g_assert_false (gtk_widget_get_visible (app_test_find_named (row, "relogin_button")));
  /* The Claude login still has its own. */
  g_assert_true (gtk_widget_get_visible (app_test_find_named (GTK_WIDGET (find_row (&f, find_account (&f, "me@*"))),
                                                              "relogin_button")));
  fixture_clear (&f);
}

/* A hand edit of config.yaml adding a key: the open window gains its row. */
static void
test_hand_edit (void)
{
  Fixture f;
  g_autofree char *yaml = NULL;

  fixture_init (&f);
  open_window (&f);
  g_assert_cmpuint (n_rows (&f), ==, 4);
  g_assert_null (app_test_find (f.window, GTK_TYPE_LABEL, "claude-api-key #3*"));

  yaml = config_text (f.upstream, TRUE);
  app_test_rewrite_config (&f.t, yaml);
  app_test_spin_for (100);
  g_assert_cmpuint (n_rows (&f), ==, 5);
  assert_text (f.window, "claude-api-key #3*");
  /* The login is still there, and still says so. */
  assert_text (f.window, "me@example.com");
  fixture_clear (&f);
}

/* No accounts: the window says how to get one. */
static void
test_empty (void)
{
  AppTestService t;
  GtkWidget *window;
  GtkWidget *empty;
  g_autofree char *shot = NULL;

  app_test_service_init (&t, "token-store: file\n");
  window = sy_accounts_window_new (t.service);
  app_test_show (window);
  empty = app_test_find (window, GTK_TYPE_LABEL, "No accounts yet");
  g_assert_nonnull (empty);
  g_assert_true (gtk_widget_is_visible (empty));
  assert_text (window, "*add an API key to config.yaml*");
  shot = app_test_screenshot (window, "accounts-window-empty.png");
  gtk_widget_destroy (window);
  app_test_service_clear (&t);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/win-accounts/shows-accounts", test_shows_accounts);
  g_test_add_func ("/win-accounts/switch-disables", test_switch_disables);
  g_test_add_func ("/win-accounts/prefix-edit", test_prefix_edit);
  g_test_add_func ("/win-accounts/remove", test_remove);
  g_test_add_func ("/win-accounts/remove-dialog-reload", test_remove_dialog_reload);
  g_test_add_func ("/win-accounts/vertex-no-relogin", test_vertex_no_relogin);
  g_test_add_func ("/win-accounts/hand-edit", test_hand_edit);
  g_test_add_func ("/win-accounts/empty", test_empty);
  return g_test_run ();
}
