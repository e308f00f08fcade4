/* test-pace.c — Classroom pace changes when a run's curves show, never
 * what the run computes: the same run trained with the pace off and on
 * writes the same metrics CSV (but for the seconds column), and with the
 * pace on it takes the window several seconds to show it all; paused, the
 * paced curves stop where they are.  At full speed the window shows new
 * steps as often as its redraw budget allows: the budget measures what a
 * frame that shows them costs the GUI thread. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "fw-pace.h"
#include "fw-redraw-budget.h"
#include "fw-run.h"
#include "fw-ui.h"
#include "fw-window.h"

#define TIMEOUT_SECONDS 120

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_idle (FwWindow *win)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_SECONDS, timed_out, &expired);

  while (fw_window_is_busy (win) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (id);
}

/* The CSV without its last column (seconds). */
static char *
metrics_without_seconds (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *comma = strrchr (lines[i], ',');
      if (comma)
        *comma = '\0';
      g_string_append_printf (out, "%s\n", lines[i]);
    }
  return g_string_free (out, FALSE);
}

/* Trains once; returns the wall-clock seconds until the window showed the
 * end, and the metrics CSV without its seconds column. */
static double
train (FwWindow *win, const char *dir, const char *name, char **metrics)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  wait_idle (win);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_assert_null (fw_window_get_error (win));
  g_assert_true (fw_window_export_metrics (win, path, &error));
  g_assert_no_error (error);
  *metrics = metrics_without_seconds (path);
  g_unlink (path);
  return seconds;
}

static void
test_same_numbers_slower (void)
{
  FwWindow *win = fw_window_new (NULL);
  g_autofree char *dir = g_dir_make_tmp ("fw-ui-pace-XXXXXX", NULL);
  g_autofree char *fast = NULL, *paced = NULL;
  double fast_s, paced_s;
  FwConfig config;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 3;
  config.hidden = 16;
  config.head_hidden = 16;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  fw_window_load_dataset (win, "builtin:shapes");
  wait_idle (win);

  fast_s = train (win, dir, "fast.csv", &fast);
  g_action_group_change_action_state (G_ACTION_GROUP (win), "classroom-pace", g_variant_new_boolean (TRUE));
  paced_s = train (win, dir, "paced.csv", &paced);
  g_test_message ("pace off %.2f s, on %.2f s", fast_s, paced_s);

  g_assert_cmpstr (fast, ==, paced);
  g_assert_cmpuint (strlen (fast), >, 60);   /* a header and three epochs */
  /* the pace spreads the run over FW_PACE_SECONDS whatever its speed */
  g_assert_cmpfloat (paced_s, >, 0.8 * FW_PACE_SECONDS);
  g_assert_cmpfloat (paced_s, >, fast_s + 2);
  gtk_window_destroy (GTK_WINDOW (win));
  g_rmdir (dir);
}

static guint
shown_steps (FwWindow *win)
{
  FwPlotModel *plot = fw_window_get_plot_model (win);
  guint n = 0;

  /* the newest run (runs of earlier tests reopen from their autosave) */
  fw_run_get_steps (fw_plot_model_get_run (plot, fw_plot_model_get_n_runs (plot) - 1), &n);
  return n;
}

