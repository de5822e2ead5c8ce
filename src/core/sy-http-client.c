/* sy-http-client.c: libcurl multi driven by the GLib main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "sy-core-error.h"
#include "sy-http-client.h"
#include "sy-secret.h"

/*
 * How this works
 *
 * One CURLM per client. curl tells us which sockets to watch through the
 * socket callback (one GIOChannel watch per socket) and when to call it back
 * through the timer callback (one timeout source). Both kinds of source call
 * curl_multi_socket_action(), after which finished transfers are collected
 * from curl_multi_info_read().
 *
 * libcurl forbids adding, removing or cleaning up easy handles from inside
 * its own callbacks, and user callbacks (response, data) run inside the
 * write and header callbacks. So every call into curl is bracketed by
 * client_enter()/client_leave(): while self->in_curl > 0, cancel() only
 * marks the transfer (its write/header callback then returns an error,
 * which aborts it) and parks it in self->graveyard, and start() parks the
 * new transfer in self->pending_add. client_leave() of the outermost call
 * performs the parked removals/additions and then reports finished
 * transfers, so `done` always runs outside curl.
 */

#define DEFAULT_CONNECT_TIMEOUT_S 30

struct _SyHttpTransfer
{
  gatomicrefcount     ref_count;

  SyHttpClient       *client;          /* unowned; NULL once detached */
  CURL               *easy;            /* NULL once detached */
  struct curl_slist  *request_headers;
  GBytes             *body;
  char               *host_port;       /* for error messages: never the URL */

  SyHttpCallbacks     callbacks;
  gpointer            user_data;

  guint               status;
  GHashTable         *response_headers; /* lower-case name -> value */
  char               *last_header;      /* key of the last header, for folded lines */

  guint               idle_timeout_s;
  gint64              last_activity;
  GSource            *idle_source;
  GSource            *resume_source;

  curl_socket_t       suspended_fd;     /* socket whose watch a pause suspended */

  guint               in_multi : 1;
  guint               response_sent : 1;
  guint               paused : 1;       /* what the caller asked for */
  guint               curl_paused : 1;  /* curl holds the receive direction paused */
  guint               finished : 1;     /* done delivered or cancelled: no more callbacks */
};

typedef struct
{
  SyHttpClient  *client;
  curl_socket_t  fd;
  GIOChannel    *channel;
  GSource       *source;
  int            action;
  gboolean       suspended;   /* not watched while its HTTP/1 transfer is paused */
} SySocket;

struct _SyHttpClient
{
  GObject       parent_instance;

  GMainContext *context;
  CURLM        *multi;
  GSource      *timer_source;
  GPtrArray    *sockets;      /* SySocket* */
  GHashTable   *transfers;    /* SyHttpTransfer* (a ref) -> itself: the active ones */
  GPtrArray    *pending_add;  /* SyHttpTransfer* (unowned: held by transfers) */
  GPtrArray    *graveyard;    /* SyHttpTransfer* (a ref): cancelled inside curl */
  guint         in_curl;
  gboolean      shut_down;    /* disposed: no new transfers */
};

G_DEFINE_FINAL_TYPE (SyHttpClient, sy_http_client, G_TYPE_OBJECT)

static void client_flush          (SyHttpClient   *self);
static void transfer_suspend_socket (SyHttpTransfer *t);
static void transfer_restore_socket (SyHttpTransfer *t);
static void transfer_start_idle   (SyHttpTransfer *t);
static void wipe_slist_free       (struct curl_slist *list);
static void transfer_stop_sources (SyHttpTransfer *t);

static void
ensure_curl_initialized (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&initialized, 1);
    }
}

static void
client_enter (SyHttpClient *self)
{
  g_object_ref (self);
  self->in_curl++;
}

static void
client_leave (SyHttpClient *self)
{
  g_assert (self->in_curl > 0);

  self->in_curl--;
  if (self->in_curl == 0)
    client_flush (self);
  g_object_unref (self);
}

/* Sockets */

static void
sy_socket_free (SySocket *sock)
{
  if (sock->source != NULL)
    {
      g_source_destroy (sock->source);
      g_source_unref (sock->source);
    }
  g_io_channel_unref (sock->channel);
  g_free (sock);
}

static gboolean
socket_event_cb (GIOChannel   *channel,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  SySocket *sock = user_data;
  SyHttpClient *self = sock->client;
  curl_socket_t fd = sock->fd;
  int mask = 0;
  int running = 0;

  /* sock may be freed by curl_multi_socket_action(): don't touch it after. */
  if (condition & (G_IO_IN | G_IO_HUP))
    mask |= CURL_CSELECT_IN;
  if (condition & G_IO_OUT)
    mask |= CURL_CSELECT_OUT;
  if (condition & (G_IO_ERR | G_IO_NVAL))
    mask |= CURL_CSELECT_ERR;

  client_enter (self);
  curl_multi_socket_action (self->multi, fd, mask, &running);
  client_leave (self);

  return G_SOURCE_CONTINUE;
}

