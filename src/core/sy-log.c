/* sy-log.c: structured logging with secret masking
 *
 * Every line goes through sy_log_mask_secrets(): the registered secrets (API
 * keys from the config, tokens from the store) and anything shaped like a
 * provider key are replaced by their masked form before the line is written.
 * Lines go to stderr, to a ring of the last SY_LOG_RECENT_LINES (for the
 * diagnostics bundle), to the listeners (the desktop app's Logs window)
 * and, with logging-to-file, to main.log (sy-log-file).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sy-log.h"
#include "sy-log-file.h"
#include "sy-secret.h"

static GMutex     secrets_lock;
static GPtrArray *secrets;
static GHashTable *secret_uses;   /* secret (the copy in secrets) -> holders */
static gboolean   log_debug_forced;   /* --debug: stays on */
static gboolean   log_debug_config;   /* config.yaml's debug: follows reloads */
static gboolean   log_use_color;

static GMutex     recent_lock;
static char      *recent[SY_LOG_RECENT_LINES];
static guint      recent_next;    /* where the next line goes */
static guint      recent_count;

/* Under recent_lock, so that a listener hears the lines in the order the
 * ring keeps them and one added with the ring's lines misses none. */
typedef struct
{
  guint          id;
  SyLogListener  func;
  gpointer       user_data;
  GDestroyNotify destroy;
} Listener;

static GArray    *listeners;      /* of Listener */
static guint      listener_next_id = 1;

/* Prefixes of key shapes masked even when nobody registered them. */
static const char * const key_prefixes[] = { "sk-", "AIza", "ya29.", "xai-", NULL };

char *
sy_mask_secret (const char *secret)
{
  gsize len;

  if (secret == NULL)
    return g_strdup ("(none)");

  len = strlen (secret);
  if (len < 12)
    return g_strdup ("***");

  return g_strdup_printf ("%.3s...%s", secret, secret + len - 4);
}

/* Several holders may register one secret (two objects with the same
 * token); it is looked for until the last of them lets it go. */
void
sy_log_add_secret (const char *secret)
{
  gpointer key, uses;

  if (secret == NULL || strlen (secret) < 4)
    return;

  g_mutex_lock (&secrets_lock);
  if (secrets == NULL)
    {
      secrets = g_ptr_array_new_with_free_func (sy_secret_free);
      secret_uses = g_hash_table_new (g_str_hash, g_str_equal);
    }
  if (g_hash_table_lookup_extended (secret_uses, secret, &key, &uses))
    g_hash_table_insert (secret_uses, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (uses) + 1));
  else
    {
      char *copy = g_strdup (secret);

      g_ptr_array_add (secrets, copy);
      g_hash_table_insert (secret_uses, copy, GUINT_TO_POINTER (1));
    }
  g_mutex_unlock (&secrets_lock);
}

void
sy_log_remove_secret (const char *secret)
{
  gpointer key, uses;

  if (secret == NULL)
    return;
  g_mutex_lock (&secrets_lock);
  if (secrets != NULL && g_hash_table_lookup_extended (secret_uses, secret, &key, &uses))
    {
      if (GPOINTER_TO_UINT (uses) > 1)
        g_hash_table_insert (secret_uses, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (uses) - 1));
      else
        {
          g_hash_table_remove (secret_uses, key);
          g_ptr_array_remove (secrets, key);   /* wiped by its free function */
        }
    }
  g_mutex_unlock (&secrets_lock);
}

void
sy_log_clear_secrets (void)
{
  g_mutex_lock (&secrets_lock);
  g_clear_pointer (&secret_uses, g_hash_table_unref);
  g_clear_pointer (&secrets, g_ptr_array_unref);
  g_mutex_unlock (&secrets_lock);
}

static gboolean
is_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.';
}

