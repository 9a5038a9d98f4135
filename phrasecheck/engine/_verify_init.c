/* PatternVerifier's construction: a pattern's parts and spellings copied out of the tuples
 * `CompiledPattern._built_verifier` describes them by, checked once (see _verify.c). */
#include "_verify.h"

static void verifier_free(PatternVerifier *self) {
    PyMem_Free(self->parts);
    PyMem_Free(self->spellings);
    self->parts = NULL;
    self->spellings = NULL;
    self->part_count = self->spelling_count = 0;
    Py_CLEAR(self->held);
}

void PatternVerifier_dealloc(PatternVerifier *self) {
    verifier_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* PatternVerifier(parts, anchor, full_pinyin, whole_pinyin): `parts` a tuple of (spellings,
 * optional, gap_before, break_before, break_after), `spellings` a tuple of (norm, keys,
 * allowance). */
int PatternVerifier_init(PatternVerifier *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *parts;
    Py_ssize_t anchor;
    long full_pinyin, whole_pinyin;
    if (!PyArg_ParseTuple(args, "O!nll", &PyTuple_Type, &parts, &anchor, &full_pinyin, &whole_pinyin)) {
        return -1;
    }
    verifier_free(self);
    Py_ssize_t count = PyTuple_GET_SIZE(parts), spellings = 0;
    if (anchor < 0 || anchor >= count) {
        PyErr_SetString(PyExc_ValueError, "the anchor must be one of the parts");
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *part = PyTuple_GET_ITEM(parts, i);
        if (!PyTuple_Check(part) || PyTuple_GET_SIZE(part) != 5 || !PyTuple_Check(PyTuple_GET_ITEM(part, 0))) {
            PyErr_Format(PyExc_TypeError, "part %zd: expected (spellings, optional, gap_before, break_before, break_after)", i);
            return -1;
        }
        spellings += PyTuple_GET_SIZE(PyTuple_GET_ITEM(part, 0));
    }
    self->parts = PyMem_Calloc(count ? count : 1, sizeof(Part));
    self->spellings = PyMem_Calloc(spellings ? spellings : 1, sizeof(Spelling));
    if (self->parts == NULL || self->spellings == NULL) {
        PyErr_NoMemory();
        verifier_free(self);
        return -1;
    }
    Py_ssize_t next = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *part = PyTuple_GET_ITEM(parts, i), *spelled = PyTuple_GET_ITEM(part, 0);
        Part *into = &self->parts[i];
        into->first = next;
        into->count = PyTuple_GET_SIZE(spelled);
        into->optional = PyObject_IsTrue(PyTuple_GET_ITEM(part, 1));
        into->gap_before = PyLong_AsSsize_t(PyTuple_GET_ITEM(part, 2));
        into->break_before = PyObject_IsTrue(PyTuple_GET_ITEM(part, 3));
        into->break_after = PyObject_IsTrue(PyTuple_GET_ITEM(part, 4));
        if (PyErr_Occurred() || into->optional < 0 || into->break_before < 0 || into->break_after < 0) {
            verifier_free(self);
            return -1;
        }
        for (Py_ssize_t a = 0; a < into->count; a++, next++) {
            PyObject *norm, *keys;
            long allowance;
            if (!PyArg_ParseTuple(PyTuple_GET_ITEM(spelled, a), "UO!l", &norm, &PyTuple_Type, &keys, &allowance)) {
                verifier_free(self);
                return -1;
            }
            Py_ssize_t length = PyUnicode_GET_LENGTH(norm);
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(keys); k++) {
                PyObject *key = PyTuple_GET_ITEM(keys, k);
                if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) != length) {
                    PyErr_Format(PyExc_ValueError, "part %zd: a key must be a str as long as its spelling", i);
                    verifier_free(self);
                    return -1;
                }
            }
            self->spellings[next] = (Spelling){norm, keys, length, allowance};
        }
    }
    Py_INCREF(parts);
    self->held = parts;
    self->part_count = count;
    self->spelling_count = spellings;
    self->anchor = anchor;
    self->full_pinyin = full_pinyin;
    self->whole_pinyin = whole_pinyin;
    return 0;
}

/* Characters of `literal` that differ from the text's at `start` (over the part of it the text
 * holds), a placeholder in the text never: `count_mismatches`. */