static void
sy_socket_watch (SySocket *sock,
                 int       action)
{
  GIOCondition condition = 0;

  if (sock->source != NULL)
    {
      g_source_destroy (sock->source);
      g_clear_pointer (&sock->source, g_source_unref);
    }

  sock->action = action;
  if (action & CURL_POLL_IN)
    condition |= G_IO_IN | G_IO_HUP | G_IO_ERR;
  if (action & CURL_POLL_OUT)
    condition |= G_IO_OUT | G_IO_ERR;
  if (condition == 0)
    return;

  sock->source = g_io_create_watch (sock->channel, condition);
  g_source_set_callback (sock->source, G_SOURCE_FUNC (socket_event_cb), sock, NULL);
  g_source_set_static_name (sock->source, "[sy-http-client] socket");
  g_source_attach (sock->source, sock->client->context);
}

static int
socket_cb (CURL          *easy,
           curl_socket_t  fd,
           int            what,
           void          *userp,
           void          *socketp)
{
  SyHttpClient *self = userp;
  SySocket *sock = socketp;

  if (what == CURL_POLL_REMOVE)
    {
      if (sock != NULL)
        {
          g_ptr_array_remove_fast (self->sockets, sock);
          sy_socket_free (sock);
        }
      return 0;
    }

  if (sock == NULL)
    {
      sock = g_new0 (SySocket, 1);
      sock->client = self;
      sock->fd = fd;
#ifdef G_OS_WIN32
      sock->channel = g_io_channel_win32_new_socket ((int) fd);
#else
      sock->channel = g_io_channel_unix_new (fd);
#endif
      g_ptr_array_add (self->sockets, sock);
      curl_multi_assign (self->multi, fd, sock);
    }

  if (sock->suspended)
    sock->action = what;
  else if (sock->source == NULL || sock->action != what)
    sy_socket_watch (sock, what);

  return 0;
}

static SySocket *
client_find_socket (SyHttpClient  *self,
                    curl_socket_t  fd)
{
  for (guint i = 0; i < self->sockets->len; i++)
    {
      SySocket *sock = g_ptr_array_index (self->sockets, i);

      if (sock->fd == fd)
        return sock;
    }
  return NULL;
}

/* A transfer paused by CURL_WRITEFUNC_PAUSE leaves its socket readable, and
 * a level-triggered watch would then wake the loop without end. An HTTP/1
 * connection carries only this transfer: stop watching it until resume.
 * (HTTP/2 streams share the socket; curl keeps reading for the others.) */
