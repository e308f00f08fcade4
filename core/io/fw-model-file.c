/* fw-model-file.c — saving and loading whole models.  Loading checks the
 * metadata and every tensor's dtype and shape against the config before
 * a single weight is copied. */
#include "fw-model-file.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-features.h"
#include "fw-row-set.h"
#include "fw-json.h"
#include "fw-safetensors.h"

static char *
node_to_string (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static char *
strings_to_json (const char *const *v, int n)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_string_value (b, v[i]);
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return node_to_string (root);
}

char *
fw_model_preprocess_json (const FwModel *model)
{
  const FwShape *s = fw_model_get_shape (model);
  const FwConfig *c = fw_model_get_config (model);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image_size");
  json_builder_add_int_value (b, s->size);
  json_builder_set_member_name (b, "channels");
  json_builder_add_int_value (b, s->channels);
  json_builder_set_member_name (b, "color");
  json_builder_add_string_value (b, fw_color_name (c->color));
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, "decode, composite alpha on white, resize bilinear to "
                                    "image_size, gray = ITU-R 601 luma, CHW, value/255");
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, fw_model_uses_tokens (model)
                                 ? "NFKC, casefold, split on non-alphanumerics, ids by vocab "
                                   "(0 pad, 1 unknown), first max_tokens, padded with 0"
                                 : "NFKC, casefold, split on non-alphanumerics, counts per vocab id "
                                   "(1 unknown)");
  json_builder_set_member_name (b, "text_input");
  json_builder_add_string_value (b, fw_model_uses_tokens (model) ? "tokens" : "bow");
  json_builder_set_member_name (b, "max_tokens");
  json_builder_add_int_value (b, FW_MAX_TOKENS);
  /* precomputed vectors: their width is all the model needs to know */
  if (s->image_features)
    {
      json_builder_set_member_name (b, "image_features");
      json_builder_add_int_value (b, s->image_features);
    }
  if (s->text_features)
    {
      json_builder_set_member_name (b, "text_features");
      json_builder_add_int_value (b, s->text_features);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return node_to_string (root);
}

int
fw_model_training_overlap (const FwModel *model, const FwDataset *ds, const int *rows, int n)
{
  g_return_val_if_fail (model != NULL && ds != NULL && (rows != NULL || n == 0), -1);
  const char *fingerprint = fw_model_get_training_rows (model);
  /* checked when the file was loaded, or made by the trainer */
  g_autoptr (FwRowSet) seen = fingerprint ? fw_row_set_from_json (fingerprint, NULL) : NULL;
  return seen ? fw_row_set_count_rows (seen, ds, rows, n) : -1;
}

FwSafetensorsWriter *
fw_model_file_writer (FwModel *model, const FwVocab *vocab, const char *const *classes)
{
  FwSafetensorsWriter *w = fw_safetensors_writer_new ();
  int n = 0;
  const FwParam *params = fw_model_param_list (model, &n);
  const float *data = fw_model_params (model);
  for (int i = 0; i < n; i++)
    {
      gint64 shape[4];
      for (int d = 0; d < params[i].ndim; d++)
        shape[d] = params[i].shape[d];
      fw_safetensors_writer_add (w, params[i].name, FW_DTYPE_F32, params[i].ndim, shape,
                                 data + params[i].offset);
    }
  g_autoptr (JsonNode) config = fw_config_to_json (fw_model_get_config (model));
  g_autofree char *config_json = node_to_string (config);
  g_autofree char *labels = strings_to_json (classes, fw_model_get_shape (model)->classes);
  g_autofree char *vocab_json = strings_to_json ((const char *const *) vocab->tokens->pdata,
                                                 (int) vocab->tokens->len);
  g_autofree char *pre = fw_model_preprocess_json (model);
  fw_safetensors_writer_add_metadata (w, "format", FW_MODEL_FILE_FORMAT);
  fw_safetensors_writer_add_metadata (w, "version", FW_MODEL_FILE_VERSION);
  fw_safetensors_writer_add_metadata (w, "config", config_json);
  fw_safetensors_writer_add_metadata (w, "labels", labels);
  fw_safetensors_writer_add_metadata (w, "vocab", vocab_json);
  fw_safetensors_writer_add_metadata (w, "preprocess", pre);
  if (fw_model_get_training_rows (model))
    fw_safetensors_writer_add_metadata (w, "training_rows", fw_model_get_training_rows (model));
  return w;
}

gboolean
fw_model_save (FwModel *model, const FwVocab *vocab, const char *const *classes,
               const char *path, GError **error)
{
  g_autoptr (FwSafetensorsWriter) w = fw_model_file_writer (model, vocab, classes);
  return fw_safetensors_writer_save (w, path, error);
}

