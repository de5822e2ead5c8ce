/* sy-oauth.c: provider-independent OAuth building blocks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-auth"

#include "config.h"

#include <string.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sy-json-guard.h"
#include "sy-oauth.h"
#include "sy-log.h"
#include "sy-oauth-private.h"
#include "sy-secret.h"

#define DEFAULT_CALLBACK_PATH    "/callback"
#define DEFAULT_WAIT_S           300
#define DEFAULT_DEVICE_TIMEOUT_S 900
#define SLOW_DOWN_MS             5000    /* RFC 8628 §3.5 */
#define MAX_ANSWER_SIZE          (1024 * 1024)
#define TOKEN_IDLE_TIMEOUT_S     60
#define MAX_NETWORK_FAILURES     3
#define MAX_SHOWN_TEXT           300     /* bytes of a server's text put in a message */

G_DEFINE_QUARK (sy-oauth-error-quark, sy_oauth_error)

/* ------------------------------------------------------------ small helpers */

static void
random_bytes (guint8 *buf,
              gsize   len)
{
  /* States and verifiers guard the login: only a CSPRNG will do, and there
   * is no sensible way on without one. */
  if (RAND_bytes (buf, (int) len) != 1)
    g_error ("No secure random numbers available");
}

static char *
base64url_encode (const guint8 *data,
                  gsize         len)
{
  char *text = g_base64_encode (data, len);
  gsize n = strlen (text);
  char *p;

  while (n > 0 && text[n - 1] == '=')
    text[--n] = '\0';
  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  return text;
}

/* NULL unless @text (@len bytes) is base64url, with or without padding.
 * g_base64_decode() skips characters it does not know, so check first. */
static guint8 *
base64url_decode (const char *text,
                  gsize       len,
                  gsize      *out_len)
{
  g_autofree char *std = NULL;
  gsize i;

  while (len > 0 && text[len - 1] == '=')
    len--;
  if (len % 4 == 1)
    return NULL;

  std = g_malloc (len + 4);
  for (i = 0; i < len; i++)
    {
      char c = text[i];

      if (g_ascii_isalnum (c))
        std[i] = c;
      else if (c == '-')
        std[i] = '+';
      else if (c == '_')
        std[i] = '/';
      else
        return NULL;
    }
  while (i % 4 != 0)
    std[i++] = '=';
  std[i] = '\0';

  return g_base64_decode (std, out_len);
}

/* A server's or a browser's text made fit for a message: valid UTF-8, no
 * control characters, at most about @max bytes. */
