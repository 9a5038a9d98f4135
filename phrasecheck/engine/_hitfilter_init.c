/* HitFilter(values, first, tests, chars, reach, groups, needles_of, needles, min_hits, borders,
 * border_needles): the arrays `engine/hits.py` builds once per lexicon, copied and checked here
 * once, so that the first tests (_hitfilter.c) index them without checks. */
#include "_hitfilter.h"

void hitfilter_free(HitFilter *self) {
    Py_CLEAR(self->values);
    needles_clear(&self->needles);
    needles_clear(&self->border_needles);
    void **owned[] = {(void **)&self->first, (void **)&self->tests, (void **)&self->chars, (void **)&self->reach,
                      (void **)&self->groups, (void **)&self->needles_of, (void **)&self->stamps,
                      (void **)&self->answers, (void **)&self->min_hits, (void **)&self->counts,
                      (void **)&self->phrase_stamps, (void **)&self->passed, (void **)&self->borders};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
        PyMem_Free(*owned[i]);
        *owned[i] = NULL;
    }
}

/* A copy of an int32 buffer of `count` items (at least one allocated), or NULL with an error. */
static int32_t *copied(Py_buffer *buffer, Py_ssize_t count, const char *name) {
    if (buffer->len != count * (Py_ssize_t)sizeof(int32_t)) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd int32 items", name, count);
        return NULL;
    }
    int32_t *copy = PyMem_Malloc(buffer->len ? (size_t)buffer->len : sizeof(int32_t));
    if (copy == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, buffer->buf, buffer->len);
    return copy;
}

/* Whether every item of a list is a str; else 0 with a TypeError naming the list. */
static int all_str(PyObject *list, const char *name) {
    for (Py_ssize_t n = 0; n < PyList_GET_SIZE(list); n++) {
        if (!PyUnicode_Check(PyList_GET_ITEM(list, n))) {
            PyErr_Format(PyExc_TypeError, "%s must be str", name);
            return 0;
        }
    }
    return 1;
}

