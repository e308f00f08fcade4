/* fw-lesson-player.h — plays a lesson without a display: each step's
 * set-up (dataset, options) and action on the real trainer, contributions
 * and robustness code, in order (contributions explain the last model
 * trained), and writes each step's figures as JSON for
 * `fusion-workbench lesson`.  Only figures that repeat exactly go in the
 * JSON: no times. */
#pragma once

#include "fw-contrib.h"
#include "fw-lesson.h"
#include "fw-robustness.h"

G_BEGIN_DECLS

typedef struct {
  FwFusion fusion;
  double test_accuracy, val_accuracy, final_train_loss;
  gsize parameters;
  double seconds;            /* for people only */
} FwLessonRun;

/* One robustness curve: accuracy on the test split as a modality goes
 * missing from a growing share of rows (fw-robustness.h). */
#define FW_LESSON_MAX_LEVELS 8
typedef struct {
  FwPerturbation kind;
  int n_levels;
  double levels[FW_LESSON_MAX_LEVELS];
  double accuracy[FW_LESSON_MAX_LEVELS];
  double auc;
} FwLessonCurve;

/* the curves a robustness step draws, in this order */
#define FW_LESSON_N_CURVES 2

typedef struct {
  int index;                 /* 0-based */
  FwLessonAction action;
  FwLessonRun run;           /* train */
  FwLessonRun compare[FW_FUSION_N_KINDS];   /* compare, indexed by FwFusion */
  FwShapleySummary shapley;  /* contributions, on the test split */
  FwFusion explained;        /*   of a model with this fusion */
  int contrib_n;
  FwLessonCurve curves[FW_LESSON_N_CURVES];   /* robustness: missing_image, missing_text */
} FwLessonResult;

typedef struct _FwLessonPlayer FwLessonPlayer;

FwLessonPlayer *fw_lesson_player_new (const FwLesson *lesson);   /* borrows lesson */
void fw_lesson_player_free (FwLessonPlayer *player);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwLessonPlayer, fw_lesson_player_free)

/* Plays the next step into *result; FALSE with an error naming the lesson
 * and step (a dataset that does not load, a run that diverges).  Call once
 * per step, in order. */
gboolean fw_lesson_player_step (FwLessonPlayer *player, FwLessonResult *result,
                                GCancellable *cancellable, GError **error);

/* One JSON object: {"title": …, "steps": [{"index": 0, "action": …, figures…}]}
 * with numbers at 6 significant digits.  (g_free) */
char *fw_lesson_results_json (const FwLesson *lesson, const FwLessonResult *results, int n);

G_END_DECLS
