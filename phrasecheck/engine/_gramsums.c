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
    EACH_WEIGHT(self, text, start, end, w, mark, {
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
    EACH_BOUND_WEIGHT(self, below, text, start, end, w, mark, {
        if (w > 0) {
            rising += w;
        } else if (w < below && self->stamps[mark] != self->stamp) {
            self->stamps[mark] = self->stamp;
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
PyObject *GramTable_live(GramTable *self, PyObject *const *args, Py_ssize_t count) {
    PyObject *text;
    Py_UCS4 mark;
    double below, floor;
    Py_ssize_t shortest, longest;
    if (fast_arguments("live", args, count, "UCddnn", &text, &mark, &below, &floor, &shortest, &longest) < 0) {
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
                if (append_new(found, Py_BuildValue("(nn)", first - marks, last - marks)) < 0) {
                    Py_DECREF(found);
                    return NULL;
                }
            }
        }
        first = last + 1;
        marks++;
    }
    return found;
}

/* The margin by which a window's summed differences may fall below the floor and it is still bounded
 * exactly: far above the rounding of a difference of sums. */
#define ROUNDING 1e-6

/* The positive weights of the hits inside [a, b), from each length's sums by end (`windows`). */
static double rising_within(const GramTable *self, const double *rises, Py_ssize_t stride, Py_ssize_t a, Py_ssize_t b) {
    double sum = 0.0;
    for (int l = 0; l < self->length_count; l++) {
        Py_ssize_t before = a + self->by_length[l] - 1;  /* a hit inside ends after a + length - 1 */
        if (before < b) {
            sum += rises[l * stride + b] - rises[l * stride + before];
        }
    }
    return sum;
}

/* windows(marked, folded, sentence_mark, clause_mark, long_sentence, width, shortest, longest,
 * below, floor): the windows of clauses of a long call (as `grams.clause_windows` cuts them from
 * the marked text) whose bound in the folded text reaches `floor`.  Only a sentence over
 * `long_sentence` characters with several clauses has windows, and only its n-grams can reach
 * them: a text with none such costs a pass over its marks, and none is cut when the positive
 * weights of those sentences together fall short. */
PyObject *GramTable_windows(GramTable *self, PyObject *const *args, Py_ssize_t count) {
    PyObject *marked, *folded;
    Py_UCS4 sentence_mark, clause_mark;
    Py_ssize_t long_sentence, width, shortest, longest;
    double below, floor;
    if (fast_arguments("windows", args, count, "UUCCnnnndd", &marked, &folded, &sentence_mark, &clause_mark,
                       &long_sentence, &width, &shortest, &longest, &below, &floor) < 0) {
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
    int kind = PyUnicode_KIND(marked);
    const void *data = PyUnicode_DATA(marked);
    Py_ssize_t length = PyUnicode_GET_LENGTH(marked);
    /* The long sentences, as folded offsets: start, end, and the marked offset they start at. */
    Py_ssize_t *spans = NULL, span_count = 0;
    Py_ssize_t position = 0;
    for (Py_ssize_t at = 0, first = 0; at <= length; at++) {
        Py_ssize_t clauses = 1, cursor = position;
        for (first = at; at < length; at++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, at);
            if (c == sentence_mark) {
                break;
            }
            if (c == clause_mark) {
                clauses++;
            } else {
                cursor++;
            }
        }
        if (clauses > 1 && cursor - position > long_sentence) {
            if (spans == NULL && (spans = PyMem_Malloc(sizeof(Py_ssize_t) * 3 * (length + 1))) == NULL) {
                Py_DECREF(found);
                return PyErr_NoMemory();
            }
            spans[3 * span_count] = position;
            spans[3 * span_count + 1] = cursor;
            spans[3 * span_count + 2] = first;
            span_count++;
        }
        position = cursor;
    }
    if (span_count == 0) {
        return found;
    }
    /* Each length's positive weights by where they end, summed along the text: a window's rising
     * weights are then a difference per length, and the few windows whose rising weights reach
     * the floor are bounded exactly (a long call has dozens of windows, most far below it). */
    Py_ssize_t stride = end + 1;
    double *rises = PyMem_Calloc((size_t)self->length_count * stride, sizeof(double));
    Py_ssize_t *edges = PyMem_Malloc(sizeof(Py_ssize_t) * (length + 2));  /* a sentence's clause starts */
    if (rises == NULL || edges == NULL) {
        PyMem_Free(rises);
        PyMem_Free(edges);
        PyMem_Free(spans);
        Py_DECREF(found);
        return PyErr_NoMemory();
    }
    double rising = 0.0;
    for (Py_ssize_t s = 0; s < span_count; s++) {
        Py_ssize_t low = spans[3 * s], high = spans[3 * s + 1] < end ? spans[3 * s + 1] : end;
        EACH_BOUND_WEIGHT(self, below, folded, low, high, w, mark, {
            if (w > 0) {
                rising += w;
                rises[l_ * stride + hit_end_] = w;
            }
        });
    }
    /* No window's bound exceeds the rising weights of its sentence; the margin covers the order
     * in which they were summed. */
    if (rising >= floor - ROUNDING) {
        for (int l = 0; l < self->length_count; l++) {
            for (Py_ssize_t e = 1; e < stride; e++) {
                rises[l * stride + e] += rises[l * stride + e - 1];
            }
        }
    }
    for (Py_ssize_t s = 0; s < span_count && rising >= floor - ROUNDING; s++) {
        Py_ssize_t clauses = 0, cursor = spans[3 * s];
        edges[0] = cursor;
        for (Py_ssize_t at = spans[3 * s + 2]; at < length; at++) {
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
                && rising_within(self, rises, stride, edges[first], edges[last]) >= floor - ROUNDING
                && bound_of(self, folded, below, edges[first], edges[last]) >= floor) {
                if (append_new(found, Py_BuildValue("(nn)", edges[first], edges[last])) < 0) {
                    Py_CLEAR(found);
                    break;
                }
            }
        }
        if (found == NULL) {
            break;
        }
    }
    PyMem_Free(edges);
    PyMem_Free(rises);
    PyMem_Free(spans);
    return found;
}

/* A span's n-grams, each once, in the order first met: their weights summed in that order, and,
 * when kept, where each is (its packed slot, or its key) for `best_of` to read its column.  A
 * packed key's slot holds its weight (a key's index, its weight and the stamp kept by key were
 * three more reads of memory a hit, each a cache miss in a stream of texts). */
typedef struct {
    double total;
    Py_ssize_t count;
    Py_ssize_t *marks;
    Py_ssize_t small[256];  /* most spans are a sentence: their marks fit here */
} Met;

static int met_of(GramTable *self, PyObject *text, Py_ssize_t start, Py_ssize_t end, int keep, Met *met) {
    Py_ssize_t most = keep ? (end > start ? end - start : 0) * self->length_count : 0;
    met->marks = most <= (Py_ssize_t)(sizeof(met->small) / sizeof(met->small[0])) ? met->small
                                                                                   : PyMem_Malloc(sizeof(Py_ssize_t) * most);
    if (met->marks == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    met->total = 0.0;
    met->count = 0;
    next_stamp(self);
    EACH_WEIGHT(self, text, start, end, weight, mark, {
        if (self->stamps[mark] != self->stamp) {
            self->stamps[mark] = self->stamp;
            met->total += weight;
            if (keep) {
                met->marks[met->count++] = mark;
            }
        }
    });
    return 0;
}

static void met_free(Met *met) {
    if (met->marks != met->small) {
        PyMem_Free(met->marks);
    }
}

/* The index of the category whose bias plus the columns of the n-grams met (kept) is highest (the
 * first on a tie), summed in the order met; the marks are their keys afterwards.  Every key's place in the key list and then its column (a row
 * of the 8 MiB table of weights by category) are asked of memory before any is read: the reads
 * overlap, where each waited for the one before. */
static int best_of(GramTable *self, Met *met) {
    double by_category[MAX_CATEGORIES];
    int width = self->width;
    memcpy(by_category, self->category_bias, sizeof(double) * width);
    Py_ssize_t *keys = met->marks;
    if (self->packed != NULL) {
        for (Py_ssize_t i = 0; i < met->count; i++) {
            PREFETCH(self->slot_keys + keys[i]);
        }
        for (Py_ssize_t i = 0; i < met->count; i++) {
            keys[i] = self->slot_keys[keys[i]];
        }
    }
    for (Py_ssize_t i = 0; i < met->count; i++) {
        const char *column = (const char *)(self->columns + (size_t)keys[i] * width);
        for (size_t line = 0; line < sizeof(double) * (size_t)width; line += 64) {
            PREFETCH(column + line);
        }
    }
    for (Py_ssize_t i = 0; i < met->count; i++) {
        const double *column = self->columns + (size_t)keys[i] * width;
        for (int c = 0; c < width; c++) {
            by_category[c] += column[c];
        }
    }
    int best = 0;
    for (int c = 1; c < width; c++) {
        if (by_category[c] > by_category[best]) {
            best = c;
        }
    }
    return best;
}

static int has_columns(GramTable *self) {
    if (self->width == 0) {
        PyErr_SetString(PyExc_ValueError, "this table was built without category columns");
        return 0;
    }
    return 1;
}

/* total(text, start=0, end=len(text)): the weights of the n-grams inside, each once, summed in the
 * order first met: what `CategoryModel.probability` reads, with no category column read. */
PyObject *GramTable_total(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start, end;
    if (parse_span(self, args, &text, &start, &end) < 0) {
        return NULL;
    }
    Met met;
    if (met_of(self, text, start, end, 0, &met) < 0) {
        return NULL;
    }
    met_free(&met);
    return PyFloat_FromDouble(met.total);
}

/* totals(text, start=0, end=len(text)): (the weights of the n-grams inside, each once, summed in
 * the order first met; the index of the category whose bias plus their weights is highest, the
 * first on a tie): what `CategoryModel` scores a sentence by, as its Python sums give them. */
PyObject *GramTable_totals(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start, end;
    if (parse_span(self, args, &text, &start, &end) < 0 || !has_columns(self)) {
        return NULL;
    }
    Met met;
    if (met_of(self, text, start, end, 1, &met) < 0) {
        return NULL;
    }
    PyObject *result = Py_BuildValue("(di)", met.total, best_of(self, &met));
    met_free(&met);
    return result;
}

/* Each (start, end) of the list `spans` whose probability, the logistic of `bias` plus its total
 * (clamped to ±60, as `grams.sigmoid`), reaches `threshold`, given to `emit` with its category:
 * 0, or -1 with an exception. */
typedef int (*Emit)(void *into, Py_ssize_t start, Py_ssize_t end, double probability, int category);

static int each_scoring(GramTable *self, PyObject *text, PyObject *spans, double bias, double threshold, Emit emit,
                        void *into) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(spans); i++) {
        Py_ssize_t start, end;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(spans, i), "nn", &start, &end) || clip(self, text, &start, &end) < 0) {
            return -1;
        }
        Met met;
        if (met_of(self, text, start, end, 1, &met) < 0) {
            return -1;
        }
        double value = bias + met.total;
        double probability = 1.0 / (1.0 + exp(-(value < -60.0 ? -60.0 : (value > 60.0 ? 60.0 : value))));
        /* the category only for a span that scores: most score below, and their columns go unread */
        int failed = probability >= threshold && emit(into, start, end, probability, best_of(self, &met)) < 0;
        met_free(&met);
        if (failed) {
            return -1;
        }
    }
    return 0;
}

