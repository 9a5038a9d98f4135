/* HitFilter: the first tests of verification on every hit of the matcher's scan, in one call.
 *
 * The matcher's automaton finds anchors by their sound, so most hits of a text are another
 * word that sounds alike (急 for 机, 签 for 前) or a pattern whose other words are nowhere near.
 * `Matcher.plausible` (match.py) tests each hit in Python, a fifth of the time of a clean message;
 * this does the same tests over flat arrays, made once per lexicon by `engine/hits.py`:
 *
 *   - the anchor as spelled: at most `allowance` characters differ from the spelling, a syllable
 *     typed in pinyin (a placeholder, U+E000-U+EFFF) never counts; allowance -1 asks for the
 *     exact spelling;
 *   - then, for a pattern, every other required word's sound within the pattern's reach of the
 *     anchor (asked once per pattern and text where the reach covers the whole text), and the
 *     sound of the required words next to the anchor within their gaps of it;
 *   - a fuzzy shingle is always kept, but a text whose hits are all shingles is dropped when no
 *     phrase has as many as it needs.
 *
 * It answers what `Matcher.plausible` answers for the same hits: (end index, values), the
 * values being the key's own tuple when all of it passes, else a tuple of those that pass.
 */
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

static void filter_free(HitFilter *self) {
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

static void HitFilter_dealloc(HitFilter *self) {
    filter_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
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

static int HitFilter_init(HitFilter *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"values", "first", "tests", "chars", "reach", "groups", "needles_of", "needles",
                            "min_hits", "borders", "border_needles", NULL};
    PyObject *values, *chars, *needles, *border_needles;
    Py_buffer first = {0}, tests = {0}, reach = {0}, groups = {0}, needles_of = {0}, min_hits = {0}, borders = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!y*y*Uy*y*y*O!y*y*O!", names, &PyList_Type, &values, &first, &tests,
                                     &chars, &reach, &groups, &needles_of, &PyList_Type, &needles, &min_hits, &borders,
                                     &PyList_Type, &border_needles)) {
        return -1;
    }
    filter_free(self);
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
        filter_free(self);
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

/* This call's `Heard`, made on the first question that needs it. */
static const Heard *heard(HitFilter *self, PyObject *phon) {
    if (self->heard_stamp != self->stamp) {
        heard_from(&self->heard, phon);
        self->heard_stamp = self->stamp;
    }
    return &self->heard;
}

/* Whether each group of the pattern has a needle inside phon[low:high]: 1, 0, or -1 (error). */
static int sounds_within(HitFilter *self, int32_t pattern, PyObject *phon, Py_ssize_t low, Py_ssize_t high) {
    for (int32_t g = self->groups[pattern]; g < self->groups[pattern + 1]; g++) {
        int found = any_needle(&self->needles, self->needles_of[g], self->needles_of[g + 1], heard(self, phon), phon,
                               low, high, 0, 0);
        if (found <= 0) {
            return found;
        }
    }
    return 1;
}

/* Whether the words next to the pattern's anchor at [start, end) sound within their gaps of it:
 * a border needle ending in [start - gap, start], and one starting in [end, end + gap], where the
 * pattern has any: 1, 0, or -1 (error). */
static int heard_beside(HitFilter *self, int32_t pattern, PyObject *phon, Py_ssize_t start, Py_ssize_t end) {
    const int32_t *border = self->borders + 6 * pattern;
    for (int side = 0; side < 2; side++) {
        int32_t first = border[3 * side], last = border[3 * side + 1], gap = border[3 * side + 2];
        if (first == last) {
            continue;  /* nothing must be heard on this side */
        }
        const Heard *known = heard(self, phon);
        int found = side == 0 ? any_needle(&self->border_needles, first, last, known, phon, start - gap, start, 1, 0)
                              : any_needle(&self->border_needles, first, last, known, phon, end, end + gap, 0, 1);
        if (found <= 0) {
            return found;
        }
    }
    return 1;
}

/* Whether the folded text at `start` is the test's spelling, within its allowance. */
static int spelled(const Test *test, const Py_UCS4 *chars, int kind, const void *data, Py_ssize_t length,
                   Py_ssize_t start) {
    if (start < 0 || start + test->length > length) {
        return 0;
    }
    const Py_UCS4 *spelling = chars + test->spelling;
    int32_t differing = 0;
    for (int32_t i = 0; i < test->length; i++) {
        Py_UCS4 written = PyUnicode_READ(kind, data, start + i);
        if (written != spelling[i]) {
            if (test->allowance >= 0 && written >= 0xE000 && written <= 0xEFFF) {
                continue;  /* a syllable typed in pinyin: its sound matched */
            }
            if (++differing > test->allowance) {
                return 0;
            }
        }
    }
    return 1;
}

