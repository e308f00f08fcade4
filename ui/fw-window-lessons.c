/* fw-window-lessons.c — the main window's lessons: opening one (a
 * built-in from the menu, a file, or --lesson at start), showing the lesson
 * panel above the workbench, applying each step's set-up (dataset and
 * options into the Model panel) and highlighting what to look at for a few
 * seconds.  The step's action buttons are the window's own actions; the
 * lesson format is core/lesson/fw-lesson.c's. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-lesson-panel.h"
#include "fw-window-private.h"

#define HIGHLIGHT_SECONDS 4
#define HIGHLIGHT_CLASS "fw-lesson-highlight"

typedef struct {
  GtkWidget *highlighted;      /* borrowed: a child of the window */
  guint highlight_id;
} LessonState;

static LessonState *
state_of (FwWindow *self)
{
  return g_object_get_data (G_OBJECT (self), "fw-lesson-state");
}

static void
state_free (gpointer data)
{
  LessonState *state = data;
  g_clear_handle_id (&state->highlight_id, g_source_remove);
  g_free (state);
}

static void
clear_highlight (FwWindow *self)
{
  LessonState *state = state_of (self);

  g_clear_handle_id (&state->highlight_id, g_source_remove);
  if (state->highlighted)
    gtk_widget_remove_css_class (state->highlighted, HIGHLIGHT_CLASS);
  state->highlighted = NULL;
}

static gboolean
on_highlight_timeout (gpointer user_data)
{
  FwWindow *self = user_data;
  LessonState *state = state_of (self);

  state->highlight_id = 0;
  clear_highlight (self);
  return G_SOURCE_REMOVE;
}

GtkWidget *
fw_window_get_look_widget (FwWindow *self, FwLessonLook look)
{
  switch (look)
    {
    case FW_LESSON_LOOK_DATASET: return GTK_WIDGET (fw_window_get_dataset_view (self));
    case FW_LESSON_LOOK_DIAGRAM:
    case FW_LESSON_LOOK_MODEL: return GTK_WIDGET (fw_window_get_model_panel (self));
    case FW_LESSON_LOOK_LOSS: return GTK_WIDGET (fw_window_get_plot (self, FW_PLOT_LOSS));
    case FW_LESSON_LOOK_ACCURACY: return GTK_WIDGET (fw_window_get_plot (self, FW_PLOT_ACCURACY));
    case FW_LESSON_LOOK_RUNS: return GTK_WIDGET (fw_window_get_runs_list (self));
    case FW_LESSON_LOOK_COMPARE: return fw_window_get_compare_box (self);
    case FW_LESSON_LOOK_CONTRIBUTIONS:
    case FW_LESSON_LOOK_RELIANCE: return GTK_WIDGET (fw_window_get_contrib_view (self));
    case FW_LESSON_LOOK_SAMPLE: return GTK_WIDGET (fw_window_get_sample_view (self));
    case FW_LESSON_LOOK_ROBUSTNESS: return GTK_WIDGET (fw_window_get_robustness_view (self));
    default: return NULL;
    }
}

/* Contributions and Robustness are tabs of one stack: bring widget's to
 * the front. */
static void
show_tab_of (GtkWidget *widget)
{
  GtkWidget *stack = widget ? gtk_widget_get_ancestor (widget, GTK_TYPE_STACK) : NULL;

  while (stack && widget && gtk_widget_get_parent (widget) != stack)
    widget = gtk_widget_get_parent (widget);
  if (stack && widget)
    gtk_stack_set_visible_child (GTK_STACK (stack), widget);
}

static void
highlight (FwWindow *self, FwLessonLook look)
{
  LessonState *state = state_of (self);
  GtkWidget *widget = fw_window_get_look_widget (self, look);

  clear_highlight (self);
  if (!widget)
    return;
  show_tab_of (widget);
  gtk_widget_add_css_class (widget, HIGHLIGHT_CLASS);
  state->highlighted = widget;
  state->highlight_id = g_timeout_add_seconds (HIGHLIGHT_SECONDS, on_highlight_timeout, self);
}

/* A step's set-up: its options into the Model panel (keeping this
 * machine's thread count: lessons pin one thread only for headless replay),
 * then its dataset when another one is open. */
static void
apply_set_up (FwWindow *self, const FwLessonStep *step)
{
  FwModelPanel *panel = fw_window_get_model_panel (self);
  FwConfig config = step->config;
  const FwDataset *ds = fw_window_get_dataset (self);

  config.threads = fw_model_panel_get_config (panel)->threads;
  fw_model_panel_set_config (panel, &config);
  if (!ds || strcmp (ds->source, step->dataset) != 0)
    fw_window_load_dataset (self, step->dataset);
}