static char *
printable_text (const char *text,
                gsize       len,
                gsize       max)
{
  char *clean = g_utf8_make_valid (text, MIN (len, max));
  char *p;

  for (p = clean; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (clean);
}

/* What may be logged of a URL: never its query, which can hold codes. */
static char *
url_for_log (const char *url)
{
  return g_strndup (url, strcspn (url, "?#"));
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
is_empty (const char *s)
{
  return s == NULL || *s == '\0';
}

/* The state is what stops a forged redirect: compare it in constant time. */
static gboolean
state_equal (const char *a,
             const char *b)
{
  gsize len = strlen (a);

  return len == strlen (b) && CRYPTO_memcmp (a, b, len) == 0;
}

/* ------------------------------------------------------------ state, PKCE, URLs */

char *
sy_oauth_random_state (void)
{
  static const char hex[] = "0123456789abcdef";
  guint8 bytes[16];
  char *state = g_malloc (2 * sizeof bytes + 1);
  gsize i;

  random_bytes (bytes, sizeof bytes);
  for (i = 0; i < sizeof bytes; i++)
    {
      state[2 * i] = hex[bytes[i] >> 4];
      state[2 * i + 1] = hex[bytes[i] & 0xf];
    }
  state[2 * sizeof bytes] = '\0';
  OPENSSL_cleanse (bytes, sizeof bytes);

  return state;
}

char *
sy_oauth_pkce_challenge (const char *verifier)
{
  g_autoptr(GChecksum) sha = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;

  g_return_val_if_fail (verifier != NULL, NULL);

  sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (sha, digest, &len);

  return base64url_encode (digest, len);
}

void
sy_oauth_pkce_new (char **verifier,
                   char **challenge)
{
  guint8 bytes[96];
  char *v;

  g_return_if_fail (verifier != NULL);

  random_bytes (bytes, sizeof bytes);
  v = base64url_encode (bytes, sizeof bytes);
  OPENSSL_cleanse (bytes, sizeof bytes);

  if (challenge != NULL)
    *challenge = sy_oauth_pkce_challenge (v);
  *verifier = v;
}

char *
sy_oauth_build_url (const char         *base,
                    const char * const *params)
{
  GString *url;
  const char *sep;
  gsize i;

  g_return_val_if_fail (base != NULL, NULL);
  g_return_val_if_fail (params == NULL || g_strv_length ((char **) params) % 2 == 0, NULL);

  url = g_string_new (base);
  if (params == NULL || params[0] == NULL)
    return g_string_free (url, FALSE);

  if (strchr (base, '?') == NULL)
    sep = "?";
  else if (g_str_has_suffix (base, "?") || g_str_has_suffix (base, "&"))
    sep = "";
  else
    sep = "&";

  for (i = 0; params[i] != NULL; i += 2)
    {
      g_string_append (url, sep);
      g_string_append_uri_escaped (url, params[i], NULL, FALSE);
      g_string_append_c (url, '=');
      g_string_append_uri_escaped (url, params[i + 1], NULL, FALSE);
      sep = "&";
    }

  return g_string_free (url, FALSE);
}

/* ------------------------------------------------------------ redirects */

typedef struct
{
  char *code;
  char *param_state;        /* the state parameter */
  char *code_state;         /* Claude: what follows '#' in the code */
  char *error;
  char *error_description;
} Redirect;

static void
redirect_clear (Redirect *r)
{
  g_clear_pointer (&r->code, g_free);
  g_clear_pointer (&r->param_state, g_free);
  g_clear_pointer (&r->code_state, g_free);
  g_clear_pointer (&r->error, g_free);
  g_clear_pointer (&r->error_description, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Redirect, redirect_clear)

/* Claude hands out "code#state". */
static void
redirect_set_code (Redirect   *r,
                   const char *code)
{
  const char *hash = strchr (code, '#');

  g_clear_pointer (&r->code, g_free);
  g_clear_pointer (&r->code_state, g_free);
  if (hash == NULL)
    {
      r->code = g_strdup (code);
      return;
    }
  if (hash != code)
    r->code = g_strndup (code, hash - code);
  if (hash[1] != '\0')
    r->code_state = g_strdup (hash + 1);
}

static void
replace_string (char       **slot,
                const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

static void
redirect_take_params (Redirect   *r,
                      GHashTable *params)
{
  const char *code = g_hash_table_lookup (params, "code");
  const char *state = g_hash_table_lookup (params, "state");
  const char *error = g_hash_table_lookup (params, "error");
  const char *description = g_hash_table_lookup (params, "error_description");

  if (!is_empty (code))
    redirect_set_code (r, code);
  if (!is_empty (state))
    replace_string (&r->param_state, state);
  if (!is_empty (error))
    replace_string (&r->error, error);
  if (!is_empty (description))
    replace_string (&r->error_description, description);
}

static gboolean
redirect_parse_query (Redirect   *r,
                      const char *query,
                      GError    **error)
{
  g_autoptr(GHashTable) params = NULL;

  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  if (params == NULL)
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "The redirect's parameters are not properly encoded");
      return FALSE;
    }
  redirect_take_params (r, params);
  return TRUE;
}

/* "a=b..." rather than a bare code, which may end in '=' padding. */
static gboolean
looks_like_query (const char *text)
{
  const char *eq = strchr (text, '=');
  const char *hash = strchr (text, '#');
  const char *after;

  if (text[0] == '?' || strchr (text, '&') != NULL)
    return TRUE;
  if (eq == NULL || (hash != NULL && hash < eq))
    return FALSE;
  after = eq + strspn (eq, "=");
  return *after != '\0' && *after != '#';
}

static gboolean
is_code_text (const char *text)
{
  const char *p;

  for (p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~+/=%#", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
redirect_parse (Redirect   *r,
                const char *text,
                GError    **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));

  if (*trimmed == '\0')
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "Nothing to read: paste the address the browser ended on");
      return FALSE;
    }

  if (strstr (trimmed, "://") != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (trimmed, G_URI_FLAGS_ENCODED, NULL);
      const char *query;
      const char *fragment;

      if (uri == NULL)
        {
          g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                               "Not a valid address");
          return FALSE;
        }
      query = g_uri_get_query (uri);
      fragment = g_uri_get_fragment (uri);
      if (query != NULL && !redirect_parse_query (r, query, error))
        return FALSE;
      if (r->code == NULL && r->error == NULL && fragment != NULL && strchr (fragment, '=') != NULL)
        {
          /* Some servers answer in the fragment. */
          if (!redirect_parse_query (r, fragment, error))
            return FALSE;
        }
      else if (r->code != NULL && r->code_state == NULL && !is_empty (fragment)
               && strchr (fragment, '=') == NULL)
        {
          /* "?code=abc#state": Claude's '#' copied unencoded. */
          r->code_state = g_uri_unescape_string (fragment, NULL);
        }
    }
  else if (looks_like_query (trimmed))
    {
      if (!redirect_parse_query (r, trimmed[0] == '?' ? trimmed + 1 : trimmed, error))
        return FALSE;
    }
  else if (is_code_text (trimmed))
    {
      redirect_set_code (r, trimmed);
    }

  if (r->code == NULL && r->error == NULL)
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "No authorization code found in what was pasted");
      return FALSE;
    }
  if (r->param_state != NULL && r->code_state != NULL
      && strcmp (r->param_state, r->code_state) != 0)
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "The redirect carries two different states");
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_oauth_parse_redirect (const char  *text,
                         char       **code,
                         char       **state,
                         char       **error,
                         char       **error_description,
                         GError     **err)
{
  g_auto(Redirect) r = { 0 };

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (err == NULL || *err == NULL, FALSE);

  if (code != NULL)
    *code = NULL;
  if (state != NULL)
    *state = NULL;
  if (error != NULL)
    *error = NULL;
  if (error_description != NULL)
    *error_description = NULL;

  if (!redirect_parse (&r, text, err))
    return FALSE;

  if (code != NULL)
    *code = g_steal_pointer (&r.code);
  if (state != NULL)
    *state = r.param_state ? g_steal_pointer (&r.param_state) : g_steal_pointer (&r.code_state);
  if (error != NULL)
    *error = g_steal_pointer (&r.error);
  if (error_description != NULL)
    *error_description = g_steal_pointer (&r.error_description);
  return TRUE;
}

/* ------------------------------------------------------------ JWT */

