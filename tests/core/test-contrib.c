/* test-contrib.c — per-modality contributions with known answers: small
 * models trained for a few epochs on the built-in datasets, then checked
 * against what the data was built to teach (noisy text: the image leads;
 * xor: only an interacting model beats its additive projection) and against
 * identities (Shapley efficiency, IG completeness, late fusion's branches). */
#include <math.h>
#include <string.h>

#include "fw-contrib.h"
#include "fw-model-private.h"
#include "fw-trainer.h"

typedef struct {
  FwDataset *ds;
  FwTrainer *trainer;
  FwModel *model;
  int *lexmap;
  int *train, *test;
  int n_train, n_test;
  FwContrib *contrib;
} Trained;

/* Trains on builtin:NAME with options (name, value pairs, NULL-ended). */
static Trained *
train (const char *name, int epochs, const char *const *options)
{
  Trained *t = g_new0 (Trained, 1);
  FwConfig config;
  fw_config_init (&config);
  config.hidden = 64;
  config.head_hidden = 32;
  config.threads = 1;
  config.epochs = epochs;
  for (int i = 0; options && options[i]; i += 2)
    g_assert_true (fw_config_set (&config, options[i], options[i + 1], NULL));
  FwLoadOptions lo = FW_LOAD_OPTIONS_INIT;
  lo.image_size = config.image_size;
  lo.seed = config.seed;
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strconcat ("builtin:", name, NULL);
  t->ds = fw_dataset_load (spec, &lo, NULL, &error);
  g_assert_no_error (error);
  t->trainer = fw_trainer_new (&config, t->ds, &error);
  g_assert_no_error (error);
  fw_trainer_start (t->trainer);
  fw_trainer_join (t->trainer);
  FwEvent ev = { 0 };
  while (fw_trainer_pop_event (t->trainer, &ev))
    {
      g_assert_cmpint (ev.kind, !=, FW_EVENT_FAILED);
      if (ev.kind == FW_EVENT_FINISHED)
        g_test_message ("%s %s: test accuracy %.3f", name, options && options[0] ? options[1] : "",
                        ev.test_accuracy);
      fw_event_clear (&ev);
    }
  t->model = fw_trainer_get_model (t->trainer);
  t->lexmap = fw_vocab_map_lexicon (fw_trainer_get_vocab (t->trainer), t->ds);
  t->train = g_new (int, t->ds->n);
  t->test = g_new (int, t->ds->n);
  t->n_train = fw_dataset_split_rows (t->ds, FW_SPLIT_TRAIN, t->train);
  t->n_test = fw_dataset_split_rows (t->ds, FW_SPLIT_TEST, t->test);
  t->contrib = fw_contrib_new (t->model, t->ds, t->lexmap, NULL, t->train, t->n_train);
  return t;
}

