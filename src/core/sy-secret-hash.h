/* TEMPORARY STUB (not committed) */
#pragma once
#include <glib.h>
gboolean sy_secret_is_bcrypt (const char *s);
gboolean sy_secret_bcrypt_verify (const char *hash, const char *plain);
gboolean sy_secret_equal (const char *a, const char *b);
char *sy_secret_bcrypt_hash (const char *plain, GError **error);
