/* fw-sweep-grid.c — parsing a sweep's grid and numbering its combinations.
 * Values are checked by fw_config_set, the one parser of option values. */
#include "fw-sweep-grid.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-rng.h"

typedef struct {
  char *name;
  GStrv values;
  guint n_values;
} Axis;

struct _FwSweepGrid {
  GArray *axes;              /* Axis */
  guint n_combinations;
};

static void
axis_clear (gpointer p)
{
  Axis *a = p;
  g_free (a->name);
  g_strfreev (a->values);
}

void
fw_sweep_grid_free (FwSweepGrid *g)
{
  if (!g)
    return;
  g_array_unref (g->axes);
  g_free (g);
}

static gboolean
is_whole_option (const char *name)
{
  int n = 0;
  const FwOptionInfo *opts = fw_config_options (&n);
  for (int i = 0; i < n; i++)
    if (strcmp (opts[i].name, name) == 0)
      return strcmp (opts[i].values, "N") == 0;
  return FALSE;
}

/* takes text; a value already there is not repeated */
static void
add_once (GPtrArray *values, char *text)
{
  for (guint j = 0; j < values->len; j++)
    if (strcmp (values->pdata[j], text) == 0)
      {
        g_free (text);
        return;
      }
  g_ptr_array_add (values, text);
}

/* "A..B:N" is N values from A to B evenly spaced, "A..B:N:log" evenly
 * spaced in the logarithm; whole-number options are rounded (and a value
 * is kept once).  Anything else is one value, checked later. */
static GStrv
expand_values (const char *name, const char *list, GError **error)
{
  g_auto (GStrv) items = g_strsplit (list, ",", -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; items[i]; i++)
    {
      const char *dots = strstr (items[i], "..");
      if (!dots)
        {
          add_once (out, g_strdup (items[i]));
          continue;
        }
      g_autofree char *a_text = g_strndup (items[i], (gsize) (dots - items[i]));
      g_auto (GStrv) rest = g_strsplit (dots + 2, ":", -1);
      guint parts = g_strv_length (rest);
      char *end_a = NULL, *end_b = NULL, *end_n = NULL;
      double a = g_ascii_strtod (a_text, &end_a);
      double b = parts >= 2 ? g_ascii_strtod (rest[0], &end_b) : NAN;
      guint64 n = parts >= 2 ? g_ascii_strtoull (rest[1], &end_n, 10) : 0;
      gboolean log = parts == 3 && strcmp (rest[2], "log") == 0;
      if (!*a_text || *end_a || parts < 2 || parts > 3 || (parts == 3 && !log) || !*rest[0]
          || *end_b || !*rest[1] || *end_n || n < 1 || n > 1000 || !isfinite (a) || !isfinite (b)
          || (log && (a <= 0 || b <= 0)))
        {
          g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                       _("--grid: '%s' is not a range FROM..TO:COUNT or FROM..TO:COUNT:log "
                         "(positive ends for log)"), items[i]);
          return NULL;
        }
      gboolean whole = is_whole_option (name);
      for (guint64 k = 0; k < n; k++)
        {
          double t = n > 1 ? (double) k / (double) (n - 1) : 0;
          double v = log ? a * pow (b / a, t) : a + t * (b - a);
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          char *text = whole ? g_strdup_printf ("%.0f", round (v))
                             : g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
          add_once (out, text);
        }
    }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

