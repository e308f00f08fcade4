/* test-robustness.c — robustness curves, learning-curve subsets and FLOP
 * counts against known answers: level 0 is evaluation, a modality missing
 * on every row is the dataset with that modality absent, unimodal models
 * give exactly flat curves under the other modality's perturbations, the
 * same seed gives the same curve, subsets are nested and stratified, and
 * the FLOPs of each encoder and fusion are counted by hand. */
#include <math.h>
#include <string.h>

#include "fw-cost.h"
#include "fw-learning-curve.h"
#include "fw-robustness.h"
#include "fw-trainer.h"

static FwDataset *shapes;    /* builtin:shapes, loaded once */

/* A model trained one epoch on shapes, with its vocabulary */
typedef struct {
  FwTrainer *trainer;
  int *lexmap;
  int *rows, n;
} Trained;

static void
train (Trained *t, FwFusion fusion, FwTextEncoder text)
{
  FwConfig c;
  fw_config_init (&c);
  c.fusion = fusion;
  c.text_encoder = text;
  c.hidden = 32;
  c.head_hidden = 16;
  c.epochs = 1;
  c.threads = 1;
  g_autoptr (GError) error = NULL;
  t->trainer = fw_trainer_new (&c, shapes, &error);
  g_assert_no_error (error);
  fw_trainer_start (t->trainer);
  for (;;)
    {
      FwEvent e;
      fw_trainer_wait_event (t->trainer, &e);
      FwEventKind kind = e.kind;
      fw_event_clear (&e);
      if (kind == FW_EVENT_FINISHED || kind == FW_EVENT_FAILED)
        {
          g_assert_cmpint (kind, ==, FW_EVENT_FINISHED);
          break;
        }
    }
  fw_trainer_join (t->trainer);
  t->lexmap = fw_vocab_map_lexicon (fw_trainer_get_vocab (t->trainer), shapes);
  t->rows = g_new (int, shapes->n);
  t->n = fw_dataset_split_rows (shapes, FW_SPLIT_TEST, t->rows);
  g_assert_cmpint (t->n, >, 0);
}

static void
trained_clear (Trained *t)
{
  g_clear_pointer (&t->trainer, fw_trainer_free);
  g_clear_pointer (&t->lexmap, g_free);
  g_clear_pointer (&t->rows, g_free);
}

static FwRobustnessCurve *
curve (Trained *t, FwPerturbation kind, guint64 seed)
{
  int n_levels = 0;
  const double *levels = fw_perturbation_default_levels (kind, &n_levels);
  g_autoptr (GError) error = NULL;
  FwRobustnessCurve *c = fw_robustness_curve (fw_trainer_get_model (t->trainer), shapes,
                                              t->lexmap, NULL, t->rows, t->n, kind, levels,
                                              n_levels, seed, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c);
  return c;
}

static void
test_level_zero_is_eval (void)
{
  Trained t = { 0 };
  train (&t, FW_FUSION_INTERMEDIATE, FW_TEXT_BOW);
  double loss = 0, accuracy = 0;
  fw_model_evaluate (fw_trainer_get_model (t.trainer), shapes, t.lexmap, NULL, t.rows, t.n, &loss,
                     &accuracy);
  for (int k = 0; k < FW_PERTURB_N_KINDS; k++)
    {
      g_autoptr (FwRobustnessCurve) c = curve (&t, (FwPerturbation) k, 1);
      g_assert_cmpfloat (c->levels[0], ==, 0);
      g_assert_cmpfloat (c->accuracy[0], ==, accuracy);
      g_assert_cmpfloat (c->loss[0], ==, loss);
      g_assert_cmpfloat (c->clean_accuracy, ==, accuracy);
      /* the perturbation does something at the top level */
      g_assert_cmpfloat (c->loss[c->n_levels - 1], !=, loss);
    }
  trained_clear (&t);
}

