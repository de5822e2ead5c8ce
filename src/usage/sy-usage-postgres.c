/* sy-usage-postgres.c: the usage store's PostgreSQL backend (libpq)
 *
 * Several Switchyard instances write one history: raw rows get their id
 * from the server, and the daily roll-ups are added to with INSERT ... ON
 * CONFLICT DO UPDATE, so no instance needs to know the others. The tables
 * are created by the first instance to start, under an advisory lock so
 * that instances starting together do not race on CREATE TABLE.
 *
 * A server that goes away (restart, network) drops the connection: the
 * call fails with SY_USAGE_ERROR_UNAVAILABLE and the next one connects
 * again. Statements that were cut are retried once on a new connection
 * when the old one turns out to have been dead before they ran.
 *
 * The DSN may hold a password: messages show it masked (sy_mask_secret),
 * and any text from libpq is searched for it too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-usage"

#include "config.h"

#include <string.h>

#include <libpq-fe.h>

#include "sy-log.h"
#include "sy-usage-backend.h"

#define SCHEMA_VERSION   1
/* pg_advisory_xact_lock key of the schema creation: "sy-usage" in ASCII. */
#define SCHEMA_LOCK      "8320731769013888869"
#define ROLLUP_CHUNK     500
#define COPY_CHUNK       (256 * 1024)
#define CONNECT_TIMEOUT  "10"

#define T_REQUESTS "switchyard_usage_requests"
#define T_DAILY    "switchyard_usage_daily"
#define T_SCHEMA   "switchyard_usage_schema"

typedef struct
{
  SyUsageBackend parent;
  char          *dsn;
  char          *shown;       /* the DSN with its password masked */
  char          *password;    /* as libpq reads it, registered with sy-log (4 bytes or more) */
  GPtrArray     *secrets;     /* char*: what to mask in libpq's messages, longest first */
  PGconn        *conn;        /* NULL while disconnected */
  guint          connects;    /* connections made so far */
} PgBackend;

/* -- Masking the password --------------------------------------------------- */

typedef struct
{
  gsize start;
  gsize end;
} Span;

/* libpq's key = value form: where each password value lies (quotes
 * included). Values are single-quoted or end at white space; a backslash
 * escapes the next character in both. */
static void
find_keyword_passwords (const char *dsn,
                        GArray     *spans)
{
  const char *p = dsn;

  while (*p != '\0')
    {
      const char *name;
      gsize name_len;
      Span span;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      name = p;
      while (*p != '\0' && *p != '=' && !g_ascii_isspace (*p))
        p++;
      name_len = p - name;
      while (g_ascii_isspace (*p))
        p++;
      if (*p != '=')
        break;   /* malformed: libpq says so, without the value */
      p++;
      while (g_ascii_isspace (*p))
        p++;
      span.start = p - dsn;
      if (*p == '\'')
        {
          p++;
          while (*p != '\0' && *p != '\'')
            p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
          if (*p == '\'')
            p++;
        }
      else
        while (*p != '\0' && !g_ascii_isspace (*p))
          p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
      span.end = p - dsn;
      if (name_len == strlen ("password") && strncmp (name, "password", name_len) == 0)
        g_array_append_val (spans, span);
    }
}

/* postgresql://user:password@host/db?password=...: the user info ends at
 * the first '@' before any '/', as libpq reads it. */
static void
find_uri_passwords (const char *dsn,
                    gsize       prefix_len,
                    GArray     *spans)
{
  const char *start = dsn + prefix_len;
  const char *p = start;
  const char *query;

  while (*p != '\0' && *p != '@' && *p != '/')
    p++;
  if (*p == '@')
    {
      const char *colon = memchr (start, ':', p - start);

      if (colon != NULL)
        {
          Span span = { colon + 1 - dsn, p - dsn };

          g_array_append_val (spans, span);
        }
    }

  query = strchr (dsn, '?');
  while (query != NULL)
    {
      const char *name = query + 1;
      const char *end = name + strcspn (name, "&");
      const char *eq = memchr (name, '=', end - name);

      if (eq != NULL && eq - name == (gssize) strlen ("password") && strncmp (name, "password", eq - name) == 0)
        {
          Span span = { eq + 1 - dsn, end - dsn };

          g_array_append_val (spans, span);
        }
      query = *end == '&' ? end : NULL;
    }
}