static void
on_step_changed (FwLessonPanel *panel, int index, FwWindow *self)
{
  const FwLesson *lesson = fw_lesson_panel_get_lesson (panel);
  const FwLessonStep *step = &lesson->steps[index];

  /* the first step sets up even without a dataset of its own: the lesson's
   * default (builtin:shapes) and options */
  if (step->sets_up || index == 0)
    apply_set_up (self, step);
  highlight (self, step->look_at);
}

static void
on_closed (FwLessonPanel *panel, FwWindow *self)
{
  gtk_revealer_set_reveal_child (fw_window_get_lesson_revealer (self), FALSE);
  clear_highlight (self);
  fw_lesson_panel_set_lesson (panel, NULL);
}

void
fw_window_open_lesson (FwWindow *self, FwLesson *lesson)
{
  g_return_if_fail (FW_IS_WINDOW (self));
  g_return_if_fail (lesson != NULL);
  fw_window_hide_error (self);
  gtk_revealer_set_reveal_child (fw_window_get_lesson_revealer (self), TRUE);
  fw_lesson_panel_set_lesson (fw_window_get_lesson_panel (self), lesson);
}

gboolean
fw_window_open_lesson_file (FwWindow *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  FwLesson *lesson = fw_lesson_load (path, NULL, &error);

  if (!lesson)
    {
      fw_window_show_error (self, error->message);
      return FALSE;
    }
  fw_window_open_lesson (self, lesson);
  return TRUE;
}

void
fw_window_lessons_update (FwWindow *self, gboolean busy)
{
  fw_lesson_panel_set_busy (fw_window_get_lesson_panel (self), busy);
}

static void
action_open_lesson (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fw_window_open_lesson_file (user_data, g_variant_get_string (param, NULL));
}

static void
on_lesson_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  FwWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (path)
        fw_window_open_lesson_file (self, path);
    }
  g_object_unref (dialog);
}

static void
action_open_lesson_file (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Open Lesson File"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Lesson files (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_lesson_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_close_lesson (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  on_closed (fw_window_get_lesson_panel (user_data), user_data);
}

static void
action_lesson_next (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fw_lesson_panel_next (fw_window_get_lesson_panel (user_data));
}

static void
action_lesson_back (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fw_lesson_panel_back (fw_window_get_lesson_panel (user_data));
}

/* The Contributions view's own Compute, as a window action for the lesson
 * panel's button. */
static void
action_compute_contributions (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkWidget *view = GTK_WIDGET (fw_window_get_contrib_view (user_data));

  show_tab_of (view);
  gtk_widget_activate_action (view, "contrib.compute", NULL);
}

/* The Robustness view's own Compute: every finished run's curve under the
 * view's perturbation (missing captions unless the teacher chose another). */
static void
action_compute_robustness (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwRobustnessView *view = fw_window_get_robustness_view (user_data);

  show_tab_of (GTK_WIDGET (view));
  fw_robustness_view_compute (view);
}

static const GActionEntry lesson_entries[] = {
  { "open-lesson", action_open_lesson, "s" },
  { "open-lesson-file", action_open_lesson_file },
  { "close-lesson", action_close_lesson },
  { "lesson-next", action_lesson_next },
  { "lesson-back", action_lesson_back },
  { "compute-contributions", action_compute_contributions },
  { "compute-robustness", action_compute_robustness },
};

/* The built-in lessons, titled in the reader's language, in the menu. */
static void
fill_lessons_menu (FwWindow *self)
{
  GMenu *menu = fw_window_get_lessons_section (self);

  for (const char *const *name = fw_lesson_builtin_names (); *name; name++)
    {
      g_autoptr (FwLesson) lesson = fw_lesson_load_builtin (*name, NULL, NULL);
      g_autoptr (GMenuItem) item = g_menu_item_new (lesson ? lesson->title : *name, NULL);
      g_menu_item_set_action_and_target (item, "win.open-lesson", "s", *name);
      g_menu_append_item (menu, item);
    }
}

void
fw_window_lessons_init (FwWindow *self)
{
  FwLessonPanel *panel = fw_window_get_lesson_panel (self);

  g_object_set_data_full (G_OBJECT (self), "fw-lesson-state", g_new0 (LessonState, 1), state_free);
  g_action_map_add_action_entries (G_ACTION_MAP (self), lesson_entries, G_N_ELEMENTS (lesson_entries), self);
  g_signal_connect (panel, "step-changed", G_CALLBACK (on_step_changed), self);
  g_signal_connect (panel, "closed", G_CALLBACK (on_closed), self);
  fill_lessons_menu (self);
}

void
fw_window_lessons_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (FW_TYPE_LESSON_PANEL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "win.lesson-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.lesson-back", NULL);
}