static void
mask_shapes (GString *str)
{
  for (guint p = 0; key_prefixes[p] != NULL; p++)
    {
      gsize plen = strlen (key_prefixes[p]);
      gsize pos = 0;
      const char *hit;

      while ((hit = strstr (str->str + pos, key_prefixes[p])) != NULL)
        {
          gsize start = hit - str->str;
          gsize end = start + plen;
          g_autofree char *token = NULL;
          g_autofree char *masked = NULL;

          /* Only whole tokens: "task-" must not match "sk-". */
          if (start > 0 && is_key_char (str->str[start - 1]))
            {
              pos = end;
              continue;
            }
          while (end < str->len && is_key_char (str->str[end]))
            end++;
          if (end - start < plen + 12)
            {
              pos = end;
              continue;
            }
          token = g_strndup (str->str + start, end - start);
          masked = sy_mask_secret (token);
          g_string_erase (str, start, end - start);
          g_string_insert (str, start, masked);
          pos = start + strlen (masked);
        }
    }
}

char *
sy_log_mask_secrets (const char *text)
{
  GString *str;

  if (text == NULL)
    return NULL;

  str = g_string_new (text);

  g_mutex_lock (&secrets_lock);
  for (guint i = 0; secrets != NULL && i < secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (secrets, i);

      if (strstr (str->str, secret) != NULL)
        {
          g_autofree char *masked = sy_mask_secret (secret);
          g_string_replace (str, secret, masked, 0);
        }
    }
  g_mutex_unlock (&secrets_lock);

  mask_shapes (str);

  return g_string_free (str, FALSE);
}

static const char *
level_name (GLogLevelFlags level)
{
  switch (level & G_LOG_LEVEL_MASK)
    {
    case G_LOG_LEVEL_ERROR:    return "ERROR";
    case G_LOG_LEVEL_CRITICAL: return "CRITICAL";
    case G_LOG_LEVEL_WARNING:  return "WARNING";
    case G_LOG_LEVEL_MESSAGE:  return "MESSAGE";
    case G_LOG_LEVEL_INFO:     return "INFO";
    case G_LOG_LEVEL_DEBUG:    return "DEBUG";
    default:                   return "LOG";
    }
}

/* Takes @line. */
static void
remember_line (GLogLevelFlags  level,
               char           *line)
{
  g_mutex_lock (&recent_lock);
  g_free (recent[recent_next]);
  recent[recent_next] = line;
  recent_next = (recent_next + 1) % SY_LOG_RECENT_LINES;
  if (recent_count < SY_LOG_RECENT_LINES)
    recent_count++;
  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    {
      Listener *l = &g_array_index (listeners, Listener, i);

      l->func (level & G_LOG_LEVEL_MASK, line, l->user_data);
    }
  g_mutex_unlock (&recent_lock);
}