static int
longest_first (gconstpointer a,
               gconstpointer b)
{
  gsize la = strlen (*(const char * const *) a);
  gsize lb = strlen (*(const char * const *) b);

  return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Fills self->shown and self->secrets. */
static void
mask_dsn (PgBackend *self)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GString *shown = g_string_new (NULL);
  gsize at = 0;
  guint i;

  if (g_str_has_prefix (self->dsn, "postgresql://"))
    find_uri_passwords (self->dsn, strlen ("postgresql://"), spans);
  else if (g_str_has_prefix (self->dsn, "postgres://"))
    find_uri_passwords (self->dsn, strlen ("postgres://"), spans);
  else
    find_keyword_passwords (self->dsn, spans);

  for (i = 0; i < spans->len; i++)
    {
      Span *span = &g_array_index (spans, Span, i);
      g_autofree char *raw = g_strndup (self->dsn + span->start, span->end - span->start);
      g_autofree char *masked = sy_mask_secret (raw);

      g_string_append_len (shown, self->dsn + at, span->start - at);
      g_string_append (shown, masked);
      at = span->end;
      /* Shorter ones would mask ordinary words of the messages. */
      if (strlen (raw) >= 4)
        g_ptr_array_add (self->secrets, g_steal_pointer (&raw));
    }
  g_string_append (shown, self->dsn + at);
  self->shown = g_string_free (shown, FALSE);
}

