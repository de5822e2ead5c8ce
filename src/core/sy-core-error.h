/* sy-core-error.h: the error domain of the core layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_CORE_ERROR (sy_core_error_quark ())

typedef enum
{
  SY_CORE_ERROR_CONFIG_SYNTAX,    /* YAML does not parse */
  SY_CORE_ERROR_CONFIG_INVALID,   /* YAML parses but a value has the wrong type or range */
  SY_CORE_ERROR_CONFIG_IO,        /* file cannot be read or written */
  SY_CORE_ERROR_HTTP_CONNECT,     /* could not connect / resolve / connection dropped: 502 */
  SY_CORE_ERROR_HTTP_TIMEOUT,     /* connect or idle timeout: 504 */
  SY_CORE_ERROR_HTTP_TLS,         /* TLS handshake or verification failed: 502 */
  SY_CORE_ERROR_HTTP_PROXY,       /* proxy URL invalid or proxy failed: 502 */
  SY_CORE_ERROR_HTTP_FAILED,      /* any other transfer failure: 502 */
  SY_CORE_ERROR_SSE_TOO_LARGE,    /* one SSE event exceeds the reader's limit */
} SyCoreError;

GQuark sy_core_error_quark (void);

G_END_DECLS
