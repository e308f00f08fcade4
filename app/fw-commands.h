/* fw-commands.h — the headless subcommands of fusion-workbench, one file
 * each (fw-cmd-<name>.c).  Each takes argv from the subcommand name on and
 * returns the exit status: 0 ok, 1 bad input, 2 bad usage.  None of them
 * touches GTK. */
#pragma once

int fw_cmd_train (int argc, char **argv);
int fw_cmd_eval (int argc, char **argv);
int fw_cmd_predict (int argc, char **argv);
int fw_cmd_export (int argc, char **argv);
int fw_cmd_datasets (int argc, char **argv);
int fw_cmd_contrib (int argc, char **argv);
int fw_cmd_sweep (int argc, char **argv);
int fw_cmd_robustness (int argc, char **argv);
int fw_cmd_learning_curve (int argc, char **argv);
int fw_cmd_lessons (int argc, char **argv);
int fw_cmd_lesson (int argc, char **argv);

/* The GUI (fw-application.c); never reached by a subcommand. */
int fw_gui_main (int argc, char **argv);