/* Called with recent_lock held. */
static char **
dup_recent_locked (guint max)
{
  GPtrArray *out = g_ptr_array_new ();
  guint n, first;

  n = max > 0 ? MIN (max, recent_count) : recent_count;
  first = (recent_next + SY_LOG_RECENT_LINES - n) % SY_LOG_RECENT_LINES;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (out, g_strdup (recent[(first + i) % SY_LOG_RECENT_LINES]));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

char **
sy_log_dup_recent (guint max)
{
  char **out;

  g_mutex_lock (&recent_lock);
  out = dup_recent_locked (max);
  g_mutex_unlock (&recent_lock);
  return out;
}

guint
sy_log_add_listener_with_recent (SyLogListener   func,
                                 gpointer        user_data,
                                 GDestroyNotify  destroy,
                                 guint           max,
                                 char         ***recent_out)
{
  Listener l = { 0, func, user_data, destroy };

  g_return_val_if_fail (func != NULL, 0);

  g_mutex_lock (&recent_lock);
  if (listeners == NULL)
    listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  l.id = listener_next_id++;
  if (listener_next_id == 0)
    listener_next_id = 1;
  g_array_append_val (listeners, l);
  if (recent_out != NULL)
    *recent_out = dup_recent_locked (max);
  g_mutex_unlock (&recent_lock);
  return l.id;
}

guint
sy_log_add_listener (SyLogListener   func,
                     gpointer        user_data,
                     GDestroyNotify  destroy)
{
  return sy_log_add_listener_with_recent (func, user_data, destroy, 0, NULL);
}

void
sy_log_remove_listener (guint id)
{
  Listener removed = { 0 };

  g_mutex_lock (&recent_lock);
  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    if (g_array_index (listeners, Listener, i).id == id)
      {
        removed = g_array_index (listeners, Listener, i);
        g_array_remove_index (listeners, i);
        break;
      }
  g_mutex_unlock (&recent_lock);
  /* Outside the lock: the destroy function may log. */
  if (removed.id == 0)
    g_warning ("no log listener %u", id);
  else if (removed.destroy != NULL)
    removed.destroy (removed.user_data);
}

/* Lines carry "2025-06-01T12:34:56.789+02:00": a zone, so a reader
 * elsewhere (the management API's after=) gets the instant right. The
 * local date, time and zone of one second are formatted once: a line
 * costs two small prints, not three GDateTime formats (this runs on every
 * request's summary line). Each thread keeps its own. */
typedef struct
{
  gint64 second;
  char   date_time[24];   /* 2026-11-27T04:32:23 */
  char   zone[8];         /* +01:00 */
} StampCache;

static const StampCache *
stamp_for (gint64 now_us)
{
  static _Thread_local StampCache cache = { G_MININT64, "", "" };
  gint64 second = now_us / G_USEC_PER_SEC;

  if (second != cache.second)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (second);
      g_autofree char *date_time = dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S") : NULL;
      g_autofree char *zone = dt ? g_date_time_format (dt, "%:z") : NULL;

      g_strlcpy (cache.date_time, date_time ? date_time : "1970-01-01T00:00:00", sizeof cache.date_time);
      g_strlcpy (cache.zone, zone ? zone : "Z", sizeof cache.zone);
      cache.second = second;
    }
  return &cache;
}

static GLogWriterOutput
sy_log_writer (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;
  g_autofree char *masked = NULL;
  gint64 now_us;
  const StampCache *stamp;
  int ms;
  char *line;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  /* --debug traces Switchyard's own domains, not every library's. */
  if ((level & G_LOG_LEVEL_DEBUG) &&
      (!sy_log_get_debug () || domain == NULL ||
       !(g_str_has_prefix (domain, "sy-") || g_str_equal (domain, "switchyard"))))
    return G_LOG_WRITER_HANDLED;

  masked = sy_log_mask_secrets (message ? message : "");
  now_us = g_get_real_time ();
  stamp = stamp_for (now_us);
  ms = (int) ((now_us % G_USEC_PER_SEC) / 1000);

  /* stderr: the time of day to the millisecond (the date part of the
   * stamp is the first 11 characters). */
  if (log_use_color && (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
    fprintf (stderr, "%s.%03d \033[1;31m%s\033[0m %s: %s\n", stamp->date_time + 11, ms, level_name (level),
             domain ? domain : "switchyard", masked);
  else
    fprintf (stderr, "%s.%03d %s %s: %s\n", stamp->date_time + 11, ms, level_name (level),
             domain ? domain : "switchyard", masked);
  fflush (stderr);

  line = g_strdup_printf ("%s.%03d%s %s %s: %s", stamp->date_time, ms, stamp->zone, level_name (level),
                          domain ? domain : "switchyard", masked);
  sy_log_file_write (line);
  remember_line (level, line);

  return G_LOG_WRITER_HANDLED;
}

/* The config's say; --debug (sy_log_init) wins over a config without it. */
void
sy_log_set_debug (gboolean debug)
{
  g_atomic_int_set (&log_debug_config, !!debug);
}

gboolean
sy_log_get_debug (void)
{
  return g_atomic_int_get (&log_debug_forced) || g_atomic_int_get (&log_debug_config);
}

void
sy_log_init (gboolean debug)
{
  log_debug_forced = !!debug;
  log_use_color = g_log_writer_supports_color (fileno (stderr));
  g_log_set_writer_func (sy_log_writer, NULL, NULL);
}