JsonObject *
sy_jwt_decode_payload (const char *jwt,
                       GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree guint8 *payload = NULL;
  const char *dot1;
  const char *dot2;
  gsize len = 0;
  JsonNode *root;

  g_return_val_if_fail (jwt != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dot1 = strchr (jwt, '.');
  dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  if (dot1 == NULL || dot2 == NULL || strchr (dot2 + 1, '.') != NULL || dot1 == jwt)
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "Not a JWT: it needs three parts separated by dots");
      return NULL;
    }

  payload = base64url_decode (dot1 + 1, dot2 - dot1 - 1, &len);
  if (payload == NULL || len == 0)
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "The JWT payload is not base64url");
      return NULL;
    }

  parser = json_parser_new ();
  if (!sy_json_parser_load (parser, (const char *) payload, len, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "The JWT payload is not a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* ------------------------------------------------------------ who holds a port */

#ifdef __linux__

/* Would a listener at this /proc/net/tcp{,6} address block 127.0.0.1? The
 * kernel prints the address as 32-bit words in host order, so copying the
 * words gives back the bytes in network order. */
static gboolean
address_blocks_loopback (const char *hex,
                         gboolean    v6)
{
  guint32 words[4];
  gsize n_words = v6 ? 4 : 1;
  gsize i;

  if (strlen (hex) != 8 * n_words)
    return FALSE;
  for (i = 0; i < n_words; i++)
    {
      char word[9];

      memcpy (word, hex + 8 * i, 8);
      word[8] = '\0';
      words[i] = (guint32) g_ascii_strtoull (word, NULL, 16);
    }

  if (!v6)
    {
      struct in_addr a;

      memcpy (&a, words, sizeof a);
      return a.s_addr == htonl (INADDR_LOOPBACK) || a.s_addr == htonl (INADDR_ANY);
    }
  else
    {
      struct in6_addr a;
      static const guint8 loopback4[4] = { 127, 0, 0, 1 };

      memcpy (&a, words, sizeof a);
      return IN6_IS_ADDR_UNSPECIFIED (&a)
             || (IN6_IS_ADDR_V4MAPPED (&a) && memcmp (a.s6_addr + 12, loopback4, 4) == 0);
    }
}

/* The inode of the socket listening on @port, from /proc/net/tcp{,6}. */
static guint64
find_listen_inode (const char *table,
                   gboolean    v6,
                   guint       port)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize i;

  if (!g_file_get_contents (table, &contents, NULL, NULL))
    return 0;

  lines = g_strsplit (contents, "\n", -1);
  for (i = 1; lines[i] != NULL; i++)
    {
      char local[33];
      unsigned int local_port = 0;
      unsigned int st = 0;
      unsigned long long inode = 0;

      /* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode */
      if (sscanf (lines[i], " %*u: %32[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*u %*u %llu",
                  local, &local_port, &st, &inode) != 4)
        continue;
      if (st == 0x0a /* TCP_LISTEN */ && local_port == port && inode != 0
          && address_blocks_loopback (local, v6))
        return inode;
    }
  return 0;
}

static gboolean
find_socket_owner (guint64 inode,
                   int    *pid,
                   char  **name)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autofree char *wanted = g_strdup_printf ("socket:[%" G_GUINT64_FORMAT "]", inode);
  const char *entry;

  if (proc == NULL)
    return FALSE;

  while ((entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *fd_path = NULL;
      g_autoptr(GDir) fds = NULL;
      const char *fd;

      if (!g_ascii_isdigit (entry[0]) || strspn (entry, "0123456789") != strlen (entry))
        continue;

      /* Other users' processes cannot be read: they are skipped. */
      fd_path = g_build_filename ("/proc", entry, "fd", NULL);
      fds = g_dir_open (fd_path, 0, NULL);
      if (fds == NULL)
        continue;

      while ((fd = g_dir_read_name (fds)) != NULL)
        {
          g_autofree char *link = g_build_filename (fd_path, fd, NULL);
          g_autofree char *target = g_file_read_link (link, NULL);
          g_autofree char *comm_path = NULL;
          g_autofree char *comm = NULL;

          if (g_strcmp0 (target, wanted) != 0)
            continue;

          comm_path = g_build_filename ("/proc", entry, "comm", NULL);
          if (g_file_get_contents (comm_path, &comm, NULL, NULL))
            g_strstrip (comm);
          *pid = (int) g_ascii_strtoll (entry, NULL, 10);
          *name = is_empty (comm) ? g_strdup ("an unnamed process") : g_steal_pointer (&comm);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
find_port_owner (guint  port,
                 int   *pid,
                 char **name)
{
  guint64 inode = find_listen_inode ("/proc/net/tcp", FALSE, port);

  if (inode == 0)
    inode = find_listen_inode ("/proc/net/tcp6", TRUE, port);
  return inode != 0 && find_socket_owner (inode, pid, name);
}

#endif /* __linux__ */

static void
set_port_in_use_error (guint    port,
                       GError **error)
{
#ifdef __linux__
  g_autofree char *name = NULL;
  int pid = 0;

  if (find_port_owner (port, &pid, &name))
    {
      g_set_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_PORT_IN_USE,
                   "Port %u on 127.0.0.1 is already in use by %s (pid %d): "
                   "close it, or choose another callback port", port, name, pid);
      return;
    }
#endif
  g_set_error (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_PORT_IN_USE,
               "Port %u on 127.0.0.1 is already in use by another program: "
               "close it, or choose another callback port", port);
}

/* ------------------------------------------------------------ the callback listener */

struct _SyOAuthCallback
{
  GObject       parent_instance;

  GMainContext *context;
  SoupServer   *server;          /* NULL once stopped */
  guint         port;
  char         *path;
  char         *expected_state;

  /* The outcome, settled once: by the first callback that carries a code or
   * an error, by an accepted paste, or by the end of the wait. */
  gboolean      settled;
  gboolean      page_pending;    /* the settling page is still being written */
  char         *code;
  GError       *error;
  gboolean      finished;        /* a wait has ended: nothing more to give */
  guint         timeout_s;

  GTask        *task;            /* the pending wait */
  GSource      *timeout_source;
  GSource      *cancel_source;
  GSource      *finish_source;
};

G_DEFINE_FINAL_TYPE (SyOAuthCallback, sy_oauth_callback, G_TYPE_OBJECT)

#define PAGE_TEMPLATE \
  "<!DOCTYPE html>\n" \
  "<html lang=\"en\"><head><meta charset=\"utf-8\">" \
  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" \
  "<title>%s \u2014 Switchyard</title>" \
  "<style>" \
  "body{font-family:system-ui,sans-serif;margin:0;min-height:100vh;display:flex;" \
  "align-items:center;justify-content:center;background:#f6f5f4;color:#241f31}" \
  "main{max-width:34em;margin:1em;padding:2em;background:#fff;border-radius:12px;" \
  "box-shadow:0 1px 4px rgba(0,0,0,.15)}" \
  "h1{font-size:1.4em;margin-top:0}" \
  "@media(prefers-color-scheme:dark){body{background:#242424;color:#eee}main{background:#303030}}" \
  "</style></head>\n" \
  "<body><main><h1>%s</h1><p>%s</p></main></body></html>\n"

static void
respond_page (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *title_html = g_markup_escape_text (title, -1);
  g_autofree char *text_html = g_markup_escape_text (text, -1);
  char *html = g_strdup_printf (PAGE_TEMPLATE, title_html, title_html, text_html);

  /* A page that shows and loads nothing else, is not cached, and does not
   * hand the callback URL (with its code) to anyone as a referrer. */
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    html, strlen (html));
}

static void
callback_stop_listening (SyOAuthCallback *self)
{
  if (self->server == NULL)
    return;

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_debug ("callback listener on port %u stopped", self->port);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* Ends the wait: with @error if given, else with the settled outcome. */
static void
callback_complete (SyOAuthCallback *self,
                   GError          *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  g_assert (task != NULL);

  /* Free the port before anyone hears of the result. */
  callback_stop_listening (self);
  clear_source (&self->timeout_source);
  clear_source (&self->cancel_source);
  clear_source (&self->finish_source);
  self->settled = TRUE;
  self->finished = TRUE;

  if (error != NULL)
    g_task_return_error (task, error);
  else if (self->error != NULL)
    g_task_return_error (task, g_steal_pointer (&self->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&self->code), g_free);
}

static gboolean
finish_idle_cb (gpointer user_data)
{
  SyOAuthCallback *self = user_data;

  g_clear_pointer (&self->finish_source, g_source_unref);
  callback_complete (self, NULL);
  return G_SOURCE_REMOVE;
}

/* Completes the wait once there is one, an outcome, and its page is out
 * (stopping the server earlier would cut the page off). From an idle, as
 * this runs inside libsoup's signals or a caller's deliver(). */
static void
callback_maybe_finish (SyOAuthCallback *self)
{
  if (self->task == NULL || !self->settled || self->page_pending || self->finish_source != NULL)
    return;

  self->finish_source = g_idle_source_new ();
  g_source_set_priority (self->finish_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->finish_source, finish_idle_cb, self, NULL);
  g_source_set_static_name (self->finish_source, "[sy-oauth] callback finish");
  g_source_attach (self->finish_source, self->context);
}

static void
callback_settle (SyOAuthCallback *self,
                 char            *code,
                 GError          *error,
                 gboolean         page_pending)
{
  g_assert (!self->settled);

  self->settled = TRUE;
  self->code = code;
  self->error = error;
  self->page_pending = page_pending;
  g_debug ("sign-in outcome: %s", error ? error->message : "an authorization code");
  callback_maybe_finish (self);
}

static void
page_finished_cb (SoupServerMessage *msg,
                  SyOAuthCallback   *self)
{
  self->page_pending = FALSE;
  callback_maybe_finish (self);
}

static GError *
denied_error (const char *error,
              const char *description)
{
  g_autofree char *shown_error = printable_text (error, strlen (error), MAX_SHOWN_TEXT);
  g_autofree char *shown_description = NULL;

  if (is_empty (description))
    return g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED,
                        "Sign-in refused by the provider: %s", shown_error);

  shown_description = printable_text (description, strlen (description), MAX_SHOWN_TEXT);
  return g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_DENIED,
                      "Sign-in refused by the provider: %s (%s)", shown_error, shown_description);
}

static GError *
state_error (gboolean missing)
{
  return g_error_new_literal (SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE,
                              missing
                              ? "The sign-in response has no state (possible forgery): refused"
                              : "The sign-in response's state is not the one sent (possible forgery): refused");
}

SyOAuthCallbackOutcome
sy_oauth_callback_judge (GHashTable  *query,
                         const char  *expected_state,
                         char       **code,
                         char       **page_text,
                         GError     **error)
{
  g_auto(Redirect) r = { 0 };

  *code = NULL;
  *page_text = NULL;
  if (query != NULL)
    redirect_take_params (&r, query);
  if (r.code == NULL && r.error == NULL)
    return SY_OAUTH_CALLBACK_NOT_A_REDIRECT;

  /* The state first: nothing from a forged redirect is used. */
  if (r.param_state == NULL
      || !state_equal (r.param_state, expected_state)
      || (r.code_state != NULL && !state_equal (r.code_state, expected_state)))
    {
      g_propagate_error (error, state_error (r.param_state == NULL));
      return SY_OAUTH_CALLBACK_FORGED;
    }
  if (r.error != NULL)
    {
      const char *what = r.error_description ? r.error_description : r.error;

      *page_text = printable_text (what, strlen (what), MAX_SHOWN_TEXT);
      g_propagate_error (error, denied_error (r.error, r.error_description));
      return SY_OAUTH_CALLBACK_DENIED;
    }
  *code = g_steal_pointer (&r.code);
  return SY_OAUTH_CALLBACK_CODE;
}

static void
callback_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SyOAuthCallback *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *code = NULL;
  g_autofree char *page_text = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (path, self->path) != 0)
    {
      respond_page (msg, SOUP_STATUS_NOT_FOUND, "Not found", "There is nothing here.");
      return;
    }
  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      respond_page (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed",
                    "This address only receives a browser's sign-in redirect.");
      return;
    }
  if (self->settled)
    {
      respond_page (msg, SOUP_STATUS_CONFLICT, "Already handled",
                    "This sign-in has already been handled. You can close this tab.");
      return;
    }

  switch (sy_oauth_callback_judge (query, self->expected_state, &code, &page_text, &error))
    {
    case SY_OAUTH_CALLBACK_NOT_A_REDIRECT:
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, "Not a sign-in response",
                    "This address only receives the redirect that ends a sign-in started from Switchyard.");
      return;
    case SY_OAUTH_CALLBACK_FORGED:
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, "Sign-in refused",
                    "This sign-in response does not belong to the sign-in Switchyard started "
                    "(its state check failed), so it was not used. "
                    "Start the sign-in again from Switchyard.");
      callback_settle (self, NULL, g_steal_pointer (&error), TRUE);
      break;
    case SY_OAUTH_CALLBACK_DENIED:
      {
        g_autofree char *text = g_strdup_printf ("The provider answered: %s. You can close this tab "
                                                 "and start the sign-in again from Switchyard.", page_text);

        respond_page (msg, SOUP_STATUS_OK, "Sign-in not completed", text);
        callback_settle (self, NULL, g_steal_pointer (&error), TRUE);
      }
      break;
    case SY_OAUTH_CALLBACK_CODE:
    default:
      respond_page (msg, SOUP_STATUS_OK, "Signed in",
                    "Signed in \u2014 you can close this tab and return to Switchyard.");
      callback_settle (self, g_steal_pointer (&code), NULL, TRUE);
      break;
    }

  g_signal_connect_object (msg, "finished", G_CALLBACK (page_finished_cb), self, 0);
}

