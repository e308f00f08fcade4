/* fw-cmd-robustness.c — `fusion-workbench robustness`: a saved model's
 * accuracy and loss on one split while missing, noisy or misaligned inputs
 * grow, as R.json (core/challenges/fw-robustness.h has the perturbations
 * and the figures).  The sweep runs on a worker thread so that Ctrl+C
 * cancels it; the file is only written, atomically, when every curve is
 * done. */
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-file.h"
#include "fw-model-file.h"
#include "fw-robustness-json.h"

/* A saved model with the dataset rows it reads, in its own preprocessing */
typedef struct {
  FwSavedModel *saved;
  FwDataset *ds;             /* owned unless borrowed */
  gboolean owns_ds;
  int *rows, n;
  int *labels, *lexmap;
} Evaluated;

static void
evaluated_clear (Evaluated *e)
{
  g_clear_pointer (&e->saved, fw_saved_model_free);
  if (e->owns_ds)
    g_clear_pointer (&e->ds, fw_dataset_free);
  g_clear_pointer (&e->rows, g_free);
  g_clear_pointer (&e->labels, g_free);
  g_clear_pointer (&e->lexmap, g_free);
}

/* 0, or the exit status after a message */
static int
evaluated_load (Evaluated *e, const char *model_path, const char *data, const char *split,
                const Evaluated *share_with, gboolean skip_bad)
{
  g_autoptr (GError) error = NULL;
  if (!fw_cli_check_split ("robustness", split))
    return 2;
  e->saved = fw_model_load (model_path, 256, &error);
  if (!e->saved)
    {
      g_printerr ("fusion-workbench robustness: %s\n", error->message);
      return 1;
    }
  const FwConfig *config = fw_model_get_config (e->saved->model);
  if (share_with)
    {
      const FwConfig *other = fw_model_get_config (share_with->saved->model);
      if (other->image_size == config->image_size && other->color == config->color)
        e->ds = share_with->ds;
    }
  if (!e->ds)
    {
      e->ds = fw_cli_load_dataset ("robustness", data, config, FALSE, skip_bad, NULL);
      if (!e->ds)
        return 1;
      e->owns_ds = TRUE;
    }
  if (!fw_cli_check_dataset ("robustness", e->saved->model, e->ds))
    return 1;
  e->rows = fw_cli_split_rows ("robustness", e->ds, split, &e->n);
  if (!e->rows)
    return 2;
  if (e->n == 0)
    {
      g_printerr (_("fusion-workbench robustness: %s has no %s rows\n"), e->ds->name, split);
      return 1;
    }
  e->labels = fw_cli_map_labels ("robustness", e->ds, (const char *const *) e->saved->classes,
                                 e->saved->n_classes, skip_bad, e->rows, &e->n);
  if (!e->labels)
    return 1;
  fw_cli_report_overlap ("robustness", e->saved->model, e->ds, e->rows, e->n);
  e->lexmap = fw_vocab_map_lexicon (e->saved->vocab, e->ds);
  return 0;
}

typedef struct {
  Evaluated model, baseline;
  gboolean has_baseline;
  FwPerturbation kinds[FW_PERTURB_N_KINDS];
  int n_kinds;
  double *levels;            /* NULL: each kind's defaults */
  int n_levels;
  guint64 seed;
  FwRobustnessCurve *curves[FW_PERTURB_N_KINDS];
  GError *error;
  /* progress */
  int done, total;
  int shown_percent;
  gboolean tty;
} Sweep;

static void
progress (double fraction, gpointer data)
{
  Sweep *s = data;
  int percent = (int) (100 * (s->done + fraction) / s->total);
  if (!s->tty || percent == s->shown_percent)
    return;
  s->shown_percent = percent;
  g_printerr ("\r\033[Kfusion-workbench robustness: %3d%%", percent);
}

static FwRobustnessCurve *
one_curve (Sweep *s, Evaluated *e, FwPerturbation kind, GCancellable *cancellable)
{
  int n_levels = s->n_levels;
  const double *levels = s->levels ? s->levels : fw_perturbation_default_levels (kind, &n_levels);
  FwRobustnessCurve *c = fw_robustness_curve (e->saved->model, e->ds, e->lexmap, e->labels,
                                              e->rows, e->n, kind, levels, n_levels, s->seed,
                                              progress, s, cancellable, &s->error);
  s->done++;
  return c;
}

static gpointer
sweep (gpointer data, GCancellable *cancellable)
{
  Sweep *s = data;
  /* once this line is out, Ctrl+C cancels instead of killing */
  g_printerr (_("fusion-workbench robustness: %d curves on %d rows (Ctrl+C cancels)\n"),
              s->n_kinds, s->model.n);
  for (int i = 0; i < s->n_kinds; i++)
    {
      FwPerturbation kind = s->kinds[i];
      s->curves[i] = one_curve (s, &s->model, kind, cancellable);
      if (!s->curves[i])
        return NULL;
      if (s->has_baseline)
        {
          g_autoptr (FwRobustnessCurve) base = one_curve (s, &s->baseline, kind, cancellable);
          if (!base)
            return NULL;
          fw_robustness_curve_compare (s->curves[i], base);
        }
      if (s->tty)
        g_printerr ("\r\033[K");
      g_printerr (_("%-14s auc %.4f  relative robustness %.4f\n"), fw_perturbation_name (kind),
                  s->curves[i]->auc, s->curves[i]->relative_robustness);
    }
  return s;
}

