/* sy-limits.c: per-client request rate and concurrency limits
 *
 * One entry per client (an API key, or an address when there are none):
 * a token bucket that holds requests-per-minute tokens and refills at that
 * many a minute (so a client may burst its whole minute at once, then goes
 * at the steady rate), and the number of its requests in flight. Everything
 * runs on the server's main loop: no lock.
 *
 * An entry idle for a minute has a full bucket and nothing in flight: it
 * says nothing a new one would not, so it is forgotten. The table holds at
 * most the clients of the last minute, and never more than MAX_CLIENTS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-server"

#include "config.h"

#include <math.h>

#include "sy-limits.h"

#define IDLE_US      (60 * G_USEC_PER_SEC)
#define MAX_CLIENTS  10000

typedef struct
{
  char   *who;
  int     rate;          /* the requests-per-minute the bucket was filled for */
  double  tokens;
  gint64  refilled_us;
  gint64  used_us;       /* the last acquire */
  guint   in_flight;
} Client;

struct _SyLimiter
{
  gint        ref_count;
  GHashTable *clients;   /* who -> Client* */
  gint64      swept_us;
};

struct _SyLimitSlot
{
  SyLimiter *limiter;
  Client    *client;
};

static void
client_free (gpointer data)
{
  Client *client = data;

  g_free (client->who);
  g_free (client);
}

SyLimiter *
sy_limiter_new (void)
{
  SyLimiter *self = g_new0 (SyLimiter, 1);

  self->ref_count = 1;
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, client_free);
  return self;
}

SyLimiter *
sy_limiter_ref (SyLimiter *self)
{
  self->ref_count++;
  return self;
}

void
sy_limiter_unref (SyLimiter *self)
{
  if (--self->ref_count > 0)
    return;
  g_hash_table_unref (self->clients);
  g_free (self);
}

/* Forgets the clients with nothing in flight that were idle @idle_us. */
static void
sweep (SyLimiter *self,
       gint64     now_us,
       gint64     idle_us)
{
  GHashTableIter iter;
  Client *client;

  self->swept_us = now_us;
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &client))
    if (client->in_flight == 0 && now_us - client->used_us >= idle_us)
      g_hash_table_iter_remove (&iter);
}

static void
refill (Client *client,
        int     rate,
        gint64  now_us)
{
  gint64 elapsed = now_us - client->refilled_us;

  /* A new limit (a reload) starts with a full bucket of its own. */
  if (client->rate != rate)
    {
      client->rate = rate;
      client->tokens = rate;
    }
  else if (elapsed > 0)
    client->tokens = MIN ((double) rate, client->tokens + (double) elapsed * rate / (double) IDLE_US);
  /* The wall clock may step back: wait for it rather than refill twice. */
  if (elapsed > 0 || client->refilled_us == 0)
    client->refilled_us = now_us;
}

SyLimitResult
sy_limiter_acquire (SyLimiter    *self,
                    const char   *who,
                    int           requests_per_minute,
                    int           concurrent_requests,
                    gint64        now_us,
                    SyLimitSlot **slot,
                    guint        *retry_after_s)
{
  Client *client;

  *slot = NULL;
  *retry_after_s = 0;
  if (requests_per_minute <= 0 && concurrent_requests <= 0)
    return SY_LIMIT_OK;

  if (now_us - self->swept_us >= IDLE_US || now_us < self->swept_us)
    sweep (self, now_us, IDLE_US);
  client = g_hash_table_lookup (self->clients, who);
  if (client == NULL)
    {
      /* Full of clients of the last minute (many addresses, say): the
       * idle ones go now, the busy ones stay counted. */
      if (g_hash_table_size (self->clients) >= MAX_CLIENTS)
        sweep (self, now_us, 0);
      client = g_new0 (Client, 1);
      client->who = g_strdup (who);
      client->rate = -1;
      g_hash_table_insert (self->clients, client->who, client);
    }
  client->used_us = now_us;

  if (concurrent_requests > 0 && client->in_flight >= (guint) concurrent_requests)
    {
      /* No telling when one ends: soon, as a rule. */
      *retry_after_s = 1;
      return SY_LIMIT_CONCURRENT;
    }
  if (requests_per_minute > 0)
    {
      refill (client, requests_per_minute, now_us);
      if (client->tokens < 1.0)
        {
          double wait_s = (1.0 - client->tokens) * 60.0 / requests_per_minute;

          *retry_after_s = (guint) MAX (1.0, ceil (wait_s));
          return SY_LIMIT_RATE;
        }
      client->tokens -= 1.0;
    }
  else
    client->rate = -1;

  client->in_flight++;
  *slot = g_new0 (SyLimitSlot, 1);
  (*slot)->limiter = sy_limiter_ref (self);
  (*slot)->client = client;
  return SY_LIMIT_OK;
}

