/* fw-window-private.h — what fw-window.c lends the files that add
 * commands to the main window (fw-window-models.c, fw-window-tuning.c): its banner, status
 * line, action states, run list and busy counters.  Not for other users. */
#pragma once

#include "fw-dataset-view.h"
#include "fw-lesson-panel.h"
#include "fw-run-store.h"
#include "fw-window.h"

G_BEGIN_DECLS

void fw_window_show_error (FwWindow *self, const char *message);
void fw_window_hide_error (FwWindow *self);
void fw_window_set_status (FwWindow *self, const char *text);
void fw_window_update_status_ready (FwWindow *self);
void fw_window_update_actions (FwWindow *self);
GtkListBox *fw_window_get_runs_list (FwWindow *self);
FwRunStore *fw_window_get_run_store (FwWindow *self);
FwRun *fw_window_get_training_run (FwWindow *self);   /* NULL when idle */
gboolean fw_window_is_loading (FwWindow *self);
/* Opening, evaluating or exporting a model: the window counts as busy and
 * keeps its dataset (the job borrows it) until the job ends. */
int fw_window_get_model_jobs (FwWindow *self);
void fw_window_model_job_begin (FwWindow *self);
void fw_window_model_job_end (FwWindow *self);
/* A deleted run leaves the comparison table too. */
void fw_window_forget_compare_run (FwWindow *self, FwRun *run);

/* The widgets and state of the adaptive layout, presenter mode and zoom
 * (fw-window-layout.c); the template widgets are bound by fw-window.c. */
typedef struct {
  /* Template widgets */
  GtkPaned *paned;
  GtkWidget *sidebar;
  GtkWidget *main_scroller;
  GtkBox *plots_box;
  GtkBox *runs_box;
  GtkStack *bottom_stack;
  GtkBox *bottom_wide;
  GtkWidget *bottom_separator;
  GtkRevealer *sheet_revealer;

  /* Owned */
  GtkCssProvider *zoom_css;
  gboolean narrow;           /* sidebar beside one column; Contributions and Sample as tabs */
  gboolean stack_plots;      /* the two plots one above the other */
  gboolean sheet;            /* the sidebar is a side sheet over the content */
  gboolean presenter;
  gboolean fitted;           /* the size was fitted to the monitor once */
  int wide_min_width;        /* the wide layout's minimum width, last measured */
  double zoom;               /* 1 = the default type size */
  guint apply_id;            /* a layout change waiting for the next idle */
  int width;                 /* the last allocated width */
  gboolean restyled;         /* the type size changed: decide again */
} FwWindowLayout;

FwWindowLayout *fw_window_get_layout (FwWindow *self);
GSettings *fw_window_get_settings (FwWindow *self);
/* Classroom pace for the runs it trains (fw-pace.h). */
void fw_window_set_pace (FwWindow *self, gboolean on);

/* fw-window-layout.c */
void fw_window_layout_class_init (GtkWidgetClass *widget_class);
void fw_window_layout_init (FwWindow *self);
void fw_window_layout_dispose (FwWindow *self);

/* Trains config as a new run, or continues existing from its checkpoint
 * to config's epochs; FALSE (message in the banner) when it cannot, or
 * when a run trains already. */
gboolean fw_window_start_run (FwWindow *self, const FwConfig *config, FwRun *existing,
                              const FwCheckpoint *from);

/* fw-window-tuning.c */
void fw_window_tuning_class_init (GtkWidgetClass *widget_class);
void fw_window_tuning_init (FwWindow *self);
/* when a run ends: train the next queued one */
void fw_window_tuning_next (FwWindow *self);
guint fw_window_tuning_n_queued (FwWindow *self);
/* fw-window-lessons.c: the lesson panel and what a step can point at */
FwLessonPanel *fw_window_get_lesson_panel (FwWindow *self);
GtkRevealer *fw_window_get_lesson_revealer (FwWindow *self);
GMenu *fw_window_get_lessons_section (FwWindow *self);
GtkWidget *fw_window_get_compare_box (FwWindow *self);
FwDatasetView *fw_window_get_dataset_view (FwWindow *self);
void fw_window_lessons_class_init (GtkWidgetClass *widget_class);
void fw_window_lessons_init (FwWindow *self);
/* tells the lesson panel when training or a comparison starts and ends */
void fw_window_lessons_update (FwWindow *self, gboolean busy);

/* fw-window-models.c */
void fw_window_models_class_init (GtkWidgetClass *widget_class);
void fw_window_models_init (FwWindow *self);
void fw_window_evaluate_opened_models (FwWindow *self);

/* fw-window-runs.c */
void fw_window_runs_class_init (GtkWidgetClass *widget_class);

/* fw-window-removal.c: Delete Run and Clear Runs take runs out of the
 * list at once; their folders go when the chance to undo passes. */
void fw_window_removal_class_init (GtkWidgetClass *widget_class);
void fw_window_removal_init (FwWindow *self);
void fw_window_remove_runs (FwWindow *self, FwRun *const *runs, guint n_runs, const char *message);
gboolean fw_window_undo_remove (FwWindow *self);       /* FALSE: nothing to undo */
/* Ends the chance to undo and deletes the folders now (closing, tests). */
void fw_window_removal_commit (FwWindow *self);
gboolean fw_window_removal_is_pending (FwWindow *self);
void fw_window_removal_set_undo_ms (FwWindow *self, guint ms);   /* tests */
void fw_window_runs_init (FwWindow *self);

G_END_DECLS
