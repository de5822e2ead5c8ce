/* app-test-util.h: the desktop app's windows under test
 *
 * For tests run in tests/headless-session.sh (Xvfb, a private bus): a
 * service built from a config file in a throwaway directory (so edits
 * through the core write a real file), windows shown and waited for,
 * widgets found in the tree, screenshots saved to $SHOT_DIR.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"

G_BEGIN_DECLS

typedef struct
{
  char      *dir;          /* the throwaway directory, removed at clear */
  char      *config_path;  /* dir/config.yaml */
  SyService *service;      /* started, listening on 127.0.0.1:<free port> */
} AppTestService;

/* Writes @yaml to a config.yaml of its own (with "port: 0", the service
 * picks a free port), builds the service from that file with its usage
 * database and state file in the same directory, and starts it. Logins
 * are not loaded: call app_test_load_logins() for them. */
void       app_test_service_init    (AppTestService *t,
                                     const char     *yaml);
void       app_test_service_clear   (AppTestService *t);
/* Loads the logins (a file token store in the directory) and waits. */
void       app_test_load_logins     (AppTestService *t);
/* Replaces config.yaml's text (as a person editing it by hand would) and
 * waits until the service reloaded it. */
void       app_test_rewrite_config  (AppTestService *t,
                                     const char     *yaml);

/* Runs the main context until @cond holds or @timeout_ms pass. */
gboolean   app_test_spin_until      (gboolean      (*cond) (gpointer),
                                     gpointer        data,
                                     guint           timeout_ms);
void       app_test_spin_for        (guint           ms);

/* Shows @window and waits until it is mapped and drawn. */
void       app_test_show            (GtkWidget      *window);
/* Saves @widget's window as @name (a .png) in $SHOT_DIR; returns the path. */
char      *app_test_screenshot      (GtkWidget      *widget,
                                     const char     *name);

/* Depth-first: the first widget under @root (itself included) of @type
 * (G_TYPE_NONE: any) whose text matches the glob @pattern (NULL: any).
 * The text is a label's, a button's label, an entry's, or the accessible
 * name. Searches inside GtkListBox rows and GtkStack pages too. */
GtkWidget *app_test_find            (GtkWidget      *root,
                                     GType           type,
                                     const char     *pattern);
/* The widget whose GtkBuildable id (the template child's name) or widget
 * name is @name. */
GtkWidget *app_test_find_named      (GtkWidget      *root,
                                     const char     *name);
/* Every widget's text under @root, one per line (for messages on
 * failure). */
char      *app_test_dump            (GtkWidget      *root);

/* A request to the service on loopback; the status, and the body in
 * @body_out (may be NULL). */
guint      app_test_request         (AppTestService *t,
                                     const char     *method,
                                     const char     *path,
                                     const char     *json_body,
                                     char          **body_out);
/* The same with @headers ("Name: value" strings, NULL-terminated; may be
 * NULL), e.g. a client's "Authorization: Bearer KEY". */
guint      app_test_request_with_headers (AppTestService     *t,
                                          const char         *method,
                                          const char         *path,
                                          const char         *json_body,
                                          const char * const *headers,
                                          char              **body_out);

G_END_DECLS