static void
transfer_suspend_socket (SyHttpTransfer *t)
{
  curl_socket_t fd = CURL_SOCKET_BAD;
  long version = 0;
  SySocket *sock;

  if (t->client == NULL || !t->in_multi || t->suspended_fd != CURL_SOCKET_BAD)
    return;
  if (curl_easy_getinfo (t->easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD)
    return;
  if (curl_easy_getinfo (t->easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK &&
      version >= CURL_HTTP_VERSION_2_0)
    return;
  sock = client_find_socket (t->client, fd);
  if (sock == NULL)
    return;
  if (sock->source != NULL)
    {
      g_source_destroy (sock->source);
      g_clear_pointer (&sock->source, g_source_unref);
    }
  sock->suspended = TRUE;
  t->suspended_fd = fd;
}

static void
transfer_restore_socket (SyHttpTransfer *t)
{
  SySocket *sock;

  if (t->suspended_fd == CURL_SOCKET_BAD)
    return;
  sock = t->client ? client_find_socket (t->client, t->suspended_fd) : NULL;
  t->suspended_fd = CURL_SOCKET_BAD;
  if (sock != NULL && sock->suspended)
    {
      sock->suspended = FALSE;
      sy_socket_watch (sock, sock->action);
    }
}

/* Timer */

static gboolean
timer_fired_cb (gpointer user_data)
{
  SyHttpClient *self = user_data;
  int running = 0;

  /* curl may install a new timer from inside socket_action. */
  g_clear_pointer (&self->timer_source, g_source_unref);

  client_enter (self);
  curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  client_leave (self);

  return G_SOURCE_REMOVE;
}

static int
timer_cb (CURLM *multi,
          long   timeout_ms,
          void  *userp)
{
  SyHttpClient *self = userp;

  if (self->timer_source != NULL)
    {
      g_source_destroy (self->timer_source);
      g_clear_pointer (&self->timer_source, g_source_unref);
    }

  if (timeout_ms >= 0)
    {
      self->timer_source = g_timeout_source_new ((guint) MIN (timeout_ms, G_MAXINT));
      g_source_set_callback (self->timer_source, timer_fired_cb, self, NULL);
      g_source_set_static_name (self->timer_source, "[sy-http-client] timer");
      g_source_attach (self->timer_source, self->context);
    }

  return 0;
}

/* Transfers: lifetime */

SyHttpTransfer *
sy_http_transfer_ref (SyHttpTransfer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
sy_http_transfer_unref (SyHttpTransfer *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* The client holds a ref for as long as the easy handle is in use. */
  g_assert (self->client == NULL);
  g_assert (self->easy == NULL);

  transfer_stop_sources (self);
  g_clear_pointer (&self->request_headers, wipe_slist_free);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_clear_pointer (&self->response_headers, g_hash_table_unref);
  g_clear_pointer (&self->last_header, g_free);
  g_clear_pointer (&self->host_port, g_free);
  g_free (self);
}

/* curl_slist_append() copies each "Name: value": the Authorization,
 * x-api-key and x-goog-api-key copies are wiped before the list goes. */
static void
wipe_slist_free (struct curl_slist *list)
{
  for (struct curl_slist *l = list; l != NULL; l = l->next)
    sy_secret_wipe (l->data, strlen (l->data));
  curl_slist_free_all (list);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
transfer_stop_sources (SyHttpTransfer *t)
{
  clear_source (&t->idle_source);
  clear_source (&t->resume_source);
}

/* Takes the easy handle out of curl and frees it. Only outside curl. */
static void
transfer_release_easy (SyHttpTransfer *t)
{
  SyHttpClient *self = t->client;

  /* A handle that never made it into the multi may go at any time. */
  g_assert (self == NULL || !t->in_multi || self->in_curl == 0);

  transfer_restore_socket (t);
  if (self != NULL && t->in_multi)
    curl_multi_remove_handle (self->multi, t->easy);
  t->in_multi = FALSE;
  g_clear_pointer (&t->easy, curl_easy_cleanup);
  g_clear_pointer (&t->request_headers, wipe_slist_free);
  g_clear_pointer (&t->body, g_bytes_unref);
  t->client = NULL;
}

/* Marks @t finished and takes it off the client. Returns the client's ref,
 * or NULL when it went to the graveyard (inside curl) instead. */
static SyHttpTransfer *
transfer_detach (SyHttpTransfer *t)
{
  SyHttpClient *self = t->client;

  t->finished = TRUE;
  transfer_stop_sources (t);

  if (self == NULL)
    return NULL;

  if (!g_hash_table_steal (self->transfers, t))
    return NULL;

  if (!t->in_multi)
    g_ptr_array_remove (self->pending_add, t);

  if (t->in_multi && self->in_curl > 0)
    {
      g_ptr_array_add (self->graveyard, t);
      return NULL;
    }

  transfer_release_easy (t);
  return t;
}

static void
transfer_emit_response (SyHttpTransfer *t)
{
  if (t->response_sent || t->finished)
    return;

  t->response_sent = TRUE;
  if (t->status == 0 && t->easy != NULL)
    {
      long code = 0;

      curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &code);
      t->status = (guint) CLAMP (code, 0, 999);
    }

  if (t->callbacks.response != NULL)
    t->callbacks.response (t, t->status, t->user_data);
}

/* Ends a transfer that was not cancelled: outside curl only. */
static void
transfer_complete (SyHttpTransfer *t,
                   GError         *error)
{
  /* The callbacks may drop the last outside reference. */
  G_GNUC_UNUSED g_autoptr(SyHttpTransfer) hold = sy_http_transfer_ref (t);
  g_autoptr(SyHttpTransfer) client_ref = NULL;

  if (t->finished)
    return;

  if (error == NULL)
    {
      transfer_emit_response (t);
      if (t->finished)
        return;
    }

  client_ref = transfer_detach (t);

  if (t->callbacks.done != NULL)
    t->callbacks.done (t, error, t->user_data);
}

static GError *
error_from_code (SyHttpTransfer *t,
                 CURLcode        code)
{
  const char *detail = curl_easy_strerror (code);
  long os_errno = 0;
  g_autofree char *os_detail = NULL;

  if (t->easy != NULL
      && curl_easy_getinfo (t->easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK
      && os_errno != 0)
    os_detail = g_strdup_printf (" (%s)", g_strerror ((int) os_errno));
  else
    os_detail = g_strdup ("");

  switch (code)
    {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_CONNECT,
                          "Connection to %s failed: %s%s", t->host_port, detail, os_detail);

    case CURLE_OPERATION_TIMEDOUT:
      return g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_TIMEOUT,
                          "Request to %s timed out: %s", t->host_port, detail);

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_TLS,
                          "TLS with %s failed: %s", t->host_port, detail);

    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PROXY:
      return g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_PROXY,
                          "Proxy for %s failed: %s%s", t->host_port, detail, os_detail);

    default:
      return g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                          "Request to %s failed: %s", t->host_port, detail);
    }
}

/* Client: flushing parked work and finished transfers */

