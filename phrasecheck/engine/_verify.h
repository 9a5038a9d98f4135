/* PatternVerifier's layout, shared by its verification (_verify.c) and its construction
 * (_verify_init.c). */
#ifndef PHRASECHECK_VERIFY_H
#define PHRASECHECK_VERIFY_H

#include "_native.h"

typedef struct {
    PyObject *norm;       /* the spelling, folded */
    PyObject *keys;       /* tuple of str: its phonetic keys, each as long as the spelling */
    Py_ssize_t length;
    long allowance;       /* homophones it may hold */
} Spelling;

typedef struct {
    Py_ssize_t first, count;  /* its spellings */
    int optional, break_before, break_after;
    Py_ssize_t gap_before;
} Part;

typedef struct {
    PyObject_HEAD
    Py_ssize_t part_count, anchor;
    Part *parts;
    Spelling *spellings;
    Py_ssize_t spelling_count;
    PyObject *held;           /* the description the spellings' strings come from */
    long full_pinyin, whole_pinyin;
} PatternVerifier;

void PatternVerifier_dealloc(PatternVerifier *self);
int PatternVerifier_init(PatternVerifier *self, PyObject *args, PyObject *kwds);

#endif
