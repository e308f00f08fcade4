/* fw-tsan-glib.c — tells ThreadSanitizer about GLib's locks and hand-offs.
 * GLib is not built with TSan: its GMutex is a futex behind atomics TSan
 * never sees, and a GTask or a thread pool passes work to another thread
 * through such locks inside GLib, so every access our code orders through
 * them would look like a race.  Preloaded (run-tsan.sh), this wraps the
 * GLib calls our code makes and marks the happens-before edge each one
 * stands for (unlock → lock, run_in_thread → task function, task return →
 * propagate, pool push → pool function → pool free, last unref → clear,
 * idle or timeout added in one thread → its callback in the main loop);
 * the work itself is GLib's.  Calls GLib makes to itself are bound inside
 * it and not wrapped: tsan.supp names what is left in there. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gio/gio.h>
#include <sanitizer/tsan_interface.h>

/* the GLib function this one stands in front of */
#define REAL(name)                                                  \
  static __typeof__ (name) *real_##name;                            \
  if (!real_##name)                                                 \
    real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

void
g_mutex_lock (GMutex *mutex)
{
  REAL (g_mutex_lock);
  real_g_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  REAL (g_mutex_trylock);
  gboolean locked = real_g_mutex_trylock (mutex);
  if (locked)
    __tsan_acquire (mutex);
  return locked;
}

void
g_mutex_unlock (GMutex *mutex)
{
  REAL (g_mutex_unlock);
  __tsan_release (mutex);
  real_g_mutex_unlock (mutex);
}

void
g_cond_wait (GCond *cond, GMutex *mutex)
{
  REAL (g_cond_wait);
  __tsan_release (mutex);
  real_g_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
g_cond_wait_until (GCond *cond, GMutex *mutex, gint64 end_time)
{
  REAL (g_cond_wait_until);
  __tsan_release (mutex);
  gboolean signalled = real_g_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

void
g_rec_mutex_lock (GRecMutex *mutex)
{
  REAL (g_rec_mutex_lock);
  real_g_rec_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

void
g_rec_mutex_unlock (GRecMutex *mutex)
{
  REAL (g_rec_mutex_unlock);
  __tsan_release (mutex);
  real_g_rec_mutex_unlock (mutex);
}

void
g_rw_lock_writer_lock (GRWLock *lock)
{
  REAL (g_rw_lock_writer_lock);
  real_g_rw_lock_writer_lock (lock);
  __tsan_acquire (lock);
}

void
g_rw_lock_writer_unlock (GRWLock *lock)
{
  REAL (g_rw_lock_writer_unlock);
  __tsan_release (lock);
  real_g_rw_lock_writer_unlock (lock);
}

void
g_rw_lock_reader_lock (GRWLock *lock)
{
  REAL (g_rw_lock_reader_lock);
  real_g_rw_lock_reader_lock (lock);
  __tsan_acquire (lock);
}

void
g_rw_lock_reader_unlock (GRWLock *lock)
{
  REAL (g_rw_lock_reader_unlock);
  __tsan_release (lock);
  real_g_rw_lock_reader_unlock (lock);
}

/* ---- GTask: the caller's writes before the task function, the task
 * function's writes before the callback that reads its result ---- */

static GQuark
task_func_quark (void)
{
  static GQuark q;
  if (!q)
    q = g_quark_from_static_string ("fw-tsan-task-func");
  return q;
}

static void
task_trampoline (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GTaskThreadFunc func = (GTaskThreadFunc) g_object_get_qdata (G_OBJECT (task), task_func_quark ());
  __tsan_acquire (task);
  func (task, source, data, cancellable);
}

void
g_task_run_in_thread (GTask *task, GTaskThreadFunc func)
{
  REAL (g_task_run_in_thread);
  g_object_set_qdata (G_OBJECT (task), task_func_quark (), (gpointer) func);
  __tsan_release (task);
  real_g_task_run_in_thread (task, task_trampoline);
}

#define RETURN_WRAPPER(name, params, args)                          \
  void name params                                                  \
  {                                                                 \
    REAL (name);                                                    \
    __tsan_release (task);                                          \
    real_##name args;                                               \
  }
RETURN_WRAPPER (g_task_return_boolean, (GTask *task, gboolean result), (task, result))
RETURN_WRAPPER (g_task_return_pointer, (GTask *task, gpointer result, GDestroyNotify notify),
                (task, result, notify))
RETURN_WRAPPER (g_task_return_error, (GTask *task, GError *error), (task, error))
RETURN_WRAPPER (g_task_return_int, (GTask *task, gssize result), (task, result))

gpointer
g_task_get_task_data (GTask *task)
{
  REAL (g_task_get_task_data);
  __tsan_acquire (task);
  return real_g_task_get_task_data (task);
}

gboolean
g_task_propagate_boolean (GTask *task, GError **error)
{
  REAL (g_task_propagate_boolean);
  __tsan_acquire (task);
  return real_g_task_propagate_boolean (task, error);
}

gpointer
g_task_propagate_pointer (GTask *task, GError **error)
{
  REAL (g_task_propagate_pointer);
  __tsan_acquire (task);
  return real_g_task_propagate_pointer (task, error);
}

gssize
g_task_propagate_int (GTask *task, GError **error)
{
  REAL (g_task_propagate_int);
  __tsan_acquire (task);
  return real_g_task_propagate_int (task, error);
}

/* ---- GThreadPool: push → the pool function; its work → g_thread_pool_free
 * (which waits for it) ---- */

typedef struct {
  GFunc func;
  gpointer user_data;
} Pool;

static void
pool_trampoline (gpointer data, gpointer user_data)
{
  Pool *p = user_data;
  __tsan_acquire (data);
  p->func (data, p->user_data);
  __tsan_release (p);
}

GThreadPool *
g_thread_pool_new (GFunc func, gpointer user_data, gint max_threads, gboolean exclusive,
                   GError **error)
{
  REAL (g_thread_pool_new);
  Pool *p = g_new (Pool, 1);   /* lives as long as the process: a test tool */
  p->func = func;
  p->user_data = user_data;
  return real_g_thread_pool_new (pool_trampoline, p, max_threads, exclusive, error);
}

gboolean
g_thread_pool_push (GThreadPool *pool, gpointer data, GError **error)
{
  REAL (g_thread_pool_push);
  __tsan_release (data);
  return real_g_thread_pool_push (pool, data, error);
}

void
g_thread_pool_free (GThreadPool *pool, gboolean immediate, gboolean wait_)
{
  REAL (g_thread_pool_free);
  gpointer p = pool->user_data;
  real_g_thread_pool_free (pool, immediate, wait_);
  if (wait_)
    __tsan_acquire (p);
}

/* ---- atomic reference-counted boxes: every release → the last one's clear ---- */

static __thread GDestroyNotify pending_clear;

static void
clear_trampoline (gpointer mem)
{
  __tsan_acquire (mem);
  pending_clear (mem);
}

void
g_atomic_rc_box_release_full (gpointer mem_block, GDestroyNotify clear_func)
{
  REAL (g_atomic_rc_box_release_full);
  __tsan_release (mem_block);
  pending_clear = clear_func;
  real_g_atomic_rc_box_release_full (mem_block, clear_func ? clear_trampoline : NULL);
}

/* ---- main-loop sources added from another thread (a worker telling the
 * GUI thread): what the adder wrote before, the callback may read ---- */

typedef struct {
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
} Source;

static gboolean
source_trampoline (gpointer user_data)
{
  Source *src = user_data;
  __tsan_acquire (src);
  return src->func (src->data);
}

static void
source_free (gpointer user_data)
{
  Source *src = user_data;
  if (src->notify)
    src->notify (src->data);
  g_free (src);
}

static Source *
source_new (GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  Source *src = g_new (Source, 1);
  src->func = func;
  src->data = data;
  src->notify = notify;
  __tsan_release (src);
  return src;
}

guint
g_idle_add_full (gint priority, GSourceFunc function, gpointer data, GDestroyNotify notify)
{
  REAL (g_idle_add_full);
  return real_g_idle_add_full (priority, source_trampoline, source_new (function, data, notify),
                               source_free);
}

guint
g_idle_add (GSourceFunc function, gpointer data)
{
  return g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, function, data, NULL);
}

guint
g_timeout_add_full (gint priority, guint interval, GSourceFunc function, gpointer data,
                    GDestroyNotify notify)
{
  REAL (g_timeout_add_full);
  return real_g_timeout_add_full (priority, interval, source_trampoline,
                                  source_new (function, data, notify), source_free);
}

guint
g_timeout_add (guint interval, GSourceFunc function, gpointer data)
{
  return g_timeout_add_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

void
g_main_context_invoke_full (GMainContext *context, gint priority, GSourceFunc function,
                            gpointer data, GDestroyNotify notify)
{
  REAL (g_main_context_invoke_full);
  real_g_main_context_invoke_full (context, priority, source_trampoline,
                                   source_new (function, data, notify), source_free);
}

void
g_main_context_invoke (GMainContext *context, GSourceFunc function, gpointer data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}
