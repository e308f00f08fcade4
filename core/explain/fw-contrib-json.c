/* fw-contrib-json.c — the contributions report as JSON text, the file
 * `contrib --out` writes and the GUI exports: per method a global figure
 * per modality and, for the first rows, per-sample figures; and a short
 * summary for people.  The methods are fw-contrib.c; writing the file is
 * the caller's. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-contrib.h"

#define SAMPLES_KEPT 100

void
fw_contrib_json_number (JsonBuilder *b, double v)
{
  /* JSON has no NaN: a figure that does not exist is null */
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
member_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  fw_contrib_json_number (b, v);
}

void
fw_contrib_json_ablation (JsonBuilder *b, const char *member, const char *removed,
                          const FwAblation *a)
{
  g_autofree char *ia = g_strdup_printf ("image_%s_accuracy", removed);
  g_autofree char *ta = g_strdup_printf ("text_%s_accuracy", removed);
  g_autofree char *il = g_strdup_printf ("image_%s_loss", removed);
  g_autofree char *tl = g_strdup_printf ("text_%s_loss", removed);
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  member_number (b, "full_accuracy", a->full_accuracy);
  member_number (b, ia, a->image_accuracy);
  member_number (b, ta, a->text_accuracy);
  member_number (b, "full_loss", a->full_loss);
  member_number (b, il, a->image_loss);
  member_number (b, tl, a->text_loss);
  json_builder_end_object (b);
}

void
fw_contrib_json_shapley (JsonBuilder *b, const FwShapleySummary *sum, gboolean shares,
                         const FwShapleySample *samples, int n)
{
  json_builder_set_member_name (b, "shapley");
  json_builder_begin_object (b);
  member_number (b, "image", sum->image);
  member_number (b, "text", sum->text);
  member_number (b, "interaction", sum->interaction);
  if (shares)
    {
      member_number (b, "image_share", sum->image_share);
      member_number (b, "text_share", sum->text_share);
    }
  json_builder_set_member_name (b, "samples");
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, samples[i].index);
      member_number (b, "image", samples[i].image);
      member_number (b, "text", samples[i].text);
      member_number (b, "interaction", samples[i].interaction);
      member_number (b, "full", samples[i].full);
      member_number (b, "empty", samples[i].empty);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

