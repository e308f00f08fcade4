/* fw-dataset.c — fw_dataset_load: resolves a SPEC (manifest, folder,
 * builtin:NAME), checks every row, decodes images on a thread pool, then
 * builds classes, splits and tokens.  Parsing is fw-manifest.c's, pixels are
 * fw-image.c's, drawing built-ins is fw-builtin.c's. */
#include "fw-dataset.h"

#include <string.h>

#include <glib/gstdio.h>
#include <glib/gi18n.h>

#include "fw-builtin.h"
#include "fw-dataset-private.h"
#include "fw-features.h"
#include "fw-image.h"
#include "fw-manifest.h"
#include "fw-rng.h"
#include "fw-row-key.h"

#define FW_MAX_SKIPPED_REASONS 10
#define FW_MAX_IMAGE_SIZE 1024

static const char *const split_names[FW_SPLIT_N_KINDS] = { "train", "val", "test" };
G_STATIC_ASSERT (G_N_ELEMENTS (split_names) == FW_SPLIT_N_KINDS);

const char *
fw_split_name (FwSplit split)
{
  g_return_val_if_fail (split < FW_SPLIT_N_KINDS, NULL);
  return split_names[split];
}

gboolean
fw_split_parse (const char *name, FwSplit *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (name == NULL)
    return FALSE;
  /* the spellings other tools write (Hugging Face: validation) */
  static const struct { const char *name; FwSplit split; } names[] = {
    { "train", FW_SPLIT_TRAIN }, { "training", FW_SPLIT_TRAIN },
    { "val", FW_SPLIT_VAL }, { "valid", FW_SPLIT_VAL }, { "validation", FW_SPLIT_VAL },
    { "dev", FW_SPLIT_VAL },
    { "test", FW_SPLIT_TEST }, { "testing", FW_SPLIT_TEST },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      {
        *out = names[i].split;
        return TRUE;
      }
  return FALSE;
}

int
fw_dataset_split_rows (const FwDataset *ds, FwSplit split, int *rows)
{
  g_return_val_if_fail (ds != NULL && rows != NULL, 0);
  int k = 0;
  for (int r = 0; r < ds->n; r++)
    if (ds->split[r] == split)
      rows[k++] = r;
  return k;
}

int
fw_dataset_split_count (const FwDataset *ds, FwSplit split)
{
  g_return_val_if_fail (ds != NULL, 0);
  int k = 0;
  for (int r = 0; r < ds->n; r++)
    k += ds->split[r] == split;
  return k;
}

void
fw_dataset_free (FwDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->name);
  g_free (ds->source);
  g_free (ds->pixels);
  g_free (ds->has_image);
  g_free (ds->has_text);
  g_free (ds->split);
  g_free (ds->label);
  g_free (ds->row);
  g_free (ds->row_key);
  if (ds->classes)
    g_strfreev (ds->classes);
  if (ds->text)
    for (int r = 0; r < ds->n; r++)
      g_free (ds->text[r]);
  g_free (ds->text);
  g_free (ds->word_start);
  g_free (ds->words);
  if (ds->lexicon)
    g_ptr_array_unref (ds->lexicon);
  if (ds->skipped)
    g_ptr_array_unref (ds->skipped);
  for (int k = 0; k < 2; k++)
    {
      g_free (ds->features[k]);
      g_free (ds->features_file[k]);
    }
  g_free (ds);
}

FwDataset *
fw_dataset_alloc (int n, int channels, int size, const char *what, GError **error)
{
  guint64 bytes = (guint64) MAX (n, 0) * channels * size * size;
  /* refuse rather than abort in g_malloc: 70 000 × 3 × 256² is already 13 GB.
   * Small pages, on purpose: with MADV_HUGEPAGE the first touch cost
   * 0.7-1.3 s of kernel time for 20 000 64×64 RGB images instead of
   * 0.2-0.3 s on our 2-core VM, most likely because huge pages come from
   * free 2 MB blocks its balloon (free-page reporting) had handed back to
   * the host, so each first touch waits for the host as well. */
  guint8 *pixels = bytes <= G_MAXSIZE / 2 ? g_try_malloc0 (MAX (bytes, 1)) : NULL;
  if (pixels == NULL)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                   _("%s: %d images of %d×%d×%d need %.1f GB, more memory than is free "
                   "(try a smaller --image-size or --color gray)"),
                   what, n, channels, size, size, bytes / 1e9);
      return NULL;
    }
  FwDataset *ds = g_new0 (FwDataset, 1);
  ds->n = n;
  ds->channels = channels;
  ds->size = size;
  ds->pixels = pixels;
  ds->has_image = g_new0 (guint8, MAX (n, 1));
  ds->has_text = g_new0 (guint8, MAX (n, 1));
  ds->split = g_new0 (guint8, MAX (n, 1));
  ds->label = g_new0 (int, MAX (n, 1));
  ds->text = g_new0 (char *, MAX (n, 1));
  ds->row = g_new0 (int, MAX (n, 1));
  ds->row_key = g_new0 (guint64, MAX (n, 1));
  for (int r = 0; r < n; r++)
    ds->row[r] = r;
  ds->word_start = g_new0 (int, n + 1);
  ds->lexicon = g_ptr_array_new_with_free_func (g_free);
  ds->skipped = g_ptr_array_new_with_free_func (g_free);
  return ds;
}

