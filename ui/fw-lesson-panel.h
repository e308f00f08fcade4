/* fw-lesson-panel.h — the lesson panel: the title, progress, Back/Next,
 * the step's text, its question (answered before the action runs, then
 * revealed) and the button of the step's action, which is the window's
 * own action (win.train, win.compare, win.compute-contributions).
 * Applying a step's set-up and highlighting what to look at are the
 * window's: it listens to "step-changed". */
#pragma once

#include <gtk/gtk.h>

#include "fw-lesson.h"

G_BEGIN_DECLS

#define FW_TYPE_LESSON_PANEL (fw_lesson_panel_get_type ())
G_DECLARE_FINAL_TYPE (FwLessonPanel, fw_lesson_panel, FW, LESSON_PANEL, GtkWidget)

/* Takes the lesson and shows its first step. */
void fw_lesson_panel_set_lesson (FwLessonPanel *self, FwLesson *lesson);
const FwLesson *fw_lesson_panel_get_lesson (FwLessonPanel *self);   /* NULL when closed */
int fw_lesson_panel_get_step (FwLessonPanel *self);
void fw_lesson_panel_go_to (FwLessonPanel *self, int index);
void fw_lesson_panel_next (FwLessonPanel *self);
void fw_lesson_panel_back (FwLessonPanel *self);

/* The class's answer (as clicking a choice); -1 while none is picked. */
void fw_lesson_panel_choose (FwLessonPanel *self, int choice);
int fw_lesson_panel_get_choice (FwLessonPanel *self);
gboolean fw_lesson_panel_get_revealed (FwLessonPanel *self);
/* The answer line as shown; NULL before the reveal. */
const char *fw_lesson_panel_get_answer_text (FwLessonPanel *self);

/* The window says when its work (training, a comparison, loading) starts
 * and ends: a question is revealed when the action it was asked before has
 * run, and the steps stay put meanwhile (a set-up would change the data
 * under a running model). */
void fw_lesson_panel_set_busy (FwLessonPanel *self, gboolean busy);

G_END_DECLS
