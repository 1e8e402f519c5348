#ifndef TBD_COPENBLAS_SHIM_H
#define TBD_COPENBLAS_SHIM_H
#include <cblas.h>

/* LAPACK's symmetric eigensolver (divide and conquer). Debian's libopenblas exports LAPACK but ships no LAPACK
   header, so the one routine the package calls is declared here, as gfortran compiles it: every argument by
   reference, then the hidden lengths of the two character arguments. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, unsigned long jobz_length,
             unsigned long uplo_length);
#endif
