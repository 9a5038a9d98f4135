/* HitFilter's layout, shared by its first tests (_hitfilter.c) and its construction, which
 * checks once every array the tests index (_hitfilter_init.c). */
#ifndef PHRASECHECK_HITFILTER_H
#define PHRASECHECK_HITFILTER_H

#include "_native.h"

typedef struct {
    int32_t spelling;   /* offset in chars, or -1: kept untested (a fuzzy shingle) */
    int32_t length;
    int32_t allowance;  /* -1: exactly as spelled */
    int32_t pattern;    /* the pattern whose other words must sound nearby, or -1 */
    int32_t phrase;     /* the fuzzy phrase, or -1 */
} Test;

typedef struct {
    PyObject_HEAD
    Py_ssize_t key_count;
    PyObject *values;      /* list: per key, its values tuple */
    int32_t *first;        /* per key: its first test; first[key + 1] ends them */
    Test *tests;
    Py_UCS4 *chars;
    Py_ssize_t pattern_count;
    int32_t *reach;        /* per pattern: left, right */
    int32_t *groups;       /* per pattern: its first group; groups[pattern + 1] ends them */
    int32_t *needles_of;   /* per group: its first needle; needles_of[group + 1] ends them */
    Needles needles;       /* the sounds of the other words */
    uint32_t *stamps;      /* per pattern: answered in this call when == stamp */
    uint8_t *answers;
    Py_ssize_t phrase_count;
    int32_t *min_hits;     /* per fuzzy phrase */
    int32_t *counts;
    uint32_t *phrase_stamps;
    uint32_t stamp;
    int32_t *passed;       /* the values of one key that pass: as many as the most a key has */
    int32_t *borders;      /* per pattern, before the anchor then after it: its needles' range and gap */
    Needles border_needles;
    Heard heard;           /* the characters of this call's phon, when heard_stamp == stamp */
    uint32_t heard_stamp;
} HitFilter;

/* Frees what a HitFilter owns, leaving it empty. */
void hitfilter_free(HitFilter *self);
int HitFilter_init(HitFilter *self, PyObject *args, PyObject *kwds);

#endif
