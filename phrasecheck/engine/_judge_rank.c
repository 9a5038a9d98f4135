/* JudgeText.chosen: `judge._judged_by_rank` in one call.
 *
 * The candidates are ranked as `judge._ranked` ranks them (a pattern's hit before the category
 * model's, which `judge` asks in the same call, then the most severe first, a rule's own hit
 * before a house-list entry, the most specific pack, a 禁止说 pair before a family, the longest
 * and surest, the first) and judged in that order, each only while it overlaps none already
 * chosen: a flagged message's hits cost one call, not a sort with a key per hit and a call per
 * guard test.  Each rule's spec (judge.compiled_guards) ends in (roles, severity, depth, generic),
 * its roles and `CompiledRule.ranking`.  In a text that quotes, `drops` (the quotation guards,
 * `judge._quotation_drops`) is asked of each candidate every compiled guard passes. */
#include "_judge.h"

typedef struct {
    PyObject *candidate;                 /* held while judged: a guard may call back into Python */
    Py_ssize_t rule, start, end, last_start, order;
    long severity, depth;
    int model, listed, generic;
    double confidence;
} Ranked;

static int by_rank(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->model != y->model) {
        return x->model - y->model;
    }
    if (x->severity != y->severity) {
        return x->severity < y->severity ? -1 : 1;
    }
    if (x->listed != y->listed) {
        return x->listed - y->listed;
    }
    if (x->depth != y->depth) {
        return x->depth < y->depth ? -1 : 1;
    }
    if (x->generic != y->generic) {
        return x->generic - y->generic;
    }
    Py_ssize_t x_length = x->end - x->start, y_length = y->end - y->start;
    if (x_length != y_length) {
        return x_length > y_length ? -1 : 1;
    }
    if (x->confidence != y->confidence) {
        return x->confidence > y->confidence ? -1 : 1;
    }
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return x->order < y->order ? -1 : x->order > y->order;  /* sorted() is stable */
}

/* The attributes of `match.Candidate` read, by index: their names, made once. */
enum { ATTRIBUTE_RULE, ATTRIBUTE_START, ATTRIBUTE_END, ATTRIBUTE_SPANS, ATTRIBUTE_MATCH_TYPE, ATTRIBUTE_CONFIDENCE,
       ATTRIBUTE_ENTRY, ATTRIBUTE_COUNT };
static PyObject *attribute_names[ATTRIBUTE_COUNT];

static int named(void) {
    static const char *names[ATTRIBUTE_COUNT] = {"rule", "start", "end", "spans", "match_type", "confidence", "entry"};
    for (int i = 0; i < ATTRIBUTE_COUNT; i++) {
        if (attribute_names[i] == NULL && (attribute_names[i] = PyUnicode_InternFromString(names[i])) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* An attribute of a candidate as a Py_ssize_t: 0, or -1 with an exception. */
static int integer_of(PyObject *candidate, int name, Py_ssize_t *value) {
    PyObject *found = PyObject_GetAttr(candidate, attribute_names[name]);
    if (found == NULL) {
        return -1;
    }
    *value = PyLong_AsSsize_t(found);
    Py_DECREF(found);
    return *value == -1 && PyErr_Occurred() ? -1 : 0;
}

/* What ranks and judges a candidate (`match.Candidate`): 0, or -1 with an exception. */
static int read_candidate(JudgeText *self, PyObject *candidate, Py_ssize_t order, Ranked *into) {
    into->candidate = Py_NewRef(candidate);
    into->order = order;
    if (integer_of(candidate, ATTRIBUTE_RULE, &into->rule) < 0 || integer_of(candidate, ATTRIBUTE_START, &into->start) < 0
        || integer_of(candidate, ATTRIBUTE_END, &into->end) < 0) {
        return -1;
    }
    PyObject *rules = PyTuple_GET_ITEM(self->specs, SPEC_RULES);
    if (into->rule < 0 || into->rule >= PyTuple_GET_SIZE(rules)) {
        PyErr_SetString(PyExc_ValueError, "chosen: a candidate of no such rule");
        return -1;
    }
    PyObject *spec = PyTuple_GET_ITEM(rules, into->rule);
    if (!judge_shaped(spec, 8)) {
        return -1;
    }
    into->severity = PyLong_AsLong(PyTuple_GET_ITEM(spec, 5));
    into->depth = PyLong_AsLong(PyTuple_GET_ITEM(spec, 6));
    into->generic = PyObject_IsTrue(PyTuple_GET_ITEM(spec, 7));
    PyObject *spans = PyObject_GetAttr(candidate, attribute_names[ATTRIBUTE_SPANS]);
    PyObject *kind = PyObject_GetAttr(candidate, attribute_names[ATTRIBUTE_MATCH_TYPE]);
    PyObject *confidence = PyObject_GetAttr(candidate, attribute_names[ATTRIBUTE_CONFIDENCE]);
    PyObject *entry = PyObject_GetAttr(candidate, attribute_names[ATTRIBUTE_ENTRY]);
    int failed = spans == NULL || kind == NULL || confidence == NULL || entry == NULL || into->generic < 0;
    if (!failed && (!PyTuple_Check(spans) || PyTuple_GET_SIZE(spans) == 0 || !judge_shaped(PyTuple_GET_ITEM(spans, PyTuple_GET_SIZE(spans) - 1), 2))) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "chosen: a candidate's spans must be a tuple of (start, end)");
        }
        failed = 1;
    }
    if (!failed) {
        into->last_start = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyTuple_GET_ITEM(spans, PyTuple_GET_SIZE(spans) - 1), 0));
        into->model = PyUnicode_Check(kind) && PyUnicode_CompareWithASCIIString(kind, "model") == 0;
        into->confidence = PyFloat_AsDouble(confidence);
        into->listed = entry != Py_None;
        failed = PyErr_Occurred() != NULL;
    }
    Py_XDECREF(spans);
    Py_XDECREF(kind);
    Py_XDECREF(confidence);
    Py_XDECREF(entry);
    return failed ? -1 : 0;
}

