/* sy-integration.h: reversible setup of coding tools to use Switchyard
 *
 * Each tool names the files it writes (relative to a home directory) and
 * how Switchyard's settings merge into a file's current text. Applying
 * backs up every file it changes, writes atomically and keeps a record
 * (JSON) of what it wrote, so the change can be shown and undone:
 *
 *   $XDG_STATE_HOME/switchyard/integrations/TOOL/record.json
 *   $XDG_STATE_HOME/switchyard/integrations/TOOL/STAMP/N-NAME  (backups, 0600)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_INTEGRATION_ERROR (sy_integration_error_quark ())

typedef enum
{
  SY_INTEGRATION_ERROR_UNKNOWN_TOOL,
  SY_INTEGRATION_ERROR_PARSE,         /* the tool's file is not what its format says */
  SY_INTEGRATION_ERROR_IO,
  SY_INTEGRATION_ERROR_NOT_CONNECTED, /* restore without a record */
  SY_INTEGRATION_ERROR_CHANGED,       /* restore refused: the file changed since setup */
} SyIntegrationError;

GQuark sy_integration_error_quark (void);

/* What a tool is pointed at. */
typedef struct
{
  const char *home;       /* the tools' files are under it ($HOME) */
  const char *state_dir;  /* records and backups: .../switchyard/integrations */
  const char *base_url;   /* "http://127.0.0.1:8317", no trailing slash */
  const char *api_key;    /* a client key of the config; NULL when none is needed */
  const char *model;      /* NULL: the tool's own default stays */
} SyIntegrationContext;

/* Returns @old_text (NULL: the file does not exist) with Switchyard's
 * settings merged in; the user's other settings stay. */
typedef char *(*SyIntegrationMergeFunc) (const SyIntegrationContext *context,
                                         const char                 *old_text,
                                         GError                    **error);

typedef struct
{
  const char             *path;   /* relative to the home directory */
  SyIntegrationMergeFunc  merge;
} SyIntegrationFile;

typedef struct
{
  const char              *id;     /* "claude-code" */
  const char              *title;  /* "Claude Code" */
  const SyIntegrationFile *files;
  guint                    n_files;
} SyIntegration;

typedef enum
{
  SY_INTEGRATION_NOT_CONNECTED,
  SY_INTEGRATION_CONNECTED,
  SY_INTEGRATION_CHANGED,   /* set up, but a file changed since */
} SyIntegrationState;

/* The tools, NULL-terminated. */
const SyIntegration * const *sy_integrations          (void);
const SyIntegration         *sy_integration_lookup    (const char                 *id);

/* $XDG_STATE_HOME/switchyard/integrations */
char                        *sy_integration_default_state_dir (void);

/* What apply would write, as a unified diff per file ("" when nothing
 * would change). Writes nothing. */
char                        *sy_integration_preview   (const SyIntegration        *tool,
                                                       const SyIntegrationContext *context,
                                                       GError                    **error);

/* Backs up, merges and writes the tool's files, and records it. Applying
 * again keeps the first backup (the user's own files) and updates the
 * record. *@changed (may be NULL) tells whether a file was written. */
gboolean                     sy_integration_apply     (const SyIntegration        *tool,
                                                       const SyIntegrationContext *context,
                                                       gboolean                   *changed,
                                                       GError                    **error);

/* Puts each backup back byte for byte (deletes a file that did not exist
 * before) and forgets the record. A file changed since setup stops it
 * (CHANGED, nothing restored) unless @force. */
gboolean                     sy_integration_restore   (const SyIntegration        *tool,
                                                       const SyIntegrationContext *context,
                                                       gboolean                    force,
                                                       GError                    **error);

/* The tool's state; *@since (may be NULL) gets the setup time
 * (ISO 8601) when there is a record. */
SyIntegrationState           sy_integration_status    (const SyIntegration        *tool,
                                                       const SyIntegrationContext *context,
                                                       char                      **since);

/* A unified diff of @old_text (NULL: absent) and @new_text under @label. */
char                        *sy_integration_diff      (const char                 *label,
                                                       const char                 *old_text,
                                                       const char                 *new_text);

G_END_DECLS
