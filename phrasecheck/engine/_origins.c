/* through(origins, length, starts, ends): the original spans of a folded text's characters whose
 * spans are known in a rewrite of the original (letter runs converted, `latin.Rewrite`).
 *
 * A rewrite's origins are a few segments, one per stretch copied from the original and one per
 * converted character: (at, low, high), where `at` is the segment's first position in the rewrite
 * (0 first, increasing; each runs to the next or to `length`), a copied stretch has high -1 and
 * maps position at + k to the original's low + k, and a converted character stands for the
 * original's [low, high).  A start s of the folded text maps to where the rewrite's character s
 * starts, an end e to where its character e - 1 ends (0 stays 0).  This replaces two lists of a
 * Python int per character of the rewrite, which a 500-character message built and read back. */
#include "_native.h"

typedef struct {
    Py_ssize_t at, low, high;
} Segment;

/* The segment holding rewrite position p (segments sorted by `at`, the first at 0). */
static const Segment *segment_of(const Segment *segments, Py_ssize_t count, Py_ssize_t p) {
    Py_ssize_t low = 0, high = count;
    while (high - low > 1) {
        Py_ssize_t middle = (low + high) / 2;
        if (segments[middle].at <= p) {
            low = middle;
        } else {
            high = middle;
        }
    }
    return &segments[low];
}

static int read_segments(PyObject *origins, Py_ssize_t length, Segment *segments, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(origins, i);
        Segment *s = &segments[i];
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) {
            PyErr_SetString(PyExc_TypeError, "each origin must be an (at, low, high) tuple");
            return -1;
        }
        s->at = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        s->low = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        s->high = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 2));
        if (PyErr_Occurred()) {
            return -1;
        }
        if ((i == 0 && s->at != 0) || (i && s->at <= segments[i - 1].at) || s->at >= length || s->low < 0
            || (s->high != -1 && s->high <= s->low)) {
            PyErr_SetString(PyExc_ValueError, "origins must start at 0, rise, stay inside the rewrite, and span "
                                              "at least one original character each");
            return -1;
        }
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (segments[i].high != -1 && (i + 1 < count ? segments[i + 1].at : length) != segments[i].at + 1) {
            PyErr_SetString(PyExc_ValueError, "a converted character's segment must cover one position of the rewrite");
            return -1;
        }
    }
    return 0;
}

/* Where rewrite position p's character starts in the original, or (`ending`) where the character
 * before position p ends. */
static Py_ssize_t original(const Segment *segments, Py_ssize_t count, Py_ssize_t p, int ending) {
    if (ending && p == 0) {
        return 0;
    }
    Py_ssize_t at = ending ? p - 1 : p;
    const Segment *s = segment_of(segments, count, at);
    return s->high == -1 ? s->low + (at - s->at) + ending : (ending ? s->high : s->low);
}

/* Each character's start and end mapped, into two new tuples; a start equal to the end before it
 * (every copied character's) shares that end's int, which halves what is allocated. */
static int mapped(PyObject *starts, PyObject *ends, const Segment *segments, Py_ssize_t count, Py_ssize_t length,
                  PyObject *out_starts, PyObject *out_ends) {
    PyObject *previous = NULL;  /* borrowed: the tuple holds it */
    Py_ssize_t previous_value = -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(starts); i++) {
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(starts, i));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(ends, i));
        if ((start == -1 || end == -1) && PyErr_Occurred()) {
            return -1;
        }
        if (start < 0 || start >= length || end < 0 || end > length) {
            PyErr_SetString(PyExc_ValueError, "a start or end lies outside the rewrite");
            return -1;
        }
        Py_ssize_t value = original(segments, count, start, 0);
        PyObject *number = previous != NULL && value == previous_value ? Py_NewRef(previous) : PyLong_FromSsize_t(value);
        if (number == NULL) {
            return -1;
        }
        PyTuple_SET_ITEM(out_starts, i, number);
        previous_value = original(segments, count, end, 1);
        if (!(previous = PyLong_FromSsize_t(previous_value))) {
            return -1;
        }
        PyTuple_SET_ITEM(out_ends, i, previous);
    }
    return 0;
}

PyObject *through(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *origins, *starts, *ends;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "O!nO!O!", &PyList_Type, &origins, &length, &PyTuple_Type, &starts, &PyTuple_Type, &ends)) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(origins);
    if (PyTuple_GET_SIZE(starts) != PyTuple_GET_SIZE(ends)) {
        PyErr_SetString(PyExc_ValueError, "starts and ends must hold one position a character each");
        return NULL;
    }
    Segment small[64];
    Segment *segments = count <= 64 ? small : PyMem_Malloc(sizeof(Segment) * (size_t)count);  /* none for an empty rewrite */
    if (segments == NULL) {
        return PyErr_NoMemory();
    }
    PyObject *result = NULL, *mapped_starts = NULL, *mapped_ends = NULL;
    Py_ssize_t size = PyTuple_GET_SIZE(starts);
    if (read_segments(origins, length, segments, count) == 0 && (mapped_starts = PyTuple_New(size))
        && (mapped_ends = PyTuple_New(size)) && mapped(starts, ends, segments, count, length, mapped_starts, mapped_ends) == 0) {
        result = PyTuple_Pack(2, mapped_starts, mapped_ends);
    }
    Py_XDECREF(mapped_starts);
    Py_XDECREF(mapped_ends);
    if (segments != small) {
        PyMem_Free(segments);
    }
    return result;
}
