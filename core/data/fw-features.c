/* fw-features.c — reading and checking features files (safetensors or
 * .npy), and attaching their rows to a dataset by manifest row.  The file
 * is checked whole (size, header, dtype, shape, row count, every value)
 * before the dataset is touched. */
#include "fw-features.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "fw-safetensors.h"

static gboolean
bad (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
bad (GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *shown = g_filename_display_name (path);
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE, _("%s: not a usable features file: %s"),
               shown, what);
  return FALSE;
}

void
fw_features_free (FwFeatures *f)
{
  if (!f)
    return;
  g_free (f->values);
  g_free (f);
}

/* ---- .npy ---------------------------------------------------------------
 * "\x93NUMPY", version, header length (2 bytes in 1.0, 4 in 2.0 and 3.0),
 * then a Python dict literal: {'descr': '<f4', 'fortran_order': False,
 * 'shape': (N, D), }.  Parsed by hand: only those keys, only those forms. */

static FwFeatures *features_from_tensor (const FwTensor *t, const char *path, int expected_rows,
                                         GError **error);

typedef struct {
  const char *p, *end;
} Cursor;

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n'))
    c->p++;
}

static gboolean
take (Cursor *c, char ch)
{
  skip_space (c);
  if (c->p < c->end && *c->p == ch)
    {
      c->p++;
      return TRUE;
    }
  return FALSE;
}

