/* sy-sse.h: incremental server-sent-events reader and writer helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_SSE_DEFAULT_MAX_EVENT (16 * 1024 * 1024)

typedef struct
{
  const char *event;     /* "event:" field, NULL when absent */
  const char *data;      /* "data:" lines joined with '\n', "" when none */
  gsize       data_len;
  const char *id;        /* "id:" field, NULL when absent */
  const char *raw;       /* the whole block as received, without the final blank line */
  gsize       raw_len;
} SySseEvent;

/* Return FALSE to stop delivering further events from the current feed. */
typedef gboolean (*SySseEventFunc) (const SySseEvent *event,
                                    gpointer          user_data);

typedef struct _SySseReader SySseReader;

SySseReader *sy_sse_reader_new            (SySseEventFunc  func,
                                           gpointer        user_data);
void         sy_sse_reader_set_max_event  (SySseReader    *self,
                                           gsize           max_bytes);
gboolean     sy_sse_reader_feed           (SySseReader    *self,
                                           const char     *data,
                                           gsize           len,
                                           GError        **error);
gboolean     sy_sse_reader_finish         (SySseReader    *self,
                                           GError        **error);
void         sy_sse_reader_free           (SySseReader    *self);

void         sy_sse_append_event          (GString        *out,
                                           const char     *event,
                                           const char     *data,
                                           gssize          data_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySseReader, sy_sse_reader_free)

G_END_DECLS
