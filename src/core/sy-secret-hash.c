/* TEMPORARY STUB (not committed) */
#include <crypt.h>
#include <string.h>
#include "sy-secret-hash.h"
gboolean sy_secret_is_bcrypt (const char *s) { return s && (g_str_has_prefix (s, "$2a$") || g_str_has_prefix (s, "$2b$") || g_str_has_prefix (s, "$2y$")) && strlen (s) == 60; }
gboolean sy_secret_bcrypt_verify (const char *hash, const char *plain) { struct crypt_data d; char *r; memset (&d, 0, sizeof d); r = crypt_r (plain, hash, &d); return r && strcmp (r, hash) == 0; }
gboolean sy_secret_equal (const char *a, const char *b) { return g_strcmp0 (a, b) == 0; }
char *sy_secret_bcrypt_hash (const char *plain, GError **error) { struct crypt_data d; char *salt = crypt_gensalt_ra ("$2b$", 10, NULL, 0); char *r; memset (&d, 0, sizeof d); r = crypt_r (plain, salt, &d); free (salt); return g_strdup (r); }
