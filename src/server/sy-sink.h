/* sy-sink.h: where the pipeline writes its response
 *
 * The pipeline never sees HTTP: the server adapts a SoupServerMessage to this
 * interface, tests can adapt anything else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SySink SySink;

typedef struct
{
  /* A whole response at once (non-streaming answers and errors). */
  void  (*respond)     (SySink     *sink,
                        guint       status,
                        const char *content_type,
                        GBytes     *body);
  /* A streamed response: begin, write…, finish. */
  void  (*begin)       (SySink     *sink,
                        guint       status,
                        const char *content_type);
  void  (*write)       (SySink     *sink,
                        const char *data,
                        gsize       len);
  void  (*finish)      (SySink     *sink);
  /* Bytes written but not yet handed to the client's socket. */
  gsize (*get_pending) (SySink     *sink);
  /* One response header, set before respond() or begin(). */
  void  (*set_header)  (SySink     *sink,
                        const char *name,
                        const char *value);
} SySinkVTable;

struct _SySink
{
  const SySinkVTable *vtable;
};

G_END_DECLS