/* a quoted Python string without escapes (all the header ever holds) */
static char *
take_string (Cursor *c)
{
  skip_space (c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return NULL;
  char q = *c->p++;
  const char *s = c->p;
  while (c->p < c->end && *c->p != q && *c->p != '\\')
    c->p++;
  if (c->p >= c->end || *c->p != q)
    return NULL;
  return g_strndup (s, c->p++ - s);
}

static gboolean
take_word (Cursor *c, const char *word)
{
  skip_space (c);
  gsize n = strlen (word);
  if ((gsize) (c->end - c->p) >= n && memcmp (c->p, word, n) == 0)
    {
      c->p += n;
      return TRUE;
    }
  return FALSE;
}

/* (a, b) or (a,) or (); FALSE for anything else */
static gboolean
take_shape (Cursor *c, gint64 *dims, int *ndim)
{
  *ndim = 0;
  if (!take (c, '('))
    return FALSE;
  for (;;)
    {
      if (take (c, ')'))
        return TRUE;
      skip_space (c);
      if (c->p >= c->end || !g_ascii_isdigit (*c->p))
        return FALSE;
      gint64 v = 0;
      while (c->p < c->end && g_ascii_isdigit (*c->p))
        {
          if (v > G_MAXINT32)
            return FALSE;
          v = v * 10 + (*c->p++ - '0');
        }
      if (*ndim >= 8)
        return FALSE;
      dims[(*ndim)++] = v;
      if (!take (c, ',') && !(skip_space (c), c->p < c->end && *c->p == ')'))
        return FALSE;
    }
}

static FwFeatures *
parse_npy (const guint8 *raw, gsize size, const char *path, int expected_rows, GError **error)
{
  if (size < 10)
    {
      bad (error, path, _("it is %zu bytes long, too short for a NumPy header"), size);
      return NULL;
    }
  int major = raw[6];
  gsize header_len, start;
  if (major == 1)
    {
      header_len = raw[8] | (raw[9] << 8);
      start = 10;
    }
  else if (major == 2 || major == 3)
    {
      if (size < 12)
        {
          bad (error, path, _("it is %zu bytes long, too short for a NumPy header"), size);
          return NULL;
        }
      header_len = raw[8] | (raw[9] << 8) | ((gsize) raw[10] << 16) | ((gsize) raw[11] << 24);
      start = 12;
    }
  else
    {
      bad (error, path, _("NumPy format version %d is not one of 1, 2, 3"), major);
      return NULL;
    }
  if (header_len > size - start || header_len > 1 << 20)
    {
      bad (error, path, _("the NumPy header claims %zu bytes but the file has %zu"),
           header_len, size);
      return NULL;
    }

  Cursor c = { (const char *) raw + start, (const char *) raw + start + header_len };
  g_autofree char *descr = NULL;
  gboolean fortran = FALSE, seen_fortran = FALSE, seen_shape = FALSE;
  gint64 dims[8];
  int ndim = 0;
  if (!take (&c, '{'))
    goto syntax;
  while (!take (&c, '}'))
    {
      g_autofree char *key = take_string (&c);
      if (!key || !take (&c, ':'))
        goto syntax;
      if (strcmp (key, "descr") == 0)
        {
          g_free (descr);
          descr = take_string (&c);
          if (!descr)
            {
              bad (error, path, _("its dtype is not a plain type (a structured or pickled "
                                  "array?); save float32: np.save(path, x.astype('<f4'))"));
              return NULL;
            }
        }
      else if (strcmp (key, "fortran_order") == 0)
        {
          if (take_word (&c, "True"))
            fortran = TRUE;
          else if (!take_word (&c, "False"))
            goto syntax;
          seen_fortran = TRUE;
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (!take_shape (&c, dims, &ndim))
            goto syntax;
          seen_shape = TRUE;
        }
      else
        goto syntax;
      if (!take (&c, ',') && !(skip_space (&c), c.p < c.end && *c.p == '}'))
        goto syntax;
    }
  if (!descr || !seen_fortran || !seen_shape)
    goto syntax;
  if (strcmp (descr, "<f4") != 0 && strcmp (descr, "=f4") != 0)
    {
      bad (error, path, _("its dtype is '%s', not little-endian float32 '<f4' "
                          "(save with x.astype('<f4'))"), descr);
      return NULL;
    }
  if (fortran)
    {
      bad (error, path, _("it is in Fortran (column-major) order; save a C-order array "
                          "(np.ascontiguousarray)"));
      return NULL;
    }
  if (ndim != 2)
    {
      bad (error, path, _("its array has %d dimensions, not 2 (rows, D)"), ndim);
      return NULL;
    }
  {
    FwTensor t = { "features", FW_DTYPE_F32, 2, { dims[0], dims[1] }, raw + start + header_len,
                   size - start - header_len };
    return features_from_tensor (&t, path, expected_rows, error);
  }
syntax:
  bad (error, path, _("its NumPy header is not a plain float32 array description"));
  return NULL;
}

/* Checks a (rows, D) float32 tensor and copies it.  Its data must be
 * exactly rows × D floats: shorter is a truncated file, longer a file that
 * holds more than its shape says (npy's data runs to the end of the file). */
static FwFeatures *
features_from_tensor (const FwTensor *t, const char *path, int expected_rows, GError **error)
{
  if (t->dtype != FW_DTYPE_F32)
    {
      bad (error, path, _("tensor 'features' is not float32"));
      return NULL;
    }
  if (t->ndim != 2)
    {
      bad (error, path, _("tensor 'features' has %d dimensions, not 2 (rows, D)"), t->ndim);
      return NULL;
    }
  gint64 rows = t->shape[0], dim = t->shape[1];
  if (dim < 1 || dim > FW_FEATURES_MAX_DIM)
    {
      bad (error, path, _("its vectors are %lld wide (1 to %d)"), (long long) dim,
           FW_FEATURES_MAX_DIM);
      return NULL;
    }
  if (expected_rows >= 0 && rows != expected_rows)
    {
      bad (error, path, _("it has %lld rows but the manifest has %d "
                          "(one row per manifest row, in manifest order)"), (long long) rows,
           expected_rows);
      return NULL;
    }
  guint64 want = (guint64) rows * (guint64) dim * sizeof (float);
  if (want > t->nbytes)
    {
      bad (error, path, _("it is truncated: %lld × %lld floats need %llu bytes of data but it "
                          "has %zu"), (long long) rows, (long long) dim, (unsigned long long) want,
           t->nbytes);
      return NULL;
    }
  if (want < t->nbytes)
    {
      bad (error, path, _("it has %zu bytes of data, more than the %lld × %lld floats its shape "
                          "holds"), t->nbytes, (long long) rows, (long long) dim);
      return NULL;
    }

  FwFeatures *f = g_new0 (FwFeatures, 1);
  f->rows = (int) rows;
  f->dim = (int) dim;
  f->values = g_try_malloc (MAX (want, 1));
  if (!f->values)
    {
      fw_features_free (f);
      bad (error, path, _("its %llu bytes do not fit in memory"), (unsigned long long) want);
      return NULL;
    }
  memcpy (f->values, t->data, want);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (guint64 i = 0; i < (guint64) rows * dim; i++)
    {
      guint32 u;
      memcpy (&u, f->values + i, 4);
      u = GUINT32_FROM_LE (u);
      memcpy (f->values + i, &u, 4);
    }
#endif
  /* a row of NaN is a missing modality; any other NaN or infinity is a bug
   * upstream that would turn every prediction it touches into NaN */
  for (int r = 0; r < f->rows; r++)
    {
      const float *v = f->values + (gsize) r * f->dim;
      int n_nan = 0, first_bad = -1;
      for (int d = 0; d < f->dim; d++)
        {
          if (isnan (v[d]))
            n_nan++;
          if (!isfinite (v[d]) && first_bad < 0)
            first_bad = d;
        }
      if (first_bad >= 0 && n_nan != f->dim)
        {
          bad (error, path, _("row %d holds %s at column %d (a missing modality is a row "
                              "that is NaN throughout)"), r + 1,
               isnan (v[first_bad]) ? "NaN" : _("an infinite value"), first_bad + 1);
          fw_features_free (f);
          return NULL;
        }
    }
  return f;
}

FwFeatures *
fw_features_load (const char *path, int expected_rows, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *shown = g_filename_display_name (path);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, _("%s: cannot read the features file: %s"),
                   shown, g_strerror (errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO,
                   _("%s: not a regular file (give a .safetensors or .npy features file)"), shown);
      return NULL;
    }
  if ((guint64) st.st_size > FW_FEATURES_MAX_BYTES)
    {
      bad (error, path, _("it is %.1f GB, more than the %d GB a features file may have"),
           st.st_size / 1e9, (int) (FW_FEATURES_MAX_BYTES >> 30));
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, &local);
  if (!mf)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, _("%s: cannot read the features file: %s"),
                   shown, local->message);
      return NULL;
    }
  g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mf);
  gsize size = 0;
  const guint8 *raw = g_bytes_get_data (bytes, &size);
  if (size >= 6 && memcmp (raw, "\x93NUMPY", 6) == 0)
    return parse_npy (raw, size, path, expected_rows, error);

  g_autoptr (GError) serr = NULL;
  g_autoptr (FwSafetensors) sf = fw_safetensors_parse (bytes, shown, &serr);
  if (!sf)
    {
      /* the reader's message already names the file */
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                   _("%s (a features file is safetensors with one float32 tensor 'features', "
                     "or a NumPy .npy)"), serr->message);
      return NULL;
    }
  const FwTensor *t = fw_safetensors_get (sf, "features");
  if (!t)
    {
      bad (error, path, _("it holds no tensor named 'features'"));
      return NULL;
    }
  if (fw_safetensors_n_tensors (sf) != 1)
    {
      bad (error, path, _("it holds %d tensors; a features file holds one, 'features'"),
           fw_safetensors_n_tensors (sf));
      return NULL;
    }
  return features_from_tensor (t, path, expected_rows, error);
}