static void
sy_oauth_callback_dispose (GObject *object)
{
  SyOAuthCallback *self = SY_OAUTH_CALLBACK (object);

  /* Only g_object_run_dispose() gets here with a wait pending (it holds a
   * reference). */
  if (self->task != NULL)
    callback_complete (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "The sign-in listener was closed"));
  callback_stop_listening (self);
  clear_source (&self->timeout_source);
  clear_source (&self->cancel_source);
  clear_source (&self->finish_source);

  G_OBJECT_CLASS (sy_oauth_callback_parent_class)->dispose (object);
}

static void
sy_oauth_callback_finalize (GObject *object)
{
  SyOAuthCallback *self = SY_OAUTH_CALLBACK (object);

  g_free (self->path);
  g_free (self->expected_state);
  g_free (self->code);
  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sy_oauth_callback_parent_class)->finalize (object);
}

static void
sy_oauth_callback_class_init (SyOAuthCallbackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_oauth_callback_dispose;
  object_class->finalize = sy_oauth_callback_finalize;
}

static void
sy_oauth_callback_init (SyOAuthCallback *self)
{
}

SyOAuthCallback *
sy_oauth_callback_new (guint       port,
                       const char *path,
                       const char *expected_state,
                       GError    **error)
{
  g_autoptr(SyOAuthCallback) self = NULL;
  g_autoptr(GError) local_error = NULL;
  GSList *sockets;

  g_return_val_if_fail (port <= 65535, NULL);
  g_return_val_if_fail (path == NULL || path[0] == '/', NULL);
  g_return_val_if_fail (!is_empty (expected_state), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SY_TYPE_OAUTH_CALLBACK, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->path = g_strdup (path ? path : DEFAULT_CALLBACK_PATH);
  self->expected_state = g_strdup (expected_state);

  self->server = soup_server_new ("server-header", "Switchyard", NULL);
  soup_server_add_handler (self->server, NULL, callback_handler, self, NULL);
  if (!soup_server_listen_local (self->server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        set_port_in_use_error (port, error);
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "Cannot listen on 127.0.0.1:%u: ", port);
      return NULL;
    }

  sockets = soup_server_get_listeners (self->server);
  if (sockets != NULL)
    {
      g_autoptr(GSocketAddress) address = g_socket_get_local_address (sockets->data, NULL);

      if (G_IS_INET_SOCKET_ADDRESS (address))
        self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
    }
  g_slist_free (sockets);
  if (self->port == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot tell which port the callback listener got");
      return NULL;
    }

  g_debug ("callback listener on 127.0.0.1:%u%s", self->port, self->path);
  return g_steal_pointer (&self);
}

guint
sy_oauth_callback_get_port (SyOAuthCallback *self)
{
  g_return_val_if_fail (SY_IS_OAUTH_CALLBACK (self), 0);

  return self->port;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  SyOAuthCallback *self = user_data;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  callback_complete (self, g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_TIMEOUT,
                                        "No sign-in response within %u s", self->timeout_s));
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  SyOAuthCallback *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  callback_complete (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                "Sign-in cancelled"));
  return G_SOURCE_REMOVE;
}