static void
trained_free (Trained *t)
{
  fw_contrib_free (t->contrib);
  fw_trainer_free (t->trainer);
  fw_dataset_free (t->ds);
  g_free (t->lexmap);
  g_free (t->train);
  g_free (t->test);
  g_free (t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Trained, trained_free)

/* Noisy captions, clean images: the image must carry the larger Shapley
 * share, and removing or shuffling it must hurt more than the text. */
static void
test_noisy_text_image_leads (void)
{
  g_autoptr (Trained) t = train ("shapes-noisy-text", 5, NULL);
  FwAblation ab;
  FwShapleySummary sum;
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_contrib_ablation_shapley (t->contrib, t->test, t->n_test, &ab, &sum, NULL,
                                              NULL, NULL, NULL, &error));
  g_test_message ("shapley image %.3f text %.3f interaction %.3f, shares %.3f / %.3f",
                  sum.image, sum.text, sum.interaction, sum.image_share, sum.text_share);
  g_test_message ("ablation acc full %.3f, image removed %.3f, text removed %.3f",
                  ab.full_accuracy, ab.image_accuracy, ab.text_accuracy);
  g_assert_cmpfloat (sum.image_share, >, sum.text_share);
  g_assert_cmpfloat (sum.image, >, sum.text);
  g_assert_cmpfloat_with_epsilon (sum.image_share + sum.text_share, 1.0, 1e-9);
  g_assert_cmpfloat (ab.image_accuracy, <, ab.text_accuracy);

  /* per class: the class means average back to the overall means */
  g_autofree FwShapleySample *samples = g_new0 (FwShapleySample, t->n_test);
  g_assert_true (fw_contrib_ablation_shapley (t->contrib, t->test, t->n_test, NULL, NULL, samples,
                                              NULL, NULL, NULL, &error));
  int K = t->ds->n_classes;
  double by_class[K * 3];
  int counts[K], total = 0;
  double image = 0;
  fw_contrib_shapley_by_class (t->contrib, samples, t->n_test, by_class, counts);
  for (int k = 0; k < K; k++)
    {
      g_test_message ("class %s: %d rows, image %.3f text %.3f interaction %.3f", t->ds->classes[k],
                      counts[k], by_class[k * 3], by_class[k * 3 + 1], by_class[k * 3 + 2]);
      total += counts[k];
      image += by_class[k * 3] * counts[k];
    }
  g_assert_cmpint (total, ==, t->n_test);
  g_assert_cmpfloat_with_epsilon (image / total, sum.image, 1e-9);

  /* the confusion matrix's diagonal is the accuracy */
  int confusion[K * K], diagonal = 0, all = 0;
  g_assert_true (fw_contrib_confusion (t->contrib, t->test, t->n_test, confusion, NULL, &error));
  for (int i = 0; i < K * K; i++)
    all += confusion[i];
  for (int k = 0; k < K; k++)
    diagonal += confusion[k * K + k];
  g_assert_cmpint (all, ==, t->n_test);
  g_assert_cmpfloat_with_epsilon ((double) diagonal / all, ab.full_accuracy, 1e-9);

  FwAblation perm;
  g_assert_true (fw_contrib_permutation (t->contrib, t->test, t->n_test, 1, &perm, NULL, &error));
  g_test_message ("permutation acc full %.3f, image shuffled %.3f, text shuffled %.3f",
                  perm.full_accuracy, perm.image_accuracy, perm.text_accuracy);
  g_assert_cmpfloat (perm.full_accuracy, ==, ab.full_accuracy);
  g_assert_cmpfloat_with_epsilon (perm.full_loss, ab.full_loss, 1e-9);
  g_assert_cmpfloat (perm.image_accuracy, <, perm.full_accuracy - 0.2);

  /* the cheap per-epoch call agrees with the full one */
  FwShapleySummary shares;
  g_assert_true (fw_contrib_shapley_shares (t->contrib, t->test, t->n_test, &shares, NULL, &error));
  g_assert_cmpfloat (shares.image_share, ==, sum.image_share);
}

/* xor of shape and caption: late fusion is additive in probabilities, so
 * its projection loses nothing; intermediate fusion with a hidden head
 * solves xor, which no additive model can. */
static void
test_emap_xor (void)
{
  static const char *const late[] = { "fusion", "late", NULL };
  static const char *const mid[] = { "fusion", "intermediate", NULL };
  g_autoptr (GError) error = NULL;
  FwEmap e;

  g_autoptr (Trained) tl = train ("shapes-xor", 3, late);
  g_assert_true (fw_contrib_emap (tl->contrib, tl->test, tl->n_test, &e, NULL, NULL, NULL, &error));
  g_test_message ("late: n %d, model %.3f, additive %.3f, gap %.3f", e.n, e.model_accuracy,
                  e.additive_accuracy, e.gap);
  g_assert_cmpint (e.n, ==, MIN (tl->n_test, FW_CONTRIB_EMAP_MAX));
  g_assert_cmpfloat (fabs (e.gap), <=, 0.02);

  g_autoptr (Trained) ti = train ("shapes-xor", 15, mid);
  g_assert_true (fw_contrib_emap (ti->contrib, ti->test, ti->n_test, &e, NULL, NULL, NULL, &error));
  g_test_message ("intermediate: n %d, model %.3f, additive %.3f, gap %.3f", e.n,
                  e.model_accuracy, e.additive_accuracy, e.gap);
  g_assert_cmpfloat (e.model_accuracy, >=, 0.9);
  g_assert_cmpfloat (e.gap, >=, 0.3);

  /* the interaction shows in Shapley too: large for intermediate */
  FwShapleySummary si, sl;
  g_assert_true (fw_contrib_shapley_shares (ti->contrib, ti->test, ti->n_test, &si, NULL, &error));
  g_assert_true (fw_contrib_shapley_shares (tl->contrib, tl->test, tl->n_test, &sl, NULL, &error));
  g_test_message ("mean interaction: intermediate %.3f, late %.3f", si.interaction, sl.interaction);
  g_assert_cmpfloat (si.interaction, >, sl.interaction + 0.1);
}