int HitFilter_init(HitFilter *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"values", "first", "tests", "chars", "reach", "groups", "needles_of", "needles",
                            "min_hits", "borders", "border_needles", NULL};
    PyObject *values, *chars, *needles, *border_needles;
    Py_buffer first = {0}, tests = {0}, reach = {0}, groups = {0}, needles_of = {0}, min_hits = {0}, borders = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!y*y*Uy*y*y*O!y*y*O!", names, &PyList_Type, &values, &first, &tests,
                                     &chars, &reach, &groups, &needles_of, &PyList_Type, &needles, &min_hits, &borders,
                                     &PyList_Type, &border_needles)) {
        return -1;
    }
    hitfilter_free(self);
    int result = -1;
    Py_ssize_t keys = PyList_GET_SIZE(values);
    Py_ssize_t test_count = tests.len / (Py_ssize_t)sizeof(Test);
    Py_ssize_t patterns = reach.len / (Py_ssize_t)(2 * sizeof(int32_t));
    Py_ssize_t group_count = needles_of.len / (Py_ssize_t)sizeof(int32_t) - 1;
    Py_ssize_t char_count = PyUnicode_GET_LENGTH(chars);
    self->key_count = keys;
    self->pattern_count = patterns;
    self->phrase_count = min_hits.len / (Py_ssize_t)sizeof(int32_t);
    if (tests.len % (Py_ssize_t)sizeof(Test) || group_count < 0) {
        PyErr_SetString(PyExc_ValueError, "malformed tests or groups");
        goto done;
    }
    if (!(self->first = copied(&first, keys + 1, "first")) || !(self->reach = copied(&reach, 2 * patterns, "reach"))
        || !(self->groups = copied(&groups, patterns + 1, "groups"))
        || !(self->needles_of = copied(&needles_of, group_count + 1, "needles_of"))
        || !(self->min_hits = copied(&min_hits, self->phrase_count, "min_hits"))
        || !(self->borders = copied(&borders, 6 * patterns, "borders"))) {
        goto done;
    }
    self->tests = PyMem_Malloc(tests.len ? tests.len : 1);
    self->chars = PyUnicode_AsUCS4Copy(chars);
    self->stamps = PyMem_Calloc(patterns ? patterns : 1, sizeof(uint32_t));
    self->answers = PyMem_Calloc(patterns ? patterns : 1, 1);
    self->counts = PyMem_Calloc(self->phrase_count ? self->phrase_count : 1, sizeof(int32_t));
    self->phrase_stamps = PyMem_Calloc(self->phrase_count ? self->phrase_count : 1, sizeof(uint32_t));
    if (!self->tests || !self->chars || !self->stamps || !self->answers || !self->counts || !self->phrase_stamps) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto done;
    }
    memcpy(self->tests, tests.buf, tests.len);
    self->stamp = self->heard_stamp = 0;
    /* Everything the scan reads is checked once here, so `plausible` can index without checks. */
    if (self->first[0] != 0 || self->first[keys] != test_count || self->groups[0] != 0
        || self->groups[patterns] != group_count || self->needles_of[0] != 0
        || self->needles_of[group_count] != PyList_GET_SIZE(needles)) {
        PyErr_SetString(PyExc_ValueError, "the index arrays do not cover the tests, groups and needles");
        goto done;
    }
    int32_t widest = 1;
    for (Py_ssize_t k = 0; k < keys; k++) {
        if (self->first[k + 1] - self->first[k] > widest) {
            widest = self->first[k + 1] - self->first[k];
        }
        if (self->first[k] > self->first[k + 1] || !PyTuple_Check(PyList_GET_ITEM(values, k))
            || PyTuple_GET_SIZE(PyList_GET_ITEM(values, k)) != self->first[k + 1] - self->first[k]) {
            PyErr_Format(PyExc_ValueError, "key %zd: its values and tests differ", k);
            goto done;
        }
    }
    if ((self->passed = PyMem_Malloc(sizeof(int32_t) * widest)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t < test_count; t++) {
        Test *test = &self->tests[t];
        if ((test->spelling >= 0 && (test->length < 1 || test->spelling + (Py_ssize_t)test->length > char_count))
            || test->pattern >= patterns || test->phrase >= self->phrase_count) {
            PyErr_Format(PyExc_ValueError, "test %zd is out of range", t);
            goto done;
        }
    }
    for (Py_ssize_t p = 0; p < patterns; p++) {
        if (self->groups[p] > self->groups[p + 1]) {
            PyErr_SetString(PyExc_ValueError, "groups must not decrease");
            goto done;
        }
    }
    for (Py_ssize_t g = 0; g < group_count; g++) {
        if (self->needles_of[g] > self->needles_of[g + 1]) {
            PyErr_SetString(PyExc_ValueError, "needles_of must not decrease");
            goto done;
        }
    }
    for (Py_ssize_t b = 0; b < 6 * patterns; b += 3) {
        if (self->borders[b] < 0 || self->borders[b] > self->borders[b + 1]
            || self->borders[b + 1] > PyList_GET_SIZE(border_needles) || self->borders[b + 2] < 0) {
            PyErr_SetString(PyExc_ValueError, "borders must be ranges of border_needles and gaps");
            goto done;
        }
    }
    if (!all_str(needles, "needles") || !all_str(border_needles, "border_needles")
        || needles_of_list(&self->needles, needles) < 0 || needles_of_list(&self->border_needles, border_needles) < 0) {
        goto done;
    }
    for (Py_ssize_t g = 0; g < group_count; g++) {
        if (!firsts_sorted(self->needles.firsts, self->needles_of[g], self->needles_of[g + 1])) {
            PyErr_SetString(PyExc_ValueError, "each group of needles must be sorted");
            goto done;
        }
    }
    for (Py_ssize_t b = 0; b < 6 * patterns; b += 3) {
        if (!firsts_sorted(self->border_needles.firsts, self->borders[b], self->borders[b + 1])) {
            PyErr_SetString(PyExc_ValueError, "each group of border needles must be sorted");
            goto done;
        }
    }
    Py_INCREF(values);
    self->values = values;
    result = 0;
done:
    if (result < 0) {
        hitfilter_free(self);
        self->key_count = self->pattern_count = self->phrase_count = 0;
    }
    PyBuffer_Release(&first);
    PyBuffer_Release(&tests);
    PyBuffer_Release(&reach);
    PyBuffer_Release(&groups);
    PyBuffer_Release(&needles_of);
    PyBuffer_Release(&min_hits);
    PyBuffer_Release(&borders);
    return result;
}
