/* bench-frames.c — how smooth the GUI stays while a model trains on every
 * core: the intervals between frames of the real main window (p50, p95,
 * max), and the time from process launch to the first drawn frame.
 * Prints figures; it is a benchmark, not a test.
 * Before training it times 2 s of the same window idle: on Xvfb, GTK 4.8's
 * frame timer alone puts the wall-clock p95 near 17.7 ms with nothing to
 * do, so training is judged against that baseline (wall p95 no worse than
 * idle's + 0.3 ms) and against the frame clock's own p95 (≤ 16.7 ms).
 * With EARLIER runs it first trains that many runs of the same model, so
 * their curves are on the plots, and reports the measured run's training
 * samples/s for bench-frames.sh to set beside the `train` command's.
 * EPOCHS 0 stops at the first frame (launch only: for profiling start-up,
 * e.g. under perf record).
 * BENCH_FRAMES_NO_TICK=1 leaves out the 60 Hz tick callback that times the
 * frames: a real window draws nothing between updates, so the training
 * speed and the window's CPU are measured without it (bench-frames.sh).
 * BENCH_XSERVER_PID=PID also counts the X server's CPU while the run
 * trains (/proc/PID/stat): the drawing it does for the window is CPU the
 * training threads lose too.
 * Usage: bench-frames [EPOCHS] [SPEC] [EARLIER] [IMAGE_ENCODER] */
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fw-blas.h"
#include "fw-ui.h"
#include "fw-window.h"

static gint64 main_start_us;
static double first_frame_since_main = -1;
static double first_frame_since_launch = -1;
static double first_frame_cpu = -1;
/* one stretch of frames, as the tick callback sees them */
typedef struct {
  GArray *wall;              /* (double) ms between tick callbacks */
  GArray *clock;             /* (double) ms between the frame clock's frame times */
} Intervals;
static Intervals idle_frames, training_frames;
static Intervals *timing;    /* where on_tick records; NULL: nowhere */
static gint64 last_frame_time;
static gint64 refresh_us;    /* the frame clock's refresh interval */
static GArray *frame_cpu;    /* (double) ms of GUI-thread CPU per frame */
static double frame_cpu_start;
/* where a drawn frame's CPU goes: the frame clock's phases (update: tick
 * callbacks and CSS animations; layout: size requests and allocation;
 * paint: snapshot and render), each measured after GTK's own handler */
static double phase_start;
static GArray *phase_cpu[3];  /* (double) ms per frame that drew, by phase */
static double phase_ms[3];
static gint64 last_frame_us;
static gboolean recording;

/* Seconds since FW_LAUNCH_NS (wall clock, set by the script just before
 * exec), or since main() when it is not set. */
static double
seconds_since_launch (void)
{
  const char *launch = g_getenv ("FW_LAUNCH_NS");

  if (launch == NULL)
    return (g_get_monotonic_time () - main_start_us) / 1e6;
  return g_get_real_time () / 1e6 - g_ascii_strtoull (launch, NULL, 10) / 1e9;
}

