/* fw-chart-table.h — a chart's numbers as a table: what a screen reader
 * user (or anyone wanting exact values) gets instead of the picture. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  char *title;
  GStrv headers;             /* column titles */
  GPtrArray *rows;           /* (GStrv) one per row, as many cells as headers */
} FwChartTable;

FwChartTable *fw_chart_table_new (const char *title, const char *const *headers);
void fw_chart_table_add_row (FwChartTable *table, const char *const *cells);
void fw_chart_table_free (FwChartTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwChartTable, fw_chart_table_free)

/* A grid of labels with a header row; a grid role so screen readers can
 * move by row and column. */
GtkWidget *fw_chart_table_widget (const FwChartTable *table);
/* A window showing the table, transient for parent; takes the table. */
GtkWindow *fw_chart_table_show (GtkWindow *parent, FwChartTable *table);

G_END_DECLS