static void
client_flush (SyHttpClient *self)
{
  g_autoptr(GPtrArray) finished = NULL;
  g_autoptr(GArray) codes = NULL;
  CURLMsg *msg;
  int left = 0;

  g_assert (self->in_curl == 0);

  if (self->multi == NULL)
    return;

  while (self->graveyard->len > 0)
    {
      SyHttpTransfer *t = g_ptr_array_steal_index (self->graveyard, self->graveyard->len - 1);

      transfer_release_easy (t);
      sy_http_transfer_unref (t);
    }

  while (self->pending_add->len > 0)
    {
      SyHttpTransfer *t = g_ptr_array_steal_index (self->pending_add, 0);
      CURLMcode mcode;

      mcode = curl_multi_add_handle (self->multi, t->easy);
      if (mcode == CURLM_OK)
        {
          t->in_multi = TRUE;
        }
      else
        {
          g_autoptr(GError) error = NULL;

          error = g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                               "Request to %s failed: %s",
                               t->host_port, curl_multi_strerror (mcode));
          transfer_complete (t, error);
        }
    }

  finished = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_http_transfer_unref);
  codes = g_array_new (FALSE, FALSE, sizeof (CURLcode));

  while ((msg = curl_multi_info_read (self->multi, &left)) != NULL)
    {
      SyHttpTransfer *t = NULL;

      if (msg->msg != CURLMSG_DONE)
        continue;

      curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
      if (t == NULL)
        continue;

      g_ptr_array_add (finished, sy_http_transfer_ref (t));
      g_array_append_val (codes, msg->data.result);
    }

  for (guint i = 0; i < finished->len; i++)
    {
      SyHttpTransfer *t = g_ptr_array_index (finished, i);
      CURLcode code = g_array_index (codes, CURLcode, i);
      g_autoptr(GError) error = NULL;

      if (t->finished || t->client != self)
        continue;

      if (code != CURLE_OK)
        error = error_from_code (t, code);
      transfer_complete (t, error);
    }
}

/* Transfers: curl callbacks */

static void
transfer_touch (SyHttpTransfer *t)
{
  if (t->idle_timeout_s > 0)
    t->last_activity = g_get_monotonic_time ();
}

static size_t
write_cb (char   *ptr,
          size_t  size,
          size_t  nmemb,
          void   *userdata)
{
  SyHttpTransfer *t = userdata;
  size_t len = size * nmemb;

  if (t->finished)
    return 0;

  if (t->paused)
    {
      t->curl_paused = TRUE;
      transfer_suspend_socket (t);
      return CURL_WRITEFUNC_PAUSE;
    }

  transfer_touch (t);
  transfer_emit_response (t);

  if (t->finished)
    return 0;
  if (t->paused)
    {
      t->curl_paused = TRUE;
      transfer_suspend_socket (t);
      return CURL_WRITEFUNC_PAUSE;
    }

  if (len > 0 && t->callbacks.data != NULL)
    t->callbacks.data (t, ptr, len, t->user_data);

  if (t->finished)
    return 0;

  return len;
}

static void
transfer_reset_headers (SyHttpTransfer *t)
{
  g_hash_table_remove_all (t->response_headers);
  g_clear_pointer (&t->last_header, g_free);
}

static gboolean
parse_status_line (const char *line,
                   gsize       len,
                   guint      *status)
{
  const char *sp;
  guint value = 0;
  gsize i;

  if (len < 5 || memcmp (line, "HTTP/", 5) != 0)
    return FALSE;

  sp = memchr (line, ' ', len);
  if (sp == NULL)
    return TRUE;

  i = (gsize) (sp - line);
  while (i < len && line[i] == ' ')
    i++;
  for (guint n = 0; n < 3 && i < len && g_ascii_isdigit (line[i]); n++, i++)
    value = value * 10 + (guint) (line[i] - '0');

  *status = value;
  return TRUE;
}

static void
transfer_add_header (SyHttpTransfer *t,
                     const char     *line,
                     gsize           len)
{
  const char *colon;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  if ((line[0] == ' ' || line[0] == '\t'))
    {
      /* obs-fold continuation of the previous header */
      const char *previous;

      if (t->last_header == NULL)
        return;
      previous = g_hash_table_lookup (t->response_headers, t->last_header);
      value = g_strndup (line, len);
      g_strstrip (value);
      g_hash_table_insert (t->response_headers, g_strdup (t->last_header),
                           g_strconcat (previous ? previous : "", " ", value, NULL));
      return;
    }

  colon = memchr (line, ':', len);
  if (colon == NULL || colon == line)
    return;

  name = g_ascii_strdown (line, colon - line);
  g_strstrip (name);
  value = g_strndup (colon + 1, len - (gsize) (colon + 1 - line));
  g_strstrip (value);

  g_free (t->last_header);
  t->last_header = g_strdup (name);
  g_hash_table_insert (t->response_headers, g_steal_pointer (&name), g_steal_pointer (&value));
}

