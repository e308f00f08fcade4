/* fw-runs-table.c — the runs as a GtkColumnView over filter → sort models.
 * Columns are rebuilt only when the set of differing options changes; a
 * run's "changed" signal refreshes its cells, the sort and the filter. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-runs-table.h"

typedef enum {
  METRIC_NONE,               /* an option column */
  METRIC_TEST_ACCURACY,
  METRIC_VAL_ACCURACY,
  METRIC_VAL_LOSS,
  METRIC_EPOCHS,
  METRIC_PARAMS,
  METRIC_SECONDS,
  METRIC_N_KINDS
} Metric;

static const struct { const char *id; const char *title; } metric_info[] = {
  { NULL, NULL },
  { "test_accuracy", N_("Test acc.") },
  { "val_accuracy", N_("Val. acc.") },
  { "val_loss", N_("Val. loss") },
  { "epochs", N_("Epochs") },
  { "params", N_("Params") },
  { "seconds", N_("Time (s)") },
};
G_STATIC_ASSERT (G_N_ELEMENTS (metric_info) == METRIC_N_KINDS);

typedef struct {
  FwRunsTable *table;        /* borrowed */
  char *id;
  char *title;
  Metric metric;
  GStrv labels;              /* word columns: their sorted values */
  GtkColumnViewColumn *view_column;
} Column;

struct _FwRunsTable
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkSearchEntry *search_entry;
  GtkColumnView *view;

  /* Owned */
  GListModel *runs;
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;
  GtkMultiSelection *selection;
  GPtrArray *columns;        /* Column */
  GHashTable *brushes;       /* column id -> double[2] */
  char *search;
  char *columns_key;         /* the option columns, to know when to rebuild */
};

G_DEFINE_FINAL_TYPE (FwRunsTable, fw_runs_table, GTK_TYPE_WIDGET)