void
fw_contrib_json_ig (JsonBuilder *b, double image, double text, const FwIgSample *samples,
                    int n, int pixels, gboolean count)
{
  json_builder_set_member_name (b, "ig");
  json_builder_begin_object (b);
  member_number (b, "image", image);
  member_number (b, "text", text);
  if (count)
    {
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, n);
    }
  json_builder_set_member_name (b, "samples");
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    {
      const FwIgSample *p = &samples[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, p->index);
      member_number (b, "image", p->image);
      member_number (b, "text", p->text);
      json_builder_set_member_name (b, "tokens");
      json_builder_begin_array (b);
      for (int t = 0; t < p->n_tokens; t++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "token");
          json_builder_add_string_value (b, p->tokens[t]);
          member_number (b, "score", p->token_scores[t]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      if (pixels > 0)
        {
          json_builder_set_member_name (b, "pixels");
          json_builder_begin_array (b);
          for (int k = 0; p->pixels && k < pixels; k++)
            fw_contrib_json_number (b, p->pixels[k]);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

void
fw_contrib_json_emap (JsonBuilder *b, const FwEmap *e)
{
  json_builder_set_member_name (b, "emap");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, e->n);
  member_number (b, "model_accuracy", e->model_accuracy);
  member_number (b, "additive_accuracy", e->additive_accuracy);
  member_number (b, "gap", e->gap);
  json_builder_end_object (b);
}

void
fw_contrib_json_pair (JsonBuilder *b, const char *member, double image, double text)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  member_number (b, "image", image);
  member_number (b, "text", text);
  json_builder_end_object (b);
}

char *
fw_contrib_json_text (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

char *
fw_contrib_report_json (FwContrib *contrib, const int *rows, int n, const char *split,
                        const gboolean *methods, FwProgressFunc progress, GString *summary,
                        GError **error)
{
  gboolean want[FW_CONTRIB_N_METHODS];
  FwModel *model = fw_contrib_get_model (contrib);
  int kept = MIN (n, SAMPLES_KEPT);

  for (int i = 0; i < FW_CONTRIB_N_METHODS; i++)
    want[i] = methods ? methods[i] : TRUE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "split");
  json_builder_add_string_value (b, split);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, n);

  if (want[FW_CONTRIB_METHOD_ABLATION] || want[FW_CONTRIB_METHOD_SHAPLEY])
    {
      FwAblation ab;
      FwShapleySummary sum;
      g_autofree FwShapleySample *sh = g_new0 (FwShapleySample, MAX (n, 1));
      if (!fw_contrib_ablation_shapley (contrib, rows, n, &ab, &sum, sh, NULL, progress, (gpointer) "shapley", error))
        return NULL;
      if (want[FW_CONTRIB_METHOD_ABLATION])
        {
          fw_contrib_json_ablation (b, "ablation", "removed", &ab);
          if (summary)
            g_string_append_printf (summary, _("ablation: accuracy %.3f, %.3f without the image, %.3f without the text\n"),
                                    ab.full_accuracy, ab.image_accuracy, ab.text_accuracy);
        }
      if (want[FW_CONTRIB_METHOD_SHAPLEY])
        {
          if (summary)
            g_string_append_printf (summary, _("shapley: image %.3f, text %.3f, interaction %.3f — the image takes %.0f%% of it by magnitude\n"),
                                    sum.image, sum.text, sum.interaction, 100 * sum.image_share);
          fw_contrib_json_shapley (b, &sum, FALSE, sh, kept);
        }
    }
  if (want[FW_CONTRIB_METHOD_PERMUTATION])
    {
      FwAblation perm;
      if (!fw_contrib_permutation (contrib, rows, n, fw_model_get_config (model)->seed, &perm, NULL, error))
        return NULL;
      fw_contrib_json_ablation (b, "permutation", "shuffled", &perm);
      if (summary)
        g_string_append_printf (summary, _("permutation: accuracy %.3f with the images shuffled, %.3f with the captions shuffled\n"),
                                perm.image_accuracy, perm.text_accuracy);
    }
  if (want[FW_CONTRIB_METHOD_IG])
    {
      g_autofree FwIgSample *ig = g_new0 (FwIgSample, MAX (n, 1));
      double img = 0, txt = 0;
      if (!fw_contrib_ig (contrib, rows, n, kept, ig, &img, &txt, NULL, progress, (gpointer) "integrated gradients", error))
        return NULL;
      if (summary)
        g_string_append_printf (summary, _("integrated gradients: image %.3f, text %.3f\n"), img, txt);
      const FwShape *shape = fw_model_get_shape (model);
      fw_contrib_json_ig (b, img, txt, ig, kept, shape->channels * shape->size * shape->size, FALSE);
      for (int i = 0; i < n; i++)
        fw_ig_sample_clear (&ig[i]);
    }
  if (want[FW_CONTRIB_METHOD_EMAP])
    {
      FwEmap emap;
      if (!fw_contrib_emap (contrib, rows, n, &emap, NULL, progress, (gpointer) "emap", error))
        return NULL;
      if (summary)
        g_string_append_printf (summary, _("emap on the first %d rows: the model %.3f, its additive projection %.3f (gap %.3f: how much it uses the two together)\n"),
                                emap.n, emap.model_accuracy, emap.additive_accuracy, emap.gap);
      fw_contrib_json_emap (b, &emap);
    }
  double wi, wt;
  if (fw_contrib_late_weights (model, &wi, &wt))
    fw_contrib_json_pair (b, "late_weights", wi, wt);
  if (fw_contrib_mean_gate (contrib, rows, n, &wi, &wt))
    fw_contrib_json_pair (b, "gate", wi, wt);
  json_builder_end_object (b);
  return fw_contrib_json_text (b);
}
