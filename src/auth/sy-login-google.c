/* sy-login-google.c: the Google sign-in of Antigravity and Gemini Code Assist
 *
 * Facts: reference oauth.md §4 and §9, providers.md §1 and §9.2. The code
 * comes back to a local callback (or is pasted); the exchange and refreshes
 * are form posts with the client's (public) secret; the e-mail comes from
 * userinfo; the Cloud Code project from loadCodeAssist, or from onboardUser,
 * a long-running operation polled until it says it is done.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#include "sy-cloud-code.h"
#include "sy-http-fetch.h"
#include "sy-login-google.h"
#include "sy-secret.h"

#define GOOGLE_AUTHORIZE_HOST "https://accounts.google.com"
#define GOOGLE_TOKEN_HOST     "https://oauth2.googleapis.com"
#define GOOGLE_USERINFO_HOST  "https://www.googleapis.com"
#define GOOGLE_TOKEN_PATH     "/token"
#define GOOGLE_USERINFO_PATH  "/oauth2/v1/userinfo?alt=json"
#define DEFAULT_TIER          "legacy-tier"
#define AUTO_POLL_MS          2000      /* onboardUser without a project */
#define CONFIRM_POLL_MS       5000      /* onboardUser with the project */
#define CONFIRM_POLLS         24        /* two minutes of those */
#define MAX_ANSWER_SIZE       (1024 * 1024)
#define MAX_SHOWN_TEXT        300

static guint poll_interval_override_ms;

void
sy_login_google_set_poll_interval (guint interval_ms)
{
  poll_interval_override_ms = interval_ms;
}

static guint
poll_interval (guint interval_ms)
{
  return poll_interval_override_ms ? poll_interval_override_ms : interval_ms;
}

/* One of Google's sign-in URLs: the configured auth endpoint (tests,
 * gateways) in place of Google's scheme and host, the path kept. */
static char *
google_url (const char *auth_base,
            const char *google_host,
            const char *path)
{
  return g_strconcat (auth_base != NULL ? auth_base : google_host, path, NULL);
}

static void
wipe (char *secret)
{
  sy_secret_free (secret);
}

static char *
printable (const char *text,
           gsize       len)
{
  char *clean = g_utf8_make_valid (text, MIN (len, MAX_SHOWN_TEXT));

  for (char *p = clean; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (clean);
}

/* ------------------------------------------------------ one JSON call */

/* A GET (no body) or a JSON POST with a bearer token, answered by a JSON
 * object. Nothing of the token, or of a URL's query, is logged. */
typedef struct
{
  char       *what;           /* "loadCodeAssist", for messages */
  const char *method;
  char       *log_url;
} Call;

static void
call_free (Call *call)
{
  g_free (call->what);
  g_free (call->log_url);
  g_free (call);
}

/* Google's errors are {"error": {"code", "message", "status"}} (and the
 * token endpoint's {"error", "error_description"}): the message, else the
 * start of the body. */
static GError *
call_error (Call         *call,
            SyHttpAnswer *answer)
{
  JsonObject *inner = sy_login_json_object (answer->object, "error");
  const char *message = inner ? sy_login_json_string (inner, "message") : NULL;
  g_autofree char *shown = NULL;

  if (message == NULL)
    message = sy_login_json_string (answer->object, "error_description");
  if (message == NULL)
    message = sy_login_json_string (answer->object, "error");
  if (message != NULL)
    shown = printable (message, strlen (message));
  else if (answer->body->len > 0 && !answer->too_large)
    shown = printable ((const char *) answer->body->data, answer->body->len);
  if (shown != NULL && *shown != '\0')
    return g_error_new (SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER, "%s: HTTP %u: %s",
                        call->what, answer->status, shown);
  return g_error_new (SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER, "%s: HTTP %u", call->what, answer->status);
}

static void
on_call_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyHttpAnswer) answer = sy_http_fetch_finish (result, &error);

  if (answer == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code, "%s: %s", call->what, error->message);
      g_object_unref (task);
      return;
    }
  g_debug ("%s %s: HTTP %u", call->method, call->log_url, answer->status);
  if (answer->status < 200 || answer->status >= 300)
    g_task_return_error (task, call_error (call, answer));
  else if (answer->object == NULL)
    g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                             "%s: HTTP %u without a JSON object", call->what, answer->status);
  else
    g_task_return_pointer (task, json_object_ref (answer->object), (GDestroyNotify) json_object_unref);
  g_object_unref (task);
}

