/* JudgeText's text: its clause and sentence edges, the converted Latin runs' edges and the word
 * edges of its clauses (`regions.Regions` and `judge.word_edge_problem` of one folded text), made
 * as the object is and read by its guards (_judge.c). */
#include "_judge.h"

static void JudgeText_free(JudgeText *self) {
    PyMem_Free(self->edges[LEVEL_CLAUSE]);  /* the sentence edges share its block */
    PyMem_Free(self->latin);
    if (self->tokens != NULL) {
        for (Py_ssize_t i = 0; i <= self->counts[LEVEL_CLAUSE]; i++) {
            PyMem_Free(self->tokens[i]);
        }
    }
    PyMem_Free(self->tokens);
    PyMem_Free(self->token_counts);
    PyMem_Free(self->idle.items);
    PyMem_Free(self->found);
    PyMem_Free(self->frames);
    memset(&self->length, 0, sizeof(JudgeText) - offsetof(JudgeText, length));
    self->reports = self->mentions = self->spaced = -1;
}

void JudgeText_dealloc(JudgeText *self) {
    JudgeText_free(self);
    Py_XDECREF(self->specs);
    Py_XDECREF(self->original);
    Py_XDECREF(self->norm);
    Py_XDECREF(self->phon);
    Py_XDECREF(self->breaks);
    Py_XDECREF(self->rewritten);
    Py_XDECREF(self->anchored);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The converted Latin runs' edges (an iterable of positions) as flags: 0, or -1. */
static int latin_edges(JudgeText *self, PyObject *positions) {
    Py_ssize_t size = PyObject_Length(positions);
    if (size == 0) {
        return 0;  /* most texts: no flags kept */
    }
    if (size < 0) {
        PyErr_Clear();  /* an iterable without a length is read all the same */
    }
    if (!(self->latin = PyMem_Calloc((size_t)self->length + 1, 1))) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *iterator = PyObject_GetIter(positions), *item;
    if (iterator == NULL) {
        return -1;
    }
    while ((item = PyIter_Next(iterator)) != NULL) {
        Py_ssize_t at = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (at == -1 && PyErr_Occurred()) {
            break;
        }
        if (at >= 0 && at <= self->length) {
            self->latin[at] = 1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

int JudgeText_init(JudgeText *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *specs, *original, *norm, *phon, *breaks, *rewritten, *latin;
    if (!PyArg_ParseTuple(args, "O!UUUSOO", &PyTuple_Type, &specs, &original, &norm, &phon, &breaks, &rewritten, &latin)) {
        return -1;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(norm);
    if (PyTuple_GET_SIZE(specs) != SPEC_COUNT || !PyTuple_Check(PyTuple_GET_ITEM(specs, SPEC_RULES))
        || !PyAnySet_Check(PyTuple_GET_ITEM(specs, SPEC_PARTICLES)) || !PyCallable_Check(PyTuple_GET_ITEM(specs, SPEC_WORD_ENDS))
        || !PyLong_Check(PyTuple_GET_ITEM(specs, SPEC_FRAME_REACH)) || !PyCallable_Check(PyTuple_GET_ITEM(specs, SPEC_WORD_SPACED))) {
        PyErr_SetString(PyExc_TypeError, "specs must be (rules, not_excusing, particles, word_ends, frames, mentions, "
                                         "not_reported, report_ends, frame_reach, rescore, word_spaced, reaches, "
                                         "after_speech, presence)");
        return -1;
    }
    PyObject *reaches = PyTuple_GET_ITEM(specs, SPEC_REACHES);
    if (!PyTuple_Check(reaches) || PyTuple_GET_SIZE(reaches) != REACH_COUNT
        || !PyUnicode_Check(PyTuple_GET_ITEM(specs, SPEC_AFTER_SPEECH))) {
        PyErr_SetString(PyExc_TypeError, "specs: reaches must be a tuple of ints and after_speech a str");
        return -1;
    }
    if (PyUnicode_GET_LENGTH(phon) != length || PyBytes_GET_SIZE(breaks) != length + 1) {
        PyErr_SetString(PyExc_ValueError, "norm, phon and breaks must be of one folded text");
        return -1;
    }
    /* the presence bits: (union, values) called for the text's bytes, or none */
    PyObject *presence = PyTuple_GET_ITEM(specs, SPEC_PRESENCE), *anchored;
    if (presence == Py_None) {
        anchored = PyBytes_FromStringAndSize(NULL, 0);
    } else if (!judge_shaped(presence, 2)) {
        return -1;
    } else {
        anchored = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(presence, 0), phon, PyTuple_GET_ITEM(presence, 1), Py_True, NULL);
        if (anchored != NULL && !PyBytes_Check(anchored)) {
            PyErr_SetString(PyExc_TypeError, "specs: presence must give the text's bits as bytes");
            Py_CLEAR(anchored);
        }
    }
    if (anchored == NULL) {
        return -1;
    }
    JudgeText_free(self);
    PyObject **held[] = {&self->specs, &self->original, &self->norm, &self->phon, &self->breaks, &self->rewritten, &self->anchored};
    PyObject *given[] = {specs, original, norm, phon, breaks, rewritten, anchored};
    for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
        Py_XSETREF(*held[i], Py_NewRef(given[i]));
    }
    Py_DECREF(anchored);
    self->length = length;
    for (Py_ssize_t r = 0; r < REACH_COUNT; r++) {
        if ((self->reaches[r] = PyLong_AsSsize_t(PyTuple_GET_ITEM(reaches, r))) == -1 && PyErr_Occurred()) {
            return -1;
        }
    }
    self->levels = (const unsigned char *)PyBytes_AS_STRING(breaks);
    Py_ssize_t clauses = 0, sentences = 0;
    for (Py_ssize_t i = 1; i < length; i++) {
        clauses += self->levels[i] >= LEVEL_CLAUSE;
        sentences += self->levels[i] >= LEVEL_SENTENCE;
    }
    if (!(self->edges[LEVEL_CLAUSE] = PyMem_Malloc(sizeof(Py_ssize_t) * (clauses + sentences + 1)))) {
        PyErr_NoMemory();
        return -1;
    }
    self->edges[LEVEL_SENTENCE] = self->edges[LEVEL_CLAUSE] + clauses;
    for (Py_ssize_t i = 1; i < length; i++) {
        for (int level = LEVEL_CLAUSE; level <= self->levels[i] && level <= LEVEL_SENTENCE; level++) {
            self->edges[level][self->counts[level]++] = i;
        }
    }
    return latin_edges(self, latin);
}

/* Regions.around: the clause or sentence holding [start, end) */
void judge_around(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level, Py_ssize_t *low, Py_ssize_t *high) {
    const Py_ssize_t *edges = self->edges[level];
    Py_ssize_t n = self->counts[level];
    Py_ssize_t before = bisect(edges, n, start, 1) - 1;
    Py_ssize_t after = bisect(edges, n, end > start + 1 ? end : start + 1, 0);
    *low = before >= 0 ? edges[before] : 0;
    *high = after < n ? edges[after] : self->length;
}

/* Regions.crosses */
int judge_crosses(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level) {
    Py_ssize_t index = bisect(self->edges[level], self->counts[level], start, 1);
    return index < self->counts[level] && self->edges[level][index] < end;
}

/* Regions.guarded */
void judge_guarded(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level, Py_ssize_t reach,
                    Py_ssize_t *low, Py_ssize_t *high) {
    judge_around(self, start, end, level, low, high);
    if (*high - *low <= self->reaches[REACH_LONG_SENTENCE]) {
        return;
    }
    if (level == LEVEL_CLAUSE) {
        Py_ssize_t near = self->reaches[REACH_LONG_CLAUSE];
        *low = *low > start - near ? *low : start - near;
        *high = *high < end + near ? *high : end + near;
        return;
    }
    reach = reach ? reach : self->reaches[REACH_LONG_SENTENCE_NEAR];
    Py_ssize_t before = *low > start - reach ? *low : start - reach, after = *high < end + reach ? *high : end + reach;
    Py_ssize_t first_low, first_high, last_low, last_high;
    judge_around(self, before, before + 1, LEVEL_CLAUSE, &first_low, &first_high);
    judge_around(self, after - 1, after, LEVEL_CLAUSE, &last_low, &last_high);
    Py_ssize_t from = first_high - first_low <= self->reaches[REACH_LONG_SENTENCE] ? first_low : before;
    Py_ssize_t to = last_high - last_low <= self->reaches[REACH_LONG_SENTENCE] ? last_high : after;
    *low = *low > from ? *low : from;
    *high = *high < to ? *high : to;
}

/* Regions.token_edges: the word edges of the clause around `position` (jieba, dictionary only),
 * sorted, with their count in *count; NULL with an exception. */
static const Py_ssize_t *token_edges(JudgeText *self, Py_ssize_t position, Py_ssize_t *count) {
    Py_ssize_t low, high;
    judge_around(self, position < self->length - 1 ? position : self->length - 1,
           position + 1 < self->length ? position + 1 : self->length, LEVEL_CLAUSE, &low, &high);
    Py_ssize_t clause = low == 0 ? 0 : bisect(self->edges[LEVEL_CLAUSE], self->counts[LEVEL_CLAUSE], low, 0) + 1;
    if (self->tokens == NULL) {
        self->tokens = PyMem_Calloc((size_t)self->counts[LEVEL_CLAUSE] + 1, sizeof(Py_ssize_t *));
        self->token_counts = PyMem_Calloc((size_t)self->counts[LEVEL_CLAUSE] + 1, sizeof(Py_ssize_t));
        if (self->tokens == NULL || self->token_counts == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    if (self->tokens[clause] == NULL) {
        PyObject *words = PyUnicode_Substring(self->norm, low, high), *ends = NULL;
        if (words != NULL) {
            ends = PyObject_CallOneArg(PyTuple_GET_ITEM(self->specs, SPEC_WORD_ENDS), words);
            Py_DECREF(words);
        }
        if (ends == NULL || !PyList_Check(ends)) {
            if (ends != NULL) {
                PyErr_SetString(PyExc_TypeError, "word_ends must answer a list");
            }
            Py_XDECREF(ends);
            return NULL;
        }
        Py_ssize_t n = PyList_GET_SIZE(ends), *edges = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 2)), used = 0;
        if (edges == NULL) {
            Py_DECREF(ends);
            PyErr_NoMemory();
            return NULL;
        }
        edges[used++] = low;
        edges[used++] = high;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_ssize_t end = PyLong_AsSsize_t(PyList_GET_ITEM(ends, i));
            if (end == -1 && PyErr_Occurred()) {
                Py_DECREF(ends);
                PyMem_Free(edges);
                return NULL;
            }
            edges[used++] = low + end;
        }
        Py_DECREF(ends);
        /* sorted, each once (a set in Python) */
        for (Py_ssize_t i = 1; i < used; i++) {
            Py_ssize_t value = edges[i], j = i;
            for (; j > 0 && edges[j - 1] > value; j--) {
                edges[j] = edges[j - 1];
            }
            edges[j] = value;
        }
        Py_ssize_t unique = 0;
        for (Py_ssize_t i = 0; i < used; i++) {
            if (unique == 0 || edges[unique - 1] != edges[i]) {
                edges[unique++] = edges[i];
            }
        }
        self->tokens[clause] = edges;
        self->token_counts[clause] = unique;
    }
    *count = self->token_counts[clause];
    return self->tokens[clause];
}

static int listed(const Py_ssize_t *sorted, Py_ssize_t n, Py_ssize_t value) {
    Py_ssize_t index = bisect(sorted, n, value, 0);
    return index < n && sorted[index] == value;
}

static int ascii_letter(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* judge._latin_edge */
static int latin_edge(const JudgeText *self, Py_ssize_t position) {
    if (self->latin != NULL && self->latin[position]) {
        return 1;
    }
    int kind = PyUnicode_KIND(self->norm);
    const void *data = PyUnicode_DATA(self->norm);
    int has_before = position >= 1 && position - 1 < self->length, has_after = position < self->length;
    Py_UCS4 before = has_before ? PyUnicode_READ(kind, data, position - 1) : 0;
    Py_UCS4 after = has_after ? PyUnicode_READ(kind, data, position) : 0;
    int letter_before = has_before && ascii_letter(before), letter_after = has_after && ascii_letter(after);
    return letter_before != letter_after || (letter_before && has_after && before == after);
}

/* judge.word_edge_problem: whether the hit cuts through a word: 1, 0, or -1. */
int judge_cuts_word(JudgeText *self, Py_ssize_t start, Py_ssize_t end, Py_ssize_t last_start) {
    Py_ssize_t count;
    const Py_ssize_t *edges;
    if (!(start == 0 || self->levels[start] != 0)) {
        if (!(edges = token_edges(self, start, &count))) {
            return -1;
        }
        if (!listed(edges, count, start) && !latin_edge(self, start)) {
            return 1;
        }
    }
    if (end == self->length || self->levels[end] || latin_edge(self, end)) {
        return 0;
    }
    PyObject *at = PyLong_FromUnsignedLong(PyUnicode_READ_CHAR(self->norm, end));
    int particle = at ? PySet_Contains(PyTuple_GET_ITEM(self->specs, SPEC_PARTICLES), at) : -1;
    Py_XDECREF(at);
    if (particle != 0) {
        return particle < 0 ? -1 : 0;
    }
    if (!(edges = token_edges(self, end - 1, &count))) {
        return -1;
    }
    if (listed(edges, count, end)) {
        return 0;
    }
    Py_ssize_t index = bisect(edges, count, end, 0) - 1;
    Py_ssize_t word_start = edges[index >= 0 ? index : count - 1];
    return !(word_start == last_start && end - last_start >= 2);
}

/* Whether `item` is a tuple of at least `size` items, as `judge.compiled_guards` builds them: 1,
 * or 0 with a TypeError. */
int judge_shaped(PyObject *item, Py_ssize_t size) {
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < size) {
        PyErr_Format(PyExc_TypeError, "JudgeText specs: expected a tuple of %zd items (judge.compiled_guards)", size);
        return 0;
    }
    return 1;
}

/* A context's matches anchored in phon[low:high] (`CompiledPattern.search`): a new list of
 * (start, end, ...) tuples, or NULL with an exception. */
PyObject *judge_search(JudgeText *self, PyObject *pattern, Py_ssize_t low, Py_ssize_t high) {
    if (!judge_shaped(pattern, 4)) {
        return NULL;
    }
    PyObject *bounds[2] = {PyLong_FromSsize_t(low), PyLong_FromSsize_t(high)};
    PyObject *found = NULL;
    if (bounds[0] != NULL && bounds[1] != NULL) {
        /* pattern: (bit, verifier, starts, values, ...) */
        PyObject *args[9] = {PyTuple_GET_ITEM(pattern, 1), self->norm, self->phon, self->breaks, PyTuple_GET_ITEM(pattern, 2),
                             PyTuple_GET_ITEM(pattern, 3), bounds[0], bounds[1], self->rewritten};
        found = search_anchored(NULL, args, 9);
    }
    Py_XDECREF(bounds[0]);
    Py_XDECREF(bounds[1]);
    return found;
}

int judge_span_of(PyObject *match, Py_ssize_t *start, Py_ssize_t *end) {
    if (!PyTuple_Check(match) || PyTuple_GET_SIZE(match) < 2) {
        PyErr_SetString(PyExc_TypeError, "a match must be a (start, end, ...) tuple");
        return -1;
    }
    *start = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 0));
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(match, 1));
    return PyErr_Occurred() ? -1 : 0;
}

