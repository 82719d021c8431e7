// Debian's libopenblas-dev installs <cblas.h> (with openblas_set_num_threads) on the
// multiarch include path through the alternatives system.
#include <cblas.h>
