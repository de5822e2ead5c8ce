/* sy-clock.c: wall-clock time and one-shot timers, replaceable in tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-clock.h"

typedef struct
{
  guint        id;
  gint64       deadline;
  SyClockFunc  func;
  gpointer     user_data;
  GDestroyNotify destroy;
  guint        source;     /* GLib source: the system timeout, or the manual idle */
  SyClock     *clock;      /* borrowed */
} Timer;

struct _SyClock
{
  gint      ref_count;
  gboolean  manual;
  gboolean  auto_advance;
  gint64    now;           /* manual */
  guint     next_id;
  GList    *timers;        /* Timer*, by deadline */
};

SyClock *
sy_clock_new_system (void)
{
  SyClock *self = g_new0 (SyClock, 1);

  self->ref_count = 1;
  return self;
}

SyClock *
sy_clock_new_manual (gint64 start_us)
{
  SyClock *self = sy_clock_new_system ();

  self->manual = TRUE;
  self->now = start_us;
  return self;
}

SyClock *
sy_clock_ref (SyClock *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  self->ref_count++;
  return self;
}

static void
timer_free (Timer *timer)
{
  if (timer->source != 0)
    g_source_remove (timer->source);
  if (timer->destroy != NULL)
    timer->destroy (timer->user_data);
  g_free (timer);
}

void
sy_clock_unref (SyClock *self)
{
  if (self == NULL || --self->ref_count > 0)
    return;
  g_list_free_full (self->timers, (GDestroyNotify) timer_free);
  g_free (self);
}

static SyClock *default_clock;

SyClock *
sy_clock_get_default (void)
{
  if (default_clock == NULL)
    default_clock = sy_clock_new_system ();
  return default_clock;
}

void
sy_clock_set_default (SyClock *clock)
{
  if (clock != NULL)
    sy_clock_ref (clock);
  g_clear_pointer (&default_clock, sy_clock_unref);
  default_clock = clock;
}

gint64
sy_clock_now (SyClock *self)
{
  return self->manual ? self->now : g_get_real_time ();
}

static gint
compare_deadline (gconstpointer a,
                  gconstpointer b)
{
  const Timer *ta = a;
  const Timer *tb = b;

  if (ta->deadline != tb->deadline)
    return ta->deadline < tb->deadline ? -1 : 1;
  return ta->id < tb->id ? -1 : 1;
}

/* Unlinks @timer and runs it. The callback may add or cancel timers. */
static void
fire (SyClock *self,
      Timer   *timer)
{
  SyClockFunc func = timer->func;
  gpointer user_data = timer->user_data;
  GDestroyNotify destroy = timer->destroy;

  self->timers = g_list_remove (self->timers, timer);
  timer->source = 0;
  g_free (timer);
  func (user_data);
  if (destroy != NULL)
    destroy (user_data);
}

static gboolean
on_system_timeout (gpointer data)
{
  Timer *timer = data;

  fire (timer->clock, timer);
  return G_SOURCE_REMOVE;
}

static gboolean
on_auto_advance (gpointer data)
{
  Timer *timer = data;
  SyClock *self = timer->clock;

  if (timer->deadline > self->now)
    self->now = timer->deadline;
  fire (self, timer);
  return G_SOURCE_REMOVE;
}

guint
sy_clock_add (SyClock     *self,
              gint64       delay_us,
              SyClockFunc  func,
              gpointer     user_data)
{
  return sy_clock_add_full (self, delay_us, func, user_data, NULL);
}

guint
sy_clock_add_full (SyClock        *self,
                   gint64          delay_us,
                   SyClockFunc     func,
                   gpointer        user_data,
                   GDestroyNotify  destroy)
{
  Timer *timer = g_new0 (Timer, 1);

  timer->id = ++self->next_id;
  if (timer->id == 0)
    timer->id = ++self->next_id;
  timer->deadline = sy_clock_now (self) + MAX (delay_us, 0);
  timer->func = func;
  timer->user_data = user_data;
  timer->destroy = destroy;
  timer->clock = self;
  self->timers = g_list_insert_sorted (self->timers, timer, compare_deadline);

  if (!self->manual)
    timer->source = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                        (guint) MIN ((MAX (delay_us, 0) + 999) / 1000, G_MAXUINT),
                                        on_system_timeout, timer, NULL);
  else if (self->auto_advance)
    timer->source = g_idle_add (on_auto_advance, timer);
  return timer->id;
}

void
sy_clock_cancel (SyClock *self,
                 guint    id)
{
  for (GList *l = self->timers; l != NULL; l = l->next)
    {
      Timer *timer = l->data;

      if (timer->id == id)
        {
          self->timers = g_list_delete_link (self->timers, l);
          timer_free (timer);
          return;
        }
    }
}

void
sy_clock_advance (SyClock *self,
                  gint64   delta_us)
{
  gint64 target;

  g_return_if_fail (self->manual);

  target = self->now + MAX (delta_us, 0);
  while (self->timers != NULL && ((Timer *) self->timers->data)->deadline <= target)
    {
      Timer *timer = self->timers->data;

      if (timer->source != 0)
        g_source_remove (timer->source);
      if (timer->deadline > self->now)
        self->now = timer->deadline;
      fire (self, timer);
    }
  self->now = target;
}

void
sy_clock_set_auto_advance (SyClock  *self,
                           gboolean  auto_advance)
{
  g_return_if_fail (self->manual);
  self->auto_advance = auto_advance;
}
