/* sy-login-channels.h: what request builders and the command line need from
 * particular sign-ins
 *
 * Kimi identifies the program and the device on every call, sign-in and API
 * alike; a Vertex AI service account is imported from its key file rather
 * than signed in to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sy-credential.h"

G_BEGIN_DECLS

/* Kimi's X-Msh-* headers: this program ("switchyard" and its version), this
 * machine's name and system, and @device_id (the random id the login was
 * given at sign-in). Name, value, name, value, ..., NULL. */
GStrv          sy_kimi_headers_new          (const char   *device_id);

/* A login from a Google service-account key (the JSON file the Cloud
 * console downloads). The key is checked (a service account's, with a
 * readable RSA private key, its e-mail, project and token URI) and kept as
 * the login's secret; access tokens are minted from it when the login is
 * renewed, the first time as soon as the service has it. @prefix (may be
 * NULL) is trimmed of spaces and '/'; one that still holds a '/' is refused.
 * @location: NULL for "us-central1". G_IO_ERROR_INVALID_DATA for a file that
 * is not such a key; the message never quotes the key. */
SyCredential  *sy_vertex_credential_new     (const char   *key_json,
                                             gssize        length,
                                             const char   *prefix,
                                             const char   *location,
                                             GError      **error);

G_END_DECLS