/* missing at p = 1: exactly the dataset with that modality absent on every
 * row, which is how an empty manifest cell is loaded */
static void
check_missing_all (FwPerturbation kind)
{
  Trained t = { 0 };
  train (&t, FW_FUSION_LATE, FW_TEXT_EMBED);
  g_autoptr (FwRobustnessCurve) c = curve (&t, kind, 7);
  g_assert_cmpfloat (c->levels[c->n_levels - 1], ==, 1);
  guint8 *flags = kind == FW_PERTURB_MISSING_IMAGE ? shapes->has_image : shapes->has_text;
  g_autofree guint8 *saved = g_memdup2 (flags, shapes->n);
  memset (flags, 0, shapes->n);
  double loss = 0, accuracy = 0;
  fw_model_evaluate (fw_trainer_get_model (t.trainer), shapes, t.lexmap, NULL, t.rows, t.n, &loss,
                     &accuracy);
  memcpy (flags, saved, shapes->n);
  g_assert_cmpfloat (c->accuracy[c->n_levels - 1], ==, accuracy);
  g_assert_cmpfloat (c->loss[c->n_levels - 1], ==, loss);
  trained_clear (&t);
}

static void
test_missing_image_all (void)
{
  check_missing_all (FW_PERTURB_MISSING_IMAGE);
}

static void
test_missing_text_all (void)
{
  check_missing_all (FW_PERTURB_MISSING_TEXT);
}

static void
assert_flat (const FwRobustnessCurve *c)
{
  for (int i = 1; i < c->n_levels; i++)
    {
      g_assert_cmpfloat (c->accuracy[i], ==, c->accuracy[0]);
      g_assert_cmpfloat (c->loss[i], ==, c->loss[0]);
    }
  g_assert_cmpfloat (c->relative_robustness, ==, 1);
}

static void
assert_not_flat (const FwRobustnessCurve *c)
{
  gboolean moved = FALSE;
  for (int i = 1; i < c->n_levels; i++)
    moved |= c->loss[i] != c->loss[0];
  g_assert_true (moved);
}

static void
test_unimodal_flat (void)
{
  Trained image = { 0 }, text = { 0 };
  train (&image, FW_FUSION_IMAGE, FW_TEXT_BOW);
  train (&text, FW_FUSION_TEXT, FW_TEXT_GRU);
  FwPerturbation text_kinds[] = { FW_PERTURB_MISSING_TEXT, FW_PERTURB_TEXT_NOISE,
                                  FW_PERTURB_MISALIGNED };
  for (gsize i = 0; i < G_N_ELEMENTS (text_kinds); i++)
    {
      g_autoptr (FwRobustnessCurve) flat = curve (&image, text_kinds[i], 3);
      g_autoptr (FwRobustnessCurve) moving = curve (&text, text_kinds[i], 3);
      assert_flat (flat);
      assert_not_flat (moving);
    }
  g_autoptr (FwRobustnessCurve) flat = curve (&text, FW_PERTURB_IMAGE_NOISE, 3);
  g_autoptr (FwRobustnessCurve) moving = curve (&image, FW_PERTURB_IMAGE_NOISE, 3);
  assert_flat (flat);
  assert_not_flat (moving);
  trained_clear (&image);
  trained_clear (&text);
}

static void
test_same_seed_same_curve (void)
{
  Trained t = { 0 };
  train (&t, FW_FUSION_EARLY, FW_TEXT_BOW);
  for (int k = 0; k < FW_PERTURB_N_KINDS; k++)
    {
      g_autoptr (FwRobustnessCurve) a = curve (&t, (FwPerturbation) k, 5);
      g_autoptr (FwRobustnessCurve) b = curve (&t, (FwPerturbation) k, 5);
      g_autoptr (FwRobustnessCurve) other = curve (&t, (FwPerturbation) k, 6);
      g_assert_cmpmem (a->accuracy, sizeof (double) * a->n_levels, b->accuracy,
                       sizeof (double) * b->n_levels);
      g_assert_cmpmem (a->loss, sizeof (double) * a->n_levels, b->loss,
                       sizeof (double) * b->n_levels);
      /* another seed perturbs other rows or pixels: the mid levels move */
      g_assert_cmpfloat (a->loss[2], !=, other->loss[2]);
    }
  trained_clear (&t);
}