static int emit_tuple(void *into, Py_ssize_t start, Py_ssize_t end, double probability, int category) {
    return append_new((PyObject *)into, Py_BuildValue("(nndi)", start, end, probability, category));
}

/* scored(text, spans, bias, threshold): (start, end, probability, category) of each span of
 * `spans` that reaches `threshold` (`each_scoring`): a model's sentences scored in one call. */
PyObject *GramTable_scored(GramTable *self, PyObject *args) {
    PyObject *text, *spans;
    double bias, threshold;
    if (!PyArg_ParseTuple(args, "UO!dd", &text, &PyList_Type, &spans, &bias, &threshold) || !has_columns(self)) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    if (found != NULL && each_scoring(self, text, spans, bias, threshold, emit_tuple, found) < 0) {
        Py_CLEAR(found);
    }
    return found;
}

/* What `emit_candidate` makes a candidate with. */
typedef struct {
    PyObject *found, *make, *rule_of, *match_type, *digits;
} Making;

/* make(rule, start, end, ((start, end),), match_type, round(probability, digits)) for a category
 * that has a rule (rule_of[category] not None). */
static int emit_candidate(void *into, Py_ssize_t start, Py_ssize_t end, double probability, int category) {
    Making *making = into;
    if (category >= PyTuple_GET_SIZE(making->rule_of)) {
        PyErr_Format(PyExc_ValueError, "rule_of holds no entry for category %d", category);
        return -1;
    }
    PyObject *rule = PyTuple_GET_ITEM(making->rule_of, category);
    if (rule == Py_None) {
        return 0;
    }
    static PyObject *round_name = NULL;
    if (round_name == NULL && (round_name = PyUnicode_InternFromString("__round__")) == NULL) {
        return -1;
    }
    PyObject *exact = PyFloat_FromDouble(probability);
    PyObject *confidence = exact ? PyObject_CallMethodOneArg(exact, round_name, making->digits) : NULL;
    PyObject *spans = Py_BuildValue("((nn))", start, end);
    PyObject *candidate = NULL;
    if (confidence != NULL && spans != NULL) {
        PyObject *made[6] = {rule, PyTuple_GET_ITEM(PyTuple_GET_ITEM(spans, 0), 0),
                             PyTuple_GET_ITEM(PyTuple_GET_ITEM(spans, 0), 1), spans, making->match_type, confidence};
        candidate = PyObject_Vectorcall(making->make, made, 6, NULL);
    }
    Py_XDECREF(exact);
    Py_XDECREF(confidence);
    Py_XDECREF(spans);
    return append_new(making->found, candidate);
}