enum { CHANGED, SELECTION_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
column_free (gpointer p)
{
  Column *c = p;
  g_free (c->id);
  g_free (c->title);
  g_strfreev (c->labels);
  g_clear_object (&c->view_column);
  g_free (c);
}

static double
last_val (FwRun *run, gboolean accuracy)
{
  guint n = 0;
  const FwEpochPoint *e = fw_run_get_epochs (run, &n);
  if (n == 0)
    return NAN;
  return accuracy ? e[n - 1].val_accuracy : e[n - 1].val_loss;
}

static double
metric_value (Metric m, FwRun *run)
{
  guint n = 0;
  switch (m)
    {
    case METRIC_TEST_ACCURACY: return fw_run_get_test_accuracy (run);
    case METRIC_VAL_ACCURACY: return last_val (run, TRUE);
    case METRIC_VAL_LOSS: return last_val (run, FALSE);
    case METRIC_EPOCHS: fw_run_get_epochs (run, &n); return n;
    case METRIC_PARAMS: return fw_run_get_n_params (run) ? (double) fw_run_get_n_params (run) : NAN;
    case METRIC_SECONDS: return fw_run_get_seconds (run);
    case METRIC_NONE:
    case METRIC_N_KINDS:
      break;
    }
  return NAN;
}

static gboolean
parse_number (const char *text, double *out)
{
  char *end = NULL;
  *out = g_ascii_strtod (text, &end);
  return *text && end && !*end;
}

static double
column_value (const Column *c, FwRun *run)
{
  if (c->metric != METRIC_NONE)
    return metric_value (c->metric, run);
  g_autofree char *text = fw_config_get (fw_run_get_config (run), c->id);
  double v;
  if (!c->labels && parse_number (text, &v))
    return v;
  for (guint i = 0; c->labels && c->labels[i]; i++)
    if (strcmp (c->labels[i], text) == 0)
      return i;
  return NAN;
}

static char *
column_text (const Column *c, FwRun *run)
{
  if (c->metric == METRIC_NONE)
    return fw_config_get (fw_run_get_config (run), c->id);
  double v = metric_value (c->metric, run);
  if (!isfinite (v))
    return g_strdup ("–");
  switch (c->metric)
    {
    case METRIC_EPOCHS:
    case METRIC_PARAMS:
      return g_strdup_printf ("%.0f", v);
    case METRIC_SECONDS:
      return g_strdup_printf ("%.1f", v);
    default:
      return g_strdup_printf ("%.4f", v);
    }
}

/* ---- filter and sort ---- */

static gboolean
matches_search (FwRunsTable *self, FwRun *run)
{
  if (!self->search || !*self->search)
    return TRUE;
  /* every word must match: "key=value" an option exactly, else any option
   * value, the description or the dataset as a substring */
  g_auto (GStrv) words = g_strsplit_set (self->search, " \t", -1);
  int n = 0;
  const FwOptionInfo *opts = fw_config_options (&n);
  for (int w = 0; words[w]; w++)
    {
      if (!*words[w])
        continue;
      g_autofree char *word = g_utf8_casefold (words[w], -1);
      const char *eq = strchr (word, '=');
      gboolean found = FALSE;
      if (eq)
        {
          g_autofree char *name = g_strndup (word, (gsize) (eq - word));
          for (int i = 0; i < n && !found; i++)
            if (strcmp (opts[i].name, name) == 0)
              {
                g_autofree char *value = fw_config_get (fw_run_get_config (run), name);
                double a, b;
                found = strcmp (value, eq + 1) == 0
                        || (parse_number (value, &a) && parse_number (eq + 1, &b) && a == b);
              }
        }
      else
        {
          g_autofree char *desc = g_utf8_casefold (fw_run_get_description (run), -1);
          found = strstr (desc, word) != NULL
                  || strstr (fw_run_get_dataset_name (run) ? fw_run_get_dataset_name (run) : "", word);
          for (int i = 0; i < n && !found; i++)
            {
              g_autofree char *value = fw_config_get (fw_run_get_config (run), opts[i].name);
              found = strstr (value, word) != NULL;
            }
        }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

gboolean
fw_runs_table_shows (FwRunsTable *self, FwRun *run)
{
  g_return_val_if_fail (FW_IS_RUNS_TABLE (self) && FW_IS_RUN (run), FALSE);
  if (!matches_search (self, run))
    return FALSE;
  for (guint i = 0; i < self->columns->len; i++)
    {
      const Column *c = self->columns->pdata[i];
      const double *range = g_hash_table_lookup (self->brushes, c->id);
      if (!range)
        continue;
      double v = column_value (c, run);
      if (!(v >= range[0] && v <= range[1]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
filter_func (gpointer item, gpointer data)
{
  return fw_runs_table_shows (data, item);
}

static int
compare_runs (gconstpointer a, gconstpointer b, gpointer data)
{
  const Column *c = data;
  FwRun *x = (FwRun *) a, *y = (FwRun *) b;
  double u = column_value (c, x), v = column_value (c, y);
  if (isnan (u) || isnan (v))
    return isnan (u) - isnan (v);   /* runs without a value last */
  return (u > v) - (u < v);
}

/* ---- cells ---- */

static void
cell_setup (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);
  const Column *c = data;
  gtk_label_set_xalign (GTK_LABEL (label), c->metric != METRIC_NONE ? 1.0f : 0.0f);
  if (c->metric != METRIC_NONE)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
refresh_cell (GtkListItem *item)
{
  const Column *c = g_object_get_data (G_OBJECT (item), "fw-column");
  FwRun *run = gtk_list_item_get_item (item);
  if (!c || !run)
    return;
  g_autofree char *text = column_text (c, run);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
cell_bind (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  g_object_set_data (G_OBJECT (item), "fw-column", data);
  FwRun *run = gtk_list_item_get_item (item);
  gulong id = g_signal_connect_swapped (run, "changed", G_CALLBACK (refresh_cell), item);
  g_object_set_data (G_OBJECT (item), "fw-handler", GSIZE_TO_POINTER (id));
  refresh_cell (item);
}

static void
cell_unbind (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  FwRun *run = gtk_list_item_get_item (item);
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (item), "fw-handler"));
  if (run && id)
    g_signal_handler_disconnect (run, id);
  g_object_set_data (G_OBJECT (item), "fw-handler", NULL);
}

/* ---- columns ---- */

static Column *
add_column (FwRunsTable *self, const char *id, const char *title, Metric metric, GStrv labels)
{
  Column *c = g_new0 (Column, 1);
  c->table = self;
  c->id = g_strdup (id);
  c->title = g_strdup (title);
  c->metric = metric;
  c->labels = labels;
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), c);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), c);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), c);
  c->view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (c->view_column, TRUE);
  GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (compare_runs, c, NULL));
  gtk_column_view_column_set_sorter (c->view_column, sorter);
  g_object_unref (sorter);
  gtk_column_view_append_column (self->view, c->view_column);
  g_ptr_array_add (self->columns, c);
  return c;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* the options whose values differ between the runs, "name\n…" */
