/* What the parts of the `_native` extension share. */
#ifndef PHRASECHECK_NATIVE_H
#define PHRASECHECK_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* A string's hash, character by character (FNV-1a steps), then spread over all 64 bits: the
 * n-gram table's and the word graph's. */
static inline uint64_t mix(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 1099511628211ULL;
}

static inline uint64_t finish(uint64_t h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* Appends a new reference to `list` and drops it: -1 (an exception set) when `item` is NULL, as
 * the call that made it failed, or when the append fails. */
static inline int append_new(PyObject *list, PyObject *item) {
    if (item == NULL) {
        return -1;
    }
    int result = PyList_Append(list, item);
    Py_DECREF(item);
    return result;
}

extern PyTypeObject GramTableType;
extern PyTypeObject HitFilterType;
extern PyTypeObject PlainCheckType;
extern PyTypeObject WordGraphType;
extern PyTypeObject PatternVerifierType;

#endif
