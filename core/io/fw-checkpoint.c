/* fw-checkpoint.c — writing and checking checkpoints.  Numbers that must
 * come back bit for bit (learning rate, losses, generator states) are kept
 * as exact text (%.17g, hex), never rounded through a JSON double. */
#include "fw-checkpoint.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fw-json.h"

#define STATE_KEY "checkpoint"
#define SUM_KEY "checkpoint_sha256"
#define MOMENTS FW_MODEL_FILE_EXTRA_PREFIX "optimizer_moments"
#define ORDER FW_MODEL_FILE_EXTRA_PREFIX "train_order"
#define BEST FW_MODEL_FILE_EXTRA_PREFIX "best_weights"

static void
add_exact (JsonBuilder *b, const char *name, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (name)
    json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, g_ascii_formatd (buf, sizeof buf, "%.17g", v));
}

static void
add_hex (JsonBuilder *b, const char *name, guint64 v)
{
  g_autofree char *s = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", v);
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, s);
}

static char *
state_json (const FwCheckpointState *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "epoch");
  json_builder_add_int_value (b, s->epoch);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, s->step);
  json_builder_set_member_name (b, "optim_steps");
  json_builder_add_int_value (b, s->optim_steps);
  add_exact (b, "lr", s->lr);
  add_hex (b, "shuffle_rng", s->shuffle_rng);
  add_hex (b, "dropout_rng", s->dropout_rng);
  add_exact (b, "best_val_loss", s->best_val_loss);
  json_builder_set_member_name (b, "best_epoch");
  json_builder_add_int_value (b, s->best_epoch);
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint i = 0; s->history && i < s->history->len; i++)
    {
      const FwEpochRecord *r = &g_array_index (s->history, FwEpochRecord, i);
      json_builder_begin_array (b);
      json_builder_add_int_value (b, r->epoch);
      add_exact (b, NULL, r->train_loss);
      add_exact (b, NULL, r->val_loss);
      add_exact (b, NULL, r->train_accuracy);
      add_exact (b, NULL, r->val_accuracy);
      add_exact (b, NULL, r->seconds);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* over the weights, the extra tensors and the state text, in that order */
static char *
checksum (const void *params, gsize n_params, const void *moments, const void *order,
          int n_order, const void *best, const char *state)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) params, n_params * sizeof (float));
  g_checksum_update (sum, (const guchar *) moments, 2 * n_params * sizeof (float));
  g_checksum_update (sum, (const guchar *) order, (gsize) n_order * sizeof (gint64));
  if (best)
    g_checksum_update (sum, (const guchar *) best, n_params * sizeof (float));
  g_checksum_update (sum, (const guchar *) state, strlen (state));
  return g_strdup (g_checksum_get_string (sum));
}

gboolean
fw_checkpoint_save (const char *path, FwModel *model, const FwVocab *vocab,
                    const char *const *classes, const FwCheckpointState *s, GError **error)
{
  g_return_val_if_fail (path && model && vocab && classes && s && s->moments && s->order, FALSE);
  gsize n = fw_model_n_params (model);
  g_autoptr (FwSafetensorsWriter) w = fw_model_file_writer (model, vocab, classes);
  g_autofree gint64 *order = g_new (gint64, MAX (s->n_order, 1));
  for (int i = 0; i < s->n_order; i++)
    order[i] = s->order[i];
  gint64 moments_shape[2] = { 2, (gint64) n }, order_shape[1] = { s->n_order },
         best_shape[1] = { (gint64) n };
  fw_safetensors_writer_add (w, MOMENTS, FW_DTYPE_F32, 2, moments_shape, s->moments);
  fw_safetensors_writer_add (w, ORDER, FW_DTYPE_I64, 1, order_shape, order);
  if (s->best)
    fw_safetensors_writer_add (w, BEST, FW_DTYPE_F32, 1, best_shape, s->best);
  g_autofree char *state = state_json (s);
  g_autofree char *sum = checksum (fw_model_params (model), n, s->moments, order, s->n_order,
                                   s->best, state);
  fw_safetensors_writer_add_metadata (w, STATE_KEY, state);
  fw_safetensors_writer_add_metadata (w, SUM_KEY, sum);
  return fw_safetensors_writer_save (w, path, error);
}