GBytes *
fw_model_save_to_bytes (FwModel *model, const FwVocab *vocab, const char *const *classes)
{
  g_autoptr (FwSafetensorsWriter) w = fw_model_file_writer (model, vocab, classes);
  return fw_safetensors_writer_to_bytes (w);
}

/* a checkpoint's optimizer state and data order ride along in the same
 * file (fw-checkpoint.h); a model reader passes over them */
static gboolean
is_model_tensor (const FwTensor *t)
{
  return !g_str_has_prefix (t->name, FW_MODEL_FILE_EXTRA_PREFIX);
}

void
fw_saved_model_free (FwSavedModel *s)
{
  if (!s)
    return;
  fw_model_free (s->model);
  fw_vocab_free (s->vocab);
  g_strfreev (s->classes);
  g_free (s);
}

static gboolean
bad (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
bad (GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE, _("%s: not a usable model file: %s"),
               path, what);
  return FALSE;
}

/* a metadata entry holding a JSON array of distinct strings */
static char **
string_list (const FwSafetensors *st, const char *path, const char *key, int min, GError **error)
{
  const char *text = fw_safetensors_metadata (st, key);
  g_autoptr (GError) jerr = NULL;
  g_autoptr (JsonNode) root = text ? fw_json_parse (text, -1, NULL, &jerr) : NULL;
  if (jerr && !g_error_matches (jerr, FW_JSON_ERROR, FW_JSON_ERROR_INVALID))
    {
      bad (error, path, _("metadata '%s': %s"), key, jerr->message);
      return NULL;
    }
  if (!root || !JSON_NODE_HOLDS_ARRAY (root))
    {
      bad (error, path, _("metadata '%s' is missing or not a JSON list"), key);
      return NULL;
    }
  JsonArray *a = json_node_get_array (root);
  guint n = json_array_get_length (a);
  if ((int) n < min)
    {
      bad (error, path, _("metadata '%s' has %u entries, fewer than %d"), key, n, min);
      return NULL;
    }
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) out = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          bad (error, path, _("metadata '%s' entry %u is not a string"), key, i);
          return NULL;
        }
      out[i] = g_strdup (json_node_get_string (e));
      if (!g_hash_table_add (seen, out[i]))
        {
          bad (error, path, _("metadata '%s' lists '%s' twice"), key, out[i]);
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

/* The widths of precomputed vectors, from metadata 'preprocess' (absent:
 * a model of pixels and words) */
static gboolean
features_widths (const FwSafetensors *st, const char *path, FwShape *shape, GError **error)
{
  const char *text = fw_safetensors_metadata (st, "preprocess");
  if (!text)
    return TRUE;
  g_autoptr (GError) jerr = NULL;
  g_autoptr (JsonNode) root = fw_json_parse (text, -1, NULL, &jerr);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, path, _("metadata 'preprocess' is not a JSON object"));
  JsonObject *o = json_node_get_object (root);
  static const char *const keys[2] = { "image_features", "text_features" };
  int *out[2] = { &shape->image_features, &shape->text_features };
  for (int k = 0; k < 2; k++)
    {
      JsonNode *n = json_object_get_member (o, keys[k]);
      if (!n)
        continue;
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
          || json_node_get_int (n) < 1 || json_node_get_int (n) > FW_FEATURES_MAX_DIM)
        return bad (error, path, _("metadata 'preprocess' has a bad '%s'"), keys[k]);
      *out[k] = (int) json_node_get_int (n);
    }
  return TRUE;
}

FwSavedModel *
fw_model_load (const char *path, int max_batch, GError **error)
{
  g_return_val_if_fail (path != NULL && max_batch > 0, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, &local);
  if (!mf)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "%s", local->message);
      return NULL;
    }
  g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mf);
  g_autofree char *shown = g_filename_display_name (path);
  return fw_model_load_bytes (bytes, shown, max_batch, error);
}