void
sy_oauth_callback_wait_async (SyOAuthCallback    *self,
                              guint               timeout_s,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SY_IS_OAUTH_CALLBACK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_oauth_callback_wait_async);

  if (self->task != NULL)
    {
      g_task_return_new_error (task, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                               "Already waiting for this sign-in");
      return;
    }
  if (self->finished)
    {
      g_task_return_new_error (task, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                               "This sign-in listener has already finished");
      return;
    }

  if (timeout_s == 0)
    timeout_s = DEFAULT_WAIT_S;
  self->timeout_s = MIN (timeout_s, G_MAXUINT / 1000);
  self->task = g_steal_pointer (&task);

  /* Armed even when the outcome is already there: its page may still be on
   * its way out. */
  self->timeout_source = g_timeout_source_new (self->timeout_s * 1000);
  g_source_set_callback (self->timeout_source, wait_timeout_cb, self, NULL);
  g_source_set_static_name (self->timeout_source, "[sy-oauth] callback timeout");
  g_source_attach (self->timeout_source, self->context);

  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (wait_cancelled_cb), self, NULL);
      g_source_set_static_name (self->cancel_source, "[sy-oauth] callback cancel");
      g_source_attach (self->cancel_source, self->context);
    }

  callback_maybe_finish (self);
}

char *
sy_oauth_callback_wait_finish (SyOAuthCallback *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (SY_IS_OAUTH_CALLBACK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
sy_oauth_callback_deliver (SyOAuthCallback *self,
                           const char      *pasted,
                           GError         **error)
{
  g_auto(Redirect) r = { 0 };

  g_return_val_if_fail (SY_IS_OAUTH_CALLBACK (self), FALSE);
  g_return_val_if_fail (pasted != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->settled || self->finished)
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                           "This sign-in has already been handled");
      return FALSE;
    }
  if (!redirect_parse (&r, pasted, error))
    return FALSE;

  if ((r.param_state != NULL && !state_equal (r.param_state, self->expected_state))
      || (r.code_state != NULL && !state_equal (r.code_state, self->expected_state)))
    {
      g_set_error_literal (error, SY_OAUTH_ERROR, SY_OAUTH_ERROR_STATE,
                           "This is the answer to another sign-in (its state does not match): "
                           "paste the one from the sign-in just started");
      return FALSE;
    }

  if (r.error != NULL)
    callback_settle (self, NULL, denied_error (r.error, r.error_description), FALSE);
  else
    callback_settle (self, g_steal_pointer (&r.code), NULL, FALSE);
  return TRUE;
}

/* ------------------------------------------------------------ token endpoint */

typedef struct
{
  char   *url;
  char   *log_url;
  char   *proxy_url;
  GStrv   headers;
  GBytes *body;      /* refresh_token=, code=, code_verifier=: wiped when the last holder lets go */
  GStrv   secrets;   /* the values of those fields, to keep out of error messages */
} PostRequest;

static void
post_request_free (PostRequest *req)
{
  g_free (req->url);
  g_free (req->log_url);
  g_free (req->proxy_url);
  sy_secret_strfreev (req->headers);
  g_clear_pointer (&req->body, g_bytes_unref);
  sy_secret_strfreev (req->secrets);
  g_free (req);
}

static gboolean
header_is (const char *header,
           const char *name)
{
  gsize len = strlen (name);

  return g_ascii_strncasecmp (header, name, len) == 0 && header[len] == ':';
}

static GBytes *
encode_fields (SyOAuthEncoding     encoding,
               const char * const *fields)
{
  gsize i;

  if (encoding == SY_OAUTH_JSON)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();
      char *text;

      for (i = 0; fields != NULL && fields[i] != NULL; i += 2)
        json_object_set_string_member (object, fields[i], fields[i + 1]);
      json_node_take_object (root, object);
      text = json_to_string (root, FALSE);
      return sy_secret_bytes_new_take (text, strlen (text));
    }
  else
    {
      GString *form = g_string_new (NULL);
      gsize len;

      for (i = 0; fields != NULL && fields[i] != NULL; i += 2)
        {
          if (i > 0)
            g_string_append_c (form, '&');
          g_string_append_uri_escaped (form, fields[i], NULL, FALSE);
          g_string_append_c (form, '=');
          g_string_append_uri_escaped (form, fields[i + 1], NULL, FALSE);
        }
      len = form->len;
      return sy_secret_bytes_new_take (g_string_free (form, FALSE), len);
    }
}

