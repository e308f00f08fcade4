/* test-lesson-panel.c — a whole built-in lesson stepped through in the
 * real window with its actions (the window's win.train and Compute),
 * answering each question before the action and checking the reveal after
 * it; then a lesson file opened from disk plays the same way, and a bad one
 * is named in the banner.  Run once with LANGUAGE=en and once with
 * LANGUAGE=ko (tests/ui/meson.build): the panel must show the lesson's
 * Korean text and Korean buttons. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "fw-lesson-panel.h"
#include "fw-run.h"
#include "fw-test-util.h"
#include "fw-ui.h"

static gboolean korean;

/* The panel's widgets, found by what they show, as a user finds them. */
static GtkWidget *
find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_drawable (widget)
      && strcmp (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text);
      if (found)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button (GtkWidget *widget, const char *label)
{
  GtkWidget *l = find_label (widget, label);

  while (l && !GTK_IS_BUTTON (l))
    l = gtk_widget_get_parent (l);
  return l;
}

/* as a mouse click: GtkButton's keyboard "activate" waits 250 ms first */
static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

/* A window on builtin:shapes without the runs of the tests before (every
 * run is autosaved under XDG_DATA_HOME, a temporary folder: see main). */
static FwWindow *
new_window (void)
{
  fw_test_forget_saved_runs ();
  FwWindow *win = fw_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  gtk_window_present (GTK_WINDOW (win));
  fw_window_load_dataset (win, "builtin:shapes");
  fw_test_wait_idle (win);
  return win;
}

