/* A context pattern's search of a window, in one call: `CompiledPattern.search` (pattern.py).
 *
 * The judge searches a few windows of every flagged message for its `unless` contexts and the
 * frames of reported speech.  Each search finds the anchor's keys in the window (by their first
 * characters, then whole), orders the places found spelling by spelling, key by key, left to
 * right, and verifies each; in Python the ordering and the calls around each verification cost
 * more than the scan and the verifying. */
#include "_gramtable.h"

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

/* The places found so far: 32 on the stack, more on the heap. */
typedef struct {
    Place small[32];
    Place *items;
    Py_ssize_t used, room;
} Places;

/* Each (which, number, alternative) of key `key` (its values tuple in `values`) at `start`. */
static int add_key(Places *places, PyObject *values, Py_ssize_t key, Py_ssize_t start) {
    if (key < 0 || key >= PyList_GET_SIZE(values) || !PyTuple_Check(PyList_GET_ITEM(values, key))) {
        PyErr_SetString(PyExc_ValueError, "a scanned key has no values tuple");
        return -1;
    }
    PyObject *of_key = PyList_GET_ITEM(values, key);
    for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(of_key); v++) {
        if (places->used == places->room) {
            Place *grown = PyMem_Malloc(sizeof(Place) * 2 * places->room);
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            memcpy(grown, places->items, sizeof(Place) * places->used);
            if (places->items != places->small) {
                PyMem_Free(places->items);
            }
            places->items = grown;
            places->room *= 2;
        }
        if (place_of(PyTuple_GET_ITEM(of_key, v), start, &places->items[places->used]) < 0) {
            return -1;
        }
        places->used++;
    }
    return 0;
}

/* The anchor keys wholly in phon[low:high], by `starts`: (a GramTable of the keys' first
 * characters, the indexes of the keys starting with each, the keys): each start found, the keys
 * it begins are compared whole.  Each place of a key is found once, as a scan of the keys finds it. */
static int places_of(PyObject *starts, PyObject *phon, Py_ssize_t low, Py_ssize_t high, PyObject *values, Places *places) {
    GramTable *table = PyTuple_Check(starts) && PyTuple_GET_SIZE(starts) == 3 ? (GramTable *)PyTuple_GET_ITEM(starts, 0) : NULL;
    PyObject *members = table ? PyTuple_GET_ITEM(starts, 1) : NULL, *keys = table ? PyTuple_GET_ITEM(starts, 2) : NULL;
    if (table == NULL || !PyObject_TypeCheck((PyObject *)table, &GramTableType) || !PyTuple_Check(members)
        || !PyList_Check(keys) || PyTuple_GET_SIZE(members) != table->count || PyList_GET_SIZE(keys) != PyList_GET_SIZE(values)) {
        PyErr_SetString(PyExc_TypeError, "starts must be (GramTable, a tuple of key indexes per start, the keys as a "
                                         "list beside values)");
        return -1;
    }
    EACH_HIT(table, phon, low, high, first, {
        Py_ssize_t start = hit_end_ - table->by_length[l_];
        PyObject *starting = PyTuple_GET_ITEM(members, first);
        for (Py_ssize_t m = 0; PyTuple_Check(starting) && m < PyTuple_GET_SIZE(starting); m++) {
            Py_ssize_t key = PyLong_AsSsize_t(PyTuple_GET_ITEM(starting, m));
            if (key < 0 || key >= PyList_GET_SIZE(keys) || !PyUnicode_Check(PyList_GET_ITEM(keys, key))) {
                if (!PyErr_Occurred()) {
                    PyErr_SetString(PyExc_ValueError, "a start's key index is not a key's");
                }
                return -1;
            }
            PyObject *whole = PyList_GET_ITEM(keys, key);
            Py_ssize_t end = start + PyUnicode_GET_LENGTH(whole);
            if (end <= high && PyUnicode_Tailmatch(phon, whole, start, end, -1) == 1 && add_key(places, values, key, start) < 0) {
                return -1;
            }
        }
    });
    return 0;
}

/* search_anchored(verifier, norm, phon, breaks, starts, values, low, high, rewritten): the matches
 * (start, end, spans, mismatches, placeholders) whose anchor key lies wholly in phon[low:high]:
 * `starts` finds the anchor's keys (`places_of`), `values` holds each key's (which, number,
 * alternative) tuples; syllables typed in pinyin count as their words. */
PyObject *search_anchored(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t count) {
    if (count != 9 || !PyUnicode_Check(args[1]) || !PyUnicode_Check(args[2]) || !PyBytes_Check(args[3])
        || !PyList_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError, "search_anchored(verifier, norm: str, phon: str, breaks: bytes, starts, "
                                         "values: list, low, high, rewritten)");
        return NULL;
    }
    PyObject *verifier = args[0], *norm = args[1], *phon = args[2], *starts = args[4], *values = args[5];
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
    Places places;
    places.items = places.small;
    places.used = 0;
    places.room = 32;
    PyObject *found = NULL;
    if (places_of(starts, phon, low, high, values, &places) < 0) {
        goto done;
    }
    qsort(places.items, (size_t)places.used, sizeof(Place), by_order);
    const unsigned char *breaks = (const unsigned char *)PyBytes_AS_STRING(args[3]);
    if (!(found = PyList_New(0))) {
        goto done;
    }
    for (Py_ssize_t p = 0; p < places.used; p++) {
        PyObject *spelling, *match = NULL;
        long allowance;
        if (spelling_of(places.items[p].spelling, &spelling, &allowance) == 0) {
            match = verifier_match(verifier, norm, phon, breaks, spelling, allowance, places.items[p].start, 1, rewritten);
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
    if (places.items != places.small) {
        PyMem_Free(places.items);
    }
    return found;
}