void
fw_checkpoint_free (FwCheckpoint *c)
{
  if (!c)
    return;
  fw_saved_model_free (c->saved);
  g_free (c->state.order);
  g_free (c->state.moments);
  g_free (c->state.best);
  if (c->state.history)
    g_array_unref (c->state.history);
  g_free (c);
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
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_VALUE, _("%s: not a usable checkpoint: %s"),
               path, what);
  return FALSE;
}

static gboolean
get_exact (JsonNode *node, double *out)
{
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  const char *text = json_node_get_string (node);
  char *end = NULL;
  *out = g_ascii_strtod (text, &end);
  return *text && !*end;
}

static gboolean
get_int (JsonObject *o, const char *name, gint64 min, gint64 *out)
{
  JsonNode *node = json_object_get_member (o, name);
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return *out >= min;
}

static gboolean
get_hex (JsonObject *o, const char *name, guint64 *out)
{
  JsonNode *node = json_object_get_member (o, name);
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  const char *text = json_node_get_string (node);
  char *end = NULL;
  *out = g_ascii_strtoull (text, &end, 16);
  return strlen (text) == 16 && !*end;
}

static gboolean
parse_state (const char *text, FwCheckpointState *s, const char *path, GError **error)
{
  /* depth-limited: a hostile checkpoint must not overflow the stack */
  g_autoptr (GError) jerr = NULL;
  g_autoptr (JsonNode) root = text ? fw_json_parse (text, -1, NULL, &jerr) : NULL;
  if (jerr && !g_error_matches (jerr, FW_JSON_ERROR, FW_JSON_ERROR_INVALID))
    return bad (error, path, _("metadata '%s': %s"), STATE_KEY, jerr->message);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, path, _("its training state is missing or not JSON; is it a plain "
                               "model file? Checkpoints are written by train --checkpoint"));
  JsonObject *o = json_node_get_object (root);
  gint64 epoch, step, optim_steps, best_epoch;
  if (!get_int (o, "epoch", 1, &epoch) || epoch > G_MAXINT || !get_int (o, "step", 0, &step)
      || !get_int (o, "optim_steps", 0, &optim_steps)
      || !get_int (o, "best_epoch", 0, &best_epoch) || best_epoch > epoch
      || !get_exact (json_object_get_member (o, "lr"), &s->lr) || !(s->lr > 0)
      || !isfinite (s->lr) || !get_exact (json_object_get_member (o, "best_val_loss"), &s->best_val_loss)
      || !get_hex (o, "shuffle_rng", &s->shuffle_rng) || !get_hex (o, "dropout_rng", &s->dropout_rng))
    return bad (error, path, _("its training state has a missing or bad entry"));
  s->epoch = (int) epoch;
  s->step = step;
  s->optim_steps = optim_steps;
  s->best_epoch = (int) best_epoch;
  JsonNode *h = json_object_get_member (o, "history");
  if (!h || !JSON_NODE_HOLDS_ARRAY (h) || json_array_get_length (json_node_get_array (h)) != (guint) epoch)
    return bad (error, path, _("its training state does not hold one metrics row per epoch"));
  JsonArray *rows = json_node_get_array (h);
  s->history = g_array_new (FALSE, TRUE, sizeof (FwEpochRecord));
  for (guint i = 0; i < (guint) epoch; i++)
    {
      JsonNode *rn = json_array_get_element (rows, i);
      JsonArray *r = rn && JSON_NODE_HOLDS_ARRAY (rn) ? json_node_get_array (rn) : NULL;
      FwEpochRecord rec = { 0 };
      gboolean ok = r && json_array_get_length (r) == 6;
      JsonNode *en = ok ? json_array_get_element (r, 0) : NULL;
      ok = ok && JSON_NODE_HOLDS_VALUE (en) && json_node_get_value_type (en) == G_TYPE_INT64
           && json_node_get_int (en) == (gint64) i + 1;
      ok = ok && get_exact (json_array_get_element (r, 1), &rec.train_loss)
           && get_exact (json_array_get_element (r, 2), &rec.val_loss)
           && get_exact (json_array_get_element (r, 3), &rec.train_accuracy)
           && get_exact (json_array_get_element (r, 4), &rec.val_accuracy)
           && get_exact (json_array_get_element (r, 5), &rec.seconds);
      if (!ok)
        return bad (error, path, _("metrics row %u of its training state is bad"), i + 1);
      rec.epoch = (int) i + 1;
      g_array_append_val (s->history, rec);
    }
  return TRUE;
}