void
fw_dataset_stratify (const int *label, int n_classes, const int *rows, int n_rows,
                     const double *fractions, guint64 seed, guint8 *split)
{
  /* A seed stream of its own, so that splits do not move when the model's
   * initialisation (same seed) changes how many numbers it draws. */
  guint64 state = seed ^ G_GUINT64_CONSTANT (0x5EED0DA7A5E75EED);
  g_autofree int *members = g_new (int, MAX (n_rows, 1));
  for (int c = 0; c < n_classes; c++)
    {
      int m = 0;
      for (int i = 0; i < n_rows; i++)
        if (label[rows[i]] == c)
          members[m++] = rows[i];
      for (int i = m - 1; i > 0; i--)
        {
          int j = (int) fw_rng_below (&state, (guint32) i + 1);
          int t = members[i];
          members[i] = members[j];
          members[j] = t;
        }
      /* val and test get their rounded share, train the rest, so a class
       * with few rows keeps them in train */
      int n_val = (int) (m * fractions[FW_SPLIT_VAL] + 0.5);
      int n_test = (int) (m * fractions[FW_SPLIT_TEST] + 0.5);
      if (n_val + n_test > m)
        n_test = m - n_val;
      for (int i = 0; i < m; i++)
        split[members[i]] = i < n_val ? FW_SPLIT_VAL
                          : i < n_val + n_test ? FW_SPLIT_TEST : FW_SPLIT_TRAIN;
    }
}

