#ifndef TBD_CLIBCRYPTO_SHIM_H
#define TBD_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