static size_t
header_cb (char   *buffer,
           size_t  size,
           size_t  nitems,
           void   *userdata)
{
  SyHttpTransfer *t = userdata;
  size_t total = size * nitems;
  gsize len = total;
  guint status = 0;

  if (t->finished)
    return 0;

  transfer_touch (t);

  /* Trailers, after the final header block, are not exposed. */
  if (t->response_sent)
    return total;

  while (len > 0 && (buffer[len - 1] == '\n' || buffer[len - 1] == '\r'))
    len--;

  if (len == 0)
    {
      if (t->status >= 200)
        {
          transfer_emit_response (t);
          if (t->finished)
            return 0;
        }
      return total;
    }

  if (parse_status_line (buffer, len, &status))
    {
      t->status = status;
      transfer_reset_headers (t);
      return total;
    }

  transfer_add_header (t, buffer, len);
  return total;
}

/* Transfers: idle timeout and resume */

static gboolean
idle_timeout_cb (gpointer user_data)
{
  SyHttpTransfer *t = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = t->last_activity + (gint64) t->idle_timeout_s * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;

  /* This source is destroyed when we return; forget it first. */
  g_clear_pointer (&t->idle_source, g_source_unref);

  if (t->finished || t->paused || t->client == NULL)
    return G_SOURCE_REMOVE;

  if (now < deadline || t->client->in_curl > 0)
    {
      gint64 wait_ms = MAX ((deadline - now + 999) / 1000, 1);

      t->idle_source = g_timeout_source_new ((guint) MIN (wait_ms, G_MAXINT));
      g_source_set_callback (t->idle_source, idle_timeout_cb, t, NULL);
      g_source_set_static_name (t->idle_source, "[sy-http-client] idle timeout");
      g_source_attach (t->idle_source, t->client->context);
      return G_SOURCE_REMOVE;
    }

  error = g_error_new (SY_CORE_ERROR, SY_CORE_ERROR_HTTP_TIMEOUT,
                       "No data from %s for %u s", t->host_port, t->idle_timeout_s);
  transfer_complete (t, error);

  return G_SOURCE_REMOVE;
}

static void
transfer_start_idle (SyHttpTransfer *t)
{
  clear_source (&t->idle_source);

  if (t->idle_timeout_s == 0 || t->finished || t->client == NULL)
    return;

  t->last_activity = g_get_monotonic_time ();
  t->idle_source = g_timeout_source_new (t->idle_timeout_s * 1000);
  g_source_set_callback (t->idle_source, idle_timeout_cb, t, NULL);
  g_source_set_static_name (t->idle_source, "[sy-http-client] idle timeout");
  g_source_attach (t->idle_source, t->client->context);
}

/* Silence is counted from the moment the connection is up (and its TLS
 * handshake done): the connection has its own limit,
 * upstream-connect-timeout, and the first TLS connection spends its
 * first moments parsing the CA store on our own main loop, which is not
 * the upstream being silent. */
#if LIBCURL_VERSION_NUM >= 0x075000
#define IDLE_FROM_CONNECTED 1

static int
prereq_cb (void *clientp,
           char *conn_primary_ip,
           char *conn_local_ip,
           int   conn_primary_port,
           int   conn_local_port)
{
  transfer_start_idle (clientp);
  return CURL_PREREQFUNC_OK;
}
#else
#define IDLE_FROM_CONNECTED 0
#endif