/* Whether the text's presence bits hold `bit` (a pattern whose anchor may be in the text). */
int judge_live(const JudgeText *self, PyObject *all, Py_ssize_t bit) {
    if (bit < 0 || PyObject_IsTrue(all)) {
        return 1;
    }
    Py_ssize_t byte = bit >> 3;
    return byte < PyBytes_GET_SIZE(self->anchored) && (PyBytes_AS_STRING(self->anchored)[byte] >> (bit & 7)) & 1;
}

/* The patterns of a list (None, or (all live, ((bit, verifier, starts, values), ...))): 1 with
 * the tuple of patterns and whether all are live, 0 for None, -1 with an exception. */
int judge_listed_patterns(PyObject *spec, PyObject **all, PyObject **patterns) {
    if (spec == Py_None) {
        return 0;
    }
    if (!judge_shaped(spec, 2) || !judge_shaped(PyTuple_GET_ITEM(spec, 1), 0)) {
        return -1;
    }
    *all = PyTuple_GET_ITEM(spec, 0);
    *patterns = PyTuple_GET_ITEM(spec, 1);
    return 1;
}

PyObject *judge_live_matches(JudgeText *self, PyObject *all, PyObject *pattern, Py_ssize_t low, Py_ssize_t high) {
    Py_ssize_t bit = judge_shaped(pattern, 4) ? PyLong_AsSsize_t(PyTuple_GET_ITEM(pattern, 0)) : -1;
    if (PyErr_Occurred()) {
        return NULL;
    }
    return judge_live(self, all, bit) ? judge_search(self, pattern, low, high) : Py_NewRef(Py_None);
}

