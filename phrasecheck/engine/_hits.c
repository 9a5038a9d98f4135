/* The matcher's hits of a text verified in one call, for the plain check (`_plain.c`).
 *
 * A text whose hits all fail verification ends in the plain check; one that goes on was verified
 * again in Python, hit by hit (`Matcher.verify`), the compiled `match_at` called through its
 * Python wrapper each time.  Here each pattern's hit is verified once, and what it found goes on
 * with the text: `Matcher.verify` builds its candidates from it. */
#include "_native.h"

/* A pattern's compiled verifier (`CompiledPattern._verifier`, built on its first call). */
static PyObject *verifier_of(PyObject *pattern) {
    static PyObject *verifier_name, *build_name;
    if ((verifier_name == NULL && !(verifier_name = PyUnicode_InternFromString("_verifier")))
        || (build_name == NULL && !(build_name = PyUnicode_InternFromString("_built_verifier")))) {
        return NULL;
    }
    PyObject *verifier = PyObject_GetAttr(pattern, verifier_name);
    if (verifier == Py_None) {
        Py_DECREF(verifier);
        verifier = PyObject_CallMethodNoArgs(pattern, build_name);
    }
    return verifier;
}

PyObject *verified_hits(PyObject *hits, PyObject *folded, PyObject *phon, const unsigned char *breaks, int rewritten) {
    PyObject *verified = PyList_New(0);
    for (Py_ssize_t h = 0; verified != NULL && h < PyList_GET_SIZE(hits); h++) {
        PyObject *values;
        Py_ssize_t end_index;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(hits, h), "nO!", &end_index, &PyTuple_Type, &values)) {
            Py_CLEAR(verified);
            break;
        }
        for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(values); v++) {
            PyObject *value = PyTuple_GET_ITEM(values, v), *found;
            if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 4 || !PyUnicode_Check(PyTuple_GET_ITEM(value, 0))
                || PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(value, 0), "pattern") != 0) {
                found = Py_Ellipsis;  /* told in Python */
                Py_INCREF(found);
            } else {
                PyObject *verifier = verifier_of(PyTuple_GET_ITEM(value, 2)), *norm = NULL;
                long allowance;
                found = NULL;
                if (verifier != NULL && spelling_of(PyTuple_GET_ITEM(value, 3), &norm, &allowance) == 0) {
                    found = verifier_match(verifier, folded, phon, breaks, norm, allowance,
                                           end_index - PyUnicode_GET_LENGTH(norm) + 1, 0, rewritten);
                }
                Py_XDECREF(verifier);
                Py_XDECREF(norm);
            }
            if (append_new(verified, found) < 0) {
                Py_CLEAR(verified);
                break;
            }
        }
    }
    return verified;
}
