/* fuzz-model-load.c — libFuzzer harness for the model-file loader: any
 * bytes must give a model or an error naming the file, never a crash, a
 * leak or a read outside the input (built with -fsanitize=fuzzer,address,
 * undefined by run-fuzz.sh).  A model that loads is also run forward once,
 * so shapes the loader accepted are shapes the model can use. */
#include <stdint.h>
#include <string.h>

#include "fw-model-file.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load_bytes (bytes, "fuzz.safetensors", 2, &error);
  if (!saved)
    {
      if (!error || !strstr (error->message, "fuzz.safetensors"))
        __builtin_trap ();   /* every failure names the file */
      return 0;
    }
  FwModel *m = saved->model;
  const FwShape *s = fw_model_get_shape (m);
  memset (fw_model_input_image (m), 0, sizeof (float) * 2 * s->channels * s->size * s->size);
  for (int b = 0; b < 2; b++)
    {
      fw_model_blank_text (m, b);
      fw_model_input_labels (m)[b] = 0;
    }
  fw_model_forward (m, 2);
  return 0;
}
