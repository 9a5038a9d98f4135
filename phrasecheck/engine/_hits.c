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

/* Keeps `candidate` under `key` (rule, start, end) in `found` unless one there is as sure: 0, or -1
 * with an exception. */
static int keep_surest(PyObject *found, PyObject *key, PyObject *candidate, PyObject *confidence, PyObject *confidence_name) {
    PyObject *previous = PyDict_GetItemWithError(found, key);  /* borrowed */
    if (previous == NULL) {
        return PyErr_Occurred() ? -1 : PyDict_SetItem(found, key, candidate);
    }
    PyObject *held = PyObject_GetAttr(previous, confidence_name);
    int surer = held == NULL ? -1 : PyObject_RichCompareBool(confidence, held, Py_GT);
    Py_XDECREF(held);
    return surer <= 0 ? surer : PyDict_SetItem(found, key, candidate);
}

/* The fuzzy values of a text's hits per phrase, the phrase's address an int key (`_fuzzy_hits`). */
static PyObject *fuzzy_counts(PyObject *hits, PyObject *fuzzy) {
    PyObject *counts = PyDict_New();
    for (Py_ssize_t h = 0; counts != NULL && h < PyList_GET_SIZE(hits); h++) {
        PyObject *values = PyTuple_GET_ITEM(PyList_GET_ITEM(hits, h), 1);
        for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(values); v++) {
            PyObject *value = PyTuple_GET_ITEM(values, v);
            if (PyUnicode_Compare(PyTuple_GET_ITEM(value, 0), fuzzy) != 0) {
                continue;
            }
            PyObject *phrase = PyLong_FromVoidPtr(PyTuple_GET_ITEM(value, 2)), *held = NULL, *more = NULL;
            if (phrase == NULL || ((held = PyDict_GetItemWithError(counts, phrase)) == NULL && PyErr_Occurred())
                || (more = PyLong_FromSsize_t(held == NULL ? 1 : PyLong_AsSsize_t(held) + 1)) == NULL
                || PyDict_SetItem(counts, phrase, more) < 0) {
                Py_CLEAR(counts);
            }
            Py_XDECREF(phrase);
            Py_XDECREF(more);
            if (counts == NULL) {
                break;
            }
        }
    }
    return counts;
}

/* told_candidates(hits, verified, make, confidences, align, text, shingle): `Matcher.verify`'s
 * candidates from what `verified_hits` told, made by `make` (Candidate) in the same order and kept
 * the same way, the surest of each rule and span; a fuzzy phrase's shingles aligned by
 * `align(text, phrase, anchor)` (`match._fuzzy_candidate`, rapidfuzz) where the phrase has the
 * shingles it needs, once per anchor.  None where a value was not told (a house-list entry), which
 * Python then verifies.  `confidences[g - 1]` is a match's confidence with g characters guessed
 * (the last for more). */