static const FwTensor *
extra_tensor (const FwSafetensors *st, const char *name, FwDtype dtype, int ndim,
              const gint64 *shape, const char *path, GError **error)
{
  const FwTensor *t = fw_safetensors_get (st, name);
  gboolean ok = t && t->dtype == dtype && t->ndim == ndim;
  for (int d = 0; ok && d < ndim; d++)
    ok = shape[d] < 0 || t->shape[d] == shape[d];
  if (!ok)
    bad (error, path, _("tensor '%s' is missing or has the wrong dtype or shape"), name);
  return ok ? t : NULL;
}

FwCheckpoint *
fw_checkpoint_load (const char *path, int max_batch, GError **error)
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
  g_autofree char *shown = g_filename_display_name (path);   /* for messages */
  g_autoptr (FwSavedModel) saved = fw_model_load_bytes (bytes, shown, max_batch, error);
  if (!saved)
    return NULL;
  g_autoptr (FwSafetensors) st = fw_safetensors_parse (bytes, shown, error);
  if (!st)
    return NULL;

  g_autoptr (FwCheckpoint) c = g_new0 (FwCheckpoint, 1);
  FwCheckpointState *s = &c->state;
  const char *state = fw_safetensors_metadata (st, STATE_KEY);
  if (!parse_state (state, s, shown, error))
    return NULL;
  gint64 n = (gint64) fw_model_n_params (saved->model);
  gint64 moments_shape[2] = { 2, n }, order_shape[1] = { -1 }, best_shape[1] = { n };
  const FwTensor *moments = extra_tensor (st, MOMENTS, FW_DTYPE_F32, 2, moments_shape, shown, error);
  const FwTensor *order = moments ? extra_tensor (st, ORDER, FW_DTYPE_I64, 1, order_shape, shown, error) : NULL;
  if (!order)
    return NULL;
  const FwTensor *best = NULL;
  if (fw_safetensors_get (st, BEST)
      && !(best = extra_tensor (st, BEST, FW_DTYPE_F32, 1, best_shape, shown, error)))
    return NULL;
  if (order->shape[0] < 1 || order->shape[0] > G_MAXINT)
    {
      bad (error, shown, _("its training order is empty"));
      return NULL;
    }

  g_autofree char *sum = checksum (fw_model_params (saved->model), (gsize) n, moments->data,
                                   order->data, (int) order->shape[0],
                                   best ? best->data : NULL, state);
  if (g_strcmp0 (sum, fw_safetensors_metadata (st, SUM_KEY)) != 0)
    {
      bad (error, shown, _("its checksum does not match its contents: the file was damaged "
                          "or edited"));
      return NULL;
    }

  s->n_order = (int) order->shape[0];
  s->order = g_new (int, s->n_order);
  /* the data may sit at any byte offset in the file: copy before reading */
  g_autofree gint64 *o64 = g_memdup2 (order->data, order->nbytes);
  for (int i = 0; i < s->n_order; i++)
    {
      if (o64[i] < 0 || o64[i] > G_MAXINT)
        {
          bad (error, shown, _("its training order holds a bad row number"));
          return NULL;
        }
      s->order[i] = (int) o64[i];
    }
  s->moments = g_memdup2 (moments->data, moments->nbytes);
  s->best = best ? g_memdup2 (best->data, best->nbytes) : NULL;
  c->saved = g_steal_pointer (&saved);
  return g_steal_pointer (&c);
}