static gboolean
resume_cb (gpointer user_data)
{
  SyHttpTransfer *t = user_data;
  SyHttpClient *self = t->client;
  g_autoptr(SyHttpTransfer) hold = NULL;
  int running = 0;

  if (t->finished || t->paused || !t->curl_paused || self == NULL)
    {
      g_clear_pointer (&t->resume_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  /* Only possible from a nested main loop inside a callback: try later. */
  if (self->in_curl > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&t->resume_source, g_source_unref);
  hold = sy_http_transfer_ref (t);

  client_enter (self);
  t->curl_paused = FALSE;
  transfer_restore_socket (t);
  /* May deliver buffered data to write_cb right here (which may pause
   * again: it then returns CURL_WRITEFUNC_PAUSE and sets curl_paused). */
  if (t->in_multi)
    curl_easy_pause (t->easy, CURLPAUSE_CONT);
  if (!t->finished)
    curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);

  client_leave (self);

  return G_SOURCE_REMOVE;
}

/* Transfers: public API */

void
sy_http_transfer_pause (SyHttpTransfer *self)
{
  SyHttpClient *client;

  g_return_if_fail (self != NULL);

  if (self->finished || self->paused)
    return;

  self->paused = TRUE;
  transfer_stop_sources (self);

  client = self->client;
  if (client != NULL && self->in_multi && client->in_curl == 0 && !self->curl_paused)
    {
      client_enter (client);
      self->curl_paused = TRUE;
      curl_easy_pause (self->easy, CURLPAUSE_RECV);
      transfer_suspend_socket (self);
      client_leave (client);
    }
  /* Otherwise write_cb sees the flag and returns CURL_WRITEFUNC_PAUSE. */
}

void
sy_http_transfer_resume (SyHttpTransfer *self)
{
  g_return_if_fail (self != NULL);

  if (self->finished || !self->paused)
    return;

  self->paused = FALSE;
  transfer_start_idle (self);

  if (self->curl_paused && self->resume_source == NULL && self->client != NULL)
    {
      self->resume_source = g_idle_source_new ();
      g_source_set_priority (self->resume_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->resume_source, resume_cb, self, NULL);
      g_source_set_static_name (self->resume_source, "[sy-http-client] resume");
      g_source_attach (self->resume_source, self->client->context);
    }
}

void
sy_http_transfer_cancel (SyHttpTransfer *self)
{
  g_autoptr(SyHttpTransfer) client_ref = NULL;

  g_return_if_fail (self != NULL);

  if (self->finished)
    return;

  client_ref = transfer_detach (self);
}

gboolean
sy_http_transfer_is_paused (SyHttpTransfer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->paused;
}

guint
sy_http_transfer_get_status (SyHttpTransfer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->status;
}

const char *
sy_http_transfer_get_header (SyHttpTransfer *self,
                             const char     *name)
{
  char key[128];
  gsize i;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* Names are stored lower-case; this is asked several times an answer. */
  for (i = 0; name[i] != '\0' && i < sizeof key - 1; i++)
    key[i] = g_ascii_tolower (name[i]);
  if (name[i] != '\0')
    {
      g_autofree char *long_key = g_ascii_strdown (name, -1);

      return g_hash_table_lookup (self->response_headers, long_key);
    }
  key[i] = '\0';
  return g_hash_table_lookup (self->response_headers, key);
}

const char *
sy_http_transfer_get_content_type (SyHttpTransfer *self)
{
  return sy_http_transfer_get_header (self, "Content-Type");
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

gboolean
sy_http_transfer_has_header_prefix (SyHttpTransfer     *self,
                                    const char * const *prefixes)
{
  GHashTableIter iter;
  gpointer name;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (prefixes != NULL, FALSE);

  g_hash_table_iter_init (&iter, self->response_headers);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    for (guint i = 0; prefixes[i] != NULL; i++)
      if (g_str_has_prefix (name, prefixes[i]))
        return TRUE;
  return FALSE;
}

char **
sy_http_transfer_dup_headers (SyHttpTransfer *self)
{
  GPtrArray *lines;
  GHashTableIter iter;
  gpointer name, value;

  g_return_val_if_fail (self != NULL, NULL);

  lines = g_ptr_array_new_full (g_hash_table_size (self->response_headers) + 1, NULL);
  g_hash_table_iter_init (&iter, self->response_headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_ptr_array_add (lines, g_strconcat (name, ": ", value, NULL));
  /* The table has no order of its own: sorted, two records compare. */
  g_ptr_array_sort (lines, compare_lines);
  g_ptr_array_add (lines, NULL);
  return (char **) g_ptr_array_free (lines, FALSE);
}

/* Client: starting transfers */

static gboolean
has_prefix_ascii_nocase (const char *str,
                         const char *prefix)
{
  return g_ascii_strncasecmp (str, prefix, strlen (prefix)) == 0;
}

/* Returns the CURLOPT_PROXY value (NULL: leave curl's default). */
static gboolean
check_proxy (const char  *proxy_url,
             const char **out,
             GError     **error)
{
  static const char * const schemes[] = { "http://", "https://", "socks5://", "socks5h://" };

  *out = NULL;
  if (proxy_url == NULL || proxy_url[0] == '\0')
    return TRUE;

  if (g_ascii_strcasecmp (proxy_url, "direct") == 0 || g_ascii_strcasecmp (proxy_url, "none") == 0)
    {
      *out = "";
      return TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      if (has_prefix_ascii_nocase (proxy_url, schemes[i]) && proxy_url[strlen (schemes[i])] != '\0')
        {
          *out = proxy_url;
          return TRUE;
        }
    }

  /* Name the scheme only: the rest may hold credentials. */
  {
    const char *colon = strstr (proxy_url, "://");
    g_autofree char *scheme = colon ? g_strndup (proxy_url, colon - proxy_url) : NULL;

    g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_PROXY,
                 "Unsupported proxy URL%s%s%s (use http://, https://, socks5://, socks5h://, "
                 "\"direct\" or \"none\")",
                 scheme ? " scheme “" : "", scheme ? scheme : "", scheme ? "”" : "");
  }
  return FALSE;
}

static char *
describe_url (const char  *url,
              GError     **error)
{
  CURLU *u = curl_url ();
  char *scheme = NULL;
  char *host = NULL;
  char *port = NULL;
  char *ret = NULL;

  if (curl_url_set (u, CURLUPART_URL, url, 0) != CURLUE_OK
      || curl_url_get (u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
      || curl_url_get (u, CURLUPART_HOST, &host, 0) != CURLUE_OK
      || curl_url_get (u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                           "Invalid request URL");
    }
  else if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                   "Unsupported URL scheme “%s”", scheme);
    }
  else
    {
      ret = g_strdup_printf ("%s:%s", host, port);
    }

  curl_free (scheme);
  curl_free (host);
  curl_free (port);
  curl_url_cleanup (u);

  return ret;
}

static gboolean
is_token (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && strchr ("!#$%&'*+-.^_`|~", *s) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
build_headers (SyHttpTransfer     *t,
               const char * const *headers,
               gboolean            has_body,
               GError            **error)
{
  gboolean has_content_type = FALSE;

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      const char *h = headers[i];
      const char *colon = strchr (h, ':');

      if (strpbrk (h, "\r\n") != NULL || colon == NULL || colon == h)
        {
          /* Don't quote the header: its value may be a secret. */
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                       "Invalid request header #%u", i);
          return FALSE;
        }
      if ((gsize) (colon - h) == strlen ("Content-Type")
          && g_ascii_strncasecmp (h, "Content-Type", colon - h) == 0)
        has_content_type = TRUE;

      t->request_headers = curl_slist_append (t->request_headers, h);
    }

  /* No "Expect: 100-continue" round trip. */
  t->request_headers = curl_slist_append (t->request_headers, "Expect:");
  /* Don't let curl invent application/x-www-form-urlencoded. */
  if (has_body && !has_content_type)
    t->request_headers = curl_slist_append (t->request_headers, "Content-Type:");

  return TRUE;
}

