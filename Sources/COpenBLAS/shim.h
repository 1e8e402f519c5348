#ifndef TBD_COPENBLAS_SHIM_H
#define TBD_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