static GtkWidget *
find_type (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static FwLessonPanel *
lesson_panel (FwWindow *win)
{
  GtkWidget *w = find_type (GTK_WIDGET (win), FW_TYPE_LESSON_PANEL);

  g_assert_nonnull (w);
  return FW_LESSON_PANEL (w);
}

static const char *
action_label (FwLessonAction action)
{
  switch (action)
    {
    case FW_LESSON_ACTION_TRAIN: return g_dgettext (GETTEXT_PACKAGE, "Train");
    case FW_LESSON_ACTION_COMPARE: return g_dgettext (GETTEXT_PACKAGE, "Compare Fusion Types");
    case FW_LESSON_ACTION_CONTRIBUTIONS: return g_dgettext (GETTEXT_PACKAGE, "Compute Contributions");
    case FW_LESSON_ACTION_ROBUSTNESS: return g_dgettext (GETTEXT_PACKAGE, "Compute Robustness");
    default: return NULL;
    }
}

/* Steps through every step of the lesson the window shows, with its
 * actions; expected is the same lesson parsed here.  The class answers
 * right on even steps and wrong on odd ones: both reveals are checked. */
static void
play_lesson (FwWindow *win, const FwLesson *expected)
{
  FwLessonPanel *panel = lesson_panel (win);
  GtkWidget *root = GTK_WIDGET (panel);
  guint n_runs = fw_plot_model_get_n_runs (fw_window_get_plot_model (win));

  g_assert_cmpint (fw_lesson_panel_get_lesson (panel)->n_steps, ==, expected->n_steps);
  fw_test_wait_idle (win);
  fw_test_iterate_for (300);
  g_assert_nonnull (find_label (root, expected->title));
  for (int i = 0; i < expected->n_steps; i++)
    {
      const FwLessonStep *step = &expected->steps[i];
      g_autofree char *progress = g_strdup_printf (g_dgettext (GETTEXT_PACKAGE, "Step %d of %d"),
                                                   i + 1, expected->n_steps);
      fw_test_wait_idle (win);   /* a step's dataset loads */
      fw_test_iterate_for (300);  /* the panel slides in and lays out */
      g_assert_cmpint (fw_lesson_panel_get_step (panel), ==, i);
      g_assert_nonnull (find_label (root, progress));
      g_assert_nonnull (find_label (root, step->text));

      /* the set-up is in the window */
      const FwConfig *config = fw_model_panel_get_config (fw_window_get_model_panel (win));
      g_assert_cmpint (config->fusion, ==, step->config.fusion);
      g_assert_cmpint (config->epochs, ==, step->config.epochs);
      g_assert_cmpstr (fw_window_get_dataset (win)->source, ==, step->dataset);
      GtkWidget *look = fw_window_get_look_widget (win, step->look_at);
      if (look)
        g_assert_true (gtk_widget_has_css_class (look, "fw-lesson-highlight"));

      const char *act = action_label (step->action);
      GtkWidget *act_button = act ? find_button (root, act) : NULL;
      if (step->question)
        {
          g_assert_nonnull (find_label (root, step->question));
          /* the class answers before the action: no button to press yet */
          if (act)
            g_assert_null (act_button);
          int choice = (i % 2 == 0) ? step->answer : (step->answer + 1) % step->n_choices;
          GtkWidget *choice_button = find_button (root, step->choices[choice]);
          g_assert_nonnull (choice_button);
          click (choice_button);
          fw_test_iterate_for (50);
          g_assert_cmpint (fw_lesson_panel_get_choice (panel), ==, choice);
          g_assert_false (fw_lesson_panel_get_revealed (panel));
          if (act)
            act_button = find_button (root, act);
        }
      if (act)
        {
          g_assert_nonnull (act_button);
          g_assert_true (gtk_widget_is_sensitive (act_button));
          click (act_button);
          if (step->action == FW_LESSON_ACTION_TRAIN || step->action == FW_LESSON_ACTION_COMPARE)
            {
              g_assert_true (fw_window_is_busy (win));
              /* no next step's set-up under a running model */
              g_action_group_activate_action (G_ACTION_GROUP (win), "lesson-next", NULL);
              g_assert_cmpint (fw_lesson_panel_get_step (panel), ==, i);
            }
          fw_test_wait_idle (win);
          g_assert_null (fw_window_get_error (win));
        }
      else if (step->question)
        click (find_button (root, g_dgettext (GETTEXT_PACKAGE, "Show the Answer")));

      if (step->action == FW_LESSON_ACTION_TRAIN)
        {
          guint n = fw_plot_model_get_n_runs (fw_window_get_plot_model (win));
          g_assert_cmpuint (n, ==, ++n_runs);
          FwRun *run = fw_plot_model_get_run (fw_window_get_plot_model (win), n - 1);
          g_assert_cmpint (fw_run_get_state (run), ==, FW_RUN_FINISHED);
          g_assert_cmpint (fw_run_get_config (run)->fusion, ==, step->config.fusion);
          g_test_message ("step %d: %s test accuracy %.3f", i + 1,
                          fw_fusion_name (step->config.fusion), fw_run_get_test_accuracy (run));
        }
      if (step->action == FW_LESSON_ACTION_ROBUSTNESS)
        {
          /* one curve per finished run, under missing captions */
          FwRobustnessView *view = fw_window_get_robustness_view (win);
          g_assert_cmpuint (fw_robustness_view_get_n_curves (view), ==, n_runs);
          g_assert_cmpint (fw_robustness_view_get_curve (view, 0)->kind, ==, FW_PERTURB_MISSING_TEXT);
        }
      if (step->action == FW_LESSON_ACTION_CONTRIBUTIONS)
        {
          FwContribResult *result = fw_contrib_view_get_result (fw_window_get_contrib_view (win));
          g_assert_nonnull (result);
          g_assert_nonnull (fw_contrib_result_get_numbers (result));
        }
      if (step->question)
        {
          /* revealed after the action, with the right choice named */
          g_assert_true (fw_lesson_panel_get_revealed (panel));
          const char *answer = fw_lesson_panel_get_answer_text (panel);
          g_assert_nonnull (answer);
          g_assert_nonnull (strstr (answer, step->choices[step->answer]));
          g_assert_nonnull (find_label (root, answer));
        }
      if (i + 1 < expected->n_steps)
        g_action_group_activate_action (G_ACTION_GROUP (win), "lesson-next", NULL);
    }
  /* back one step: its question is asked afresh */
  g_action_group_activate_action (G_ACTION_GROUP (win), "lesson-back", NULL);
  g_assert_cmpint (fw_lesson_panel_get_step (panel), ==, expected->n_steps - 2);
  g_assert_false (fw_lesson_panel_get_revealed (panel));
  g_assert_cmpint (fw_lesson_panel_get_choice (panel), ==, -1);
}

static void
test_builtin_lesson (void)
{
  FwWindow *win = new_window ();
  /* of the built-ins, the one that trains least (two runs of 5 epochs) yet
   * changes dataset, trains, explains and asks twice */
  g_autoptr (FwLesson) expected = fw_lesson_load_builtin ("which-modality", NULL, NULL);

  g_assert_nonnull (expected);
  if (korean)
    g_assert_nonnull (strstr (expected->title, "모달리티"));
  /* as the menu opens it */
  g_action_group_activate_action (G_ACTION_GROUP (win), "open-lesson",
                                  g_variant_new_string ("which-modality"));
  g_assert_null (fw_window_get_error (win));
  play_lesson (win, expected);

  /* the lesson's point: the image carries the model on lying captions */
  FwPlotModel *plot = fw_window_get_plot_model (win);
  g_assert_cmpuint (fw_plot_model_get_n_runs (plot), ==, 2);
  g_assert_cmpfloat (fw_run_get_test_accuracy (fw_plot_model_get_run (plot, 0)), >, 0.9);
  const FwContribNumbers *numbers =
    fw_contrib_result_get_numbers (fw_contrib_view_get_result (fw_window_get_contrib_view (win)));
  g_assert_cmpfloat (numbers->shapley.image_share, >, 0.6);

  g_action_group_activate_action (G_ACTION_GROUP (win), "close-lesson", NULL);
  g_assert_null (fw_lesson_panel_get_lesson (lesson_panel (win)));
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_lesson_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-lesson-file-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "class.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  const char *text =
    "{\"format\": \"fusion-workbench-lesson\", \"version\": 1,"
    " \"title\": {\"en\": \"Our own lesson\", \"ko\": \"우리 수업\"},"
    " \"steps\": ["
    "  {\"text\": {\"en\": \"Complementary shapes.\", \"ko\": \"상보적인 도형.\"},"
    "   \"dataset\": \"builtin:shapes-complementary\", \"config\": {\"fusion\": \"text\", \"epochs\": 2, \"hidden\": 32},"
    "   \"look_at\": \"dataset\"},"
    "  {\"text\": {\"en\": \"Text only.\", \"ko\": \"텍스트만.\"}, \"action\": \"train\","
    "   \"question\": {\"text\": {\"en\": \"Enough?\", \"ko\": \"충분할까요?\"},"
    "                 \"choices\": [{\"en\": \"yes\", \"ko\": \"예\"}, {\"en\": \"no\", \"ko\": \"아니요\"}], \"answer\": 1},"
    "   \"look_at\": \"accuracy\"},"
    "  {\"text\": {\"en\": \"Why?\", \"ko\": \"왜일까요?\"}, \"action\": \"contributions\", \"look_at\": \"contributions\","
    "   \"question\": {\"text\": \"Image share?\", \"choices\": [\"none\", \"all\"], \"answer\": 0}},"
    "  {\"text\": \"And without captions?\", \"action\": \"robustness\", \"look_at\": \"robustness\","
    "   \"question\": {\"text\": \"Still right?\", \"choices\": [\"yes\", \"no\"], \"answer\": 1}},"
    "  {\"text\": \"Think about it.\", \"question\": {\"text\": \"Done?\", \"choices\": [\"yes\", \"no\"], \"answer\": 0}}]}";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (g_file_set_contents (bad, "{\"format\": \"fusion-workbench-lesson\", \"version\": 1, \"title\": \"x\","
                                      " \"steps\": [{\"text\": \"a\"}, {\"text\": \"b\", \"action\": \"dance\"}]}",
                                      -1, NULL));
  FwWindow *win = new_window ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) expected = fw_lesson_load_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (expected->title, ==, korean ? "우리 수업" : "Our own lesson");

  /* a malformed file: the banner names it and the step */
  g_assert_false (fw_window_open_lesson_file (win, bad));
  g_assert_nonnull (fw_window_get_error (win));
  g_assert_nonnull (strstr (fw_window_get_error (win), "bad.json"));
  g_assert_nonnull (strstr (fw_window_get_error (win), "2"));
  g_assert_nonnull (strstr (fw_window_get_error (win), "dance"));

  g_assert_true (fw_window_open_lesson_file (win, path));
  g_assert_null (fw_window_get_error (win));
  play_lesson (win, expected);
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_unlink (bad);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  const char *language = g_getenv ("LANGUAGE");
  g_autofree char *data_home = g_dir_make_tmp ("fw-ui-lesson-XXXXXX", NULL);
  int status;

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  korean = language && g_str_has_prefix (language, "ko");
  gtk_test_init (&argc, &argv, NULL);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, FW_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  fw_ui_init ();
  if (korean)
    g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Next"), !=, "Next");   /* the translations loaded */

  g_test_add_func ("/ui/lesson/builtin", test_builtin_lesson);
  g_test_add_func ("/ui/lesson/file", test_lesson_file);
  status = g_test_run ();
  fw_test_remove_tree (data_home);
  return status;
}