static char *
differing_options (FwRunsTable *self, GHashTable *labels_out)
{
  GString *key = g_string_new (NULL);
  guint n_runs = self->runs ? g_list_model_get_n_items (self->runs) : 0;
  int n = 0;
  const FwOptionInfo *opts = fw_config_options (&n);
  for (int i = 0; i < n; i++)
    {
      if (strcmp (opts[i].name, "threads") == 0)
        continue;
      g_autoptr (GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      gboolean words = FALSE;
      for (guint r = 0; r < n_runs; r++)
        {
          g_autoptr (FwRun) run = g_list_model_get_item (self->runs, r);
          char *v = fw_config_get (fw_run_get_config (run), opts[i].name);
          double d;
          words = words || !parse_number (v, &d);
          g_hash_table_add (values, v);
        }
      if (g_hash_table_size (values) < 2)
        continue;
      g_string_append_printf (key, "%s\n", opts[i].name);
      if (words && labels_out)
        {
          guint nv = 0;
          char **v = (char **) g_hash_table_get_keys_as_array (values, &nv);
          GStrv copy = g_new0 (char *, nv + 1);
          for (guint k = 0; k < nv; k++)
            copy[k] = g_strdup (v[k]);
          g_free (v);
          qsort (copy, nv, sizeof (char *), compare_strings);
          g_hash_table_insert (labels_out, g_strdup (opts[i].name), copy);
        }
    }
  return g_string_free (key, FALSE);
}

static void
rebuild_columns (FwRunsTable *self, gboolean force)
{
  g_autoptr (GHashTable) labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_strfreev);
  g_autofree char *key = differing_options (self, labels);
  /* word columns' labels may change with the same set of options */
  GString *full = g_string_new (key);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, labels);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      g_autofree char *joined = g_strjoinv (",", v);
      g_string_append_printf (full, "%s=%s\n", (char *) k, joined);
    }
  g_autofree char *full_key = g_string_free (full, FALSE);
  if (!force && g_strcmp0 (full_key, self->columns_key) == 0)
    return;
  g_free (self->columns_key);
  self->columns_key = g_steal_pointer (&full_key);

  for (guint i = 0; i < self->columns->len; i++)
    gtk_column_view_remove_column (self->view, ((Column *) self->columns->pdata[i])->view_column);
  g_ptr_array_set_size (self->columns, 0);

  g_auto (GStrv) names = g_strsplit (key, "\n", -1);
  for (int i = 0; names[i] && *names[i]; i++)
    add_column (self, names[i], names[i], METRIC_NONE, g_hash_table_lookup (labels, names[i])
                ? g_strdupv (g_hash_table_lookup (labels, names[i])) : NULL);
  for (int m = 1; m < METRIC_N_KINDS; m++)
    add_column (self, metric_info[m].id, _(metric_info[m].title), (Metric) m, NULL);
  /* brushes on columns that are gone no longer filter */
  GHashTableIter bi;
  g_hash_table_iter_init (&bi, self->brushes);
  while (g_hash_table_iter_next (&bi, &k, NULL))
    {
      gboolean present = FALSE;
      for (guint i = 0; i < self->columns->len && !present; i++)
        present = strcmp (((Column *) self->columns->pdata[i])->id, k) == 0;
      if (!present)
        g_hash_table_iter_remove (&bi);
    }
}