static int
strcmp_p (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

gboolean
fw_dataset_finish (FwDataset *ds, char **labels, const gint8 *split, gboolean stable_split,
                   const FwLoadOptions *options, const char *filename, GError **error)
{
  if (ds->n == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY,
                   _("%s: no usable rows%s"), filename,
                   ds->n_skipped > 0 ? _(" (every row was skipped as bad)") : _(" (the manifest has a header only)"));
      return FALSE;
    }

  /* classes: distinct labels in strcmp order */
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) distinct = g_ptr_array_new ();
  for (int r = 0; r < ds->n; r++)
    if (!g_hash_table_contains (ids, labels[r]))
      {
        g_hash_table_add (ids, labels[r]);
        g_ptr_array_add (distinct, labels[r]);
      }
  qsort (distinct->pdata, distinct->len, sizeof (gpointer), strcmp_p);
  if (distinct->len < 2 && !options->allow_single_class)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY,
                   _("%s: every row has the label '%s': a classifier needs at least two classes"),
                   filename, (char *) g_ptr_array_index (distinct, 0));
      return FALSE;
    }
  ds->n_classes = (int) distinct->len;
  ds->classes = g_new0 (char *, ds->n_classes + 1);
  g_hash_table_remove_all (ids);
  for (int c = 0; c < ds->n_classes; c++)
    {
      ds->classes[c] = g_strdup (g_ptr_array_index (distinct, c));
      g_hash_table_insert (ids, ds->classes[c], GINT_TO_POINTER (c));
    }
  for (int r = 0; r < ds->n; r++)
    ds->label[r] = GPOINTER_TO_INT (g_hash_table_lookup (ids, labels[r]));

  /* splits: a row's given split stands; the others are drawn per row from
   * the row's key and the seed, so that adding or removing rows never moves
   * another row.  When no row was given val, val_fraction of the given
   * train rows are held out for validation, by the same per-row draw. */
  int n_given = 0, n_given_val = 0;
  for (int r = 0; r < ds->n; r++)
    if (split[r] >= 0)
      {
        n_given++;
        n_given_val += split[r] == FW_SPLIT_VAL;
      }
  if (stable_split)
    for (int r = 0; r < ds->n; r++)
      {
        if (split[r] < 0)
          ds->split[r] = fw_row_split (ds->row_key[r], options->seed, 0.1, 0.1);
        else if (split[r] == FW_SPLIT_TRAIN && n_given_val == 0 && options->val_fraction > 0)
          ds->split[r] = fw_row_split (ds->row_key[r], options->seed, options->val_fraction, 0);
        else
          ds->split[r] = (guint8) split[r];
      }
  else
    {
      /* generated rows (the built-ins) are a function of the seed: an exact
       * stratified draw cannot move a row that does not change */
      g_autofree int *rows = g_new (int, MAX (ds->n, 1));
      for (int r = 0; r < ds->n; r++)
        ds->split[r] = split[r] >= 0 ? (guint8) split[r] : FW_SPLIT_TRAIN;
      if (n_given == 0)
        {
          double f[FW_SPLIT_N_KINDS] = { 0.8, 0.1, 0.1 };
          for (int r = 0; r < ds->n; r++)
            rows[r] = r;
          fw_dataset_stratify (ds->label, ds->n_classes, rows, ds->n, f, options->seed, ds->split);
        }
      else if (n_given_val == 0 && options->val_fraction > 0)
        {
          double f[FW_SPLIT_N_KINDS] = { 1 - options->val_fraction, options->val_fraction, 0 };
          int n_train = fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, rows);
          fw_dataset_stratify (ds->label, ds->n_classes, rows, n_train, f, options->seed, ds->split);
        }
    }

  /* tokens */
  g_autoptr (GHashTable) lex = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) words = g_array_new (FALSE, FALSE, sizeof (int));
  for (int r = 0; r < ds->n; r++)
    {
      if (ds->text[r] == NULL)
        ds->text[r] = g_strdup ("");
      ds->word_start[r] = (int) words->len;
      if (!ds->has_text[r])
        continue;
      g_auto (GStrv) tokens = fw_tokenize (ds->text[r]);
      for (char **t = tokens; *t; t++)
        {
          gpointer v;
          int id;
          if (g_hash_table_lookup_extended (lex, *t, NULL, &v))
            id = GPOINTER_TO_INT (v);
          else
            {
              id = (int) ds->lexicon->len;
              char *tok = g_strdup (*t);
              g_ptr_array_add (ds->lexicon, tok);
              g_hash_table_insert (lex, tok, GINT_TO_POINTER (id));
            }
          g_array_append_val (words, id);
        }
    }
  ds->word_start[ds->n] = (int) words->len;
  ds->words = (int *) g_array_free (g_steal_pointer (&words), FALSE);
  return TRUE;
}

/* ---- manifests ---- */

typedef struct {
  FwDataset *ds;
  char **paths;              /* (n) resolved image path or NULL */
  const char **image_cells;  /* (n) the manifest's image cell or NULL, for the row key */
  char **errors;             /* (n) reason when the image failed */
  int n;
  GCancellable *cancellable;
  gint stop;                 /* atomic: cancelled */
  gboolean stop_on_error;
  gint first_bad;            /* atomic: lowest failed row when stopping on errors, else n */
  GMutex lock;
  GCond cond;
  int done;                  /* rows finished, under lock */
} Decode;

#define FW_DECODE_CHUNK 64

static void
decode_rows (Decode *d, int begin, int end)
{
  gsize plane = (gsize) d->ds->channels * d->ds->size * d->ds->size;
  FwColor color = d->ds->channels == 3 ? FW_COLOR_RGB : FW_COLOR_GRAY;
  for (int r = begin; r < end; r++)
    {
      /* a SHA-256 per row: on the threads rather than before them */
      d->ds->row_key[r] = fw_row_key (d->image_cells[r], d->ds->text[r]);
      if (d->paths[r] == NULL)
        continue;
      /* past a failed row nothing is needed; before it every row is, so
       * the error reported is the file's first whatever the threads did */
      if (r > g_atomic_int_get (&d->first_bad))
        return;
      if (g_atomic_int_get (&d->stop) || g_cancellable_is_cancelled (d->cancellable))
        {
          g_atomic_int_set (&d->stop, 1);
          return;
        }
      g_autoptr (GError) local = NULL;
      if (fw_image_load (d->paths[r], d->ds->size, color, d->ds->pixels + r * plane, &local))
        d->ds->has_image[r] = 1;
      else
        {
          d->errors[r] = g_strdup (local->message);
          if (d->stop_on_error)
            for (int was = g_atomic_int_get (&d->first_bad);
                 r < was && !g_atomic_int_compare_and_exchange (&d->first_bad, was, r);
                 was = g_atomic_int_get (&d->first_bad))
              ;
        }
    }
}