/* candidates(make, rule_of, match_type, digits, bias, threshold, window_threshold, folded, live,
 * windows): what `SentenceClassifier.candidates` gives a text whose bounds are `live` and
 * `windows`: make(rule, start, end, ((start, end),), match_type, round(probability, digits)) for
 * each sentence of `live` reaching `threshold`, then each window reaching `window_threshold`,
 * whose category has a rule (rule_of[category] not None): what the plain check asks of a text
 * the model's bounds let through, in one call. */
PyObject *GramTable_candidates(GramTable *self, PyObject *const *args, Py_ssize_t count) {
    Making making;
    double bias, threshold, window_threshold;
    PyObject *folded, *live, *windows;
    if (fast_arguments("candidates", args, count, "OOOOdddUOO", &making.make, &making.rule_of, &making.match_type,
                       &making.digits, &bias, &threshold, &window_threshold, &folded, &live, &windows) < 0
        || !has_columns(self)) {
        return NULL;
    }
    if (!PyTuple_Check(making.rule_of) || !PyList_Check(live) || !PyList_Check(windows)) {
        PyErr_SetString(PyExc_TypeError, "candidates() takes rule_of as a tuple, live and windows as lists");
        return NULL;
    }
    making.found = PyList_New(0);
    if (making.found != NULL
        && (each_scoring(self, folded, live, bias, threshold, emit_candidate, &making) < 0
            || each_scoring(self, folded, windows, bias, window_threshold, emit_candidate, &making) < 0)) {
        Py_CLEAR(making.found);
    }
    return making.found;
}
