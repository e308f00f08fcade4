/* fw-window.h — the main window: it loads datasets off the GUI thread,
 * trains through the core's FwTrainer (draining its events once per
 * frame), keeps the runs and their curves, and runs the fusion comparison.
 * Every command is a "win." action. */
#pragma once

#include <gtk/gtk.h>

#include "fw-contrib-view.h"
#include "fw-explainer.h"
#include "fw-dataset.h"
#include "fw-lesson.h"
#include "fw-model-jobs.h"
#include "fw-model-panel.h"
#include "fw-plot.h"
#include "fw-plot-model.h"
#include "fw-sample-view.h"
#include "fw-tuning-window.h"
#include "fw-robustness-view.h"

G_BEGIN_DECLS

#define FW_TYPE_WINDOW (fw_window_get_type ())
G_DECLARE_FINAL_TYPE (FwWindow, fw_window, FW, WINDOW, GtkApplicationWindow)

FwWindow *fw_window_new (GtkApplication *app);

/* Starts loading SPEC in a worker thread; progress shows in the window. */
void fw_window_load_dataset (FwWindow *self, const char *spec);
/* The same, with precomputed vectors (fw-features.h) for either modality;
 * NULL or "" for none. */
void fw_window_load_dataset_with_features (FwWindow *self, const char *spec,
                                           const char *image_features, const char *text_features);
const FwDataset *fw_window_get_dataset (FwWindow *self);
/* TRUE while a dataset loads, a model trains or a comparison goes on. */
gboolean fw_window_is_busy (FwWindow *self);

FwModelPanel *fw_window_get_model_panel (FwWindow *self);
FwContribView *fw_window_get_contrib_view (FwWindow *self);
FwSampleView *fw_window_get_sample_view (FwWindow *self);
FwExplainer *fw_window_get_explainer (FwWindow *self);
FwRobustnessView *fw_window_get_robustness_view (FwWindow *self);
FwPlotModel *fw_window_get_plot_model (FwWindow *self);
FwPlot *fw_window_get_plot (FwWindow *self, FwPlotKind kind);
GListModel *fw_window_get_compare_runs (FwWindow *self);
/* The status line under the Training heading. */
const char *fw_window_get_status (FwWindow *self);
/* The message of the error banner, NULL when it is hidden. */
const char *fw_window_get_error (FwWindow *self);

gboolean fw_window_export_plot (FwWindow *self, FwPlotKind kind, const char *path, GError **error);
/* The selected run's metrics, or the latest run's. */
gboolean fw_window_export_metrics (FwWindow *self, const char *path, GError **error);

/* The selected run, or the latest one; NULL without runs. */
FwRun *fw_window_get_selected_run (FwWindow *self);
void fw_window_select_run (FwWindow *self, FwRun *run);
/* Opens a model file in a worker and evaluates it on the current dataset;
 * it joins the run list.  Errors go to the banner. */
void fw_window_open_model (FwWindow *self, const char *path);
/* Writes the selected run's model (or metrics) in a worker; the result
 * goes to the status line, errors to the banner. */
void fw_window_export_model (FwWindow *self, FwExportFormat format, const char *path);
/* Removes the run from the list and its autosave folder from disk. */
gboolean fw_window_delete_run (FwWindow *self, FwRun *run, GError **error);

/* Names the run (NULL or "": its number and options again) and saves it. */
void fw_window_rename_run (FwWindow *self, FwRun *run, const char *name);
/* Puts the run's options into the Model panel; FALSE (and why, in the
 * banner) while a model trains. */
gboolean fw_window_use_run_settings (FwWindow *self, FwRun *run);

/* Quit (Ctrl+Q): TRUE when nothing trains and the window may close now;
 * otherwise asks, and calls confirmed when the user agrees to stop. */
typedef void (*FwWindowQuitConfirmed) (FwWindow *self, gpointer data);
gboolean fw_window_confirm_quit (FwWindow *self, FwWindowQuitConfirmed confirmed, gpointer data);
/* The open question, NULL when none. */
GtkWindow *fw_window_get_quit_dialog (FwWindow *self);
/* Tuning (fw-window-tuning.c): the Sweep and Runs window (made on first
 * use; win.tuning shows it), a sweep of the model panel's options queued
 * to train one run after another, and Continue training from a run's
 * checkpoint.  Errors name what is wrong; nothing is queued on one. */
FwTuningWindow *fw_window_get_tuning_window (FwWindow *self);
gboolean fw_window_queue_sweep (FwWindow *self, const char *grid, guint n_random, GError **error);
gboolean fw_window_continue_run (FwWindow *self, FwRun *run, int more_epochs, GError **error);
/* Lessons (fw-window-lessons.c): shows the lesson panel on the lesson's
 * first step (takes it); a file that does not load is named in the banner. */
void fw_window_open_lesson (FwWindow *self, FwLesson *lesson);
gboolean fw_window_open_lesson_file (FwWindow *self, const char *name_or_path);
/* The widget a step's look_at highlights. */
GtkWidget *fw_window_get_look_widget (FwWindow *self, FwLessonLook look);

G_END_DECLS
