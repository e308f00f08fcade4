/* fw-lesson.h — a guided lesson: steps of text, each with an optional
 * set-up (dataset and options), an action the teacher triggers, a question
 * answered before the action runs, and what to look at.  Reads and checks
 * lesson files (format version 1, README "Teaching with Fusion Workbench")
 * and the built-in lessons; playing them is fw-lesson-player.h's job,
 * showing them the window's.  Steps are counted from 1 in messages, as the
 * lesson panel shows them. */
#pragma once

#include <gio/gio.h>

#include "fw-config.h"

G_BEGIN_DECLS

#define FW_LESSON_ERROR (fw_lesson_error_quark ())
GQuark fw_lesson_error_quark (void);
typedef enum {
  FW_LESSON_ERROR_NOT_FOUND,   /* no such file or built-in lesson */
  FW_LESSON_ERROR_INVALID,     /* malformed: the message names the file and step */
} FwLessonError;

#define FW_LESSON_FORMAT "fusion-workbench-lesson"
#define FW_LESSON_VERSION 1

typedef enum {
  FW_LESSON_ACTION_NONE,
  FW_LESSON_ACTION_TRAIN,
  FW_LESSON_ACTION_COMPARE,        /* the five fusion types, as the window's Compare */
  FW_LESSON_ACTION_CONTRIBUTIONS,  /* of the last trained model, on the test split */
  FW_LESSON_ACTION_ROBUSTNESS,     /* of the last trained model: accuracy as a modality goes missing */
  FW_LESSON_N_ACTIONS
} FwLessonAction;

/* What a step can point at; the window highlights the widget of that name. */
typedef enum {
  FW_LESSON_LOOK_NONE,
  FW_LESSON_LOOK_DATASET,
  FW_LESSON_LOOK_DIAGRAM,
  FW_LESSON_LOOK_MODEL,
  FW_LESSON_LOOK_LOSS,
  FW_LESSON_LOOK_ACCURACY,
  FW_LESSON_LOOK_RUNS,
  FW_LESSON_LOOK_COMPARE,
  FW_LESSON_LOOK_CONTRIBUTIONS,
  FW_LESSON_LOOK_RELIANCE,
  FW_LESSON_LOOK_SAMPLE,
  FW_LESSON_LOOK_ROBUSTNESS,
  FW_LESSON_N_LOOKS
} FwLessonLook;

typedef struct {
  char *text;                /* in the reader's language */
  gboolean sets_up;          /* this step names a dataset or options */
  char *dataset;             /* the dataset in force (a step's stays until changed) */
  FwConfig config;           /* the options in force: defaults, then every step's so far */
  FwLessonAction action;
  char *question;            /* NULL: no question */
  char **choices;            /* NULL-terminated; NULL without a question */
  int n_choices;
  int answer;                /* index into choices; -1 without a question */
  FwLessonLook look_at;
} FwLessonStep;

typedef struct {
  char *source;              /* the file, or "builtin:NAME" */
  char *title;
  int n_steps;
  FwLessonStep *steps;       /* (n_steps) */
} FwLesson;

/* languages: preferred language codes, best first ("ko_KR", "ko", …); NULL
 * is g_get_language_names ().  A text in none of them falls back to "en",
 * then to the first language given. */
FwLesson *fw_lesson_load_file (const char *path, const char *const *languages, GError **error);
FwLesson *fw_lesson_load_builtin (const char *name, const char *const *languages, GError **error);
/* A file when one exists at name_or_path, else a built-in lesson's name. */
FwLesson *fw_lesson_load (const char *name_or_path, const char *const *languages, GError **error);
/* The text of a lesson file; filename names it in errors, base_dir (may be
 * NULL: built-in datasets only) is where relative dataset paths start. */
FwLesson *fw_lesson_parse (const char *data, gsize length, const char *filename,
                           const char *base_dir, const char *const *languages, GError **error);
void fw_lesson_free (FwLesson *lesson);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwLesson, fw_lesson_free)

/* The built-in lessons' names, in teaching order (NULL-terminated). */
const char *const *fw_lesson_builtin_names (void);

const char *fw_lesson_action_name (FwLessonAction action);   /* "train" */
const char *fw_lesson_look_name (FwLessonLook look);         /* "accuracy"; NULL for none */

/* The base options of every lesson: DESIGN's defaults with one compute
 * thread, so a lesson gives the same numbers on every machine. */
void fw_lesson_config_init (FwConfig *config);

G_END_DECLS