static void
refresh (FwRunsTable *self)
{
  rebuild_columns (self, FALSE);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  GtkSorter *sorter = gtk_column_view_get_sorter (self->view);
  if (sorter)
    gtk_sorter_changed (sorter, GTK_SORTER_CHANGE_DIFFERENT);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_runs_changed (GListModel *runs, guint position, guint removed, guint added, FwRunsTable *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (FwRun) run = g_list_model_get_item (runs, i);
      g_signal_connect_object (run, "changed", G_CALLBACK (refresh), self, G_CONNECT_SWAPPED);
    }
  refresh (self);
}

void
fw_runs_table_set_runs (FwRunsTable *self, GListModel *runs)
{
  g_return_if_fail (FW_IS_RUNS_TABLE (self) && G_IS_LIST_MODEL (runs));
  if (self->runs)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_set_object (&self->runs, runs);
  gtk_filter_list_model_set_model (self->filtered, runs);
  g_signal_connect (runs, "items-changed", G_CALLBACK (on_runs_changed), self);
  on_runs_changed (runs, 0, 0, g_list_model_get_n_items (runs), self);
}

/* ---- public ---- */

GListModel *fw_runs_table_get_runs (FwRunsTable *self) { return self->runs; }

guint fw_runs_table_get_n_columns (FwRunsTable *self) { return self->columns->len; }

const char *
fw_runs_table_get_column_id (FwRunsTable *self, guint column)
{
  g_return_val_if_fail (column < self->columns->len, NULL);
  return ((Column *) self->columns->pdata[column])->id;
}

const char *
fw_runs_table_get_column_title (FwRunsTable *self, guint column)
{
  g_return_val_if_fail (column < self->columns->len, NULL);
  return ((Column *) self->columns->pdata[column])->title;
}

gboolean
fw_runs_table_column_is_metric (FwRunsTable *self, guint column)
{
  g_return_val_if_fail (column < self->columns->len, FALSE);
  return ((Column *) self->columns->pdata[column])->metric != METRIC_NONE;
}

double
fw_runs_table_get_value (FwRunsTable *self, guint column, FwRun *run)
{
  g_return_val_if_fail (column < self->columns->len, NAN);
  return column_value (self->columns->pdata[column], run);
}

const char *const *
fw_runs_table_get_labels (FwRunsTable *self, guint column)
{
  g_return_val_if_fail (column < self->columns->len, NULL);
  return (const char *const *) ((Column *) self->columns->pdata[column])->labels;
}

char *
fw_runs_table_get_text (FwRunsTable *self, guint column, FwRun *run)
{
  g_return_val_if_fail (column < self->columns->len, NULL);
  return column_text (self->columns->pdata[column], run);
}

static Column *
find_column (FwRunsTable *self, const char *id)
{
  for (guint i = 0; i < self->columns->len; i++)
    if (strcmp (((Column *) self->columns->pdata[i])->id, id) == 0)
      return self->columns->pdata[i];
  return NULL;
}

void
fw_runs_table_sort_by (FwRunsTable *self, const char *column_id, gboolean ascending)
{
  Column *c = find_column (self, column_id);
  g_return_if_fail (c != NULL);
  gtk_column_view_sort_by_column (self->view, c->view_column,
                                  ascending ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
}

void
fw_runs_table_set_search (FwRunsTable *self, const char *text)
{
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), text ? text : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  g_free (self->search);
  self->search = g_strdup (text);
  refresh (self);
}

