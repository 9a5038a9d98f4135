/* What the parts of the `_native` extension share. */
#ifndef PHRASECHECK_NATIVE_H
#define PHRASECHECK_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

extern PyTypeObject GramTableType;
extern PyTypeObject HitFilterType;
extern PyTypeObject PlainCheckType;

#endif
