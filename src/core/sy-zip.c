/* sy-zip.c: a small .zip writer (stored or deflated entries, in memory)
 *
 * The layout is PKWARE's APPNOTE: per entry a local header and its data,
 * then the central directory (one record per entry) and its end record.
 * Sizes and CRCs are known before each entry is written, so no data
 * descriptors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sy-core"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "sy-zip.h"

#define SIG_LOCAL    0x04034b50u
#define SIG_CENTRAL  0x02014b50u
#define SIG_END      0x06054b50u
#define METHOD_STORE   0
#define METHOD_DEFLATE 8
#define FLAG_UTF8    0x0800      /* names are UTF-8 */
#define VERSION_NEEDED 20        /* 2.0: deflate */
#define MADE_BY_UNIX (3 << 8 | 20)

struct _SyZip
{
  GByteArray *data;       /* local headers and entry data */
  GByteArray *central;    /* central directory records */
  guint       n_entries;
  guint16     dos_time;
  guint16     dos_date;
};

static void
put16 (GByteArray *out,
       guint16     v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };

  g_byte_array_append (out, b, 2);
}

static void
put32 (GByteArray *out,
       guint32     v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (out, b, 4);
}

SyZip *
sy_zip_new (void)
{
  SyZip *self = g_new0 (SyZip, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int year = g_date_time_get_year (now);

  self->data = g_byte_array_new ();
  self->central = g_byte_array_new ();
  /* MS-DOS time: two-second steps, years from 1980. */
  year = CLAMP (year, 1980, 2107);
  self->dos_time = (guint16) (g_date_time_get_hour (now) << 11 | g_date_time_get_minute (now) << 5 |
                              g_date_time_get_second (now) / 2);
  self->dos_date = (guint16) ((year - 1980) << 9 | g_date_time_get_month (now) << 5 |
                              g_date_time_get_day_of_month (now));
  return self;
}

void
sy_zip_free (SyZip *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->data);
  g_byte_array_unref (self->central);
  g_free (self);
}

/* Raw deflate of @data; NULL when it would not be smaller. */
static guint8 *
deflate_data (const guint8 *data,
              gsize         len,
              gsize        *out_len)
{
  z_stream zs;
  guint8 *out;
  uLong bound;
  int rc;

  memset (&zs, 0, sizeof zs);
  /* Negative window bits: raw deflate, the zip headers carry the rest. */
  if (deflateInit2 (&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  bound = deflateBound (&zs, (uLong) len);
  out = g_malloc (bound);
  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) len;
  zs.next_out = out;
  zs.avail_out = (uInt) bound;
  rc = deflate (&zs, Z_FINISH);
  *out_len = zs.total_out;
  deflateEnd (&zs);
  if (rc != Z_STREAM_END || *out_len >= len)
    {
      g_free (out);
      return NULL;
    }
  return out;
}

gboolean
sy_zip_add (SyZip         *self,
            const char    *name,
            gconstpointer  data,
            gsize          len,
            GError       **error)
{
  gsize name_len = strlen (name);
  g_autofree guint8 *packed = NULL;
  gsize packed_len = 0;
  guint16 method = METHOD_STORE;
  guint32 crc;
  guint32 offset = self->data->len;

  if (name_len == 0 || name_len > G_MAXUINT16 || name[0] == '/' || strstr (name, "..") != NULL ||
      !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad entry name '%s'", name);
      return FALSE;
    }
  /* No ZIP64: every size and offset must fit 32 bits. */
  if (len >= G_MAXUINT32 || self->data->len + (guint64) len + name_len + 64 >= G_MAXUINT32 ||
      self->n_entries >= G_MAXUINT16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s: the archive would exceed 4 GiB", name);
      return FALSE;
    }

  crc = (guint32) crc32 (crc32 (0L, Z_NULL, 0), data, (uInt) len);
  if (len > 0)
    packed = deflate_data (data, len, &packed_len);
  if (packed != NULL)
    method = METHOD_DEFLATE;
  else
    packed_len = len;

  put32 (self->data, SIG_LOCAL);
  put16 (self->data, VERSION_NEEDED);
  put16 (self->data, FLAG_UTF8);
  put16 (self->data, method);
  put16 (self->data, self->dos_time);
  put16 (self->data, self->dos_date);
  put32 (self->data, crc);
  put32 (self->data, (guint32) packed_len);
  put32 (self->data, (guint32) len);
  put16 (self->data, (guint16) name_len);
  put16 (self->data, 0);                      /* extra field length */
  g_byte_array_append (self->data, (const guint8 *) name, (guint) name_len);
  g_byte_array_append (self->data, packed ? packed : data, (guint) packed_len);

  put32 (self->central, SIG_CENTRAL);
  put16 (self->central, MADE_BY_UNIX);
  put16 (self->central, VERSION_NEEDED);
  put16 (self->central, FLAG_UTF8);
  put16 (self->central, method);
  put16 (self->central, self->dos_time);
  put16 (self->central, self->dos_date);
  put32 (self->central, crc);
  put32 (self->central, (guint32) packed_len);
  put32 (self->central, (guint32) len);
  put16 (self->central, (guint16) name_len);
  put16 (self->central, 0);                   /* extra field length */
  put16 (self->central, 0);                   /* comment length */
  put16 (self->central, 0);                   /* disk number */
  put16 (self->central, 0);                   /* internal attributes */
  put32 (self->central, 0100600u << 16);      /* Unix mode: a private regular file */
  put32 (self->central, offset);
  g_byte_array_append (self->central, (const guint8 *) name, (guint) name_len);

  self->n_entries++;
  return TRUE;
}

GBytes *
sy_zip_finish (SyZip *self)
{
  GByteArray *out = g_byte_array_sized_new (self->data->len + self->central->len + 22);

  g_byte_array_append (out, self->data->data, self->data->len);
  g_byte_array_append (out, self->central->data, self->central->len);
  put32 (out, SIG_END);
  put16 (out, 0);                             /* this disk */
  put16 (out, 0);                             /* disk with the central directory */
  put16 (out, (guint16) self->n_entries);
  put16 (out, (guint16) self->n_entries);
  put32 (out, self->central->len);
  put32 (out, self->data->len);
  put16 (out, 0);                             /* comment length */
  return g_byte_array_free_to_bytes (out);
}
