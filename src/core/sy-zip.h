/* sy-zip.h: a small .zip writer (stored or deflated entries, in memory)
 *
 * Enough for the diagnostics bundle: a few text files, no ZIP64, no
 * encryption. Each entry is deflated unless that does not make it smaller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SyZip SyZip;

SyZip    *sy_zip_new     (void);
void      sy_zip_free    (SyZip         *self);
/* @name: a relative path with '/' separators. */
gboolean  sy_zip_add     (SyZip         *self,
                          const char    *name,
                          gconstpointer  data,
                          gsize          len,
                          GError       **error);
/* The archive so far, with its central directory. */
GBytes   *sy_zip_finish  (SyZip         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyZip, sy_zip_free)

G_END_DECLS