static void
decode_chunk (gpointer data, gpointer user_data)
{
  Decode *d = user_data;
  int begin = (GPOINTER_TO_INT (data) - 1) * FW_DECODE_CHUNK;
  int end = MIN (begin + FW_DECODE_CHUNK, d->n);
  decode_rows (d, begin, end);
  g_mutex_lock (&d->lock);
  d->done += end - begin;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);
}

/* Decodes every image; FALSE only when cancelled. */
static gboolean
decode_images (Decode *d, const FwLoadOptions *o)
{
  int threads = o->threads > 0 ? o->threads : (int) g_get_num_processors ();
  int n_chunks = (d->n + FW_DECODE_CHUNK - 1) / FW_DECODE_CHUNK;
  GThreadPool *pool = NULL;

  if (threads > 1 && n_chunks > 1)
    pool = g_thread_pool_new (decode_chunk, d, MIN (threads, n_chunks), FALSE, NULL);

  if (pool == NULL)
    for (int c = 0; c < n_chunks && !g_atomic_int_get (&d->stop)
                    && g_atomic_int_get (&d->first_bad) == d->n; c++)
      {
        decode_chunk (GINT_TO_POINTER (c + 1), d);
        if (o->progress)
          o->progress ((double) d->done / d->n, o->progress_data);
      }
  else
    {
      for (int c = 0; c < n_chunks; c++)
        g_thread_pool_push (pool, GINT_TO_POINTER (c + 1), NULL);
      g_mutex_lock (&d->lock);
      while (d->done < d->n && !g_atomic_int_get (&d->stop))
        {
          gint64 until = g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND;
          g_cond_wait_until (&d->cond, &d->lock, until);
          if (o->progress)
            {
              double f = (double) d->done / d->n;
              g_mutex_unlock (&d->lock);
              o->progress (f, o->progress_data);
              g_mutex_lock (&d->lock);
            }
          if (g_cancellable_is_cancelled (d->cancellable))
            g_atomic_int_set (&d->stop, 1);
        }
      g_mutex_unlock (&d->lock);
      /* queued chunks see stop and return at once */
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  return !g_cancellable_is_cancelled (d->cancellable);
}

static FwDataset *
load_manifest (const char *path, const char *display, const FwLoadOptions *o,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  GStatBuf st;
  /* a device or a pipe would be read forever (/dev/zero) */
  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO,
                   _("%s: not a regular file (give a CSV or JSON Lines manifest)"), display);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, _("%s: cannot read the manifest: %s"),
                   display, local->message);
      return NULL;
    }

  /* JSON Lines by extension, else by a first '{'; everything else is CSV */
  gboolean jsonl = g_str_has_suffix (path, ".jsonl") || g_str_has_suffix (path, ".ndjson");
  if (!jsonl && !g_str_has_suffix (path, ".csv"))
    {
      gsize k = len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
      while (k < len && g_ascii_isspace (data[k]))
        k++;
      jsonl = k < len && data[k] == '{';
    }
  g_autoptr (FwManifest) m = jsonl ? fw_manifest_parse_jsonl (data, len, display, error)
                                   : fw_manifest_parse_csv (data, len, display, error);
  if (m == NULL)
    return NULL;
  g_clear_pointer (&data, g_free);

  g_autofree char *dir = g_path_get_dirname (path);
  int n_rows = (int) m->rows->len;
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) skipped_rows = g_array_new (FALSE, FALSE, sizeof (int));  /* parallel to skipped */
  int n_skipped = 0;

  /* 1. row checks that need no file access */
  g_autofree gint8 *split = g_new (gint8, MAX (n_rows, 1));
  g_autofree guint8 *keep = g_new0 (guint8, MAX (n_rows, 1));
  int n = 0;
  for (int r = 0; r < n_rows; r++)
    {
      FwManifestRow *row = g_ptr_array_index (m->rows, r);
      g_autofree char *problem = g_strdup (row->problem);
      int code = FW_DATA_ERROR_VALUE;
      FwSplit s = FW_SPLIT_TRAIN;
      split[r] = -1;
      if (problem == NULL && row->value[FW_FIELD_LABEL] == NULL)
        problem = g_strdup (_("the label is empty (every row needs one)"));
      /* an empty split cell means "assign it", as when there is no column */
      if (problem == NULL && m->has_split && row->value[FW_FIELD_SPLIT] != NULL)
        {
          if (!fw_split_parse (row->value[FW_FIELD_SPLIT], &s))
            problem = g_strdup_printf (_("unknown split '%s' (use train, val or test, or "
                                         "leave it empty to have the row assigned)"),
                                       row->value[FW_FIELD_SPLIT]);
          else
            split[r] = (gint8) s;
        }
      if (problem == NULL && row->value[FW_FIELD_IMAGE] == NULL && row->value[FW_FIELD_TEXT] == NULL)
        problem = g_strdup (_("has neither an image nor a text"));
      if (problem == NULL && row->value[FW_FIELD_IMAGE] != NULL
          && (g_str_has_prefix (row->value[FW_FIELD_IMAGE], "http://")
              || g_str_has_prefix (row->value[FW_FIELD_IMAGE], "https://")))
        problem = g_strdup_printf (_("image '%s' is a URL: images are not downloaded, "
                                   "list paths of local files"), row->value[FW_FIELD_IMAGE]);
      if (problem != NULL)
        {
          if (row->problem)
            code = row->code;
          char *msg = g_strdup_printf ("%s: %s: %s", display, row->where, problem);
          if (!o->skip_bad_rows)
            {
              g_set_error (error, FW_DATA_ERROR, code, _("%s (or load with --skip-bad-rows)"), msg);
              g_free (msg);
              return NULL;
            }
          n_skipped++;
          g_ptr_array_add (skipped, msg);
          g_array_append_val (skipped_rows, r);
          continue;
        }
      keep[r] = 1;
      n++;
    }

  /* 2. decode the images of the kept rows */
  int channels = o->color == FW_COLOR_RGB ? 3 : 1;
  g_autoptr (FwDataset) ds = fw_dataset_alloc (n, channels, o->image_size, display, error);
  if (ds == NULL)
    return NULL;
  g_autofree int *src = g_new (int, MAX (n, 1));   /* kept row -> manifest row */
  g_autofree char **labels = g_new0 (char *, MAX (n, 1));
  g_autofree gint8 *kept_split = g_new (gint8, MAX (n, 1));
  Decode d = { .ds = ds, .n = n, .cancellable = cancellable, .stop_on_error = !o->skip_bad_rows,
               .first_bad = n };
  d.paths = g_new0 (char *, MAX (n, 1));
  d.image_cells = g_new0 (const char *, MAX (n, 1));
  d.errors = g_new0 (char *, MAX (n, 1));
  g_mutex_init (&d.lock);
  g_cond_init (&d.cond);
  for (int r = 0, k = 0; r < n_rows; r++)
    if (keep[r])
      {
        FwManifestRow *row = g_ptr_array_index (m->rows, r);
        const char *img = row->value[FW_FIELD_IMAGE];
        src[k] = r;
        ds->row[k] = r;
        d.image_cells[k] = img;
        labels[k] = row->value[FW_FIELD_LABEL];
        kept_split[k] = split[r];
        if (img)
          {
            d.paths[k] = g_path_is_absolute (img) ? g_strdup (img) : g_build_filename (dir, img, NULL);
            /* manifests written on Windows say images\cat.png */
            if (G_DIR_SEPARATOR == '/' && strchr (img, '\\') && !g_file_test (d.paths[k], G_FILE_TEST_EXISTS))
              g_strdelimit (d.paths[k] + (g_path_is_absolute (img) ? 0 : strlen (dir)), "\\", '/');
          }
        ds->text[k] = g_strdup (row->value[FW_FIELD_TEXT]);
        ds->has_text[k] = row->value[FW_FIELD_TEXT] != NULL;
        k++;
      }

  gboolean ok = decode_images (&d, o);
  g_mutex_clear (&d.lock);
  g_cond_clear (&d.cond);
  for (int k = 0; k < n; k++)
    g_free (d.paths[k]);
  g_free (d.paths);
  g_free (d.image_cells);

  if (!ok)
    {
      for (int k = 0; k < n; k++)
        g_free (d.errors[k]);
      g_free (d.errors);
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_CANCELLED, _("%s: loading was cancelled"), display);
      return NULL;
    }

  /* 3. report or drop rows whose image failed; the first in row order, so
   * the message does not depend on thread timing */
  int w = 0;
  gsize plane = (gsize) channels * o->image_size * o->image_size;
  for (int k = 0; k < n; k++)
    {
      FwManifestRow *row = g_ptr_array_index (m->rows, src[k]);
      if (d.errors[k] != NULL)
        {
          const char *img = row->value[FW_FIELD_IMAGE];
          char *msg = g_strdup_printf (_("%s: %s: image '%s' %s"), display, row->where, img, d.errors[k]);
          if (!o->skip_bad_rows)
            {
              if (strcmp (d.errors[k], _("not found")) == 0 && !g_path_is_absolute (img))
                {
                  /* absolute, so "." reads as the folder it is */
                  g_autofree char *abs = g_canonicalize_filename (dir, NULL);
                  g_autofree char *shown = g_filename_display_name (abs);
                  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE,
                               _("%s (paths are relative to the manifest's folder, %s; "
                               "or load with --skip-bad-rows)"), msg, shown);
                }
              else
                g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IMAGE, _("%s (or load with --skip-bad-rows)"), msg);
              g_free (msg);
              for (int j = k; j < n; j++)
                g_free (d.errors[j]);
              g_free (d.errors);
              return NULL;
            }
          n_skipped++;
          g_ptr_array_add (skipped, msg);
          g_array_append_val (skipped_rows, src[k]);
          g_free (d.errors[k]);
          g_free (ds->text[k]);
          ds->text[k] = NULL;
          continue;
        }
      if (w != k)
        {
          memcpy (ds->pixels + w * plane, ds->pixels + k * plane, plane);
          ds->has_image[w] = ds->has_image[k];
          ds->has_text[w] = ds->has_text[k];
          ds->row[w] = ds->row[k];
          ds->row_key[w] = ds->row_key[k];
          ds->text[w] = ds->text[k];
          ds->text[k] = NULL;
          labels[w] = labels[k];
          kept_split[w] = kept_split[k];
        }
      w++;
    }
  g_free (d.errors);
  ds->n = w;

  /* reasons of the first rows in file order, whichever check they failed */
  ds->n_skipped = n_skipped;
  for (int taken = 0; taken < FW_MAX_SKIPPED_REASONS && taken < n_skipped; taken++)
    {
      guint best = 0;
      for (guint i = 1; i < skipped_rows->len; i++)
        if (g_array_index (skipped_rows, int, i) < g_array_index (skipped_rows, int, best))
          best = i;
      g_ptr_array_add (ds->skipped, g_strdup (g_ptr_array_index (skipped, best)));
      g_array_index (skipped_rows, int, best) = G_MAXINT;
    }

  if (!fw_dataset_finish (ds, labels, kept_split, TRUE, o, display, error))
    return NULL;
  if (o->progress)
    o->progress (1.0, o->progress_data);
  return g_steal_pointer (&ds);
}