int judge_add_span(Spans *spans, Py_ssize_t start, Py_ssize_t end) {
    if (spans->count == spans->room) {
        Py_ssize_t room = spans->room ? spans->room * 2 : 8;
        Py_ssize_t (*grown)[2] = PyMem_Realloc(spans->items, sizeof(Py_ssize_t[2]) * room);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        spans->items = grown;
        spans->room = room;
    }
    spans->items[spans->count][0] = start;
    spans->items[spans->count][1] = end;
    spans->count++;
    return 0;
}

int judge_add_matches(JudgeText *self, PyObject *spec, Py_ssize_t low, Py_ssize_t high, Spans *spans) {
    PyObject *all = NULL, *patterns = NULL;
    int listed = judge_listed_patterns(spec, &all, &patterns);
    for (Py_ssize_t p = 0; listed > 0 && p < PyTuple_GET_SIZE(patterns); p++) {
        PyObject *matches = judge_live_matches(self, all, PyTuple_GET_ITEM(patterns, p), low, high);
        if (matches == NULL) {
            return -1;
        }
        for (Py_ssize_t m = 0; matches != Py_None && m < PyList_GET_SIZE(matches); m++) {
            Py_ssize_t start, end;
            if (judge_span_of(PyList_GET_ITEM(matches, m), &start, &end) < 0 || judge_add_span(spans, start, end) < 0) {
                Py_DECREF(matches);
                return -1;
            }
        }
        Py_DECREF(matches);
    }
    return listed < 0 ? -1 : 0;
}
