/* main.c — one binary: with a subcommand it runs headless (never touching
 * GTK or a display); without one it opens the GUI. */
#include <glib.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "fw-blas.h"
#include "fw-commands.h"

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} FwCommand;

static const FwCommand commands[] = {
  { "train", fw_cmd_train, N_("train a model on a dataset") },
  { "eval", fw_cmd_eval, N_("evaluate a saved model on a dataset") },
  { "predict", fw_cmd_predict, N_("write a saved model's predictions for a dataset as CSV") },
  { "export", fw_cmd_export, N_("export a saved model to ONNX or a PyTorch folder") },
  { "contrib", fw_cmd_contrib, N_("how much the image and the text drive a saved model's predictions") },
  { "sweep", fw_cmd_sweep, N_("train every combination of a grid of options and tabulate the runs") },
  { "robustness", fw_cmd_robustness, N_("a saved model's accuracy under missing, noisy and misaligned inputs") },
  { "learning-curve", fw_cmd_learning_curve, N_("test accuracy against the share of training data") },
  { "datasets", fw_cmd_datasets, N_("list the built-in datasets") },
  { "lessons", fw_cmd_lessons, N_("list the built-in lessons") },
  { "lesson", fw_cmd_lesson, N_("play a lesson without a display and print each step's figures") },
};

/* A full disk or a closed file behind stdout (`train --json > /dev/full`)
 * must not pass for success: stdio only reports it when flushed. */
static int
finish_stdout (const char *command, int status)
{
  int failed = fflush (stdout) != 0 ? errno : 0;
  if (!failed && !ferror (stdout))
    return status;
  fprintf (stderr, _("fusion-workbench %s: could not write the output: %s\n"), command,
           failed ? g_strerror (failed) : _("a write to standard output failed"));
  return status != 0 ? status : 1;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: fusion-workbench [--data SPEC]            open the workbench"));
  fprintf (out, "%s\n\n", _("       fusion-workbench COMMAND [OPTIONS]      run headless"));
  fprintf (out, "%s\n", _("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-15s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run 'fusion-workbench COMMAND --help' for a command's options."));
}

int
main (int argc, char **argv)
{
  /* first: it may re-execute the program with OpenBLAS's faster kernels */
  fw_blas_pick_kernels (argv);
  setlocale (LC_ALL, "");
  /* gettext ignores LANGUAGE in the plain C locale, so `LANGUAGE=ko ./run`
   * on a machine without LANG would stay English: C.UTF-8 keeps C's
   * conventions and honours LANGUAGE. */
  const char *messages = setlocale (LC_MESSAGES, NULL);
  if (g_getenv ("LANGUAGE") && messages
      && (strcmp (messages, "C") == 0 || strcmp (messages, "POSIX") == 0))
    setlocale (LC_ALL, "C.UTF-8");
#ifdef FW_LOCALEDIR
  bindtextdomain (GETTEXT_PACKAGE, FW_LOCALEDIR);
#endif
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc > 1 && argv[1][0] != '-')
    {
      for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
        if (strcmp (argv[1], commands[i].name) == 0)
          return finish_stdout (commands[i].name, commands[i].run (argc - 1, argv + 1));
      g_autofree char *shown = g_filename_display_name (argv[1]);   /* as typed: maybe not UTF-8 */
      fprintf (stderr, _("fusion-workbench: unknown command '%s'\n\n"), shown);
      print_usage (stderr);
      return 2;
    }
  if (argc > 1 && strcmp (argv[1], "--version") == 0)
    {
      printf ("fusion-workbench %s\n", FW_VERSION);
      return finish_stdout ("--version", 0);
    }
  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    {
      print_usage (stdout);
      return finish_stdout ("--help", 0);
    }
  return fw_gui_main (argc, argv);
}
