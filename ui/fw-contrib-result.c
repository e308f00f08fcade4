/* fw-contrib-result.c — holds one run's contribution numbers, forwards the
 * run's "changed" (new epochs: reliance grows) as its own, and writes the
 * JSON export.  Computing and drawing are done elsewhere. */
#include <math.h>

#include <string.h>
#include "fw-file.h"
#include "fw-contrib-result.h"

struct _FwContribResult
{
  GObject parent_instance;

  /* Owned */
  FwRun *run;
  FwContribNumbers *numbers;
  gulong run_changed_id;
};

G_DEFINE_FINAL_TYPE (FwContribResult, fw_contrib_result, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

void
fw_contrib_numbers_free (FwContribNumbers *n)
{
  if (!n)
    return;
  g_free (n->split);
  g_strfreev (n->classes);
  g_free (n->class_shapley);
  g_free (n->class_n);
  g_free (n->confusion);
  g_free (n->samples);
  for (int i = 0; n->ig_samples && i < n->ig_n; i++)
    fw_ig_sample_clear (&n->ig_samples[i]);
  g_free (n->ig_samples);
  g_free (n);
}

static void
emit_changed (FwContribResult *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
fw_contrib_result_dispose (GObject *object)
{
  FwContribResult *self = FW_CONTRIB_RESULT (object);

  if (self->run)
    g_clear_signal_handler (&self->run_changed_id, self->run);
  g_clear_object (&self->run);
  G_OBJECT_CLASS (fw_contrib_result_parent_class)->dispose (object);
}

static void
fw_contrib_result_finalize (GObject *object)
{
  FwContribResult *self = FW_CONTRIB_RESULT (object);

  g_clear_pointer (&self->numbers, fw_contrib_numbers_free);
  G_OBJECT_CLASS (fw_contrib_result_parent_class)->finalize (object);
}

static void
fw_contrib_result_class_init (FwContribResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fw_contrib_result_dispose;
  object_class->finalize = fw_contrib_result_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fw_contrib_result_init (FwContribResult *self)
{
}

FwContribResult *
fw_contrib_result_new (void)
{
  return g_object_new (FW_TYPE_CONTRIB_RESULT, NULL);
}

void
fw_contrib_result_set_run (FwContribResult *self, FwRun *run)
{
  g_return_if_fail (FW_IS_CONTRIB_RESULT (self));

  if (self->run == run)
    return;
  if (self->run)
    g_clear_signal_handler (&self->run_changed_id, self->run);
  g_set_object (&self->run, run);
  if (run)
    self->run_changed_id = g_signal_connect_swapped (run, "changed", G_CALLBACK (emit_changed), self);
  g_clear_pointer (&self->numbers, fw_contrib_numbers_free);
  emit_changed (self);
}

FwRun *fw_contrib_result_get_run (FwContribResult *self) { return self->run; }
const FwContribNumbers *fw_contrib_result_get_numbers (FwContribResult *self) { return self->numbers; }

void
fw_contrib_result_set_numbers (FwContribResult *self, FwContribNumbers *numbers)
{
  g_return_if_fail (FW_IS_CONTRIB_RESULT (self));

  g_clear_pointer (&self->numbers, fw_contrib_numbers_free);
  self->numbers = numbers;
  emit_changed (self);
}

gboolean
fw_epoch_has_reliance (const FwEpochPoint *p)
{
  return isfinite (p->image_share) && isfinite (p->text_share) &&
         fabs (p->image_share + p->text_share - 1.0) < 1e-3;
}

guint
fw_contrib_result_get_n_reliance (FwContribResult *self)
{
  guint n = 0, count = 0;
  const FwEpochPoint *e;

  if (!self->run)
    return 0;
  e = fw_run_get_epochs (self->run, &n);
  for (guint i = 0; i < n; i++)
    count += fw_epoch_has_reliance (&e[i]);
  return count;
}

/* ---- JSON: the contrib command's sections (fw-contrib.h), plus what
 * only the view has: the run, per-class figures, confusion, reliance ---- */

static void
member_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
member_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  fw_contrib_json_number (b, v);
}

static void
add_numbers (JsonBuilder *b, const FwContribNumbers *n)
{
  member_string (b, "split", n->split);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, n->n);
  fw_contrib_json_ablation (b, "ablation", "removed", &n->ablation);
  fw_contrib_json_ablation (b, "permutation", "shuffled", &n->permutation);
  fw_contrib_json_shapley (b, &n->shapley, TRUE, n->samples, n->n_samples);
  fw_contrib_json_ig (b, n->ig_image, n->ig_text, n->ig_samples, n->ig_n, 0, TRUE);
  fw_contrib_json_emap (b, &n->emap);
  if (n->has_late)
    fw_contrib_json_pair (b, "late_weights", n->late_image, n->late_text);
  else
    {
      json_builder_set_member_name (b, "late_weights");
      json_builder_add_null_value (b);
    }
  if (n->has_gate)
    fw_contrib_json_pair (b, "gate", n->gate_image, n->gate_text);
  else
    {
      json_builder_set_member_name (b, "gate");
      json_builder_add_null_value (b);
    }
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int k = 0; k < n->n_classes; k++)
    json_builder_add_string_value (b, n->classes[k]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "per_class");
  json_builder_begin_array (b);
  for (int k = 0; k < n->n_classes; k++)
    {
      json_builder_begin_object (b);
      member_string (b, "class", n->classes[k]);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, n->class_n[k]);
      member_number (b, "image", n->class_shapley[k * 3]);
      member_number (b, "text", n->class_shapley[k * 3 + 1]);
      member_number (b, "interaction", n->class_shapley[k * 3 + 2]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "confusion");
  json_builder_begin_array (b);
  for (int k = 0; k < n->n_classes; k++)
    {
      json_builder_begin_array (b);
      for (int j = 0; j < n->n_classes; j++)
        json_builder_add_int_value (b, n->confusion[k * n->n_classes + j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

char *
fw_contrib_result_to_json (FwContribResult *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const FwEpochPoint *e = NULL;
  guint n_epochs = 0;

  json_builder_begin_object (b);
  member_string (b, "run", self->run ? fw_run_get_description (self->run) : "");
  if (self->numbers)
    add_numbers (b, self->numbers);
  json_builder_set_member_name (b, "reliance");
  json_builder_begin_array (b);
  if (self->run)
    e = fw_run_get_epochs (self->run, &n_epochs);
  for (guint i = 0; i < n_epochs; i++)
    {
      if (!fw_epoch_has_reliance (&e[i]))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "epoch");
      json_builder_add_int_value (b, e[i].epoch);
      member_number (b, "image_share", e[i].image_share);
      member_number (b, "text_share", e[i].text_share);
      member_number (b, "interaction", e[i].interaction);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return fw_contrib_json_text (b);
}

gboolean
fw_contrib_result_write_json (FwContribResult *self, const char *path, GError **error)
{
  g_autofree char *text = fw_contrib_result_to_json (self);

  /* durably, through a temporary file renamed into place */
  return fw_file_write (path, text, strlen (text), 0666, error);
}
