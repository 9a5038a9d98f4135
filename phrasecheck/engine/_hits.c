/* The matcher's hits of a text verified in one call, for the plain check (`_plain.c`).
 *
 * A text whose hits all fail verification ends in the plain check; one that goes on was verified
 * again in Python, hit by hit (`Matcher.verify`), the compiled `match_at` called through its
 * Python wrapper each time.  Here each pattern's hit is verified once, and what it found goes on
 * with the text: `told_candidates` builds `Matcher.verify`'s candidates from it, in C where every
 * value was told (a Python loop over a dozen hits of an abusive message cost 10 us). */
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

/* told_candidates(hits, verified, make, confidences): `Matcher.verify`'s candidates
 * when every hit value was told (`verified_hits`), made by `make` (Candidate) in the same order and
 * kept the same way, the surest of each rule and span; None where a value was not told, which
 * Python then verifies.  `confidences[g - 1]` is a match's confidence with g characters guessed
 * (the last for more). */
PyObject *told_candidates(PyObject *module, PyObject *const *args, Py_ssize_t count) {
    (void)module;
    PyObject *hits, *verified, *make, *confidences;
    if (fast_arguments("told_candidates", args, count, "OOOO", &hits, &verified, &make, &confidences) < 0) {
        return NULL;
    }
    if (!PyList_Check(hits) || !PyList_Check(verified) || !PyTuple_Check(confidences) || PyTuple_GET_SIZE(confidences) == 0) {
        PyErr_SetString(PyExc_TypeError, "told_candidates(hits, verified, make, confidences): hits and verified must be "
                                         "lists, confidences a tuple of at least one float");
        return NULL;
    }
    static PyObject *kinds[3], *literal_name, *confidence_name;  /* exact, pattern, phonetic */
    if (kinds[0] == NULL && (!(literal_name = PyUnicode_InternFromString("is_literal"))
                             || !(confidence_name = PyUnicode_InternFromString("confidence"))
                             || !(kinds[0] = PyUnicode_InternFromString("exact"))
                             || !(kinds[1] = PyUnicode_InternFromString("pattern"))
                             || !(kinds[2] = PyUnicode_InternFromString("phonetic")))) {
        return NULL;
    }
    PyObject *exact_confidence = PyFloat_FromDouble(1.0), *pattern_confidence = PyFloat_FromDouble(0.95);
    PyObject *found = PyDict_New(), *result = NULL;
    if (exact_confidence == NULL || pattern_confidence == NULL || found == NULL) {
        goto done;
    }
    Py_ssize_t told = 0;
    for (Py_ssize_t h = 0; h < PyList_GET_SIZE(hits); h++) {
        PyObject *hit = PyList_GET_ITEM(hits, h);
        if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(hit, 1))) {
            PyErr_SetString(PyExc_TypeError, "told_candidates: each hit must be (end_index, values)");
            goto done;
        }
        PyObject *values = PyTuple_GET_ITEM(hit, 1);
        for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(values); v++, told++) {
            PyObject *value = PyTuple_GET_ITEM(values, v);
            PyObject *match = told < PyList_GET_SIZE(verified) ? PyList_GET_ITEM(verified, told) : Py_Ellipsis;
            if (match == Py_Ellipsis) {
                result = Py_None;  /* told in Python */
                Py_INCREF(result);
                goto done;
            }
            if (match == Py_None) {
                continue;
            }
            if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 4 || !PyTuple_Check(match) || PyTuple_GET_SIZE(match) != 5) {
                PyErr_SetString(PyExc_TypeError, "told_candidates: a value must be (kind, rule, payload, extra) and its "
                                                 "match (start, end, spans, mismatches, placeholders)");
                goto done;
            }
            long guessed = PyLong_AsLong(PyTuple_GET_ITEM(match, 3)) + PyLong_AsLong(PyTuple_GET_ITEM(match, 4));
            if (guessed == -1 && PyErr_Occurred()) {
                goto done;
            }
            PyObject *kind, *confidence;
            if (guessed > 0) {
                Py_ssize_t last = PyTuple_GET_SIZE(confidences) - 1;
                kind = kinds[2];
                confidence = PyTuple_GET_ITEM(confidences, guessed - 1 < last ? guessed - 1 : last);
            } else {
                PyObject *literal = PyObject_GetAttr(PyTuple_GET_ITEM(value, 2), literal_name);
                int is_literal = literal == NULL ? -1 : PyObject_IsTrue(literal);
                Py_XDECREF(literal);
                if (is_literal < 0) {
                    goto done;
                }
                kind = kinds[is_literal ? 0 : 1];
                confidence = is_literal ? exact_confidence : pattern_confidence;
            }
            PyObject *fields[6] = {PyTuple_GET_ITEM(value, 1), PyTuple_GET_ITEM(match, 0), PyTuple_GET_ITEM(match, 1),
                                   PyTuple_GET_ITEM(match, 2), kind, confidence};
            PyObject *key = PyTuple_Pack(3, fields[0], fields[1], fields[2]);
            if (key == NULL) {
                goto done;
            }
            PyObject *previous = PyDict_GetItemWithError(found, key);  /* borrowed */
            int keep = previous == NULL && !PyErr_Occurred();
            if (previous != NULL) {
                PyObject *held = PyObject_GetAttr(previous, confidence_name);
                if (held != NULL) {
                    keep = PyObject_RichCompareBool(confidence, held, Py_GT);
                }
                Py_XDECREF(held);
            }
            PyObject *candidate = keep > 0 ? PyObject_Vectorcall(make, fields, 6, NULL) : NULL;
            int failed = keep < 0 || PyErr_Occurred() || (candidate != NULL && PyDict_SetItem(found, key, candidate) < 0);
            Py_XDECREF(candidate);
            Py_DECREF(key);
            if (failed) {
                goto done;
            }
        }
    }
    result = PyDict_Values(found);
done:
    Py_XDECREF(found);
    Py_XDECREF(exact_confidence);
    Py_XDECREF(pattern_confidence);
    return result;
}
