// MPI's C API for Swift (Debian's Open MPI: `apt-get install libopenmpi-dev`; headers found by
// pkg-config's `ompi-c`). Open MPI spells MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM … as macros over
// global objects, which Swift cannot import: these inline functions hand them over as values.
#ifndef UNROLL_CMPI_SHIM_H
#define UNROLL_CMPI_SHIM_H
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

static inline MPI_Comm unroll_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype unroll_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype unroll_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op unroll_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op unroll_mpi_max(void) { return MPI_MAX; }
static inline MPI_Errhandler unroll_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *unroll_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int unroll_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int unroll_mpi_success(void) { return MPI_SUCCESS; }
static inline int unroll_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