static void
header_add (GPtrArray  *headers,
            const char *name,
            const char *value)
{
  g_ptr_array_add (headers, g_strdup_printf ("%s: %s", name, value));
}

/* The headers of the Cloud Code calls at sign-in (providers.md §1, §9.2). */
static void
cloud_code_headers (const SyGoogleClient *client,
                    GPtrArray            *headers)
{
  g_autofree char *agent = NULL;

  header_add (headers, "Content-Type", "application/json");
  if (client->user_agent_platform)
    agent = g_strdup_printf ("%s (%s; %s)", client->user_agent, sy_cloud_code_os (FALSE),
                             sy_cloud_code_arch (FALSE));
  header_add (headers, "User-Agent", agent ? agent : client->user_agent);
  if (client->api_client != NULL)
    header_add (headers, "X-Goog-Api-Client", client->api_client);
  if (client->client_metadata != NULL)
    header_add (headers, "Client-Metadata", client->client_metadata);
}

static void
header_wipe (gpointer data)
{
  wipe (data);
}

/* @client NULL: a plain GET (userinfo); else a POST of @body to Cloud Code. */
static void
google_call_async (SyHttpClient         *http,
                   const char           *what,
                   const char           *url,
                   const char           *token,
                   const SyGoogleClient *client,
                   JsonObject           *body,
                   const char           *proxy_url,
                   GCancellable         *cancellable,
                   GAsyncReadyCallback   callback,
                   gpointer              user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);
  SyHttpRequestInfo info = { 0 };
  /* The bearer header is wiped as soon as the call has its copy. */
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (header_wipe);
  g_autoptr(GBytes) request = NULL;

  g_task_set_source_tag (task, google_call_async);
  call->what = g_strdup (what);
  call->log_url = g_strndup (url, strcspn (url, "?#"));
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  g_ptr_array_add (headers, g_strconcat ("Authorization: Bearer ", token, NULL));
  header_add (headers, "Accept", "application/json");
  if (client != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), body);
      gsize len = 0;
      char *text;

      cloud_code_headers (client, headers);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &len);
      request = g_bytes_new_take (text, len);
    }
  g_ptr_array_add (headers, NULL);

  call->method = request ? "POST" : "GET";
  info.method = call->method;
  info.url = url;
  info.headers = (const char * const *) headers->pdata;
  info.body = request;
  info.proxy_url = proxy_url;
  info.idle_timeout_s = 60;
  g_debug ("%s %s", info.method, call->log_url);
  sy_http_fetch_async (http, &info, MAX_ANSWER_SIZE, cancellable, on_call_fetched, task);
}

static JsonObject *
google_call_finish (GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------ project discovery */

typedef struct
{
  const SyGoogleClient *client;
  SyHttpClient *http;
  char         *api_base;
  char         *proxy_url;
  char         *token;
  char        **requested;     /* projects asked for; empty: let the backend say */
  guint         n_rounds;
  guint         round;
  char         *tier;
  char         *project;       /* of this round, while onboarding */
  guint         polls;
  GSource      *wait;
  GPtrArray    *found;         /* project ids, in order, no repeats */
} Discovery;

static void
discovery_free (Discovery *d)
{
  if (d->wait != NULL)
    {
      g_source_destroy (d->wait);
      g_source_unref (d->wait);
    }
  g_object_unref (d->http);
  g_free (d->api_base);
  g_free (d->proxy_url);
  wipe (d->token);
  g_strfreev (d->requested);
  g_free (d->tier);
  g_free (d->project);
  g_ptr_array_unref (d->found);
  g_free (d);
}

static const char *
discovery_requested (Discovery *d)
{
  return d->requested[0] != NULL ? d->requested[d->round] : NULL;
}

/* cloudaicompanionProject: a string, or an object with an id. */
static const char *
project_of (JsonObject *object)
{
  JsonNode *node = object ? json_object_get_member (object, "cloudaicompanionProject") : NULL;
  const char *id = NULL;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    id = sy_login_json_string (json_node_get_object (node), "id");
  else
    id = sy_login_json_string (object, "cloudaicompanionProject");
  return id != NULL && *id != '\0' ? id : NULL;
}

static JsonObject *
metadata_new (const SyGoogleClient *client)
{
  JsonObject *metadata = json_object_new ();

  json_object_set_string_member (metadata, "ideType", client->ide_type);
  json_object_set_string_member (metadata, "platform", "PLATFORM_UNSPECIFIED");
  json_object_set_string_member (metadata, "pluginType", "GEMINI");
  return metadata;
}

static void discovery_round (GTask *task);
static void on_onboarded (GObject *source, GAsyncResult *result, gpointer user_data);

static void
discovery_call (GTask      *task,
                const char *method,
                JsonObject *body,
                GAsyncReadyCallback callback)
{
  Discovery *d = g_task_get_task_data (task);
  g_autofree char *url = g_strconcat (d->api_base, "/v1internal:", method, NULL);

  google_call_async (d->http, method, url, d->token, d->client, body, d->proxy_url,
                     g_task_get_cancellable (task), callback, g_object_ref (task));
  json_object_unref (body);
}

/* onboardUser for d->project (NULL: let the backend pick one). */
static void
onboard (GTask *task)
{
  Discovery *d = g_task_get_task_data (task);
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "tierId", d->tier);
  json_object_set_object_member (body, "metadata", metadata_new (d->client));
  if (d->project != NULL)
    json_object_set_string_member (body, "cloudaicompanionProject", d->project);
  discovery_call (task, "onboardUser", body, on_onboarded);
}