/* --image-features / --text-features: their rows follow the manifest's */
static FwDataset *
attach_features (FwDataset *ds, const FwLoadOptions *o, GError **error)
{
  if (ds && o->image_features
      && !fw_dataset_attach_features (ds, FW_MODALITY_IMAGE, o->image_features, error))
    g_clear_pointer (&ds, fw_dataset_free);
  if (ds && o->text_features
      && !fw_dataset_attach_features (ds, FW_MODALITY_TEXT, o->text_features, error))
    g_clear_pointer (&ds, fw_dataset_free);
  return ds;
}

FwDataset *
fw_dataset_load (const char *spec, const FwLoadOptions *options,
                 GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  FwLoadOptions defaults = FW_LOAD_OPTIONS_INIT;
  const FwLoadOptions *o = options ? options : &defaults;

  if (o->image_size < 1 || o->image_size > FW_MAX_IMAGE_SIZE)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                   _("image size %d is out of range (1 to %d pixels; 28 is the default)"),
                   o->image_size, FW_MAX_IMAGE_SIZE);
      return NULL;
    }
  if (o->color >= FW_COLOR_N_KINDS || !(o->val_fraction >= 0 && o->val_fraction < 1))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                   _("bad load options: color must be gray or rgb and val-fraction in [0, 1)"));
      return NULL;
    }
  /* messages are UTF-8, file names need not be */
  g_autofree char *shown = g_filename_display_name (spec);
  if (g_cancellable_set_error_if_cancelled (cancellable, NULL))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_CANCELLED, _("%s: loading was cancelled"), shown);
      return NULL;
    }

  FwDataset *ds = NULL;
  if (g_str_has_prefix (spec, "builtin:"))
    {
      ds = fw_builtin_generate (spec + strlen ("builtin:"), o, cancellable, error);
      if (ds)
        ds->source = g_strdup (spec);
      return attach_features (ds, o, error);
    }

  g_autofree char *path = NULL;
  if (g_file_test (spec, G_FILE_TEST_IS_DIR))
    {
      static const char *const names[] = { "metadata.csv", "metadata.jsonl" };
      for (gsize i = 0; i < G_N_ELEMENTS (names) && path == NULL; i++)
        {
          char *p = g_build_filename (spec, names[i], NULL);
          if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
            path = p;
          else
            g_free (p);
        }
      if (path == NULL)
        {
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO,
                       _("%s: the folder holds no metadata.csv or metadata.jsonl (put a manifest "
                       "with columns file_name,text,label next to the images)"), shown);
          return NULL;
        }
    }
  else if (!g_file_test (spec, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO,
                   _("%s: no such file or folder (give a CSV or JSON Lines manifest, a folder "
                   "holding metadata.csv, or builtin:NAME — see `fusion-workbench datasets`)"), shown);
      return NULL;
    }
  else
    path = g_strdup (spec);

  g_autofree char *display = g_filename_display_name (path);
  ds = load_manifest (path, display, o, cancellable, error);
  if (ds)
    {
      ds->source = g_strdup (spec);
      ds->name = g_filename_display_basename (g_file_test (spec, G_FILE_TEST_IS_DIR) ? spec : path);
    }
  return attach_features (ds, o, error);
}

