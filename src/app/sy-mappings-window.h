/* sy-mappings-window.h: the Model mappings window (model-mappings, oauth-model-alias)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

#define SY_TYPE_MAPPINGS_WINDOW (sy_mappings_window_get_type ())

G_DECLARE_FINAL_TYPE (SyMappingsWindow, sy_mappings_window, SY, MAPPINGS_WINDOW, GtkApplicationWindow)

GtkWidget *sy_mappings_window_new         (SyService         *service);

/* What the Export and Import buttons do once a file is chosen (and, for
 * an import, the person said how): the tables as shown, written as JSON
 * ({"model-mappings": [...], "oauth-model-alias": {...}}) or, for a name
 * ending in .yaml or .yml, as config.yaml keys. An import reads either
 * (or a bare JSON list of mappings); @replace drops the rows there are,
 * else only entries not there yet are added. The result is saved as an
 * edit would be (entries the window marks invalid keep it from being
 * written). */
gboolean   sy_mappings_window_export_file (SyMappingsWindow  *self,
                                           GFile             *file,
                                           GError           **error);
gboolean   sy_mappings_window_import_file (SyMappingsWindow  *self,
                                           GFile             *file,
                                           gboolean           replace,
                                           GError           **error);

G_END_DECLS
