/* A context pattern's search of a window, in one call: `CompiledPattern.search` (pattern.py).
 *
 * The judge searches a few windows of every flagged message for its `unless` contexts and the
 * frames of reported speech.  Each search scans the window for the anchor's keys, orders the
 * places found spelling by spelling, key by key, left to right, and verifies each; in Python the
 * ordering and the calls around each verification cost more than the scan and the verifying. */
#include "_native.h"

typedef struct {
    Py_ssize_t which;       /* the anchor spelling's index */
    Py_ssize_t number;      /* the key's index among the spelling's keys */
    Py_ssize_t start;       /* where the key starts in the text */
    PyObject *spelling;     /* the Alternative (borrowed from `values`) */
} Place;

static int by_order(const void *a, const void *b) {
    const Place *x = a, *y = b;
    if (x->which != y->which) {
        return x->which < y->which ? -1 : 1;
    }
    if (x->number != y->number) {
        return x->number < y->number ? -1 : 1;
    }
    return x->start < y->start ? -1 : x->start > y->start;
}

int spelling_of(PyObject *alternative, PyObject **norm, long *allowance) {
    static PyObject *norm_name, *allowance_name;
    if ((norm_name == NULL && !(norm_name = PyUnicode_InternFromString("norm")))
        || (allowance_name == NULL && !(allowance_name = PyUnicode_InternFromString("allowance")))) {
        return -1;
    }
    *norm = PyObject_GetAttr(alternative, norm_name);
    PyObject *allowed = *norm ? PyObject_GetAttr(alternative, allowance_name) : NULL;
    *allowance = allowed ? PyLong_AsLong(allowed) : -1;
    Py_XDECREF(allowed);
    if (allowed == NULL || (*allowance == -1 && PyErr_Occurred()) || !PyUnicode_Check(*norm)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "an anchor spelling must have a str norm and an int allowance");
        }
        Py_CLEAR(*norm);
        return -1;
    }
    return 0;
}

/* One (which, number, alternative) of a key's values: 0, or -1 with a TypeError. */
static int place_of(PyObject *value, Py_ssize_t start, Place *place) {
    if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 3) {
        PyErr_SetString(PyExc_TypeError, "a key's values must be (which, number, alternative) tuples");
        return -1;
    }
    place->which = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 0));
    place->number = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 1));
    place->start = start;
    place->spelling = PyTuple_GET_ITEM(value, 2);
    return PyErr_Occurred() ? -1 : 0;
}

/* search_anchored(verifier, norm, phon, breaks, scan, values, low, high, rewritten): the matches
 * (start, end, spans, mismatches, placeholders) whose anchor key lies wholly in phon[low:high]:
 * `scan` is the anchor's keys' `find_matches_as_indexes` (over a str), `values` each key's
 * (which, number, alternative) tuples; syllables typed in pinyin count as their words. */
PyObject *search_anchored(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t count) {
    static PyObject *overlapping;
    if (count != 9 || !PyUnicode_Check(args[1]) || !PyUnicode_Check(args[2]) || !PyBytes_Check(args[3])
        || !PyList_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError, "search_anchored(verifier, norm: str, phon: str, breaks: bytes, scan, "
                                         "values: list, low, high, rewritten)");
        return NULL;
    }
    PyObject *verifier = args[0], *norm = args[1], *phon = args[2], *scan = args[4], *values = args[5];
    if (!PyObject_TypeCheck(verifier, &PatternVerifierType)) {
        PyErr_SetString(PyExc_TypeError, "expected an initialised PatternVerifier");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(phon);
    Py_ssize_t low = PyLong_AsSsize_t(args[6]), high = PyLong_AsSsize_t(args[7]);
    int rewritten = PyObject_IsTrue(args[8]);
    if ((low == -1 || high == -1 || rewritten < 0) && PyErr_Occurred()) {
        return NULL;
    }
    if (PyBytes_GET_SIZE(args[3]) != length + 1 || PyUnicode_GET_LENGTH(norm) != length) {
        PyErr_SetString(PyExc_ValueError, "norm, phon and breaks must be of one folded text");
        return NULL;
    }
    low = low < 0 ? 0 : (low > length ? length : low);
    high = high < low ? low : (high > length ? length : high);
    if (overlapping == NULL && !(overlapping = Py_BuildValue("(s)", "overlapping"))) {
        return NULL;
    }
    PyObject *window = PyUnicode_Substring(phon, low, high);
    if (window == NULL) {
        return NULL;
    }
    PyObject *scan_args[2] = {window, Py_True};
    PyObject *matches = PyObject_Vectorcall(scan, scan_args, 1, overlapping);
    Py_DECREF(window);
    if (matches == NULL) {
        return NULL;
    }
    PyObject *found = NULL;
    Place small[32], *places = small;
    Py_ssize_t used = 0, room = 32;
    if (!PyList_Check(matches)) {
        PyErr_SetString(PyExc_TypeError, "scan must give a list of (key, start, end)");
        goto done;
    }
    for (Py_ssize_t m = 0; m < PyList_GET_SIZE(matches); m++) {
        Py_ssize_t key, start, end;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(matches, m), "nnn", &key, &start, &end)) {
            goto done;
        }
        if (key < 0 || key >= PyList_GET_SIZE(values) || !PyTuple_Check(PyList_GET_ITEM(values, key))) {
            PyErr_SetString(PyExc_ValueError, "a scanned key has no values tuple");
            goto done;
        }
        PyObject *of_key = PyList_GET_ITEM(values, key);
        for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(of_key); v++) {
            if (used == room) {
                Place *grown = PyMem_Malloc(sizeof(Place) * 2 * room);
                if (grown == NULL) {
                    PyErr_NoMemory();
                    goto done;
                }
                memcpy(grown, places, sizeof(Place) * used);
                if (places != small) {
                    PyMem_Free(places);
                }
                places = grown;
                room *= 2;
            }
            if (place_of(PyTuple_GET_ITEM(of_key, v), low + start, &places[used]) < 0) {
                goto done;
            }
            used++;
        }
    }
    qsort(places, (size_t)used, sizeof(Place), by_order);
    const unsigned char *breaks = (const unsigned char *)PyBytes_AS_STRING(args[3]);
    if (!(found = PyList_New(0))) {
        goto done;
    }
    for (Py_ssize_t p = 0; p < used; p++) {
        PyObject *spelling, *match = NULL;
        long allowance;
        if (spelling_of(places[p].spelling, &spelling, &allowance) == 0) {
            match = verifier_match(verifier, norm, phon, breaks, spelling, allowance, places[p].start, 1, rewritten);
            Py_DECREF(spelling);
        }
        if (match == NULL) {
            Py_CLEAR(found);
            goto done;
        }
        if (match == Py_None) {
            Py_DECREF(match);
        } else if (append_new(found, match) < 0) {
            Py_CLEAR(found);
            goto done;
        }
    }
done:
    if (places != small) {
        PyMem_Free(places);
    }
    Py_DECREF(matches);
    return found;
}