int *
fw_dataset_map_labels_or_unknown (const FwDataset *ds, const char *const *classes, int n_classes)
{
  g_return_val_if_fail (ds != NULL && (classes != NULL || n_classes == 0), NULL);
  g_autofree int *map = g_new (int, MAX (ds->n_classes, 1));
  for (int c = 0; c < ds->n_classes; c++)
    {
      map[c] = -1;
      for (int k = 0; k < n_classes; k++)
        if (g_strcmp0 (ds->classes[c], classes[k]) == 0)
          map[c] = k;
    }
  int *out = g_new (int, MAX (ds->n, 1));
  for (int r = 0; r < ds->n; r++)
    out[r] = map[ds->label[r]];
  return out;
}

int
fw_dataset_source_row (const FwDataset *ds, int r)
{
  g_return_val_if_fail (ds != NULL && r >= 0 && r < ds->n, r);
  return ds->row ? ds->row[r] : r;
}

int *
fw_dataset_map_labels (const FwDataset *ds, const char *const *classes, int n_classes,
                       GError **error)
{
  g_return_val_if_fail (ds != NULL && (classes != NULL || n_classes == 0), NULL);

  /* a NULL-terminated list shorter than n_classes ends at its NULL: never
   * read past it */
  for (int k = 0; k < n_classes; k++)
    if (classes[k] == NULL)
      {
        n_classes = k;
        break;
      }
  g_autofree int *map = g_new (int, MAX (ds->n_classes, 1));
  for (int c = 0; c < ds->n_classes; c++)
    {
      map[c] = -1;
      for (int k = 0; k < n_classes; k++)
        if (g_strcmp0 (ds->classes[c], classes[k]) == 0)
          {
            map[c] = k;
            break;
          }
    }
  int *out = g_new (int, MAX (ds->n, 1));
  for (int r = 0; r < ds->n; r++)
    {
      int k = map[ds->label[r]];
      if (k < 0)
        {
          g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
          for (int j = 0; j < n_classes && j < 20; j++)
            g_strv_builder_add (b, classes[j]);
          g_auto (GStrv) known = g_strv_builder_end (b);
          g_autofree char *list = g_strjoinv (", ", known);
          g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                       _("%s: row %d: label '%s' is not one of the model's classes (%s%s)"),
                       ds->name ? ds->name : _("dataset"), fw_dataset_source_row (ds, r) + 1,
                       ds->classes[ds->label[r]],
                       list, n_classes > 20 ? ", …" : "");
          g_free (out);
          return NULL;
        }
      out[r] = k;
    }
  return out;
}
