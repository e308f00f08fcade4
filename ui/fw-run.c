/* fw-run.c — the numbers of one training run, appended by the window as it
 * drains the trainer's events, and the metrics CSV of DESIGN.md.  Emits
 * "changed" when its summary (state, final figures) changes; point appends
 * are announced by FwPlotModel once per frame, not here. */
#include <math.h>
#include <string.h>

#include "fw-file.h"
#include "fw-run.h"

struct _FwRun
{
  GObject parent_instance;

  /* Owned */
  FwConfig config;
  char *summary;             /* the options that make the run what it is */
  char *name;                /* given by the user, or NULL */
  char *description;         /* what people see: the name, or "#3 late·mean" */
  int number;                /* 1-based order in the window's list; 0 before it joins */
  gint64 running_since;      /* monotonic µs while running, else 0 */
  double elapsed_before;     /* wall seconds of earlier running spells */
  char *dataset_name;
  char *message;
  GArray *steps;             /* (FwStepPoint) */
  GArray *epochs;            /* (FwEpochPoint) */
  GdkRGBA color;
  gboolean visible;
  FwRunState state;
  int steps_per_epoch;
  double test_accuracy;
  double test_loss;
  double seconds;
  gsize n_params;
  double flops_per_sample;
  double inference_ms;
  FwSavedModel *model;
  char *model_file;          /* read on the first fw_run_get_model */
  char *model_error;
  char *save_error;
  char *dir;
  char *source;
  char *dataset_source;
};

G_DEFINE_FINAL_TYPE (FwRun, fw_run, G_TYPE_OBJECT)

enum { PROP_0, PROP_VISIBLE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { CHANGED, PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
fw_run_finalize (GObject *object)
{
  FwRun *self = FW_RUN (object);

  g_free (self->description);
  g_free (self->summary);
  g_free (self->name);
  g_free (self->dataset_name);
  g_free (self->message);
  g_free (self->dir);
  g_free (self->source);
  g_free (self->dataset_source);
  g_clear_pointer (&self->model, fw_saved_model_free);
  g_free (self->model_file);
  g_free (self->model_error);
  g_free (self->save_error);
  g_array_unref (self->steps);
  g_array_unref (self->epochs);
  G_OBJECT_CLASS (fw_run_parent_class)->finalize (object);
}

static void
fw_run_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwRun *self = FW_RUN (object);

