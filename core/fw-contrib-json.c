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
  g_string_append_printf (s, ",\n  \"%s\": {", name);
  key_num (s, "full_accuracy", a->full_accuracy, TRUE);
  g_autofree char *ia = g_strdup_printf ("image_%s_accuracy", removed);
  g_autofree char *ta = g_strdup_printf ("text_%s_accuracy", removed);
  g_autofree char *il = g_strdup_printf ("image_%s_loss", removed);
  g_autofree char *tl = g_strdup_printf ("text_%s_loss", removed);
  key_num (s, ia, a->image_accuracy, TRUE);
  key_num (s, ta, a->text_accuracy, TRUE);
  key_num (s, "full_loss", a->full_loss, TRUE);
  key_num (s, il, a->image_loss, TRUE);
  key_num (s, tl, a->text_loss, FALSE);
  g_string_append (s, "}");
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
  g_autoptr (GString) s = g_string_new ("{\n  \"split\": ");
  json_string (s, split);
  g_string_append_printf (s, ",\n  \"n\": %d", n);

  if (want[FW_CONTRIB_METHOD_ABLATION] || want[FW_CONTRIB_METHOD_SHAPLEY])
    {
      FwAblation ab;
      FwShapleySummary sum;
      g_autofree FwShapleySample *sh = g_new0 (FwShapleySample, MAX (n, 1));
      if (!fw_contrib_ablation_shapley (contrib, rows, n, &ab, &sum, sh, NULL, progress, (gpointer) "shapley", error))
        {
          return NULL;
        }
      if (want[FW_CONTRIB_METHOD_ABLATION])
        {
          ablation_json (s, "ablation", "removed", &ab);
          if (summary)
            g_string_append_printf (summary, _("ablation: accuracy %.3f, %.3f without the image, %.3f without the text\n"),
                                  ab.full_accuracy, ab.image_accuracy, ab.text_accuracy);
        }
      if (want[FW_CONTRIB_METHOD_SHAPLEY])
        {
          if (summary)
            g_string_append_printf (summary, _("shapley: image %.3f, text %.3f, interaction %.3f — the image takes %.0f%% of it by magnitude\n"),
                                  sum.image, sum.text, sum.interaction, 100 * sum.image_share);
          g_string_append (s, ",\n  \"shapley\": {");
          key_num (s, "image", sum.image, TRUE);
          key_num (s, "text", sum.text, TRUE);
          key_num (s, "interaction", sum.interaction, TRUE);
          g_string_append (s, "\"samples\": [");
          for (int i = 0; i < kept; i++)
            {
              g_string_append_printf (s, "%s\n    {\"index\": %d, ", i ? "," : "", sh[i].index);
              key_num (s, "image", sh[i].image, TRUE);
              key_num (s, "text", sh[i].text, TRUE);
              key_num (s, "interaction", sh[i].interaction, TRUE);
              key_num (s, "full", sh[i].full, TRUE);
              key_num (s, "empty", sh[i].empty, FALSE);
              g_string_append (s, "}");
            }
          g_string_append (s, "]}");
        }
    }
  if (want[FW_CONTRIB_METHOD_PERMUTATION])
    {
      FwAblation perm;
      if (!fw_contrib_permutation (contrib, rows, n, fw_model_get_config (model)->seed, &perm, NULL, error))
        {
          return NULL;
        }
      ablation_json (s, "permutation", "shuffled", &perm);
      if (summary)
            g_string_append_printf (summary, _("permutation: accuracy %.3f with the images shuffled, %.3f with the captions shuffled\n"),
                              perm.image_accuracy, perm.text_accuracy);
    }
  if (want[FW_CONTRIB_METHOD_IG])
    {
      g_autofree FwIgSample *ig = g_new0 (FwIgSample, MAX (n, 1));
      double img = 0, txt = 0;
      if (!fw_contrib_ig (contrib, rows, n, kept, ig, &img, &txt, NULL, progress, (gpointer) "integrated gradients", error))
        {
          return NULL;
        }
      if (summary)
            g_string_append_printf (summary, _("integrated gradients: image %.3f, text %.3f\n"), img, txt);
      g_string_append (s, ",\n  \"ig\": {");
      key_num (s, "image", img, TRUE);
      key_num (s, "text", txt, TRUE);
      g_string_append (s, "\"samples\": [");
      const FwShape *shape = fw_model_get_shape (model);
      int P = shape->channels * shape->size * shape->size;
      for (int i = 0; i < kept; i++)
        {
          g_string_append_printf (s, "%s\n    {\"index\": %d, ", i ? "," : "", ig[i].index);
          key_num (s, "image", ig[i].image, TRUE);
          key_num (s, "text", ig[i].text, TRUE);
          g_string_append (s, "\"tokens\": [");
          for (int j = 0; j < ig[i].n_tokens; j++)
            {
              g_string_append (s, j ? ", {\"token\": " : "{\"token\": ");
              json_string (s, ig[i].tokens[j]);
              g_string_append (s, ", ");
              key_num (s, "score", ig[i].token_scores[j], FALSE);
              g_string_append (s, "}");
            }
          g_string_append (s, "], \"pixels\": [");
          for (int p = 0; ig[i].pixels && p < P; p++)
            {
              if (p)
                g_string_append_c (s, ',');
              char buf[G_ASCII_DTOSTR_BUF_SIZE];
              g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.4g", ig[i].pixels[p]));
            }
          g_string_append (s, "]}");
        }
      g_string_append (s, "]}");
      for (int i = 0; i < n; i++)
        fw_ig_sample_clear (&ig[i]);
    }
  if (want[FW_CONTRIB_METHOD_EMAP])
    {
      FwEmap emap;
      if (!fw_contrib_emap (contrib, rows, n, &emap, NULL, progress, (gpointer) "emap", error))
        {
          return NULL;
        }
      if (summary)
            g_string_append_printf (summary, _("emap: the model %.3f, its additive projection %.3f (gap %.3f: how much it uses the two together)\n"),
                              emap.model_accuracy, emap.additive_accuracy, emap.gap);
      g_string_append_printf (s, ",\n  \"emap\": {\"n\": %d, ", emap.n);
      key_num (s, "model_accuracy", emap.model_accuracy, TRUE);
      key_num (s, "additive_accuracy", emap.additive_accuracy, TRUE);
      key_num (s, "gap", emap.gap, FALSE);
      g_string_append (s, "}");
    }
  double wi, wt;
  if (fw_contrib_late_weights (model, &wi, &wt))
    {
      g_string_append (s, ",\n  \"late_weights\": {");
      key_num (s, "image", wi, TRUE);
      key_num (s, "text", wt, FALSE);
      g_string_append (s, "}");
    }
  if (fw_contrib_mean_gate (contrib, rows, n, &wi, &wt))
    {
      g_string_append (s, ",\n  \"gate\": {");
      key_num (s, "image", wi, TRUE);
      key_num (s, "text", wt, FALSE);
      g_string_append (s, "}");
    }
  g_string_append (s, "\n}\n");
  return g_string_free (g_steal_pointer (&s), FALSE);

}