static gboolean
on_poll_due (gpointer user_data)
{
  GTask *task = user_data;
  Discovery *d = g_task_get_task_data (task);

  g_clear_pointer (&d->wait, g_source_unref);
  if (!g_task_return_error_if_cancelled (task))
    onboard (task);
  return G_SOURCE_REMOVE;
}

static void
poll_later (GTask *task,
            guint  interval_ms)
{
  Discovery *d = g_task_get_task_data (task);

  d->wait = g_timeout_source_new (poll_interval (interval_ms));
  g_source_set_callback (d->wait, on_poll_due, g_object_ref (task), g_object_unref);
  g_source_set_static_name (d->wait, "[sy-auth] onboardUser poll");
  g_source_attach (d->wait, g_task_get_context (task));
}

static void
project_found (GTask      *task,
               const char *id)
{
  Discovery *d = g_task_get_task_data (task);

  if (!g_ptr_array_find_with_equal_func (d->found, id, g_str_equal, NULL))
    g_ptr_array_add (d->found, g_strdup (id));
  g_clear_pointer (&d->project, g_free);
  d->round++;
  discovery_round (task);
}

/* Which project a confirmed onboarding leaves us with: the one asked for,
 * except for free accounts whose backend answers another one (the one
 * their models are served from, which the Gemini CLI recommends). */
static const char *
settle_project (Discovery  *d,
                const char *returned)
{
  const char *asked = discovery_requested (d);

  if (returned == NULL || asked == NULL || g_ascii_strcasecmp (returned, asked) == 0)
    return returned ? returned : d->project;
  if (g_str_has_prefix (asked, "gen-lang-client-") ||
      g_ascii_strncasecmp (d->tier, "free", 4) == 0 || g_ascii_strncasecmp (d->tier, "legacy", 6) == 0)
    {
      g_message ("Google onboarded project %s in place of %s: using %s (the backend's, for a free tier)",
                 returned, asked, returned);
      return returned;
    }
  g_message ("Google answered project %s for the requested %s: keeping %s", returned, asked, asked);
  return asked;
}

static void
on_onboarded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = google_call_finish (result, &error);
  gboolean confirming = d->project != NULL;
  JsonNode *done;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  done = json_object_get_member (answer, "done");
  if (done != NULL && JSON_NODE_HOLDS_VALUE (done) && json_node_get_value_type (done) == G_TYPE_BOOLEAN &&
      json_node_get_boolean (done))
    {
      const char *returned = project_of (sy_login_json_object (answer, "response"));

      if (confirming)
        {
          project_found (task, settle_project (d, returned));
          return;
        }
      if (returned == NULL)
        {
          g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                                   "onboardUser finished without a project");
          return;
        }
      if (!d->client->confirm_project)
        {
          project_found (task, returned);
          return;
        }
      d->project = g_strdup (returned);
      d->polls = 0;
      onboard (task);
      return;
    }
  /* Still provisioning: ask again a little later. */
  d->polls++;
  if (d->polls >= (confirming ? CONFIRM_POLLS : d->client->auto_onboard_polls))
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "onboardUser was still not done after %u tries", d->polls);
      return;
    }
  g_debug ("onboardUser: not done yet (%u)", d->polls);
  poll_later (task, confirming ? CONFIRM_POLL_MS : AUTO_POLL_MS);
}

