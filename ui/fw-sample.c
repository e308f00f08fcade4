/* fw-sample.c — the Sample inspector's numbers and their "changed" signal. */
#include "fw-sample.h"

struct _FwSample
{
  GObject parent_instance;

  /* Owned */
  FwSampleData data;
};

G_DEFINE_FINAL_TYPE (FwSample, fw_sample, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

void
fw_sample_clear_explanation (FwSample *self)
{
  g_clear_pointer (&self->data.heat, g_free);
  g_clear_pointer (&self->data.tokens, g_strfreev);
  g_clear_pointer (&self->data.scores, g_free);
}

void
fw_sample_clear (FwSample *self)
{
  fw_sample_clear_explanation (self);
  g_clear_pointer (&self->data.classes, g_strfreev);
  g_clear_pointer (&self->data.probs, g_free);
  g_clear_pointer (&self->data.pixels, g_free);
  g_clear_pointer (&self->data.caption, g_free);
  self->data.row = -1;
  self->data.label = -1;
  self->data.predicted = -1;
  self->data.n_classes = 0;
  self->data.text_hidden = FALSE;
}

static void
fw_sample_finalize (GObject *object)
{
  fw_sample_clear (FW_SAMPLE (object));
  G_OBJECT_CLASS (fw_sample_parent_class)->finalize (object);
}

static void
fw_sample_class_init (FwSampleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fw_sample_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fw_sample_init (FwSample *self)
{
  fw_sample_clear (self);
}

FwSample *fw_sample_new (void) { return g_object_new (FW_TYPE_SAMPLE, NULL); }
FwSampleData *fw_sample_get_data (FwSample *self) { return &self->data; }

void
fw_sample_changed (FwSample *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}
