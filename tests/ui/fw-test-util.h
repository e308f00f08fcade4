/* fw-test-util.h — what the window tests share: a real window on a
 * built-in dataset with tiny models, main-loop waits, a fresh folder for
 * autosaved runs, and a walk over the widget tree. */
#pragma once

#include "fw-window.h"

G_BEGIN_DECLS

/* generous: only a failing test waits this long, and ASan runs are slow */
#define FW_TEST_TIMEOUT_SECONDS 240

/* Sets XDG_DATA_HOME to a temporary folder; returns it (remove it with
 * fw_test_remove_tree at the end). */
char *fw_test_init (int *argc, char ***argv);
void fw_test_remove_tree (const char *path);
void fw_test_forget_saved_runs (void);
/* A presented window with 2 epochs of width-16 models, SPEC loaded. */
FwWindow *fw_test_window_with_data (const char *spec);
/* Iterates until the window and its views (contributions, sample,
 * robustness) have nothing in flight. */
void fw_test_wait_idle (FwWindow *win);
void fw_test_iterate_for (int ms);
/* Iterates until cond (data) holds; FALSE on timeout. */
gboolean fw_test_wait_for (gboolean (*cond) (gpointer data), gpointer data, int seconds);
/* Every widget under root, depth first, root included. */
GPtrArray *fw_test_collect_widgets (GtkWidget *root);
/* The first widget of type under root, depth first, root included; NULL
 * if there is none. */
GtkWidget *fw_test_find_widget (GtkWidget *root, GType type);

G_END_DECLS