static void
test_levels_checked (void)
{
  double ok_p[] = { 0, 0.5, 1 }, high[] = { 0, 1.5 }, negative[] = { -0.1, 0.5 };
  double down[] = { 0.5, 0.1 }, sigma[] = { 0, 2, 5 }, nan_level[] = { NAN };
  g_assert_true (fw_perturbation_check_levels (FW_PERTURB_MISSING_TEXT, ok_p, 3, NULL));
  g_assert_true (fw_perturbation_check_levels (FW_PERTURB_IMAGE_NOISE, sigma, 3, NULL));
  for (int k = 0; k < FW_PERTURB_N_KINDS; k++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (fw_perturbation_check_levels ((FwPerturbation) k, negative, 2, &error));
      g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
      g_assert_false (fw_perturbation_check_levels ((FwPerturbation) k, down, 2, NULL));
      g_assert_false (fw_perturbation_check_levels ((FwPerturbation) k, nan_level, 1, NULL));
      g_assert_false (fw_perturbation_check_levels ((FwPerturbation) k, ok_p, 0, NULL));
      if (!fw_perturbation_is_sigma ((FwPerturbation) k))
        g_assert_false (fw_perturbation_check_levels ((FwPerturbation) k, high, 2, NULL));
    }
}

static void
test_auc_and_effective (void)
{
  double x[] = { 0, 0.25, 1 }, y[] = { 1, 0.5, 0.5 };
  /* (1 + 0.5)/2·0.25 + 0.5·0.75 = 0.5625 over a span of 1 */
  g_assert_cmpfloat_with_epsilon (fw_robustness_auc (x, y, 3), 0.5625, 1e-12);
  double xs[] = { 0, 0.4 }, ys[] = { 0.8, 0.4 };
  g_assert_cmpfloat_with_epsilon (fw_robustness_auc (xs, ys, 2), 0.6, 1e-12);

  double levels[] = { 0, 0.5, 1 };
  double model_acc[] = { 0.9, 0.8, 0.7 }, base_acc[] = { 0.8, 0.5, 0.2 };
  FwRobustnessCurve model = { FW_PERTURB_MISSING_TEXT, 3, levels, model_acc, model_acc, 0.9 };
  FwRobustnessCurve base = { FW_PERTURB_MISSING_TEXT, 3, levels, base_acc, base_acc, 0.8 };
  g_assert_true (fw_robustness_curve_compare (&model, &base));
  /* gains 0, 0.2, 0.4 (drops 0, 0.1, 0.2 against 0, 0.3, 0.6): mean 0.2 */
  g_assert_cmpfloat_with_epsilon (model.effective_robustness, 0.2, 1e-12);
  g_assert_true (fw_robustness_curve_compare (&base, &base));
  g_assert_cmpfloat (base.effective_robustness, ==, 0);
  base.kind = FW_PERTURB_MISALIGNED;
  g_assert_false (fw_robustness_curve_compare (&model, &base));
}

static void
test_cancel (void)
{
  Trained t = { 0 };
  train (&t, FW_FUSION_IMAGE, FW_TEXT_BOW);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_autoptr (GError) error = NULL;
  int n = 0;
  const double *levels = fw_perturbation_default_levels (FW_PERTURB_IMAGE_NOISE, &n);
  FwRobustnessCurve *c = fw_robustness_curve (fw_trainer_get_model (t.trainer), shapes, t.lexmap,
                                              NULL, t.rows, t.n, FW_PERTURB_IMAGE_NOISE, levels,
                                              n, 1, NULL, NULL, cancellable, &error);
  g_assert_null (c);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  trained_clear (&t);
}