/* The tier marked as the default among allowedTiers. */
static const char *
default_tier (JsonObject *answer)
{
  JsonNode *node = json_object_get_member (answer, "allowedTiers");
  JsonArray *tiers = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  for (guint i = 0; tiers != NULL && i < json_array_get_length (tiers); i++)
    {
      JsonNode *tn = json_array_get_element (tiers, i);
      JsonObject *tier = JSON_NODE_HOLDS_OBJECT (tn) ? json_node_get_object (tn) : NULL;
      JsonNode *flag = tier ? json_object_get_member (tier, "isDefault") : NULL;
      const char *id = sy_login_json_string (tier, "id");

      if (flag != NULL && JSON_NODE_HOLDS_VALUE (flag) && json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
          json_node_get_boolean (flag) && id != NULL && *id != '\0')
        return id;
    }
  return DEFAULT_TIER;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = google_call_finish (result, &error);
  const char *project;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (d->tier);
  d->tier = g_strdup (default_tier (answer));
  project = discovery_requested (d);
  if (project == NULL)
    project = project_of (answer);
  d->polls = 0;
  if (project == NULL)
    {
      /* No project yet: onboarding without one makes the backend pick it. */
      onboard (task);
      return;
    }
  if (!d->client->confirm_project)
    {
      project_found (task, project);
      return;
    }
  d->project = g_strdup (project);
  onboard (task);
}

static void
discovery_round (GTask *task)
{
  Discovery *d = g_task_get_task_data (task);
  JsonObject *body;

  if (d->round >= d->n_rounds)
    {
      g_ptr_array_add (d->found, NULL);
      g_task_return_pointer (task, g_strjoinv (",", (char **) d->found->pdata), g_free);
      return;
    }
  body = json_object_new ();
  json_object_set_object_member (body, "metadata", metadata_new (d->client));
  if (discovery_requested (d) != NULL)
    json_object_set_string_member (body, "cloudaicompanionProject", discovery_requested (d));
  discovery_call (task, "loadCodeAssist", body, on_loaded);
}

/* The projects to serve from: one round per requested project (or one
 * round that lets the backend say), each loadCodeAssist, then onboardUser
 * as needed. Completes with "p1,p2,...". */
static void
discover_async (const SyGoogleClient *client,
                SyHttpClient         *http,
                SyConfig             *config,
                const char           *token,
                const char           *requested,
                GCancellable         *cancellable,
                GAsyncReadyCallback   callback,
                gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Discovery *d = g_new0 (Discovery, 1);
  g_auto(GStrv) parts = g_strsplit (requested ? requested : "", ",", -1);
  g_autoptr(GPtrArray) wanted = g_ptr_array_new ();

  g_task_set_source_tag (task, discover_async);
  d->client = client;
  d->http = g_object_ref (http);
  d->api_base = sy_config_endpoint (config, client->provider, "api", "https://cloudcode-pa.googleapis.com");
  d->proxy_url = g_strdup (config ? config->proxy_url : NULL);
  d->token = g_strdup (token);
  d->found = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *id = g_strstrip (parts[i]);

      if (*id != '\0' && !g_ptr_array_find_with_equal_func (wanted, id, g_str_equal, NULL))
        g_ptr_array_add (wanted, g_strdup (id));
    }
  d->n_rounds = MAX (wanted->len, 1);
  g_ptr_array_add (wanted, NULL);
  d->requested = (char **) g_ptr_array_free (g_steal_pointer (&wanted), FALSE);
  g_task_set_task_data (task, d, (GDestroyNotify) discovery_free);
  discovery_round (task);
}