/* @text with every known form of the password masked, on one line. */
static char *
scrub (PgBackend  *self,
       const char *text)
{
  g_autoptr(GString) out = g_string_new (text);
  GString *line = g_string_sized_new (out->len);
  const char *p;
  guint i;

  for (i = 0; i < self->secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (self->secrets, i);
      g_autofree char *masked = sy_mask_secret (secret);

      g_string_replace (out, secret, masked, 0);
    }
  /* libpq's messages span lines ("...failed: ...\n\tIs the server..."). */
  for (p = out->str; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (line, *p);
    else if (line->len > 0 && line->str[line->len - 1] != ' ')
      g_string_append_c (line, ' ');
  return g_strchomp (g_string_free (line, FALSE));
}

static void
set_error (PgBackend   *self,
           GError     **error,
           int          code,
           const char  *what,
           const char  *detail)
{
  g_autofree char *clean = scrub (self, detail != NULL ? detail : "");

  g_set_error (error, SY_USAGE_ERROR, code, "Usage database (PostgreSQL, %s): %s: %s",
               self->shown, what, clean);
}

/* -- Connection ------------------------------------------------------------- */

static void
on_notice (void       *arg,
           const char *message)
{
  /* "relation already exists, skipping" and the like: not for stderr. */
  g_debug ("PostgreSQL: %s", message);
}

static void
drop_connection (PgBackend *self)
{
  g_clear_pointer (&self->conn, PQfinish);
}

/* Whether the failure of @res (or of the connection, when NULL) comes from
 * the server being away or busy, so that the same call may work later. */
static gboolean
is_transient (PgBackend *self,
              PGresult  *res)
{
  const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;

  if (self->conn == NULL || PQstatus (self->conn) != CONNECTION_OK)
    return TRUE;
  /* No SQLSTATE: libpq's own error, such as a connection cut mid-way. */
  if (state == NULL)
    return TRUE;
  return g_str_has_prefix (state, "08")       /* connection exception */
         || g_str_has_prefix (state, "57P")   /* shutdown, crash, cannot connect now */
         || g_str_equal (state, "40001")      /* serialization failure */
         || g_str_equal (state, "40P01")      /* deadlock detected */
         || g_str_has_prefix (state, "53")    /* out of resources, too many connections */
         || g_str_equal (state, "25006");     /* read-only: a standby, after a failover */
}

/* Records the failure of @res (NULL: of the connection) in @error, and
 * forgets a connection that is gone. */
static void
fail (PgBackend   *self,
      PGresult    *res,
      const char  *what,
      GError     **error)
{
  const char *message = res != NULL && *PQresultErrorMessage (res) != '\0'
                        ? PQresultErrorMessage (res)
                        : self->conn != NULL ? PQerrorMessage (self->conn) : "not connected";
  int code = is_transient (self, res) ? SY_USAGE_ERROR_UNAVAILABLE : SY_USAGE_ERROR_FAILED;
  const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;

  set_error (self, error, code, what, message);
  /* A server that became a standby keeps its connections: a new one may
   * reach the new primary (a DSN with several hosts). */
  if (self->conn != NULL
      && (PQstatus (self->conn) != CONNECTION_OK || g_strcmp0 (state, "25006") == 0))
    drop_connection (self);
}

static gboolean
exec_ok (PgBackend   *self,
         const char  *sql,
         const char  *what,
         GError     **error)
{
  PGresult *res = PQexec (self->conn, sql);
  ExecStatusType status = PQresultStatus (res);
  gboolean ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

  if (!ok)
    fail (self, res, what, error);
  PQclear (res);
  return ok;
}

static void
rollback (PgBackend *self)
{
  if (self->conn != NULL && PQstatus (self->conn) == CONNECTION_OK
      && PQtransactionStatus (self->conn) != PQTRANS_IDLE)
    PQclear (PQexec (self->conn, "ROLLBACK"));
}

static gboolean
connect_now (PgBackend  *self,
             int         code,
             GError    **error)
{
  /* Before dbname, which is expanded from the DSN: the DSN's own settings
   * win over these two. After it, what this code needs. */
  const char *const keywords[] = { "connect_timeout", "fallback_application_name", "dbname",
                                   "client_encoding", NULL };
  const char *const values[] = { CONNECT_TIMEOUT, "switchyard", self->dsn, "UTF8", NULL };
  PGconn *conn = PQconnectdbParams (keywords, values, 1);

  if (conn == NULL || PQstatus (conn) != CONNECTION_OK)
    {
      set_error (self, error, code, "cannot connect", conn != NULL ? PQerrorMessage (conn) : "out of memory");
      PQfinish (conn);
      return FALSE;
    }
  PQsetNoticeProcessor (conn, on_notice, NULL);
  self->conn = conn;
  self->connects++;
  return TRUE;
}

static gboolean
pg_open (SyUsageBackend  *backend,
         GError         **error)
{
  PgBackend *self = (PgBackend *) backend;

  /* A server that closed the connection while it was idle shows here,
   * reading what it sent; otherwise the first statement finds out. */
  if (self->conn != NULL && (!PQconsumeInput (self->conn) || PQstatus (self->conn) != CONNECTION_OK))
    drop_connection (self);
  if (self->conn != NULL)
    return TRUE;
  return connect_now (self, SY_USAGE_ERROR_UNAVAILABLE, error);
}

/* Runs @op; when it fails because a connection that was already open had
 * died meanwhile, connects again and runs it once more. @op leaves no
 * transaction open behind, so running it twice is safe. */
typedef gboolean (*PgOp) (PgBackend  *self,
                          gpointer    data,
                          GError    **error);

static gboolean
run (PgBackend  *self,
     PgOp        op,
     gpointer    data,
     GError    **error)
{
  GError *local = NULL;
  guint connects = self->connects;
  gboolean fresh;

  if (!pg_open (&self->parent, error))
    return FALSE;
  fresh = self->connects != connects;
  if (op (self, data, &local))
    return TRUE;
  if (!fresh && self->conn == NULL && g_error_matches (local, SY_USAGE_ERROR, SY_USAGE_ERROR_UNAVAILABLE))
    {
      g_clear_error (&local);
      if (!pg_open (&self->parent, error))
        return FALSE;
      return op (self, data, error);
    }
  g_propagate_error (error, local);
  return FALSE;
}

/* -- Schema ----------------------------------------------------------------- */

static const char *const schema_sql[] = {
  "CREATE TABLE IF NOT EXISTS " T_REQUESTS " ("
  "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  "  time_us bigint NOT NULL,"
  "  key_id text NOT NULL DEFAULT '',"
  "  key_label text NOT NULL DEFAULT '',"
  "  account_id text NOT NULL DEFAULT '',"
  "  provider text NOT NULL DEFAULT '',"
  "  model_asked text NOT NULL DEFAULT '',"
  "  model_served text NOT NULL DEFAULT '',"
  "  client_format text NOT NULL DEFAULT '',"
  "  upstream_format text NOT NULL DEFAULT '',"
  "  stream smallint NOT NULL DEFAULT 0,"
  "  status integer NOT NULL DEFAULT 0,"
  "  latency_us bigint NOT NULL DEFAULT 0,"
  "  ttfb_us bigint NOT NULL DEFAULT 0,"
  "  input_tokens bigint NOT NULL DEFAULT 0,"
  "  output_tokens bigint NOT NULL DEFAULT 0,"
  "  cached_tokens bigint NOT NULL DEFAULT 0,"
  "  reasoning_tokens bigint NOT NULL DEFAULT 0,"
  "  retries integer NOT NULL DEFAULT 0)",
  "CREATE INDEX IF NOT EXISTS " T_REQUESTS "_time ON " T_REQUESTS " (time_us)",
  /* day: UTC days since the epoch; model: served, else asked. */
  "CREATE TABLE IF NOT EXISTS " T_DAILY " ("
  "  day bigint NOT NULL,"
  "  model text NOT NULL,"
  "  account_id text NOT NULL,"
  "  key_id text NOT NULL,"
  "  requests bigint NOT NULL DEFAULT 0,"
  "  failed bigint NOT NULL DEFAULT 0,"
  "  input_tokens bigint NOT NULL DEFAULT 0,"
  "  output_tokens bigint NOT NULL DEFAULT 0,"
  "  cached_tokens bigint NOT NULL DEFAULT 0,"
  "  reasoning_tokens bigint NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (day, model, account_id, key_id))",
};

static gboolean
create_schema (PgBackend  *self,
               GError    **error)
{
  PGresult *res;
  gint64 version = 0;
  guint i;

  /* The lock goes with the transaction, also when it fails. */
  if (!exec_ok (self, "BEGIN", "cannot create the tables", error)
      || !exec_ok (self, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")", "cannot create the tables", error))
    goto fail;

  /* Read before creating anything: once the tables are there, a user
   * without the right to create tables can use them. */
  res = PQexec (self->conn, "SELECT to_regclass('" T_SCHEMA "') IS NOT NULL");
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
    {
      fail (self, res, "cannot read the schema version", error);
      PQclear (res);
      goto fail;
    }
  if (g_str_equal (PQgetvalue (res, 0, 0), "t"))
    {
      PQclear (res);
      res = PQexec (self->conn, "SELECT COALESCE(MAX(version), 0) FROM " T_SCHEMA);
      if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
        {
          fail (self, res, "cannot read the schema version", error);
          PQclear (res);
          goto fail;
        }
      version = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    }
  PQclear (res);
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, SY_USAGE_ERROR, SY_USAGE_ERROR_VERSION,
                   "Usage database (PostgreSQL, %s) was written by a newer version (schema %" G_GINT64_FORMAT ")",
                   self->shown, version);
      goto fail;
    }

  if (version < SCHEMA_VERSION)
    {
      if (!exec_ok (self, "CREATE TABLE IF NOT EXISTS " T_SCHEMA " (version integer NOT NULL)",
                    "cannot create the tables", error))
        goto fail;
      for (i = 0; i < G_N_ELEMENTS (schema_sql); i++)
        if (!exec_ok (self, schema_sql[i], "cannot create the tables", error))
          goto fail;
      if (!exec_ok (self, "DELETE FROM " T_SCHEMA, "cannot create the tables", error)
          || !exec_ok (self, "INSERT INTO " T_SCHEMA " (version) VALUES (" G_STRINGIFY (SCHEMA_VERSION) ")",
                       "cannot create the tables", error))
        goto fail;
    }
  if (!exec_ok (self, "COMMIT", "cannot create the tables", error))
    goto fail;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

