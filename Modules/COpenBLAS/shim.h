// Debian's libopenblas-dev installs <cblas.h> (with openblas_set_num_threads) on the
// multiarch include path through the alternatives system.
#include <cblas.h>

// DYNAMIC_ARCH builds (Debian's) pick their kernels once, at load time. Version 0.3.21 does
// not recognise some recent CPUs and falls back to the generic Prescott (SSE3) kernels.
// These two exported functions let Unroll re-select the kernels (honouring OPENBLAS_CORETYPE)
// before its first BLAS call. Weak, so a build without them still links; then this is a no-op.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

static inline int unroll_openblas_reselect_core(void) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    return 1;
}