/* The fields of a token request whose values are secrets. */
static gboolean
is_secret_field (const char *name)
{
  static const char * const names[] = {
    "refresh_token", "code", "code_verifier", "client_secret", "assertion", "device_code",
    "access_token", "id_token", "password",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

static GStrv
secret_field_values (const char * const *fields)
{
  GPtrArray *values = g_ptr_array_new ();

  for (gsize i = 0; fields != NULL && fields[i] != NULL; i += 2)
    if (is_secret_field (fields[i]) && fields[i + 1] != NULL && *fields[i + 1] != '\0')
      g_ptr_array_add (values, g_strdup (fields[i + 1]));
  g_ptr_array_add (values, NULL);
  return (GStrv) g_ptr_array_free (values, FALSE);
}

static PostRequest *
post_request_new (const char         *url,
                  SyOAuthEncoding     encoding,
                  const char * const *fields,
                  const char * const *headers,
                  const char         *proxy_url)
{
  PostRequest *req = g_new0 (PostRequest, 1);
  GPtrArray *all = g_ptr_array_new ();
  gboolean has_content_type = FALSE;
  gboolean has_accept = FALSE;
  gsize i;

  req->url = g_strdup (url);
  req->log_url = url_for_log (url);
  req->proxy_url = g_strdup (proxy_url);
  req->body = encode_fields (encoding, fields);
  req->secrets = secret_field_values (fields);

  for (i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      has_content_type |= header_is (headers[i], "Content-Type");
      has_accept |= header_is (headers[i], "Accept");
      g_ptr_array_add (all, g_strdup (headers[i]));
    }
  if (!has_content_type)
    g_ptr_array_add (all, g_strdup (encoding == SY_OAUTH_JSON
                                    ? "Content-Type: application/json"
                                    : "Content-Type: application/x-www-form-urlencoded"));
  if (!has_accept)
    g_ptr_array_add (all, g_strdup ("Accept: application/json"));
  g_ptr_array_add (all, NULL);
  req->headers = (GStrv) g_ptr_array_free (all, FALSE);

  return req;
}

/* One POST in flight; done() is called once, unless the call is freed first. */
typedef struct _PostCall PostCall;
typedef void (*PostDoneFunc) (PostCall     *call,
                              const GError *error,
                              gpointer      user_data);

struct _PostCall
{
  SyHttpTransfer *transfer;
  GByteArray     *body;
  guint           status;
  gboolean        too_large;
  PostDoneFunc    done;
  gpointer        user_data;
};

static void
post_call_free (PostCall *call)
{
  if (call->transfer != NULL)
    {
      sy_http_transfer_cancel (call->transfer);
      sy_http_transfer_unref (call->transfer);
    }
  /* A token answer: access and refresh tokens. */
  sy_secret_byte_array_unref (call->body);
  g_free (call);
}

static void
post_response_cb (SyHttpTransfer *transfer,
                  guint           status,
                  gpointer        user_data)
{
  PostCall *call = user_data;

  call->status = status;
}

static void
post_data_cb (SyHttpTransfer *transfer,
              const char     *data,
              gsize           len,
              gpointer        user_data)
{
  PostCall *call = user_data;

  /* Token answers are small: drop the rest of anything huge. */
  if (call->too_large || call->body->len + len > MAX_ANSWER_SIZE)
    {
      call->too_large = TRUE;
      return;
    }
  g_byte_array_append (call->body, (const guint8 *) data, len);
}

static void
post_done_cb (SyHttpTransfer *transfer,
              const GError   *error,
              gpointer        user_data)
{
  PostCall *call = user_data;

  call->done (call, error, call->user_data);
}

static const SyHttpCallbacks post_callbacks = {
  post_response_cb,
  post_data_cb,
  post_done_cb,
};

static PostCall *
post_call_start (SyHttpClient      *client,
                 const PostRequest *req,
                 PostDoneFunc       done,
                 gpointer           user_data,
                 GError           **error)
{
  SyHttpRequestInfo info = { 0 };
  PostCall *call = g_new0 (PostCall, 1);

  call->body = g_byte_array_new ();
  call->done = done;
  call->user_data = user_data;

  info.method = "POST";
  info.url = req->url;
  info.headers = (const char * const *) req->headers;
  info.body = req->body;
  info.proxy_url = req->proxy_url;
  info.idle_timeout_s = TOKEN_IDLE_TIMEOUT_S;

  g_debug ("POST %s", req->log_url);
  call->transfer = sy_http_client_start (client, &info, &post_callbacks, call, error);
  if (call->transfer == NULL)
    {
      post_call_free (call);
      return NULL;
    }
  return call;
}

/* The answer as a JSON object, or NULL when it is not one. */
static JsonObject *
post_call_parse (PostCall *call)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  if (call->too_large || call->body->len == 0)
    return NULL;

  parser = json_parser_new ();
  if (!sy_json_parser_load (parser, (const char *) call->body->data, call->body->len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

/* The server's error code and description: RFC 6749 §5.2 members, or an
 * {"error": {"code" or "type", "message"}} object. */
static void
answer_error (JsonObject  *object,
              const char **code,
              const char **description)
{
  JsonNode *node = object ? json_object_get_member (object, "error") : NULL;

  *code = NULL;
  *description = NULL;
  if (object == NULL)
    return;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *inner = json_node_get_object (node);

      *code = string_member (inner, "code");
      if (*code == NULL)
        *code = string_member (inner, "type");
      *description = string_member (inner, "message");
    }
  else
    {
      *code = string_member (object, "error");
    }

  if (*description == NULL)
    *description = string_member (object, "error_description");
  if (*description == NULL)
    *description = string_member (object, "message");
}

/* @text without the request's secrets (@secrets: a refused refresh token
 * that the endpoint quotes back) nor any the log knows, before it is cut
 * to length: a cut would leave a piece of a secret the masking no longer
 * recognises. */
static char *
masked_text (const char         *text,
             gsize               len,
             const char * const *secrets)
{
  GString *str = g_string_new_len (text, len);
  char *out;

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
    if (strstr (str->str, secrets[i]) != NULL)
      {
        g_autofree char *masked = sy_mask_secret (secrets[i]);

        g_string_replace (str, secrets[i], masked, 0);
      }
  out = sy_log_mask_secrets (str->str);
  sy_secret_string_free (str);
  return out;
}

static GError *
exchange_error (PostCall           *call,
                JsonObject         *object,
                const char * const *secrets)
{
  const char *code;
  const char *description;
  g_autofree char *shown_code = NULL;
  g_autofree char *shown_description = NULL;
  g_autofree char *snippet = NULL;

  answer_error (object, &code, &description);
  if (code != NULL)
    {
      g_autofree char *masked = masked_text (code, strlen (code), secrets);

      shown_code = printable_text (masked, strlen (masked), MAX_SHOWN_TEXT);
    }
  if (description != NULL)
    {
      g_autofree char *masked = masked_text (description, strlen (description), secrets);

      shown_description = printable_text (masked, strlen (masked), MAX_SHOWN_TEXT);
    }

  if (shown_code != NULL && shown_description != NULL)
    return g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE,
                        "Token endpoint refused (HTTP %u): %s: %s",
                        call->status, shown_code, shown_description);
  if (shown_code != NULL || shown_description != NULL)
    return g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE,
                        "Token endpoint refused (HTTP %u): %s",
                        call->status, shown_code ? shown_code : shown_description);

  if (call->body->len > 0)
    {
      g_autofree char *masked = masked_text ((const char *) call->body->data, call->body->len, secrets);

      snippet = printable_text (masked, strlen (masked), 160);
    }
  if (!is_empty (snippet))
    return g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE,
                        "Token endpoint answered HTTP %u: %s", call->status, snippet);
  return g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXCHANGE,
                      "Token endpoint answered HTTP %u", call->status);
}

