/* fw-cmd-datasets.c — `fusion-workbench datasets`: one line per built-in
 * teaching dataset and what it teaches.  The datasets themselves (and their
 * one-line lessons) live in core/data/fw-builtin.c. */
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "fw-builtin.h"
#include "fw-commands.h"

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: fusion-workbench datasets"));
  fprintf (out, "%s\n", _("Lists the built-in teaching datasets, one per line with what it teaches."));
  fprintf (out, "%s\n", _("Use one with --data builtin:NAME; it is generated from --seed, at --image-size and --color."));
}

int
fw_cmd_datasets (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          print_help (stdout);
          return 0;
        }
      g_autofree char *shown = g_filename_display_name (argv[i]);   /* as typed: maybe not UTF-8 */
      fprintf (stderr, _("fusion-workbench datasets: unknown argument '%s'\n\n"), shown);
      print_help (stderr);
      return 2;
    }

  int n;
  const FwBuiltinInfo *list = fw_builtin_list (&n);
  int width = 0;
  for (int i = 0; i < n; i++)
    width = MAX (width, (int) strlen (list[i].name) + (int) strlen ("builtin:"));
  for (int i = 0; i < n; i++)
    {
      g_autofree char *spec = g_strconcat ("builtin:", list[i].name, NULL);
      printf ("%-*s  %s\n", width, spec, _(list[i].lesson));
    }
  return 0;
}