static void
on_search_changed (FwRunsTable *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  if (g_strcmp0 (text, self->search) == 0)
    return;
  g_free (self->search);
  self->search = g_strdup (text);
  refresh (self);
}

void
fw_runs_table_set_brush (FwRunsTable *self, const char *column_id, double lo, double hi)
{
  g_return_if_fail (FW_IS_RUNS_TABLE (self) && column_id);
  if (isnan (lo) || isnan (hi))
    g_hash_table_remove (self->brushes, column_id);
  else
    {
      double *range = g_new (double, 2);
      range[0] = MIN (lo, hi);
      range[1] = MAX (lo, hi);
      g_hash_table_insert (self->brushes, g_strdup (column_id), range);
    }
  refresh (self);
}

gboolean
fw_runs_table_get_brush (FwRunsTable *self, const char *column_id, double *lo, double *hi)
{
  const double *range = g_hash_table_lookup (self->brushes, column_id);
  if (range)
    {
      *lo = range[0];
      *hi = range[1];
    }
  return range != NULL;
}

void
fw_runs_table_clear_brushes (FwRunsTable *self)
{
  g_hash_table_remove_all (self->brushes);
  refresh (self);
}

guint
fw_runs_table_get_n_rows (FwRunsTable *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
}

FwRun *
fw_runs_table_get_row (FwRunsTable *self, guint row)
{
  g_autoptr (FwRun) run = g_list_model_get_item (G_LIST_MODEL (self->sorted), row);
  return run;   /* the model keeps it alive */
}

GList *
fw_runs_table_get_selected (FwRunsTable *self)
{
  GList *out = NULL;
  guint n = fw_runs_table_get_n_rows (self);
  for (guint i = 0; i < n; i++)
    if (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), i))
      out = g_list_append (out, fw_runs_table_get_row (self, i));
  return out;
}

void
fw_runs_table_select (FwRunsTable *self, FwRun *run, gboolean add)
{
  guint n = fw_runs_table_get_n_rows (self);
  for (guint i = 0; i < n; i++)
    if (fw_runs_table_get_row (self, i) == run)
      gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, !add);
}

static void
on_selection_changed (FwRunsTable *self)
{
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* ---- GObject ---- */

static void
fw_runs_table_dispose (GObject *object)
{
  FwRunsTable *self = FW_RUNS_TABLE (object);
  if (self->runs)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_clear_object (&self->runs);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_RUNS_TABLE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fw_runs_table_parent_class)->dispose (object);
}

static void
fw_runs_table_finalize (GObject *object)
{
  FwRunsTable *self = FW_RUNS_TABLE (object);
  g_clear_object (&self->selection);
  g_ptr_array_unref (self->columns);
  g_hash_table_unref (self->brushes);
  g_free (self->search);
  g_free (self->columns_key);
  G_OBJECT_CLASS (fw_runs_table_parent_class)->finalize (object);
}

static void
fw_runs_table_class_init (FwRunsTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_runs_table_dispose;
  object_class->finalize = fw_runs_table_finalize;
  /* rows, values or columns changed: the chart redraws */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-runs-table.ui");
  gtk_widget_class_bind_template_child (widget_class, FwRunsTable, search_entry);
  gtk_widget_class_bind_template_child (widget_class, FwRunsTable, view);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
fw_runs_table_init (FwRunsTable *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->columns = g_ptr_array_new_with_free_func (column_free);
  self->brushes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->filtered),
                                          g_object_ref (gtk_column_view_get_sorter (self->view)));
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (self->sorted));
  gtk_column_view_set_model (self->view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (on_selection_changed), self);
  rebuild_columns (self, TRUE);
}

GtkWidget *
fw_runs_table_new (void)
{
  return g_object_new (FW_TYPE_RUNS_TABLE, NULL);
}