void
sy_limit_slot_release (SyLimitSlot *slot)
{
  if (slot == NULL)
    return;
  /* A client with a request in flight is never swept: still there. */
  g_assert (slot->client->in_flight > 0);
  /* used_us stays the last acquire: a minute after it the bucket is full
   * again, however long this request took. */
  slot->client->in_flight--;
  sy_limiter_unref (slot->limiter);
  g_free (slot);
}

guint
sy_limiter_get_n_clients (SyLimiter *self)
{
  return g_hash_table_size (self->clients);
}

guint
sy_limiter_get_in_flight (SyLimiter  *self,
                          const char *who)
{
  Client *client = g_hash_table_lookup (self->clients, who);

  return client != NULL ? client->in_flight : 0;
}

/* ---------------------------------------------------------------------- */
/* Lockout after invalid keys                                              */

typedef struct
{
  guint  failures;
  gint64 last_us;
  gint64 banned_until;
} Offender;

struct _SyLockout
{
  GHashTable *offenders;   /* who -> Offender */
  guint       max_failures;
  gint64      ban_us;
};

/* Offenders remembered at most: beyond it, those not banned and not heard
 * from for a ban's length are forgotten first, then all not banned. */
#define MAX_OFFENDERS 4096

SyLockout *
sy_lockout_new (guint  max_failures,
                gint64 ban_us)
{
  SyLockout *self = g_new0 (SyLockout, 1);

  self->offenders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max_failures = MAX (max_failures, 1);
  self->ban_us = ban_us;
  return self;
}

void
sy_lockout_free (SyLockout *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->offenders);
  g_free (self);
}

gint64
sy_lockout_check (SyLockout  *self,
                  const char *who,
                  gint64      now_us)
{
  Offender *o = g_hash_table_lookup (self->offenders, who);

  if (o == NULL || o->banned_until == 0)
    return 0;
  if (now_us < o->banned_until)
    return o->banned_until - now_us;
  g_hash_table_remove (self->offenders, who);
  return 0;
}

typedef struct
{
  gint64 now_us;
  gint64 idle_us;
} SweepData;

static gboolean
offender_is_idle (gpointer key,
                  gpointer value,
                  gpointer user_data)
{
  Offender *o = value;
  SweepData *d = user_data;

  return o->banned_until <= d->now_us && d->now_us - o->last_us >= d->idle_us;
}

gboolean
sy_lockout_fail (SyLockout  *self,
                 const char *who,
                 gint64      now_us)
{
  Offender *o = g_hash_table_lookup (self->offenders, who);

  if (o == NULL)
    {
      if (g_hash_table_size (self->offenders) >= MAX_OFFENDERS)
        {
          SweepData d = { now_us, self->ban_us };

          g_hash_table_foreach_remove (self->offenders, offender_is_idle, &d);
          d.idle_us = 0;
          if (g_hash_table_size (self->offenders) >= MAX_OFFENDERS)
            g_hash_table_foreach_remove (self->offenders, offender_is_idle, &d);
        }
      o = g_new0 (Offender, 1);
      g_hash_table_insert (self->offenders, g_strdup (who), o);
    }
  /* Failures a ban's length apart do not add up. */
  if (o->last_us != 0 && now_us - o->last_us >= self->ban_us)
    o->failures = 0;
  o->last_us = now_us;
  if (++o->failures < self->max_failures)
    return FALSE;
  o->failures = 0;
  o->banned_until = now_us + self->ban_us;
  return TRUE;
}

void
sy_lockout_succeed (SyLockout  *self,
                    const char *who)
{
  g_hash_table_remove (self->offenders, who);
}

guint
sy_lockout_get_n_offenders (SyLockout *self)
{
  return g_hash_table_size (self->offenders);
}
