/* GramTable's sums and scores over a text: what bounds the category model's score of each
 * sentence and window, which of them are worth scoring, and their scores (see _gramtable.c). */
#include "_gramtable.h"

PyObject *GramTable_rising(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start, end;
    if (parse_span(self, args, &text, &start, &end) < 0) {
        return NULL;
    }
    double sum = 0.0;
    EACH_HIT(self, text, start, end, key, {
        double w = self->weights[key];
        if (w > 0) {
            sum += w;
        }
    });
    return PyFloat_FromDouble(sum);
}

/* The positive weights of [start, end), each time met, plus those under `below` once each. */
static double bound_of(GramTable *self, PyObject *text, double below, Py_ssize_t start, Py_ssize_t end) {
    next_stamp(self);
    double rising = 0.0, falling = 0.0;
    EACH_HIT(self, text, start, end, key, {
        double w = self->weights[key];
        if (w > 0) {
            rising += w;
        } else if (w < below && self->stamps[key] != self->stamp) {
            self->stamps[key] = self->stamp;
            falling += w;
        }
    });
    return rising + falling;
}

PyObject *GramTable_bound(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start = 0, end = PY_SSIZE_T_MAX;
    double below;
    if (!PyArg_ParseTuple(args, "Ud|nn", &text, &below, &start, &end)) {
        return NULL;
    }
    if (clip(self, text, &start, &end) < 0) {
        return NULL;
    }
    return PyFloat_FromDouble(bound_of(self, text, below, start, end));
}

/* live(text, mark, below, floor, shortest, longest): the stretches between marks of `shortest` to
 * `longest` characters whose bound (as `bound` gives it) reaches `floor`, as (start, end) offsets
 * of the text without its marks: the category model's sentences worth scoring, in one call. */
PyObject *GramTable_live(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_UCS4 mark;
    double below, floor;
    Py_ssize_t shortest, longest;
    if (!PyArg_ParseTuple(args, "UCddnn", &text, &mark, &below, &floor, &shortest, &longest)) {
        return NULL;
    }
    Py_ssize_t start = 0, length = PY_SSIZE_T_MAX;
    if (clip(self, text, &start, &length) < 0) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *found = PyList_New(0);
    if (found == NULL) {
        return NULL;
    }
    Py_ssize_t marks = 0;
    for (Py_ssize_t first = 0; first <= length;) {
        Py_ssize_t last = first;
        while (last < length && PyUnicode_READ(kind, data, last) != mark) {
            last++;
        }
        if (shortest <= last - first && last - first <= longest) {
            if (bound_of(self, text, below, first, last) >= floor) {
                PyObject *span = Py_BuildValue("(nn)", first - marks, last - marks);
                if (span == NULL || PyList_Append(found, span) < 0) {
                    Py_XDECREF(span);
                    Py_DECREF(found);
                    return NULL;
                }
                Py_DECREF(span);
            }
        }
        first = last + 1;
        marks++;
    }
    return found;
}

/* windows(marked, folded, sentence_mark, clause_mark, long_sentence, width, shortest, longest,
 * below, floor): the windows of clauses of a long call (as `grams.clause_windows` cuts them from
 * the marked text) whose bound in the folded text reaches `floor`; none when every positive weight
 * of the text together falls short. */
PyObject *GramTable_windows(GramTable *self, PyObject *args) {
    PyObject *marked, *folded;
    Py_UCS4 sentence_mark, clause_mark;
    Py_ssize_t long_sentence, width, shortest, longest;
    double below, floor;
    if (!PyArg_ParseTuple(args, "UUCCnnnndd", &marked, &folded, &sentence_mark, &clause_mark, &long_sentence,
                          &width, &shortest, &longest, &below, &floor)) {
        return NULL;
    }
    Py_ssize_t start = 0, end = PY_SSIZE_T_MAX;
    if (clip(self, folded, &start, &end) < 0) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    if (found == NULL) {
        return NULL;
    }
    double rising = 0.0;
    EACH_HIT(self, folded, start, end, key, {
        if (self->weights[key] > 0) {
            rising += self->weights[key];
        }
    });
    if (rising < floor) {
        return found;
    }
    int kind = PyUnicode_KIND(marked);
    const void *data = PyUnicode_DATA(marked);
    Py_ssize_t length = PyUnicode_GET_LENGTH(marked);
    Py_ssize_t *edges = PyMem_Malloc(sizeof(Py_ssize_t) * (length + 2));  /* a sentence's clause starts */
    if (edges == NULL) {
        Py_DECREF(found);
        return PyErr_NoMemory();
    }
    Py_ssize_t position = 0;
    for (Py_ssize_t at = 0; at <= length; at++) {  /* one sentence per turn */
        Py_ssize_t clauses = 0, cursor = position;
        edges[0] = position;
        for (; at < length; at++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, at);
            if (c == sentence_mark) {
                break;
            }
            if (c == clause_mark) {
                edges[++clauses] = cursor;
            } else {
                cursor++;
            }
        }
        edges[++clauses] = cursor;
        if (clauses > 1 && cursor - position > long_sentence) {
            Py_ssize_t last = 0;
            for (Py_ssize_t first = 0; first < clauses; first++) {
                if (edges[first + 1] == edges[first]) {
                    continue;  /* marks in a row: the next clause's run */
                }
                if (last < first + 1) {
                    last = first + 1;
                }
                while (last < clauses && edges[last + 1] - edges[first] <= width) {
                    last++;
                }
                Py_ssize_t size = edges[last] - edges[first];
                if (shortest <= size && size <= longest && end >= edges[last]
                    && bound_of(self, folded, below, edges[first], edges[last]) >= floor) {
                    PyObject *window = Py_BuildValue("(nn)", edges[first], edges[last]);
                    if (window == NULL || PyList_Append(found, window) < 0) {
                        Py_XDECREF(window);
                        PyMem_Free(edges);
                        Py_DECREF(found);
                        return NULL;
                    }
                    Py_DECREF(window);
                }
            }
        }
        position = cursor;
    }
    PyMem_Free(edges);
    return found;
}

/* totals(text, start=0, end=len(text)): (the weights of the n-grams inside, each once, summed in
 * the order first met; the index of the category whose bias plus their weights is highest, the
 * first on a tie): what `CategoryModel` scores a sentence by, as its Python sums give them. */
PyObject *GramTable_totals(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start, end;
    if (parse_span(self, args, &text, &start, &end) < 0) {
        return NULL;
    }
    if (self->width == 0) {
        PyErr_SetString(PyExc_ValueError, "this table was built without category columns");
        return NULL;
    }
    double total = 0.0, by_category[MAX_CATEGORIES];
    int width = self->width;
    memcpy(by_category, self->category_bias, sizeof(double) * width);
    next_stamp(self);
    EACH_HIT(self, text, start, end, key, {
        if (self->stamps[key] != self->stamp) {
            self->stamps[key] = self->stamp;
            total += self->weights[key];
            const double *column = self->columns + (size_t)key * width;
            for (int c = 0; c < width; c++) {
                by_category[c] += column[c];
            }
        }
    });
    int best = 0;
    for (int c = 1; c < width; c++) {
        if (by_category[c] > by_category[best]) {
            best = c;
        }
    }
    return Py_BuildValue("(di)", total, best);
}
