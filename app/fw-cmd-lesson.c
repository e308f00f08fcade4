/* fw-cmd-lesson.c — `fusion-workbench lessons` lists the built-in lessons;
 * `fusion-workbench lesson NAME|FILE [--json]` plays every step's set-up
 * and action without a display (core/lesson/fw-lesson-player.c) and prints
 * each step's figures, so a teacher can check a lesson before class. */
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-lesson-player.h"

int
fw_cmd_lessons (int argc, char **argv)
{
  switch (fw_cli_parse ("lessons", "", argc, argv, NULL, 0, NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  for (const char *const *name = fw_lesson_builtin_names (); *name; name++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwLesson) lesson = fw_lesson_load_builtin (*name, NULL, &error);
      /* a broken built-in is a bug, but the list still names it */
      printf ("%s\t%s\n", *name, lesson ? lesson->title : error->message);
    }
  return 0;
}

static void
print_run (const char *what, const FwLessonRun *r)
{
  /* plain %llu: gettext cannot match a message built with G_GSIZE_FORMAT */
  printf (_("  %-14s test accuracy %.3f  val accuracy %.3f  final train loss %.4f  "
            "%llu parameters  %.1f s\n"),
          what, r->test_accuracy, r->val_accuracy, r->final_train_loss,
          (unsigned long long) r->parameters, r->seconds);
}

/* The figures of one step for people, as they come. */
static void
print_step (const FwLesson *lesson, const FwLessonResult *r)
{
  const FwLessonStep *step = &lesson->steps[r->index];
  printf (_("Step %d of %d: %s\n"), r->index + 1, lesson->n_steps, fw_lesson_action_name (r->action));
  if (step->question)
    printf (_("  question: %s → %s\n"), step->question, step->choices[step->answer]);
  switch (r->action)
    {
    case FW_LESSON_ACTION_TRAIN:
      print_run (fw_fusion_name (r->run.fusion), &r->run);
      break;
    case FW_LESSON_ACTION_COMPARE:
      for (int k = 0; k < FW_FUSION_N_KINDS; k++)
        print_run (fw_fusion_name (k), &r->compare[k]);
      break;
    case FW_LESSON_ACTION_CONTRIBUTIONS:
      printf (_("  %s, %d test rows: Shapley image %.3f  text %.3f  interaction %.3f  "
                "(image share %.2f)\n"),
              fw_fusion_name (r->explained), r->contrib_n, r->shapley.image, r->shapley.text,
              r->shapley.interaction, r->shapley.image_share);
      break;
    case FW_LESSON_ACTION_ROBUSTNESS:
      for (int k = 0; k < FW_LESSON_N_CURVES; k++)
        {
          const FwLessonCurve *c = &r->curves[k];
          printf (_("  %s, %s: test accuracy"), fw_fusion_name (r->explained),
                  fw_perturbation_name (c->kind));
          for (int l = 0; l < c->n_levels; l++)
            printf (" %.3f", c->accuracy[l]);
          printf (_(" at %g…%g missing (mean %.3f)\n"), c->levels[0], c->levels[c->n_levels - 1],
                  c->auc);
        }
      break;
    default:
      break;
    }
  if (step->look_at != FW_LESSON_LOOK_NONE)
    printf (_("  look at: %s\n"), fw_lesson_look_name (step->look_at));
  fflush (stdout);
}

int
fw_cmd_lesson (int argc, char **argv)
{
  gboolean json = FALSE;
  const FwCliFlag flags[] = {
    { "json", NULL, N_("print one JSON object with every step's figures on stdout"), NULL, &json },
  };
  /* the one positional argument, then the flags */
  if (argc < 2 || argv[1][0] == '-')
    {
      if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
        {
          fw_cli_parse ("lesson", "NAME|FILE [--json]", 2, (char *[]) { argv[0], "--help", NULL },
                        flags, G_N_ELEMENTS (flags), NULL);
          printf ("\n%s\n", _("NAME is a built-in lesson (see 'fusion-workbench lessons'); FILE a lesson file."));
          return 0;
        }
      g_printerr (_("fusion-workbench lesson: give a built-in lesson's name or a lesson file (see --help)\n"));
      return 2;
    }
  const char *which = argv[1];
  argv[1] = argv[0];
  switch (fw_cli_parse ("lesson", "NAME|FILE [--json]", argc - 1, argv + 1, flags,
                        G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) lesson = fw_lesson_load (which, NULL, &error);
  if (!lesson)
    {
      g_printerr ("fusion-workbench lesson: %s\n", error->message);
      return 1;
    }
  if (!json)
    printf ("%s\n", lesson->title);
  g_autoptr (FwLessonPlayer) player = fw_lesson_player_new (lesson);
  g_autofree FwLessonResult *results = g_new0 (FwLessonResult, lesson->n_steps);
  for (int i = 0; i < lesson->n_steps; i++)
    {
      if (!fw_lesson_player_step (player, &results[i], NULL, &error))
        {
          g_printerr ("fusion-workbench lesson: %s\n", error->message);
          return 1;
        }
      if (!json)
        print_step (lesson, &results[i]);
    }
  if (json)
    {
      g_autofree char *text = fw_lesson_results_json (lesson, results, lesson->n_steps);
      printf ("%s\n", text);
    }
  return 0;
}
