/* GramTable.union: which of the judge's context patterns may have an anchor in a text, from one
 * pass over it (`presence.AnchorPresence`), the patterns' bits or-ed as machine words. */
#include "_gramtable.h"

/* `values` (a key's int each) as words, kept for the next call with the same tuple: 1, 0 where a
 * value is not a non-negative int (then or-ed as objects), -1 with an exception. */
static int union_words(GramTable *self, PyObject *values) {
    if (values == self->union_values) {
        return self->union_words != NULL;
    }
    Py_ssize_t width = 1;
    for (Py_ssize_t key = 0; key < self->count; key++) {
        PyObject *value = PyTuple_GET_ITEM(values, key);
        if (!PyLong_CheckExact(value) || _PyLong_Sign(value) < 0) {
            width = 0;
            break;
        }
        Py_ssize_t bits = (Py_ssize_t)_PyLong_NumBits(value);
        if (bits < 0) {
            return -1;
        }
        if (bits > 64 * width) {
            width = (bits + 63) / 64;
        }
    }
    uint64_t *words = NULL;
    if (width > 0 && (words = PyMem_Calloc((size_t)(self->count ? self->count : 1) * width, sizeof(uint64_t))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t key = 0; words != NULL && key < self->count; key++) {
        PyObject *value = PyTuple_GET_ITEM(values, key);
        Py_INCREF(value);
        for (Py_ssize_t w = 0; w < width && value != NULL; w++) {
            words[key * width + w] = PyLong_AsUnsignedLongLongMask(value);
            PyObject *shift = PyLong_FromLong(64);
            Py_SETREF(value, shift ? PyNumber_Rshift(value, shift) : NULL);
            Py_XDECREF(shift);
        }
        if (value == NULL) {
            PyMem_Free(words);
            return -1;
        }
        Py_DECREF(value);
    }
    PyMem_Free(self->union_words);
    self->union_words = words;
    self->union_width = width;
    Py_INCREF(values);
    Py_XSETREF(self->union_values, values);
    return words != NULL;
}

/* The int of `width` words, the lowest first, or their little-endian bytes (`as_bytes`): one
 * conversion of their bytes. */
static PyObject *int_of_words(const uint64_t *words, Py_ssize_t width, int as_bytes) {
    unsigned char small[64], *bytes = width <= 8 ? small : PyMem_Malloc((size_t)width * 8);
    if (bytes == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t w = 0; w < width; w++) {
        for (int b = 0; b < 8; b++) {
            bytes[w * 8 + b] = (unsigned char)(words[w] >> (8 * b));
        }
    }
    PyObject *found = as_bytes ? PyBytes_FromStringAndSize((const char *)bytes, width * 8)
                               : _PyLong_FromByteArray(bytes, (size_t)width * 8, 1, 0);
    if (bytes != small) {
        PyMem_Free(bytes);
    }
    return found;
}

/* A non-negative int as its little-endian bytes, as many as it needs. */
static PyObject *bytes_of_int(PyObject *value) {
    if (value == NULL) {
        return NULL;
    }
    size_t bits = _PyLong_NumBits(value);
    PyObject *found = bits == (size_t)-1 ? NULL : PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((bits + 7) / 8));
    if (found != NULL && _PyLong_AsByteArray((PyLongObject *)value, (unsigned char *)PyBytes_AS_STRING(found),
                                             (size_t)PyBytes_GET_SIZE(found), 1, 0) < 0) {
        Py_CLEAR(found);
    }
    Py_DECREF(value);
    return found;
}

/* union(text, values, as_bytes=False): the bitwise or of values[key] over the keys the text
 * holds, each once (0 when none), or its little-endian bytes: which context patterns' anchors
 * may be in a text, from their anchors' first characters (`presence.AnchorPresence`; the bytes
 * are what `JudgeText` reads).  The values, a few machine words each, are or-ed as words
 * (converted once for a tuple asked again, as the presence asks its own): an int object made for
 * each key met was most of the call. */
PyObject *GramTable_union(GramTable *self, PyObject *args) {
    PyObject *text, *values;
    int as_bytes = 0;
    if (!PyArg_ParseTuple(args, "UO!|p", &text, &PyTuple_Type, &values, &as_bytes)) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(values) != self->count) {
        PyErr_SetString(PyExc_ValueError, "values must hold one int per key");
        return NULL;
    }
    int as_words = union_words(self, values);
    if (as_words < 0) {
        return NULL;
    }
    next_stamp(self);
    if (as_words) {
        Py_ssize_t width = self->union_width;
        uint64_t small[8], *found = width <= 8 ? small : PyMem_Calloc((size_t)width, sizeof(uint64_t));
        if (found == NULL) {
            return PyErr_NoMemory();
        }
        memset(found, 0, sizeof(uint64_t) * (size_t)width);
        const uint64_t *words = self->union_words;
        EACH_HIT(self, text, 0, PyUnicode_GET_LENGTH(text), key, {
            if (self->stamps[key] != self->stamp) {
                self->stamps[key] = self->stamp;
                for (Py_ssize_t w = 0; w < width; w++) {
                    found[w] |= words[key * width + w];
                }
            }
        });
        PyObject *result = int_of_words(found, width, as_bytes);
        if (found != small) {
            PyMem_Free(found);
        }
        return result;
    }
    PyObject *found = PyLong_FromLong(0);
    EACH_HIT(self, text, 0, PyUnicode_GET_LENGTH(text), key, {
        if (found != NULL && self->stamps[key] != self->stamp) {
            self->stamps[key] = self->stamp;
            Py_SETREF(found, PyNumber_Or(found, PyTuple_GET_ITEM(values, key)));
        }
    });
    return as_bytes ? bytes_of_int(found) : found;
}