/* -- Writing ---------------------------------------------------------------- */

typedef struct
{
  GPtrArray *records;
  GArray    *rollups;
} WriteArgs;

/* COPY's text format: backslash escapes for the separators. */
static void
copy_text (GString    *line,
           const char *s)
{
  for (; s != NULL && *s != '\0'; s++)
    switch (*s)
      {
      case '\\':
        g_string_append (line, "\\\\");
        break;
      case '\t':
        g_string_append (line, "\\t");
        break;
      case '\n':
        g_string_append (line, "\\n");
        break;
      case '\r':
        g_string_append (line, "\\r");
        break;
      default:
        g_string_append_c (line, *s);
      }
  g_string_append_c (line, '\t');
}

static gboolean
copy_records (PgBackend  *self,
              GPtrArray  *records,
              GError    **error)
{
  g_autoptr(GString) buf = g_string_sized_new (COPY_CHUNK + 4096);
  PGresult *res;
  gboolean ok = TRUE;
  guint i;

  res = PQexec (self->conn,
                "COPY " T_REQUESTS " (time_us, key_id, key_label, account_id, provider, model_asked,"
                " model_served, client_format, upstream_format, stream, status, latency_us, ttfb_us,"
                " input_tokens, output_tokens, cached_tokens, reasoning_tokens, retries) FROM STDIN");
  if (PQresultStatus (res) != PGRES_COPY_IN)
    {
      fail (self, res, "cannot write", error);
      PQclear (res);
      return FALSE;
    }
  PQclear (res);

  for (i = 0; ok && i < records->len; i++)
    {
      const SyUsageRecord *r = g_ptr_array_index (records, i);

      g_string_append_printf (buf, "%" G_GINT64_FORMAT "\t", r->time_us);
      copy_text (buf, r->key_id);
      copy_text (buf, r->key_label);
      copy_text (buf, r->account_id);
      copy_text (buf, r->provider);
      copy_text (buf, r->model_asked);
      copy_text (buf, r->model_served);
      copy_text (buf, r->client_format);
      copy_text (buf, r->upstream_format);
      g_string_append_printf (buf, "%d\t%u\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
                              "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%u\n",
                              r->stream ? 1 : 0, r->status, r->latency_us, r->ttfb_us, r->input_tokens,
                              r->output_tokens, r->cached_tokens, r->reasoning_tokens, r->retries);
      if (buf->len >= COPY_CHUNK || i + 1 == records->len)
        {
          ok = PQputCopyData (self->conn, buf->str, (int) buf->len) == 1;
          g_string_truncate (buf, 0);
        }
    }
  if (PQputCopyEnd (self->conn, ok ? NULL : "cancelled") != 1)
    ok = FALSE;

  /* The COPY's own result, then the end of the command. */
  while ((res = PQgetResult (self->conn)) != NULL)
    {
      if (PQresultStatus (res) != PGRES_COMMAND_OK && ok)
        {
          fail (self, res, "cannot write", error);
          ok = FALSE;
        }
      PQclear (res);
      if (self->conn == NULL)
        break;
    }
  if (!ok && error != NULL && *error == NULL)
    fail (self, NULL, "cannot write", error);
  return ok;
}