FwSweepGrid *
fw_sweep_grid_parse (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (FwSweepGrid) g = g_new0 (FwSweepGrid, 1);
  g->axes = g_array_new (FALSE, TRUE, sizeof (Axis));
  g_array_set_clear_func (g->axes, axis_clear);
  g->n_combinations = 1;
  g_auto (GStrv) words = g_strsplit_set (text, " \t\n", -1);
  for (int w = 0; words[w]; w++)
    {
      if (!*words[w])
        continue;
      const char *eq = strchr (words[w], '=');
      if (!eq || eq == words[w] || !eq[1])
        {
          g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                       _("--grid: '%s' is not OPTION=VALUE,VALUE…"), words[w]);
          return NULL;
        }
      Axis a = { g_strndup (words[w], (gsize) (eq - words[w])), NULL, 0 };
      if (g_str_has_prefix (a.name, "--"))
        memmove (a.name, a.name + 2, strlen (a.name) - 1);
      g_array_append_val (g->axes, a);
      Axis *axis = &g_array_index (g->axes, Axis, g->axes->len - 1);
      for (guint k = 0; k + 1 < g->axes->len; k++)
        if (strcmp (g_array_index (g->axes, Axis, k).name, axis->name) == 0)
          {
            g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                         _("--grid: option '%s' is given twice"), axis->name);
            return NULL;
          }
      axis->values = expand_values (axis->name, eq + 1, error);
      if (!axis->values)
        return NULL;
      axis->n_values = g_strv_length (axis->values);
      for (guint v = 0; v < axis->n_values; v++)
        {
          FwConfig scratch;
          fw_config_init (&scratch);
          g_autoptr (GError) local = NULL;
          if (!*axis->values[v])
            {
              g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                           _("--grid: option '%s' has an empty value"), axis->name);
              return NULL;
            }
          if (!fw_config_set (&scratch, axis->name, axis->values[v], &local))
            {
              g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID, _("--grid: %s"),
                           local->message);
              return NULL;
            }
        }
      if ((guint64) g->n_combinations * axis->n_values > FW_SWEEP_MAX_COMBINATIONS)
        {
          g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                       _("--grid has more than %d combinations; use fewer values or --random N"),
                       FW_SWEEP_MAX_COMBINATIONS);
          return NULL;
        }
      g->n_combinations *= axis->n_values;
    }
  if (g->axes->len == 0)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("--grid names no option; write it as \"lr=0.001,0.01 fusion=early,late\""));
      return NULL;
    }
  return g_steal_pointer (&g);
}

int fw_sweep_grid_n_options (const FwSweepGrid *g) { return (int) g->axes->len; }
guint fw_sweep_grid_n_combinations (const FwSweepGrid *g) { return g->n_combinations; }

const char *
fw_sweep_grid_option (const FwSweepGrid *g, int option)
{
  g_return_val_if_fail (option >= 0 && option < (int) g->axes->len, NULL);
  return g_array_index (g->axes, Axis, option).name;
}

const char *
fw_sweep_grid_value (const FwSweepGrid *g, guint combination, int option)
{
  g_return_val_if_fail (combination < g->n_combinations, NULL);
  g_return_val_if_fail (option >= 0 && option < (int) g->axes->len, NULL);
  /* mixed radix, the last option the fastest digit */
  guint rest = combination;
  for (int k = (int) g->axes->len - 1; k >= 0; k--)
    {
      const Axis *a = &g_array_index (g->axes, Axis, k);
      if (k == option)
        return a->values[rest % a->n_values];
      rest /= a->n_values;
    }
  g_return_val_if_reached (NULL);
}

static int
compare_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return (x > y) - (x < y);
}

GArray *
fw_sweep_grid_pick (const FwSweepGrid *g, guint n_random, guint64 seed)
{
  guint n = g->n_combinations;
  GArray *all = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  for (guint i = 0; i < n; i++)
    g_array_append_val (all, i);
  if (n_random == 0 || n_random >= n)
    return all;
  /* the first n_random of a partial Fisher–Yates shuffle, back in grid order */
  guint64 rng = seed ^ G_GUINT64_CONSTANT (0x5EE9C0FFEE5EE9C0);
  guint *v = (guint *) all->data;
  for (guint i = 0; i < n_random; i++)
    {
      guint j = i + fw_rng_below (&rng, n - i);
      guint t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
  g_array_set_size (all, n_random);
  g_array_sort (all, compare_uint);
  return all;
}

char *
fw_sweep_grid_describe (const FwSweepGrid *g, guint combination)
{
  GString *s = g_string_new (NULL);
  for (guint k = 0; k < g->axes->len; k++)
    g_string_append_printf (s, "%s%s=%s", k ? " " : "", g_array_index (g->axes, Axis, k).name,
                            fw_sweep_grid_value (g, combination, (int) k));
  return g_string_free (s, FALSE);
}

gboolean
fw_sweep_grid_config (const FwSweepGrid *g, guint combination, const FwConfig *base,
                      FwConfig *config, GError **error)
{
  g_return_val_if_fail (combination < g->n_combinations, FALSE);
  *config = *base;
  for (guint k = 0; k < g->axes->len; k++)
    {
      const char *name = g_array_index (g->axes, Axis, k).name;
      /* checked when parsed, but the base may make a combination invalid */
      if (!fw_config_set (config, name, fw_sweep_grid_value (g, combination, (int) k), error))
        return FALSE;
    }
  g_autoptr (GError) local = NULL;
  if (!fw_config_validate (config, &local))
    {
      g_autofree char *what = fw_sweep_grid_describe (g, combination);
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID, _("--grid: %s: %s"), what,
                   local->message);
      return FALSE;
    }
  return TRUE;
}