static void
test_simple_entry_point (void)
{
  Trained t = { 0 };
  train (&t, FW_FUSION_LATE, FW_TEXT_BOW);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwRobustnessCurve) simple = fw_robustness_curve_on_split (
    fw_trainer_get_model (t.trainer), fw_trainer_get_vocab (t.trainer), shapes, FW_SPLIT_TEST,
    FW_PERTURB_MISSING_TEXT, NULL, 0, 4, &error);
  g_assert_no_error (error);
  g_autoptr (FwRobustnessCurve) full = curve (&t, FW_PERTURB_MISSING_TEXT, 4);
  g_assert_cmpint (simple->n_levels, ==, 6);
  g_assert_cmpmem (simple->accuracy, sizeof (double) * 6, full->accuracy, sizeof (double) * 6);
  trained_clear (&t);
}

/* ---- learning-curve subsets ---- */

static void
test_subsets_nested_stratified (void)
{
  double fractions[] = { 0.05, 0.1, 0.25, 0.5, 1 };
  int K = shapes->n_classes;
  g_autofree int *train_per_class = g_new0 (int, K);
  for (int r = 0; r < shapes->n; r++)
    if (shapes->split[r] == FW_SPLIT_TRAIN)
      train_per_class[shapes->label[r]]++;
  for (int repeat = 0; repeat < 2; repeat++)
    {
      g_autofree guint8 *previous = NULL;
      for (gsize f = 0; f < G_N_ELEMENTS (fractions); f++)
        {
          g_autofree guint8 *split = fw_learning_curve_subset (shapes, fractions[f], 1, repeat);
          g_autofree int *kept = g_new0 (int, K);
          for (int r = 0; r < shapes->n; r++)
            {
              /* val and test rows never move; left-out rows were train rows */
              if (shapes->split[r] != FW_SPLIT_TRAIN)
                g_assert_cmpint (split[r], ==, shapes->split[r]);
              else if (split[r] == FW_SPLIT_TRAIN)
                kept[shapes->label[r]]++;
              else
                g_assert_cmpint (split[r], ==, FW_SPLIT_N_KINDS);
              /* nested: a row kept at a smaller fraction is kept here */
              if (previous && previous[r] == FW_SPLIT_TRAIN)
                g_assert_cmpint (split[r], ==, FW_SPLIT_TRAIN);
            }
          for (int c = 0; c < K; c++)
            g_assert_cmpint (kept[c], ==, MAX (1, (int) floor (fractions[f] * train_per_class[c] + 0.5)));
          g_clear_pointer (&previous, g_free);
          previous = g_steal_pointer (&split);
        }
    }
  /* another repeat draws another subset */
  g_autofree guint8 *a = fw_learning_curve_subset (shapes, 0.1, 1, 0);
  g_autofree guint8 *b = fw_learning_curve_subset (shapes, 0.1, 1, 1);
  g_assert_true (memcmp (a, b, shapes->n) != 0);
}

/* ---- FLOPs by hand ---- */

static gint64
macs (FwFusion fusion, FwFusionOp op, FwLateCombine late, FwImageEncoder image,
      FwTextEncoder text, int head_hidden)
{
  FwConfig c;
  fw_config_init (&c);
  c.fusion = fusion;
  c.fusion_op = op;
  c.late_combine = late;
  c.image_encoder = image;
  c.text_encoder = text;
  c.hidden = 8;
  c.head_hidden = head_hidden;
  FwShape shape = { 1, 12, 20, 3 };   /* 12×12 gray, vocabulary 20, 3 classes */
  gint64 m = fw_cost_macs (&c, &shape);
  g_assert_cmpint (fw_cost_flops_per_sample (&c, &shape), ==, 2 * m);
  return m;
}

