/* fake-secret-os.h: controls of the in-memory stand-in for the OS secret store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* Empty, available, no size limit; the calling thread is the main one. */
void   fake_secret_os_reset             (void);
/* NULL: available again. */
void   fake_secret_os_set_unavailable   (const char *why);
/* Larger secrets are refused. */
void   fake_secret_os_set_max_secret    (size_t      max);
/* The secret kept for (@provider, @account), or NULL. Free with g_free(). */
char  *fake_secret_os_peek              (const char *provider,
                                         const char *account);
guint  fake_secret_os_count             (void);
guint  fake_secret_os_calls             (void);
/* Calls made from the thread that called fake_secret_os_reset(). */
guint  fake_secret_os_main_thread_calls (void);