static char *
int_text (gint64 v)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

static gboolean
upsert_rollups (PgBackend  *self,
                GArray     *rollups,
                guint       first,
                guint       n,
                GError    **error)
{
  g_autoptr(GString) sql = g_string_new ("INSERT INTO " T_DAILY " AS d (day, model, account_id, key_id,"
                                         " requests, failed, input_tokens, output_tokens, cached_tokens,"
                                         " reasoning_tokens) VALUES ");
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **values = g_new0 (const char *, n * 10);
  PGresult *res;
  gboolean ok;
  guint i;

  for (i = 0; i < n; i++)
    {
      const SyUsageRollup *u = &g_array_index (rollups, SyUsageRollup, first + i);
      const char **v = values + i * 10;
      guint p = i * 10;

      g_string_append_printf (sql, "%s($%u::bigint, $%u::text, $%u::text, $%u::text, $%u::bigint, $%u::bigint,"
                              " $%u::bigint, $%u::bigint, $%u::bigint, $%u::bigint)",
                              i > 0 ? ", " : "", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8,
                              p + 9, p + 10);
      v[1] = u->model;
      v[2] = u->account_id;
      v[3] = u->key_id;
      g_ptr_array_add (owned, (gpointer) (v[0] = int_text (u->day)));
      g_ptr_array_add (owned, (gpointer) (v[4] = int_text (u->requests)));
      g_ptr_array_add (owned, (gpointer) (v[5] = int_text (u->failed)));
      g_ptr_array_add (owned, (gpointer) (v[6] = int_text (u->input_tokens)));
      g_ptr_array_add (owned, (gpointer) (v[7] = int_text (u->output_tokens)));
      g_ptr_array_add (owned, (gpointer) (v[8] = int_text (u->cached_tokens)));
      g_ptr_array_add (owned, (gpointer) (v[9] = int_text (u->reasoning_tokens)));
    }
  g_string_append (sql, " ON CONFLICT (day, model, account_id, key_id) DO UPDATE SET"
                   " requests = d.requests + EXCLUDED.requests, failed = d.failed + EXCLUDED.failed,"
                   " input_tokens = d.input_tokens + EXCLUDED.input_tokens,"
                   " output_tokens = d.output_tokens + EXCLUDED.output_tokens,"
                   " cached_tokens = d.cached_tokens + EXCLUDED.cached_tokens,"
                   " reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens");

  res = PQexecParams (self->conn, sql->str, (int) n * 10, NULL, values, NULL, NULL, 0);
  ok = PQresultStatus (res) == PGRES_COMMAND_OK;
  if (!ok)
    fail (self, res, "cannot write the daily roll-up", error);
  PQclear (res);
  return ok;
}