static void
iterate_for (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

/* The trainer has long finished a small run; its queued steps still show
 * at pace, and Pause holds them. */
static void
test_pause_holds_curves (void)
{
  FwWindow *win = fw_window_new (NULL);
  FwConfig config;
  guint at_pause;

  gtk_window_present (GTK_WINDOW (win));
  fw_config_init (&config);
  config.epochs = 3;
  config.hidden = 16;
  config.head_hidden = 16;
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  fw_window_load_dataset (win, "builtin:shapes");
  wait_idle (win);
  g_action_group_change_action_state (G_ACTION_GROUP (win), "classroom-pace", g_variant_new_boolean (TRUE));
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  iterate_for (2000);
  g_assert_true (fw_window_is_busy (win));
  g_action_group_change_action_state (G_ACTION_GROUP (win), "pause", g_variant_new_boolean (TRUE));
  iterate_for (100);
  at_pause = shown_steps (win);
  g_assert_cmpuint (at_pause, >, 0);
  iterate_for (1500);
  g_assert_cmpuint (shown_steps (win), ==, at_pause);
  g_action_group_change_action_state (G_ACTION_GROUP (win), "pause", g_variant_new_boolean (FALSE));
  iterate_for (1000);
  g_assert_cmpuint (shown_steps (win), >, at_pause);
  wait_idle (win);
  g_assert_null (fw_window_get_error (win));
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_redraw_interval (void)
{
  /* never above 10 a second, never below 4, else 1/50 of a core */
  g_assert_cmpuint (fw_redraw_interval_for (0), ==, FW_REDRAW_MIN_MS);
  g_assert_cmpuint (fw_redraw_interval_for (1), ==, 100);
  g_assert_cmpuint (fw_redraw_interval_for (2), ==, 100);
  g_assert_cmpuint (fw_redraw_interval_for (3.5), ==, 175);
  g_assert_cmpuint (fw_redraw_interval_for (4.5), ==, 225);
  g_assert_cmpuint (fw_redraw_interval_for (10), ==, FW_REDRAW_MAX_MS);
  g_assert_cmpuint (fw_redraw_interval_for (40), ==, FW_REDRAW_MAX_MS);
  g_assert_cmpuint (fw_redraw_interval_for (NAN), ==, FW_REDRAW_MAX_MS);
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int draws;

/* A drawing that costs 12 ms of this thread's CPU */
static void
draw_slowly (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  double end = thread_cpu_ms () + 12;
  volatile double x = 0;

  while (thread_cpu_ms () < end)
    x += 1;
  draws++;
}

static void
wait_for_draws (int n)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (30, timed_out, &expired);

  while (draws < n && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (id);
  /* after-paint follows the drawing within the same frame */
  for (int i = 0; i < 20 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_redraw_budget_measures (void)
{
  GtkWidget *win = gtk_window_new ();
  GtkWidget *area = gtk_drawing_area_new ();
  FwRedrawBudget budget = { 0 };
  double measured;

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_slowly, NULL, NULL);
  gtk_widget_set_size_request (area, 200, 100);
  gtk_window_set_child (GTK_WINDOW (win), area);
  gtk_window_present (GTK_WINDOW (win));
  wait_for_draws (1);
  g_assert_cmpuint (fw_redraw_budget_interval_ms (&budget), ==, FW_REDRAW_MIN_MS);

  fw_redraw_budget_attach (&budget, gtk_widget_get_frame_clock (win));
  /* a frame nobody said was showing steps is not counted */
  gtk_widget_queue_draw (area);
  wait_for_draws (2);
  g_assert_cmpfloat (budget.paint_ms, ==, 0);
  fw_redraw_budget_expect_frame (&budget);
  gtk_widget_queue_draw (area);
  wait_for_draws (3);
  measured = budget.paint_ms;
  g_assert_cmpfloat (measured, >=, 12);
  /* 12 ms a frame: 50 × 12 ms is past the longest wait, 4 updates a second */
  g_assert_cmpuint (fw_redraw_budget_interval_ms (&budget), ==, FW_REDRAW_MAX_MS);
  fw_redraw_budget_detach (&budget);
  g_assert_null (budget.clock);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  g_autofree char *data = g_dir_make_tmp ("fw-ui-pace-data-XXXXXX", NULL);

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  fw_ui_init ();
  g_test_add_func ("/pace/same-numbers-slower", test_same_numbers_slower);
  g_test_add_func ("/pace/pause-holds-curves", test_pause_holds_curves);
  g_test_add_func ("/pace/redraw-interval", test_redraw_interval);
  g_test_add_func ("/pace/redraw-budget-measures", test_redraw_budget_measures);
  return g_test_run ();
}
