/* fw-sweep-grid.h — the grid of a sweep: "lr=0.0003,0.001 fusion=early,late"
 * parsed against the options of FwConfig (any option may be swept), with
 * ranges "hidden=32..256:4" (evenly spaced, whole options rounded) and
 * "lr=1e-4..1e-2:3:log" (evenly spaced in the logarithm) among the values, its
 * combinations numbered in order (the last option varies fastest), and
 * the pick of all of them or N distinct ones at random from a seed.
 * Running the combinations is the caller's: the sweep command runs
 * `train` processes, the window queues trainers. */
#pragma once

#include "fw-config.h"

G_BEGIN_DECLS

/* far above what anyone runs, low enough to index with guint */
#define FW_SWEEP_MAX_COMBINATIONS 1000000

typedef struct _FwSweepGrid FwSweepGrid;

/* Every option name and value is checked here (unknown option, bad value,
 * an option twice, no values, too many combinations): FW_CONFIG_ERROR. */
FwSweepGrid *fw_sweep_grid_parse (const char *text, GError **error);
void fw_sweep_grid_free (FwSweepGrid *grid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwSweepGrid, fw_sweep_grid_free)

int fw_sweep_grid_n_options (const FwSweepGrid *grid);
const char *fw_sweep_grid_option (const FwSweepGrid *grid, int option);   /* "lr" */
guint fw_sweep_grid_n_combinations (const FwSweepGrid *grid);
/* the value of one option in combination i, as the user wrote it */
const char *fw_sweep_grid_value (const FwSweepGrid *grid, guint combination, int option);

/* The combinations to run, in grid order: all of them (n_random 0, or at
 * least as many as there are), or n_random distinct ones drawn from seed. */
GArray *fw_sweep_grid_pick (const FwSweepGrid *grid, guint n_random, guint64 seed);

/* base with combination i's values set, checked with fw_config_validate;
 * the error names the combination. */
gboolean fw_sweep_grid_config (const FwSweepGrid *grid, guint combination, const FwConfig *base,
                               FwConfig *config, GError **error);
/* "lr=0.001 fusion=late" (g_free) */
char *fw_sweep_grid_describe (const FwSweepGrid *grid, guint combination);

G_END_DECLS