FwSavedModel *
fw_model_load_bytes (GBytes *bytes, const char *path, int max_batch, GError **error)
{
  g_return_val_if_fail (bytes != NULL && path != NULL && max_batch > 0, NULL);
  g_autoptr (FwSafetensors) st = fw_safetensors_parse (bytes, path, error);
  if (!st)
    return NULL;
  const char *format = fw_safetensors_metadata (st, "format");
  const char *version = fw_safetensors_metadata (st, "version");
  if (g_strcmp0 (format, FW_MODEL_FILE_FORMAT) != 0)
    {
      bad (error, path, _("it was not written by Fusion Workbench (format '%s')"),
           format ? format : "none");
      return NULL;
    }
  if (g_strcmp0 (version, FW_MODEL_FILE_VERSION) != 0)
    {
      bad (error, path, _("file version '%s' is not the supported version %s"),
           version ? version : "none", FW_MODEL_FILE_VERSION);
      return NULL;
    }
  const char *config_text = fw_safetensors_metadata (st, "config");
  FwConfig config;
  g_autoptr (GError) cerr = NULL;
  g_autoptr (JsonNode) config_root = config_text ? fw_json_parse (config_text, -1, NULL, &cerr) : NULL;
  if (cerr && !g_error_matches (cerr, FW_JSON_ERROR, FW_JSON_ERROR_INVALID))
    {
      bad (error, path, _("metadata '%s': %s"), "config", cerr->message);
      return NULL;
    }
  if (!config_root)
    {
      bad (error, path, _("metadata 'config' is missing or not JSON"));
      return NULL;
    }
  if (!fw_config_from_json (&config, config_root, &cerr))
    {
      bad (error, path, "%s", cerr->message);
      return NULL;
    }
  g_auto (GStrv) labels = string_list (st, path, "labels", 2, error);
  if (!labels)
    return NULL;
  g_auto (GStrv) vocab = string_list (st, path, "vocab", 2, error);
  if (!vocab)
    return NULL;
  if (strcmp (vocab[0], "<pad>") != 0 || strcmp (vocab[1], "<unk>") != 0)
    {
      bad (error, path, _("the vocabulary must start with <pad> and <unk>"));
      return NULL;
    }
  int n_classes = (int) g_strv_length (labels), n_vocab = (int) g_strv_length (vocab);
  FwShape shape = { config.color == FW_COLOR_RGB ? 3 : 1, config.image_size, n_vocab, n_classes };
  if (!features_widths (st, path, &shape, error))
    return NULL;
  g_autoptr (GError) merr = NULL;
  /* as many floats as the file's tensors could hold: a config asking for
   * more is refused before anything is allocated for it (dtypes are
   * checked tensor by tensor below) */
  gsize floats = 0;
  int n_model_tensors = 0;
  for (int i = 0; i < fw_safetensors_n_tensors (st); i++)
    if (is_model_tensor (fw_safetensors_nth (st, i)))
      {
        floats += fw_safetensors_nth (st, i)->nbytes / sizeof (float);
        n_model_tensors++;
      }
  g_autoptr (FwModel) model = fw_model_new_limited (&config, &shape, max_batch, MAX (floats, 1),
                                                    &merr);
  if (!model)
    {
      bad (error, path, "%s", merr->message);
      return NULL;
    }

  int n = 0;
  const FwParam *params = fw_model_param_list (model, &n);
  if (n_model_tensors != n)
    {
      bad (error, path, _("it holds %d tensors but its config needs %d"),
           n_model_tensors, n);
      return NULL;
    }
  for (int i = 0; i < n; i++)
    {
      const FwTensor *t = fw_safetensors_get (st, params[i].name);
      if (!t)
        {
          bad (error, path, _("tensor '%s' is missing"), params[i].name);
          return NULL;
        }
      gboolean same = t->dtype == FW_DTYPE_F32 && t->ndim == params[i].ndim;
      for (int d = 0; same && d < t->ndim; d++)
        same = t->shape[d] == params[i].shape[d];
      if (!same)
        {
          bad (error, path, _("tensor '%s' has the wrong dtype or shape for its config"),
               params[i].name);
          return NULL;
        }
      float *dst = fw_model_params (model) + params[i].offset;
      memcpy (dst, t->data, t->nbytes);
      /* a NaN or infinite weight makes every prediction NaN: refuse the
       * file rather than evaluate it to numbers that mean nothing */
      for (gsize j = 0; j < t->nbytes / sizeof (float); j++)
        if (!isfinite (dst[j]))
          {
            bad (error, path, _("tensor '%s' holds %s at element %zu"), params[i].name,
                 isnan (dst[j]) ? "NaN" : _("an infinite value"), j);
            return NULL;
          }
    }

  /* optional (files from before it existed), but never damaged */
  const char *seen = fw_safetensors_metadata (st, "training_rows");
  if (seen)
    {
      g_autoptr (GError) serr = NULL;
      g_autoptr (FwRowSet) set = fw_row_set_from_json (seen, &serr);
      if (!set)
        {
          bad (error, path, "%s", serr->message);
          return NULL;
        }
      fw_model_set_training_rows (model, seen);
    }

  FwSavedModel *s = g_new0 (FwSavedModel, 1);
  s->model = g_steal_pointer (&model);
  s->vocab = fw_vocab_new_from_tokens ((const char *const *) vocab, n_vocab);
  s->classes = g_steal_pointer (&labels);
  s->n_classes = n_classes;
  return s;
}