/* Per sample: φ_image + φ_text = f(full) − f(empty), and the main effects
 * plus the interaction too; f(full), f(empty) and the one-modality values
 * agree with single-sample predictions through fw_contrib_explain (another
 * path through the inputs). */
static void
check_shapley_sample (Trained *t, const FwShapleySample *s)
{
  double d = s->full - s->empty;
  g_assert_cmpfloat_with_epsilon (s->image + s->text, d, 1e-5);
  g_assert_cmpfloat_with_epsilon ((s->image - s->interaction / 2) + (s->text - s->interaction / 2)
                                  + s->interaction, d, 1e-5);
  int r = s->index, y = t->ds->label[r], K = t->ds->n_classes;
  const guint8 *px = t->ds->has_image[r] ? t->ds->pixels + (gsize) r * t->model->P : NULL;
  const char *cap = t->ds->has_text[r] ? t->ds->text[r] : NULL;
  const FwVocab *vocab = fw_trainer_get_vocab (t->trainer);
  float p[K], pi[K], pt[K], pe[K];
  fw_contrib_explain (t->contrib, vocab, px, cap, FALSE, FALSE, -1, p, NULL);
  fw_contrib_explain (t->contrib, vocab, px, cap, FALSE, TRUE, -1, pi, NULL);
  fw_contrib_explain (t->contrib, vocab, px, cap, TRUE, FALSE, -1, pt, NULL);
  fw_contrib_explain (t->contrib, vocab, px, cap, TRUE, TRUE, -1, pe, NULL);
  g_assert_cmpfloat_with_epsilon (p[y], s->full, 1e-5);
  g_assert_cmpfloat_with_epsilon (pe[y], s->empty, 1e-5);
  g_assert_cmpfloat_with_epsilon (0.5 * ((p[y] - pt[y]) + (pi[y] - pe[y])), s->image, 1e-5);
  g_assert_cmpfloat_with_epsilon (p[y] - pi[y] - pt[y] + pe[y], s->interaction, 1e-5);
}

static void
test_shapley_efficiency (gconstpointer data)
{
  const char *const *options = data;
  g_autoptr (Trained) t = train ("shapes", 1, options);
  int n = MIN (t->n_test, 100);
  g_autofree FwShapleySample *s = g_new0 (FwShapleySample, n);
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_contrib_ablation_shapley (t->contrib, t->test, n, NULL, NULL, s, NULL, NULL,
                                              NULL, &error));
  double worst = 0, spread = 0;
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpint (s[i].index, ==, t->test[i]);
      worst = MAX (worst, fabs (s[i].image + s[i].text - (s[i].full - s[i].empty)));
      spread += fabs (s[i].image) + fabs (s[i].text);
      if (i < 20)
        check_shapley_sample (t, &s[i]);
    }
  g_test_message ("worst |phi_image + phi_text - (full - empty)| %.2e over %d rows", worst, n);
  g_assert_cmpfloat (spread, >, 1e-3);   /* not all zeros */
}

/* Completeness: image + text attributions = f(input) − f(zero input),
 * within 5% of that difference in total and for nearly every sample; the
 * per-pixel and per-token maps add up to the per-modality sums. */