static double
process_cpu_ms (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* What start-up spends its CPU on: each phase's CPU milliseconds, printed
 * with the launch figure (the re-exec and the dynamic linker before main
 * are "before main"). */
static GString *phases;
static double phase_mark;

static void
phase (const char *name)
{
  double now = process_cpu_ms ();
  g_string_append_printf (phases, "%s%s %.0f", phases->len ? ", " : "", name, now - phase_mark);
  phase_mark = now;
}

/* utime + stime of process pid in ms, from /proc; < 0 when unreadable */
static double
pid_cpu_ms (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  const char *p;
  unsigned long long utime, stime;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(p = strrchr (text, ')')))
    return -1;
  /* after the command's name: state ppid … field 14 utime, 15 stime */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return (utime + stime) * 1000.0 / sysconf (_SC_CLK_TCK);
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
on_before_paint (GdkFrameClock *clock, gpointer user_data)
{
  frame_cpu_start = phase_start = thread_cpu_ms ();
}

static void
on_phase_end (GdkFrameClock *clock, gpointer phase)
{
  double now = thread_cpu_ms ();
  phase_ms[GPOINTER_TO_INT (phase)] = now - phase_start;
  phase_start = now;
}

static void
on_after_paint (GdkFrameClock *clock, gpointer user_data)
{
  if (recording && frame_cpu_start > 0)
    {
      double ms = thread_cpu_ms () - frame_cpu_start;
      g_array_append_val (frame_cpu, ms);
      if (ms > 0.5)    /* a frame that drew something, not an idle tick (0.1-0.2 ms) */
        for (int i = 0; i < 3; i++)
          g_array_append_val (phase_cpu[i], phase_ms[i]);
    }
  memset (phase_ms, 0, sizeof phase_ms);
  if (first_frame_since_main < 0)
    {
      first_frame_since_main = (g_get_monotonic_time () - main_start_us) / 1e6;
      struct rusage ru;
      first_frame_since_launch = seconds_since_launch ();
      getrusage (RUSAGE_SELF, &ru);
      first_frame_cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                        ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
}

static void
on_realize (GtkWidget *widget, gpointer user_data)
{
  g_signal_connect (gtk_widget_get_frame_clock (widget), "before-paint", G_CALLBACK (on_before_paint), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint", G_CALLBACK (on_after_paint), NULL);
  g_signal_connect_after (gtk_widget_get_frame_clock (widget), "update", G_CALLBACK (on_phase_end), GINT_TO_POINTER (0));
  g_signal_connect_after (gtk_widget_get_frame_clock (widget), "layout", G_CALLBACK (on_phase_end), GINT_TO_POINTER (1));
  g_signal_connect_after (gtk_widget_get_frame_clock (widget), "paint", G_CALLBACK (on_phase_end), GINT_TO_POINTER (2));
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);

  gdk_frame_clock_get_refresh_info (clock, frame_time, &refresh_us, NULL);

  if (timing && last_frame_us)
    {
      double ms = (now - last_frame_us) / 1000.0;
      double clock_ms = (frame_time - last_frame_time) / 1000.0;
      g_array_append_val (timing->wall, ms);
      g_array_append_val (timing->clock, clock_ms);
    }
  last_frame_us = now;
  last_frame_time = frame_time;
  return G_SOURCE_CONTINUE;
}

static void
set_true (gpointer flag)
{
  *(gboolean *) flag = TRUE;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
intervals_init (Intervals *f)
{
  f->wall = g_array_new (FALSE, FALSE, sizeof (double));
  f->clock = g_array_new (FALSE, FALSE, sizeof (double));
}

/* the q-quantile of a sorted array */
static double
quantile (GArray *sorted, double q)
{
  return g_array_index (sorted, double, MIN ((guint) (sorted->len * q), sorted->len - 1));
}

/* sorts both and prints one line: wall-clock intervals, then the frame
 * clock's (a frame on time is one refresh interval after the last, a
 * dropped one two or more; the wall clock adds the timer's jitter either
 * side of 16.7 ms) */
static void
intervals_print (Intervals *f, const char *label)
{
  g_array_sort (f->wall, compare_double);
  g_array_sort (f->clock, compare_double);
  guint m = f->clock->len, late = 0;
  double refresh = refresh_us > 0 ? refresh_us / 1e3 : 1000.0 / 60;
  for (guint i = 0; i < m; i++)
    late += g_array_index (f->clock, double, i) > 1.5 * refresh;
  g_print ("%s: frame interval p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; "
           "frame clock p50 %.1f ms, p95 %.1f ms; %u of %u frames dropped (%.1f%%; refresh %.1f ms)\n",
           label, quantile (f->wall, 0.5), quantile (f->wall, 0.95), quantile (f->wall, 0.99),
           quantile (f->wall, 1), quantile (f->clock, 0.5), quantile (f->clock, 0.95), late, m,
           100.0 * late / m, refresh);
}

int
main (int argc, char **argv)
{
  int epochs = argc > 1 ? atoi (argv[1]) : 3;
  const char *spec = argc > 2 ? argv[2] : "builtin:shapes";
  int earlier = argc > 3 ? atoi (argv[3]) : 0;
  const char *encoder = argc > 4 ? argv[4] : NULL;
  FwWindow *win;
  FwConfig config;
  gint64 t_train;
  double train_s, gui_cpu0, process_cpu0, gui_cpu_ms, process_cpu_s;
  const char *xserver = g_getenv ("BENCH_XSERVER_PID");
  gboolean tick = g_getenv ("BENCH_FRAMES_NO_TICK") == NULL;
  double x_cpu0 = -1, x_cpu_ms = -1;

  fw_blas_pick_kernels (argv);   /* as main.c */
  main_start_us = g_get_monotonic_time ();
  phases = g_string_new (NULL);
  phase ("before main");
  if (g_getenv ("GSK_RENDERER") == NULL)        /* as fw_gui_main does */
    {
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
      if (g_getenv ("GDK_DEBUG") == NULL)
        g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
    }
  gtk_init ();
  phase ("gtk_init");
  fw_ui_init ();
  phase ("fw_ui_init");
  intervals_init (&idle_frames);
  intervals_init (&training_frames);
  frame_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < 3; i++)
    phase_cpu[i] = g_array_new (FALSE, FALSE, sizeof (double));

  win = fw_window_new (NULL);
  phase ("window");
  gtk_widget_add_css_class (GTK_WIDGET (win), "fw-main");
  g_signal_connect (win, "realize", G_CALLBACK (on_realize), NULL);
  fw_window_load_dataset (win, spec);
  phase ("dataset");
  gtk_window_present (GTK_WINDOW (win));
  phase ("present");
  while (first_frame_since_main < 0)
    g_main_context_iteration (NULL, TRUE);
  phase ("to first frame");
  g_print ("start-up CPU ms: %s\n", phases->str);
  while (epochs > 0 && fw_window_is_busy (win))
    g_main_context_iteration (NULL, TRUE);
  if (epochs == 0)
    {
      double load[3] = { 0 };
      getloadavg (load, 3);
      g_print ("launch to first frame: %.3f s (from main(): %.3f s; CPU time %.3f s; load average %.1f)\n",
               first_frame_since_launch, first_frame_since_main, first_frame_cpu, load[0]);
      return 0;
    }

  fw_config_init (&config);
  config.epochs = epochs;
  if (encoder != NULL && !fw_config_set (&config, "image-encoder", encoder, NULL))
    {
      g_printerr ("bench-frames: unknown image encoder %s\n", encoder);
      return 2;
    }
  fw_model_panel_set_config (fw_window_get_model_panel (win), &config);
  for (int r = 0; r < earlier; r++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
      while (fw_window_is_busy (win))
        g_main_context_iteration (NULL, TRUE);
    }
  if (tick)
    gtk_widget_add_tick_callback (GTK_WIDGET (win), on_tick, NULL, NULL);
  /* settle, then record while the trainer uses every core (a timeout
   * wakes the loop when no tick callback does) */
  {
    gboolean settled = FALSE;
    g_timeout_add_once (300, set_true, &settled);
    while (!settled)
      g_main_context_iteration (NULL, TRUE);
  }
  if (tick)
    {
      /* the same window idle: the baseline of the frame timer itself */
      gboolean idle_done = FALSE;
      timing = &idle_frames;
      g_timeout_add_once (2000, set_true, &idle_done);
      while (!idle_done)
        g_main_context_iteration (NULL, TRUE);
      last_frame_us = 0;
    }
  timing = tick ? &training_frames : NULL;
  recording = TRUE;
  gui_cpu0 = thread_cpu_ms ();
  process_cpu0 = process_cpu_ms ();
  x_cpu0 = xserver ? pid_cpu_ms (xserver) : -1;
  t_train = g_get_monotonic_time ();
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  while (fw_window_is_busy (win))
    g_main_context_iteration (NULL, TRUE);
  recording = FALSE;
  timing = NULL;
  train_s = (g_get_monotonic_time () - t_train) / 1e6;
  gui_cpu_ms = thread_cpu_ms () - gui_cpu0;
  process_cpu_s = (process_cpu_ms () - process_cpu0) / 1e3;
  if (x_cpu0 >= 0 && pid_cpu_ms (xserver) >= 0)
    x_cpu_ms = pid_cpu_ms (xserver) - x_cpu0;

  g_array_sort (frame_cpu, compare_double);
  if (tick && (training_frames.wall->len == 0 || idle_frames.wall->len == 0))
    {
      g_printerr ("bench-frames: no frames recorded\n");
      return 1;
    }
  {
    double load[3] = { 0 };
    getloadavg (load, 3);
    g_print ("launch to first frame: %.3f s (from main(): %.3f s; CPU time %.3f s; load average %.1f)\n",
             first_frame_since_launch, first_frame_since_main, first_frame_cpu, load[0]);
    g_print ("training %d epochs of %s on %d cores: %.2f s, %u frames\n",
             epochs, spec, g_get_num_processors (), train_s, frame_cpu->len);
    if (tick)
      {
        intervals_print (&idle_frames, "idle window, 2 s before training");
        intervals_print (&training_frames, "while training");
      }
    else
      g_print ("frame intervals: not measured (BENCH_FRAMES_NO_TICK)\n");
    if (frame_cpu->len > 0)
      {
        double *c = (double *) frame_cpu->data;
        guint m = frame_cpu->len;
        g_print ("GUI thread CPU per frame (drain events, layout, draw): p50 %.2f ms, p95 %.2f ms, max %.2f ms\n",
                 c[m / 2], c[(guint) (m * 0.95)], c[m - 1]);
      }
    if (phase_cpu[0]->len > 0)
      {
        static const char *const names[] = { "update", "layout", "paint" };
        guint m = phase_cpu[0]->len;
        g_print ("frames that drew: %u; GUI thread CPU by phase, mean (p50):", m);
        for (int i = 0; i < 3; i++)
          {
            double sum = 0, *c = (double *) phase_cpu[i]->data;
            for (guint k = 0; k < m; k++)
              sum += c[k];
            g_array_sort (phase_cpu[i], compare_double);
            g_print ("%s %s %.2f (%.2f) ms", i ? "," : "", names[i], sum / m, c[m / 2]);
          }
        g_print ("\n");
      }
    /* CPU time, which the machine's load does not move: what the GUI
     * thread took from the training threads */
    g_print ("GUI thread CPU while training: %.0f ms in %.2f s (%.1f%% of one core); "
             "the whole process: %.2f CPU s\n",
             gui_cpu_ms, train_s, gui_cpu_ms / train_s / 10, process_cpu_s);
    if (x_cpu_ms >= 0)
      g_print ("X server CPU while training: %.0f ms (%.1f%% of one core)\n", x_cpu_ms, x_cpu_ms / train_s / 10);
    /* what showing the run costs: CPU ms per second of training that the
     * training threads cannot have on a machine without spare cores */
    {
      char x_text[32] = "not counted";
      if (x_cpu_ms >= 0)
        g_snprintf (x_text, sizeof x_text, "%.1f", x_cpu_ms / train_s);
      g_print ("window cost: %.1f ms of CPU per second of training (GUI thread %.1f, X server %s)\n",
               (gui_cpu_ms + MAX (x_cpu_ms, 0)) / train_s, gui_cpu_ms / train_s, x_text);
    }
    /* the run's own training clock (the loop alone, as `train --json`) */
    FwPlotModel *plots = fw_window_get_plot_model (win);
    FwRun *run = fw_plot_model_get_run (plots, fw_plot_model_get_n_runs (plots) - 1);
    int train_n = fw_dataset_split_count (fw_window_get_dataset (win), FW_SPLIT_TRAIN);
    g_print ("window training samples/s: %.0f (%d earlier runs on the plots, %.2f s of training)\n",
             epochs * (double) train_n / fw_run_get_seconds (run), earlier, fw_run_get_seconds (run));
    if (tick)
      {
        /* 16.7 ms is one 60 Hz refresh: printed to 0.1 ms, as the lines above */
        double clock_p95 = quantile (training_frames.clock, 0.95);
        double wall_p95 = quantile (training_frames.wall, 0.95);
        double idle_p95 = quantile (idle_frames.wall, 0.95);
        g_print ("targets: frame clock p95 %.1f ms <= 16.7 ms %s; wall p95 while training "
                 "%.1f ms <= idle %.1f + 0.3 ms %s; first frame %.3f s <= 0.4 s %s\n",
                 clock_p95, clock_p95 < 16.75 ? "met" : "MISSED", wall_p95, idle_p95,
                 wall_p95 <= idle_p95 + 0.3 + 1e-9 ? "met" : "MISSED",
                 first_frame_since_launch, first_frame_since_launch <= 0.4 ? "met" : "MISSED");
      }
  }
  gtk_window_destroy (GTK_WINDOW (win));
  return 0;
}