static void
test_flops_by_hand (void)
{
  /* H = 8, head 4 → 3 unless said otherwise; P = 144, V = 20, E = 64, L = 32 */
  const gint64 head8 = 8 * 4 + 4 * 3;                 /* 44 */
  const gint64 mlp = 144 * 8, bow = 20 * 8, embed = 64 * 8;
  const gint64 cnn = 12 * 12 * 16 * 1 * 9 + 6 * 6 * 32 * 16 * 9 + 32 * 3 * 3 * 8;
  const gint64 gru = 32 * (3 * 8 * 64 + 3 * 8 * 8);
  g_assert_cmpint (mlp, ==, 1152);
  g_assert_cmpint (cnn, ==, 20736 + 165888 + 2304);
  g_assert_cmpint (gru, ==, 55296);

  /* encoders, through the unimodal baselines */
  g_assert_cmpint (macs (FW_FUSION_IMAGE, 0, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==, 1152 + 44);
  g_assert_cmpint (macs (FW_FUSION_IMAGE, 0, 0, FW_IMAGE_CNN, FW_TEXT_BOW, 4), ==, 188928 + 44);
  g_assert_cmpint (macs (FW_FUSION_TEXT, 0, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==, 160 + 44);
  g_assert_cmpint (macs (FW_FUSION_TEXT, 0, 0, FW_IMAGE_MLP, FW_TEXT_EMBED, 4), ==, 512 + 44);
  g_assert_cmpint (macs (FW_FUSION_TEXT, 0, 0, FW_IMAGE_MLP, FW_TEXT_GRU, 4), ==, 55296 + 44);
  /* transformer, 2 blocks of 32 tokens: q, k, v, out 4·64², feed-forward
   * 2·64·256, scores and mixing 2·32·64 a token; then Linear(64→8) */
  g_assert_cmpint (macs (FW_FUSION_TEXT, 0, 0, FW_IMAGE_MLP, FW_TEXT_TRANSFORMER, 4), ==,
                   2 * 32 * (4 * 64 * 64 + 2 * 64 * 256 + 2 * 32 * 64) + 512 + 44);
  /* a head without hidden layer: one Linear H → K */
  g_assert_cmpint (macs (FW_FUSION_IMAGE, 0, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 0), ==, 1152 + 24);

  /* early: one Linear on [pixels ; text] */
  g_assert_cmpint (macs (FW_FUSION_EARLY, 0, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   (144 + 20) * 8 + head8);
  g_assert_cmpint (macs (FW_FUSION_EARLY, 0, 0, FW_IMAGE_MLP, FW_TEXT_EMBED, 4), ==,
                   (144 + 64) * 8 + head8);

  /* intermediate: both encoders, the operator's own layers, a head on its width */
  const gint64 both = mlp + bow;
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_CONCAT, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   both + 16 * 4 + 4 * 3);
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_SUM, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   both + head8);
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_PRODUCT, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   both + head8);
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_GATED, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   both + 64 + 64 + 128 + head8);
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_TENSOR, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   both + 81 * 4 + 4 * 3);
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_LOWRANK, 0, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   both + 2 * 8 * 32 + head8);
  g_assert_cmpint (macs (FW_FUSION_INTERMEDIATE, FW_OP_CONCAT, 0, FW_IMAGE_CNN, FW_TEXT_GRU, 4), ==,
                   cnn + gru + 16 * 4 + 4 * 3);

  /* late: two classifiers; stacking adds its Linear 2K → K */
  g_assert_cmpint (macs (FW_FUSION_LATE, 0, FW_LATE_MEAN, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   mlp + head8 + bow + head8);
  g_assert_cmpint (macs (FW_FUSION_LATE, 0, FW_LATE_WEIGHTED, FW_IMAGE_MLP, FW_TEXT_EMBED, 4), ==,
                   mlp + head8 + embed + head8);
  g_assert_cmpint (macs (FW_FUSION_LATE, 0, FW_LATE_STACKING, FW_IMAGE_MLP, FW_TEXT_BOW, 4), ==,
                   mlp + head8 + bow + head8 + 6 * 3);
}