PyObject *told_candidates(PyObject *module, PyObject *const *args, Py_ssize_t count) {
    (void)module;
    PyObject *hits, *verified, *make, *confidences, *align, *text;
    Py_ssize_t shingle;
    if (fast_arguments("told_candidates", args, count, "OOOOOOn", &hits, &verified, &make, &confidences, &align, &text,
                       &shingle) < 0) {
        return NULL;
    }
    if (!PyList_Check(hits) || !PyList_Check(verified) || !PyTuple_Check(confidences) || PyTuple_GET_SIZE(confidences) == 0) {
        PyErr_SetString(PyExc_TypeError, "told_candidates(hits, verified, make, confidences, align, text, shingle): hits and "
                                         "verified must be lists, confidences a tuple of at least one float");
        return NULL;
    }
    static PyObject *kinds[3], *literal_name, *confidence_name, *min_hits_name, *fields_names[3], *fuzzy;
    if (kinds[0] == NULL && (!(literal_name = PyUnicode_InternFromString("is_literal"))
                             || !(confidence_name = PyUnicode_InternFromString("confidence"))
                             || !(min_hits_name = PyUnicode_InternFromString("min_hits"))
                             || !(fields_names[0] = PyUnicode_InternFromString("rule"))
                             || !(fields_names[1] = PyUnicode_InternFromString("start"))
                             || !(fields_names[2] = PyUnicode_InternFromString("end"))
                             || !(fuzzy = PyUnicode_InternFromString("fuzzy"))
                             || !(kinds[0] = PyUnicode_InternFromString("exact"))
                             || !(kinds[1] = PyUnicode_InternFromString("pattern"))
                             || !(kinds[2] = PyUnicode_InternFromString("phonetic")))) {
        return NULL;
    }
    PyObject *exact_confidence = PyFloat_FromDouble(1.0), *pattern_confidence = PyFloat_FromDouble(0.95);
    PyObject *found = PyDict_New(), *result = NULL;
    PyObject *seen = NULL, *aligned = NULL;  /* fuzzy values per phrase; the (phrase, anchor) pairs aligned */
    if (exact_confidence == NULL || pattern_confidence == NULL || found == NULL) {
        goto done;
    }
    for (Py_ssize_t h = 0; h < PyList_GET_SIZE(hits); h++) {
        PyObject *hit = PyList_GET_ITEM(hits, h);
        if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(hit, 1))) {
            PyErr_SetString(PyExc_TypeError, "told_candidates: each hit must be (end_index, values)");
            goto done;
        }
        PyObject *values = PyTuple_GET_ITEM(hit, 1);
        for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(values); v++) {
            if (!PyTuple_Check(PyTuple_GET_ITEM(values, v)) || PyTuple_GET_SIZE(PyTuple_GET_ITEM(values, v)) != 4
                || !PyUnicode_Check(PyTuple_GET_ITEM(PyTuple_GET_ITEM(values, v), 0))) {
                PyErr_SetString(PyExc_TypeError, "told_candidates: a value must be (kind, rule, payload, extra)");
                goto done;
            }
        }
    }
    Py_ssize_t told = 0;
    for (Py_ssize_t h = 0; h < PyList_GET_SIZE(hits); h++) {
        PyObject *hit = PyList_GET_ITEM(hits, h), *values = PyTuple_GET_ITEM(hit, 1);
        for (Py_ssize_t v = 0; v < PyTuple_GET_SIZE(values); v++, told++) {
            PyObject *value = PyTuple_GET_ITEM(values, v);
            PyObject *match = told < PyList_GET_SIZE(verified) ? PyList_GET_ITEM(verified, told) : Py_Ellipsis;
            if (PyUnicode_Compare(PyTuple_GET_ITEM(value, 0), fuzzy) == 0) {
                if (seen == NULL && (!(seen = fuzzy_counts(hits, fuzzy)) || !(aligned = PySet_New(NULL)))) {
                    goto done;
                }
                PyObject *phrase = PyTuple_GET_ITEM(value, 2), *address = PyLong_FromVoidPtr(phrase);
                PyObject *times = address == NULL ? NULL : PyDict_GetItemWithError(seen, address);  /* borrowed */
                if (times == NULL && !PyErr_Occurred()) {
                    PyErr_SetString(PyExc_ValueError, "told_candidates: a fuzzy value its hits do not hold");
                }
                PyObject *needed = times == NULL ? NULL : PyObject_GetAttr(phrase, min_hits_name);
                int enough = needed == NULL ? -1 : PyObject_RichCompareBool(times, needed, Py_GE);
                Py_XDECREF(needed);
                Py_ssize_t offset = enough > 0 ? PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 3)) : 0;
                PyObject *end_index = PyTuple_GET_ITEM(hit, 0);
                Py_ssize_t last = enough > 0 ? PyLong_AsSsize_t(end_index) : 0;
                PyObject *anchor = NULL, *pair = NULL;
                int done_before = -1;
                if (enough > 0 && !PyErr_Occurred() && (anchor = PyLong_FromSsize_t(last - shingle + 1 - offset))
                    && (pair = PyTuple_Pack(2, address, anchor))) {
                    done_before = PySet_Contains(aligned, pair);
                    if (done_before == 0 && PySet_Add(aligned, pair) < 0) {
                        done_before = -1;
                    }
                }
                Py_XDECREF(address);
                Py_XDECREF(pair);
                if (enough < 0 || (enough > 0 && done_before < 0)) {
                    Py_XDECREF(anchor);
                    goto done;
                }
                if (!enough || done_before) {
                    Py_XDECREF(anchor);
                    continue;
                }
                PyObject *align_args[3] = {text, phrase, anchor};
                PyObject *candidate = PyObject_Vectorcall(align, align_args, 3, NULL);
                Py_DECREF(anchor);
                if (candidate == NULL) {
                    goto done;
                }
                if (candidate != Py_None) {
                    PyObject *parts[3] = {NULL, NULL, NULL}, *key = NULL, *confidence = NULL;
                    int kept = -1;
                    if ((parts[0] = PyObject_GetAttr(candidate, fields_names[0]))
                        && (parts[1] = PyObject_GetAttr(candidate, fields_names[1]))
                        && (parts[2] = PyObject_GetAttr(candidate, fields_names[2]))
                        && (key = PyTuple_Pack(3, parts[0], parts[1], parts[2]))
                        && (confidence = PyObject_GetAttr(candidate, confidence_name))) {
                        kept = keep_surest(found, key, candidate, confidence, confidence_name);
                    }
                    for (int i = 0; i < 3; i++) {
                        Py_XDECREF(parts[i]);
                    }
                    Py_XDECREF(key);
                    Py_XDECREF(confidence);
                    if (kept < 0) {
                        Py_DECREF(candidate);
                        goto done;
                    }
                }
                Py_DECREF(candidate);
                continue;
            }
            if (match == Py_Ellipsis) {
                result = Py_None;  /* told in Python */
                Py_INCREF(result);
                goto done;
            }
            if (match == Py_None) {
                continue;
            }
            if (!PyTuple_Check(match) || PyTuple_GET_SIZE(match) != 5) {
                PyErr_SetString(PyExc_TypeError, "told_candidates: a match must be (start, end, spans, mismatches, placeholders)");
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
            PyObject *candidate = key == NULL ? NULL : PyObject_Vectorcall(make, fields, 6, NULL);
            int kept = candidate == NULL ? -1 : keep_surest(found, key, candidate, confidence, confidence_name);
            Py_XDECREF(candidate);
            Py_XDECREF(key);
            if (kept < 0) {
                goto done;
            }
        }
    }
    result = PyDict_Values(found);
done:
    Py_XDECREF(found);
    Py_XDECREF(seen);
    Py_XDECREF(aligned);
    Py_XDECREF(exact_confidence);
    Py_XDECREF(pattern_confidence);
    return result;
}