static gboolean
status_ok (guint status)
{
  return status >= 200 && status < 300;
}

typedef struct
{
  SyHttpClient *client;
  PostRequest  *request;
  PostCall     *call;
  GSource      *cancel_source;
  guint         status;
} PostOp;

static void
post_op_free (PostOp *op)
{
  g_clear_pointer (&op->call, post_call_free);
  clear_source (&op->cancel_source);
  post_request_free (op->request);
  g_object_unref (op->client);
  g_free (op);
}

/* The in-flight reference to @task is dropped by whoever returns it. */
static void
post_op_done_cb (PostCall     *call,
                 const GError *error,
                 gpointer      user_data)
{
  GTask *task = user_data;
  PostOp *op = g_task_get_task_data (task);
  g_autoptr(JsonObject) object = NULL;
  GError *result_error = NULL;

  op->status = call->status;
  clear_source (&op->cancel_source);

  if (error != NULL)
    {
      result_error = g_error_copy (error);
    }
  else
    {
      object = post_call_parse (call);
      g_debug ("POST %s: HTTP %u", op->request->log_url, call->status);
      if (!status_ok (call->status))
        result_error = exchange_error (call, object, (const char * const *) op->request->secrets);
      else if (object == NULL)
        result_error = g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                                    "Token endpoint answered HTTP %u without a JSON object",
                                    call->status);
    }
  g_clear_pointer (&op->call, post_call_free);

  if (result_error != NULL)
    g_task_return_error (task, result_error);
  else
    g_task_return_pointer (task, g_steal_pointer (&object), (GDestroyNotify) json_object_unref);
  g_object_unref (task);
}

static gboolean
post_op_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  PostOp *op = g_task_get_task_data (task);

  g_clear_pointer (&op->cancel_source, g_source_unref);
  g_clear_pointer (&op->call, post_call_free);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
sy_oauth_post_async (SyHttpClient       *client,
                     const char         *url,
                     SyOAuthEncoding     encoding,
                     const char * const *fields,
                     const char * const *headers,
                     const char         *proxy_url,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  PostOp *op;

  g_return_if_fail (SY_IS_HTTP_CLIENT (client));
  g_return_if_fail (url != NULL);
  g_return_if_fail (fields == NULL || g_strv_length ((char **) fields) % 2 == 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_oauth_post_async);
  op = g_new0 (PostOp, 1);
  op->client = g_object_ref (client);
  op->request = post_request_new (url, encoding, fields, headers, proxy_url);
  g_task_set_task_data (task, op, (GDestroyNotify) post_op_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  op->call = post_call_start (client, op->request, post_op_done_cb, task, &error);
  if (op->call == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (cancellable != NULL)
    {
      op->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (op->cancel_source, G_SOURCE_FUNC (post_op_cancelled_cb), task, NULL);
      g_source_set_static_name (op->cancel_source, "[sy-oauth] post cancel");
      g_source_attach (op->cancel_source, g_task_get_context (task));
    }

  /* The transfer holds this reference until the task returns. */
  g_steal_pointer (&task);
}

JsonObject *
sy_oauth_post_finish (GAsyncResult *result,
                      guint        *status,
                      GError      **error)
{
  PostOp *op;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  op = g_task_get_task_data (G_TASK (result));
  if (status != NULL)
    *status = op->status;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------ device-code polling */

typedef struct
{
  SyHttpClient *client;
  PostRequest  *request;
  PostCall     *call;
  guint         interval_ms;
  guint         slow_down_ms;
  guint         timeout_ms;
  gboolean      pending_on_403_404;
  guint         n_failures;       /* network failures in a row */
  GSource      *next_source;      /* the wait before the next poll */
  GSource      *deadline_source;
  GSource      *cancel_source;
} DevicePoll;

static void
device_poll_free (DevicePoll *poll)
{
  g_clear_pointer (&poll->call, post_call_free);
  clear_source (&poll->next_source);
  clear_source (&poll->deadline_source);
  clear_source (&poll->cancel_source);
  post_request_free (poll->request);
  g_object_unref (poll->client);
  g_free (poll);
}

/* Stops polling and returns: @object or @error (both owned); drops the
 * in-flight reference to @task. */
static void
device_poll_return (GTask      *task,
                    JsonObject *object,
                    GError     *error)
{
  DevicePoll *poll = g_task_get_task_data (task);

  g_clear_pointer (&poll->call, post_call_free);
  clear_source (&poll->next_source);
  clear_source (&poll->deadline_source);
  clear_source (&poll->cancel_source);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
  g_object_unref (task);
}

static void device_poll_answer_cb (PostCall     *call,
                                   const GError *error,
                                   gpointer      user_data);

static gboolean
device_poll_tick_cb (gpointer user_data)
{
  GTask *task = user_data;
  DevicePoll *poll = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&poll->next_source, g_source_unref);
  poll->call = post_call_start (poll->client, poll->request, device_poll_answer_cb, task, &error);
  if (poll->call == NULL)
    device_poll_return (task, NULL, error);
  return G_SOURCE_REMOVE;
}

static void
device_poll_schedule (GTask *task)
{
  DevicePoll *poll = g_task_get_task_data (task);

  g_assert (poll->next_source == NULL);

  poll->next_source = g_timeout_source_new (poll->interval_ms);
  g_source_set_callback (poll->next_source, device_poll_tick_cb, task, NULL);
  g_source_set_static_name (poll->next_source, "[sy-oauth] device poll");
  g_source_attach (poll->next_source, g_task_get_context (task));
}

static void
device_poll_answer_cb (PostCall     *call,
                       const GError *error,
                       gpointer      user_data)
{
  GTask *task = user_data;
  DevicePoll *poll = g_task_get_task_data (task);
  g_autoptr(JsonObject) object = NULL;
  const char *code = NULL;
  const char *description = NULL;
  guint status = call->status;
  GError *result_error = NULL;
  gboolean again = FALSE;
  gboolean success = FALSE;

  if (error != NULL)
    {
      poll->n_failures++;
      g_debug ("device poll: %s (%u in a row)", error->message, poll->n_failures);
      if (poll->n_failures >= MAX_NETWORK_FAILURES)
        result_error = g_error_copy (error);
      else
        again = TRUE;
    }
  else
    {
      poll->n_failures = 0;
      object = post_call_parse (call);
      answer_error (object, &code, &description);
      g_debug ("device poll: HTTP %u%s%s", status, code ? ", " : "", code ? code : "");

      if (poll->pending_on_403_404 && (status == 403 || status == 404))
        again = TRUE;
      else if (status_ok (status) && object != NULL
               && (json_object_has_member (object, "access_token")
                   || json_object_has_member (object, "authorization_code")))
        success = TRUE;
      else if (g_strcmp0 (code, "authorization_pending") == 0)
        again = TRUE;
      else if (g_strcmp0 (code, "slow_down") == 0)
        {
          poll->interval_ms = (guint) MIN ((guint64) poll->interval_ms + poll->slow_down_ms, G_MAXUINT);
          again = TRUE;
        }
      else if (g_strcmp0 (code, "expired_token") == 0)
        result_error = g_error_new_literal (SY_OAUTH_ERROR, SY_OAUTH_ERROR_EXPIRED,
                                            "The device code expired before the sign-in was approved");
      else if (g_strcmp0 (code, "access_denied") == 0)
        result_error = denied_error (code, description);
      else if (status_ok (status) && object != NULL && code == NULL)
        result_error = g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_INVALID,
                                    "Token endpoint answered HTTP %u without a token", status);
      else
        result_error = exchange_error (call, object, (const char * const *) poll->request->secrets);
    }
  g_clear_pointer (&poll->call, post_call_free);

  if (success)
    device_poll_return (task, g_steal_pointer (&object), NULL);
  else if (again)
    device_poll_schedule (task);
  else
    device_poll_return (task, NULL, result_error);
}

static gboolean
device_poll_deadline_cb (gpointer user_data)
{
  GTask *task = user_data;
  DevicePoll *poll = g_task_get_task_data (task);

  g_clear_pointer (&poll->deadline_source, g_source_unref);
  device_poll_return (task, NULL,
                      g_error_new (SY_OAUTH_ERROR, SY_OAUTH_ERROR_TIMEOUT,
                                   "The sign-in was not approved in time (%u s)",
                                   (poll->timeout_ms + 999) / 1000));
  return G_SOURCE_REMOVE;
}

static gboolean
device_poll_cancelled_cb (GCancellable *cancellable,
                          gpointer      user_data)
{
  GTask *task = user_data;
  DevicePoll *poll = g_task_get_task_data (task);

  g_clear_pointer (&poll->cancel_source, g_source_unref);
  device_poll_return (task, NULL, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                       "Sign-in cancelled"));
  return G_SOURCE_REMOVE;
}