static void
test_ig_completeness (gconstpointer data)
{
  const char *const *options = data;
  /* attention fusion is slower to train and walks 4× the steps: one
   * epoch and fewer rows keep the test quick */
  gboolean attention = g_strv_contains ((const char *const *) options, "attention");
  g_autoptr (Trained) t = train ("shapes", attention ? 1 : 2, options);
  g_assert_true ((fw_contrib_ig_steps (t->contrib) > FW_CONTRIB_IG_STEPS) == attention);
  int n = MIN (t->n_test, attention ? 12 : 60);
  g_autofree FwIgSample *ig = g_new0 (FwIgSample, n);
  g_autoptr (GError) error = NULL;
  double mi = 0, mt = 0;
  g_assert_true (fw_contrib_ig (t->contrib, t->test, n, n, ig, &mi, &mt, NULL, NULL, NULL, &error));
  double sum_err = 0, sum_diff = 0, worst = 0;
  int within = 0, P = t->model->P;
  for (int i = 0; i < n; i++)
    {
      double diff = ig[i].full - ig[i].zero, attr = ig[i].image + ig[i].text;
      double err = fabs (attr - diff);
      sum_err += err;
      sum_diff += fabs (diff);
      within += err <= 0.05 * fabs (diff) + 1e-3;
      worst = MAX (worst, err / MAX (fabs (diff), 1e-3));
      double px = 0, tok = 0;
      for (int p = 0; p < P; p++)
        px += ig[i].pixels[p];
      for (int j = 0; j < ig[i].n_tokens; j++)
        tok += ig[i].token_scores[j];
      g_assert_cmpfloat_with_epsilon (px, ig[i].image, 1e-4 + 1e-4 * fabs (ig[i].image));
      g_assert_cmpfloat_with_epsilon (tok, ig[i].text, 1e-4 + 1e-3 * fabs (ig[i].text));
      g_assert_cmpint (ig[i].target, ==, t->ds->label[t->test[i]]);
    }
  g_test_message ("completeness: total error %.2f%%, %d/%d samples within 5%%, worst %.1f%%; means image %.3f text %.3f",
                  100 * sum_err / sum_diff, within, n, 100 * worst, mi, mt);
  g_assert_cmpfloat (sum_diff, >, 1e-2);
  g_assert_cmpfloat (sum_err, <=, 0.05 * sum_diff);
  g_assert_cmpint (within, >=, (int) (0.9 * n));
  for (int i = 0; i < n; i++)
    fw_ig_sample_clear (&ig[i]);
}

/* Late fusion: removing the image changes only the image branch, so the
 * ablated prediction is the text branch alone combined with the image
 * branch's answer to the mean image (and the other way round). */
static void
test_late_ablation_branches (void)
{
  static const char *const late[] = { "fusion", "late", NULL };
  g_autoptr (Trained) t = train ("shapes-noisy-text", 3, late);
  FwModel *m = t->model;
  int K = m->shape.classes, n = t->n_test;
  FwAblation ab;
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_contrib_ablation_shapley (t->contrib, t->test, n, &ab, NULL, NULL, NULL, NULL,
                                              NULL, &error));

  /* each branch on the means, alone: explain with both hidden gives them */
  float pe[K];
  fw_contrib_explain (t->contrib, fw_trainer_get_vocab (t->trainer), NULL, NULL, TRUE, TRUE, -1, pe, NULL);
  float mean_i[K], mean_t[K];
  memcpy (mean_i, m->late.probs_i, sizeof mean_i);
  memcpy (mean_t, m->late.probs_t, sizeof mean_t);

  int ok_no_img = 0, ok_no_txt = 0, ok_img_alone = 0, ok_txt_alone = 0;
  double loss_no_img = 0, loss_no_txt = 0;
  float mix[K];
  for (int start = 0; start < n; start += m->max_batch)
    {
      int B = MIN (m->max_batch, n - start);
      fw_model_set_rows (m, t->ds, t->lexmap, NULL, t->test + start, B, NULL, 0);
      fw_model_forward (m, B);
      for (int b = 0; b < B; b++)
        {
          int y = m->in_labels[b];
          const float *pi = m->late.probs_i + b * K, *pt = m->late.probs_t + b * K;
          ok_img_alone += fw_argmax (pi, K) == y;
          ok_txt_alone += fw_argmax (pt, K) == y;
          for (int k = 0; k < K; k++)
            mix[k] = 0.5f * mean_i[k] + 0.5f * pt[k];
          ok_no_img += fw_argmax (mix, K) == y;
          loss_no_img -= log (mix[y]);
          for (int k = 0; k < K; k++)
            mix[k] = 0.5f * pi[k] + 0.5f * mean_t[k];
          ok_no_txt += fw_argmax (mix, K) == y;
          loss_no_txt -= log (mix[y]);
        }
    }
  g_test_message ("image branch alone %.3f, text branch alone %.3f; ablation: image removed %.3f, text removed %.3f",
                  (double) ok_img_alone / n, (double) ok_txt_alone / n, ab.image_accuracy, ab.text_accuracy);
  g_assert_cmpfloat_with_epsilon (ab.image_accuracy, (double) ok_no_img / n, 1e-9);
  g_assert_cmpfloat_with_epsilon (ab.text_accuracy, (double) ok_no_txt / n, 1e-9);
  g_assert_cmpfloat_with_epsilon (ab.image_loss, loss_no_img / n, 1e-4);
  g_assert_cmpfloat_with_epsilon (ab.text_loss, loss_no_txt / n, 1e-4);
  /* with the image gone, what is left is about what the text branch knows */
  g_assert_cmpfloat (fabs (ab.image_accuracy - (double) ok_txt_alone / n), <=, 0.1);
}