/* The first of the chosen (sorted by start, never overlapping) starting at or after `start`. */
static Py_ssize_t first_from(const Ranked *const *chosen, Py_ssize_t count, Py_ssize_t start) {
    Py_ssize_t low = 0, high = count;
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (chosen[middle]->start < start) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return low;
}

/* chosen(candidates, role, drops=None) */
PyObject *JudgeText_chosen(JudgeText *self, PyObject *const *args, Py_ssize_t count) {
    if (count < 2 || count > 3 || !PyList_Check(args[0]) || !PyUnicode_Check(args[1])
        || (count == 3 && args[2] != Py_None && !PyCallable_Check(args[2]))) {
        PyErr_SetString(PyExc_TypeError, "chosen(candidates: list, role: str, drops: callable or None)");
        return NULL;
    }
    PyObject *drops = count == 3 && args[2] != Py_None ? args[2] : NULL;  /* the quotation guards, in Python */
    if (self->specs == NULL) {
        PyErr_SetString(PyExc_TypeError, "JudgeText was not initialised");
        return NULL;
    }
    if (named() < 0) {
        return NULL;
    }
    PyObject *candidates = args[0], *role = args[1], *rules = PyTuple_GET_ITEM(self->specs, SPEC_RULES);
    Py_ssize_t n = PyList_GET_SIZE(candidates), kept = 0, read = 0;
    Ranked *ranked = PyMem_Malloc(sizeof(Ranked) * (size_t)(n ? n : 1));
    const Ranked **chosen = PyMem_Malloc(sizeof(Ranked *) * (size_t)(n ? n : 1));
    PyObject *result = NULL;
    if (ranked == NULL || chosen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (; read < n; read++) {
        if (read_candidate(self, PyList_GET_ITEM(candidates, read), read, &ranked[read]) < 0) {
            read++;  /* its reference was taken */
            goto done;
        }
    }
    qsort(ranked, (size_t)n, sizeof(Ranked), by_rank);
    for (Py_ssize_t i = 0; i < n; i++) {
        const Ranked *candidate = &ranked[i];
        Py_ssize_t at = first_from(chosen, kept, candidate->start);
        if ((at > 0 && chosen[at - 1]->end > candidate->start) || (at < kept && chosen[at]->start < candidate->end)) {
            continue;  /* it would lose to the one already chosen, whatever its guards say */
        }
        int allowed = PySequence_Contains(PyTuple_GET_ITEM(PyTuple_GET_ITEM(rules, candidate->rule), 4), role);
        int passes = allowed > 0 ? judge_verdict(self, candidate->rule, candidate->start, candidate->end,
                                                 candidate->last_start, candidate->model) : allowed;
        if (passes > 0 && drops != NULL) {
            PyObject *dropped = PyObject_CallOneArg(drops, candidate->candidate);
            int truth = dropped != NULL ? PyObject_IsTrue(dropped) : -1;
            Py_XDECREF(dropped);
            passes = truth < 0 ? -1 : !truth;
        }
        if (passes < 0) {
            goto done;
        }
        if (passes) {
            memmove(&chosen[at + 1], &chosen[at], sizeof(Ranked *) * (size_t)(kept - at));
            chosen[at] = candidate;
            kept++;
        }
    }
    if ((result = PyList_New(kept)) != NULL) {
        for (Py_ssize_t i = 0; i < kept; i++) {
            PyList_SET_ITEM(result, i, Py_NewRef(chosen[i]->candidate));
        }
    }
done:
    for (Py_ssize_t i = 0; i < read; i++) {
        Py_DECREF(ranked[i].candidate);
    }
    PyMem_Free(ranked);
    PyMem_Free(chosen);
    return result;
}