void
sy_oauth_device_poll_full_async (SyHttpClient                *client,
                                 const SyOAuthDevicePollInfo *info,
                                 GCancellable                *cancellable,
                                 GAsyncReadyCallback          callback,
                                 gpointer                     user_data)
{
  g_autoptr(GTask) task = NULL;
  DevicePoll *poll;

  g_return_if_fail (SY_IS_HTTP_CLIENT (client));
  g_return_if_fail (info != NULL && info->url != NULL);
  g_return_if_fail (info->fields == NULL || g_strv_length ((char **) info->fields) % 2 == 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_oauth_device_poll_full_async);
  poll = g_new0 (DevicePoll, 1);
  poll->client = g_object_ref (client);
  poll->request = post_request_new (info->url, info->encoding, info->fields, info->headers,
                                    info->proxy_url);
  poll->interval_ms = MAX (info->interval_ms, 1);
  poll->slow_down_ms = info->slow_down_ms ? info->slow_down_ms : SLOW_DOWN_MS;
  poll->timeout_ms = info->timeout_ms ? info->timeout_ms : DEFAULT_DEVICE_TIMEOUT_S * 1000;
  poll->pending_on_403_404 = info->pending_on_403_404;
  g_task_set_task_data (task, poll, (GDestroyNotify) device_poll_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  poll->deadline_source = g_timeout_source_new (poll->timeout_ms);
  g_source_set_callback (poll->deadline_source, device_poll_deadline_cb, task, NULL);
  g_source_set_static_name (poll->deadline_source, "[sy-oauth] device deadline");
  g_source_attach (poll->deadline_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      poll->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (poll->cancel_source, G_SOURCE_FUNC (device_poll_cancelled_cb), task, NULL);
      g_source_set_static_name (poll->cancel_source, "[sy-oauth] device cancel");
      g_source_attach (poll->cancel_source, g_task_get_context (task));
    }

  /* RFC 8628 §3.4: the first poll, too, comes after one interval. */
  device_poll_schedule (task);

  /* Held by the polling until the task returns. */
  g_steal_pointer (&task);
}

void
sy_oauth_device_poll_async (SyHttpClient       *client,
                            const char         *url,
                            SyOAuthEncoding     encoding,
                            const char * const *fields,
                            const char * const *headers,
                            guint               interval_s,
                            guint               timeout_s,
                            gboolean            pending_on_403_404,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  SyOAuthDevicePollInfo info = { 0 };

  info.url = url;
  info.encoding = encoding;
  info.fields = fields;
  info.headers = headers;
  info.interval_ms = MIN (MAX (interval_s, 1), G_MAXUINT / 1000) * 1000;
  info.slow_down_ms = SLOW_DOWN_MS;
  info.timeout_ms = MIN (timeout_s ? timeout_s : DEFAULT_DEVICE_TIMEOUT_S, G_MAXUINT / 1000) * 1000;
  info.pending_on_403_404 = pending_on_403_404;

  sy_oauth_device_poll_full_async (client, &info, cancellable, callback, user_data);
}

JsonObject *
sy_oauth_device_poll_finish (GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
