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

/* The boundary level (0 none, 1 clause, 2 sentence) before each character of a marked text that
 * is not a mark (U+0000 a clause's, U+0001 a sentence's) and at its end, into `levels`, which
 * holds `length + 1` and is cleared first: `breaks.boundaries`.  Answers how many characters
 * besides marks the text holds (at most `length + 1` counted). */
static inline Py_ssize_t mark_levels(int kind, const void *data, Py_ssize_t size, unsigned char *levels, Py_ssize_t length) {
    Py_ssize_t index = 0;
    memset(levels, 0, (size_t)length + 1);
    for (Py_ssize_t i = 0; i < size && index <= length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > 1) {
            index++;
        } else if (index <= length && levels[index] < (c == 1 ? 2 : 1)) {
            levels[index] = c == 1 ? 2 : 1;
        }
    }
    levels[0] = levels[length] = 2;
    return index;
}

/* Whether the pattern `verifier` (a PatternVerifier) matches around an anchor spelled `spelling`
 * at `start` of a folded text (norm, phon, its boundary levels), no syllable typed in pinyin
 * accepted: 1, 0, or -1 with an exception (_verify.c). */
int verifier_finds(PyObject *verifier, PyObject *norm, PyObject *phon, const unsigned char *breaks, PyObject *spelling,
                   long allowance, Py_ssize_t start, int rewritten);

/* quiet_base(rare, plans, text) (_front.c): a text's source when it needs no rewrite, or None. */
PyObject *quiet_base(PyObject *module, PyObject *const *args, Py_ssize_t count);

extern PyTypeObject GramTableType;
extern PyTypeObject HitFilterType;
extern PyTypeObject PlainCheckType;
extern PyTypeObject WordGraphType;
extern PyTypeObject PatternVerifierType;

#endif