  switch (prop_id)
    {
    case PROP_VISIBLE:
      g_value_set_boolean (value, self->visible);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_run_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FwRun *self = FW_RUN (object);

  switch (prop_id)
    {
    case PROP_VISIBLE:
      fw_run_set_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_run_class_init (FwRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = fw_run_finalize;
  object_class->get_property = fw_run_get_property;
  object_class->set_property = fw_run_set_property;

  properties[PROP_VISIBLE] =
    g_param_spec_boolean ("visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fw_run_init (FwRun *self)
{
  self->steps = g_array_new (FALSE, FALSE, sizeof (FwStepPoint));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (FwEpochPoint));
  self->visible = TRUE;
  self->test_accuracy = NAN;
  self->test_loss = NAN;
  self->flops_per_sample = NAN;
  self->inference_ms = NAN;
}

FwRun *
fw_run_new (const FwConfig *config, const char *dataset_name, const GdkRGBA *color)
{
  FwRun *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (color != NULL, NULL);

  self = g_object_new (FW_TYPE_RUN, NULL);
  self->config = *config;
  self->summary = fw_config_describe (config);
  self->description = g_strdup (self->summary);
  self->dataset_name = g_strdup (dataset_name ? dataset_name : "");
  self->color = *color;
  return self;
}

const FwConfig *fw_run_get_config (FwRun *self) { return &self->config; }
const char *fw_run_get_description (FwRun *self) { return self->description; }
const char *fw_run_get_summary (FwRun *self) { return self->summary; }
const char *fw_run_get_name (FwRun *self) { return self->name; }
int fw_run_get_number (FwRun *self) { return self->number; }

static void
update_description (FwRun *self)
{
  g_free (self->description);
  if (self->name)
    self->description = g_strdup (self->name);
  else if (self->number > 0)
    self->description = g_strdup_printf ("#%d %s", self->number, self->summary);
  else
    self->description = g_strdup (self->summary);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_set_number (FwRun *self, int number)
{
  g_return_if_fail (FW_IS_RUN (self));

  self->number = MAX (number, 0);
  update_description (self);
}

void
fw_run_set_name (FwRun *self, const char *name)
{
  g_autofree char *stripped = name ? g_strstrip (g_strdup (name)) : NULL;

  g_return_if_fail (FW_IS_RUN (self));

  g_free (self->name);
  /* an empty name gives the run its numbered summary back */
  self->name = stripped && *stripped ? g_steal_pointer (&stripped) : NULL;
  update_description (self);
}

double
fw_run_get_elapsed (FwRun *self)
{
  double live = self->running_since ? (g_get_monotonic_time () - self->running_since) / 1e6 : 0;

  return self->elapsed_before + live;
}

void
fw_run_progress (FwRun *self)
{
  g_signal_emit (self, signals[PROGRESS], 0);
}
const char *fw_run_get_dataset_name (FwRun *self) { return self->dataset_name; }
const GdkRGBA *fw_run_get_color (FwRun *self) { return &self->color; }
gboolean fw_run_get_visible (FwRun *self) { return self->visible; }
FwRunState fw_run_get_state (FwRun *self) { return self->state; }
const char *fw_run_get_message (FwRun *self) { return self->message; }
int fw_run_get_steps_per_epoch (FwRun *self) { return self->steps_per_epoch; }
double fw_run_get_test_accuracy (FwRun *self) { return self->test_accuracy; }
/* While it trains, the wall time so far: the trainer's own figure arrives
 * only with the first epoch. */
double
fw_run_get_seconds (FwRun *self)
{
  if (self->state == FW_RUN_RUNNING || self->state == FW_RUN_PAUSED)
    return MAX (self->seconds, fw_run_get_elapsed (self));
  return self->seconds;
}
gsize fw_run_get_n_params (FwRun *self) { return self->n_params; }
double fw_run_get_test_loss (FwRun *self) { return self->test_loss; }
const char *fw_run_get_model_error (FwRun *self) { return self->model_error; }
const char *fw_run_get_save_error (FwRun *self) { return self->save_error; }
gboolean fw_run_is_model_loaded (FwRun *self) { return self->model != NULL; }
gboolean fw_run_has_model (FwRun *self) { return self->model || self->model_file; }

FwSavedModel *
fw_run_get_model (FwRun *self)
{
  g_return_val_if_fail (FW_IS_RUN (self), NULL);

  if (!self->model && self->model_file)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_steal_pointer (&self->model_file);

      /* once: a file that cannot be read says why, and is not retried */
      self->model = fw_model_load (path, 256, &error);
      if (!self->model)
        self->model_error = g_strdup (error->message);
    }
  return self->model;
}

void
fw_run_set_model_file (FwRun *self, const char *path)
{
  g_return_if_fail (FW_IS_RUN (self));

  g_free (self->model_file);
  self->model_file = g_strdup (path);
  g_clear_pointer (&self->model_error, g_free);
}

void
fw_run_set_save_error (FwRun *self, const char *message)
{
  g_return_if_fail (FW_IS_RUN (self));

  if (g_strcmp0 (self->save_error, message) == 0)
    return;
  g_free (self->save_error);
  self->save_error = g_strdup (message);
  g_signal_emit (self, signals[CHANGED], 0);
}
const char *fw_run_get_dir (FwRun *self) { return self->dir; }
const char *fw_run_get_source (FwRun *self) { return self->source; }

void
fw_run_set_model (FwRun *self, FwSavedModel *model)
{
  g_return_if_fail (FW_IS_RUN (self));

  g_clear_pointer (&self->model_file, g_free);
  if (self->model == model)
    return;
  g_clear_pointer (&self->model, fw_saved_model_free);
  self->model = model;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_set_dir (FwRun *self, const char *dir)
{
  g_free (self->dir);
  self->dir = g_strdup (dir);
}

const char *fw_run_get_dataset_source (FwRun *self) { return self->dataset_source; }

void
fw_run_set_dataset_source (FwRun *self, const char *spec)
{
  g_free (self->dataset_source);
  self->dataset_source = g_strdup (spec);
}

void
fw_run_set_color (FwRun *self, const GdkRGBA *color)
{
  self->color = *color;
}

void
fw_run_set_source (FwRun *self, const char *source)
{
  g_free (self->source);
  self->source = g_strdup (source);
}

void
fw_run_set_visible (FwRun *self, gboolean visible)
{
  g_return_if_fail (FW_IS_RUN (self));

  visible = !!visible;
  if (self->visible == visible)
    return;
  self->visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
}

static void
track_running (FwRun *self, FwRunState state)
{
  if (state == FW_RUN_RUNNING && !self->running_since)
    self->running_since = g_get_monotonic_time ();
  else if (state != FW_RUN_RUNNING && self->running_since)
    {
      self->elapsed_before += (g_get_monotonic_time () - self->running_since) / 1e6;
      self->running_since = 0;
    }
}

void
fw_run_set_state (FwRun *self, FwRunState state)
{
  g_return_if_fail (FW_IS_RUN (self));

  if (self->state == state)
    return;
  track_running (self, state);
  self->state = state;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_set_steps_per_epoch (FwRun *self, int steps_per_epoch)
{
  self->steps_per_epoch = steps_per_epoch;
}

double fw_run_get_flops_per_sample (FwRun *self) { return self->flops_per_sample; }
double fw_run_get_inference_ms (FwRun *self) { return self->inference_ms; }

void
fw_run_set_cost (FwRun *self, double flops_per_sample, double inference_ms)
{
  self->flops_per_sample = flops_per_sample;
  self->inference_ms = inference_ms;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_set_n_params (FwRun *self, gsize n_params)
{
  self->n_params = n_params;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_add_step (FwRun *self, int step, double loss)
{
  FwStepPoint p = { step, loss };

  g_array_append_val (self->steps, p);
}

void
fw_run_add_epoch (FwRun *self, const FwEpochPoint *point)
{
  g_array_append_vals (self->epochs, point, 1);
  self->seconds = point->seconds;
  g_signal_emit (self, signals[CHANGED], 0);
}

const FwStepPoint *
fw_run_get_steps (FwRun *self, guint *n)
{
  *n = self->steps->len;
  return (const FwStepPoint *) self->steps->data;
}

const FwEpochPoint *
fw_run_get_epochs (FwRun *self, guint *n)
{
  *n = self->epochs->len;
  return (const FwEpochPoint *) self->epochs->data;
}

double
fw_run_get_final_val_loss (FwRun *self)
{
  if (self->epochs->len == 0)
    return NAN;
  return g_array_index (self->epochs, FwEpochPoint, self->epochs->len - 1).val_loss;
}

void
fw_run_finish (FwRun *self, double test_accuracy, double test_loss, double seconds,
               gboolean stopped)
{
  self->test_accuracy = test_accuracy;
  self->test_loss = test_loss;
  self->seconds = seconds;
  track_running (self, FW_RUN_FINISHED);
  self->state = stopped ? FW_RUN_STOPPED : FW_RUN_FINISHED;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_continue (FwRun *self, int epochs)
{
  g_return_if_fail (FW_IS_RUN (self) && epochs > 0);
  self->config.epochs = epochs;
  self->test_accuracy = self->test_loss = NAN;
  self->state = FW_RUN_RUNNING;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fw_run_fail (FwRun *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  track_running (self, FW_RUN_FAILED);
  self->state = FW_RUN_FAILED;
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
append_number (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

gboolean
fw_run_write_csv (FwRun *self, const char *path, GError **error)
{
  g_autoptr(GString) s = g_string_new ("epoch,train_loss,val_loss,train_accuracy,val_accuracy,seconds\n");

  g_return_val_if_fail (FW_IS_RUN (self), FALSE);

  for (guint i = 0; i < self->epochs->len; i++)
    {
      const FwEpochPoint *p = &g_array_index (self->epochs, FwEpochPoint, i);

      g_string_append_printf (s, "%d,", p->epoch);
      append_number (s, p->train_loss);
      g_string_append_c (s, ',');
      append_number (s, p->val_loss);
      g_string_append_c (s, ',');
      append_number (s, p->train_accuracy);
      g_string_append_c (s, ',');
      append_number (s, p->val_accuracy);
      g_string_append_c (s, ',');
      append_number (s, p->seconds);
      g_string_append_c (s, '\n');
    }
  /* durably, through a temporary file renamed into place */
  return fw_file_write (path, s->str, s->len, 0666, error);
}