static char *
discover_finish (GAsyncResult  *result,
                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------ sign-in */

typedef struct
{
  const SyGoogleClient *client;
  char   *requested;        /* SyLoginOptions.project_id, copied */
  char   *access_token;
  char   *refresh_token;
  gint64  expires;
  char   *email;
} SignIn;

static void
sign_in_free (gpointer data)
{
  SignIn *s = data;

  g_free (s->requested);
  wipe (s->access_token);
  wipe (s->refresh_token);
  g_free (s->email);
  g_free (s);
}

static void
on_discovered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *flow = g_task_get_source_object (task);
  SignIn *s = flow->data;
  g_autoptr(GError) error = NULL;
  g_autofree char *projects = discover_finish (result, &error);
  gint64 now = g_get_real_time ();
  SyCredential *credential;

  if (projects == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (projects == NULL && s->client->project_required)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "%s: no Gemini Code Assist project for %s (%s). Gemini CLI sign-in "
                               "with a personal Google account ended in June 2026: use an account "
                               "with Gemini Code Assist Standard or Enterprise, and name its "
                               "Google Cloud project with --project ID",
                               flow->info->title, s->email, error->message);
      return;
    }
  if (projects == NULL)
    g_message ("%s: no Cloud Code project found for %s (%s); the sign-in goes on, and the "
               "project is looked for again after each renewal", flow->info->title, s->email,
               error->message);

  credential = sy_credential_new (s->client->provider, s->email, s->email);
  sy_credential_set_tokens (credential, s->access_token, s->refresh_token, NULL, s->expires, now);
  sy_credential_set_extra (credential, "project_id", projects);
  g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_userinfo (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *flow = g_task_get_source_object (task);
  SignIn *s = flow->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = google_call_finish (result, &error);
  const char *email;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  email = sy_login_json_string (answer, "email");
  if (email == NULL || *email == '\0')
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "Google's userinfo holds no e-mail address");
      return;
    }
  s->email = g_strdup (email);
  /* --project is the Gemini CLI's; Antigravity takes what the backend says. */
  discover_async (s->client, flow->http, flow->config, s->access_token,
                  s->client->project_required ? s->requested : NULL,
                  g_task_get_cancellable (task), on_discovered, g_object_ref (task));
}

static void
on_tokens (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *flow = g_task_get_source_object (task);
  SignIn *s = flow->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, NULL, &error);
  g_autofree char *url = NULL;
  const char *access;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  access = sy_login_json_string (answer, "access_token");
  if (access == NULL)
    {
      g_task_return_new_error (task, SY_LOGIN_ERROR, SY_LOGIN_ERROR_ANSWER,
                               "Google's token answer holds no access token");
      return;
    }
  s->access_token = g_strdup (access);
  s->refresh_token = g_strdup (sy_login_json_string (answer, "refresh_token"));
  s->expires = sy_login_expiry_from (answer, g_get_real_time ());
  url = google_url (flow->auth_base, GOOGLE_USERINFO_HOST, GOOGLE_USERINFO_PATH);
  google_call_async (flow->http, "userinfo", url, s->access_token, NULL, NULL, flow->config->proxy_url,
                     g_task_get_cancellable (task), on_userinfo, g_object_ref (task));
}

