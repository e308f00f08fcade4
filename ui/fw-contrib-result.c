/* fw-contrib-result.c — holds one run's contribution numbers, forwards the
 * run's "changed" (new epochs: reliance grows) as its own, and writes the
 * JSON export.  Computing and drawing are done elsewhere. */
#include <math.h>

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

/* ---- JSON ---- */

static void
num (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    g_string_append (s, "null");
  else
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

static void
key_num (GString *s, const char *key, double v, gboolean comma)
{
  g_string_append_printf (s, "\"%s\": ", key);
  num (s, v);
  if (comma)
    g_string_append (s, ", ");
}

static void
json_string (GString *s, const char *str)
{
  g_string_append_c (s, '"');
  for (const char *p = str; *p; p++)
    {
      guchar ch = (guchar) *p;
      if (ch == '"' || ch == '\\')
        g_string_append_printf (s, "\\%c", ch);
      else if (ch < 0x20)
        g_string_append_printf (s, "\\u%04x", ch);
      else
        g_string_append_c (s, (char) ch);
    }
  g_string_append_c (s, '"');
}

static void
ablation_json (GString *s, const char *name, const char *removed, const FwAblation *a)
{
  g_autofree char *ia = g_strdup_printf ("image_%s_accuracy", removed);
  g_autofree char *ta = g_strdup_printf ("text_%s_accuracy", removed);
  g_autofree char *il = g_strdup_printf ("image_%s_loss", removed);
  g_autofree char *tl = g_strdup_printf ("text_%s_loss", removed);

  g_string_append_printf (s, ",\n  \"%s\": {", name);
  key_num (s, "full_accuracy", a->full_accuracy, TRUE);
  key_num (s, ia, a->image_accuracy, TRUE);
  key_num (s, ta, a->text_accuracy, TRUE);
  key_num (s, "full_loss", a->full_loss, TRUE);
  key_num (s, il, a->image_loss, TRUE);
  key_num (s, tl, a->text_loss, FALSE);
  g_string_append (s, "}");
}

char *
fw_contrib_result_to_json (FwContribResult *self)
{
  GString *s = g_string_new ("{\n  \"run\": ");
  const FwContribNumbers *n = self->numbers;
  const FwEpochPoint *e = NULL;
  guint n_epochs = 0;
  gboolean first = TRUE;

  json_string (s, self->run ? fw_run_get_description (self->run) : "");
  if (n)
    {
      g_string_append (s, ",\n  \"split\": ");
      json_string (s, n->split);
      g_string_append_printf (s, ",\n  \"n\": %d", n->n);
      ablation_json (s, "ablation", "removed", &n->ablation);
      ablation_json (s, "permutation", "shuffled", &n->permutation);
      g_string_append (s, ",\n  \"shapley\": {");
      key_num (s, "image", n->shapley.image, TRUE);
      key_num (s, "text", n->shapley.text, TRUE);
      key_num (s, "interaction", n->shapley.interaction, TRUE);
      key_num (s, "image_share", n->shapley.image_share, TRUE);
      key_num (s, "text_share", n->shapley.text_share, TRUE);
      g_string_append (s, "\"samples\": [");
      for (int i = 0; i < n->n_samples; i++)
        {
          const FwShapleySample *p = &n->samples[i];
          g_string_append_printf (s, "%s\n    {\"index\": %d, ", i ? "," : "", p->index);
          key_num (s, "image", p->image, TRUE);
          key_num (s, "text", p->text, TRUE);
          key_num (s, "interaction", p->interaction, TRUE);
          key_num (s, "full", p->full, TRUE);
          key_num (s, "empty", p->empty, FALSE);
          g_string_append (s, "}");
        }
      g_string_append (s, "]}");
      g_string_append (s, ",\n  \"ig\": {");
      key_num (s, "image", n->ig_image, TRUE);
      key_num (s, "text", n->ig_text, TRUE);
      g_string_append_printf (s, "\"n\": %d, \"samples\": [", n->ig_n);
      for (int i = 0; i < n->ig_n; i++)
        {
          const FwIgSample *p = &n->ig_samples[i];
          g_string_append_printf (s, "%s\n    {\"index\": %d, ", i ? "," : "", p->index);
          key_num (s, "image", p->image, TRUE);
          key_num (s, "text", p->text, TRUE);
          g_string_append (s, "\"tokens\": [");
          for (int t = 0; t < p->n_tokens; t++)
            {
              g_string_append (s, t ? ", {\"token\": " : "{\"token\": ");
              json_string (s, p->tokens[t]);
              g_string_append (s, ", ");
              key_num (s, "score", p->token_scores[t], FALSE);
              g_string_append (s, "}");
            }
          g_string_append (s, "]}");
        }
      g_string_append (s, "]}");
      g_string_append (s, ",\n  \"emap\": {");
      g_string_append_printf (s, "\"n\": %d, ", n->emap.n);
      key_num (s, "model_accuracy", n->emap.model_accuracy, TRUE);
      key_num (s, "additive_accuracy", n->emap.additive_accuracy, TRUE);
      key_num (s, "gap", n->emap.gap, FALSE);
      g_string_append (s, "}");
      g_string_append (s, ",\n  \"late_weights\": ");
      if (n->has_late)
        {
          g_string_append (s, "{");
          key_num (s, "image", n->late_image, TRUE);
          key_num (s, "text", n->late_text, FALSE);
          g_string_append (s, "}");
        }
      else
        g_string_append (s, "null");
      g_string_append (s, ",\n  \"gate\": ");
      if (n->has_gate)
        {
          g_string_append (s, "{");
          key_num (s, "image", n->gate_image, TRUE);
          key_num (s, "text", n->gate_text, FALSE);
          g_string_append (s, "}");
        }
      else
        g_string_append (s, "null");
      g_string_append (s, ",\n  \"classes\": [");
      for (int k = 0; k < n->n_classes; k++)
        {
          if (k)
            g_string_append (s, ", ");
          json_string (s, n->classes[k]);
        }
      g_string_append (s, "],\n  \"per_class\": [");
      for (int k = 0; k < n->n_classes; k++)
        {
          g_string_append (s, k ? ",\n    {\"class\": " : "\n    {\"class\": ");
          json_string (s, n->classes[k]);
          g_string_append_printf (s, ", \"n\": %d, ", n->class_n[k]);
          key_num (s, "image", n->class_shapley[k * 3], TRUE);
          key_num (s, "text", n->class_shapley[k * 3 + 1], TRUE);
          key_num (s, "interaction", n->class_shapley[k * 3 + 2], FALSE);
          g_string_append (s, "}");
        }
      g_string_append (s, "],\n  \"confusion\": [");
      for (int k = 0; k < n->n_classes; k++)
        {
          g_string_append (s, k ? ", [" : "[");
          for (int j = 0; j < n->n_classes; j++)
            g_string_append_printf (s, "%s%d", j ? ", " : "", n->confusion[k * n->n_classes + j]);
          g_string_append (s, "]");
        }
      g_string_append (s, "]");
    }
  g_string_append (s, ",\n  \"reliance\": [");
  if (self->run)
    e = fw_run_get_epochs (self->run, &n_epochs);
  for (guint i = 0; i < n_epochs; i++)
    {
      if (!fw_epoch_has_reliance (&e[i]))
        continue;
      g_string_append_printf (s, "%s\n    {\"epoch\": %d, ", first ? "" : ",", e[i].epoch);
      key_num (s, "image_share", e[i].image_share, TRUE);
      key_num (s, "text_share", e[i].text_share, TRUE);
      key_num (s, "interaction", e[i].interaction, FALSE);
      g_string_append (s, "}");
      first = FALSE;
    }
  g_string_append (s, "]\n}\n");
  return g_string_free (s, FALSE);
}

gboolean
fw_contrib_result_write_json (FwContribResult *self, const char *path, GError **error)
{
  g_autofree char *text = fw_contrib_result_to_json (self);

  /* g_file_set_contents writes a temporary file and renames it */
  return g_file_set_contents (path, text, -1, error);
}