/* libcurl keeps the CA store it parsed in the multi handle, for the next
 * connections, only when it verifies against a bundle file alone. With a
 * CA directory set as well (Debian's libcurl has both, holding the same
 * certificates) every new TLS connection parsed the whole bundle again:
 * some 50 ms of the main loop each (seconds under a sanitizer). When the
 * default bundle file is there, the directory is left out. */
static gboolean
ca_bundle_only (void)
{
  static gsize once = 0;
  static gboolean bundle_only = FALSE;

  if (g_once_init_enter (&once))
    {
#if LIBCURL_VERSION_NUM >= 0x075400
      CURL *probe = curl_easy_init ();
      char *cainfo = NULL;
      char *capath = NULL;

      if (probe != NULL)
        {
          curl_easy_getinfo (probe, CURLINFO_CAINFO, &cainfo);
          curl_easy_getinfo (probe, CURLINFO_CAPATH, &capath);
          bundle_only = cainfo != NULL && capath != NULL && g_file_test (cainfo, G_FILE_TEST_IS_REGULAR);
          curl_easy_cleanup (probe);
        }
#endif
      g_once_init_leave (&once, 1);
    }
  return bundle_only;
}

/* libcurl (and with it OpenSSL, whose set-up touches some 3 MB of its
 * code and tables) is set up by the first transfer, not at start: an idle
 * proxy, or one that never goes upstream, does not pay for it. */
static void
client_ensure_multi (SyHttpClient *self)
{
  if (self->multi != NULL || self->shut_down)
    return;
  ensure_curl_initialized ();
  self->multi = curl_multi_init ();
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
}

SyHttpTransfer *
sy_http_client_start (SyHttpClient            *self,
                      const SyHttpRequestInfo *info,
                      const SyHttpCallbacks   *callbacks,
                      gpointer                 user_data,
                      GError                 **error)
{
  g_autoptr(SyHttpTransfer) t = NULL;
  const char *method;
  const char *proxy = NULL;
  g_autofree char *host_port = NULL;
  CURL *easy;

  g_return_val_if_fail (SY_IS_HTTP_CLIENT (self), NULL);
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (info->url != NULL, NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->shut_down)
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                           "HTTP client is shut down");
      return NULL;
    }
  client_ensure_multi (self);

  method = info->method ? info->method : (info->body ? "POST" : "GET");
  if (!is_token (method))
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                           "Invalid request method");
      return NULL;
    }

  if (!check_proxy (info->proxy_url, &proxy, error))
    return NULL;

  if (!(host_port = describe_url (info->url, error)))
    return NULL;

  t = g_new0 (SyHttpTransfer, 1);
  t->suspended_fd = CURL_SOCKET_BAD;
  g_atomic_ref_count_init (&t->ref_count);
  t->host_port = g_steal_pointer (&host_port);
  t->callbacks = *callbacks;
  t->user_data = user_data;
  t->idle_timeout_s = info->idle_timeout_s;
  t->response_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (info->body != NULL)
    t->body = g_bytes_ref (info->body);

  if (!build_headers (t, info->headers, info->body != NULL, error))
    return NULL;

  t->easy = easy = curl_easy_init ();
  if (easy == NULL)
    {
      g_set_error_literal (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                           "Could not create a transfer");
      return NULL;
    }

  curl_easy_setopt (easy, CURLOPT_URL, info->url);
  curl_easy_setopt (easy, CURLOPT_PRIVATE, t);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt (easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
  /* Over TLS a new transfer waits for a connection being opened to the
   * same host, which may turn out to speak HTTP/2 and carry both. Plain
   * http:// is HTTP/1.1 here (a local model server, a relay): waiting
   * there queued every concurrent request behind the one before it. */
  if (g_ascii_strncasecmp (info->url, "https:", 6) == 0)
    curl_easy_setopt (easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt (easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_bundle_only ())
    curl_easy_setopt (easy, CURLOPT_CAPATH, NULL);
  curl_easy_setopt (easy, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (easy, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPIDLE, 60L);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPINTVL, 30L);
  curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT,
                    (long) (info->connect_timeout_s ? info->connect_timeout_s
                                                    : DEFAULT_CONNECT_TIMEOUT_S));
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, t->request_headers);
#if IDLE_FROM_CONNECTED
  curl_easy_setopt (easy, CURLOPT_PREREQFUNCTION, prereq_cb);
  curl_easy_setopt (easy, CURLOPT_PREREQDATA, t);
