/* fw-cmd-contrib.c — `fusion-workbench contrib`: how much the image and the
 * text drive a saved model's predictions on one split, as one JSON file.
 * The methods are core/fw-contrib.c; this file parses flags, picks the
 * methods and writes the JSON (to a temporary file, then renamed). */
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-contrib.h"
#include "fw-model-file.h"

#define SAMPLES_KEPT 100

enum { M_ABLATION, M_PERMUTATION, M_SHAPLEY, M_IG, M_EMAP, M_N_METHODS };
static const char *const method_names[] = { "ablation", "permutation", "shapley", "ig", "emap" };
G_STATIC_ASSERT (G_N_ELEMENTS (method_names) == M_N_METHODS);

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

/* On a terminal, one self-overwriting line per long method; nothing when
 * stderr is a pipe or a file. */
static int shown_percent = -1;

static void
progress (double fraction, gpointer data)
{
  int percent = (int) (100 * fraction);
  if (percent == shown_percent)
    return;
  shown_percent = percent;
  g_printerr ("\rfusion-workbench contrib: %s %3d%%", (const char *) data, percent);
}

static void
progress_done (FwProgressFunc func)
{
  shown_percent = -1;
  if (func)
    g_printerr ("\r\033[K");
}

static gboolean
parse_methods (const char *list, gboolean want[M_N_METHODS])
{
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      const char *p = g_strstrip (parts[i]);
      if (!*p)
        continue;
      int k = 0;
      while (k < M_N_METHODS && strcmp (p, method_names[k]) != 0)
        k++;
      if (k == M_N_METHODS)
        {
          g_printerr (_("fusion-workbench contrib: unknown method '%s' (use ablation, permutation, shapley, ig, emap)\n"), p);
          return FALSE;
        }
      want[k] = TRUE;
    }
  return TRUE;
}

int
fw_cmd_contrib (int argc, char **argv)
{
  const char *model_path = NULL, *data = NULL, *split = "test", *out_path = NULL;
  const char *methods = "ablation,permutation,shapley,ig,emap";
  gboolean skip_bad = FALSE;
  const FwCliFlag flags[] = {
    { "model", "MODEL", N_("a model file written by train --save"), &model_path, NULL },
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    { "split", "SPLIT", N_("train, val, test or all [test]"), &split, NULL },
    { "method", "LIST", N_("comma-separated: ablation, permutation, shapley, ig, emap [all]"), &methods, NULL },
    { "out", "CONTRIB.json", N_("where to write the contributions as JSON"), &out_path, NULL },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
  };
  switch (fw_cli_parse ("contrib", "--model MODEL --data SPEC [--split test] [--method LIST] --out CONTRIB.json",
                        argc, argv, flags, G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!model_path || !data || !out_path)
    {
      g_printerr (_("fusion-workbench contrib: --model MODEL, --data SPEC and --out FILE are required (see --help)\n"));
      return 2;
    }
  gboolean want[M_N_METHODS] = { FALSE };
  if (!parse_methods (methods, want))
    return 2;

  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load (model_path, 256, &error);
  if (!saved)
    {
      g_printerr ("fusion-workbench contrib: %s\n", error->message);
      return 1;
    }
  FwModel *model = saved->model;
  const FwConfig *config = fw_model_get_config (model);
  g_autoptr (FwDataset) ds = fw_cli_load_dataset ("contrib", data, config, skip_bad, NULL);
  if (!ds)
    return 1;
  int n = 0;
  g_autofree int *rows = fw_cli_split_rows ("contrib", ds, split, &n);
  if (!rows)
    return 2;
  g_autofree int *labels = fw_dataset_map_labels (ds, (const char *const *) saved->classes,
                                                  saved->n_classes, &error);
  if (!labels)
    {
      g_printerr ("fusion-workbench contrib: %s\n", error->message);
      return 1;
    }
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  /* a removed modality is its train mean; data without train rows (a test
   * set on its own) falls back to the rows explained */
  g_autofree int *train = g_new (int, ds->n);
  int n_train = fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, train);
  if (n_train == 0)
    {
      g_printerr (_("fusion-workbench contrib: %s has no train rows; a removed modality is the mean of the %s rows instead\n"),
                  ds->name, split);
      memcpy (train, rows, sizeof (int) * n);
      n_train = n;
    }
  g_autoptr (FwContrib) contrib = fw_contrib_new (model, ds, lexmap, labels, train, n_train);
  int kept = MIN (n, SAMPLES_KEPT);
  FwProgressFunc show = isatty (STDERR_FILENO) ? progress : NULL;
  g_autoptr (GString) summary = g_string_new (NULL);   /* for people, on stdout */

  g_autoptr (GString) s = g_string_new ("{\n  \"split\": ");
  json_string (s, split);
  g_string_append_printf (s, ",\n  \"n\": %d", n);

  if (want[M_ABLATION] || want[M_SHAPLEY])
    {
      FwAblation ab;
      FwShapleySummary sum;
      g_autofree FwShapleySample *sh = g_new0 (FwShapleySample, MAX (n, 1));
      if (!fw_contrib_ablation_shapley (contrib, rows, n, &ab, &sum, sh, NULL, show, "shapley", &error))
        {
          g_printerr ("fusion-workbench contrib: %s\n", error->message);
          return 1;
        }
      progress_done (show);
      if (want[M_ABLATION])
        {
          ablation_json (s, "ablation", "removed", &ab);
          g_string_append_printf (summary, _("ablation: accuracy %.3f, %.3f without the image, %.3f without the text\n"),
                                  ab.full_accuracy, ab.image_accuracy, ab.text_accuracy);
        }
      if (want[M_SHAPLEY])
        {
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
  if (want[M_PERMUTATION])
    {
      FwAblation perm;
      if (!fw_contrib_permutation (contrib, rows, n, config->seed, &perm, NULL, &error))
        {
          g_printerr ("fusion-workbench contrib: %s\n", error->message);
          return 1;
        }
      ablation_json (s, "permutation", "shuffled", &perm);
      g_string_append_printf (summary, _("permutation: accuracy %.3f with the images shuffled, %.3f with the captions shuffled\n"),
                              perm.image_accuracy, perm.text_accuracy);
    }
  if (want[M_IG])
    {
      g_autofree FwIgSample *ig = g_new0 (FwIgSample, MAX (n, 1));
      double img = 0, txt = 0;
      if (!fw_contrib_ig (contrib, rows, n, kept, ig, &img, &txt, NULL, show, "integrated gradients", &error))
        {
          g_printerr ("fusion-workbench contrib: %s\n", error->message);
          return 1;
        }
      progress_done (show);
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
  if (want[M_EMAP])
    {
      FwEmap emap;
      if (!fw_contrib_emap (contrib, rows, n, &emap, NULL, show, "emap", &error))
        {
          g_printerr ("fusion-workbench contrib: %s\n", error->message);
          return 1;
        }
      progress_done (show);
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

  /* g_file_set_contents writes a temporary file and renames it */
  if (!g_file_set_contents (out_path, s->str, (gssize) s->len, &error))
    {
      g_printerr ("fusion-workbench contrib: %s\n", error->message);
      return 1;
    }
  printf ("%s", summary->str);
  printf (_("wrote %s (%d %s rows)\n"), out_path, n, split);
  return 0;
}
