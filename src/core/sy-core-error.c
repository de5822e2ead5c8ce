/* sy-core-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-core-error.h"

G_DEFINE_QUARK (sy-core-error-quark, sy_core_error)