int
fw_dataset_features_dim (const FwDataset *ds, FwModality modality)
{
  g_return_val_if_fail (ds && modality < FW_MODALITY_N_KINDS, 0);
  return ds->features_dim[modality];
}

gboolean
fw_dataset_attach_features (FwDataset *ds, FwModality modality, const char *path, GError **error)
{
  g_return_val_if_fail (ds && path && modality < FW_MODALITY_N_KINDS, FALSE);
  /* every manifest row, the skipped ones too: the file is in manifest order */
  int manifest_rows = ds->n + ds->n_skipped;
  g_autoptr (FwFeatures) f = fw_features_load (path, manifest_rows, error);
  if (!f)
    return FALSE;
  int D = f->dim;
  float *values = g_try_malloc (MAX ((gsize) ds->n * D, 1) * sizeof (float));
  if (!values)
    {
      bad (error, path, _("its vectors do not fit in memory"));
      return FALSE;
    }
  guint8 *has = modality == FW_MODALITY_IMAGE ? ds->has_image : ds->has_text;
  for (int r = 0; r < ds->n; r++)
    {
      int src = fw_dataset_source_row (ds, r);
      g_return_val_if_fail (src >= 0 && src < f->rows, (g_free (values), FALSE));
      const float *v = f->values + (gsize) src * D;
      float *o = values + (gsize) r * D;
      has[r] = !isnan (v[0]);  /* checked: NaN throughout, or no NaN at all */
      if (has[r])
        memcpy (o, v, sizeof (float) * D);
      else
        memset (o, 0, sizeof (float) * D);
    }
  g_free (ds->features[modality]);
  g_free (ds->features_file[modality]);
  ds->features[modality] = values;
  ds->features_dim[modality] = D;
  ds->features_file[modality] = g_strdup (path);
  return TRUE;
}