#endif
  curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (easy, CURLOPT_HEADERDATA, t);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, t);
  if (proxy != NULL)
    curl_easy_setopt (easy, CURLOPT_PROXY, proxy);

  if (g_ascii_strcasecmp (method, "HEAD") == 0)
    {
      curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
    }
  else if (t->body != NULL || g_ascii_strcasecmp (method, "POST") == 0)
    {
      gsize size = 0;
      const char *data = t->body ? g_bytes_get_data (t->body, &size) : NULL;

      /* curl reads straight from the GBytes we keep a ref to. */
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, data ? data : "");
      if (g_ascii_strcasecmp (method, "POST") != 0)
        curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
    }
  else if (g_ascii_strcasecmp (method, "GET") == 0)
    {
      curl_easy_setopt (easy, CURLOPT_HTTPGET, 1L);
    }
  else
    {
      curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
    }

  if (self->in_curl > 0)
    {
      g_ptr_array_add (self->pending_add, t);
    }
  else
    {
      /* Only calls timer_cb: no user callback can run from here. */
      CURLMcode mcode = curl_multi_add_handle (self->multi, easy);

      if (mcode == CURLM_OK)
        t->in_multi = TRUE;
      else
        {
          g_clear_pointer (&t->easy, curl_easy_cleanup);
          g_set_error (error, SY_CORE_ERROR, SY_CORE_ERROR_HTTP_FAILED,
                       "Request to %s failed: %s", t->host_port, curl_multi_strerror (mcode));
          return NULL;
        }
    }

  t->client = self;
  g_hash_table_add (self->transfers, sy_http_transfer_ref (t));
  if (!IDLE_FROM_CONNECTED)
    transfer_start_idle (t);

  return g_steal_pointer (&t);
}

guint
sy_http_client_get_n_active (SyHttpClient *self)
{
  g_return_val_if_fail (SY_IS_HTTP_CLIENT (self), 0);

  return g_hash_table_size (self->transfers);
}

/* Client: GObject */

static void
sy_http_client_dispose (GObject *object)
{
  SyHttpClient *self = (SyHttpClient *) object;

  g_assert (self->in_curl == 0);

  self->shut_down = TRUE;
  if (self->multi != NULL)
    {
      GHashTableIter iter;
      SyHttpTransfer *t;

      while (g_hash_table_size (self->transfers) > 0)
        {
          g_hash_table_iter_init (&iter, self->transfers);
          if (!g_hash_table_iter_next (&iter, (gpointer *) &t, NULL))
            break;
          sy_http_transfer_cancel (t);
        }

      client_flush (self);

      curl_multi_cleanup (self->multi);
      self->multi = NULL;
    }

  if (self->timer_source != NULL)
    {
      g_source_destroy (self->timer_source);
      g_clear_pointer (&self->timer_source, g_source_unref);
    }

  if (self->sockets != NULL)
    {
      while (self->sockets->len > 0)
        sy_socket_free (g_ptr_array_steal_index_fast (self->sockets, self->sockets->len - 1));
    }

  G_OBJECT_CLASS (sy_http_client_parent_class)->dispose (object);
}

static void
sy_http_client_finalize (GObject *object)
{
  SyHttpClient *self = (SyHttpClient *) object;

  g_clear_pointer (&self->sockets, g_ptr_array_unref);
  g_clear_pointer (&self->transfers, g_hash_table_unref);
  g_clear_pointer (&self->pending_add, g_ptr_array_unref);
  g_clear_pointer (&self->graveyard, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sy_http_client_parent_class)->finalize (object);
}

static void
sy_http_client_class_init (SyHttpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_http_client_dispose;
  object_class->finalize = sy_http_client_finalize;
}

static void
sy_http_client_init (SyHttpClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->sockets = g_ptr_array_new ();
  self->transfers = g_hash_table_new_full (NULL, NULL,
                                           (GDestroyNotify) sy_http_transfer_unref, NULL);
  self->pending_add = g_ptr_array_new ();
  self->graveyard = g_ptr_array_new ();
}

SyHttpClient *
sy_http_client_new (void)
{
  return g_object_new (SY_TYPE_HTTP_CLIENT, NULL);
}