/* The inspector's call: probabilities with and without IG agree, hiding
 * the text changes them, and its IG matches the batch IG of the same row. */
static void
test_explain (void)
{
  static const char *const embed[] = { "text-encoder", "embed", NULL };
  g_autoptr (Trained) t = train ("shapes", 2, embed);
  const FwVocab *vocab = fw_trainer_get_vocab (t->trainer);
  int r = t->test[0], K = t->ds->n_classes, P = t->model->P;
  const guint8 *px = t->ds->pixels + (gsize) r * P;
  float p[K], q[K], h[K];
  FwIgSample one = { 0 }, batch = { 0 };
  int pred = fw_contrib_explain (t->contrib, vocab, px, t->ds->text[r], FALSE, FALSE, -1, p, NULL);
  fw_contrib_explain (t->contrib, vocab, px, t->ds->text[r], FALSE, FALSE, t->ds->label[r], q, &one);
  fw_contrib_explain (t->contrib, vocab, px, t->ds->text[r], FALSE, TRUE, -1, h, NULL);
  g_assert_cmpint (pred, ==, fw_argmax (p, K));
  double changed = 0;
  for (int k = 0; k < K; k++)
    {
      g_assert_cmpfloat (p[k], ==, q[k]);
      changed += fabs (p[k] - h[k]);
    }
  g_assert_cmpfloat (changed, >, 1e-4);
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_contrib_ig (t->contrib, &r, 1, 1, &batch, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_cmpfloat_with_epsilon (one.image, batch.image, 1e-5);
  g_assert_cmpfloat_with_epsilon (one.text, batch.text, 1e-5);
  g_assert_cmpint (one.n_tokens, ==, batch.n_tokens);
  g_assert_cmpint (one.n_tokens, >, 0);
  for (int j = 0; j < one.n_tokens; j++)
    {
      g_assert_cmpstr (one.tokens[j], ==, batch.tokens[j]);
      g_assert_cmpfloat_with_epsilon (one.token_scores[j], batch.token_scores[j], 1e-5);
    }
  /* NULL is a missing caption: what the model gives a row without one */
  fw_contrib_explain (t->contrib, vocab, px, NULL, FALSE, FALSE, -1, q, NULL);
  FwModel *m = t->model;
  fw_model_set_rows (m, t->ds, t->lexmap, NULL, &r, 1, NULL, 0);
  fw_model_blank_text (m, 0);
  fw_model_forward (m, 1);
  for (int k = 0; k < K; k++)
    g_assert_cmpfloat_with_epsilon (q[k], m->probs[k], 1e-6);
  /* an edited caption of unknown words still predicts */
  fw_contrib_explain (t->contrib, vocab, px, "zzz qqq", FALSE, FALSE, -1, q, NULL);
  fw_ig_sample_clear (&one);
  fw_ig_sample_clear (&batch);
}

static void
test_learned_mixing (void)
{
  static const char *const weighted[] = { "fusion", "late", "late-combine", "weighted", NULL };
  static const char *const gated[] = { "fusion-op", "gated", NULL };
  double a = 0, b = 0;
  g_autoptr (Trained) tw = train ("shapes-noisy-text", 2, weighted);
  g_assert_true (fw_contrib_late_weights (tw->model, &a, &b));
  g_test_message ("late weights image %.3f text %.3f", a, b);
  g_assert_cmpfloat_with_epsilon (a + b, 1.0, 1e-9);
  const FwParam *w = fw_model_find_param (tw->model, "late.weights");
  const float *v = fw_model_params (tw->model) + w->offset;
  g_assert_cmpfloat_with_epsilon (a / b, exp (v[0] - v[1]), 1e-5);
  g_assert_false (fw_contrib_mean_gate (tw->contrib, tw->test, tw->n_test, &a, &b));

  g_autoptr (Trained) tg = train ("shapes-noisy-text", 2, gated);
  g_assert_false (fw_contrib_late_weights (tg->model, &a, &b));
  g_assert_true (fw_contrib_mean_gate (tg->contrib, tg->test, tg->n_test, &a, &b));
  g_test_message ("mean gate image %.3f text %.3f", a, b);
  g_assert_cmpfloat (a, >, 0.0);
  g_assert_cmpfloat (a, <, 1.0);
  g_assert_cmpfloat_with_epsilon (a + b, 1.0, 1e-9);
}

/* Encoding each input once and recombining features gives what running
 * every combination through the whole model gives. */
static void
test_features_agree (gconstpointer data)
{
  const char *const *options = data;
  g_autoptr (Trained) t = train ("shapes", 1, options);
  int n = MIN (t->n_test, 60);
  g_autoptr (GError) error = NULL;
  FwAblation ab[2], perm[2];
  FwEmap emap[2];
  g_autofree FwShapleySample *s0 = g_new0 (FwShapleySample, n);
  g_autofree FwShapleySample *s1 = g_new0 (FwShapleySample, n);
  for (int f = 0; f < 2; f++)
    {
      fw_contrib_set_use_features (t->contrib, f == 0);
      g_assert_true (fw_contrib_ablation_shapley (t->contrib, t->test, n, &ab[f], NULL, f ? s1 : s0,
                                                  NULL, NULL, NULL, &error));
      g_assert_true (fw_contrib_permutation (t->contrib, t->test, n, 3, &perm[f], NULL, &error));
      g_assert_true (fw_contrib_emap (t->contrib, t->test, n, &emap[f], NULL, NULL, NULL, &error));
    }
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpfloat_with_epsilon (s0[i].image, s1[i].image, 1e-5);
      g_assert_cmpfloat_with_epsilon (s0[i].text, s1[i].text, 1e-5);
      g_assert_cmpfloat_with_epsilon (s0[i].interaction, s1[i].interaction, 1e-5);
    }
  g_assert_cmpfloat_with_epsilon (ab[0].image_loss, ab[1].image_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (ab[0].text_loss, ab[1].text_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (perm[0].image_loss, perm[1].image_loss, 1e-5);
  g_assert_cmpfloat_with_epsilon (perm[0].text_loss, perm[1].text_loss, 1e-5);
  g_assert_cmpfloat (emap[0].model_accuracy, ==, emap[1].model_accuracy);
  g_assert_cmpfloat (fabs (emap[0].additive_accuracy - emap[1].additive_accuracy), <=, 1.0 / n);
  g_test_message ("emap gap %.3f / %.3f, text shuffled loss %.4f / %.4f", emap[0].gap, emap[1].gap,
                  perm[0].text_loss, perm[1].text_loss);
}

/* Reliance over time: the trainer measures the shares after every epoch,
 * on validation rows, and the last one is what fw_contrib measures on the
 * trained model. */
static void
test_reliance_over_epochs (void)
{
  FwConfig config;
  fw_config_init (&config);
  config.hidden = 64;
  config.head_hidden = 32;
  config.threads = 1;
  config.epochs = 3;
  FwLoadOptions lo = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = fw_dataset_load ("builtin:shapes-noisy-text", &lo, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FwTrainer) tr = fw_trainer_new (&config, ds, &error);
  g_assert_no_error (error);
  fw_trainer_measure_reliance (tr, 150);
  fw_trainer_start (tr);
  fw_trainer_join (tr);
  FwEvent ev = { 0 };
  int epochs = 0;
  double last = NAN;
  while (fw_trainer_pop_event (tr, &ev))
    {
      if (ev.kind == FW_EVENT_EPOCH)
        {
          epochs++;
          g_test_message ("epoch %d: image share %.3f, text share %.3f, interaction %.3f",
                          ev.epoch, ev.image_share, ev.text_share, ev.interaction);
          g_assert_true (isfinite (ev.image_share));
          g_assert_cmpfloat_with_epsilon (ev.image_share + ev.text_share, 1.0, 1e-9);
          last = ev.image_share;
        }
      fw_event_clear (&ev);
    }
  g_assert_cmpint (epochs, ==, 3);
  g_assert_cmpfloat (last, >, 0.5);

  FwModel *m = fw_trainer_get_model (tr);
  g_autofree int *lexmap = fw_vocab_map_lexicon (fw_trainer_get_vocab (tr), ds);
  g_autofree int *train_rows = g_new (int, ds->n);
  g_autofree int *val = g_new (int, ds->n);
  int n_train = fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, train_rows);
  int n_val = fw_dataset_split_rows (ds, FW_SPLIT_VAL, val);
  g_autoptr (FwContrib) c = fw_contrib_new (m, ds, lexmap, NULL, train_rows, n_train);
  FwShapleySummary sum;
  g_assert_true (fw_contrib_shapley_shares (c, val, MIN (150, n_val), &sum, NULL, &error));
  g_assert_cmpfloat_with_epsilon (sum.image_share, last, 1e-6);
}

static void
test_cancel (void)
{
  g_autoptr (Trained) t = train ("shapes", 1, NULL);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) error = NULL;
  FwEmap e;
  g_assert_false (fw_contrib_emap (t->contrib, t->test, t->n_test, &e, cancel, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static const char *const opt_bow[] = { NULL };
static const char *const opt_embed[] = { "text-encoder", "embed", NULL };
static const char *const opt_cnn_gru[] = { "image-encoder", "cnn", "text-encoder", "gru", NULL };
static const char *const opt_transformer[] = { "text-encoder", "transformer", "layers", "1", NULL };
static const char *const opt_late[] = { "fusion", "late", "late-combine", "stacking", NULL };
static const char *const opt_early[] = { "fusion", "early", "text-encoder", "embed", NULL };
static const char *const opt_gated[] = { "fusion-op", "gated", NULL };
static const char *const opt_lowrank_embed[] = { "fusion-op", "lowrank", "text-encoder", "embed", NULL };
static const char *const opt_late_weighted[] = { "fusion", "late", "late-combine", "weighted", NULL };
static const char *const opt_attention[] = { "fusion-op", "attention", "text-encoder", "embed", NULL };

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/contrib/shapley/noisy-text-image-leads", test_noisy_text_image_leads);
  g_test_add_func ("/core/contrib/emap/xor", test_emap_xor);
  g_test_add_data_func ("/core/contrib/shapley/efficiency/bow", opt_bow, test_shapley_efficiency);
  g_test_add_data_func ("/core/contrib/shapley/efficiency/cnn-gru", opt_cnn_gru, test_shapley_efficiency);
  g_test_add_data_func ("/core/contrib/shapley/efficiency/early-embed", opt_early, test_shapley_efficiency);
  g_test_add_data_func ("/core/contrib/ig/completeness/bow", opt_bow, test_ig_completeness);
  g_test_add_data_func ("/core/contrib/ig/completeness/embed", opt_embed, test_ig_completeness);
  g_test_add_data_func ("/core/contrib/ig/completeness/cnn-gru", opt_cnn_gru, test_ig_completeness);
  g_test_add_data_func ("/core/contrib/ig/completeness/transformer", opt_transformer, test_ig_completeness);
  g_test_add_data_func ("/core/contrib/ig/completeness/late-stacking", opt_late, test_ig_completeness);
  g_test_add_data_func ("/core/contrib/ig/completeness/early-embed", opt_early, test_ig_completeness);
  g_test_add_data_func ("/core/contrib/ig/completeness/attention-embed", opt_attention, test_ig_completeness);
  g_test_add_func ("/core/contrib/ablation/late-branches", test_late_ablation_branches);
  g_test_add_func ("/core/contrib/explain", test_explain);
  g_test_add_func ("/core/contrib/learned-mixing", test_learned_mixing);
  g_test_add_data_func ("/core/contrib/features/gated", opt_gated, test_features_agree);
  g_test_add_data_func ("/core/contrib/features/lowrank-embed", opt_lowrank_embed, test_features_agree);
  g_test_add_data_func ("/core/contrib/features/cnn-gru", opt_cnn_gru, test_features_agree);
  g_test_add_data_func ("/core/contrib/features/late-weighted", opt_late_weighted, test_features_agree);
  g_test_add_func ("/core/contrib/reliance-over-epochs", test_reliance_over_epochs);
  g_test_add_func ("/core/contrib/cancel", test_cancel);
  return g_test_run ();
}