static gboolean
write_op (PgBackend  *self,
          gpointer    data,
          GError    **error)
{
  WriteArgs *args = data;
  guint i;

  if (!exec_ok (self, "BEGIN", "cannot write", error))
    goto fail;
  if (!copy_records (self, args->records, error))
    goto fail;
  /* Rows in a fixed order (sorted by the worker): two instances adding to
   * the same days take the same row locks in the same order. */
  for (i = 0; i < args->rollups->len; i += ROLLUP_CHUNK)
    if (!upsert_rollups (self, args->rollups, i, MIN (ROLLUP_CHUNK, args->rollups->len - i), error))
      goto fail;
  if (!exec_ok (self, "COMMIT", "cannot write", error))
    goto fail;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

static gboolean
pg_write (SyUsageBackend  *backend,
          GPtrArray       *records,
          GArray          *rollups,
          GError         **error)
{
  WriteArgs args = { records, rollups };

  return run ((PgBackend *) backend, write_op, &args, error);
}

static gboolean
prune_op (PgBackend  *self,
          gpointer    data,
          GError    **error)
{
  g_autofree char *before = int_text (*(gint64 *) data);
  const char *values[] = { before };
  PGresult *res = PQexecParams (self->conn, "DELETE FROM " T_REQUESTS " WHERE time_us < $1::bigint",
                                1, NULL, values, NULL, NULL, 0);
  gboolean ok = PQresultStatus (res) == PGRES_COMMAND_OK;

  if (!ok)
    fail (self, res, "cannot prune", error);
  PQclear (res);
  return ok;
}

static gboolean
pg_prune (SyUsageBackend  *backend,
          gint64           before_us,
          GError         **error)
{
  return run ((PgBackend *) backend, prune_op, &before_us, error);
}

/* -- Reading ---------------------------------------------------------------- */

typedef void (*RowFunc) (PGresult *res,
                         gpointer  data);

/* Streams the rows (single-row mode: a large snapshot is not held whole),
 * counting them in @rows. Run again after a lost connection (run()), it
 * fails when rows were already handed on: they cannot be taken back. */
static gboolean
query_rows (PgBackend          *self,
            const char         *sql,
            int                 n_params,
            const char *const  *values,
            RowFunc             func,
            gpointer            data,
            guint              *rows,
            GError            **error)
{
  PGresult *res;
  gboolean ok = TRUE;

  if (*rows > 0)
    {
      set_error (self, error, SY_USAGE_ERROR_UNAVAILABLE, "cannot read", "the connection was lost mid-way");
      return FALSE;
    }
  if (!PQsendQueryParams (self->conn, sql, n_params, NULL, values, NULL, NULL, 0))
    {
      fail (self, NULL, "cannot read", error);
      return FALSE;
    }
  PQsetSingleRowMode (self->conn);
  while ((res = PQgetResult (self->conn)) != NULL)
    {
      ExecStatusType status = PQresultStatus (res);

      if (status == PGRES_SINGLE_TUPLE && ok)
        {
          (*rows)++;
          func (res, data);
        }
      else if (status != PGRES_TUPLES_OK && status != PGRES_SINGLE_TUPLE && ok)
        {
          fail (self, res, "cannot read", error);
          ok = FALSE;
        }
      PQclear (res);
      if (self->conn == NULL)
        break;
    }
  return ok;
}

static gint64
int_at (PGresult *res,
        int       column)
{
  return g_ascii_strtoll (PQgetvalue (res, 0, column), NULL, 10);
}

typedef struct
{
  const SyUsageSeriesQuery *query;
  SyUsageSeriesFunc         func;
  gpointer                  user_data;
  guint                     rows;
} SeriesArgs;

static void
series_row (PGresult *res,
            gpointer  data)
{
  SeriesArgs *args = data;
  SyUsageSeriesRow row;

  row.group = PQgetisnull (res, 0, 0) ? NULL : PQgetvalue (res, 0, 0);
  row.bucket = int_at (res, 1);
  row.requests = int_at (res, 2);
  row.failed = int_at (res, 3);
  row.input_tokens = int_at (res, 4);
  row.output_tokens = int_at (res, 5);
  args->func (&row, args->user_data);
}

static gboolean
series_op (PgBackend  *self,
           gpointer    data,
           GError    **error)
{
  SeriesArgs *args = data;
  const SyUsageSeriesQuery *query = args->query;
  g_autofree char *from = int_text (query->from_us);
  g_autofree char *to = int_text (query->to_us);
  g_autofree char *step = int_text (query->step_us);
  g_autofree char *sql = NULL;
  const char *values[] = { from, to, step };

  /* COLLATE "C": groups come in byte order, as from SQLite. */
  if (query->daily)
    sql = g_strdup_printf ("SELECT (%s) COLLATE \"C\" AS g, (day * %" G_GINT64_FORMAT " - $1::bigint) / $3::bigint AS b,"
                           " SUM(requests)::bigint, SUM(failed)::bigint,"
                           " SUM(input_tokens)::bigint, SUM(output_tokens)::bigint"
                           " FROM " T_DAILY " WHERE day >= $1::bigint / %" G_GINT64_FORMAT
                           " AND day < $2::bigint / %" G_GINT64_FORMAT
                           " GROUP BY g, b ORDER BY g, b",
                           sy_usage_group_column (query->group, TRUE), SY_USAGE_DAY_US, SY_USAGE_DAY_US, SY_USAGE_DAY_US);
  else
    sql = g_strdup_printf ("SELECT (%s) COLLATE \"C\" AS g, (time_us - $1::bigint) / $3::bigint AS b,"
                           " COUNT(*), COUNT(*) FILTER (WHERE status = 0 OR status >= 400),"
                           " COALESCE(SUM(input_tokens), 0)::bigint, COALESCE(SUM(output_tokens), 0)::bigint"
                           " FROM " T_REQUESTS " WHERE time_us >= $1::bigint AND time_us < $2::bigint"
                           " GROUP BY g, b ORDER BY g, b",
                           sy_usage_group_column (query->group, FALSE));
  return query_rows (self, sql, 3, values, series_row, args, &args->rows, error);
}

static gboolean
pg_series (SyUsageBackend            *backend,
           const SyUsageSeriesQuery  *query,
           SyUsageSeriesFunc          func,
           gpointer                   user_data,
           GError                   **error)
{
  SeriesArgs args = { query, func, user_data, 0 };

  return run ((PgBackend *) backend, series_op, &args, error);
}

typedef struct
{
  gint64              since_us;
  SyUsageSnapshotFunc func;
  gpointer            user_data;
  guint               rows;
} SnapshotArgs;

static void
snapshot_row (PGresult *res,
              gpointer  data)
{
  SnapshotArgs *args = data;
  SyUsageSnapshotRow row;

  row.time_us = int_at (res, 0);
  row.key_label = PQgetvalue (res, 0, 1);
  row.key_id = PQgetvalue (res, 0, 2);
  row.provider = PQgetvalue (res, 0, 3);
  row.model_served = PQgetvalue (res, 0, 4);
  row.account_id = PQgetvalue (res, 0, 5);
  row.latency_us = int_at (res, 6);
  row.status = (guint) int_at (res, 7);
  row.input_tokens = int_at (res, 8);
  row.output_tokens = int_at (res, 9);
  row.reasoning_tokens = int_at (res, 10);
  row.cached_tokens = int_at (res, 11);
  args->func (&row, args->user_data);
}

static gboolean
snapshot_op (PgBackend  *self,
             gpointer    data,
             GError    **error)
{
  SnapshotArgs *args = data;
  g_autofree char *since = int_text (args->since_us);
  const char *values[] = { since };

  return query_rows (self,
                     "SELECT " SY_USAGE_SNAPSHOT_COLUMNS
                     " FROM " T_REQUESTS " WHERE time_us >= $1::bigint ORDER BY time_us, id",
                     1, values, snapshot_row, args, &args->rows, error);
}

static gboolean
pg_snapshot (SyUsageBackend       *backend,
             gint64                since_us,
             SyUsageSnapshotFunc   func,
             gpointer              user_data,
             GError              **error)
{
  SnapshotArgs args = { since_us, func, user_data, 0 };

  return run ((PgBackend *) backend, snapshot_op, &args, error);
}

static void
pg_free (SyUsageBackend *backend)
{
  PgBackend *self = (PgBackend *) backend;

  drop_connection (self);
  if (self->password != NULL)
    sy_log_remove_secret (self->password);
  g_free (self->password);
  g_free (self->dsn);
  g_free (self->shown);
  g_ptr_array_unref (self->secrets);
  g_free (self);
}

static const SyUsageBackendClass pg_class = {
  .name = "postgres",
  .open = pg_open,
  .write = pg_write,
  .prune = pg_prune,
  .series = pg_series,
  .snapshot = pg_snapshot,
  .free = pg_free,
};

SyUsageBackend *
sy_usage_postgres_backend_new (const char  *dsn,
                               GError     **error)
{
  PgBackend *self = g_new0 (PgBackend, 1);
  PQconninfoOption *options;
  char *parse_error = NULL;

  self->parent.klass = &pg_class;
  self->dsn = g_strdup (dsn);
  self->secrets = g_ptr_array_new_with_free_func (g_free);
  mask_dsn (self);

  options = PQconninfoParse (dsn, &parse_error);
  if (options == NULL)
    {
      g_ptr_array_sort (self->secrets, longest_first);
      set_error (self, error, SY_USAGE_ERROR_CONFIG, "not a valid connection string",
                 parse_error != NULL ? parse_error : "out of memory");
      PQfreemem (parse_error);
      pg_free (&self->parent);
      return NULL;
    }
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    if (g_str_equal (o->keyword, "password") && o->val != NULL && strlen (o->val) >= 4)
      {
        self->password = g_strdup (o->val);
        g_ptr_array_add (self->secrets, g_strdup (o->val));
      }
  PQconninfoFree (options);
  g_ptr_array_sort (self->secrets, longest_first);
  /* Whatever else might print it (libpq's notices, a caller's log). */
  if (self->password != NULL)
    sy_log_add_secret (self->password);

  if (!connect_now (self, SY_USAGE_ERROR_OPEN, error) || !create_schema (self, error))
    {
      pg_free (&self->parent);
      return NULL;
    }
  return &self->parent;
}
