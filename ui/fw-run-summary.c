/* fw-run-summary.c — the status line's sentences about runs.  Kept apart
 * from the window so they can be tested on runs built by hand. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-run-summary.h"

char *
fw_format_duration (double seconds)
{
  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("—");
  if (seconds < 10)
    return g_strdup_printf (_("%.1f s"), seconds);
  if (seconds < 60)
    return g_strdup_printf (_("%.0f s"), seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%d min %02d s"), (int) seconds / 60, (int) seconds % 60);
  return g_strdup_printf (_("%d h %02d min"), (int) seconds / 3600, ((int) seconds % 3600) / 60);
}

char *
fw_run_describe_progress (FwRun *run, int step, int steps_per_epoch, int epoch, double loss)
{
  int epochs = fw_run_get_config (run)->epochs;
  int total = MAX (steps_per_epoch, 1) * epochs;
  double elapsed = fw_run_get_elapsed (run);
  g_autofree char *text = NULL;

  if (fw_run_get_state (run) == FW_RUN_PAUSED)
    return g_strdup_printf (_("Paused at epoch %d of %d: press Pause again to resume"),
                            MAX (epoch, 1), epochs);
  if (step <= 0)
    return g_strdup_printf (_("Training %s…"), fw_run_get_description (run));
  text = g_strdup_printf (_("Epoch %d/%d · step %d/%d · loss %.4f"), MAX (epoch, 1), epochs, step, total, loss);
  /* a rate from a handful of steps is noise: wait for some */
  if (step >= MIN (5, total) && step < total && elapsed > 0.2)
    {
      g_autofree char *left = fw_format_duration (elapsed / step * (total - step));
      return g_strdup_printf (_("%s · about %s left"), text, left);
    }
  return g_steal_pointer (&text);
}

char *
fw_run_describe_end (FwRun *run)
{
  g_autofree char *time = fw_format_duration (fw_run_get_seconds (run));
  guint n_epochs;

  fw_run_get_epochs (run, &n_epochs);
  switch (fw_run_get_state (run))
    {
    case FW_RUN_FAILED:
      return g_strdup_printf (_("%s failed"), fw_run_get_description (run));
    case FW_RUN_STOPPED:
      if (isfinite (fw_run_get_test_accuracy (run)))
        return g_strdup_printf (_("%s stopped after %u of %d epochs: test accuracy %.3f"),
                                fw_run_get_description (run), n_epochs, fw_run_get_config (run)->epochs,
                                fw_run_get_test_accuracy (run));
      return g_strdup_printf (_("%s stopped after %u of %d epochs"), fw_run_get_description (run),
                              n_epochs, fw_run_get_config (run)->epochs);
    default:
      if (isfinite (fw_run_get_test_accuracy (run)))
        return g_strdup_printf (_("%s finished: test accuracy %.3f in %s"), fw_run_get_description (run),
                                fw_run_get_test_accuracy (run), time);
      return g_strdup_printf (_("%s finished in %s"), fw_run_get_description (run), time);
    }
}

/* Test accuracy, or the last validation accuracy without test rows. */
static gboolean
run_score (FwRun *run, double *score, gboolean *on_test)
{
  guint n;
  const FwEpochPoint *e = fw_run_get_epochs (run, &n);

  if (fw_run_get_state (run) != FW_RUN_FINISHED && fw_run_get_state (run) != FW_RUN_STOPPED)
    return FALSE;
  *on_test = isfinite (fw_run_get_test_accuracy (run));
  *score = *on_test ? fw_run_get_test_accuracy (run) : n > 0 ? e[n - 1].val_accuracy : NAN;
  return isfinite (*score);
}

char *
fw_compare_summary (GListModel *runs)
{
  FwRun *best = NULL, *second = NULL;
  double best_score = -1, second_score = -1;
  gboolean on_test = TRUE;

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(FwRun) run = g_list_model_get_item (runs, i);
      double score;
      gboolean test;

      if (!run_score (run, &score, &test))
        continue;
      if (score > best_score)
        {
          second = best;
          second_score = best_score;
          best = run;
          best_score = score;
          on_test = test;
        }
      else if (score > second_score)
        {
          second = run;
          second_score = score;
        }
    }
  if (!best)
    return NULL;
  if (!second)
    return g_strdup_printf (on_test ? _("Comparison: %s scored %.3f test accuracy")
                                    : _("Comparison: %s scored %.3f validation accuracy"),
                            fw_run_get_description (best), best_score);
  if (best_score - second_score < 0.0005)
    return g_strdup_printf (on_test ? _("Comparison: %s and %s tie at %.3f test accuracy")
                                    : _("Comparison: %s and %s tie at %.3f validation accuracy"),
                            fw_run_get_description (best), fw_run_get_description (second), best_score);
  return g_strdup_printf (on_test ? _("Comparison: %s wins with %.3f test accuracy, ahead of %s (%.3f)")
                                  : _("Comparison: %s wins with %.3f validation accuracy, ahead of %s (%.3f)"),
                          fw_run_get_description (best), best_score,
                          fw_run_get_description (second), second_score);
}

char *
fw_run_describe_settings (FwRun *run)
{
  GString *s = g_string_new (NULL);
  int n;
  const FwOptionInfo *infos = fw_config_options (&n);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *value = fw_config_get (fw_run_get_config (run), infos[i].name);
      if (!value || g_str_equal (infos[i].name, "threads"))
        continue;
      g_string_append_printf (s, "%s%s %s", s->len ? ", " : "", infos[i].name, value);
    }
  return g_string_free (s, FALSE);
}