/* For models made only of Linear layers, the multiply-adds are the weights:
 * a check of the counting against the model's own parameter list. */
static void
test_flops_match_linear_weights (void)
{
  FwFusion fusions[] = { FW_FUSION_EARLY, FW_FUSION_INTERMEDIATE, FW_FUSION_LATE,
                         FW_FUSION_IMAGE, FW_FUSION_TEXT };
  for (gsize i = 0; i < G_N_ELEMENTS (fusions); i++)
    for (int op = 0; op < FW_OP_N_KINDS; op++)
      {
        if (op == FW_OP_ATTENTION)   /* not made of Linear layers alone; needs token text */
          continue;
        FwConfig c;
        fw_config_init (&c);
        c.fusion = fusions[i];
        c.fusion_op = (FwFusionOp) op;
        c.late_combine = FW_LATE_STACKING;
        c.hidden = 6;
        c.head_hidden = 5;
        FwShape shape = { 1, 8, 15, 4 };
        g_autoptr (GError) error = NULL;
        g_autoptr (FwModel) m = fw_model_new (&c, &shape, 2, &error);
        g_assert_no_error (error);
        int n = 0;
        const FwParam *params = fw_model_param_list (m, &n);
        gint64 weights = 0;
        for (int k = 0; k < n; k++)
          if (params[k].ndim == 2)
            weights += params[k].size;
        g_assert_cmpint (fw_cost_macs (&c, &shape), ==, weights);
      }
}

static void
test_text_ids_match_rows (void)
{
  Trained t = { 0 };
  train (&t, FW_FUSION_TEXT, FW_TEXT_BOW);
  FwModel *m = fw_trainer_get_model (t.trainer);
  int V = fw_model_get_shape (m)->vocab, r = t.rows[0];
  fw_model_set_rows (m, shapes, t.lexmap, NULL, &r, 1, NULL, 0);
  g_autofree float *counts = g_memdup2 (fw_model_input_counts (m), sizeof (float) * V);
  int n_words = shapes->word_start[r + 1] - shapes->word_start[r];
  g_autofree int *ids = g_new (int, n_words);
  for (int i = 0; i < n_words; i++)
    ids[i] = t.lexmap[shapes->words[shapes->word_start[r] + i]];
  fw_model_blank_text (m, 0);
  fw_model_set_text_ids (m, 0, ids, n_words);
  g_assert_cmpmem (counts, sizeof (float) * V, fw_model_input_counts (m), sizeof (float) * V);
  trained_clear (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  shapes = fw_dataset_load ("builtin:shapes", &options, NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/robustness/level-zero-is-eval", test_level_zero_is_eval);
  g_test_add_func ("/robustness/missing-image-all", test_missing_image_all);
  g_test_add_func ("/robustness/missing-text-all", test_missing_text_all);
  g_test_add_func ("/robustness/unimodal-flat", test_unimodal_flat);
  g_test_add_func ("/robustness/same-seed", test_same_seed_same_curve);
  g_test_add_func ("/robustness/levels-checked", test_levels_checked);
  g_test_add_func ("/robustness/auc-effective", test_auc_and_effective);
  g_test_add_func ("/robustness/cancel", test_cancel);
  g_test_add_func ("/robustness/simple-entry-point", test_simple_entry_point);
  g_test_add_func ("/robustness/text-ids", test_text_ids_match_rows);
  g_test_add_func ("/learning-curve/subsets", test_subsets_nested_stratified);
  g_test_add_func ("/cost/flops-by-hand", test_flops_by_hand);
  g_test_add_func ("/cost/flops-match-linear-weights", test_flops_match_linear_weights);
  int status = g_test_run ();
  fw_dataset_free (shapes);
  return status;
}