static gboolean
parse_kinds (const char *list, Sweep *s)
{
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      const char *p = g_strstrip (parts[i]);
      FwPerturbation kind;
      if (!*p)
        continue;
      if (!fw_perturbation_parse (p, &kind))
        {
          g_printerr (_("fusion-workbench robustness: unknown perturbation '%s' (use "
                        "missing_image, missing_text, image_noise, text_noise, misaligned)\n"), p);
          return FALSE;
        }
      gboolean seen = FALSE;
      for (int k = 0; k < s->n_kinds; k++)
        seen |= s->kinds[k] == kind;
      if (!seen)
        s->kinds[s->n_kinds++] = kind;
    }
  if (s->n_kinds == 0)
    {
      g_printerr (_("fusion-workbench robustness: --perturb names no perturbation\n"));
      return FALSE;
    }
  return TRUE;
}

int
fw_cmd_robustness (int argc, char **argv)
{
  const char *model_path = NULL, *data = NULL, *split = "test", *out_path = NULL;
  const char *perturb = "missing_image,missing_text,image_noise,text_noise,misaligned";
  const char *levels = NULL, *seed_text = "1", *baseline_path = NULL;
  gboolean skip_bad = FALSE;
  const FwCliFlag flags[] = {
    { "model", "MODEL", N_("a model file written by train --save"), &model_path, NULL },
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "split", "SPLIT", N_("train, val, test or all [test]"), &split, NULL },
    { "perturb", "LIST", N_("comma-separated: missing_image, missing_text, image_noise, text_noise, misaligned [all]"), &perturb, NULL },
    { "levels", "LIST", N_("perturbation levels, fractions in [0, 1] (σ ≥ 0 for image_noise) [0,0.1,0.25,0.5,0.75,1; σ 0,0.05,0.1,0.2,0.4,0.8]"), &levels, NULL },
    { "baseline", "MODEL", N_("a second model file: report each curve's effective robustness against it"), &baseline_path, NULL },
    { "seed", "N", N_("seed of the perturbations [1]"), &seed_text, NULL },
    { "out", "R.json", N_("where to write the curves as JSON"), &out_path, NULL },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
  };
  switch (fw_cli_parse ("robustness",
                        "--model MODEL --data SPEC [--split test] [--perturb LIST] [--levels LIST] "
                        "[--baseline MODEL] [--seed N] --out R.json",
                        argc, argv, flags, G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!model_path || !data || !out_path)
    {
      g_printerr (_("fusion-workbench robustness: --model MODEL, --data SPEC and --out R.json are "
                    "required (see --help)\n"));
      return 2;
    }

  g_autofree Sweep *s = g_new0 (Sweep, 1);
  s->shown_percent = -1;
  s->tty = isatty (STDERR_FILENO);
  if (!parse_kinds (perturb, s))
    return 2;
  guint64 seed = 0;
  if (!g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed, NULL))
    {
      g_printerr (_("fusion-workbench robustness: --seed '%s' is not a whole number ≥ 0\n"),
                  seed_text);
      return 2;
    }
  s->seed = seed;
  if (levels)
    {
      s->levels = fw_cli_parse_numbers ("robustness", "levels", levels, &s->n_levels);
      if (!s->levels)
        return 2;
      for (int i = 0; i < s->n_kinds; i++)
        {
          g_autoptr (GError) error = NULL;
          if (!fw_perturbation_check_levels (s->kinds[i], s->levels, s->n_levels, &error))
            {
              g_printerr ("fusion-workbench robustness: --levels: %s\n", error->message);
              g_free (s->levels);
              return 2;
            }
        }
    }

  int status = evaluated_load (&s->model, model_path, data, split, NULL, skip_bad);
  if (status == 0 && baseline_path)
    {
      s->has_baseline = TRUE;
      status = evaluated_load (&s->baseline, baseline_path, data, split, &s->model, skip_bad);
    }
  s->total = s->n_kinds * (s->has_baseline ? 2 : 1);

  if (status == 0)
    {
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      gboolean interrupted = FALSE;
      if (!fw_cli_run_interruptible (sweep, s, cancellable, &interrupted))
        {
          if (s->tty)
            g_printerr ("\r\033[K");
          if (interrupted)
            {
              g_autofree char *shown = g_filename_display_name (out_path);
              g_printerr (_("fusion-workbench robustness: interrupted; %s was not written\n"),
                          shown);
              status = 130;
            }
          else
            {
              g_printerr ("fusion-workbench robustness: %s\n", s->error->message);
              status = 1;
            }
        }
    }
  if (status == 0)
    {
      g_autoptr (JsonNode) root = fw_robustness_report_json (
        split, s->model.n, s->seed, fw_model_get_config (s->model.saved->model),
        s->has_baseline ? fw_model_get_config (s->baseline.saved->model) : NULL, s->curves,
        s->n_kinds);
      g_autofree char *text = fw_json_to_text (root);
      g_autoptr (GError) error = NULL;
      /* durably, through a temporary file renamed into place */
      if (!fw_file_write (out_path, text, strlen (text), 0666, &error))
        {
          g_printerr ("fusion-workbench robustness: %s\n", error->message);
          status = 1;
        }
      else
        {
          g_autofree char *shown = g_filename_display_name (out_path);
          printf (_("wrote %s (%d %s rows)\n"), shown, s->model.n, split);
        }
    }
  for (int i = 0; i < s->n_kinds; i++)
    fw_robustness_curve_free (s->curves[i]);
  g_clear_error (&s->error);
  g_free (s->levels);
  /* the baseline may borrow the model's dataset: clear it first */
  evaluated_clear (&s->baseline);
  evaluated_clear (&s->model);
  return status;
}