static PyObject *HitFilter_plausible(HitFilter *self, PyObject *args) {
    PyObject *folded, *phon, *matches;
    int units = 0;  /* offsets of UTF-16 code units, in bytes (`tables.utf16_units`) */
    if (!PyArg_ParseTuple(args, "UUO!|p", &folded, &phon, &PyList_Type, &matches, &units)) {
        return NULL;
    }
    if (self->values == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "HitFilter not initialised");
        return NULL;
    }
    if (++self->stamp == 0) {
        memset(self->stamps, 0, sizeof(uint32_t) * (self->pattern_count ? self->pattern_count : 1));
        memset(self->phrase_stamps, 0, sizeof(uint32_t) * (self->phrase_count ? self->phrase_count : 1));
        self->heard_stamp = 0;
        self->stamp = 1;
    }
    int kind = PyUnicode_KIND(folded);
    const void *data = PyUnicode_DATA(folded);
    Py_ssize_t length = PyUnicode_GET_LENGTH(folded), sound_length = PyUnicode_GET_LENGTH(phon);
    PyObject *kept = PyList_New(0);
    if (kept == NULL) {
        return NULL;
    }
    int only_shingles = 1;
    int32_t *passed = self->passed;
    for (Py_ssize_t m = 0; m < PyList_GET_SIZE(matches); m++) {
        PyObject *match = PyList_GET_ITEM(matches, m);
        if (!PyTuple_Check(match) || PyTuple_GET_SIZE(match) != 3) {
            PyErr_SetString(PyExc_TypeError, "matches must be (key, start, end) tuples");
            goto failed;
        }
        Py_ssize_t key = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 0));
        Py_ssize_t end_index = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 2));
        if (units) {
            Py_ssize_t start_byte = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 1));
            if (start_byte == -1 && PyErr_Occurred()) {
                goto failed;
            }
            if (start_byte & 1) {
                continue;  /* across two characters: no hit */
            }
            end_index /= 2;
        }
        end_index -= 1;
        if (PyErr_Occurred()) {
            goto failed;
        }
        if (key < 0 || key >= self->key_count) {
            PyErr_SetString(PyExc_IndexError, "key out of range");
            goto failed;
        }
        PyObject *values = PyList_GET_ITEM(self->values, key);
        int32_t first = self->first[key], count = self->first[key + 1] - first, survivors = 0;
        for (int32_t v = 0; v < count; v++) {
            const Test *test = &self->tests[first + v];
            int keep;
            if (test->spelling < 0) {
                keep = 1;
                if (test->phrase >= 0) {
                    if (self->phrase_stamps[test->phrase] != self->stamp) {
                        self->phrase_stamps[test->phrase] = self->stamp;
                        self->counts[test->phrase] = 0;
                    }
                    self->counts[test->phrase]++;
                }
            } else {
                Py_ssize_t start = end_index - test->length + 1;
                keep = spelled(test, self->chars, kind, data, length, start);
                if (keep && test->pattern >= 0) {
                    int32_t p = test->pattern;
                    Py_ssize_t low = start - self->reach[2 * p], high = start + test->length + self->reach[2 * p + 1];
                    int known = self->stamps[p] == self->stamp;
                    if (low <= 0 && high >= sound_length) {  /* the reach covers the text: once per pattern */
                        if (!known) {
                            int anywhere = sounds_within(self, p, phon, 0, sound_length);
                            if (anywhere < 0) {
                                goto failed;
                            }
                            self->stamps[p] = self->stamp;
                            self->answers[p] = (uint8_t)anywhere;
                        }
                        keep = self->answers[p];
                    } else if (known && !self->answers[p]) {
                        keep = 0;  /* nowhere in the text, so not near */
                    } else {  /* only near the anchor: in a long text, far less to search than all of it */
                        keep = sounds_within(self, p, phon, low > 0 ? low : 0, high);
                        if (keep < 0) {
                            goto failed;
                        }
                        if (keep) {
                            self->stamps[p] = self->stamp;
                            self->answers[p] = 1;
                        }
                    }
                    if (keep) {
                        keep = heard_beside(self, p, phon, start, start + test->length);
                        if (keep < 0) {
                            goto failed;
                        }
                    }
                }
                if (keep) {
                    only_shingles = 0;
                }
            }
            if (keep) {
                passed[survivors++] = v;
            }
        }
        if (survivors == 0) {
            continue;
        }
        PyObject *kept_values;
        if (survivors == count) {
            Py_INCREF(values);
            kept_values = values;
        } else {
            kept_values = PyTuple_New(survivors);
            if (kept_values == NULL) {
                goto failed;
            }
            for (int32_t s = 0; s < survivors; s++) {
                PyObject *value = PyTuple_GET_ITEM(values, passed[s]);
                Py_INCREF(value);
                PyTuple_SET_ITEM(kept_values, s, value);
            }
        }
        if (append_new(kept, Py_BuildValue("(nN)", end_index, kept_values)) < 0) {
            goto failed;
        }
    }
    if (PyList_GET_SIZE(kept) && only_shingles) {
        int enough = 0;  /* some phrase met has the shingles it needs */
        for (Py_ssize_t f = 0; f < self->phrase_count && !enough; f++) {
            enough = self->phrase_stamps[f] == self->stamp && self->counts[f] >= self->min_hits[f];
        }
        if (!enough) {
            Py_DECREF(kept);
            return PyList_New(0);
        }
    }
    return kept;
failed:
    Py_DECREF(kept);
    return NULL;
}

static PyMethodDef HitFilter_methods[] = {
    {"plausible", (PyCFunction)HitFilter_plausible, METH_VARARGS,
     "plausible(folded, phon, matches, units=False): the hits (end index, values) that pass the first tests; "
     "with `units`, the matches' offsets are bytes of UTF-16 code units."},
    {NULL}
};

PyTypeObject HitFilterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.HitFilter",
    .tp_basicsize = sizeof(HitFilter),
    .tp_itemsize = 0,
    .tp_dealloc = (destructor)HitFilter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "HitFilter(values, first, tests, chars, reach, groups, needles_of, needles, min_hits, borders, "
              "border_needles): see hits.py.",
    .tp_methods = HitFilter_methods,
    .tp_init = (initproc)HitFilter_init,
    .tp_new = PyType_GenericNew,
};
