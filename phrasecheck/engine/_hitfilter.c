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
#include "_hitfilter.h"
#include "_keyscan.h"

static void HitFilter_dealloc(HitFilter *self) {
    hitfilter_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
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

/* One call of the first tests: the text they read and the hits they keep. */
typedef struct {
    HitFilter *self;
    PyObject *phon;
    int kind;
    const void *data;
    Py_ssize_t length, sound_length;
    PyObject *kept;
    int only_shingles;   /* every value kept so far is a fuzzy shingle, whose count is a test */
} Call;

static int begin(HitFilter *self, PyObject *folded, PyObject *phon, Call *call) {
    if (self->values == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "HitFilter not initialised");
        return -1;
    }
    if (++self->stamp == 0) {
        memset(self->stamps, 0, sizeof(uint32_t) * (self->pattern_count ? self->pattern_count : 1));
        memset(self->phrase_stamps, 0, sizeof(uint32_t) * (self->phrase_count ? self->phrase_count : 1));
        self->heard_stamp = 0;
        self->stamp = 1;
    }
    call->self = self;
    call->phon = phon;
    call->kind = PyUnicode_KIND(folded);
    call->data = PyUnicode_DATA(folded);
    call->length = PyUnicode_GET_LENGTH(folded);
    call->sound_length = PyUnicode_GET_LENGTH(phon);
    call->only_shingles = 1;
    call->kept = PyList_New(0);
    return call->kept == NULL ? -1 : 0;
}

/* The first tests of the values of the key found ending at `end` (a `KeyVisit`): 0, or -1 with
 * an exception. */
static int test_hit(void *context, Py_ssize_t key, Py_ssize_t Py_UNUSED(start), Py_ssize_t end) {
    Call *call = context;
    HitFilter *self = call->self;
    PyObject *phon = call->phon;
    int kind = call->kind;
    const void *data = call->data;
    Py_ssize_t length = call->length, sound_length = call->sound_length, end_index = end - 1;
    int32_t *passed = self->passed;
    if (key < 0 || key >= self->key_count) {
        PyErr_SetString(PyExc_IndexError, "key out of range");
        return -1;
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
                            return -1;
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
                        return -1;
                    }
                    if (keep) {
                        self->stamps[p] = self->stamp;
                        self->answers[p] = 1;
                    }
                }
                if (keep) {
                    keep = heard_beside(self, p, phon, start, start + test->length);
                    if (keep < 0) {
                        return -1;
                    }
                }
            }
            if (keep) {
                call->only_shingles = 0;
            }
        }
        if (keep) {
            passed[survivors++] = v;
        }
    }
    if (survivors == 0) {
        return 0;
    }
    PyObject *kept_values;
    if (survivors == count) {
        Py_INCREF(values);
        kept_values = values;
    } else {
        kept_values = PyTuple_New(survivors);
        if (kept_values == NULL) {
            return -1;
        }
        for (int32_t s = 0; s < survivors; s++) {
            PyObject *value = PyTuple_GET_ITEM(values, passed[s]);
            Py_INCREF(value);
            PyTuple_SET_ITEM(kept_values, s, value);
        }
    }
    return append_new(call->kept, Py_BuildValue("(nN)", end_index, kept_values));
}

/* The hits kept, or none where every value kept is a shingle and no phrase has the shingles it
 * needs; NULL with an exception. */
static PyObject *kept_hits(Call *call) {
    HitFilter *self = call->self;
    PyObject *kept = call->kept;
    if (PyList_GET_SIZE(kept) && call->only_shingles) {
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
}

static PyObject *HitFilter_plausible(HitFilter *self, PyObject *args) {
    PyObject *folded, *phon, *matches;
    Call call;
    if (!PyArg_ParseTuple(args, "UUO!", &folded, &phon, &PyList_Type, &matches) || begin(self, folded, phon, &call) < 0) {
        return NULL;
    }
    for (Py_ssize_t m = 0; m < PyList_GET_SIZE(matches); m++) {
        PyObject *match = PyList_GET_ITEM(matches, m);
        if (!PyTuple_Check(match) || PyTuple_GET_SIZE(match) != 3) {
            PyErr_SetString(PyExc_TypeError, "matches must be (key, start, end) tuples");
            Py_DECREF(call.kept);
            return NULL;
        }
        Py_ssize_t key = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 0));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 2));
        if (PyErr_Occurred() || test_hit(&call, key, 0, end) < 0) {
            Py_DECREF(call.kept);
            return NULL;
        }
    }
    return kept_hits(&call);
}

/* find(phon, folded, automaton): `plausible` of what the automaton finds in phon, the scan and
 * the tests in one pass, no match made an object. */
static PyObject *HitFilter_find(HitFilter *self, PyObject *const *args, Py_ssize_t count) {
    PyObject *folded, *phon, *automaton;
    Call call;
    if (fast_arguments("find", args, count, "UUO", &phon, &folded, &automaton) < 0) {
        return NULL;
    }
    if (!PyObject_TypeCheck(automaton, &KeyAutomatonType)) {
        PyErr_Format(PyExc_TypeError, "find() argument 3 must be a KeyAutomaton, not %.50s", Py_TYPE(automaton)->tp_name);
        return NULL;
    }
    if (begin(self, folded, phon, &call) < 0) {
        return NULL;
    }
    if (automaton_each((KeyAutomaton *)automaton, phon, test_hit, &call) < 0) {
        Py_DECREF(call.kept);
        return NULL;
    }
    return kept_hits(&call);
}

static PyMethodDef HitFilter_methods[] = {
    {"plausible", (PyCFunction)HitFilter_plausible, METH_VARARGS,
     "plausible(folded, phon, matches): the hits (end index, values) of the (key, start, end) matches that pass the "
     "first tests."},
    {"find", (PyCFunction)(void (*)(void))HitFilter_find, METH_FASTCALL,
     "find(phon, folded, automaton): `plausible` of the matches the KeyAutomaton finds in phon, in one pass."},
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
