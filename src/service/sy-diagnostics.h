/* sy-diagnostics.h: a .zip to attach to a bug report, secrets masked
 *
 * The bundle holds:
 *   versions.txt     Switchyard and its libraries, the OS
 *   config.yaml      the config, every key, token and password masked
 *   accounts.json    ids, providers, labels, enabled, cooldowns, quota,
 *                    counters, last errors (masked)
 *   last-errors.txt  the accounts' last errors and the recent warnings
 *   recent.log       the last 500 log lines (main.log with logging-to-file,
 *                    else the lines this process logged)
 * Everything in it went through sy_log_mask_secrets() and through the
 * config's own secrets, whether they were registered or not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-config.h"

G_BEGIN_DECLS

/* {"accounts":[…]} from SyAccountState items (sy_service_get_accounts()). */
JsonNode *sy_diagnostics_accounts_json  (GListModel  *accounts,
                                         gint64       now_us);
/* The config as JSON text (which YAML reads too), secrets masked. */
char     *sy_diagnostics_redact_config  (SyConfig    *config);
/* @accounts: as sy_diagnostics_accounts_json() makes it, or NULL. */
GBytes   *sy_diagnostics_build          (SyConfig    *config,
                                         JsonNode    *accounts,
                                         GError     **error);
/* Writes the bundle to @zip_path (mode 0600). */
gboolean  sy_diagnostics_write          (const char  *zip_path,
                                         SyConfig    *config,
                                         JsonNode    *accounts,
                                         GError     **error);

G_END_DECLS
