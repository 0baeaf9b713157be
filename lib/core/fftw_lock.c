/* fftw_lock.c -- the one process-wide lock around FFTW's planner, shared by every part that
 * plans transforms (lib/surface, lib/texture): FFTW's planner and plan destruction are not
 * thread-safe, while fftwf_execute_* on distinct arrays is (FFTW manual §5.4). */
#include <pthread.h>

#include "core.h"

static pthread_mutex_t fftw_lock = PTHREAD_MUTEX_INITIALIZER;

void skinq_fftw_lock(void)
{
    pthread_mutex_lock(&fftw_lock);
}

void skinq_fftw_unlock(void)
{
    pthread_mutex_unlock(&fftw_lock);
}
