/* fw-lesson-panel.c — shows one FwLesson step at a time.  The action
 * button carries the window's action name, so it is enabled exactly when
 * the window can train or compare; clicking it arms the reveal, which
 * happens when the window reports that the work has ended. */
#include <glib/gi18n.h>

#include "fw-lesson-panel.h"

enum { STEP_CHANGED, CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _FwLessonPanel
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *title_label;
  GtkLabel *progress_label;
  GtkProgressBar *progress_bar;
  GtkLabel *text_label;
  GtkWidget *question_box;
  GtkLabel *question_label;
  GtkBox *choices_box;
  GtkLabel *answer_label;
  GtkButton *act_button;
  GtkWidget *reveal_button;

  /* Owned */
  FwLesson *lesson;
  GPtrArray *choice_buttons;   /* (GtkToggleButton *) borrowed from choices_box */

  int step;
  int choice;                  /* -1: not answered yet */
  gboolean revealed;
  gboolean waiting;            /* the action was triggered; reveal when the work ends */
  gboolean saw_busy;
  gboolean busy;               /* the window trains, compares or loads: stay on this step */
};

G_DEFINE_FINAL_TYPE (FwLessonPanel, fw_lesson_panel, GTK_TYPE_WIDGET)

static const FwLessonStep *
current (FwLessonPanel *self)
{
  return self->lesson ? &self->lesson->steps[self->step] : NULL;
}

static void
update_buttons (FwLessonPanel *self)
{
  const FwLessonStep *step = current (self);
  gboolean has_question = step && step->question;
  gboolean answered = !has_question || self->choice >= 0;

  /* the next step's set-up cannot replace the dataset under a running model */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lesson.back",
                                 self->lesson && !self->busy && self->step > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lesson.next",
                                 self->lesson && !self->busy && self->step + 1 < self->lesson->n_steps);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lesson.reveal",
                                 has_question && self->choice >= 0 && !self->revealed);
  /* the class answers first: the action appears once a choice is picked */
  gtk_widget_set_visible (GTK_WIDGET (self->act_button),
                          step && step->action != FW_LESSON_ACTION_NONE && answered);
  /* without an action, the teacher reveals by hand */
  gtk_widget_set_visible (self->reveal_button,
                          has_question && !self->revealed && step->action == FW_LESSON_ACTION_NONE);
}

static void
reveal (FwLessonPanel *self)
{
  const FwLessonStep *step = current (self);
  g_autofree char *text = NULL;

  if (!step || !step->question || self->revealed || self->choice < 0)
    return;
  self->revealed = TRUE;
  self->waiting = FALSE;
  if (self->choice == step->answer)
    text = g_strdup_printf (_("Right: %s"), step->choices[step->answer]);
  else
    text = g_strdup_printf (_("Not quite: the answer is “%s”"), step->choices[step->answer]);
  gtk_label_set_text (self->answer_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->answer_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->answer_label), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->answer_label),
                            self->choice == step->answer ? "success" : "warning");
  gtk_widget_set_visible (GTK_WIDGET (self->answer_label), TRUE);
  for (guint i = 0; i < self->choice_buttons->len; i++)
    {
      GtkWidget *b = self->choice_buttons->pdata[i];
      if ((int) i == step->answer)
        gtk_widget_add_css_class (b, "fw-lesson-correct");
      gtk_widget_set_sensitive (b, FALSE);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->answer_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  update_buttons (self);
}

static void
on_choice_toggled (GtkToggleButton *button, FwLessonPanel *self)
{
  if (!gtk_toggle_button_get_active (button) || self->revealed)
    return;
  guint index;
  if (g_ptr_array_find (self->choice_buttons, button, &index))
    self->choice = (int) index;
  update_buttons (self);
}

static void
on_act_clicked (FwLessonPanel *self)
{
  const FwLessonStep *step = current (self);

  if (!step || !step->question || self->revealed)
    return;
  /* contributions and robustness are computed beside the window's busy
   * state: reveal now */
  if (step->action == FW_LESSON_ACTION_CONTRIBUTIONS || step->action == FW_LESSON_ACTION_ROBUSTNESS)
    reveal (self);
  else
    self->waiting = TRUE;
}

void
fw_lesson_panel_set_busy (FwLessonPanel *self, gboolean busy)
{
  g_return_if_fail (FW_IS_LESSON_PANEL (self));
  if (self->busy != busy)
    {
      self->busy = busy;
      update_buttons (self);
    }
  if (!self->waiting)
    return;
  if (busy)
    self->saw_busy = TRUE;
  else if (self->saw_busy)
    reveal (self);
}

static const char *
action_label (FwLessonAction action, const char **action_name)
{
  switch (action)
    {
    case FW_LESSON_ACTION_TRAIN:
      *action_name = "win.train";
      return _("Train");
    case FW_LESSON_ACTION_COMPARE:
      *action_name = "win.compare";
      return _("Compare Fusion Types");
    case FW_LESSON_ACTION_CONTRIBUTIONS:
      *action_name = "win.compute-contributions";
      return _("Compute Contributions");
    case FW_LESSON_ACTION_ROBUSTNESS:
      *action_name = "win.compute-robustness";
      return _("Compute Robustness");
    default:
      *action_name = NULL;
      return "";
    }
}

