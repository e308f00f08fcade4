/* fw-chart-table.c — the table alternative of a chart: a plain grid of
 * labels in a scrolled window, shown in its own window. */
#include <glib/gi18n.h>

#include "fw-chart-table.h"

FwChartTable *
fw_chart_table_new (const char *title, const char *const *headers)
{
  FwChartTable *table = g_new0 (FwChartTable, 1);

  table->title = g_strdup (title);
  table->headers = g_strdupv ((char **) headers);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return table;
}

void
fw_chart_table_add_row (FwChartTable *table, const char *const *cells)
{
  g_ptr_array_add (table->rows, g_strdupv ((char **) cells));
}

void
fw_chart_table_free (FwChartTable *table)
{
  if (!table)
    return;
  g_free (table->title);
  g_strfreev (table->headers);
  g_ptr_array_unref (table->rows);
  g_free (table);
}

static void
attach (GtkGrid *grid, const char *text, int col, int row, gboolean header)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), col == 0 ? 0 : 1);
  gtk_label_set_selectable (GTK_LABEL (label), !header);
  gtk_widget_add_css_class (label, header ? "fw-table-header" : "numeric");
  gtk_grid_attach (grid, label, col, row, 1, 1);
}

GtkWidget *
fw_chart_table_widget (const FwChartTable *table)
{
  GtkWidget *grid = g_object_new (GTK_TYPE_GRID, "accessible-role", GTK_ACCESSIBLE_ROLE_GRID,
                                  "column-spacing", 18, "row-spacing", 4, NULL);
  guint n_cols = g_strv_length (table->headers);

  gtk_accessible_update_property (GTK_ACCESSIBLE (grid), GTK_ACCESSIBLE_PROPERTY_LABEL, table->title, -1);
  for (guint c = 0; c < n_cols; c++)
    attach (GTK_GRID (grid), table->headers[c], c, 0, TRUE);
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **cells = table->rows->pdata[r];
      for (guint c = 0; c < n_cols && cells[c]; c++)
        attach (GTK_GRID (grid), cells[c], c, r + 1, FALSE);
    }
  if (table->rows->len == 0)
    {
      GtkWidget *none = gtk_label_new (_("No numbers yet: train a model first."));
      gtk_grid_attach (GTK_GRID (grid), none, 0, 1, MAX (n_cols, 1), 1);
    }
  return grid;
}

GtkWindow *
fw_chart_table_show (GtkWindow *parent, FwChartTable *table)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *grid = fw_chart_table_widget (table);
  GtkEventController *keys = gtk_shortcut_controller_new ();

  gtk_window_set_title (GTK_WINDOW (window), table->title);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 420);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 12);
  gtk_widget_set_margin_bottom (grid, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), grid);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  /* Escape closes it, as any secondary window */
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, keys);
  fw_chart_table_free (table);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}