static void
on_code (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyLoginFlow *flow = g_task_get_source_object (task);
  SignIn *s = flow->data;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = sy_oauth_callback_wait_finish (flow->callback, result, &error);
  g_autofree char *url = NULL;
  const char *fields[11];

  if (code == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  url = google_url (flow->auth_base, GOOGLE_TOKEN_HOST, GOOGLE_TOKEN_PATH);
  fields[0] = "grant_type";    fields[1] = "authorization_code";
  fields[2] = "code";          fields[3] = code;
  fields[4] = "redirect_uri";  fields[5] = flow->redirect_uri;
  fields[6] = "client_id";     fields[7] = s->client->client_id;
  fields[8] = "client_secret"; fields[9] = s->client->client_secret;
  fields[10] = NULL;
  sy_oauth_post_async (flow->http, url, SY_OAUTH_FORM, fields, NULL, flow->config->proxy_url,
                       g_task_get_cancellable (task), on_tokens, g_object_ref (task));
  sy_secret_wipe (code, strlen (code));
}

gboolean
sy_login_google_start (SyLoginFlow          *flow,
                       const SyGoogleClient *client,
                       GTask                *task,
                       GError              **error)
{
  g_autofree char *authorize = NULL;
  const char *params[17];
  SignIn *s;

  flow->state = sy_oauth_random_state ();
  flow->callback = sy_login_flow_listen (flow, flow->state, error);
  if (flow->callback == NULL)
    return FALSE;
  flow->redirect_uri = g_strdup_printf ("http://localhost:%u%s", sy_oauth_callback_get_port (flow->callback),
                                        flow->info->path);
  s = g_new0 (SignIn, 1);
  s->client = client;
  s->requested = g_strdup (flow->options.project_id);
  flow->data = s;
  flow->data_free = sign_in_free;

  authorize = google_url (flow->auth_base, GOOGLE_AUTHORIZE_HOST, client->authorize_path);
  params[0] = "access_type";    params[1] = "offline";
  params[2] = "client_id";      params[3] = client->client_id;
  params[4] = "prompt";         params[5] = "consent";
  params[6] = "redirect_uri";   params[7] = flow->redirect_uri;
  params[8] = "response_type";  params[9] = "code";
  params[10] = "scope";         params[11] = client->scopes;
  params[12] = "state";         params[13] = flow->state;
  params[14] = NULL;
  flow->url = sy_oauth_build_url (authorize, params);
  sy_oauth_callback_wait_async (flow->callback, flow->options.timeout_s, g_task_get_cancellable (task),
                                on_code, g_object_ref (task));
  return TRUE;
}

/* ------------------------------------------------------------ refresh */

typedef struct
{
  GTask      *task;
  JsonObject *answer;
} Renewal;

static void
renewal_free (Renewal *r)
{
  g_object_unref (r->task);
  json_object_unref (r->answer);
  g_free (r);
}

static void
on_rediscovered (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Renewal *r = user_data;
  SyCredential *credential = g_task_get_task_data (r->task);
  g_autoptr(GError) error = NULL;
  g_autofree char *projects = discover_finish (result, &error);

  if (projects != NULL)
    {
      g_message ("%s: Cloud Code project %s found", sy_credential_get_id (credential), projects);
      sy_credential_set_extra (credential, "project_id", projects);
    }
  else
    g_debug ("%s: still no Cloud Code project: %s", sy_credential_get_id (credential), error->message);
  sy_login_finish_refresh (r->task, credential, r->answer, 200, NULL);
  renewal_free (r);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyCredential *credential = g_task_get_task_data (task);
  const SyGoogleClient *client = g_object_get_data (G_OBJECT (task), "sy-google-client");
  SyConfig *config = g_object_get_data (G_OBJECT (task), "sy-google-config");
  SyHttpClient *http = g_object_get_data (G_OBJECT (task), "sy-google-http");
  GError *error = NULL;
  guint status = 0;
  g_autoptr(JsonObject) answer = sy_oauth_post_finish (result, &status, &error);
  const char *access = sy_login_json_string (answer, "access_token");

  /* A login that found no project at sign-in looks again (Antigravity). */
  if (access != NULL && !client->project_required && sy_credential_get_extra (credential, "project_id") == NULL)
    {
      Renewal *r = g_new0 (Renewal, 1);

      r->task = g_steal_pointer (&task);
      r->answer = g_steal_pointer (&answer);
      discover_async (client, http, config, access, NULL, g_task_get_cancellable (r->task), on_rediscovered, r);
      return;
    }
  sy_login_finish_refresh (task, credential, answer, status, error);
}

void
sy_login_google_refresh (const SyGoogleClient *client,
                         SyHttpClient         *http,
                         SyConfig             *config,
                         SyCredential         *credential,
                         GTask                *task)
{
  g_autofree char *auth = sy_config_endpoint (config, client->provider, "auth", NULL);
  g_autofree char *url = google_url (auth, GOOGLE_TOKEN_HOST, GOOGLE_TOKEN_PATH);
  const char *fields[9];

  fields[0] = "grant_type";    fields[1] = "refresh_token";
  fields[2] = "refresh_token"; fields[3] = sy_credential_get_refresh_token (credential);
  fields[4] = "client_id";     fields[5] = client->client_id;
  fields[6] = "client_secret"; fields[7] = client->client_secret;
  fields[8] = NULL;
  g_object_set_data (G_OBJECT (task), "sy-google-client", (gpointer) client);
  g_object_set_data_full (G_OBJECT (task), "sy-google-http", g_object_ref (http), g_object_unref);
  if (config != NULL)
    g_object_set_data_full (G_OBJECT (task), "sy-google-config", sy_config_ref (config),
                            (GDestroyNotify) sy_config_unref);
  sy_oauth_post_async (http, url, SY_OAUTH_FORM, fields, NULL, config ? config->proxy_url : NULL,
                       g_task_get_cancellable (task), on_refreshed, task);
}