static void
show_step (FwLessonPanel *self)
{
  const FwLessonStep *step = current (self);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->choices_box))))
    gtk_box_remove (self->choices_box, child);
  g_ptr_array_set_size (self->choice_buttons, 0);
  self->choice = -1;
  self->revealed = self->waiting = self->saw_busy = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->answer_label), FALSE);
  gtk_label_set_text (self->answer_label, "");
  if (!step)
    return;

  g_autofree char *progress = g_strdup_printf (_("Step %d of %d"), self->step + 1, self->lesson->n_steps);
  gtk_label_set_text (self->title_label, self->lesson->title);
  gtk_label_set_text (self->progress_label, progress);
  gtk_progress_bar_set_fraction (self->progress_bar, (self->step + 1.0) / self->lesson->n_steps);
  gtk_label_set_text (self->text_label, step->text);

  gtk_widget_set_visible (self->question_box, step->question != NULL);
  if (step->question)
    {
      gtk_label_set_text (self->question_label, step->question);
      GtkToggleButton *first = NULL;
      for (int i = 0; i < step->n_choices; i++)
        {
          GtkWidget *b = gtk_toggle_button_new_with_label (step->choices[i]);
          gtk_widget_add_css_class (b, "fw-lesson-choice");
          if (first)
            gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (b), first);
          else
            first = GTK_TOGGLE_BUTTON (b);
          g_signal_connect (b, "toggled", G_CALLBACK (on_choice_toggled), self);
          gtk_box_append (self->choices_box, b);
          g_ptr_array_add (self->choice_buttons, b);
        }
    }

  const char *action_name = NULL;
  gtk_button_set_label (self->act_button, action_label (step->action, &action_name));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->act_button), action_name);
  gtk_widget_set_sensitive (GTK_WIDGET (self->act_button), action_name != NULL);
  update_buttons (self);
  g_signal_emit (self, signals[STEP_CHANGED], 0, self->step);
}

void
fw_lesson_panel_set_lesson (FwLessonPanel *self, FwLesson *lesson)
{
  g_return_if_fail (FW_IS_LESSON_PANEL (self));
  g_return_if_fail (lesson == NULL || lesson->n_steps > 0);
  g_clear_pointer (&self->lesson, fw_lesson_free);
  self->lesson = lesson;
  self->step = 0;
  show_step (self);
  if (!lesson)
    update_buttons (self);
}

const FwLesson *fw_lesson_panel_get_lesson (FwLessonPanel *self) { return self->lesson; }
int fw_lesson_panel_get_step (FwLessonPanel *self) { return self->step; }
int fw_lesson_panel_get_choice (FwLessonPanel *self) { return self->choice; }
gboolean fw_lesson_panel_get_revealed (FwLessonPanel *self) { return self->revealed; }

const char *
fw_lesson_panel_get_answer_text (FwLessonPanel *self)
{
  return self->revealed ? gtk_label_get_text (self->answer_label) : NULL;
}

void
fw_lesson_panel_go_to (FwLessonPanel *self, int index)
{
  g_return_if_fail (FW_IS_LESSON_PANEL (self));
  if (!self->lesson || self->busy || index < 0 || index >= self->lesson->n_steps)
    return;
  self->step = index;
  show_step (self);
}

void fw_lesson_panel_next (FwLessonPanel *self) { fw_lesson_panel_go_to (self, self->step + 1); }
void fw_lesson_panel_back (FwLessonPanel *self) { fw_lesson_panel_go_to (self, self->step - 1); }

void
fw_lesson_panel_choose (FwLessonPanel *self, int choice)
{
  g_return_if_fail (FW_IS_LESSON_PANEL (self));
  if (choice < 0 || choice >= (int) self->choice_buttons->len)
    return;
  gtk_toggle_button_set_active (self->choice_buttons->pdata[choice], TRUE);
}

static void
action_next (GtkWidget *w, const char *name, GVariant *param)
{
  fw_lesson_panel_next (FW_LESSON_PANEL (w));
}

static void
action_back (GtkWidget *w, const char *name, GVariant *param)
{
  fw_lesson_panel_back (FW_LESSON_PANEL (w));
}

static void
action_reveal (GtkWidget *w, const char *name, GVariant *param)
{
  reveal (FW_LESSON_PANEL (w));
}

static void
action_close (GtkWidget *w, const char *name, GVariant *param)
{
  g_signal_emit (w, signals[CLOSED], 0);
}

static void
fw_lesson_panel_dispose (GObject *object)
{
  FwLessonPanel *self = FW_LESSON_PANEL (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_LESSON_PANEL);
  /* the template's top box has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fw_lesson_panel_parent_class)->dispose (object);
}

static void
fw_lesson_panel_finalize (GObject *object)
{
  FwLessonPanel *self = FW_LESSON_PANEL (object);

  g_clear_pointer (&self->lesson, fw_lesson_free);
  g_ptr_array_unref (self->choice_buttons);
  G_OBJECT_CLASS (fw_lesson_panel_parent_class)->finalize (object);
}

static void
fw_lesson_panel_class_init (FwLessonPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_lesson_panel_dispose;
  object_class->finalize = fw_lesson_panel_finalize;

  /* the step now shown (0-based): the window applies its set-up */
  signals[STEP_CHANGED] = g_signal_new ("step-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-lesson-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, progress_label);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, text_label);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, question_box);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, question_label);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, choices_box);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, answer_label);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, act_button);
  gtk_widget_class_bind_template_child (widget_class, FwLessonPanel, reveal_button);
  gtk_widget_class_bind_template_callback (widget_class, on_act_clicked);

  gtk_widget_class_install_action (widget_class, "lesson.next", NULL, action_next);
  gtk_widget_class_install_action (widget_class, "lesson.back", NULL, action_back);
  gtk_widget_class_install_action (widget_class, "lesson.reveal", NULL, action_reveal);
  gtk_widget_class_install_action (widget_class, "lesson.close", NULL, action_close);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "lesson.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "lesson.back", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwlessonpanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fw_lesson_panel_init (FwLessonPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->choice_buttons = g_ptr_array_new ();
  self->choice = -1;
  update_buttons (self);
}
